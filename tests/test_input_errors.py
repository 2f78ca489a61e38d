"""Bad input is reported with file, line, column, document path, problem and fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.helpers import run_cli, tree, write_tables

GOOD = """\
name: things
partition_key: {name: pk, type: S}
"""


def errors(tmp_path: Path, text: str) -> list[str]:
    folder = write_tables(tmp_path / "schemas", t=text)
    result = run_cli("validate", "--schemas", str(folder))
    assert result.code == 2, result
    lines = result.stderr.splitlines()
    assert lines[-1].endswith(" in 1 file")  # validate never writes, so it does not say so
    return [line.replace(str(folder) + "/", "") for line in lines[:-1]]


def test_unknown_key_suggests_the_closest_known_key(tmp_path: Path) -> None:
    assert errors(tmp_path, GOOD + "sortkey: {name: sk, type: S}\n") == [
        "t.yaml:3:1: S001 sortkey: unknown key 'sortkey'; did you mean 'sort_key'?"
    ]


def test_duplicate_mapping_key_is_an_error(tmp_path: Path) -> None:
    assert errors(tmp_path, GOOD + "name: again\n") == [
        "t.yaml:3:1: Y002 name: duplicate key 'name' (first defined at line 1); remove one of "
        "them; YAML readers silently keep only the last"
    ]


def test_missing_required_key_names_what_to_add(tmp_path: Path) -> None:
    assert errors(tmp_path, "name: things\n") == [
        "t.yaml:1:1: S002 (document): the required key 'partition_key' is missing; add "
        "'partition_key:' (The table's partition (hash) key. Changing it replaces the table.)"
    ]


def test_wrong_key_type_suggests_the_right_spelling(tmp_path: Path) -> None:
    assert errors(tmp_path, "name: things\npartition_key: {name: pk, type: s}\n") == [
        "t.yaml:2:33: S004 partition_key.type: \"s\" is not one of S, N, B; did you mean 'S'?"
    ]


def test_number_where_a_string_is_needed_says_to_quote_it(tmp_path: Path) -> None:
    assert errors(tmp_path, GOOD + "tags: {build: 42}\n") == [
        "t.yaml:3:15: S003 tags.build: expected a string, got a whole number 42; quote the "
        'value to make it a string, e.g. "42"'
    ]


def test_bad_table_name_explains_the_allowed_characters(tmp_path: Path) -> None:
    assert errors(tmp_path, "name: my table\npartition_key: {name: pk, type: S}\n") == [
        't.yaml:1:7: S005 name: "my table" is not allowed here; table and index names are 3 '
        "to 255 characters of letters, digits, '_', '.' and '-'"
    ]


def test_too_many_gsis(tmp_path: Path) -> None:
    gsis = "".join(
        f"  - name: gsi{i:02d}\n    partition_key: {{name: a{i}, type: S}}\n" for i in range(21)
    )
    assert errors(tmp_path, GOOD + "global_secondary_indexes:\n" + gsis) == [
        "t.yaml:4:3: S007 global_secondary_indexes: has 21 entries; at most 20 are allowed; "
        "DynamoDB allows at most 20 global secondary indexes per table by default"
    ]


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    assert errors(tmp_path, "name: [unclosed\npartition_key: x\n") == [
        "t.yaml:2:14: Y001 (document): invalid YAML: expected ',' or ']', but got ':'; fix the "
        "YAML syntax"
    ]


def test_all_problems_of_all_files_are_reported_together(tmp_path: Path) -> None:
    folder = write_tables(
        tmp_path / "schemas",
        a="name: x\npartition_key: {name: pk, type: S}\n",
        b=GOOD + "billing: PROVISIONED\n",
    )
    result = run_cli("validate", "--schemas", str(folder))
    assert result.code == 2
    codes = [line.split(": ")[1].split(" ")[0] for line in result.stderr.splitlines()[:-1]]
    assert codes == ["S005", "S001"]
    assert result.stderr.splitlines()[-1] == "2 errors in 2 files"


def test_invalid_input_leaves_out_untouched_and_prints_no_traceback(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "schemas", t=GOOD)
    out = tmp_path / "out"
    assert run_cli("build", "--schemas", str(folder), "--out", str(out)).code == 0
    before = tree(out)
    (folder / "t.yaml").write_text(GOOD + "unknown: 1\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--schemas", str(folder), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "S001 unknown: unknown key 'unknown'" in result.stderr
    assert tree(out) == before


def test_missing_schemas_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("validate", "--schemas", str(tmp_path / "nope"))
    assert result.code == 2
    assert result.stderr == (
        f"{tmp_path / 'nope'}: Y000 (folder): the schemas folder does not exist; create it "
        "with one YAML file per table, or pass --schemas DIR\n1 error in the schemas folder\n"
    )


def test_table_files_in_subfolders_are_named_when_the_folder_has_none_of_its_own(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "schemas"
    write_tables(folder / "prod", t=GOOD)
    result = run_cli("build", "--schemas", str(folder), "--out", str(tmp_path / "out"))
    assert result.code == 2
    assert result.stderr == (
        f"{folder}: Y000 (folder): the folder holds no *.yaml or *.yml table files; subfolders "
        "are not read, and prod/t.yaml is in one; move the table files into the folder, or pass "
        f"--schemas {folder / 'prod'}\n1 error in the schemas folder; nothing was written\n"
    )


def test_schema_messages_spell_values_as_yaml_does(tmp_path: Path) -> None:
    assert errors(tmp_path, GOOD + "stream: true\ntags: {a: 1.5}\n") == [
        "t.yaml:3:9: S004 stream: true is not one of KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, "
        "NEW_AND_OLD_IMAGES; use one of the stream view types KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, "
        "NEW_AND_OLD_IMAGES, or leave 'stream' out",
        "t.yaml:4:11: S003 tags.a: expected a string, got a number 1.5; quote the value to make "
        'it a string, e.g. "1.5"',
    ]


def test_yaml_1_1_booleans_are_refused_wherever_they_are(tmp_path: Path) -> None:
    assert errors(tmp_path, GOOD + "deletion_protection: no\n") == [
        "t.yaml:3:22: Y013 deletion_protection: 'no' is a boolean in YAML 1.1 but text in YAML "
        "1.2, so tools read it differently; write true or false, or quote it for the text",
    ]
    assert errors(tmp_path, GOOD + "tags: {a: On, b: 'yes'}\n") == [
        "t.yaml:3:11: Y013 tags.a: 'On' is a boolean in YAML 1.1 but text in YAML 1.2, so tools "
        "read it differently; write true or false, or quote it for the text",
    ]


def test_quoted_yaml_1_1_booleans_stay_strings_and_core_booleans_stay_booleans() -> None:
    from generator.loader import load_text

    text = GOOD + "tags: {a: 'no', b: \"Off\", c: y}\ndeletion_protection: True\n"
    data = load_text(text, Path("t.yaml"), "t.yaml").data
    assert data["tags"] == {"a": "no", "b": "Off", "c": "y"}
    assert data["deletion_protection"] is True


CSV = GOOD + "import_from_s3:\n  bucket: my-bucket\n  input_format: CSV\n  csv:\n"


def test_csv_delimiter_and_header_names_follow_dynamodb_rules(tmp_path: Path) -> None:
    assert errors(tmp_path, CSV + "    delimiter: x\n    header_list: ['a\"b', 'c,d', e]\n") == [
        't.yaml:7:16: S004 import_from_s3.csv.delimiter: "x" is not one of ",", ";", ":", "|", '
        '"\\t", " "; use one of , ; : | a tab or a space',
        't.yaml:8:19: S005 import_from_s3.csv.header_list[0]: "a\\"b" is not allowed here; '
        'header names are printable ASCII characters other than " and ,',
        't.yaml:8:26: S005 import_from_s3.csv.header_list[1]: "c,d" is not allowed here; '
        'header names are printable ASCII characters other than " and ,',
    ]


def test_csv_header_list_holds_1_to_255_names_of_up_to_65536_characters(
    tmp_path: Path,
) -> None:
    many = ", ".join(f"h{i}" for i in range(256))
    assert errors(tmp_path, CSV + f"    header_list: [{many}]\n") == [
        "t.yaml:7:18: S007 import_from_s3.csv.header_list: has 256 entries; at most 255 are "
        "allowed"
    ]
    assert errors(tmp_path, CSV + f"    header_list: [{'h' * 65537}]\n")[0].startswith(
        "t.yaml:7:19: S006 import_from_s3.csv.header_list[0]: "
    )
    ok = write_tables(tmp_path / "ok", t=CSV + f"    header_list: [{'h' * 65536}, ' x']\n")
    assert run_cli("validate", "--schemas", str(ok)).code == 0


def test_malformed_patterns_examples_and_unknown_types_are_located(tmp_path: Path) -> None:
    assert errors(tmp_path, GOOD + """\
