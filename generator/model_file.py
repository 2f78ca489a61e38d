"""model.json: a canonical dump of the deployed settings of every table, written by each build.

The last build (or any git revision of it) is read back from it without parsing Terraform or
CloudFormation, so it is the baseline that `plan` compares with. What the file holds is the
field lists below, and nothing else: each entry names the key in model.json (the committed
format, which never changes with the model), the model attribute it records, and the table
file's key (what `plan` calls the setting, in the user's words). A model attribute renamed
without its entry fails tests/test_model_file.py instead of changing every baseline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator import model
from generator.json_files import read_own
from generator.json_printer import pretty_json
from generator.model import Move, Project, Table

MODEL_FILE = "model.json"
_MODEL_KIND = "dynamodb-schema-generator model"
_MODEL_FORMAT = 1

Snapshot = dict[str, Any]
# A field that only baselines read from live tables hold (never model.json): when DynamoDB
# last switched the table to on-demand, as ISO 8601 text.
LAST_ON_DEMAND_SWITCH = "last_switch_to_on_demand"


class ModelFileError(Exception):
    """A model.json that cannot be read back: missing, foreign, or from another format."""


@dataclass(frozen=True)
class Field:
    """One recorded setting: model.json's key, the model attribute, the table file's key.

    ``yaml_key`` is None for what no table file states (the file the table came from).
    ``when_set``: added after the format was fixed, so recorded only when it differs from
    ``default`` and earlier builds' files stay as they were. ``assumed``: added later but
    always recorded, so a baseline from before it is read as ``default``. ``shown`` turns
    the recorded value into the table file's spelling, for plan's report.
    """

    key: str
    attribute: str
    yaml_key: str | None
    when_set: bool = False
    assumed: bool = False
    default: Any = None
    shown: Callable[[Any], Any] | None = None
    as_map: bool = False  # pairs recorded as a JSON object (the tags)
    # Recorded only where the value's ``overrides`` names it (a replica's own setting).
    overridden: bool = False


@dataclass(frozen=True)
class Record:
    """The fields of one model class, in model.json's order."""

    kind: type
    fields: tuple[Field, ...]
    # Attributes of ``kind`` that are not deployed settings (what decides which are recorded).
    unrecorded: frozenset[str] = frozenset()

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


def _same(*names: str) -> tuple[Field, ...]:
    """Fields whose model.json key, model attribute and table file key are one name."""
    return tuple(Field(name, name, name) for name in names)


def _import_source_shown(value: Any) -> Any:
    """The recorded S3 import in the table file's shape (``csv`` holds the CSV options)."""
    if not isinstance(value, dict):
        return value
    shown = {k: v for k, v in value.items() if not k.startswith("csv_")}
    csv = {"delimiter": value.get("csv_delimiter"), "header_list": value.get("csv_header_list")}
    if any(csv.values()):
        shown["csv"] = csv
    return shown


KEY_ATTRIBUTE = Record(model.KeyAttribute, _same("name", "type"))
CAPACITY = Record(model.Capacity, _same("read", "write"))
# The table file writes the projection's type as the index's ``projection``.
PROJECTION = Record(model.Projection, (
    Field("type", "type", "projection"),
    Field("non_key_attributes", "non_key_attributes", "non_key_attributes"),
))
SCALING = Record(model.Scaling, _same("min", "max", "target_utilization"))
AUTOSCALING = Record(model.Autoscaling, _same("read", "write"))
ON_DEMAND_THROUGHPUT = Record(
    model.OnDemandThroughput, _same("max_read_request_units", "max_write_request_units"))
WARM_THROUGHPUT = Record(
    model.WarmThroughput, _same("read_units_per_second", "write_units_per_second"))
# A replica's other settings are the table's unless it states its own: each is recorded
# only where the replica's differs from the table's, so an absent one reads as the table's.
REPLICA = Record(model.Replica, (
    *_same("region", "kms_key_arn", "point_in_time_recovery"),
    *(Field(name, name, name, overridden=True) for name in (
        "point_in_time_recovery_period_days", "table_class", "contributor_insights",
        "contributor_insights_mode", "max_read_request_units", "deletion_protection")),
    Field("tags", "tags", "tags", overridden=True, as_map=True),
), unrecorded=frozenset({"overrides"}))
IMPORT_SOURCE = Record(model.ImportSource, (
    *_same("bucket", "key_prefix", "bucket_owner", "input_format", "input_compression_type"),
    Field("csv_delimiter", "csv_delimiter", "csv.delimiter"),
    Field("csv_header_list", "csv_header_list", "csv.header_list"),
))
ENCRYPTION = Record(model.Encryption, _same("type", "kms_key_arn"))
GLOBAL_SECONDARY_INDEX = Record(model.GlobalSecondaryIndex, (
    *_same("name", "partition_key", "sort_key", "projection", "capacity", "autoscaling",
           "on_demand_throughput", "contributor_insights"),
    Field("warm_throughput", "warm_throughput", "warm_throughput", when_set=True),
    # A multi-attribute key: the table file lists every attribute under the one key.
    Field("more_partition_keys", "more_partition_keys", "partition_key", when_set=True,
          default=()),
    Field("more_sort_keys", "more_sort_keys", "sort_key", when_set=True, default=()),
    Field("contributor_insights_mode", "contributor_insights_mode", "contributor_insights_mode",
          when_set=True),
))
# The fields fixed when a global secondary index is created: an index whose other fields
# differ changes in place, one whose these differ is another index.
INDEX_IDENTITY = ("name", "partition_key", "sort_key", "projection", "more_partition_keys",
                  "more_sort_keys")
