"""Stage 4: the typed, immutable description of the tables that the templates render.

It is built from data whose defaults the schema filled in (generator/defaults.py), and every
derived name (Terraform resource names, CloudFormation logical ids, attribute definitions) is
computed here, so templates only loop and branch over finished values.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from generator import keys, replica_settings
from generator.actions import INDEX_ACTIONS, STREAM_ACTIONS
from generator.alarms import Alarm, AlarmOutputs, alarm_outputs
from generator.diagnostics import Diagnostic, DocPath
from generator.features import ProviderTarget, default_target, version_floor
from generator.naming import (
    DEFAULT_STACK,
    Output,
    environment_output,
    logical_id,
    table_key,
    table_logical_id,
    table_output,
)
from generator.patterns import Usage, build_usage


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: str

    @property
    def definition(self) -> dict[str, str]:
        """The attribute as the DynamoDB API (and CloudFormation) defines it."""
        return {"AttributeName": self.name, "AttributeType": self.type}


def key_schema(
    partition_keys: Sequence[KeyAttribute], sort_keys: Sequence[KeyAttribute]
) -> tuple[dict[str, str], ...]:
    """A key schema in the DynamoDB API's form, which CloudFormation takes as it is."""
    return tuple(
        {"AttributeName": attribute.name, "KeyType": kind}
        for kind, attributes in (("HASH", partition_keys), ("RANGE", sort_keys))
        for attribute in attributes
    )


@dataclass(frozen=True)
class Capacity:
    read: int
    write: int


@dataclass(frozen=True)
class Projection:
    type: str
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scaling:
    """Target tracking for one capacity dimension."""

    min: int
    max: int
    target_utilization: float


@dataclass(frozen=True)
class Autoscaling:
    read: Scaling | None
    write: Scaling | None

    @property
    def dimensions(self) -> tuple[tuple[str, Scaling], ...]:
        """("Read", scaling) and ("Write", scaling) for the dimensions that scale."""
        found = (("Read", self.read), ("Write", self.write))
        return tuple((name, scaling) for name, scaling in found if scaling is not None)


@dataclass(frozen=True)
class AutoscalingTarget:
    """One scalable dimension (read or write) of a table or of one of its indexes."""

    table_key: str
    table_logical_id: str
    index_name: str | None
    index_position: int
    dimension: str  # "Read" or "Write"
    scaling: Scaling

    @property
    def key(self) -> str:
        """Stable key for Terraform's for_each: ``orders/index/by-status/read``."""
        where = f"index/{self.index_name}" if self.index_name else "table"
        return f"{self.table_key}/{where}/{self.dimension.lower()}"

    @property
    def scalable_dimension(self) -> str:
        kind = "index" if self.index_name else "table"
        return f"dynamodb:{kind}:{self.dimension}CapacityUnits"

    @property
    def metric(self) -> str:
        return f"DynamoDB{self.dimension}CapacityUtilization"

    @property
    def logical_id(self) -> str:
        where = f"Index{self.index_position}" if self.index_name else ""
        return f"{self.table_logical_id}{where}{self.dimension}Scaling"

    @property
    def policy_logical_id(self) -> str:
        """CloudFormation logical id of the target's scaling policy."""
        return self.logical_id + "Policy"

    @property
    def policy_name(self) -> str:
        """The scaling policy's name: its metric and the target's key, unique per target."""
        return f"{self.metric}:{self.key}"


@dataclass(frozen=True)
class OnDemandThroughput:
    max_read_request_units: int | None
    max_write_request_units: int | None


@dataclass(frozen=True)
class WarmThroughput:
    """Read and write units per second the table or index serves at once, without scaling."""

    read_units_per_second: int | None
    write_units_per_second: int | None


