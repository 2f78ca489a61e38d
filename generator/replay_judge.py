"""How `replay` judges what a pattern returned: against the examples that name it, as the
pattern sees them (its projection, or what its index projects), in the declared order.

Only values of the model go in and out, so the judgement is tested without an endpoint.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.attribute_values import AttributeValue, item_from_boto3
from generator.model import KeyAttribute, Projection, Table
from generator.patterns import AccessPattern, Example


class Status(enum.Enum):
    SERVED = "served"
    NOT_SERVED = "NOT SERVED"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Outcome:
    """What running one pattern showed."""

    status: Status
    detail: str


def key_names(table: Table) -> tuple[str, ...]:
    """The table's key attributes, by name."""
    return tuple(k.name for k in (table.partition_key, table.sort_key) if k is not None)


def _view(table: Table, pattern: AccessPattern, example: Example) -> dict[str, AttributeValue]:
    """The attributes of ``example`` that ``pattern`` returns: its projection, or what the
    index it reads projects."""
    item = dict(example.item)
    names = set(item)
    if pattern.projection:
        names &= set(pattern.projection)
    else:
        indexes: dict[str, tuple[Projection, tuple[KeyAttribute | None, ...]]] = {
            i.name: (i.projection, (*i.partition_keys, *i.sort_keys))
            for i in table.global_secondary_indexes}
        indexes.update({i.name: (i.projection, (i.sort_key,))
                        for i in table.local_secondary_indexes})
        projection, index_keys = indexes.get(pattern.index or "", (None, ()))
        if projection is not None and projection.type != "ALL":
            keys = {*key_names(table), *(k.name for k in index_keys if k is not None)}
            names &= keys | set(projection.non_key_attributes)
    return {name: item[name] for name in names}


def _sort_key(table: Table, pattern: AccessPattern) -> str | None:
    """The attribute that orders what the pattern returns: the sort key of what a query reads.
    A scan, a count, and a query of an index without a sort key return items in no order."""
    if not pattern.ordered:
        return None
    if pattern.index is None:
        return table.sort_key.name if table.sort_key else None
    for gsi in table.global_secondary_indexes:
        if gsi.name == pattern.index:
            return gsi.sort_key.name if gsi.sort_key else None
    return next((lsi.sort_key.name for lsi in table.local_secondary_indexes
                 if lsi.name == pattern.index), None)


SHOWN_NAMES = 3  # a line names this many examples, then counts the rest


def names(examples: Sequence[Example | None]) -> str:
    """The examples, by name, as one line shows them."""
    names = [e.name if e else "an item unlike any example" for e in examples]
    if len(names) > SHOWN_NAMES:
        return ", ".join(names[:SHOWN_NAMES]) + f" and {len(names) - SHOWN_NAMES} more"
    return ", ".join(names) or "nothing"


def judge_read(table: Table, pattern: AccessPattern, result: list[Any] | int) -> Outcome:
    """Whether the result holds the examples that name the pattern, each for one returned
    item as the pattern sees it (its projection or its index's), and for a query in the
    declared order, except among examples whose sort key values are equal: DynamoDB returns
    those in no particular order."""
    usage = table.usage
    expected = list(usage.returned(pattern))
    if isinstance(result, int):
        detail = f"counted {result}, the examples naming it: {len(expected)}"
        return Outcome(Status.SERVED if result == len(expected) else Status.NOT_SERVED, detail)
    returned = [item_from_boto3(item) for item in result]
    matched: list[Example | None] = [None] * len(returned)
    positions: list[int] = []
    for example in expected:
        view = _view(table, pattern, example)
        position = next((i for i, item in enumerate(returned)
                         if matched[i] is None and item == view), None)
        if position is not None:
            matched[position] = example
            positions.append(position)
    views = [(example, _view(table, pattern, example)) for example in usage.examples]
    shown = [found or next((e for e, view in views if view == item), None)
             for found, item in zip(matched, returned, strict=True)]
    described = names(shown)
    sort_key = _sort_key(table, pattern)
    in_order = sort_key is None or all(
        positions[i] < positions[j] or _value(expected[i], sort_key) == _value(
            expected[j], sort_key)
        for i in range(len(positions)) for j in range(i + 1, len(positions)))
    if len(positions) == len(expected) and in_order:
        extra = sum(found is None for found in matched)
        if not expected:
            described += "; no example names it"
        elif extra:
            described += f" ({extra} not naming it)"
        return Outcome(Status.SERVED, f"returned {described}")
    order = " in this order" if sort_key is not None and len(expected) > 1 else ""
    return Outcome(Status.NOT_SERVED, f"expected {names(expected)}{order}; returned {described}")


def _value(example: Example, attribute: str) -> AttributeValue | None:
    return dict(example.item).get(attribute)
