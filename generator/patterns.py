"""How the application uses a table: its attributes, access patterns and example items.

The table file may say which non-key attributes matter (``attributes``), every request the
application makes (``access_patterns``) and items exactly as the application writes them
(``examples``). This module is the language of patterns (operations, condition operators,
the warnings a pattern can acknowledge) and their typed, immutable model, attached to
``model.Table`` as ``usage``; the values of examples and arguments are
``attribute_values``, the rules in ``pattern_checks`` prove the usage against the table,
and ``replay`` runs it against a live endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.attribute_values import (
    SET_ELEMENT_TYPES,
    AttributeValue,
    Item,
    sort_key,
    to_boto3_item,
    value_from_yaml,
)
from generator.diagnostics import RuleCode

# Operation in the table file -> the DynamoDB action it calls (and the IAM action it needs).
OPERATIONS = {
    "get": "GetItem",
    "query": "Query",
    "scan": "Scan",
    "put": "PutItem",
    "update": "UpdateItem",
    "delete": "DeleteItem",
}
KEY_OPERATORS = ("EQ", "LT", "LE", "GT", "GE", "BETWEEN", "BEGINS_WITH")
FILTER_OPERATORS = (*KEY_OPERATORS, "NE", "CONTAINS", "EXISTS", "NOT_EXISTS")
# How each operator is written in a DynamoDB condition expression, for the docs.
OPERATOR_SYMBOLS = {
    "EQ": "=",
    "NE": "<>",
    "LT": "<",
    "LE": "<=",
    "GT": ">",
    "GE": ">=",
    "BETWEEN": "BETWEEN",
    "BEGINS_WITH": "begins_with",
    "CONTAINS": "contains",
    "EXISTS": "attribute_exists",
    "NOT_EXISTS": "attribute_not_exists",
}
# The warnings a pattern can have, and acknowledge; pattern_checks_warnings registers their
# rules.
LIMIT_BEFORE_FILTER = RuleCode(
    "W201", "a limit together with a filter", "DynamoDB applies the limit before the filter, "
    "so the pattern can return nothing while matching items exist",
)
FILTER_ON_SORT_KEY = RuleCode(
    "W202", "a filter on the sort key of the index queried",
    "the whole partition is read; use the key condition",
)
SCAN_AS_LOOKUP = RuleCode(
    "W203", "a scan used as a lookup", "a scan with a filter reads the whole table"
)
COUNT_ONE_PAGE = RuleCode(
    "W204", "a count that does not follow LastEvaluatedKey",
    "it counts only the first 1 MB page",
)
WARNINGS = (LIMIT_BEFORE_FILTER, FILTER_ON_SORT_KEY, SCAN_AS_LOOKUP, COUNT_ONE_PAGE)
WARNING_TITLES = {warning.code: warning.title for warning in WARNINGS}
ORDERS = ("ascending", "descending")


def operand_count(operator: str) -> int:
    """How many values a condition takes: BETWEEN two, the existence tests none, others one."""
    if operator == "BETWEEN":
        return 2
    return 0 if operator in ("EXISTS", "NOT_EXISTS") else 1


# --- conditions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One condition of a key condition or filter: ``attribute OPERATOR values``.

    ``values`` are the pattern's arguments for it: given in the table file, or for EQ taken
    from the examples the pattern returns; empty when neither gives them.
    """

    attribute: str
    operator: str
    values: tuple[AttributeValue, ...] = ()

    @property
    def symbol(self) -> str:
        return OPERATOR_SYMBOLS[self.operator]

    @property
    def expression(self) -> str:
        """The condition as in a DynamoDB expression, with placeholders: ``user = :user``."""
        placeholder = ":" + self.attribute
        operands = ([f"{placeholder}_low", f"{placeholder}_high"] if self.operator == "BETWEEN"
                    else [placeholder])
        return self.written(self.attribute, operands)

    def written(self, name: str, operands: Sequence[str]) -> str:
        """The condition in DynamoDB's expression syntax, on the attribute written ``name``
        with the value placeholders ``operands`` (two for BETWEEN, none used by EXISTS)."""
        if self.operator == "BETWEEN":
            return f"{name} BETWEEN {operands[0]} AND {operands[1]}"
        if self.operator in ("BEGINS_WITH", "CONTAINS"):
            return f"{self.symbol}({name}, {operands[0]})"
        if self.operator in ("EXISTS", "NOT_EXISTS"):
            return f"{self.symbol}({name})"
        return f"{name} {self.symbol} {operands[0]}"

    @property
    def complete(self) -> bool:
        """Whether the values the operator needs are known."""
        return len(self.values) == operand_count(self.operator)

    def matches(self, value: AttributeValue | None) -> bool:
        """Whether an item whose attribute is ``value`` (None: absent) meets the condition,
        as DynamoDB evaluates it; the condition must be complete."""
        operator = self.operator
        if operator in ("EXISTS", "NOT_EXISTS"):
            return (value is None) == (operator == "NOT_EXISTS")
        if value is None:
            return operator == "NE"
        if operator == "CONTAINS":
            return _contains(value, self.values[0])
        if operator in ("EQ", "NE"):
            return (value == self.values[0]) == (operator == "EQ")
        comparable = ("S", "N", "B")
        if value.type not in comparable or any(v.type != value.type for v in self.values):
            return False
        if operator == "BEGINS_WITH":
            return value.type != "N" and _octets(value).startswith(_octets(self.values[0]))
        here = sort_key(value)
        bounds = [sort_key(v) for v in self.values]
        if operator == "BETWEEN":
            return bounds[0] <= here <= bounds[1]
        return {
            "LT": here < bounds[0], "LE": here <= bounds[0],
            "GT": here > bounds[0], "GE": here >= bounds[0],
        }[operator]