@dataclass(frozen=True)
class Replica:
    """A replica of a global table, each setting its own or else the table's
    (``generator.replica_settings``); ``overrides`` names the settings it states otherwise."""

    region: str
    kms_key_arn: str | None
    point_in_time_recovery: bool
    point_in_time_recovery_period_days: int | None
    table_class: str
    contributor_insights: bool
    contributor_insights_mode: str | None
    max_read_request_units: int | None
    deletion_protection: bool
    tags: tuple[tuple[str, str], ...]
    overrides: frozenset[str] = frozenset()

    @property
    def own_settings(self) -> tuple[str, ...]:
        """The settings this replica states otherwise than the table, as the table file
        writes them (``table_class: STANDARD``), in the schema's order; its recovery on or
        off aside, which every replica shows."""
        shown = []
        for key in replica_settings.inherited():
            if key in self.overrides and key != "point_in_time_recovery":
                value = getattr(self, key)
                if isinstance(value, bool):
                    text = "true" if value else "false"
                elif isinstance(value, tuple):
                    text = "{" + ", ".join(f"{k}: {v}" for k, v in value) + "}"
                else:
                    text = str(value)
                shown.append(f"{key}: {text}")
        return tuple(shown)

    @property
    def recovery_period_days(self) -> int | None:
        """The recovery period DynamoDB keeps for this replica: none while its recovery is
        off."""
        return self.point_in_time_recovery_period_days if self.point_in_time_recovery else None


@dataclass(frozen=True)
class ReplicaInsights:
    """Contributor Insights on a replica, or on an index of it, in the replica's region;
    ``key`` tells the entries of one table apart (the region, then the index name)."""

    key: str
    region: str
    index_name: str | None
    mode: str | None


@dataclass(frozen=True)
class ImportSource:
    bucket: str
    key_prefix: str | None
    bucket_owner: str | None
    input_format: str
    input_compression_type: str | None
    csv_delimiter: str | None
    csv_header_list: tuple[str, ...]


@dataclass(frozen=True)
class Timeouts:
    create: str | None
    update: str | None
    delete: str | None


@dataclass(frozen=True)
class GlobalSecondaryIndex:
    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    projection: Projection
    capacity: Capacity | None
    autoscaling: Autoscaling | None = None
    on_demand_throughput: OnDemandThroughput | None = None
    contributor_insights: bool = False
    warm_throughput: WarmThroughput | None = None
    # A multi-attribute key: the attributes after the first of the partition and sort key.
    more_partition_keys: tuple[KeyAttribute, ...] = ()
    more_sort_keys: tuple[KeyAttribute, ...] = ()
    contributor_insights_mode: str | None = None

    @property
    def partition_keys(self) -> tuple[KeyAttribute, ...]:
        """Every attribute of the partition key, in order."""
        return (self.partition_key, *self.more_partition_keys)

    @property
    def sort_keys(self) -> tuple[KeyAttribute, ...]:
        """Every attribute of the sort key, in order; none without one."""
        first = () if self.sort_key is None else (self.sort_key,)
        return (*first, *self.more_sort_keys)

    @property
    def multi_attribute(self) -> bool:
        return bool(self.more_partition_keys or self.more_sort_keys)

    @property
    def key_schema(self) -> tuple[dict[str, str], ...]:
        return key_schema(self.partition_keys, self.sort_keys)

    @property
    def scales_read(self) -> bool:
        return bool(self.autoscaling and self.autoscaling.read)

    @property
    def scales_write(self) -> bool:
        return bool(self.autoscaling and self.autoscaling.write)


@dataclass(frozen=True)
class LocalSecondaryIndex:
    name: str
    sort_key: KeyAttribute
    projection: Projection


@dataclass(frozen=True)
class Encryption:
    type: str
    kms_key_arn: str | None

    @property
    def enabled(self) -> bool:
        """KMS encryption; False means DynamoDB's AWS-owned key."""
        return self.type != "aws_owned"

    @property
    def uses_deployment_key(self) -> bool:
        """AWS-managed tables take the deployment's customer key when one is given."""
        return self.type == "aws_managed"


@dataclass(frozen=True)
class PolicyStatement:
    """One Allow statement; ``scope`` says which ARN of the table it names."""

    sid: str
    actions: tuple[str, ...]
    scope: str  # "table", "index" (table ARN + /index/*), "indexes" (named) or "stream"
    indexes: tuple[str, ...] = ()  # scope "indexes": the index names

    @property
    def index_suffixes(self) -> tuple[str, ...]:
        """What follows the table ARN in the ARN of each named index: ``/index/gsi-user``."""
        return tuple(f"/index/{name}" for name in self.indexes)


