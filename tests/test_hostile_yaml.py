"""Broken and hostile YAML gets one precise, located error: fast, in bounded memory, no code run.

Table files come from pull requests, so the loader is the first thing an attacker reaches.
The limits are the constants of generator/yaml_core.py (SECURITY.md lists them).
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from generator import loader, yaml_core
from generator.diagnostics import InputError
from tests.helpers import run_cli

GOOD = "name: things\npartition_key: {name: pk, type: S}\n"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [{', '.join(['*' + before] * 10)}]\n"
    for before, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def located_errors(folder: Path, data: bytes) -> list[str]:
    """The CLI's error lines for one table file ``t.yaml`` holding ``data``."""
    folder.mkdir(exist_ok=True)
    (folder / "t.yaml").write_bytes(data)
    result = run_cli("validate", "--schemas", str(folder))
    assert result.code == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1].endswith(" in 1 file")
    return [line.replace(f"{folder}/", "") for line in lines[:-1]]


CASES = {
    "python-object-tag": (
        b"name: !!python/object/apply:os.system ['echo pwned']\n" + GOOD[13:].encode(),
        "t.yaml:1:7: Y004 name: the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' "
        "is not allowed; remove the tag; table files hold plain mappings, lists, strings and "
        "numbers",
    ),
    "cloudformation-short-tag": (
        b"name: !Sub '${AWS::StackName}'\n" + GOOD[13:].encode(),
        "t.yaml:1:7: Y004 name: the YAML tag '!Sub' is not allowed; remove the tag; table files "
        "hold plain mappings, lists, strings and numbers",
    ),
    "set-tag": (
        b"name: things\npartition_key: !!set {a, b}\n",
        "t.yaml:2:16: Y004 partition_key: the YAML tag 'tag:yaml.org,2002:set' is not allowed; "
        "remove the tag; table files hold plain mappings, lists, strings and numbers",
    ),
    "merge-key": (
        b"base: &b {name: pk, type: S}\nname: things\npartition_key:\n  <<: *b\n",
        "t.yaml:4:3: Y004 partition_key: YAML merge keys ('<<') are not supported; write the "
        "keys out in full so that every table file reads on its own",
    ),
    "alias-bomb": (
        BOMB.encode(),
        f"t.yaml:1:32: Y010 e[3][3][8][8][8]: the document expands to more than "
        f"{yaml_core.MAX_NODES} nodes; a table file is small; remove repeated aliases (*name) that "
        "multiply its size",
    ),
    "deep-nesting": (
        b"a: " + b"[" * 10_000 + b"]" * 10_000 + b"\n",
        f"t.yaml:1:{4 + yaml_core.MAX_DEPTH}: Y009 (document): the document nests deeper "
        f"than {yaml_core.MAX_DEPTH} levels; a table file needs only a few levels; flatten the "
        "structure",
    ),
    "too-many-nodes": (
        b"a: [" + b"x," * 200_000 + b"x]\n",
        f"t.yaml:1:{5 + 2 * (yaml_core.MAX_NODES - 3)}: Y010 (document): the document has "
        f"more than {yaml_core.MAX_NODES} nodes; a table file is small; split or trim it",
    ),
    "oversized-file": (
        GOOD.encode() + b"# " + b"x" * yaml_core.MAX_FILE_BYTES + b"\n",
        f"t.yaml:1:1: Y008 (document): the file has {len(GOOD) + yaml_core.MAX_FILE_BYTES + 3} "
        f"bytes, more than the limit of {yaml_core.MAX_FILE_BYTES}; a table file is a few "
        "kilobytes; split or trim it",
    ),
    "duplicate-key": (
        (GOOD + "name: again\n").encode(),
        "t.yaml:3:1: Y002 name: duplicate key 'name' (first defined at line 1); remove one of "
        "them; YAML readers silently keep only the last",
    ),
    "integer-key": (
        (GOOD + "tags:\n  1: one\n").encode(),
        "t.yaml:4:3: Y003 tags: mapping key '1' is not a string; quote the key to make it a "
        'string, e.g. "1": or "true":',
    ),
    "boolean-key": (
        (GOOD + "yes: x\n").encode(),
        "t.yaml:3:1: Y003 (document): mapping key 'yes' is not a string; quote the key to make "
        'it a string, e.g. "1": or "true":',
    ),
    "yaml-1.1-boolean-value": (
        (GOOD + "point_in_time_recovery: off\n").encode(),
        "t.yaml:3:25: Y013 point_in_time_recovery: 'off' is a boolean in YAML 1.1 but text in "
        "YAML 1.2, so tools read it differently; write true or false, or quote it for the text",
    ),
    "collection-key": (
        (GOOD + "? [a, b]\n: x\n").encode(),
        "t.yaml:3:3: Y003 (document): mapping key 'a collection' is not a string; quote the key "
        'to make it a string, e.g. "1": or "true":',
    ),
    "wrong-type": (
        b"name: [a]\npartition_key: {name: pk, type: S}\n",
        "t.yaml:1:7: S003 name: expected a string, got a list [\"a\"]; table and index names are "
        "3 to 255 characters of letters, digits, '_', '.' and '-'",
    ),
    "document-not-a-mapping": (
        b"- name: things\n",
        't.yaml:1:1: S003 (document): expected a mapping, got a list [{"name": "things"}]; '
        "write a mapping",
    ),
    "empty-file": (
        b"",
        "t.yaml:1:1: Y006 (document): the file holds no YAML document; describe one table, "
        "starting with 'name:' and 'partition_key:'",
    ),
    "only-comments": (
        b"# nothing here yet\n",
        "t.yaml:1:1: Y006 (document): the file holds no YAML document; describe one table, "
        "starting with 'name:' and 'partition_key:'",
    ),
    "several-documents": (
        (GOOD + "---\n" + GOOD).encode(),
        "t.yaml:4:1: Y005 (document): the file holds more than one YAML document; keep one "
        "table per file; move the part after '---' into a file of its own",
    ),
    "latin-1-bytes": (
        b"name: things\ndescription: caf\xe9\npartition_key: {name: pk, type: S}\n",
        "t.yaml:2:17: Y007 (document): the file is not valid UTF-8 (byte 0xe9); save the file "
        "as UTF-8",
    ),
    "utf-16": (
        GOOD.encode("utf-16"),
        "t.yaml:1:1: Y007 (document): the file is not valid UTF-8 (byte 0xff); save the file "
        "as UTF-8",
    ),
    "byte-order-mark-inside": (
        (GOOD + "description: a\ufeffb\n").encode(),
        "t.yaml:3:15: Y007 (document): a byte order mark (U+FEFF) inside the file; remove it; "
        "only the very start of a file may carry a byte order mark",
    ),
    "tab-indentation": (
        b"name: things\npartition_key:\n\tname: pk\n\ttype: S\n",
        "t.yaml:3:1: Y001 (document): a tab character is used where YAML allows only spaces; "
        "indent with spaces; YAML forbids tabs in indentation",
    ),
    "raw-control-character": (
        b"name: things\ndescription: ring \x07 bell\npartition_key: {name: pk, type: S}\n",
        "t.yaml:2:19: Y007 (document): the control character U+0007 is not allowed in YAML "
        'text; remove it; inside double quotes write an escape such as "\\x07" instead',
    ),
    "lone-surrogate-escape": (
        (GOOD + 'description: "\\ud800"\n').encode(),
        "t.yaml:3:14: Y007 description: the string contains a lone UTF-16 surrogate escape; "
        "write the character itself, or a valid \\U escape, instead of \\uD800-\\uDFFF",
    ),
    "truncated": (
        GOOD.encode()[:20],
        "t.yaml:2:8: Y001 (document): invalid YAML: could not find expected ':'; fix the YAML "
        "syntax",
    ),
    "path-traversal-table-name": (
        b"name: ../../etc/x\npartition_key: {name: pk, type: S}\n",
        "t.yaml:1:7: S005 name: \"../../etc/x\" is not allowed here; table and index names are "
        "3 to 255 characters of letters, digits, '_', '.' and '-'",
    ),
}


