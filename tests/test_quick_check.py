"""The quick check that spares most documents jsonschema: it may only say "valid" when
jsonschema agrees, and it must say so for real table files, or it saves nothing."""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from generator import loader, validate
from generator.quick_check import UnsupportedSchemaError, quick_check
from tests.conftest import REPO, SCHEMAS

VALID_FILES = sorted(
    [*SCHEMAS.glob("*.yaml"), *(REPO / "tests" / "golden").glob("*/input/*.yaml")]
)
SCHEMA = validate.inlined_schema()
QUICK = quick_check(SCHEMA)
JSONSCHEMA = Draft202012Validator(SCHEMA)
SEEN = Counter[str]()


def _data(path: Path) -> Any:
    return loader.load_file(path, path.name).data


def test_the_table_schema_compiles_without_unknown_keywords() -> None:
    # A keyword it does not know is refused (settings files, few and small, are left to
    # jsonschema: their schema has enums of numbers).
    quick_check(validate.inlined_schema())


def test_valid_files_to_draw_from_are_many() -> None:
    assert len(VALID_FILES) >= 8


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_valid_table_file_passes_the_quick_check(path: Path) -> None:
    data = _data(path)
    assert JSONSCHEMA.is_valid(data)
    assert QUICK(data)


LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.integers(0, 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "S", "N", "x", "ALL", "INCLUDE", "PROVISIONED", "a" * 256, "Aa-1"]),
    st.text(max_size=300),
    st.lists(st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def _mutate(data: Any, draw: Callable[[Any], Any]) -> Any:
    """One to three random changes: a node replaced, stretched, removed, duplicated or given a
    new key; numbers and strings are pushed past their bounds as often as replaced."""
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)))
        if not path:
            continue
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "stretch", "remove", "copy", "add-key"]))
        node = parent[last]
        if action == "replace":
            parent[last] = draw(LEAVES)
        elif action == "stretch" and type(node) in (int, float):
            parent[last] = node * draw(st.sampled_from([-1, 0, 2, 100])) + draw(st.integers(-2, 2))
        elif action == "stretch" and isinstance(node, str):
            parent[last] = node * draw(st.integers(0, 300))
        elif action == "remove":
            del parent[last]
        elif action == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        elif action == "add-key" and isinstance(parent[last], dict):
            parent[last][draw(st.text(max_size=12))] = draw(LEAVES)
    return data


@st.composite
def damaged_documents(draw: st.DrawFn) -> Any:
    return _mutate(_data(draw(st.sampled_from(VALID_FILES))), draw)


@settings(database=None, deadline=None, max_examples=600,
          suppress_health_check=[HealthCheck.too_slow])
@given(damaged_documents())
def _quick_never_passes_an_invalid_document(data: Any) -> None:
    valid = JSONSCHEMA.is_valid(data)
    quick = QUICK(data)
    SEEN[f"jsonschema {'valid' if valid else 'invalid'}, quick {'pass' if quick else 'fail'}"] += 1
    assert valid or not quick, "the quick check passed a document jsonschema refuses"


def test_quick_check_never_passes_a_document_jsonschema_refuses() -> None:
    SEEN.clear()
    _quick_never_passes_an_invalid_document()
    print(dict(SEEN))
    # Both kinds were drawn, so the property said something about each.
    assert SEEN["jsonschema invalid, quick fail"] >= 200, SEEN
    assert SEEN["jsonschema valid, quick pass"] >= 20, SEEN


REPLACEMENTS: list[Any] = [
    None, True, 0, -1, 1, 10**9, 2.5, math.nan, "", "S", "x" * 300, [], ["a", "a"], {}, {"zz": 1},
]


def _variants(node: Any) -> list[Any]:
    """Values to put in place of ``node``: other types, and the node pushed past its bounds."""
    found = list(REPLACEMENTS)
    if type(node) in (int, float):
        found += [node - 1, node + 1, node * 2, node * 100, -node]
    elif isinstance(node, str):
        found += [node * 2, node * 300, node.lower(), node.upper(), node + " "]
    elif isinstance(node, list) and node:
        found += [node * 2, node[1:], [*node, node[0]]]
    return found


