"""Stage 3, the warnings about access patterns (W2xx, declared in ``patterns``): a pattern
that works, but not as its author likely thinks. A pattern acknowledges a warning by its
code, with a reason; an acknowledgement of a warning the pattern does not have is an error.

They register through ``checks.table_rule``; ``checks`` imports this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from generator import pattern_facts as facts
from generator.checks import TableCheck, table_rule
from generator.diagnostics import DocPath, Problem, RuleCode
from generator.loader import Document
from generator.patterns import (
    COUNT_ONE_PAGE,
    FILTER_ON_SORT_KEY,
    LIMIT_BEFORE_FILTER,
    SCAN_AS_LOOKUP,
    WARNINGS,
)


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
    derived = facts.document_facts(doc.data)
    if "warnings" not in derived:
        derived["warnings"] = list(_find_warnings(doc))
    found: list[_Warning] = derived["warnings"]
    return found


def _find_warnings(doc: Document) -> Iterator[_Warning]:
    for name, path, spec in facts.patterns(doc):
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
        keys = facts.pattern_keys(doc.data, spec)
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
    for name, path, spec in facts.patterns(doc):
        for code in spec.get("acknowledge", {}):
            if (name, code) not in found:
                yield Problem(
                    (*path, "acknowledge", code),
                    f"pattern {name!r} acknowledges {code}, which it does not have",
                    "remove the acknowledgement, so that it cannot hide a later warning",
                    key=True,
                )
