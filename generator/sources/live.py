"""Reads live DynamoDB tables through boto3: DescribeTable and the calls that hold the rest
(TTL, backups, tags, Contributor Insights, Kinesis, resource policy, Application Auto Scaling,
KMS for who manages the key, each replica's region for its recovery setting)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from generator import keys as key_forms
from generator.invocation import Exit
from generator.model_file import LAST_ON_DEMAND_SWITCH
from generator.sources import (
    Adopted,
    SourceError,
    file_stem,
    key_of,
    projection,
    replica_own,
    split_tags,
    strip_affixes,
)

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
_PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
_UTILIZATION = {
    "DynamoDBReadCapacityUtilization": "read",
    "DynamoDBWriteCapacityUtilization": "write",
}


def _known_region(region: str) -> bool:
    import boto3

    session = boto3.session.Session()
    return any(
        region in session.get_available_regions("dynamodb", partition_name=partition)
        for partition in _PARTITIONS
    )


class Clients:
    """boto3 clients for one region, made once each, and for other regions (replicas)."""

    def __init__(self, region: str, endpoint_url: str | None) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self._made: dict[tuple[str, str], Any] = {}

    def get(self, service: str, region: str | None = None) -> Any:
        import boto3

        where = region or self.region
        if (service, where) not in self._made:
            self._made[service, where] = boto3.client(
                service, region_name=where, endpoint_url=self.endpoint_url
            )
        return self._made[service, where]


def _optional(table: Adopted, at: str, call: Any, missing: tuple[str, ...],
              **kwargs: Any) -> Any:
    """The call's answer; None when the error code says the thing is not there, or, with a
    note, when the service does not answer this call (no permission, not supported)."""
    from botocore.exceptions import ClientError

    try:
        return call(**kwargs)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in missing:
            return None
        message = " ".join(str(error.response.get("Error", {}).get("Message", "")).split())
        reason = code if message.startswith("<") or not message else f"{code}: {message[:120]}"
        table.note(at, f"not read: {call.__name__} failed ({reason}); set it by hand")
        return None


def _capacity(raw: dict[str, Any] | None) -> dict[str, int] | None:
    if not raw or not raw.get("ReadCapacityUnits"):
        return None
    return {"read": int(raw["ReadCapacityUnits"]), "write": int(raw["WriteCapacityUnits"])}


def _on_demand(raw: dict[str, Any] | None) -> dict[str, int] | None:
    """DynamoDB reports no limit as -1 (or leaves it out)."""
    found = {}
    for source, target in (("MaxReadRequestUnits", "max_read_request_units"),
                           ("MaxWriteRequestUnits", "max_write_request_units")):
        value = (raw or {}).get(source)
        if isinstance(value, int) and value > 0:
            found[target] = value
    return found or None


def _contributor_insights(clients: Clients, table: Adopted, name: str,
                          index: str | None = None) -> bool:
    kwargs: dict[str, str] = {"TableName": name}
    at = "contributor_insights"
    if index:
        kwargs["IndexName"] = index
        at = "global_secondary_indexes"
    answer = _optional(table, at, clients.get("dynamodb").describe_contributor_insights,
                       ("ResourceNotFoundException",), **kwargs)
    return bool(answer) and answer.get("ContributorInsightsStatus") in ("ENABLED", "ENABLING")


def _autoscaling(
    clients: Clients, table: Adopted, resource_id: str, where: str
) -> dict[str, dict[str, Any]] | None:
    """Target tracking of one table or index, in table-file terms; the rest is noted."""
    scaling = clients.get("application-autoscaling")
    targets = scaling.describe_scalable_targets(
        ServiceNamespace="dynamodb", ResourceIds=[resource_id]
    ).get("ScalableTargets", [])
    policies = scaling.describe_scaling_policies(
        ServiceNamespace="dynamodb", ResourceId=resource_id
    ).get("ScalingPolicies", [])
    found: dict[str, dict[str, Any]] = {}
    for target in sorted(targets, key=lambda t: t["ScalableDimension"]):
        dimension = "read" if target["ScalableDimension"].endswith("ReadCapacityUnits") else "write"
        mine = [p for p in policies if p["ScalableDimension"] == target["ScalableDimension"]]
        tracking = [p for p in mine if p.get("PolicyType") == "TargetTrackingScaling"]
        entry: dict[str, Any] = {"min": target["MinCapacity"], "max": target["MaxCapacity"]}
        for policy in mine:
            config = policy.get("TargetTrackingScalingPolicyConfiguration", {})
            metric = config.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType")
            if policy in tracking[:1] and _UTILIZATION.get(metric) == dimension:
                value = config["TargetValue"]
                entry["target_utilization"] = int(value) if float(value).is_integer() else value
                extras = sorted(k for k in config if k in (
                    "ScaleInCooldown", "ScaleOutCooldown", "DisableScaleIn"))
                if extras:
                    table.note("autoscaling", f"{where} {dimension} policy "
                               f"{policy['PolicyName']}: {', '.join(extras)} "
                               "(table files use Application Auto Scaling's defaults)")
            else:
                table.note("autoscaling", f"{where} {dimension}: scaling policy "
                           f"{policy['PolicyName']} ({policy.get('PolicyType')}) is not "
                           "target tracking on the capacity utilization metric")
        if not tracking:
            table.note("autoscaling", f"{where} {dimension}: a scalable target without a "
                       "target-tracking policy; written with the default target utilization")
        found[dimension] = entry
    return found or None


def _encryption(clients: Clients, table: Adopted, raw: dict[str, Any] | None) -> dict[str, Any]:
    if not raw or raw.get("Status") not in ("ENABLED", "ENABLING", "UPDATING"):
        return {"type": "aws_owned"}
    arn = raw.get("KMSMasterKeyArn")
    if not arn:
        return {"type": "aws_managed"}
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        manager = clients.get("kms").describe_key(KeyId=arn)["KeyMetadata"].get("KeyManager")
    except (BotoCoreError, ClientError) as error:
        table.note("encryption", f"could not ask KMS who manages {arn} ({error}); written as "
                   "that key; if it is alias/aws/dynamodb, write {type: aws_managed}")
        manager = "CUSTOMER"
    if manager == "AWS":
        return {"type": "aws_managed"}
    return {"type": "customer_managed", "kms_key_arn": arn}


def _gsis(clients: Clients, table: Adopted, raw: dict[str, Any], types: dict[str, str],
          billing: str) -> list[dict[str, Any]]:
    found = []
    for index in raw.get("GlobalSecondaryIndexes", []):
        name = index["IndexName"]
        entry: dict[str, Any] = {"name": name} | key_forms.from_key_schema(
            ((k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]),
            lambda attribute: key_of(attribute, types))
        entry |= projection(index["Projection"]["ProjectionType"],
                            index["Projection"].get("NonKeyAttributes"))
        if billing == "PROVISIONED" and (capacity := _capacity(index.get("ProvisionedThroughput"))):
            entry["capacity"] = capacity
        resource_id = f"table/{raw['TableName']}/index/{name}"
        if billing == "PROVISIONED" and (
            scaling := _autoscaling(clients, table, resource_id, f"index {name}")
        ):
            entry["autoscaling"] = scaling
        if billing == "PAY_PER_REQUEST" and (limits := _on_demand(index.get("OnDemandThroughput"))):
            entry["on_demand_throughput"] = limits
        if _contributor_insights(clients, table, raw["TableName"], name):
            entry["contributor_insights"] = True
        found.append(entry)
    return found


def _replicas(clients: Clients, table: Adopted, raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The replicas of a global table, each with the settings it has otherwise than the
    table (read in the replica's own region, where the replica has the table's name)."""
    from botocore.exceptions import BotoCoreError, ClientError

    found = []
    for replica in raw.get("Replicas", []):
        region = replica["RegionName"]
        if region == clients.region:
            continue
        entry: dict[str, Any] = {"region": region}
        if replica.get("KMSMasterKeyId"):
            entry["kms_key_arn"] = replica["KMSMasterKeyId"]
        stated: dict[str, Any] = {}
        if replica.get("ReplicaTableClassSummary", {}).get("TableClass"):
            stated["table_class"] = replica["ReplicaTableClassSummary"]["TableClass"]
        read = replica.get("OnDemandThroughputOverride", {}).get("MaxReadRequestUnits")
        if read and read > 0:
            stated["max_read_request_units"] = int(read)
        dynamodb = clients.get("dynamodb", region)
        try:
            backups = dynamodb.describe_continuous_backups(
                TableName=raw["TableName"])["ContinuousBackupsDescription"]
            status = backups.get("PointInTimeRecoveryDescription", {})
            stated["point_in_time_recovery"] = status.get("PointInTimeRecoveryStatus") == "ENABLED"
            if stated["point_in_time_recovery"] and status.get("RecoveryPeriodInDays"):
                stated["point_in_time_recovery_period_days"] = status["RecoveryPeriodInDays"]
            own = dynamodb.describe_table(TableName=raw["TableName"])["Table"]
            stated["deletion_protection"] = bool(own.get("DeletionProtectionEnabled", False))
            stated["tags"] = split_tags(table, _tags(dynamodb, own["TableArn"]))
        except (BotoCoreError, ClientError) as error:
            table.note("replicas", f"settings of the replica in {region} not read ({error}); "
                       "written as the table's")
        insights = _optional(table, "replicas", dynamodb.describe_contributor_insights,
                             ("ResourceNotFoundException",), TableName=raw["TableName"])
        if insights is not None:
            stated["contributor_insights"] = insights.get("ContributorInsightsStatus") in (
                "ENABLED", "ENABLING")
        entry.update(replica_own(table, region, stated))
        extra = sorted(k for k in ("ProvisionedThroughputOverride", "GlobalSecondaryIndexes")
                       if replica.get(k))
        if extra:
            table.note("replicas", f"replica {region} overrides {', '.join(extra)}; table "
                       "files give every replica the table's index and capacity settings")
        found.append(entry)
    return found


