"""Environments: one set of table files, several deployments that differ where teams need it.

The settings file declares them (``environments:``), each with overrides for every table:
deletion protection, billing mode and capacity, autoscaling, replicas, point-in-time recovery,
table class and tags; deletion protection, recovery and table class reach each replica too,
over what it sets for itself. An environment's overrides are applied to each table file's
data before it becomes a model, and the result passes the table rules again, so everything
derived from a table (alarms, scaling targets, policies) follows the environment.

Terraform cannot take lifecycle arguments such as ``prevent_destroy`` from a variable, so
each environment is a module of its own, ``terraform/<env>/``, beside the module of the
table files as written; CloudFormation gets one template per environment,
``cloudformation/<env>/template.json``. Without environments nothing here runs and the
output is what it always was.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator import loader
from generator.diagnostics import Diagnostic, DocPath, Mark, Problem, RuleCode, format_path

SETTINGS_KEY = "environments"


BILLING = RuleCode(
    "E501", "an environment that makes the tables `PROVISIONED` gives `capacity`, and only "
    "then (settings file)",
)
VALID_EVERYWHERE = RuleCode(
    "E502", "every table file is valid in every environment: the table rules run again on "
    "each table as the environment deploys it, and a break is reported at the environment's "
    "override (settings file)",
)
RULES = (BILLING, VALID_EVERYWHERE)


@dataclass(frozen=True)
class Environment:
    """One environment's overrides, as the settings file writes them (None: as each table
    file says), and where it is declared, for the problems it causes in a table file."""

    name: str
    overrides: tuple[tuple[str, Any], ...]
    source: str  # the settings file, as diagnostics name it
    # Where the environment's name ("") and each of its keys are, as (key, line, column).
    marks: tuple[tuple[str, int, int], ...]

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """A table file's data as this environment deploys it; ``data`` is left as it is."""
        result = copy.deepcopy(data)
        overrides = dict(self.overrides)
        replicas = result.get("replicas", [])
        for key in ("deletion_protection", "point_in_time_recovery", "table_class"):
            if key in overrides:
                result[key] = overrides[key]
                for replica in replicas:  # a replica's own setting yields to the environment
                    replica.pop(key, None)
        if overrides.get("point_in_time_recovery") is False:
            for place in (result, *replicas):
                place.pop("point_in_time_recovery_period_days", None)
        if overrides.get("replicas") is False:
            result.pop("replicas", None)
        scopes = [result, *result.get("global_secondary_indexes", [])]
        if overrides.get("autoscaling") is False:
            for scope in scopes:
                scope.pop("autoscaling", None)
        billing = overrides.get("billing_mode")
        if billing is not None:
            result["billing_mode"] = billing
        provisioned = result["billing_mode"] == "PROVISIONED"
        for scope in scopes:
            if not provisioned:
                scope.pop("capacity", None)
                scope.pop("autoscaling", None)
            else:
                scope.pop("on_demand_throughput", None)
                if "capacity" in overrides:
                    scope["capacity"] = dict(overrides["capacity"])
        if overrides.get("tags"):
            # The table file's own tags win, as over the module's tags input.
            result["tags"] = {**overrides["tags"], **result.get("tags", {})}
        return result

    def problem(self, table: Diagnostic) -> Diagnostic:
        """E502: a table file that breaks a rule once this environment's overrides apply,
        located at the override the rule is about, else at the environment."""
        where = f"{table.file}:{table.line}:{table.column}" if table.line else table.file
        marks = {key: (line, column) for key, line, column in self.marks}
        key = next((k for k in marks if k and _within(table.path, k)), "")
        line, column = marks[key]
        path: DocPath = (SETTINGS_KEY, self.name, key) if key else (SETTINGS_KEY, self.name)
        fix = "change the environment's overrides"
        return VALID_EVERYWHERE.at(
            self.source, Mark(line, column), format_path(path),
            f"in environment {self.name}, {where} breaks {table.code} at {table.path}: "
            f"{table.message}",
            f"{table.hint}; or {fix}" if table.hint else fix,
        )


def _within(path: str, key: str) -> bool:
    """Whether a formatted document path is the top-level ``key`` or below it."""
    return path == key or path.startswith((f"{key}.", f"{key}["))


def from_document(document: loader.Document) -> tuple[Environment, ...]:
    """The environments of a schema-valid settings document, in the file's order."""
    declared = document.data.get(SETTINGS_KEY, {}) if isinstance(document.data, dict) else {}
    found = []
    for name, overrides in declared.items():
        marks = [("", document.mark((SETTINGS_KEY, name), key=True))] + [
            (key, document.mark((SETTINGS_KEY, name, key), key=True)) for key in overrides
        ]
        found.append(Environment(name, tuple(overrides.items()), document.display, tuple(
            (key, mark.line, mark.column) for key, mark in marks
        )))
    return tuple(found)


def settings_problems(document: loader.Document) -> Iterator[Diagnostic]:
    """E501 over a schema-valid settings document."""
    for name, overrides in document.data.get(SETTINGS_KEY, {}).items():
        path: DocPath = (SETTINGS_KEY, name)
        billing = overrides.get("billing_mode")
        if billing == "PROVISIONED" and "capacity" not in overrides:
            yield BILLING.stamp(document, Problem(
                (*path, "billing_mode"),
                f"environment {name} makes every table PROVISIONED but gives no capacity",
                "add 'capacity: {read: N, write: N}' to the environment",
            ))
        elif billing == "PAY_PER_REQUEST" and "capacity" in overrides:
            yield BILLING.stamp(document, Problem(
                (*path, "capacity"),
                f"environment {name} has capacity but makes every table PAY_PER_REQUEST",
                "remove 'capacity', or set 'billing_mode: PROVISIONED'",
            ))


def deployed(document: loader.Document, environment: Environment) -> loader.Document:
    """A table file as ``environment`` deploys it; the pipeline validates and checks it again
    (E502: ``Environment.problem``)."""
    overridden = dict(environment.overrides)
    return dataclasses.replace(
        document, data=environment.apply(document.data),
        # What the environment sets is no default of the file any more.
        defaulted=frozenset(p for p in document.defaulted if p[0] not in overridden),
    )
