"""CloudWatch alarms of the tables: which alarms a table gets, and every name they carry.

Each alarm kind watches one DynamoDB metric at one scope; a table gets an alarm of a kind
only where it has what the metric measures (an index, a replica, provisioned capacity, an
on-demand limit, a Kinesis destination). The settings (threshold, period, ...) come from
the settings schema's defaults, the project's settings file and the table file, merged by
``Settings.alarm_options``. Names, logical ids and descriptions are computed here, once;
templates only print them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.alarm_options import AlarmOptions
from generator.naming import Output, table_logical_id
from generator.settings import Settings

if TYPE_CHECKING:  # the model imports this module for the Alarm type
    from generator.model import GlobalSecondaryIndex, Table

NAMESPACE = "AWS/DynamoDB"
COMPARISON = "GreaterThanThreshold"


@dataclass(frozen=True)
class Kind:
    """What one alarm kind watches; its settings' defaults live in the settings schema."""

    name: str  # the key in table and settings files: read_throttle_events
    metric: str
    statistic: str
    scope: str  # table, index (the table and each GSI), replica, kinesis or account
    needs: str  # what the table must have: a key of NEEDS, or nothing
    what: str  # for descriptions and docs

    @property
    def slug(self) -> str:
        """The kind in alarm names and map keys: read-throttle-events."""
        return self.name.replace("_", "-")


KINDS: tuple[Kind, ...] = (
    Kind("read_throttle_events", "ReadThrottleEvents", "Sum", "index", "", "throttled reads"),
    Kind("write_throttle_events", "WriteThrottleEvents", "Sum", "index", "", "throttled writes"),
    Kind("system_errors", "SystemErrors", "Sum", "table", "", "HTTP 500 answers"),
    Kind("replication_latency", "ReplicationLatency", "Average", "replica", "replicas",
         "replication latency in milliseconds"),
    Kind("consumed_read_capacity", "ConsumedReadCapacityUnits", "Sum", "index", "provisioned",
         "consumed read capacity"),
    Kind("consumed_write_capacity", "ConsumedWriteCapacityUnits", "Sum", "index", "provisioned",
         "consumed write capacity"),
    Kind("read_max_on_demand_throttle_events", "ReadMaxOnDemandThroughputThrottleEvents", "Sum",
         "index", "max_read", "reads throttled by the on-demand maximum"),
    Kind("write_max_on_demand_throttle_events", "WriteMaxOnDemandThroughputThrottleEvents",
         "Sum", "index", "max_write", "writes throttled by the on-demand maximum"),
    Kind("kinesis_failed_records", "FailedToReplicateRecordCount", "Sum", "kinesis", "kinesis",
         "records not written to the Kinesis data stream"),
    Kind("account_read_capacity_utilization", "AccountProvisionedReadCapacityUtilization",
         "Maximum", "account", "", "percent of the account's provisioned read capacity"),
    Kind("account_write_capacity_utilization", "AccountProvisionedWriteCapacityUtilization",
         "Maximum", "account", "", "percent of the account's provisioned write capacity"),
    Kind("account_user_errors", "UserErrors", "Sum", "account", "", "HTTP 400 answers"),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
TABLE_KINDS = tuple(kind for kind in KINDS if kind.scope != "account")
ACCOUNT_KINDS = tuple(kind for kind in KINDS if kind.scope == "account")
# What a kind's ``needs`` asks of a table, in the words of an error message.
NEEDS = {
    "provisioned": "provisioned capacity (billing_mode PROVISIONED)",
    "max_read": "on_demand_throughput.max_read_request_units on the table or an index",
    "max_write": "on_demand_throughput.max_write_request_units on the table or an index",
    "replicas": "replicas",
    "kinesis": "kinesis_stream_arn",
}
# Alarm names are at most 255 characters (PutMetricAlarm).
MAX_NAME = 255
KINESIS_OPERATION = "PutRecords"


@dataclass(frozen=True)
class Dimension:
    """One metric dimension; ``value`` None means the deployed table's name."""

    name: str
    value: str | None


@dataclass(frozen=True)
class Alarm:
    key: str  # by scope: sessions/table/system-errors, sessions/index/gsi-user/..., account/...
    kind: str
    table_key: str | None  # None for an account alarm
    # The alarm's name is the deployed table's name followed by this (account alarms:
    # the deployment's name prefix, this, and its name suffix).
    name_part: str
    logical_id: str
    metric: str
    statistic: str
    dimensions: tuple[Dimension, ...]
    threshold: int | float
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    description: str
    where: str  # what it watches, for the docs: "table", "index gsi-user", "replica eu-west-1"
    default_name: str  # the name without prefix, suffix or a table name override
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def namespace(self) -> str:
        return NAMESPACE

    @property
    def comparison(self) -> str:
        return COMPARISON

    @property
    def table_logical_id(self) -> str | None:
        """The logical id of the table whose name the alarm watches; None for the account."""
        return table_logical_id(self.table_key) if self.table_key else None


@dataclass(frozen=True)
class AlarmOutputs:
    """The CloudFormation outputs that list an owner's alarms, comma-separated."""

    names: Output
    arns: Output


def alarm_outputs(owner_id: str, owner: str) -> AlarmOutputs:
    """Outputs for the alarms of ``owner`` (``table sessions``, ``the account``), named
    after its logical id."""
    return AlarmOutputs(
        Output(f"{owner_id}AlarmNames", f"Comma-separated CloudWatch alarm names of {owner}"),
        Output(f"{owner_id}AlarmArns", f"Comma-separated CloudWatch alarm ARNs of {owner}"),
    )


ACCOUNT_OUTPUTS = alarm_outputs("DynamoDbAccount", "the account")


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("-", "_").split("_"))