@dataclass(frozen=True)
class AccessRole:
    """A named set of DynamoDB actions on one table: one least-privilege IAM policy."""

    table_key: str
    name: str
    description: str
    actions: tuple[str, ...]  # listed by the role itself
    covers_indexes: bool
    patterns: tuple[str, ...] = ()  # access patterns the role runs
    pattern_actions: tuple[str, ...] = ()  # what those patterns call on the table itself
    # What they call on named indexes: (action, index names), by action.
    index_actions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @cached_property
    def statements(self) -> tuple[PolicyStatement, ...]:
        """Least privilege: item and table actions on the table, Query and Scan on its indexes
        (all of them for a listed action, exactly those a pattern uses otherwise), stream reads
        on its stream; each on nothing else."""
        base = logical_id(self.table_key) + logical_id(self.name)
        listed = set(self.actions)
        table = sorted((listed - STREAM_ACTIONS) | set(self.pattern_actions))
        index = sorted(listed & INDEX_ACTIONS) if self.covers_indexes else []
        stream = sorted(listed & STREAM_ACTIONS)
        found = [
            PolicyStatement(base + suffix, tuple(f"dynamodb:{a}" for a in actions), scope)
            for suffix, actions, scope in (
                ("", table, "table"), ("Indexes", index, "index"), ("Stream", stream, "stream")
            )
            if actions
        ]
        found += [
            PolicyStatement(base + action + "Indexes", (f"dynamodb:{action}",), "indexes", names)
            for action, names in self.index_actions
            if action not in index
        ]
        return tuple(found)

    @cached_property
    def table_logical_id(self) -> str:
        return table_logical_id(self.table_key)

    @cached_property
    def resource_name(self) -> str:
        """Terraform name of the policy document and policy."""
        return f"{self.table_key}_{self.name}"

    @cached_property
    def logical_id(self) -> str:
        """CloudFormation logical id of the managed policy."""
        return logical_id(self.table_key) + logical_id(self.name) + "Policy"

    @cached_property
    def policy_description(self) -> str:
        """IAM descriptions allow only Latin-1, so this is generated, not the free text."""
        return f"Access role {self.name} on the DynamoDB table {self.table_key}."

    @cached_property
    def arn_output(self) -> Output:
        """The CloudFormation output of the managed policy's ARN."""
        return Output(self.logical_id + "Arn", self.policy_description)