def _octets(value: AttributeValue) -> bytes:
    """The bytes DynamoDB compares of an S or B value."""
    return value.text.encode("utf-8") if value.type == "S" else value.data


def _contains(value: AttributeValue, operand: AttributeValue) -> bool:
    if value.type == "S" and operand.type == "S":
        return operand.text in value.text
    if value.type == "B" and operand.type == "B":
        return operand.data in value.data
    if value.type in SET_ELEMENT_TYPES or value.type == "L":
        return operand in value.elements
    return False


# --- the usage --------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    """A non-key attribute that matters, as the application writes it."""

    name: str
    type: str
    optional: bool  # the application may leave it out of an item
    empty: bool  # the application may write it as an empty string or empty binary
    description: str = ""


@dataclass(frozen=True)
class Acknowledgement:
    """A warning the table file accepts for one pattern, with the reason."""

    code: str
    reason: str

    @property
    def title(self) -> str:
        return WARNING_TITLES[self.code]


@dataclass(frozen=True)
class AccessPattern:
    """One request the application makes."""

    name: str
    operation: str  # a key of OPERATIONS
    index: str | None  # None: the table itself
    key: tuple[Condition, ...]
    filter: tuple[Condition, ...]
    order: str  # "ascending" or "descending" (ScanIndexForward false)
    limit: int | None
    projection: tuple[str, ...]
    count: bool  # Select COUNT
    paginated: bool  # follows LastEvaluatedKey until the end
    description: str
    not_served: str | None  # why the tables do not serve it, when they do not
    acknowledged: tuple[Acknowledgement, ...]
    returns: tuple[str, ...]  # the examples naming it, in the order the file lists them
    roles: tuple[str, ...]  # the access roles that may run it, sorted

    @property
    def action(self) -> str:
        """The DynamoDB action, e.g. ``Query``; also the IAM action without its prefix."""
        return OPERATIONS[self.operation]

    @property
    def served(self) -> bool:
        return self.not_served is None

    @property
    def ordered(self) -> bool:
        """Only a query returns items in an order (by the sort key); a count returns none."""
        return self.operation == "query" and not self.count

    @property
    def key_expression(self) -> str:
        return " AND ".join(condition.expression for condition in self.key)

    @property
    def filter_expression(self) -> str:
        return " AND ".join(condition.expression for condition in self.filter)


