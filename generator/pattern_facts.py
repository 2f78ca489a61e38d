"""Stage 3, what the access-pattern rules read of a table file, made once per document:
the keys of the table and of each index, each pattern's keys, conditions and arguments,
and the example items with their values parsed, and what is wrong with those values.

The rules in ``pattern_checks``, ``pattern_checks_examples`` and ``pattern_checks_warnings``
share these facts; several rules read each, so each is derived once for the document being
checked. Example values nested in maps and lists, and arguments, are checked here alone (the
schema sees only their outer shape).
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from generator import keys as key_forms
from generator.attribute_values import (
    ATTRIBUTE_TYPES,
    SET_ELEMENT_TYPES,
    AttributeValue,
    is_base64,
    value_from_yaml,
)
from generator.diagnostics import DocPath
from generator.loader import Document

T = TypeVar("T")

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
WRITES_ONE_ITEM = ("get", "put", "update", "delete")
_TYPED_HINT = "write a value as one DynamoDB type and its content, e.g. {S: text} or {N: \"12\"}"


# Several rules read the same derived facts of the document being checked (its indexes,
# its parsed example items, its warnings); they are made once per document. The entry holds
# the document's data, so that data cannot be replaced by another at the same address.
_DERIVED: list[tuple[Any, dict[str, Any]]] = []


def document_facts(data: Mapping[str, Any]) -> dict[str, Any]:
    """The facts derived so far of the document holding ``data``; none for another's."""
    if not _DERIVED or _DERIVED[0][0] is not data:
        _DERIVED[:] = [(data, {})]
    return _DERIVED[0][1]


@dataclass(frozen=True)
class Keys:
    """The key attributes of the table or of one index: several in a multi-attribute key of
    a global secondary index."""

    partitions: tuple[str, ...]
    sorts: tuple[str, ...] = ()

    @property
    def partition(self) -> str:
        return self.partitions[0]

    @property
    def sort(self) -> str | None:
        return self.sorts[0] if self.sorts else None

    @property
    def names(self) -> tuple[str, ...]:
        return self.partitions + self.sorts


def _keys_of(scope: Mapping[str, Any]) -> Keys:
    return Keys(tuple(key_forms.names(scope["partition_key"])),
                 tuple(key_forms.names(scope.get("sort_key"))))


def table_keys(data: Mapping[str, Any]) -> Keys:
    return _keys_of(data)


def _derived(data: Mapping[str, Any], fact: str, find: Callable[[Mapping[str, Any]], T]) -> T:
    """The ``fact`` of the document holding ``data``, found once."""
    derived = document_facts(data)
    if fact not in derived:
        derived[fact] = find(data)
    found: T = derived[fact]
    return found


def index_keys(data: Mapping[str, Any]) -> dict[str, tuple[DocPath, Keys]]:
    """Each secondary index by name: where it is, and its keys."""
    return _derived(data, "indexes", _find_index_keys)


def _find_index_keys(data: Mapping[str, Any]) -> dict[str, tuple[DocPath, Keys]]:
    found: dict[str, tuple[DocPath, Keys]] = {}
    for position, index in enumerate(data.get("global_secondary_indexes", [])):
        found.setdefault(index["name"], (("global_secondary_indexes", position), _keys_of(index)))
    for position, index in enumerate(data.get("local_secondary_indexes", [])):
        keys = Keys((data["partition_key"]["name"],), (index["sort_key"]["name"],))
        found.setdefault(index["name"], (("local_secondary_indexes", position), keys))
    return found


def key_types(data: Mapping[str, Any]) -> dict[str, tuple[DocPath, str]]:
    """Every key attribute of the table and its indexes: its first use and its type."""
    return _derived(data, "key types", _find_key_types)


def _find_key_types(data: Mapping[str, Any]) -> dict[str, tuple[DocPath, str]]:
    found: dict[str, tuple[DocPath, str]] = {}
    scopes: list[tuple[DocPath, Mapping[str, Any]]] = [((), data)]
    for kind in ("global_secondary_indexes", "local_secondary_indexes"):
        scopes += [((kind, i), index) for i, index in enumerate(data.get(kind, []))]
    for path, scope in scopes:
        for where, key in key_forms.uses(scope, path):
            found.setdefault(key["name"], (where, key["type"]))
    return found


def pattern_keys(data: Mapping[str, Any], spec: Mapping[str, Any]) -> Keys | None:
    """The keys of what a pattern reads: its index, or the table; None for a missing index.
    Only query and scan read an index (E201 reports an index on the others)."""
    if "index" not in spec or spec["operation"] in WRITES_ONE_ITEM:
        return table_keys(data)
    found = index_keys(data).get(spec["index"])
    return found[1] if found else None


def patterns(doc: Document) -> Iterator[tuple[str, DocPath, Mapping[str, Any]]]:
    for name, spec in doc.data.get("access_patterns", {}).items():
        yield name, ("access_patterns", name), spec


def examples(doc: Document) -> Iterator[tuple[str, DocPath, Mapping[str, Any]]]:
    for name, spec in doc.data.get("examples", {}).items():
        yield name, ("examples", name, "item"), spec["item"]


