"""The project settings file: what holds for every table file of a project.

``dynamodb-schema-generator.yaml`` beside the schemas folder (or the file ``--settings``
names) is loaded, validated and checked like a table file, with the same located
diagnostics, against its own JSON Schema (``settings.schema.json``, shipped in the package).
Every default lives in that schema, once; without a settings file every setting is its
default. Each top-level key of the file is one group of settings with its own typed value
here, so later groups slot in beside ``alarms``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from generator import environments, loader, validate
from generator.alarm_options import AlarmOptions, option_problems
from generator.diagnostics import Diagnostic, DocPath, InputError
from generator.environments import Environment

SETTINGS_FILE = "dynamodb-schema-generator.yaml"
SCHEMA_FILE = "settings.schema.json"


@dataclass(frozen=True)
class Settings:
    """The project's settings; ``source`` names the file, None when there is none."""

    source: str | None
    # The raw alarm settings of the project by alarm kind, as the file writes them
    # (True, False or a mapping); merged with a table's by ``alarm_options``.
    alarms: tuple[tuple[str, Any], ...] = ()
    # The Terraform settings as the file writes them; ``features.provider_target`` reads them.
    terraform: tuple[tuple[str, Any], ...] = ()
    # The deployments the file declares (generator/environments.py), in its order.
    environments: tuple[Environment, ...] = ()

    def alarm_options(self, kind: str, table_value: Any = None) -> AlarmOptions:
        """The settings of one alarm kind for one table: the schema's default, then the
        project's, then the table's (``table_value``: True, False, a mapping or None)."""
        merged = dict(alarm_defaults()[kind])
        for value in (dict(self.alarms).get(kind), table_value):
            if isinstance(value, bool):
                merged["enabled"] = value
            elif isinstance(value, Mapping):
                merged.update({"enabled": True, **value})
        return AlarmOptions(
            enabled=merged["enabled"],
            threshold=merged["threshold"],
            period=merged["period"],
            evaluation_periods=merged["evaluation_periods"],
            datapoints_to_alarm=merged.get("datapoints_to_alarm"),
            treat_missing_data=merged["treat_missing_data"],
        )


def settings_schema() -> dict[str, Any]:
    return validate.load_schema(SCHEMA_FILE)


@cache
def alarm_defaults() -> dict[str, dict[str, Any]]:
    """Each alarm kind's default settings, read from the settings schema."""
    kinds = settings_schema()["properties"]["alarms"]["properties"]
    return {kind: dict(spec["default"]) for kind, spec in kinds.items()}


def default_path(schemas_dir: Path) -> Path:
    """Where the settings file is looked for when ``--settings`` is not given."""
    return schemas_dir.resolve().parent / SETTINGS_FILE


def load_settings(
    path: Path | None, schemas_dir: Path, display_root: Path | None = None
) -> Settings:
    """The settings from ``path`` (or the default place, where a missing file means the
    defaults); raise InputError with every problem of the file, located."""
    explicit = path is not None
    where = path if path is not None else default_path(schemas_dir)
    if not explicit and not where.is_file():
        return Settings(None)
    display = loader.display_name(where, display_root)
    document = loader.load_file(where, display)
    problems = validate.validate_document(document, SCHEMA_FILE)
    if not problems:
        problems = list(_checks(document))
    if problems:
        raise InputError(problems)
    data = document.data if isinstance(document.data, dict) else {}
    alarms, terraform = data.get("alarms", {}), data.get("terraform", {})
    return Settings(display, tuple(sorted(alarms.items())), tuple(sorted(terraform.items())),
                    environments.from_document(document))


def _checks(document: loader.Document) -> Iterator[Diagnostic]:
    """The rules a schema cannot express, over a schema-valid settings document."""
    for kind, value in document.data.get("alarms", {}).items():
        path: DocPath = ("alarms", kind)
        yield from option_problems(document, path, value, Settings(None).alarm_options(kind))
    yield from environments.settings_problems(document)