@dataclass(frozen=True)
class Example:
    """An item exactly as the application writes it, and the patterns that must return it."""

    name: str
    item: Item  # in the order the file lists the attributes
    returned_by: tuple[str, ...]
    description: str = ""

    def to_boto3(self) -> dict[str, dict[str, Any]]:
        return to_boto3_item(self.item)


@dataclass(frozen=True)
class Usage:
    """Everything a table file says about how the application uses the table."""

    attributes: tuple[Attribute, ...] = ()
    patterns: tuple[AccessPattern, ...] = ()
    examples: tuple[Example, ...] = ()

    def pattern(self, name: str) -> AccessPattern:
        return next(p for p in self.patterns if p.name == name)

    def returned(self, pattern: AccessPattern) -> tuple[Example, ...]:
        """The examples that ``pattern`` must return, in the order the file lists them."""
        by_name = {example.name: example for example in self.examples}
        return tuple(by_name[name] for name in pattern.returns)

    @property
    def acknowledged(self) -> tuple[tuple[AccessPattern, Acknowledgement], ...]:
        return tuple((p, a) for p in self.patterns for a in p.acknowledged)


def _conditions(
    raw: Mapping[str, str], arguments: Mapping[str, Any], returned: list[Item]
) -> tuple[Condition, ...]:
    found = []
    for attribute, operator in raw.items():
        given = arguments.get(attribute)
        if given is None:
            values: tuple[AttributeValue, ...] = ()
            seen = [dict(item).get(attribute) for item in returned]
            first = seen[0] if seen else None
            if operator == "EQ" and first is not None and all(v == first for v in seen):
                values = (first,)
        elif isinstance(given, list):
            values = tuple(value_from_yaml(value) for value in given)
        else:
            values = (value_from_yaml(given),)
        found.append(Condition(attribute, operator, values))
    return tuple(found)


def build_usage(data: Mapping[str, Any], roles: Mapping[str, Any]) -> Usage:
    """The usage of a table from a document that passed the schema and the checks, its
    defaults filled in;
    ``roles`` is its ``access`` mapping, to record which roles may run each pattern."""
    attributes = tuple(
        Attribute(
            name, spec["type"], spec["optional"], spec["empty"],
            spec.get("description", "").strip(),
        )
        for name, spec in data.get("attributes", {}).items()
    )
    examples = tuple(
        Example(
            name,
            tuple((attr, value_from_yaml(value)) for attr, value in spec["item"].items()),
            tuple(spec.get("returned_by", ())),
            spec.get("description", "").strip(),
        )
        for name, spec in data.get("examples", {}).items()
    )
    patterns = []
    for name, spec in data.get("access_patterns", {}).items():
        returns = [e for e in examples if name in e.returned_by]
        items = [e.item for e in returns]
        arguments = spec.get("arguments", {})
        patterns.append(AccessPattern(
            name=name,
            operation=spec["operation"],
            index=spec.get("index"),
            key=_conditions(spec.get("key", {}), arguments, items),
            filter=_conditions(spec.get("filter", {}), arguments, items),
            order=spec["order"],
            limit=spec.get("limit"),
            projection=tuple(spec.get("projection", ())),
            count=spec["count"],
            paginated=spec["paginated"],
            description=spec.get("description", "").strip(),
            not_served=spec["not_served"].strip() if "not_served" in spec else None,
            acknowledged=tuple(
                Acknowledgement(code, reason.strip())
                for code, reason in sorted(spec.get("acknowledge", {}).items())
            ),
            returns=tuple(e.name for e in returns),
            roles=_roles(name, spec, roles),
        ))
    return Usage(attributes, tuple(patterns), examples)


def _roles(name: str, spec: Mapping[str, Any], roles: Mapping[str, Any]) -> tuple[str, ...]:
    """The roles that may run a pattern: those naming it, and those listing its action
    (Query and Scan listed by a role cover every index)."""
    action = OPERATIONS[spec["operation"]]
    return tuple(sorted(
        role for role, grant in roles.items()
        if name in grant.get("patterns", ()) or action in grant.get("actions", ())
    ))
