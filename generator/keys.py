"""Keys as a table file writes them: one ``{name, type}``, or, for the partition or sort key
of a global secondary index, a list of them (a multi-attribute key, which DynamoDB hashes or
sorts as one). The rules and the model read keys through here, so both forms are one."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from generator.diagnostics import DocPath

ROLES = ("partition_key", "sort_key")
# DynamoDB: a global secondary index's partition key and its sort key each have 1 to 4.
MAX_ATTRIBUTES = 4


def attributes(value: Any) -> list[dict[str, Any]]:
    """The attributes of a key, in order: one for ``{name, type}``, else those listed."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def names(value: Any) -> list[str]:
    return [attribute["name"] for attribute in attributes(value)]


def role_uses(scope: Mapping[str, Any], path: DocPath, role: str) -> Iterator[
        tuple[DocPath, dict[str, Any]]]:
    """Each attribute of ``scope``'s key ``role``, with the path of its ``{name, type}``."""
    value = scope.get(role)
    if isinstance(value, list):
        for position, attribute in enumerate(value):
            yield (*path, role, position), attribute
    elif value is not None:
        yield (*path, role), value


def uses(scope: Mapping[str, Any], path: DocPath = ()) -> Iterator[
        tuple[DocPath, dict[str, Any]]]:
    """Each key attribute of the table or index ``scope``: partition, then sort."""
    for role in ROLES:
        yield from role_uses(scope, path, role)


def from_key_schema(
    schema: Iterable[tuple[str, str]], key_of: Callable[[str], dict[str, Any]]
) -> dict[str, Any]:
    """``partition_key`` and ``sort_key`` of an index as a table file writes them, from its
    key schema ((attribute, HASH or RANGE) in order): one ``{name, type}`` each, or a list
    for a multi-attribute key. ``key_of`` gives an attribute's ``{name, type}``."""
    elements = list(schema)
    found: dict[str, Any] = {}
    for role, kind in (("partition_key", "HASH"), ("sort_key", "RANGE")):
        written = [key_of(name) for name, key_type in elements if key_type == kind]
        if written:
            found[role] = written[0] if len(written) == 1 else written
    return found