@dataclass(frozen=True)
class Table:
    key: str
    source: str
    name: str
    description: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    billing_mode: str
    capacity: Capacity | None
    global_secondary_indexes: tuple[GlobalSecondaryIndex, ...]
    local_secondary_indexes: tuple[LocalSecondaryIndex, ...]
    ttl_attribute: str | None
    stream_view_type: str | None
    table_class: str
    encryption: Encryption
    point_in_time_recovery: bool
    deletion_protection: bool
    tags: tuple[tuple[str, str], ...]
    environment_variable: str | None = None
    access_roles: tuple[AccessRole, ...] = ()
    autoscaling: Autoscaling | None = None
    on_demand_throughput: OnDemandThroughput | None = None
    point_in_time_recovery_period_days: int | None = None
    replicas: tuple[Replica, ...] = ()
    contributor_insights: bool = False
    kinesis_stream_arn: str | None = None
    resource_policy: str | None = None  # canonical JSON text
    import_source: ImportSource | None = None
    timeouts: Timeouts | None = None
    ttl_disabled: bool = False  # the table file states TTL off for ttl_attribute
    encryption_stated: bool = False  # the table file chose its encryption, not the default
    usage: Usage = field(default_factory=Usage)  # how the application uses the table
    alarms: tuple[Alarm, ...] = ()  # CloudWatch alarms, from generator.alarms
    warm_throughput: WarmThroughput | None = None
    # Multi-Region strong consistency: "STRONG", else None (eventual, DynamoDB's default).
    multi_region_consistency: str | None = None
    witness_region: str | None = None
    contributor_insights_mode: str | None = None
    stack: str = DEFAULT_STACK
    # Where the table file is, to point a diagnostic of a later stage (a stack over a
    # CloudFormation quota) at it; never rendered.
    file: Path | None = field(default=None, compare=False)
    display: str = field(default="", compare=False)

    @cached_property
    def waives_customer_key_check(self) -> bool:
        """checkov's CKV_AWS_119 (customer-managed key) is waived only where the table file
        says aws_managed on purpose, never for a default."""
        return self.encryption_stated and self.encryption.type == "aws_managed"

    @cached_property
    def deletion_policy(self) -> str:
        """CloudFormation's DeletionPolicy and UpdateReplacePolicy: a protected table is kept
        when its resource leaves the template or is replaced, as Terraform's prevent_destroy
        refuses to destroy it."""
        return "Retain" if self.deletion_protection else "Delete"

    @cached_property
    def checkov_skips(self) -> tuple[dict[str, str], ...]:
        """The checkov checks the CloudFormation table resource waives, with their reasons;
        only an AWS::DynamoDB::Table carries them (tests/policy runs checkov on those)."""
        if not self.waives_customer_key_check or self.is_global:
            return ()
        return ({"id": "CKV_AWS_119", "comment": (
            f"encryption aws_managed in {self.source}: the AWS-managed key unless the "
            "KmsKeyArn parameter names a customer key")},)

    @cached_property
    def is_global(self) -> bool:
        """Replicated: CloudFormation renders it as AWS::DynamoDB::GlobalTable."""
        return bool(self.replicas)

    @cached_property
    def max_read_request_units(self) -> int | None:
        """The table's on-demand read limit, which each replica takes unless it sets its own."""
        return self.on_demand_throughput.max_read_request_units if self.on_demand_throughput \
            else None

    @cached_property
    def autoscaled_indexes(self) -> tuple[GlobalSecondaryIndex, ...]:
        return tuple(g for g in self.global_secondary_indexes if g.autoscaling)

    @cached_property
    def ignored_changes(self) -> tuple[str, ...]:
        """Terraform attributes that autoscaling changes behind Terraform's back."""
        ignored: list[str] = []
        if self.autoscaling:
            ignored += [f"{name.lower()}_capacity" for name, _ in self.autoscaling.dimensions]
        # Index capacity lives inside the global_secondary_index set, which Terraform can
        # only ignore as a whole, and then index additions and removals never reach the
        # table. Scaled index capacity is read back from the live table instead.
        return tuple(ignored)

    @cached_property
    def autoscaling_targets(self) -> tuple[AutoscalingTarget, ...]:
        places: list[tuple[str | None, int, Autoscaling | None]] = [(None, 0, self.autoscaling)]
        places += [
            (g.name, position, g.autoscaling)
            for position, g in enumerate(self.global_secondary_indexes, 1)
        ]
        return tuple(
            AutoscalingTarget(self.key, self.logical_id, index, position, dimension, scaling)
            for index, position, autoscaling in places
            if autoscaling is not None
            for dimension, scaling in autoscaling.dimensions
        )

    @cached_property
    def replica_index_settings(self) -> tuple[GlobalSecondaryIndex, ...]:
        """Indexes with per-replica settings in a CloudFormation global table."""
        return tuple(
            g for g in self.global_secondary_indexes
            if g.contributor_insights
            or (g.on_demand_throughput and g.on_demand_throughput.max_read_request_units)
        )

    @cached_property
    def warm_indexes(self) -> list[tuple[str, WarmThroughput]]:
        """(index name, warm throughput) of the indexes that set one."""
        return [(g.name, g.warm_throughput) for g in self.global_secondary_indexes
                if g.warm_throughput]

    @cached_property
    def contributor_insights_indexes(self) -> tuple[GlobalSecondaryIndex, ...]:
        return tuple(g for g in self.global_secondary_indexes if g.contributor_insights)

    @cached_property
    def replica_contributor_insights(self) -> tuple[ReplicaInsights, ...]:
        """Each replica's Contributor Insights, and the table's indexes', in every replica's
        region: a replica shares the table's name there, and the setting does not replicate."""
        entries = []
        for replica in self.replicas:
            if replica.contributor_insights:
                entries.append(ReplicaInsights(
                    replica.region, replica.region, None, replica.contributor_insights_mode))
            entries += [
                ReplicaInsights(f"{replica.region}/{index.name}", replica.region, index.name,
                                index.contributor_insights_mode)
                for index in self.contributor_insights_indexes
            ]
        return tuple(entries)

    @cached_property
    def contributor_insights_index_modes(self) -> bool:
        """An index with Contributor Insights states its mode: the module maps index names to
        modes instead of listing the names."""
        return any(g.contributor_insights_mode for g in self.contributor_insights_indexes)

    @cached_property
    def logical_id(self) -> str:
        """CloudFormation logical id of the table resource."""
        return table_logical_id(self.key)

    @cached_property
    def environment_output(self) -> str:
        return environment_output(self.environment_variable or "")

    @cached_property
    def alarm_outputs(self) -> AlarmOutputs:
        """CloudFormation outputs that list the table's alarms."""
        return alarm_outputs(self.logical_id, f"table {self.key}")

    @cached_property
    def variable_output(self) -> Output:
        """The CloudFormation output of the table's name for its environment variable."""
        return Output(self.environment_output,
                      f"Value for the environment variable {self.environment_variable}")

    @cached_property
    def name_output(self) -> Output:
        return Output(table_output(self.key, "Name"), f"Physical name of table {self.key}")

    @cached_property
    def arn_output(self) -> Output:
        return Output(table_output(self.key, "Arn"), f"ARN of table {self.key}")

    @cached_property
    def stream_arn_output(self) -> Output:
        return Output(table_output(self.key, "StreamArn"),
                      f"DynamoDB Streams ARN of table {self.key}")

    @cached_property
    def index_names_output(self) -> Output:
        return Output(table_output(self.key, "GsiNames"),
                      f"Comma-separated global secondary index names of table {self.key}")

    @cached_property
    def index_names(self) -> str:
        """The global secondary indexes' names, comma-separated, as index_names_output says."""
        return ",".join(index.name for index in self.global_secondary_indexes)

    @cached_property
    def key_schema(self) -> tuple[dict[str, str], ...]:
        sort_keys = () if self.sort_key is None else (self.sort_key,)
        return key_schema((self.partition_key,), sort_keys)

    def local_index_key_schema(self, index: LocalSecondaryIndex) -> tuple[dict[str, str], ...]:
        """A local index's key schema: the table's partition key and the index's sort key."""
        return key_schema((self.partition_key,), (index.sort_key,))

    @cached_property
    def attribute_definition_list(self) -> tuple[dict[str, str], ...]:
        """``attribute_definitions`` in the DynamoDB API's form."""
        return tuple(attribute.definition for attribute in self.attribute_definitions)

    @cached_property
    def attribute_definitions(self) -> tuple[KeyAttribute, ...]:
        """Every attribute used as a key by the table or an index, once, in order of first use."""
        seen: dict[str, KeyAttribute] = {}
        used: list[KeyAttribute | None] = [self.partition_key, self.sort_key]
        for gsi in self.global_secondary_indexes:
            used += [*gsi.partition_keys, *gsi.sort_keys]
        used += [lsi.sort_key for lsi in self.local_secondary_indexes]
        for attribute in used:
            if attribute is not None and attribute.name not in seen:
                seen[attribute.name] = attribute
        return tuple(seen.values())


