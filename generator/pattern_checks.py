"""Stage 3, continued: the rules that prove a table serves the application that uses it.

The table file's ``attributes``, ``access_patterns`` and ``examples`` (see ``patterns``) are
checked against its keys and indexes: errors E2xx where DynamoDB would refuse a request or
an item, warnings W2xx where a pattern works but not as its author likely thinks. A pattern
acknowledges a warning by its code, with a reason. Rules see schema-valid documents, but
example values nested in maps and lists, and arguments, are checked here alone.
"""

from __future__ import annotations

import decimal
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator import keys as key_forms
from generator.attribute_values import (
    ATTRIBUTE_TYPES,
    SET_ELEMENT_TYPES,
    AttributeValue,
    is_base64,
    sort_key,
    value_from_yaml,
)
from generator.checks import TableCheck, table_rule
from generator.diagnostics import DocPath, Problem, RuleCode, format_path
from generator.loader import Document
from generator.patterns import (
    COUNT_ONE_PAGE,
    FILTER_ON_SORT_KEY,
    LIMIT_BEFORE_FILTER,
    SCAN_AS_LOOKUP,
    WARNINGS,
    Condition,
    operand_count,
)

MAX_ITEM_BYTES = 400 * 1024
# An epoch-seconds TTL this large is past the year 5000: the value is in milliseconds.
_MILLISECONDS_FROM = 100_000_000_000
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_WRITES_ONE_ITEM = ("get", "put", "update", "delete")
_TYPED_HINT = "write a value as one DynamoDB type and its content, e.g. {S: text} or {N: \"12\"}"


# Several rules read the same derived facts of the document being checked (its indexes,
# its parsed example items, its warnings); they are made once per document. The entry holds
# the document's data, so that data cannot be replaced by another at the same address.
_DERIVED: list[tuple[Any, dict[str, Any]]] = []


def _derived(data: Mapping[str, Any]) -> dict[str, Any]:
    if not _DERIVED or _DERIVED[0][0] is not data:
        _DERIVED[:] = [(data, {})]
    return _DERIVED[0][1]


@dataclass(frozen=True)
class _Keys:
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


def _keys_of(scope: Mapping[str, Any]) -> _Keys:
    return _Keys(tuple(key_forms.names(scope["partition_key"])),
                 tuple(key_forms.names(scope.get("sort_key"))))


def _table_keys(data: Mapping[str, Any]) -> _Keys:
    return _keys_of(data)


def _index_keys(data: Mapping[str, Any]) -> dict[str, tuple[DocPath, _Keys]]:
    """Each secondary index by name: where it is, and its keys."""
    derived = _derived(data)
    if "indexes" not in derived:
        derived["indexes"] = _find_index_keys(data)
    found: dict[str, tuple[DocPath, _Keys]] = derived["indexes"]
    return found


def _find_index_keys(data: Mapping[str, Any]) -> dict[str, tuple[DocPath, _Keys]]:
    found: dict[str, tuple[DocPath, _Keys]] = {}
    for position, index in enumerate(data.get("global_secondary_indexes", [])):
        found.setdefault(index["name"], (("global_secondary_indexes", position), _keys_of(index)))
    for position, index in enumerate(data.get("local_secondary_indexes", [])):
        keys = _Keys((data["partition_key"]["name"],), (index["sort_key"]["name"],))
        found.setdefault(index["name"], (("local_secondary_indexes", position), keys))
    return found


def _key_types(data: Mapping[str, Any]) -> dict[str, tuple[DocPath, str]]:
    """Every key attribute of the table and its indexes: its first use and its type."""
    derived = _derived(data)
    if "key types" not in derived:
        derived["key types"] = _find_key_types(data)
    found: dict[str, tuple[DocPath, str]] = derived["key types"]
    return found


def _find_key_types(data: Mapping[str, Any]) -> dict[str, tuple[DocPath, str]]:
    found: dict[str, tuple[DocPath, str]] = {}
    scopes: list[tuple[DocPath, Mapping[str, Any]]] = [((), data)]
    for kind in ("global_secondary_indexes", "local_secondary_indexes"):
        scopes += [((kind, i), index) for i, index in enumerate(data.get(kind, []))]
    for path, scope in scopes:
        for where, key in key_forms.uses(scope, path):
            found.setdefault(key["name"], (where, key["type"]))
    return found


def _pattern_keys(data: Mapping[str, Any], spec: Mapping[str, Any]) -> _Keys | None:
    """The keys of what a pattern reads: its index, or the table; None for a missing index.
    Only query and scan read an index (E201 reports an index on the others)."""
    if "index" not in spec or spec["operation"] in _WRITES_ONE_ITEM:
        return _table_keys(data)
    found = _index_keys(data).get(spec["index"])
    return found[1] if found else None


def _patterns(doc: Document) -> Iterator[tuple[str, DocPath, Mapping[str, Any]]]:
    for name, spec in doc.data.get("access_patterns", {}).items():
        yield name, ("access_patterns", name), spec


