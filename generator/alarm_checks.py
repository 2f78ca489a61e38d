"""The alarm rules a JSON Schema cannot express (codes E4xx), for table and settings files.

They run on schema-valid documents and need the project's settings (an alarm's evaluation
periods may come from the settings file and its datapoints from the table file), so the
pipeline calls ``check_table_alarms`` beside the table rules, with the settings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from generator import alarms
from generator.alarm_options import EVALUATION, PERIOD, option_problems
from generator.diagnostics import Diagnostic, DocPath, Problem, RuleCode
from generator.loader import Document
from generator.settings import Settings

if TYPE_CHECKING:
    from generator.model import Table

MISSING_FEATURE = RuleCode(
    "E403", "an alarm is turned on only for what the table has: replicas, provisioned "
    "capacity, an on-demand limit, a Kinesis destination",
)
NAME_LENGTH = RuleCode(
    "E404", "alarm names (table name and the alarm's part) fit CloudWatch's 255 characters"
)
RULES = (PERIOD, EVALUATION, MISSING_FEATURE, NAME_LENGTH)


def check_table_alarms(doc: Document, settings: Settings, table: Table | None) -> list[Diagnostic]:
    """Every alarm rule over one schema-valid table document; all findings. ``table`` is its
    model, None while the table rules find problems: then only the alarm settings are judged,
    and what needs the table's shape (E403, E404) waits for a table that is sound."""
    value = doc.data.get("alarms")
    if value is False:
        return []
    found: list[Diagnostic] = []
    for kind, own in (value.items() if isinstance(value, Mapping) else ()):
        path: DocPath = ("alarms", kind)
        found += option_problems(doc, path, own, settings.alarm_options(kind))
        turned_off = own is False or (isinstance(own, Mapping) and own.get("enabled") is False)
        enabled = not turned_off
        if table is not None and enabled:
            found += _missing_feature(doc, path, alarms.KINDS_BY_NAME[kind], table)
    if table is not None:
        found += _name_length(doc, table)
    return sorted(found)


def _missing_feature(doc: Document, path: DocPath, kind: alarms.Kind, table: Table
                     ) -> Iterator[Diagnostic]:
    if kind.needs and not alarms.table_has(kind, table):
        yield MISSING_FEATURE.stamp(doc, Problem(
            path, f"{kind.name} watches {kind.what}, but the table has no "
            f"{alarms.NEEDS[kind.needs]}",
            f"remove '{kind.name}', or set it to false", key=True,
        ))


def _name_length(doc: Document, table: Table) -> Iterator[Diagnostic]:
    added = alarms.longest_name_part(table)
    if len(table.name) + added > alarms.MAX_NAME:
        yield NAME_LENGTH.stamp(doc, Problem(
            ("name",),
            f"alarm names are the table name and up to {added} more characters, "
            f"{len(table.name) + added} in all, over CloudWatch's {alarms.MAX_NAME}",
            "shorten the table name (or an index name), or turn the alarms off with "
            "'alarms: false'",
        ))
