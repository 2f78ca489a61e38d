"""Stage 3, the rules about a table's keys and indexes: one type per key attribute, index
names, the sort key a local index needs, distinct partition and sort keys, projections and
their limit, and a TTL attribute that is also a key.

They register through ``checks.table_rule``; ``checks`` imports this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator import keys
from generator.checks import indexes, table_and_global_indexes, table_rule
from generator.diagnostics import DocPath, Problem, format_path
from generator.loader import Document

MAX_PROJECTED_ATTRIBUTES = 100


def _key_uses(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, str]]]:
    """Every place an attribute is used as a key, in document order."""
    yield from keys.uses(data)
    for path, index in indexes(data):
        yield from keys.uses(index, path)


@table_rule("E101", "a key attribute has one type everywhere it is used")
def _one_type_per_attribute(doc: Document) -> Iterator[Problem]:
    first: dict[str, tuple[DocPath, str]] = {}
    for path, key in _key_uses(doc.data):
        name, kind = key["name"], key["type"]
        if name not in first:
            first[name] = (path, kind)
            continue
        where, was = first[name]
        if was != kind:
            line = doc.mark((*where, "type")).line
            yield Problem(
                (*path, "type"),
                f"attribute {name!r} is {kind} here but {was} "
                f"in {format_path(where)} (line {line})",
                "use one type per attribute; DynamoDB defines each key attribute once",
            )


@table_rule("E102", "index names are unique within a table (global and local together)")
def _unique_index_names(doc: Document) -> Iterator[Problem]:
    seen: dict[str, DocPath] = {}
    for path, index in indexes(doc.data):
        name = index["name"]
        if name in seen:
            line = doc.mark((*seen[name], "name")).line
            yield Problem(
                (*path, "name"),
                f"index name {name!r} is already used by {format_path(seen[name])} (line {line})",
                "give each global and local secondary index of a table its own name",
            )
        else:
            seen[name] = path


@table_rule("E103", "a local secondary index needs a table sort key")
def _lsi_needs_sort_key(doc: Document) -> Iterator[Problem]:
    if doc.data.get("local_secondary_indexes") and "sort_key" not in doc.data:
        yield Problem(
            ("local_secondary_indexes",),
            "local secondary indexes need the table to have a sort key",
            "add 'sort_key:' to the table, or make these global secondary indexes",
            key=True,
        )


@table_rule("E104", "partition and sort key are different attributes")
def _distinct_key_attributes(doc: Document) -> Iterator[Problem]:
    data = doc.data
    for path, scope in table_and_global_indexes(data):
        partition = keys.names(scope["partition_key"])
        for where, attribute in keys.role_uses(scope, path, "sort_key"):
            if attribute["name"] in partition:
                yield Problem(
                    (*where, "name"),
                    f"the sort key {attribute['name']!r} is also the partition key",
                    "use a different attribute for the sort key, or leave the sort key out",
                )
    for path, index in indexes(data):
        if (
            path[0] == "local_secondary_indexes"
            and index["sort_key"]["name"] == data["partition_key"]["name"]
        ):
            yield Problem(
                (*path, "sort_key", "name"),
                f"the sort key {index['sort_key']['name']!r} is the table's partition key",
                "a local secondary index shares the table's partition key; "
                "sort on another attribute",
            )


@table_rule("E105", "`non_key_attributes` go with projection `INCLUDE`, and only with it")
def _include_projection(doc: Document) -> Iterator[Problem]:
    for path, index in indexes(doc.data):
        projection = index["projection"]
        if projection == "INCLUDE" and "non_key_attributes" not in index:
            yield Problem(
                (*path, "projection"),
                "projection INCLUDE needs non_key_attributes",
                "list the attributes to copy in 'non_key_attributes:', or use ALL or KEYS_ONLY",
            )
        elif projection != "INCLUDE" and "non_key_attributes" in index:
            yield Problem(
                (*path, "non_key_attributes"),
                f"non_key_attributes is set but the projection is {projection}",
                "set 'projection: INCLUDE', or remove non_key_attributes",
                key=True,
            )


@table_rule(
    "E106",
    f"at most {MAX_PROJECTED_ATTRIBUTES} projected non-key attributes over all indexes of a table",
)
def _projected_attribute_limit(doc: Document) -> Iterator[Problem]:
    total = 0
    for path, index in indexes(doc.data):
        total += len(index.get("non_key_attributes", []))
        if total > MAX_PROJECTED_ATTRIBUTES:
            yield Problem(
                (*path, "non_key_attributes"),
                f"this brings the projected non-key attributes of the table to {total}, "
                f"over DynamoDB's limit of {MAX_PROJECTED_ATTRIBUTES}",
                "project fewer attributes, or use projection ALL",
                key=True,
            )
            return


@table_rule("E108", "the TTL attribute, if it is also a key, is a Number")
def _ttl_attribute_is_number(doc: Document) -> Iterator[Problem]:
    ttl = doc.data.get("ttl_attribute")
    for path, key in _key_uses(doc.data):
        if key["name"] == ttl and key["type"] != "N":
            yield Problem(
                ("ttl_attribute",),
                f"the TTL attribute {ttl!r} is a key of type {key['type']} in {format_path(path)}",
                "time to live reads a Number of epoch seconds; use another attribute for TTL",
            )
            return