@dataclass(frozen=True)
class Move:
    """A table whose file was renamed: its Terraform resource moves from one key to another."""

    from_key: str
    to_key: str


@dataclass(frozen=True)
class Project:
    tables: tuple[Table, ...]
    warnings: tuple[Diagnostic, ...] = ()  # findings that stop nothing unless --strict
    moves: tuple[Move, ...] = ()  # renamed table files, kept from build to build
    account_alarms: tuple[Alarm, ...] = ()  # once per deployment, from the settings
    # The provider major the Terraform module is written for, from the settings.
    provider: ProviderTarget = field(default_factory=default_target)
    # The settings' environments (generator/environments.py): each one's name and project.
    environments: tuple[tuple[str, Project], ...] = ()
    environment: str | None = None  # the environment this project deploys, if one

    @cached_property
    def alarms(self) -> tuple[Alarm, ...]:
        """Every alarm: the tables' in table order, then the account's."""
        return tuple(a for table in self.tables for a in table.alarms) + self.account_alarms

    @cached_property
    def provider_floor(self) -> str:
        """The lowest hashicorp/aws version with every feature the module uses."""
        return str(version_floor(self.tables, self.provider))

    @cached_property
    def provider_constraint(self) -> str:
        """The hashicorp/aws version constraint of versions.tf."""
        return f">= {self.provider_floor}"

    @cached_property
    def uses_deployment_key(self) -> bool:
        """Whether any table takes the deployment's optional customer KMS key."""
        return any(t.encryption.uses_deployment_key for t in self.tables)

    @cached_property
    def access_roles(self) -> tuple[AccessRole, ...]:
        return tuple(role for table in self.tables for role in table.access_roles)

    @cached_property
    def autoscaling_targets(self) -> tuple[AutoscalingTarget, ...]:
        return tuple(target for table in self.tables for target in table.autoscaling_targets)

    @cached_property
    def global_tables(self) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.is_global)

    @cached_property
    def scaled_index_tables(self) -> tuple[Table, ...]:
        """Tables whose index capacity the module reads back from the live table."""
        return tuple(t for t in self.tables if t.autoscaled_indexes)

    @cached_property
    def environment_tables(self) -> tuple[Table, ...]:
        """Tables that an application finds through an environment variable, by variable."""
        named = [t for t in self.tables if t.environment_variable]
        return tuple(sorted(named, key=lambda t: t.environment_variable or ""))


