"""Stage 3, the rules about a table file's example items: they hold the table's key, write
key attributes with their key's type and never empty, stay within DynamoDB's item size, give
the TTL attribute as epoch seconds, have well-formed values and follow the declared
``attributes``.

They register through ``checks.table_rule``; ``checks`` imports this module.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator

from generator import pattern_facts as facts
from generator.checks import table_rule
from generator.diagnostics import DocPath, Problem, format_path
from generator.loader import Document

MAX_ITEM_BYTES = 400 * 1024
# An epoch-seconds TTL this large is past the year 5000: the value is in milliseconds.
_MILLISECONDS_FROM = 100_000_000_000


@table_rule("E208", "an example holds the table's key")
def _example_has_table_key(doc: Document) -> Iterator[Problem]:
    keys = facts.table_keys(doc.data)
    for name, path, item in facts.examples(doc):
        for attribute in keys.names:
            if attribute not in item:
                yield Problem(
                    path,
                    f"example {name!r} has no {attribute!r}, a key of the table",
                    f"add '{attribute}:'; DynamoDB refuses an item without the table's key",
                    key=True,
                )


@table_rule(
    "E209",
    "key and index-key attributes have their key's type, in `attributes` and in examples",
)
def _key_attribute_types(doc: Document) -> Iterator[Problem]:
    types = facts.key_types(doc.data)
    for attribute, spec in doc.data.get("attributes", {}).items():
        if attribute in types and spec["type"] != types[attribute][1]:
            where, kind = types[attribute]
            yield Problem(
                ("attributes", attribute, "type"),
                f"{attribute!r} is declared {spec['type']} but is a key of type {kind} "
                f"({format_path(where)})",
                f"declare it as {kind}: a key attribute has its key's type",
            )
    for name, path, item in facts.examples(doc):
        for attribute, raw in item.items():
            if attribute in types:
                where, kind = types[attribute]
                (written,) = raw
                if written != kind:
                    yield Problem(
                        (*path, attribute),
                        f"example {name!r} writes {attribute!r} as {written}, but it is a key "
                        f"of type {kind}",
                        f"write it as {{{kind}: ...}}; DynamoDB refuses the item otherwise",
                    )


@table_rule(
    "E210",
    "no empty string or binary in a key or index-key attribute of an example (DynamoDB "
    "refuses the whole item)",
)
def _empty_key_values(doc: Document) -> Iterator[Problem]:
    types = facts.key_types(doc.data)
    for name, path, _ in facts.examples(doc):
        for attribute, value in facts.example_items(doc)[name].items():
            if attribute in types and value is not None and value.is_empty:
                scope = types[attribute][0][:-1]
                where = f"index {_index_name(doc, scope)!r}" if scope else "the table"
                yield Problem(
                    (*path, attribute),
                    f"example {name!r} has an empty {value.type} in {attribute!r}, a key of "
                    f"{where}; DynamoDB refuses the whole item",
                    "leave the attribute out (a sparse index), write a value, or remove "
                    "the index",
                )


@table_rule("E211", f"an example item is at most {MAX_ITEM_BYTES // 1024} KB")
def _item_size(doc: Document) -> Iterator[Problem]:
    for name, path, _ in facts.examples(doc):
        values = facts.example_items(doc)[name]
        if None in values.values():
            continue
        size = sum(
            len(a.encode("utf-8")) + v.size for a, v in values.items() if v is not None
        )
        if size > MAX_ITEM_BYTES:
            yield Problem(
                path,
                f"example {name!r} is {size} bytes, over DynamoDB's item limit of "
                f"{MAX_ITEM_BYTES} (400 KB)",
                "store large values elsewhere (S3) and keep a reference in the item",
            )


@table_rule(
    "E212",
    "the TTL attribute of an example is a Number of epoch seconds (milliseconds never expire)",
)
def _ttl_values(doc: Document) -> Iterator[Problem]:
    ttl = doc.data.get("ttl_attribute")
    declared = doc.data.get("attributes", {}).get(ttl)
    if declared is not None and declared["type"] != "N":
        yield Problem(
            ("attributes", ttl, "type"),
            f"the TTL attribute {ttl!r} is declared {declared['type']}",
            "time to live reads a Number of epoch seconds; declare it N",
        )
    for name, path, item in facts.examples(doc):
        if ttl not in item:
            continue
        value = facts.example_items(doc)[name][ttl]
        if value is None:
            continue
        if value.type != "N":
            yield Problem(
                (*path, ttl),
                f"example {name!r} writes the TTL attribute {ttl!r} as {value.type}; "
                "DynamoDB ignores it and the item never expires",
                "write the expiry as a Number of Unix epoch seconds, e.g. {N: \"1767225600\"}",
            )
        elif abs(decimal.Decimal(value.text)) >= _MILLISECONDS_FROM:
            yield Problem(
                (*path, ttl),
                f"example {name!r} has {ttl!r} {value.text}, which as epoch seconds is "
                "past the year 5000: it looks like milliseconds, and the item never expires",
                "write seconds, not milliseconds (divide by 1000)",
            )


@table_rule(
    "E213",
    "an attribute that may be empty is no key of the table or an index (the application "
    "leaves it out instead, a sparse index, or the index goes); a table key is not optional",
)
def _declared_empty_keys(doc: Document) -> Iterator[Problem]:
    declared = doc.data.get("attributes", {})
    table = facts.table_keys(doc.data)
    for attribute in table.names:
        if declared.get(attribute, {}).get("optional"):
            yield Problem(
                ("attributes", attribute, "optional"),
                f"{attribute!r} is a key of the table, which every item has",
                "remove 'optional: true'", key=True,
            )
    for attribute, (where, _) in facts.key_types(doc.data).items():
        if not declared.get(attribute, {}).get("empty"):
            continue
        scope = "the table" if len(where) == 1 else f"index {_index_name(doc, where)!r}"
        yield Problem(
            where,
            f"{attribute!r} is a key of {scope}, but the application may write it empty "
            f"(attributes.{attribute}.empty): DynamoDB refuses every such item",
            "have the application leave the attribute out instead of writing it empty "
            "(a sparse index: such items are just not in it), or remove the index",
        )


def _index_name(doc: Document, where: DocPath) -> str:
    kind, position = where[0], where[1]
    return str(doc.data[kind][position]["name"])


@table_rule(
    "E214",
    "example values and arguments are well-formed DynamoDB values (numbers, base64, `NULL: "
    "true`, sets without duplicates, typed members of maps and lists); only S and B may be "
    "empty",
)
def _well_formed_values(doc: Document) -> Iterator[Problem]:
    for attribute, spec in doc.data.get("attributes", {}).items():
        if spec.get("empty") and spec["type"] not in ("S", "B"):
            yield Problem(
                ("attributes", attribute, "empty"),
                f"{attribute!r} is {spec['type']}, which cannot be empty",
                "only strings (S) and binary (B) can be empty; remove 'empty: true'", key=True,
            )
    for where, message, hint in facts.example_value_problems(doc):
        yield Problem(where, message, hint)


@table_rule(
    "E215",
    "examples write declared attributes as declared: present unless `optional`, of the "
    "declared type, empty only if `empty`",
)
def _examples_follow_declarations(doc: Document) -> Iterator[Problem]:
    declared = doc.data.get("attributes", {})
    for name, path, item in facts.examples(doc):
        for attribute, spec in declared.items():
            if attribute not in item:
                if not spec.get("optional"):
                    yield Problem(
                        path,
                        f"example {name!r} has no {attribute!r}, which the application "
                        "always writes",
                        f"add '{attribute}:', or declare it 'optional: true'", key=True,
                    )
                continue
            value = facts.example_items(doc)[name][attribute]
            if value is None:
                continue
            if value.type != spec["type"]:
                yield Problem(
                    (*path, attribute),
                    f"example {name!r} writes {attribute!r} as {value.type}, but it is "
                    f"declared {spec['type']}",
                    f"write {{{spec['type']}: ...}}, or fix the declaration",
                )
            elif value.is_empty and not spec.get("empty"):
                yield Problem(
                    (*path, attribute),
                    f"example {name!r} writes {attribute!r} empty, but it is not declared "
                    "'empty: true'",
                    "declare 'empty: true' if the application writes it empty",
                )
