"""An alarm's options and the rules on them that a JSON Schema cannot express (E401, E402).

The settings file and the table files both set alarm options, so both the settings file's
checks (``generator.settings``) and the table files' alarm rules (``generator.alarm_checks``)
judge them with ``option_problems``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator.diagnostics import Diagnostic, DocPath, Locates, Problem, RuleCode

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


@dataclass(frozen=True)
class AlarmOptions:
    """One alarm's settings, after the defaults, the project's and a table's are merged."""

    enabled: bool
    threshold: int | float
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int | None  # None: every evaluated period must breach
    treat_missing_data: str


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
    doc: Locates, path: DocPath, value: Any, base: AlarmOptions
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