def read_table(clients: Clients, name: str, prefix: str, suffix: str) -> Adopted:
    """One live table in table-file terms."""
    dynamodb = clients.get("dynamodb")
    raw = dynamodb.describe_table(TableName=name)["Table"]
    file_name, stripped = strip_affixes(name, prefix, suffix)
    table = Adopted(file_stem(file_name), f"the live table {name} in {clients.region}", {})
    if not stripped:
        table.note("name", f"{name} does not start with {prefix!r} and end with {suffix!r}; "
                   "the full name is the table file's name")
    types = {a["AttributeName"]: a["AttributeType"] for a in raw["AttributeDefinitions"]}
    keys = {k["KeyType"]: k["AttributeName"] for k in raw["KeySchema"]}
    doc = table.document
    doc["name"] = file_name
    doc["partition_key"] = key_of(keys["HASH"], types)
    if "RANGE" in keys:
        doc["sort_key"] = key_of(keys["RANGE"], types)
    billing = raw.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    doc["billing_mode"] = billing
    switched = raw.get("BillingModeSummary", {}).get("LastUpdateToPayPerRequestDateTime")
    # Empty when DynamoDB reports none, which `plan` tells apart from not having asked.
    table.history[LAST_ON_DEMAND_SWITCH] = (
        "" if switched is None else switched.astimezone(UTC).isoformat())
    if billing == "PROVISIONED":
        if capacity := _capacity(raw.get("ProvisionedThroughput")):
            doc["capacity"] = capacity
        if scaling := _autoscaling(clients, table, f"table/{name}", "the table"):
            doc["autoscaling"] = scaling
    elif limits := _on_demand(raw.get("OnDemandThroughput")):
        doc["on_demand_throughput"] = limits
    if gsis := _gsis(clients, table, raw, types, billing):
        doc["global_secondary_indexes"] = gsis
    lsis = []
    for index in raw.get("LocalSecondaryIndexes", []):
        range_key = next(k["AttributeName"] for k in index["KeySchema"] if k["KeyType"] == "RANGE")
        lsis.append({"name": index["IndexName"], "sort_key": key_of(range_key, types)}
                    | projection(index["Projection"]["ProjectionType"],
                                 index["Projection"].get("NonKeyAttributes")))
    if lsis:
        doc["local_secondary_indexes"] = lsis
    ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") and ttl.get("AttributeName"):
        doc["ttl_attribute"] = ttl["AttributeName"]
    stream = raw.get("StreamSpecification", {})
    if stream.get("StreamEnabled"):
        doc["stream"] = stream["StreamViewType"]
    doc["table_class"] = raw.get("TableClassSummary", {}).get("TableClass", "STANDARD")
    doc["encryption"] = _encryption(clients, table, raw.get("SSEDescription"))
    backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    recovery = backups.get("PointInTimeRecoveryDescription", {})
    doc["point_in_time_recovery"] = recovery.get("PointInTimeRecoveryStatus") == "ENABLED"
    period = recovery.get("RecoveryPeriodInDays")
    if doc["point_in_time_recovery"] and period and period != 35:
        doc["point_in_time_recovery_period_days"] = period
    doc["deletion_protection"] = bool(raw.get("DeletionProtectionEnabled", False))
    # The replicas' place in the file; they are read once the table's own settings are,
    # which each replica takes unless it has its own.
    doc["replicas"] = []
    if _contributor_insights(clients, table, name):
        doc["contributor_insights"] = True
    _kinesis(dynamodb, table, name)
    _resource_policy(dynamodb, table, raw["TableArn"])
    tags = _tags(dynamodb, raw["TableArn"])
    if tags := split_tags(table, tags):
        doc["tags"] = tags
    if not (replicas := _replicas(clients, table, raw)):
        del doc["replicas"]
    else:
        doc["replicas"] = replicas
    if raw.get("MultiRegionConsistency") == "STRONG":
        table.note("replicas", "multi-Region strong consistency; table files make eventually "
                   "consistent global tables")
    return table