attributes:
  note: {type: STRING}
access_patterns:
  "bad name; rm -rf /":
    operation: fetch
  Good:
    operation: get
    key: {pk: EQUALS}
    acknowledge: {W999: x}
examples:
  "${jndi:ldap}":
    item: {pk: {X: a}}
access:
  Runtime:
    patterns: [Good]
""") == [
        "t.yaml:4:16: S004 attributes.note.type: \"STRING\" is not one of S, N, B, BOOL, NULL, "
        "M, L, SS, NS, BS; attribute types are S, N, B, BOOL, NULL, M, L, SS, NS or BS",
        "t.yaml:6:3: S005 access_patterns[\"bad name; rm -rf /\"]: the key \"bad name; rm -rf "
        "/\" is not allowed here; names of access patterns and examples are 1 to 64 letters, "
        "digits, '_', '.' and '-', starting with a letter",
        "t.yaml:7:16: S004 access_patterns[\"bad name; rm -rf /\"].operation: \"fetch\" is not "
        "one of get, query, scan, put, update, delete; operations are get, query, scan, put, "
        "update or delete",
        "t.yaml:10:15: S004 access_patterns.Good.key.pk: \"EQUALS\" is not one of EQ, LT, LE, "
        "GT, GE, BETWEEN, BEGINS_WITH; key conditions are EQ, LT, LE, GT, GE, BETWEEN or "
        "BEGINS_WITH (DynamoDB's =, <, <=, >, >=, BETWEEN, begins_with)",
        "t.yaml:11:19: S004 access_patterns.Good.acknowledge.W999: the key \"W999\" is not one "
        "of W201, W202, W203, W204; warnings that patterns can acknowledge are W201, W202, W203 "
        "and W204",
        "t.yaml:13:3: S005 examples[\"${jndi:ldap}\"]: the key \"${jndi:ldap}\" is not allowed "
        "here; names of access patterns and examples are 1 to 64 letters, digits, '_', '.' and "
        "'-', starting with a letter",
        "t.yaml:14:17: S001 examples[\"${jndi:ldap}\"].item.pk.X: unknown key 'X'; allowed "
        "keys: B, BOOL, BS, L, M, N, NS, NULL, S, SS",
        "t.yaml:16:3: S005 access.Runtime: the key \"Runtime\" is not allowed here; role names "
        "are 1 to 40 lower-case letters, digits and '_', starting with a letter",
    ]


def test_an_unquoted_null_type_key_says_to_quote_it(tmp_path: Path) -> None:
    # YAML reads a bare NULL as null, so {NULL: true} needs the quotes: {"NULL": true}.
    assert errors(tmp_path, GOOD + """\
