"""The cheap-to-check properties that keep the generator fast (benchmarks/run.py has figures).

A command must not pay for imports it does not use, and the fast paths (libyaml, the
indenting JSON writer) must give exactly what the slow, reference paths give.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import json_printer, loader, loader_fast
from generator.diagnostics import InputError

ROOT = Path(__file__).resolve().parent.parent
HEAVY_FOR_VALIDATE = ("jinja2", "cfnlint", "boto3", "botocore", "generator.render")


def _modules_after(argv: list[str]) -> set[str]:
    """Top-level and generator modules loaded by one CLI run, in a fresh interpreter."""
    script = (
        "import sys\n"
        "from generator.cli import main\n"
        f"code = main({argv!r})\n"
        "print(' '.join(sorted(sys.modules)))\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split("\n")[-2].split())


def test_validate_imports_no_renderer_linter_or_aws_sdk() -> None:
    loaded = _modules_after(["validate"])
    assert "generator.validate" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY_FOR_VALIDATE or
                  m in HEAVY_FOR_VALIDATE) == []


def test_valid_tables_are_validated_without_importing_jsonschema() -> None:
    # The quick check passes them; jsonschema (a third of `validate`'s imports) explains
    # invalid documents only (tests/test_quick_check.py).
    assert sorted(m for m in _modules_after(["validate"]) if m.startswith("jsonschema")) == []


def test_build_check_imports_no_linter_or_aws_sdk() -> None:
    loaded = _modules_after(["build", "--check"])
    assert "jinja2" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] in ("cfnlint", "boto3", "botocore")) == []


def test_small_builds_start_no_processes() -> None:
    # Below parallel.MIN_TABLES files, forking workers would cost more than it saves.
    assert "multiprocessing" not in _modules_after(["build", "--check"])


def _table_files() -> list[Path]:
    return sorted((ROOT / "schemas").glob("*.yaml")) + sorted(
        (ROOT / "tests" / "golden").glob("*/input/*.yaml")
    )


NO_LIBYAML = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")


@NO_LIBYAML
@pytest.mark.parametrize("path", _table_files(), ids=lambda p: p.name)
def test_libyaml_loads_every_table_file_exactly_as_the_python_parser(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = loader.load_text(text, path, path.name)
    reference = loader.load_text(text, path, path.name, libyaml=False)
    assert (fast.data, fast.key_marks, fast.value_marks) == (
        reference.data, reference.key_marks, reference.value_marks
    )


@NO_LIBYAML
@pytest.mark.parametrize(
    "text",
    [
        "name: a\tb\n",  # the pure-Python parser refuses a tab that libyaml accepts
        "name: [a,\tb]\n",
        'name: "\\ud800"\n',  # libyaml refuses a surrogate escape the loader reports itself
        "name: a\n\ufeffmore: b\n",
        "name: [a, b\n",
        "name: {a: 1}\n" + "x:\n" + "  - y\n" * 3,
    ],
)
def test_texts_libyaml_judges_differently_get_the_python_parsers_verdict(text: str) -> None:
    def outcome(libyaml: bool) -> object:
        try:
            document = loader.load_text(text, Path("t.yaml"), "t.yaml", libyaml=libyaml)
        except InputError as error:
            return [d.format() for d in error.diagnostics]
        return document.data, document.key_marks, document.value_marks

    assert outcome(libyaml=True) == outcome(libyaml=False)


def _full_path(text: str) -> object:
    """What load_text gives without the one-pass builder: data, or the diagnostics."""
    try:
        return loader.load_text(text, Path("t.yaml"), "t.yaml", one_pass=False).data
    except InputError as error:
        return [d.format() for d in error.diagnostics]


@NO_LIBYAML
@pytest.mark.parametrize("path", _table_files(), ids=lambda p: p.name)
def test_every_table_file_is_built_in_one_pass_with_the_data_of_the_full_path(
    path: Path,
) -> None:
    text = path.read_text(encoding="utf-8")
    assert loader_fast.plain_data(text) == _full_path(text)


@NO_LIBYAML
@pytest.mark.parametrize("text", ["a: no\n", "a: [1, On]\n", "a: {b: OFF}\n", "a: Yes\n"])
def test_yaml_1_1_booleans_are_left_to_the_full_path_which_refuses_them(text: str) -> None:
    with pytest.raises(loader_fast.NotPlainError):
        loader_fast.plain_data(text)
    found = _full_path(text)
    assert isinstance(found, list) and [line.split(" ")[1] for line in found] == ["Y013"]


_yaml_leaves = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    | st.sampled_from(["2001-12-14", "<<", "1e3", "0x1F", "~", "yes", "NaN", "-.inf", "!x", "é"])
)
_yaml_data = st.recursive(
    _yaml_leaves,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=5) | st.sampled_from(["<<", "1", "true"]), inner,
                      max_size=3),
    max_leaves=12,
)
_yaml_noise = st.sampled_from(
    ["&a ", "*a", "!!str ", "!!binary ", "<<: ", "\t", "---\n", "- ", ": ", "? ", "{", "[",
     "\n  x: 1", "\\ud800", '"\\x07"', "\u202e", "e\u0301", "#", "'", '"', " no", "On"]
)


@NO_LIBYAML
@settings(max_examples=300)
@given(
    _yaml_data, st.booleans(), st.booleans(),
    st.lists(st.tuples(st.integers(0, 10_000), _yaml_noise), max_size=3),
)
def test_the_one_pass_builder_gives_the_full_paths_data_or_leaves_the_text_to_it(
    data: object, flow: bool, unicode: bool, noise: list[tuple[int, str]]
) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=unicode)
    for offset, piece in noise:
        position = offset % (len(text) + 1)
        text = text[:position] + piece + text[position:]
    try:
        fast = loader_fast.plain_data(text)
    except loader_fast.NotPlainError:
        return
    assert repr(fast) == repr(_full_path(text))  # repr: NaN is not equal to itself


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@given(_json_values)
def test_pretty_json_is_byte_identical_to_json_dumps_with_indent(value: object) -> None:
    assert json_printer.pretty_json(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_pretty_json_refuses_keys_json_dumps_would_silently_convert() -> None:
    with pytest.raises(TypeError, match="keys must be strings"):
        json_printer.pretty_json({1: "a"})


def test_libyaml_is_present_where_the_benchmark_runs() -> None:
    """Without libyaml, loading is the slowest stage; the wheel of PyYAML ships it."""
    assert yaml.__with_libyaml__
