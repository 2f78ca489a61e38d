"""Stage 3, continued: the rules that prove a table serves the application that uses it.

The table file's ``attributes``, ``access_patterns`` and ``examples`` (see ``patterns``) are
checked against its keys and indexes: errors E2xx where DynamoDB would refuse a request or
an item, warnings W2xx where a pattern works but not as its author likely thinks. A pattern
acknowledges a warning by its code, with a reason. Rules see schema-valid documents.

This module holds the rules about the patterns themselves and the access roles that name
them; the rules about example items are ``pattern_checks_examples``, the warnings and their
acknowledgements ``pattern_checks_warnings``, and what they all read of a document
``pattern_facts``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from generator import pattern_facts as facts
from generator.attribute_values import AttributeValue, sort_key, value_from_yaml
from generator.checks import table_rule
from generator.diagnostics import DocPath, Problem
from generator.loader import Document
from generator.patterns import Condition, operand_count


@table_rule(
    "E201",
    "an access pattern uses an index the table has (or is declared `not_served`); get, put, "
    "update and delete work on the table only",
)
def _pattern_index_exists(doc: Document) -> Iterator[Problem]:
    indexes = facts.index_keys(doc.data)
    for name, path, spec in facts.patterns(doc):
        if "index" not in spec:
            continue
        index, operation = spec["index"], spec["operation"]
        if operation in facts.WRITES_ONE_ITEM:
            yield Problem(
                (*path, "index"),
                f"pattern {name!r} is a {operation}, which works on the table, not an index",
                "remove 'index:'; only query and scan read a secondary index",
            )
        elif index not in indexes and "not_served" not in spec:
            known = ", ".join(sorted(indexes)) or "none"
            yield Problem(
                (*path, "index"),
                f"pattern {name!r} uses the index {index!r}, which the table does not have "
                f"(indexes: {known})",
                "add the index, name an existing one, or declare the pattern "
                "'not_served:' with the reason",
            )


@table_rule("E202", "a key condition binds only keys of the index or table the pattern reads")
def _key_binds_keys(doc: Document) -> Iterator[Problem]:
    for name, path, spec in facts.patterns(doc):
        keys = facts.pattern_keys(doc.data, spec)
        if keys is None:
            continue
        reads_index = "index" in spec and spec["operation"] not in facts.WRITES_ONE_ITEM
        where = f"index {spec['index']!r}" if reads_index else "the table"
        for attribute in spec.get("key", {}):
            if attribute not in keys.names:
                yield Problem(
                    (*path, "key", attribute),
                    f"pattern {name!r} binds {attribute!r}, which is not a key of {where} "
                    f"(keys: {', '.join(keys.names)})",
                    "bind only the partition and sort key in 'key:'; conditions on other "
                    "attributes go in 'filter:'",
                    key=True,
                )


@table_rule("E203", "a key condition puts only `EQ` on a partition key")
def _partition_key_equality(doc: Document) -> Iterator[Problem]:
    for name, path, spec in facts.patterns(doc):
        keys = facts.pattern_keys(doc.data, spec)
        if keys is None:
            continue
        for partition in keys.partitions:
            operator = spec.get("key", {}).get(partition)
            if operator not in (None, "EQ"):
                yield Problem(
                    (*path, "key", partition),
                    f"pattern {name!r} puts {operator} on the partition key {partition!r}; "
                    "DynamoDB finds a partition only by equality",
                    "use EQ on the partition key; a range over partitions needs a scan, or an "
                    "index whose sort key is this attribute",
                )


@table_rule(
    "E204",
    "a pattern binds the keys its operation needs: a query its partition key, a get, put, "
    "update or delete the whole table key by `EQ`, a scan none",
)
def _operation_keys(doc: Document) -> Iterator[Problem]:
    table = facts.table_keys(doc.data)
    for name, path, spec in facts.patterns(doc):
        operation, key = spec["operation"], spec.get("key", {})
        if operation == "scan" and key:
            yield Problem(
                (*path, "key"), f"pattern {name!r} is a scan, which has no key condition",
                "move the conditions to 'filter:', or make it a query", key=True,
            )
        elif operation == "query":
            keys = facts.pattern_keys(doc.data, spec)
            unbound = [p for p in keys.partitions if p not in key] if keys is not None else []
            if unbound and keys is not None:
                add = f"add '{', '.join(f'{p}: EQ' for p in unbound)}' to 'key:'"
                yield Problem(
                    path,
                    f"pattern {name!r} is a query but does not bind the partition key "
                    f"{', '.join(repr(p) for p in unbound)}",
                    f"{add}; DynamoDB refuses a query that leaves out an attribute of a "
                    "multi-attribute partition key" if len(keys.partitions) > 1
                    else f"{add}; without it, it is a scan",
                    key=True,
                )
        elif operation in facts.WRITES_ONE_ITEM:
            loose = [a for a in table.names if key.get(a) != "EQ"]
            if loose:
                wanted = ", ".join(f"{a}: EQ" for a in table.names)
                yield Problem(
                    (*path, "key") if key else path,
                    f"pattern {name!r} is a {operation} of one item but does not bind "
                    f"{', '.join(repr(a) for a in loose)} by EQ",
                    f"a {operation} names the item by its whole key: 'key: {{{wanted}}}'",
                    key=True,
                )


_OPTIONS = {
    "order": ("query",),
    "limit": ("query", "scan"),
    "filter": ("query", "scan"),
    "count": ("query", "scan"),
    "paginated": ("query", "scan"),
    "projection": ("get", "query", "scan"),
}


@table_rule(
    "E205",
    "a pattern's options go with its operation (`order` with query; `limit`, `filter`, "
    "`count`, `paginated` with query and scan; `projection` not with writes, nor with "
    "`count`)",
)
def _options_fit_operation(doc: Document) -> Iterator[Problem]:
    for name, path, spec in facts.patterns(doc):
        operation = spec["operation"]
        for option, operations in _OPTIONS.items():
            if option in spec and operation not in operations and not doc.is_default(
                    (*path, option)):
                yield Problem(
                    (*path, option),
                    f"pattern {name!r} is a {operation}, which takes no {option!r}",
                    f"{option!r} goes with {' and '.join(operations)}; remove it",
                    key=True,
                )
        if spec.get("count") and "projection" in spec:
            yield Problem(
                (*path, "projection"),
                f"pattern {name!r} counts items (Select COUNT) and also projects attributes",
                "remove 'projection:' or 'count:'; DynamoDB refuses both together",
                key=True,
            )


@table_rule(
    "E206",
    "a pattern's arguments fit its conditions: one per conditioned attribute, two for "
    "`BETWEEN`, none for `EXISTS`, of the attribute's type",
)
def _arguments_fit(doc: Document) -> Iterator[Problem]:
    types = facts.key_types(doc.data)
    declared = doc.data.get("attributes", {})
    for name, path, spec in facts.patterns(doc):
        operators = {attribute: operator for _, attribute, operator in facts.conditions(spec)}
        for attribute, values in facts.arguments(spec).items():
            where = (*path, "arguments", attribute)
            operator = operators.get(attribute)
            if operator is None:
                yield Problem(
                    where, f"pattern {name!r} has no condition on {attribute!r}",
                    "give arguments only for attributes in 'key:' or 'filter:'", key=True,
                )
                continue
            wanted = operand_count(operator)
            if len(values) != wanted or (wanted != 2 and isinstance(
                    spec["arguments"][attribute], list)):
                form = {0: "no argument", 1: "one typed value", 2: "a list of two typed values"}
                yield Problem(
                    where, f"{operator} on {attribute!r} takes {form[wanted]}",
                    "e.g. {S: alice}; BETWEEN takes [low, high]; EXISTS and NOT_EXISTS none",
                )
                continue
            position: tuple[int, ...]
            for index, raw in enumerate(values):
                position = (index,) if wanted == 2 else ()
                problems = list(facts.value_problems(raw, (*where, *position)))
                for problem_path, message, hint in problems:
                    yield Problem(problem_path, message, hint)
                value = None if problems else value_from_yaml(raw)
                kind = types.get(attribute, ((), declared.get(attribute, {}).get("type")))[1]
                if value is not None and kind is not None and value.type != kind:
                    yield Problem(
                        (*where, *position),
                        f"the argument for {attribute!r} is {value.type}, but the attribute "
                        f"is {kind}",
                        f"give a value of type {kind}",
                    )


@table_rule(
    "E207",
    "the examples a pattern must return are ones it can return: declared patterns, within its "
    "limit, meeting its conditions, holding the keys of the index it reads, listed in the "
    "order a query returns them",
)
def _returned_examples(doc: Document) -> Iterator[Problem]:
    specs = doc.data.get("access_patterns", {})
    indexes = facts.index_keys(doc.data)
    returned: dict[str, list[tuple[DocPath, dict[str, AttributeValue | None]]]] = {}
    for example, item_path, _ in facts.examples(doc):
        item = facts.example_items(doc)[example]
        by_path = (*item_path[:-1], "returned_by")
        for position, pattern in enumerate(doc.data["examples"][item_path[1]].get(
                "returned_by", [])):
            if pattern not in specs:
                known = ", ".join(sorted(specs)) or "none"
                yield Problem(
                    (*by_path, position),
                    f"the pattern {pattern!r} is not declared (patterns: {known})",
                    "name a pattern from 'access_patterns:'",
                )
                continue
            returned.setdefault(pattern, []).append(((*by_path, position), item))
    for name, path, spec in facts.patterns(doc):
        found = returned.get(name, [])
        if not found or "not_served" in spec:
            continue
        if spec["operation"] in facts.WRITES_ONE_ITEM and spec["operation"] != "get":
            continue
        index = indexes.get(spec.get("index", ""))
        yield from _returnable(
            doc, name, path, spec, found=found, index=index[1] if index else None
        )


def _returnable(
    doc: Document, name: str, path: DocPath, spec: Mapping[str, Any], *,
    found: list[tuple[DocPath, dict[str, AttributeValue | None]]], index: facts.Keys | None,
) -> Iterator[Problem]:
    limit = spec.get("limit")
    if spec["operation"] == "get":
        limit = 1
    if limit is not None and not spec.get("paginated") and not spec.get("count") and (
            len(found) > limit):
        yield Problem(
            (*path, "limit") if "limit" in spec else path,
            f"{len(found)} examples name pattern {name!r}, which returns at most {limit}",
            "name only the examples it returns, or raise the limit",
        )
    arguments = facts.arguments(spec)
    for part, attribute, operator in facts.conditions(spec):
        values = [facts.parsed(raw) for raw in arguments.get(attribute, [])]
        if attribute not in arguments and operator == "EQ":
            seen = {item.get(attribute) for _, item in found}
            if len(seen) > 1 and None not in seen:
                yield Problem(
                    (*path, part, attribute),
                    f"the examples that pattern {name!r} returns differ in {attribute!r}, "
                    "which it matches by EQ",
                    f"give 'arguments: {{{attribute}: ...}}', and name the pattern only in "
                    "the examples it returns",
                )
                continue
            values = [seen.pop()] if len(seen) == 1 else []
        if None in values or len(values) != operand_count(operator):
            continue
        condition = Condition(attribute, operator, tuple(v for v in values if v is not None))
        for where, item in found:
            if attribute in item and item[attribute] is None:
                continue  # a malformed value, reported by E214
            if not condition.matches(item.get(attribute)):
                yield Problem(
                    where,
                    f"pattern {name!r} cannot return this example: its {part} condition "
                    f"{condition.expression} does not hold for it",
                    "fix the example, the pattern's arguments, or remove the pattern from "
                    "'returned_by:'",
                )
    yield from _listed_in_order(doc, name, spec, found)
    if index is not None:
        for where, item in found:
            missing = [a for a in index.names if a not in item]
            if missing:
                yield Problem(
                    where,
                    f"pattern {name!r} reads index {spec['index']!r}, but this example has "
                    f"no {', '.join(repr(a) for a in missing)}: it is not in that index",
                    "an item is in an index only if it has all of the index's keys",
                )


def _listed_in_order(
    doc: Document, name: str, spec: Mapping[str, Any],
    found: list[tuple[DocPath, dict[str, AttributeValue | None]]],
) -> Iterator[Problem]:
    """A query returns its examples in the order the file lists them: by its sort key."""
    keys = facts.pattern_keys(doc.data, spec)
    if spec["operation"] != "query" or spec.get("count") or keys is None or keys.sort is None:
        return
    sort, descending = keys.sort, spec.get("order") == "descending"
    values = [(where, item.get(sort)) for where, item in found]
    if any(v is None for _, v in values) or len({v.type for _, v in values if v}) > 1:
        return  # not in the index, or malformed: reported elsewhere
    for (_, before), (where, value) in itertools.pairwise(values):
        if before is None or value is None:
            continue
        if (sort_key(value) > sort_key(before)) if descending else (
                sort_key(value) < sort_key(before)):
            order = "descending" if descending else "ascending"
            yield Problem(
                where,
                f"pattern {name!r} returns its examples by {sort!r} {order}, but this one "
                "is listed after one it returns later",
                "list the examples in the order the pattern returns them",
            )
            return


@table_rule("E217", "an access role names actions or patterns, and only declared patterns")
def _roles_name_patterns(doc: Document) -> Iterator[Problem]:
    specs = doc.data.get("access_patterns", {})
    for role, spec in doc.data.get("access", {}).items():
        if "actions" not in spec and "patterns" not in spec:
            yield Problem(
                ("access", role), f"role {role!r} names no actions and no patterns",
                "add 'patterns: [...]' (access patterns of this table) or 'actions: [...]'",
            )
        for position, pattern in enumerate(spec.get("patterns", [])):
            if pattern not in specs:
                known = ", ".join(sorted(specs)) or "none"
                yield Problem(
                    ("access", role, "patterns", position),
                    f"role {role!r} names the pattern {pattern!r}, which is not declared "
                    f"(patterns: {known})",
                    "name a pattern from 'access_patterns:'",
                )