LOCAL_SECONDARY_INDEX = Record(model.LocalSecondaryIndex, _same("name", "sort_key", "projection"))
TABLE = Record(Table, (
    #     model.json key                     model attribute                      table file key
    Field("source",                          "source",                            None),
    *_same("name", "partition_key", "sort_key", "billing_mode", "capacity",
           "global_secondary_indexes", "local_secondary_indexes", "ttl_attribute"),
    Field("stream_view_type",                "stream_view_type",                  "stream"),
    *_same("table_class", "encryption", "point_in_time_recovery", "deletion_protection"),
    Field("tags",                            "tags",                              "tags",
          as_map=True),
    *_same("autoscaling", "on_demand_throughput", "point_in_time_recovery_period_days",
           "replicas", "contributor_insights", "kinesis_stream_arn", "resource_policy"),
    Field("import_source",                   "import_source",                     "import_from_s3",
          shown=_import_source_shown),
    Field("ttl_disabled",                    "ttl_disabled",                      "ttl_enabled",
          assumed=True, default=False, shown=lambda disabled: not disabled),
    Field("warm_throughput",                 "warm_throughput",                   "warm_throughput",
          when_set=True),
    Field("multi_region_consistency",        "multi_region_consistency",          "consistency",
          when_set=True, shown=lambda value: "strong" if value == "STRONG" else "eventual"),
    Field("witness_region",                  "witness_region",                    "witness_region",
          when_set=True),
    Field("contributor_insights_mode",       "contributor_insights_mode",
          "contributor_insights_mode", when_set=True),
))
RECORDS: dict[type, Record] = {record.kind: record for record in (
    KEY_ATTRIBUTE, CAPACITY, PROJECTION, SCALING, AUTOSCALING, ON_DEMAND_THROUGHPUT,
    WARM_THROUGHPUT, REPLICA, IMPORT_SOURCE, ENCRYPTION, GLOBAL_SECONDARY_INDEX,
    LOCAL_SECONDARY_INDEX, TABLE,
)}
# Table attributes that are not deployed settings of the table: names, prose, IAM, timeouts,
# how the application uses the table, where its file is.
NOT_RECORDED = frozenset(
    {"key", "description", "environment_variable", "access_roles", "timeouts",
     "encryption_stated", "usage", "alarms", "stack", "file", "display"}
)


# --- writing ----------------------------------------------------------------------------


def table_snapshot(table: Table) -> Snapshot:
    """The deployed settings of one table as plain JSON values, in model.json's order."""
    return _record(TABLE, table)


def _recorded(record: Record, value: object) -> Iterator[tuple[Field, Any]]:
    for entry in record.fields:
        if entry.overridden and entry.attribute not in getattr(value, "overrides", ()):
            continue
        found = getattr(value, entry.attribute)
        if not entry.when_set or found != entry.default:
            yield entry, found


def _record(record: Record, value: object) -> Snapshot:
    return {entry.key: _plain(found, entry) for entry, found in _recorded(record, value)}


def _plain(value: object, entry: Field) -> Any:
    """A model value as JSON data: records become objects, tuples lists, tags a map."""
    if isinstance(value, (str, int, float)) or value is None:
        return value
    if entry.as_map and isinstance(value, tuple):
        return dict(value)
    if isinstance(value, (tuple, list)):
        return [_plain(item, entry) for item in value]
    record = RECORDS.get(type(value))
    if record is None:
        raise TypeError(f"cannot record {type(value).__name__} in model.json")
    return _record(record, value)


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


# --- reading ----------------------------------------------------------------------------


def moves_from_json(text: str) -> tuple[Move, ...]:
    """The renamed table files that a model.json records; none if it cannot be read."""
    try:
        recorded = json.loads(text).get("moved", [])
        return tuple(Move(str(m["from"]), str(m["to"])) for m in recorded)
    except (ValueError, AttributeError, TypeError, KeyError):
        return ()


def snapshots_from_json(text: str, origin: str) -> dict[str, Snapshot]:
    """Read back what ``model_json`` wrote, by table key; ``origin`` names it in errors."""
    document = read_own(text, origin, _MODEL_KIND, ModelFileError)
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


def with_defaults(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[Snapshot, Snapshot]:
    """Two table snapshots with what model.json leaves out filled in: the fields recorded
    only when set, on both sides, and the fields that an older baseline lacks."""
    when_set = {f.key: _json_default(f) for f in TABLE.fields if f.when_set}
    assumed = {f.key: f.default for f in TABLE.fields if f.assumed}
    return {**assumed, **when_set, **old}, {**when_set, **new}


def _json_default(entry: Field) -> Any:
    return list(entry.default) if isinstance(entry.default, tuple) else entry.default


def compared(record: Record, key: str) -> bool:
    """Whether plan compares the field: everything a table file states."""
    found = record.field(key)
    return found is None or found.yaml_key is not None


def yaml_key(record: Record, key: str) -> str:
    """The table file's name of a model.json field (the field's own name if unknown)."""
    found = record.field(key)
    return found.yaml_key if found is not None and found.yaml_key else key


def shown_value(record: Record, key: str, value: Any) -> Any:
    """A recorded value as the table file writes it."""
    found = record.field(key)
    return value if found is None or found.shown is None else found.shown(value)
