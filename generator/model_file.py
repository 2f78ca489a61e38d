"""model.json: a canonical dump of the deployed settings of every table, written by each build.

The last build (or any git revision of it) is read back from it without parsing Terraform or
CloudFormation, so it is the baseline that `plan` compares with. A setting added to the model
later is recorded without code here.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

from generator.json_printer import pretty_json
from generator.model import RECORDED_WHEN_SET, Move, Project, Table

MODEL_FILE = "model.json"
_MODEL_KIND = "dynamodb-schema-generator model"
_MODEL_FORMAT = 1

# Model fields that are not deployed settings of the table: names, prose, IAM, timeouts,
# how the application uses the table.
_NOT_DEPLOYED = frozenset(
    {"key", "description", "environment_variable", "access_roles", "timeouts",
     "encryption_stated", "usage", "alarms", "stack", "file", "display"}
)
Snapshot = dict[str, Any]
# A field that only baselines read from live tables hold (never model.json): when DynamoDB
# last switched the table to on-demand, as ISO 8601 text.
LAST_ON_DEMAND_SWITCH = "last_switch_to_on_demand"


class ModelFileError(Exception):
    """A model.json that cannot be read back: missing, foreign, or from another format."""


# --- model.json -------------------------------------------------------------------------


def table_snapshot(table: Table) -> Snapshot:
    """The deployed settings of one table as plain JSON values, in model field order."""
    data = {
        name: _plain(getattr(table, name))
        for name in _field_names(Table)
        if name not in _NOT_DEPLOYED and _recorded(table, name)
    }
    data["tags"] = dict(table.tags)
    return data


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(kind))


@functools.cache
def when_set_defaults(kind: type) -> dict[str, Any]:
    """The fields of ``kind`` recorded only when set, with their defaults."""
    return {
        field.name: field.default
        for field in dataclasses.fields(kind)
        if field.metadata == RECORDED_WHEN_SET
    }


def _recorded(value: object, name: str) -> bool:
    kind: type = type(value)
    defaults = when_set_defaults(kind)
    return name not in defaults or getattr(value, name) != defaults[name]


def _plain(value: object) -> Any:
    """A model value as JSON data: dataclasses become objects, tuples lists."""
    if isinstance(value, (str, int, float)) or value is None:
        return value
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            name: _plain(getattr(value, name))
            for name in _field_names(type(value))
            if _recorded(value, name)
        }
    raise TypeError(f"cannot record {type(value).__name__} in model.json")


def model_json(project: Project) -> str:
    """The deployed settings of every table as stable, reviewable JSON, tables by key."""
    document = {
        "generator": _MODEL_KIND,
        "format": _MODEL_FORMAT,
        "tables": {table.key: table_snapshot(table) for table in project.tables},
    }
    if project.moves:
        document["moved"] = [{"from": m.from_key, "to": m.to_key} for m in project.moves]
    return pretty_json(document, end="\n")


def moves_from_json(text: str) -> tuple[Move, ...]:
    """The renamed table files that a model.json records; none if it cannot be read."""
    try:
        recorded = json.loads(text).get("moved", [])
        return tuple(Move(str(m["from"]), str(m["to"])) for m in recorded)
    except (ValueError, AttributeError, TypeError, KeyError):
        return ()


def snapshots_from_json(text: str, origin: str) -> dict[str, Snapshot]:
    """Read back what ``model_json`` wrote, by table key; ``origin`` names it in errors."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{origin} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("generator") != _MODEL_KIND:
        raise ModelFileError(f"{origin} was not written by this generator")
    if document.get("format") != _MODEL_FORMAT:
        raise ModelFileError(
            f"{origin} has model format {document.get('format')!r}; "
            f"this generator reads format {_MODEL_FORMAT}"
        )
    tables = document.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(t, dict) and isinstance(t.get("name"), str) for t in tables.values()
    ):
        raise ModelFileError(f"{origin} is damaged: 'tables' is not a map of tables")
    return {str(key): table for key, table in sorted(tables.items())}


