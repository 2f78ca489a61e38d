"""The alarm rules a JSON Schema cannot express (codes E4xx), for table and settings files.

They run on schema-valid documents and need the project's settings (an alarm's evaluation
periods may come from the settings file and its datapoints from the table file), so the
pipeline calls ``check_table_alarms`` beside the table rules, with the settings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from generator import alarms
from generator.diagnostics import Diagnostic, DocPath, Problem, RuleCode
from generator.loader import Document
from generator.settings import AlarmOptions, Settings

if TYPE_CHECKING:
    from generator.model import Table

# CloudWatch evaluates at most one day of periods shorter than an hour, else seven days.
_SHORT_RANGE = 86_400
_LONG_RANGE = 604_800
_HOUR = 3_600
_MINUTE = 60
_HIGH_RESOLUTION = (10, 20, 30)


PERIOD = RuleCode(
    "E401", "an alarm period is a multiple of 60 seconds (DynamoDB publishes once a minute, so "
    "10, 20 and 30 s high-resolution periods would see no data)",
)
EVALUATION = RuleCode(
    "E402", "`datapoints_to_alarm` is at most `evaluation_periods`; the evaluation periods times "
    "the period fit CloudWatch's one day (periods under an hour) or seven days",
)
MISSING_FEATURE = RuleCode(
    "E403", "an alarm is turned on only for what the table has: replicas, provisioned "
    "capacity, an on-demand limit, a Kinesis destination",
)
NAME_LENGTH = RuleCode(
    "E404", "alarm names (table name and the alarm's part) fit CloudWatch's 255 characters"
)
RULES = (PERIOD, EVALUATION, MISSING_FEATURE, NAME_LENGTH)


def _merged(base: AlarmOptions, value: Any) -> AlarmOptions:
    if not isinstance(value, Mapping):
        return base
    return AlarmOptions(
        enabled=value.get("enabled", True),
        threshold=value.get("threshold", base.threshold),
        period=value.get("period", base.period),
        evaluation_periods=value.get("evaluation_periods", base.evaluation_periods),
        datapoints_to_alarm=value.get("datapoints_to_alarm", base.datapoints_to_alarm),
        treat_missing_data=value.get("treat_missing_data", base.treat_missing_data),
    )


def option_problems(
    doc: Document, path: DocPath, value: Any, base: AlarmOptions
) -> Iterator[Diagnostic]:
    """E401 and E402 for one alarm's settings ``value`` at ``path``, over ``base``: only
    what this file sets is judged, so defaults never make an error."""
    if not isinstance(value, Mapping):
        return
    options = _merged(base, value)
    period = options.period
    if "period" in value and period % _MINUTE:
        resolution = (
            f"{period} seconds is a high-resolution period, but DynamoDB publishes its metrics "
            "once a minute, so the alarm would mostly see no data"
            if period in _HIGH_RESOLUTION else f"{period} seconds is not a whole number of minutes"
        )
        yield PERIOD.stamp(doc, Problem(
            (*path, "period"), resolution, "use 60 or another multiple of 60"
        ))
        return
    evaluated = options.evaluation_periods
    datapoints = options.datapoints_to_alarm or evaluated
    if datapoints > evaluated and {"datapoints_to_alarm", "evaluation_periods"} & set(value):
        where = "datapoints_to_alarm" if "datapoints_to_alarm" in value else "evaluation_periods"
        yield EVALUATION.stamp(doc, Problem(
            (*path, where),
            f"datapoints_to_alarm {datapoints} is more than evaluation_periods {evaluated}",
            "an alarm counts breaching periods among the evaluated ones; make "
            "datapoints_to_alarm at most evaluation_periods",
        ))
    limit = _SHORT_RANGE if period < _HOUR else _LONG_RANGE
    if period * evaluated > limit and {"period", "evaluation_periods"} & set(value):
        where = "evaluation_periods" if "evaluation_periods" in value else "period"
        yield EVALUATION.stamp(doc, Problem(
            (*path, where),
            f"{evaluated} periods of {period} s evaluate {period * evaluated} s, more than "
            f"CloudWatch's {limit} s for periods {'under' if period < _HOUR else 'of'} an hour"
            f"{'' if period < _HOUR else ' or more'}",
            "use fewer evaluation periods or a shorter period",
        ))


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