@pytest.mark.slow
def test_quick_check_passes_no_single_change_that_jsonschema_refuses() -> None:
    """Every node of every valid file replaced in turn by each variant, or removed."""
    passed = failed = 0
    for path in VALID_FILES:
        original = _data(path)
        for where in _paths(original)[1:]:
            for variant in [*_variants(_at(original, where)), REMOVED]:
                data = copy.deepcopy(original)
                parent = _at(data, where[:-1])
                if variant is REMOVED:
                    del parent[where[-1]]
                else:
                    parent[where[-1]] = variant
                if QUICK(data):
                    passed += 1
                    assert JSONSCHEMA.is_valid(data), (path.name, where, variant)
                else:
                    failed += 1
    print(f"quick check passed {passed} and failed {failed} changed documents")
    assert passed >= 500 and failed >= 4000


REMOVED = object()


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


@pytest.mark.parametrize(
    ("schema", "value", "valid"),
    [
        ({"type": "integer"}, True, False),
        ({"type": "integer"}, 3, True),
        ({"type": "number"}, 2.5, True),
        ({"type": "number"}, False, False),
        ({"type": "string", "maxLength": 2}, "ab", True),
        ({"type": "string", "maxLength": 2}, "abc", False),
        ({"type": "string", "minLength": 2}, "a", False),
        ({"pattern": "^a"}, "ba", False),
        ({"pattern": "b"}, "abc", True),  # searched, not matched
        ({"pattern": "^a"}, 5, True),  # string keywords ignore other types
        ({"minimum": 1}, 0, False),
        ({"minimum": 1, "maximum": 3}, 3, True),
        ({"maximum": 3}, 3.5, False),
        ({"maximum": 3}, "big", True),
        ({"enum": ["A", "B"]}, "B", True),
        ({"enum": ["A", "B"]}, "a", False),
        ({"const": "2012-10-17"}, "2012-10-17", True),
        ({"required": ["a"]}, {"b": 1}, False),
        ({"required": ["a"]}, ["a"], True),
        ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"b": 1}, False),
        ({"properties": {"a": {"type": "string"}}}, {"a": "x", "b": 1}, True),
        ({"additionalProperties": {"type": "string"}}, {"a": 1}, False),
        ({"propertyNames": {"maxLength": 2}}, {"abc": 1}, False),
        ({"minProperties": 1}, {}, False),
        ({"maxProperties": 1}, {"a": 1, "b": 2}, False),
        ({"items": {"type": "string"}, "minItems": 1}, [], False),
        ({"items": {"type": "string"}, "maxItems": 1}, ["a", "b"], False),
        ({"items": {"type": "string"}}, ["a", 1], False),
        ({"uniqueItems": True}, ["a", "a"], False),
        ({"uniqueItems": True}, ["a", "b"], True),
        ({"type": ["string", "null"]}, None, True),
        (False, 1, False),
        (True, 1, True),
    ],
)
def test_quick_check_agrees_with_jsonschema_on_each_keyword(
    schema: Any, value: Any, valid: bool
) -> None:
    assert Draft202012Validator(schema).is_valid(value) is valid
    assert quick_check(schema)(value) is valid


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "integer"}, 3.0),  # an integer to jsonschema; left to it
        ({"minimum": 1}, math.nan),  # compares false with every bound
        ({"uniqueItems": True}, [1, 2]),  # only lists of strings are judged quickly
        ({"type": "string"}, type("Text", (str,), {})("x")),  # not a type the loader makes
    ],
)
def test_quick_check_leaves_unusual_valid_values_to_jsonschema(schema: Any, value: Any) -> None:
    assert Draft202012Validator(schema).is_valid(value)
    assert not quick_check(schema)(value)


@pytest.mark.parametrize(
    "schema",
    [
        {"oneOf": [{"type": "string"}]},
        {"patternProperties": {"^a": {"type": "string"}}},
        {"type": "decimal"},
        {"enum": [1, 2]},
        {"properties": {"a": {"if": {"type": "string"}}}},
        {"items": [{"type": "string"}]},
    ],
)
def test_a_schema_keyword_the_quick_check_does_not_know_is_refused(schema: Any) -> None:
    with pytest.raises(UnsupportedSchemaError):
        quick_check(schema)