@pytest.mark.parametrize(("data", "expected"), CASES.values(), ids=CASES.keys())
def test_bad_file_gives_exactly_one_located_error(
    data: bytes, expected: str, tmp_path: Path
) -> None:
    assert located_errors(tmp_path / "schemas", data) == [expected]


def test_object_constructing_tag_runs_no_code(tmp_path: Path) -> None:
    witness = tmp_path / "pwned"
    payload = f"name: !!python/object/apply:os.system ['touch {witness}']\n"
    located_errors(tmp_path / "schemas", payload.encode() + GOOD[13:].encode())
    assert not witness.exists()


def test_byte_order_mark_at_the_start_is_allowed_and_columns_ignore_it(tmp_path: Path) -> None:
    """YAML allows a BOM before a document; Windows editors write one."""
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "t.yaml").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert run_cli("validate", "--schemas", str(folder)).code == 0
    assert located_errors(folder, b"\xef\xbb\xbfname: [x]\n" + GOOD[13:].encode())[0].startswith(
        "t.yaml:1:7: S003 name:"
    )


@pytest.mark.parametrize(
    "text",
    [BOMB, "a: [" + "x," * 200_000 + "x]\n", "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
     "".join(f"k{i}: v\n" for i in range(120_000))],
    ids=["alias-bomb", "wide-list", "deep-list", "wide-mapping"],
)
def test_hostile_documents_are_refused_in_seconds_within_a_few_megabytes(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(InputError) as refused:
        loader.load_text(text, Path("t.yaml"), "t.yaml")
    elapsed = time.perf_counter() - started
    assert refused.value.diagnostics[0].code in ("Y009", "Y010")
    # Memory is measured in a second run: tracing slows allocation several times over.
    tracemalloc.start()
    try:
        with pytest.raises(InputError):
            loader.load_text(text, Path("t.yaml"), "t.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"refused in {elapsed:.2f} s, peak {peak / 1e6:.1f} MB")
    # Alone this takes well under a second; the bound leaves room for a busy 2-core CI box.
    assert elapsed < 2.5
    assert peak < 32e6
