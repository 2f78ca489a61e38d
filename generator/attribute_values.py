"""DynamoDB's typed attribute values, as the table file's examples and arguments write them.

Example values are written in DynamoDB's own typed form, ``{S: text}``, ``{N: "1.5"}``,
``{B: base64}``, ``{BOOL: true}``, ``{NULL: true}``, ``{M: {...}}``, ``{L: [...]}``,
``{SS: [...]}``, ``{NS: [...]}``, ``{BS: [...]}``: the form of the low-level API, of
``aws dynamodb put-item`` and of DynamoDB JSON exports. Each value says its type, so
YAML's implicit typing (``no`` read as false, ``010`` as 8) can never change one, an
empty string is ``{S: ""}``, and members of maps and lists are as unambiguous as
top-level attributes. (YAML reads a bare ``NULL`` key as null: it is written ``"NULL"``.)

This module is the values alone: parsed from YAML or from boto3, sized and ordered as
DynamoDB sizes and orders them, and written back for boto3 and DynamoDB JSON. The access
patterns that use them are ``patterns``; their checks are ``pattern_checks``.
"""

from __future__ import annotations

import base64
import binascii
import decimal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

ATTRIBUTE_TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")
SET_ELEMENT_TYPES = {"SS": "S", "NS": "N", "BS": "B"}

_NUMBER_CONTEXT = decimal.Context(prec=38, traps=[decimal.InvalidOperation])


def canonical_number(text: str) -> str:
    """A DynamoDB number in one spelling (``1.50`` and ``15e-1`` are ``1.5``), as DynamoDB
    returns it, so that a written example and a read item compare equal."""
    value = decimal.Decimal(text.strip())
    if value.is_zero():
        return "0"
    return format(value.normalize(_NUMBER_CONTEXT), "f")


@dataclass(frozen=True)
class AttributeValue:
    """One DynamoDB value of any type.

    ``text`` holds an S value, or an N value in canonical spelling; ``data`` a B value;
    ``flag`` a BOOL; ``members`` the entries of an M, sorted by name; ``elements`` the items
    of an L in order, or the members of a set (as S, N or B values) sorted, since DynamoDB
    keeps no order in maps and sets.
    """

    type: str
    text: str = ""
    data: bytes = b""
    flag: bool = False
    members: tuple[tuple[str, AttributeValue], ...] = ()
    elements: tuple[AttributeValue, ...] = ()

    def to_boto3(self) -> dict[str, Any]:
        """The value as boto3's low-level client takes it: ``{"S": "x"}``, ``{"B": b"..."}``."""
        return self._typed(lambda data: data)

    def to_json(self) -> dict[str, Any]:
        """The value in DynamoDB JSON, as files and NoSQL Workbench hold it (B as base64)."""
        return self._typed(lambda data: base64.b64encode(data).decode("ascii"))

    def _typed(self, binary: Callable[[bytes], Any]) -> dict[str, Any]:
        kind = self.type
        if kind in ("S", "N"):
            return {kind: self.text}
        if kind == "B":
            return {kind: binary(self.data)}
        if kind == "BOOL":
            return {kind: self.flag}
        if kind == "NULL":
            return {kind: True}
        if kind == "M":
            return {kind: {name: value._typed(binary) for name, value in self.members}}
        if kind == "L":
            return {kind: [value._typed(binary) for value in self.elements]}
        if kind == "BS":
            return {kind: [binary(value.data) for value in self.elements]}
        return {kind: [value.text for value in self.elements]}  # SS, NS

    @cached_property
    def size(self) -> int:
        """Bytes DynamoDB counts for the value, by its documented item-size rules."""
        kind = self.type
        if kind == "S":
            return len(self.text.encode("utf-8"))
        if kind == "N":
            digits = self.text.lstrip("-").replace(".", "").strip("0")
            return (len(digits) + 1) // 2 + 1
        if kind == "B":
            return len(self.data)
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "M":
            return 3 + sum(len(n.encode("utf-8")) + v.size + 1 for n, v in self.members)
        if kind == "L":
            return 3 + sum(v.size + 1 for v in self.elements)
        return sum(v.size for v in self.elements)  # sets

    @property
    def is_empty(self) -> bool:
        """An empty string or empty binary: DynamoDB refuses them in any key."""
        return (self.type == "S" and not self.text) or (self.type == "B" and not self.data)


def value_from_yaml(raw: Mapping[str, Any]) -> AttributeValue:
    """An example value as written in the table file (already checked well formed)."""
    ((kind, content),) = raw.items()
    if kind == "S":
        return AttributeValue("S", text=content)
    if kind == "N":
        return AttributeValue("N", text=canonical_number(str(content)))
    if kind == "B":
        return AttributeValue("B", data=base64.b64decode(content, validate=True))
    if kind == "BOOL":
        return AttributeValue("BOOL", flag=content)
    if kind == "NULL":
        return AttributeValue("NULL")
    if kind == "M":
        members = sorted((name, value_from_yaml(value)) for name, value in content.items())
        return AttributeValue("M", members=tuple(members))
    if kind == "L":
        return AttributeValue("L", elements=tuple(value_from_yaml(value) for value in content))
    element = SET_ELEMENT_TYPES[kind]
    values = {value_from_yaml({element: value}) for value in content}
    return AttributeValue(kind, elements=tuple(sorted(values, key=sort_key)))


def value_from_boto3(raw: Mapping[str, Any]) -> AttributeValue:
    """A value as boto3's low-level client returns it, in the model's canonical form."""
    ((kind, content),) = raw.items()
    if kind == "B":
        return AttributeValue("B", data=bytes(content))
    if kind == "BS":
        values = {AttributeValue("B", data=bytes(value)) for value in content}
        return AttributeValue(kind, elements=tuple(sorted(values, key=sort_key)))
    if kind == "M":
        members = sorted((name, value_from_boto3(value)) for name, value in content.items())
        return AttributeValue("M", members=tuple(members))
    if kind == "L":
        return AttributeValue("L", elements=tuple(value_from_boto3(value) for value in content))
    if kind in ("SS", "NS"):
        element = SET_ELEMENT_TYPES[kind]
        values = {value_from_yaml({element: value}) for value in content}
        return AttributeValue(kind, elements=tuple(sorted(values, key=sort_key)))
    return value_from_yaml({kind: content})


def sort_key(value: AttributeValue) -> tuple[Any, ...]:
    """DynamoDB's order for key values: numbers by value, strings and binary by their bytes."""
    if value.type == "N":
        return (0, decimal.Decimal(value.text), b"")
    if value.type == "S":
        return (1, decimal.Decimal(0), value.text.encode("utf-8"))
    return (2, decimal.Decimal(0), value.data)


Item = tuple[tuple[str, AttributeValue], ...]


def to_boto3_item(item: Item) -> dict[str, dict[str, Any]]:
    """An example item as boto3's client takes it, e.g. ``put_item(Item=...)``."""
    return {name: value.to_boto3() for name, value in item}


def item_from_boto3(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, AttributeValue]:
    """An item a boto3 client returned, by attribute name; compare with ``dict(example.item)``."""
    return {name: value_from_boto3(value) for name, value in raw.items()}


def is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