# --- values -----------------------------------------------------------------------------


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _number_problem(text: str) -> str | None:
    if not _NUMBER.match(text):
        return f"{_shown(text)} is not a number"
    value = decimal.Decimal(text)
    significant = len("".join(map(str, value.as_tuple().digits)).strip("0"))
    if significant > 38:
        return f"{_shown(text)} has {significant} significant digits; DynamoDB keeps at most 38"
    # adjusted() is the exponent of the leading digit, and needs no arithmetic context.
    if not value.is_zero() and not -130 <= value.adjusted() <= 125:
        return f"{_shown(text)} is outside DynamoDB's range of numbers (1E-130 to 9.9E+125)"
    return None


def value_problems(raw: Any, path: DocPath) -> Iterator[tuple[DocPath, str, str]]:
    """Everything wrong with one typed value, members included: (path, message, hint)."""
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in ATTRIBUTE_TYPES:
        shown = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        yield path, f"expected a typed value, got {shown}", _TYPED_HINT + (
            "; the types are " + ", ".join(ATTRIBUTE_TYPES)
        )
        return
    ((kind, content),) = raw.items()
    here = (*path, kind)
    expected = {"S": str, "N": str, "B": str, "BOOL": bool, "NULL": bool, "M": dict, "L": list}
    if kind in expected and not isinstance(content, expected[kind]):
        what = {str: "a string", bool: "true or false", dict: "a mapping", list: "a list"}
        yield here, f"{kind} takes {what[expected[kind]]}, got {type(content).__name__}", (
            'quote numbers: DynamoDB JSON writes them as strings, e.g. {N: "12"}'
            if kind == "N" else _TYPED_HINT
        )
        return
    if kind == "N":
        problem = _number_problem(content)
        if problem:
            yield here, problem, 'write a decimal number as a string, e.g. "12" or "-1.5e3"'
    elif kind == "B" and not is_base64(content):
        yield here, "binary values are base64 text, and this is not", (
            "encode the bytes in base64, e.g. aGVsbG8= for 'hello'"
        )
    elif kind == "NULL" and content is not True:
        yield here, "NULL takes true", 'write {"NULL": true} for an attribute that is null'
    elif kind == "M":
        for name, member in content.items():
            yield from value_problems(member, (*here, name))
    elif kind == "L":
        for position, member in enumerate(content):
            yield from value_problems(member, (*here, position))
    elif kind in SET_ELEMENT_TYPES:
        yield from _set_problems(kind, content, here)


def _set_problems(kind: str, content: Any, path: DocPath) -> Iterator[tuple[DocPath, str, str]]:
    if not isinstance(content, list) or not content:
        yield path, f"{kind} takes a list of at least one member", (
            "DynamoDB has no empty sets; leave the attribute out instead"
        )
        return
    element = SET_ELEMENT_TYPES[kind]
    seen: set[AttributeValue] = set()
    for position, member in enumerate(content):
        problems = list(value_problems({element: member}, (*path, position)))
        if problems:
            yield from ((p[:-1], m, h) for p, m, h in problems)
            continue
        value = value_from_yaml({element: member})
        if value in seen:
            yield (*path, position), f"{_shown(str(member))} is in the set twice", (
                "list each member once"
            )
        seen.add(value)


def parsed(raw: Any) -> AttributeValue | None:
    """The value, or None when it is malformed (another rule reports that)."""
    if next(value_problems(raw, ()), None) is not None:
        return None
    return value_from_yaml(raw)


def example_items(doc: Document) -> dict[str, dict[str, AttributeValue | None]]:
    """Each example's item by name, its values parsed (None: malformed)."""
    derived = document_facts(doc.data)
    if "items" not in derived:
        items: dict[str, dict[str, AttributeValue | None]] = {}
        problems: list[tuple[DocPath, str, str]] = []
        for name, path, raw_item in examples(doc):
            item = items[name] = {}
            for attribute, raw in raw_item.items():
                found = list(value_problems(raw, (*path, attribute)))
                problems += found
                item[attribute] = None if found else value_from_yaml(raw)
        derived["items"], derived["value problems"] = items, problems
    by_name: dict[str, dict[str, AttributeValue | None]] = derived["items"]
    return by_name


def example_value_problems(doc: Document) -> list[tuple[DocPath, str, str]]:
    """What is wrong with the values of the example items: (path, message, hint)."""
    example_items(doc)
    found: list[tuple[DocPath, str, str]] = document_facts(doc.data)["value problems"]
    return found


def arguments(spec: Mapping[str, Any]) -> dict[str, list[Any]]:
    """A pattern's arguments, each as a list of raw values."""
    return {
        attribute: given if isinstance(given, list) else [given]
        for attribute, given in spec.get("arguments", {}).items()
    }


def conditions(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(part, attribute, operator) for the key and filter conditions of a pattern."""
    for part in ("key", "filter"):
        for attribute, operator in spec.get(part, {}).items():
            yield part, attribute, operator