@dataclass(frozen=True)
class _Place:
    """One thing of a table an alarm of a scope watches."""

    key: str
    name_part: str
    id_part: str
    dimensions: tuple[Dimension, ...]
    where: str
    capacity: int | None = None  # for the capacity alarms, in units per second


def _capacity(table: Table, index: GlobalSecondaryIndex | None, kind: Kind) -> int | None:
    """The capacity units per second a capacity alarm compares with: autoscaling's maximum
    where the dimension scales, else the provisioned capacity."""
    owner = index if index is not None else table
    read = kind.name == "consumed_read_capacity"
    scaling = None
    if owner.autoscaling is not None:
        scaling = owner.autoscaling.read if read else owner.autoscaling.write
    if scaling is not None:
        return int(scaling.max)
    if owner.capacity is None:
        return None
    return int(owner.capacity.read if read else owner.capacity.write)


def _index_has(kind: Kind, table: Table, index: GlobalSecondaryIndex | None) -> bool:
    owner = index if index is not None else table
    limits = owner.on_demand_throughput
    if kind.needs == "max_read":
        return bool(limits and limits.max_read_request_units)
    if kind.needs == "max_write":
        return bool(limits and limits.max_write_request_units)
    if kind.needs == "provisioned":
        return table.billing_mode == "PROVISIONED"
    return True


def table_has(kind: Kind, table: Table) -> bool:
    """Whether the table has anything an alarm of this kind watches."""
    return any(True for _ in _places(kind, table))