def _examples(doc: Document) -> Iterator[tuple[str, DocPath, Mapping[str, Any]]]:
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


def _value(raw: Any) -> AttributeValue | None:
    """The value, or None when it is malformed (another rule reports that)."""
    if next(value_problems(raw, ()), None) is not None:
        return None
    return value_from_yaml(raw)


def _items(doc: Document) -> dict[str, dict[str, AttributeValue | None]]:
    """Each example's item by name, its values parsed (None: malformed)."""
    derived = _derived(doc.data)
    if "items" not in derived:
        items: dict[str, dict[str, AttributeValue | None]] = {}
        problems: list[tuple[DocPath, str, str]] = []
        for name, path, raw_item in _examples(doc):
            item = items[name] = {}
            for attribute, raw in raw_item.items():
                found = list(value_problems(raw, (*path, attribute)))
                problems += found
                item[attribute] = None if found else value_from_yaml(raw)
        derived["items"], derived["value problems"] = items, problems
    parsed: dict[str, dict[str, AttributeValue | None]] = derived["items"]
    return parsed


def _value_problems(doc: Document) -> list[tuple[DocPath, str, str]]:
    """What is wrong with the values of the example items: (path, message, hint)."""
    _items(doc)
    found: list[tuple[DocPath, str, str]] = _derived(doc.data)["value problems"]
    return found


def _arguments(spec: Mapping[str, Any]) -> dict[str, list[Any]]:
    """A pattern's arguments, each as a list of raw values."""
    return {
        attribute: given if isinstance(given, list) else [given]
        for attribute, given in spec.get("arguments", {}).items()
    }