def _tags(dynamodb: Any, arn: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    kwargs = {"ResourceArn": arn}
    while True:
        page = dynamodb.list_tags_of_resource(**kwargs)
        tags |= {t["Key"]: t["Value"] for t in page.get("Tags", [])}
        if not page.get("NextToken"):
            return tags
        kwargs["NextToken"] = page["NextToken"]


def _kinesis(dynamodb: Any, table: Adopted, name: str) -> None:
    answer = _optional(table, "kinesis_stream_arn", dynamodb.describe_kinesis_streaming_destination,
                       ("ResourceNotFoundException",), TableName=name) or {}
    active = [d for d in answer.get("KinesisDataStreamDestinations", [])
              if d.get("DestinationStatus") in ("ACTIVE", "ENABLING", "UPDATING")]
    if active:
        table.document["kinesis_stream_arn"] = active[0]["StreamArn"]
        precision = active[0].get("ApproximateCreationDateTimePrecision")
        if precision and precision != "MILLISECOND":
            table.note("kinesis_stream_arn", f"creation time precision {precision}; table "
                       "files use the default (MILLISECOND)")
    for extra in active[1:]:
        table.note("kinesis_stream_arn", f"a second Kinesis destination {extra['StreamArn']}; "
                   "a table file names one")


def _resource_policy(dynamodb: Any, table: Adopted, arn: str) -> None:
    answer = _optional(table, "resource_policy", dynamodb.get_resource_policy,
                       ("PolicyNotFoundException", "ResourceNotFoundException"),
                       ResourceArn=arn)
    if not answer or not answer.get("Policy"):
        return
    policy = json.loads(answer["Policy"])
    if policy.get("Version") == "2012-10-17" and policy.get("Statement"):
        if isinstance(policy["Statement"], dict):
            policy["Statement"] = [policy["Statement"]]
        table.document["resource_policy"] = policy
    else:
        table.note("resource_policy", "the policy is not a Version 2012-10-17 document with "
                   f"statements: {answer['Policy']}")


def _all_tables(dynamodb: Any) -> list[str]:
    names: list[str] = []
    kwargs: dict[str, str] = {}
    while True:
        page = dynamodb.list_tables(**kwargs)
        names += page.get("TableNames", [])
        if not page.get("LastEvaluatedTableName"):
            return names
        kwargs["ExclusiveStartTableName"] = page["LastEvaluatedTableName"]


def _check_region(region: str, endpoint_url: str | None) -> None:
    if not _REGION.fullmatch(region) or (endpoint_url is None and not _known_region(region)):
        raise SourceError(f"unknown region {region!r}; give an AWS region such as eu-west-1")


def read_existing(region: str, endpoint_url: str | None, names: Sequence[str]
                  ) -> dict[str, Adopted]:
    """The named tables that exist, by name, with their full names (for `plan`)."""
    _check_region(region, endpoint_url)
    from botocore.exceptions import BotoCoreError, ClientError

    clients = Clients(region, endpoint_url)
    found: dict[str, Adopted] = {}
    try:
        dynamodb = clients.get("dynamodb")
        for name in names:
            try:
                found[name] = read_table(clients, name, "", "")
            except dynamodb.exceptions.ResourceNotFoundException:
                continue
    except (BotoCoreError, ClientError) as error:
        raise SourceError(f"cannot read the tables in {region}: {error}",
                          Exit.UNAVAILABLE) from error
    return found


def read(
    region: str, endpoint_url: str | None, tables: Sequence[str], prefix: str, suffix: str
) -> list[Adopted]:
    """The named live tables, or every table in the region (only those with the affixes)."""
    _check_region(region, endpoint_url)
    from botocore.exceptions import BotoCoreError, ClientError

    clients = Clients(region, endpoint_url)
    try:
        dynamodb = clients.get("dynamodb")
        names = list(tables) or [
            n for n in _all_tables(dynamodb) if n.startswith(prefix) and n.endswith(suffix)
        ]
        if not tables and not names:
            raise SourceError(f"no tables in {region}" + (
                f" named {prefix}*{suffix}" if prefix or suffix else ""))
        adopted = []
        for name in sorted(names):
            try:
                adopted.append(read_table(clients, name, prefix, suffix))
            except dynamodb.exceptions.ResourceNotFoundException:
                raise SourceError(f"table {name!r} does not exist in {region}") from None
        return adopted
    except (BotoCoreError, ClientError) as error:
        raise SourceError(f"cannot read the tables in {region}: {error}",
                          Exit.UNAVAILABLE) from error