def _places(kind: Kind, table: Table) -> Iterator[_Place]:
    base = Dimension("TableName", None)
    if kind.scope == "index":
        places: list[tuple[GlobalSecondaryIndex | None, int]] = [(None, 0)]
        places += [(g, n) for n, g in enumerate(table.global_secondary_indexes, 1)]
        for index, position in places:
            if not _index_has(kind, table, index):
                continue
            capacity = _capacity(table, index, kind) if kind.needs == "provisioned" else None
            if index is None:
                yield _Place(f"{table.key}/table/{kind.slug}", f"-{kind.slug}", "", (base,),
                             "table", capacity)
            else:
                yield _Place(
                    f"{table.key}/index/{index.name}/{kind.slug}", f"-{index.name}-{kind.slug}",
                    f"Index{position}", (base, Dimension("GlobalSecondaryIndexName", index.name)),
                    f"index {index.name}", capacity,
                )
    elif kind.scope == "replica":
        for replica in table.replicas:
            yield _Place(
                f"{table.key}/replica/{replica.region}/{kind.slug}",
                f"-{kind.slug}-{replica.region}", _camel(replica.region),
                (base, Dimension("ReceivingRegion", replica.region)), f"replica {replica.region}",
            )
    elif kind.scope == "kinesis":
        if table.kinesis_stream_arn:
            yield _Place(f"{table.key}/table/{kind.slug}", f"-{kind.slug}", "",
                         (base, Dimension("DelegatedOperation", KINESIS_OPERATION)),
                         "Kinesis destination")
    elif kind.scope == "table":
        yield _Place(f"{table.key}/table/{kind.slug}", f"-{kind.slug}", "", (base,), "table")


def _description(kind: Kind, options: AlarmOptions, threshold: int | float, datapoints: int,
                 subject: str) -> str:
    return (
        f"DynamoDB {subject}: {kind.metric} ({kind.statistic}, {kind.what}) above {threshold} "
        f"over {options.period} s in {datapoints} of {options.evaluation_periods} periods. "
        "Generated by dynamodb-schema-generator."
    )


def _alarm(kind: Kind, options: AlarmOptions, place: _Place, table: Table | None) -> Alarm:
    threshold = options.threshold
    if place.capacity is not None:
        # Percent of the capacity per second, summed over the period.
        threshold = _number(options.threshold * place.capacity * options.period / 100)
    datapoints = options.datapoints_to_alarm or options.evaluation_periods
    owner = f"table {table.key} ({table.source}), {place.where}" if table else "account"
    return Alarm(
        key=place.key,
        kind=kind.name,
        table_key=table.key if table else None,
        name_part=place.name_part,
        logical_id=(table.logical_id if table else "DynamoDbAccount") + place.id_part
        + _camel(kind.name.removeprefix("account_")) + "Alarm",
        metric=kind.metric,
        statistic=kind.statistic,
        dimensions=place.dimensions,
        threshold=_number(threshold),
        period=options.period,
        evaluation_periods=options.evaluation_periods,
        datapoints_to_alarm=datapoints,
        treat_missing_data=options.treat_missing_data,
        description=_description(kind, options, _number(threshold), datapoints, owner),
        where=place.where,
        default_name=(table.name if table else "") + place.name_part,
        # CloudWatch refuses empty tag values, which DynamoDB takes: those tags stay off.
        tags=tuple((k, v) for k, v in table.tags if v) if table else (),
    )


def table_alarms(table: Table, value: Any, settings: Settings) -> tuple[Alarm, ...]:
    """The alarms of one table; ``value`` is the table file's ``alarms`` (None if absent)."""
    if value is False:
        return ()
    own: Mapping[str, Any] = value if isinstance(value, Mapping) else {}
    found: list[Alarm] = []
    for kind in TABLE_KINDS:
        options = settings.alarm_options(kind.name, own.get(kind.name))
        if options.enabled:
            found += [_alarm(kind, options, place, table) for place in _places(kind, table)]
    return tuple(found)


def account_alarms(settings: Settings) -> tuple[Alarm, ...]:
    """The account-level alarms: once per deployment, off unless the settings turn them on."""
    found: list[Alarm] = []
    for kind in ACCOUNT_KINDS:
        options = settings.alarm_options(kind.name)
        if options.enabled:
            slug = kind.slug.removeprefix("account-")
            place = _Place(f"account/{slug}", f"dynamodb-account-{slug}", "", (), "account")
            found.append(_alarm(kind, options, place, None))
    return tuple(found)


def longest_name_part(table: Table) -> int:
    """The most characters any alarm of the table can add to its deployed name."""
    lengths = [len(place.name_part) for kind in TABLE_KINDS for place in _places(kind, table)]
    return max(lengths, default=0)