def _conditions(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(part, attribute, operator) for the key and filter conditions of a pattern."""
    for part in ("key", "filter"):
        for attribute, operator in spec.get(part, {}).items():
            yield part, attribute, operator


# --- patterns ---------------------------------------------------------------------------


@table_rule(
    "E201",
    "an access pattern uses an index the table has (or is declared `not_served`); get, put, "
    "update and delete work on the table only",
)
def _pattern_index_exists(doc: Document) -> Iterator[Problem]:
    indexes = _index_keys(doc.data)
    for name, path, spec in _patterns(doc):
        if "index" not in spec:
            continue
        index, operation = spec["index"], spec["operation"]
        if operation in _WRITES_ONE_ITEM:
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
    for name, path, spec in _patterns(doc):
        keys = _pattern_keys(doc.data, spec)
        if keys is None:
            continue
        reads_index = "index" in spec and spec["operation"] not in _WRITES_ONE_ITEM
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
    for name, path, spec in _patterns(doc):
        keys = _pattern_keys(doc.data, spec)
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
    table = _table_keys(doc.data)
    for name, path, spec in _patterns(doc):
        operation, key = spec["operation"], spec.get("key", {})
        if operation == "scan" and key:
            yield Problem(
                (*path, "key"), f"pattern {name!r} is a scan, which has no key condition",
                "move the conditions to 'filter:', or make it a query", key=True,
            )
        elif operation == "query":
            keys = _pattern_keys(doc.data, spec)
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
        elif operation in _WRITES_ONE_ITEM:
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
    for name, path, spec in _patterns(doc):
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
    types = _key_types(doc.data)
    declared = doc.data.get("attributes", {})
    for name, path, spec in _patterns(doc):
        operators = {attribute: operator for _, attribute, operator in _conditions(spec)}
        for attribute, values in _arguments(spec).items():
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
                problems = list(value_problems(raw, (*where, *position)))
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
    indexes = _index_keys(doc.data)
    returned: dict[str, list[tuple[DocPath, dict[str, AttributeValue | None]]]] = {}
    for example, item_path, _ in _examples(doc):
        item = _items(doc)[example]
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
    for name, path, spec in _patterns(doc):
        found = returned.get(name, [])
        if not found or "not_served" in spec:
            continue
        if spec["operation"] in _WRITES_ONE_ITEM and spec["operation"] != "get":
            continue
        index = indexes.get(spec.get("index", ""))
        yield from _returnable(
            doc, name, path, spec, found=found, index=index[1] if index else None
        )


def _returnable(
    doc: Document, name: str, path: DocPath, spec: Mapping[str, Any], *,
    found: list[tuple[DocPath, dict[str, AttributeValue | None]]], index: _Keys | None,
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
    arguments = _arguments(spec)
    for part, attribute, operator in _conditions(spec):
        values = [_value(raw) for raw in arguments.get(attribute, [])]
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
    keys = _pattern_keys(doc.data, spec)
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


# --- examples ---------------------------------------------------------------------------


@table_rule("E208", "an example holds the table's key")
def _example_has_table_key(doc: Document) -> Iterator[Problem]:
    keys = _table_keys(doc.data)
    for name, path, item in _examples(doc):
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
    types = _key_types(doc.data)
    for attribute, spec in doc.data.get("attributes", {}).items():
        if attribute in types and spec["type"] != types[attribute][1]:
            where, kind = types[attribute]
            yield Problem(
                ("attributes", attribute, "type"),
                f"{attribute!r} is declared {spec['type']} but is a key of type {kind} "
                f"({format_path(where)})",
                f"declare it as {kind}: a key attribute has its key's type",
            )
    for name, path, item in _examples(doc):
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
    types = _key_types(doc.data)
    for name, path, _ in _examples(doc):
        for attribute, value in _items(doc)[name].items():
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
    for name, path, _ in _examples(doc):
        values = _items(doc)[name]
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
    for name, path, item in _examples(doc):
        if ttl not in item:
            continue
        value = _items(doc)[name][ttl]
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
    table = _table_keys(doc.data)
    for attribute in table.names:
        if declared.get(attribute, {}).get("optional"):
            yield Problem(
                ("attributes", attribute, "optional"),
                f"{attribute!r} is a key of the table, which every item has",
                "remove 'optional: true'", key=True,
            )
    for attribute, (where, _) in _key_types(doc.data).items():
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
    for where, message, hint in _value_problems(doc):
        yield Problem(where, message, hint)


@table_rule(
    "E215",
    "examples write declared attributes as declared: present unless `optional`, of the "
    "declared type, empty only if `empty`",
)
def _examples_follow_declarations(doc: Document) -> Iterator[Problem]:
    declared = doc.data.get("attributes", {})
    for name, path, item in _examples(doc):
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
            value = _items(doc)[name][attribute]
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


# --- warnings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Warning:
    rule: RuleCode
    pattern: str
    path: DocPath
    message: str
    hint: str
    key: bool = False


def _warnings(doc: Document) -> list[_Warning]:
    """Every warning about the patterns, acknowledged or not."""
    derived = _derived(doc.data)
    if "warnings" not in derived:
        derived["warnings"] = list(_find_warnings(doc))
    found: list[_Warning] = derived["warnings"]
    return found


def _find_warnings(doc: Document) -> Iterator[_Warning]:
    for name, path, spec in _patterns(doc):
        operation = spec["operation"]
        if operation not in ("query", "scan"):
            continue
        filtered = spec.get("filter", {})
        if "limit" in spec and filtered and not spec.get("paginated"):
            yield _Warning(
                LIMIT_BEFORE_FILTER, name, (*path, "limit"),
                f"pattern {name!r} has limit {spec['limit']} and a filter: DynamoDB applies "
                "the limit to the items it reads, before the filter, so it can return "
                "nothing while matching items exist",
                "follow LastEvaluatedKey until enough items match, or move the filtered "
                "attribute into the key of an index",
                key=True,
            )
        keys = _pattern_keys(doc.data, spec)
        sort = keys.sort if keys is not None else None
        if operation == "query" and sort is not None and sort in filtered:
            yield _Warning(
                FILTER_ON_SORT_KEY, name, (*path, "filter", sort),
                f"pattern {name!r} filters on {sort!r}, the sort key of what it "
                "queries: the whole partition is read and the filter drops items afterwards",
                f"put the condition on {sort!r} in 'key:' instead",
                key=True,
            )
        if operation == "scan" and filtered:
            yield _Warning(
                SCAN_AS_LOOKUP, name, (*path, "operation"),
                f"pattern {name!r} scans to find items: every request reads the whole table",
                "query an index whose key is the filtered attribute instead",
            )
        if spec.get("count") and not spec.get("paginated"):
            yield _Warning(
                COUNT_ONE_PAGE, name, (*path, "count"),
                f"pattern {name!r} counts without following LastEvaluatedKey: it counts "
                "only the items of the first 1 MB page",
                "follow LastEvaluatedKey and add up the counts ('paginated: true')",
                key=True,
            )


def _unacknowledged(rule: RuleCode) -> TableCheck:
    """The check of one warning: its findings that their patterns do not acknowledge."""

    def check(doc: Document) -> Iterator[Problem]:
        specs = doc.data.get("access_patterns", {})
        for warning in _warnings(doc):
            if warning.rule == rule and rule.code not in specs[warning.pattern].get(
                    "acknowledge", {}):
                yield Problem(
                    warning.path, warning.message,
                    f"{warning.hint}; or acknowledge it with "
                    f"'acknowledge: {{{rule.code}: reason}}'", key=warning.key,
                )

    return check


for _rule in WARNINGS:
    table_rule(_rule.code, _rule.title, _rule.detail)(_unacknowledged(_rule))


@table_rule("E216", "a pattern acknowledges only warnings it has")
def _acknowledgements_apply(doc: Document) -> Iterator[Problem]:
    found = {(w.pattern, w.rule.code) for w in _warnings(doc)}
    for name, path, spec in _patterns(doc):
        for code in spec.get("acknowledge", {}):
            if (name, code) not in found:
                yield Problem(
                    (*path, "acknowledge", code),
                    f"pattern {name!r} acknowledges {code}, which it does not have",
                    "remove the acknowledgement, so that it cannot hide a later warning",
                    key=True,
                )


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