def _key(raw: dict[str, Any] | None) -> KeyAttribute | None:
    return KeyAttribute(raw["name"], raw["type"]) if raw else None


def _capacity(raw: dict[str, Any] | None) -> Capacity | None:
    return Capacity(raw["read"], raw["write"]) if raw else None


def _scaling(raw: dict[str, Any] | None) -> Scaling | None:
    if raw is None:
        return None
    return Scaling(raw["min"], raw["max"], raw["target_utilization"])


def _autoscaling(raw: dict[str, Any] | None) -> Autoscaling | None:
    return Autoscaling(_scaling(raw.get("read")), _scaling(raw.get("write"))) if raw else None


def _on_demand(raw: dict[str, Any] | None) -> OnDemandThroughput | None:
    if not raw:
        return None
    return OnDemandThroughput(raw.get("max_read_request_units"), raw.get("max_write_request_units"))


def _warm_throughput(raw: dict[str, Any] | None) -> WarmThroughput | None:
    if not raw:
        return None
    return WarmThroughput(raw.get("read_units_per_second"), raw.get("write_units_per_second"))


def _import_source(raw: dict[str, Any] | None) -> ImportSource | None:
    if not raw:
        return None
    csv = raw.get("csv", {})
    return ImportSource(
        raw["bucket"], raw.get("key_prefix"), raw.get("bucket_owner"), raw["input_format"],
        raw.get("input_compression_type"), csv.get("delimiter"), tuple(csv.get("header_list", ())),
    )


def _timeouts(raw: dict[str, Any] | None) -> Timeouts | None:
    if not raw:
        return None
    return Timeouts(raw.get("create"), raw.get("update"), raw.get("delete"))


def _replica(data: dict[str, Any], raw: dict[str, Any]) -> Replica:
    own = replica_settings.with_table_settings(data, raw)
    return Replica(
        raw["region"], raw.get("kms_key_arn"), own["point_in_time_recovery"],
        point_in_time_recovery_period_days=own["point_in_time_recovery_period_days"],
        table_class=own["table_class"],
        contributor_insights=own["contributor_insights"],
        contributor_insights_mode=own["contributor_insights_mode"],
        max_read_request_units=own["max_read_request_units"],
        deletion_protection=own["deletion_protection"],
        tags=tuple(sorted((own["tags"] or {}).items())),
        overrides=replica_settings.overrides(data, raw),
    )


def _projection(raw: dict[str, Any]) -> Projection:
    return Projection(raw["projection"], tuple(raw.get("non_key_attributes", ())))