examples:
  plain:
    item: {pk: {S: a}, gone: {NULL: true}}
""") == [
        "t.yaml:5:31: Y003 examples.plain.item.gone: mapping key 'NULL' is not a string; quote "
        "the key to make it a string, e.g. \"1\": or \"true\":"
    ]


def test_numbers_dynamodb_cannot_hold_are_located_errors_not_crashes(tmp_path: Path) -> None:
    assert errors(tmp_path, GOOD + """\
examples:
  huge:
    item: {pk: {S: a}, big: {N: "1e99999999999"}, long: {NS: ["1%s"]}}
""" % ("0" * 60 + "1")) == [
        "t.yaml:5:33: E214 examples.huge.item.big.N: '1e99999999999' is outside DynamoDB's "
        "range of numbers (1E-130 to 9.9E+125); write a decimal number as a string, e.g. \"12\" "
        "or \"-1.5e3\"",
        "t.yaml:5:63: E214 examples.huge.item.long.NS[0]: '1000000000000000000000000000000000000000"
        "...' has 62 significant digits; DynamoDB keeps at most 38; write a decimal number as a "
        "string, e.g. \"12\" or \"-1.5e3\"",
    ]


def test_an_untyped_argument_says_how_to_type_it(tmp_path: Path) -> None:
    assert errors(tmp_path, GOOD + """\
access_patterns:
  Read:
    operation: get
    key: {pk: EQ}
    arguments: {pk: alice}
""") == [
        "t.yaml:7:21: S003 access_patterns.Read.arguments.pk: expected a mapping or a list, got "
        "a string \"alice\"; give a typed value such as {S: alice}, or for BETWEEN a list of "
        "two: [{S: a}, {S: b}]"
    ]