def build_table(
    path: Path, source: str, data: dict[str, Any], display: str = "", *,
    defaulted: Collection[DocPath] = (),
) -> Table:
    """Build one table from a document that passed the schema and the checks, its defaults
    filled in; ``defaulted`` holds the paths of the keys filled (``Document.defaulted``)."""
    partition_key = _key(data["partition_key"])
    assert partition_key is not None  # required by the schema
    gsis = tuple(
        GlobalSecondaryIndex(
            g["name"],
            KeyAttribute(**keys.attributes(g["partition_key"])[0]),
            _key(next(iter(keys.attributes(g.get("sort_key"))), None)),
            _projection(g),
            _capacity(g.get("capacity")),
            autoscaling=_autoscaling(g.get("autoscaling")),
            on_demand_throughput=_on_demand(g.get("on_demand_throughput")),
            contributor_insights=g["contributor_insights"],
            warm_throughput=_warm_throughput(g.get("warm_throughput")),
            more_partition_keys=tuple(
                KeyAttribute(**a) for a in keys.attributes(g["partition_key"])[1:]),
            more_sort_keys=tuple(
                KeyAttribute(**a) for a in keys.attributes(g.get("sort_key"))[1:]),
            contributor_insights_mode=g.get("contributor_insights_mode"),
        )
        for g in data.get("global_secondary_indexes", [])
    )
    lsis = tuple(
        LocalSecondaryIndex(ix["name"], KeyAttribute(**ix["sort_key"]), _projection(ix))
        for ix in data.get("local_secondary_indexes", [])
    )
    encryption = data["encryption"]
    pitr = data["point_in_time_recovery"]
    key = table_key(path)
    has_indexes = bool(gsis or lsis)
    access = data.get("access", {})
    usage = build_usage(data, access)
    roles = tuple(
        _access_role(key, name, role, usage, has_indexes) for name, role in sorted(access.items())
    )
    return Table(
        key=key,
        source=source,
        name=data["name"],
        description=data.get("description", "").strip(),
        partition_key=partition_key,
        sort_key=_key(data.get("sort_key")),
        billing_mode=data["billing_mode"],
        capacity=_capacity(data.get("capacity")),
        global_secondary_indexes=gsis,
        local_secondary_indexes=lsis,
        ttl_attribute=data.get("ttl_attribute"),
        stream_view_type=data.get("stream"),
        table_class=data["table_class"],
        encryption=Encryption(encryption["type"], encryption.get("kms_key_arn")),
        point_in_time_recovery=pitr,
        deletion_protection=data["deletion_protection"],
        tags=tuple(sorted(data.get("tags", {}).items())),
        environment_variable=data.get("environment_variable"),
        access_roles=roles,
        autoscaling=_autoscaling(data.get("autoscaling")),
        on_demand_throughput=_on_demand(data.get("on_demand_throughput")),
        point_in_time_recovery_period_days=data.get("point_in_time_recovery_period_days"),
        replicas=tuple(_replica(data, r) for r in data.get("replicas", [])),
        contributor_insights=data["contributor_insights"],
        kinesis_stream_arn=data.get("kinesis_stream_arn"),
        resource_policy=(
            json.dumps(data["resource_policy"], sort_keys=True)
            if "resource_policy" in data
            else None
        ),
        import_source=_import_source(data.get("import_from_s3")),
        timeouts=_timeouts(data.get("timeouts")),
        ttl_disabled=not data["ttl_enabled"] and "ttl_attribute" in data,
        encryption_stated=("encryption",) not in defaulted,
        usage=usage,
        warm_throughput=_warm_throughput(data.get("warm_throughput")),
        multi_region_consistency="STRONG" if data.get("consistency") == "strong" else None,
        witness_region=data.get("witness_region"),
        contributor_insights_mode=data.get("contributor_insights_mode"),
        stack=data.get("stack", DEFAULT_STACK),
        file=path,
        display=display or source,
    )


def _access_role(
    key: str, name: str, role: dict[str, Any], usage: Usage, has_indexes: bool
) -> AccessRole:
    """A role's actions: those it lists, and those of the served patterns it names, the
    latter on the table or on exactly the indexes they use."""
    actions = role.get("actions", [])
    named = set(role.get("patterns", ()))
    patterns = [p for p in usage.patterns if p.name in named and p.served]
    on_indexes: dict[str, set[str]] = {}
    for pattern in patterns:
        if pattern.index is not None:
            on_indexes.setdefault(pattern.action, set()).add(pattern.index)
    return AccessRole(
        table_key=key,
        name=name,
        description=role.get("description", "").strip(),
        actions=tuple(sorted(actions)),
        covers_indexes=has_indexes and bool(INDEX_ACTIONS & set(actions)),
        patterns=tuple(sorted(named)),
        pattern_actions=tuple(sorted({p.action for p in patterns if p.index is None})),
        index_actions=tuple(
            (action, tuple(sorted(names))) for action, names in sorted(on_indexes.items())
        ),
    )


def build_project(
    tables: Sequence[Table],
    warnings: Sequence[Diagnostic] = (),
    account_alarms: Sequence[Alarm] = (),
    provider: ProviderTarget | None = None,
) -> Project:
    """Tables ordered by key, so output never depends on file-system order."""
    return Project(
        tuple(sorted(tables, key=lambda t: t.key)),
        warnings=tuple(warnings),
        account_alarms=tuple(account_alarms),
        provider=provider or default_target(),
    )
