"""Reads the DynamoDB tables of a CloudFormation template (JSON or YAML): AWS::DynamoDB::Table,
AWS::DynamoDB::GlobalTable and the Application Auto Scaling targets and policies on them.

Each property is resolved on its own (``intrinsics.Resolver``); one that cannot be is named in
a note at its place, and the table file keeps the table-file default there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from generator import keys as key_forms
from generator.invocation import Exit
from generator.sources import (
    Adopted,
    SourceError,
    file_stem,
    key_of,
    projection,
    replica_own,
    snake_case,
    split_tags,
    strip_affixes,
)
from generator.sources.intrinsics import Resolver, UnresolvedError, load_template_text
from generator.validate import table_schema

TABLE = "AWS::DynamoDB::Table"
GLOBAL_TABLE = "AWS::DynamoDB::GlobalTable"
_MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
_ROLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
# A table's ARN with an index (``/index/*`` or one index) after it.
_INDEX_SUFFIX = re.compile(r"/index/(\*|[a-zA-Z0-9_.-]{3,255})")
_SUB_ARN = re.compile(r"\$\{([A-Za-z0-9]+)\.(?:Arn\}(?:/index/(\*|[a-zA-Z0-9_.-]{3,255}))?"
                      r"|StreamArn\})")
_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)\}(?:/index/(\*|[a-zA-Z0-9_.-]{3,255}))?")
# ["${TableArn}/index/${IndexName}", {"TableArn": ..., "IndexName": "gsi-x"}], as generated.
_SUB_INDEX_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)\}/index/\$\{([A-Za-z0-9_]+)\}")
_TARGET = "AWS::ApplicationAutoScaling::ScalableTarget"
_POLICY = "AWS::ApplicationAutoScaling::ScalingPolicy"
_KMS_ARN = re.compile(
    r"arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[a-zA-Z0-9-]+|alias/[a-zA-Z0-9/_-]+)")
_AWS_MANAGED_KEY = "alias/aws/dynamodb"
_METRICS = {"DynamoDBReadCapacityUtilization": "read", "DynamoDBWriteCapacityUtilization": "write"}

# Properties each table handler reads; any other is named in a note.
_TABLE_PROPERTIES = frozenset({
    "TableName", "AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput",
    "OnDemandThroughput", "GlobalSecondaryIndexes", "LocalSecondaryIndexes",
    "TimeToLiveSpecification", "StreamSpecification", "TableClass", "SSESpecification",
    "PointInTimeRecoverySpecification", "DeletionProtectionEnabled",
    "ContributorInsightsSpecification", "KinesisStreamSpecification", "ResourcePolicy",
    "ImportSourceSpecification", "Tags", "WarmThroughput",
})
_GLOBAL_PROPERTIES = frozenset({
    "TableName", "AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes", "TimeToLiveSpecification", "StreamSpecification",
    "SSESpecification", "WriteOnDemandThroughputSettings", "Replicas", "WarmThroughput",
    "MultiRegionConsistency", "GlobalTableWitnesses",
})
_REPLICA_PROPERTIES = frozenset({
    "Region", "PointInTimeRecoverySpecification", "SSESpecification",
    "ContributorInsightsSpecification", "ReadOnDemandThroughputSettings",
    "GlobalSecondaryIndexes", "Tags", "TableClass", "DeletionProtectionEnabled",
    "KinesisStreamSpecification", "ResourcePolicy",
})
_INDEX_PROPERTIES = frozenset({
    "IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput",
    "ContributorInsightsSpecification", "WriteOnDemandThroughputSettings", "WarmThroughput",
})


def load(path: Path) -> Any:
    """The template as data; SourceError for a file that is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"cannot read {path}: {error}", Exit.UNAVAILABLE) from error
    try:
        template = load_template_text(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise SourceError(f"{where}: not valid JSON or YAML: {problem}") from None
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        raise SourceError(f"{path}: not a CloudFormation template (no Resources mapping)")
    if _too_large(template):
        raise SourceError(f"{path}: the template expands to more than {_MAX_VALUES:,} values "
                          "(YAML aliases that refer to aliases?); CloudFormation's own limit "
                          "is 1 MB of text")
    return template


# More values than any template within CloudFormation's 1 MB limit can hold; YAML aliases
# can make a short text expand without bound.
_MAX_VALUES = 1_000_000


def _too_large(value: Any) -> bool:
    """Counts values as the resolver visits them (aliases once per use), up to the limit."""
    pending, count = [value], 0
    while pending:
        item = pending.pop()
        count += 1
        if count > _MAX_VALUES:
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class _Reader:
    """One template; ``read`` gives its tables."""

    def __init__(self, template: dict[str, Any], origin: str, resolver: Resolver,
                 prefix: str, suffix: str) -> None:
        self.template = template
        self.origin = origin
        self.resolver = resolver
        self.prefix = prefix
        self.suffix = suffix
        # (line, about a table setting): IAM and other resources are not table settings.
        self.summary: list[tuple[str, bool]] = []

    def value(self, table: Adopted, at: str, what: str, node: Any) -> Any:
        """The resolved node, or None with a note saying why it is unknown."""
        try:
            return self.resolver.resolve(node)
        except (UnresolvedError, TypeError, ValueError, IndexError, KeyError) as error:
            table.note(at, f"{what} not resolved ({error}); the table-file default applies "
                       "until you set it")
            return None

    def read(self) -> list[Adopted]:
        tables: list[Adopted] = []
        by_logical: dict[str, Adopted] = {}
        for logical, resource in self.template["Resources"].items():
            kind = resource.get("Type") if isinstance(resource, dict) else None
            if kind not in (TABLE, GLOBAL_TABLE):
                if kind not in (_TARGET, _POLICY, _MANAGED_POLICY):
                    self.summary.append(
                        (f"resource {logical} ({kind}) is not a table; not adopted", False))
                continue
            if "Condition" in resource:
                try:
                    if not self.resolver.condition(resource["Condition"]):
                        self.summary.append((f"table {logical} skipped: its condition "
                                            f"{resource['Condition']} is false", True))
                        continue
                except UnresolvedError as error:
                    self.summary.append((f"table {logical}: condition not resolved ({error}); "
                                        "adopted as if true", True))
            table = self._table(logical, resource, kind == GLOBAL_TABLE)
            tables.append(table)
            by_logical[logical] = table
        if not tables:
            raise SourceError(f"{self.origin}: no {TABLE} or {GLOBAL_TABLE} resources")
        self._scaling(by_logical)
        self._outputs(by_logical)
        self._access(by_logical)
        return tables

    def _table(self, logical: str, resource: dict[str, Any], is_global: bool) -> Adopted:
        properties = resource.get("Properties") or {}
        raw_metadata = resource.get("Metadata")
        metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
        source = metadata.get("Source")
        stem = Path(source).stem if isinstance(source, str) and source else snake_case(
            logical.removesuffix("Table") or logical)
        table = Adopted(file_stem(stem), f"{logical} in {self.origin}", {})
        doc = table.document
        name = self.value(table, "name", "TableName", properties.get("TableName"))
        if isinstance(name, str) and name:
            doc["name"], stripped = strip_affixes(name, self.prefix, self.suffix)
            if not stripped:
                table.note("name", f"{name} lacks the prefix/suffix given; kept whole")
        else:
            stem = table.file_stem
            doc["name"] = stem if len(stem) >= 3 else f"{stem}-table"
            if "TableName" not in properties:
                table.note("name", "no TableName: CloudFormation made up the physical name; "
                           "this file names the table after its logical id, which renames it")
        if isinstance(metadata.get("Description"), str) and metadata["Description"].strip():
            doc["description"] = metadata["Description"].strip()
        known = _GLOBAL_PROPERTIES if is_global else _TABLE_PROPERTIES
        for extra in sorted(set(properties) - known):
            table.note("", f"property {extra} has no table-file setting")
        values = {key: self.value(table, _AT.get(key, ""), key, node)
                  for key, node in properties.items()
                  if key in known and key not in ("TableName", "Replicas")}
        self._keys(table, values)
        if is_global:
            self._global(table, values, properties.get("Replicas") or [])
        else:
            self._settings(table, values)
        if not is_global:
            self._policies(table, resource, doc.get("deletion_protection", False))
        return table

    def _keys(self, table: Adopted, values: dict[str, Any]) -> None:
        doc = table.document
        types = {a["AttributeName"]: a["AttributeType"]
                 for a in values.get("AttributeDefinitions") or []}
        keys = _key_schema(values.get("KeySchema"))
        if "HASH" not in keys:
            raise SourceError(f"{table.origin}: KeySchema has no HASH key that can be resolved")
        doc["partition_key"] = key_of(keys["HASH"], types)
        if "RANGE" in keys:
            doc["sort_key"] = key_of(keys["RANGE"], types)
        billing = values.get("BillingMode") or "PROVISIONED"
        if warm := _warm(values.get("WarmThroughput")):
            doc["warm_throughput"] = warm
        doc["billing_mode"] = billing
        indexes = []
        for raw in values.get("GlobalSecondaryIndexes") or []:
            entry: dict[str, Any] = {"name": raw["IndexName"]} | key_forms.from_key_schema(
                ((k["AttributeName"], k["KeyType"]) for k in raw.get("KeySchema") or []
                 if isinstance(k, dict) and "KeyType" in k),
                lambda name: key_of(name, types))
            if "partition_key" not in entry:
                raise SourceError(f"{table.origin}: index {raw['IndexName']}: KeySchema has "
                                  "no HASH key that can be resolved")
            entry |= _projection(raw.get("Projection"))
            capacity = _capacity(raw.get("ProvisionedThroughput"))
            if billing == "PROVISIONED" and capacity:
                entry["capacity"] = capacity
            limits = _limits(raw.get("OnDemandThroughput"))
            write = (raw.get("WriteOnDemandThroughputSettings") or {}).get("MaxWriteRequestUnits")
            if write:
                limits["max_write_request_units"] = int(write)
            if limits:
                entry["on_demand_throughput"] = limits
            _insights(entry, raw.get("ContributorInsightsSpecification"))
            if warm := _warm(raw.get("WarmThroughput")):
                entry["warm_throughput"] = warm
            for extra in sorted(set(raw) - _INDEX_PROPERTIES):
                table.note("global_secondary_indexes",
                           f"index {raw['IndexName']}: {extra} has no table-file setting")
            indexes.append(entry)
        if indexes:
            doc["global_secondary_indexes"] = indexes
        local = []
        for raw in values.get("LocalSecondaryIndexes") or []:
            range_key = _key_schema(raw.get("KeySchema"))["RANGE"]
            local.append({"name": raw["IndexName"], "sort_key": key_of(range_key, types)}
                         | _projection(raw.get("Projection")))
        if local:
            doc["local_secondary_indexes"] = local
        ttl = values.get("TimeToLiveSpecification") or {}
        if ttl.get("Enabled") in (True, "true") and ttl.get("AttributeName"):
            doc["ttl_attribute"] = ttl["AttributeName"]
        stream = values.get("StreamSpecification") or {}
        if stream.get("StreamViewType"):
            doc["stream"] = stream["StreamViewType"]
        if stream.get("ResourcePolicy"):
            table.note("stream", "the stream's resource policy has no table-file setting")

    def _settings(self, table: Adopted, values: dict[str, Any]) -> None:
        """The settings of an AWS::DynamoDB::Table beyond keys and indexes."""
        doc = table.document
        if doc["billing_mode"] == "PROVISIONED":
            if capacity := _capacity(values.get("ProvisionedThroughput")):
                doc["capacity"] = capacity
        elif limits := _limits(values.get("OnDemandThroughput")):
            doc["on_demand_throughput"] = limits
        if values.get("TableClass"):
            doc["table_class"] = values["TableClass"]
        if "SSESpecification" in values:
            self._encryption(table, values["SSESpecification"])
        else:
            doc["encryption"] = {"type": "aws_owned"}
        self._recovery(table, values.get("PointInTimeRecoverySpecification"))
        doc["deletion_protection"] = _true(values.get("DeletionProtectionEnabled"))
        _insights(doc, values.get("ContributorInsightsSpecification"))
        self._kinesis(table, values.get("KinesisStreamSpecification"))
        self._resource_policy(table, values.get("ResourcePolicy"))
        if values.get("ImportSourceSpecification"):
            doc["import_from_s3"] = _import_source(values["ImportSourceSpecification"])
        if tags := split_tags(table, _tag_map(values.get("Tags"))):
            doc["tags"] = tags

    def _encryption(self, table: Adopted, sse: dict[str, Any] | None) -> None:
        doc = table.document
        if sse is None:
            return  # unresolved, noted
        if not _true(sse.get("SSEEnabled")):
            doc["encryption"] = {"type": "aws_owned"}
            return
        key = sse.get("KMSMasterKeyId")
        if not key or key == _AWS_MANAGED_KEY or str(key).endswith(":" + _AWS_MANAGED_KEY):
            doc["encryption"] = {"type": "aws_managed"}
        elif _KMS_ARN.fullmatch(str(key)):
            doc["encryption"] = {"type": "customer_managed", "kms_key_arn": key}
        else:
            table.note("encryption", f"KMSMasterKeyId {key!r} is a key id or alias name; table "
                       "files take a key or alias ARN: write {type: customer_managed, "
                       "kms_key_arn: ARN}")

    def _recovery(self, table: Adopted, spec: dict[str, Any] | None) -> None:
        spec = spec or {}
        table.document["point_in_time_recovery"] = _true(spec.get("PointInTimeRecoveryEnabled"))
        if spec.get("RecoveryPeriodInDays") and table.document["point_in_time_recovery"]:
            table.document["point_in_time_recovery_period_days"] = int(spec["RecoveryPeriodInDays"])

    def _kinesis(self, table: Adopted, spec: dict[str, Any] | None) -> None:
        if spec and spec.get("StreamArn"):
            table.document["kinesis_stream_arn"] = spec["StreamArn"]
            precision = spec.get("ApproximateCreationDateTimePrecision")
            if precision and precision != "MILLISECOND":
                table.note("kinesis_stream_arn", f"ApproximateCreationDateTimePrecision "
                           f"{precision}; table files use MILLISECOND")

    def _resource_policy(self, table: Adopted, spec: dict[str, Any] | None) -> None:
        if spec and spec.get("PolicyDocument"):
            table.document["resource_policy"] = spec["PolicyDocument"]

    def _policies(self, table: Adopted, resource: dict[str, Any], protected: bool) -> None:
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            value = resource.get(policy, "Delete")
            if (value == "Retain") != protected:
                table.note("deletion_protection", f"{policy} {value} with "
                           f"DeletionProtectionEnabled {str(protected).lower()}: the table file's "
                           "deletion_protection sets both together")

    def _global(self, table: Adopted, values: dict[str, Any], raw_replicas: list[Any]) -> None:
        """An AWS::DynamoDB::GlobalTable: table settings live in the replica of the stack's
        region (``Region: !Ref AWS::Region``), the others become ``replicas``."""
        doc = table.document
        if doc["billing_mode"] == "PROVISIONED":
            table.note("billing_mode", "a provisioned global table: table files make global "
                       "tables on demand only")
        if values.get("MultiRegionConsistency") == "STRONG":
            doc["consistency"] = "strong"
        witnesses = [w.get("Region") for w in values.get("GlobalTableWitnesses") or []
                     if isinstance(w, dict)]
        if witnesses:
            doc["witness_region"] = witnesses[0]
        sse = values.get("SSESpecification") or {}
        write = (values.get("WriteOnDemandThroughputSettings") or {}).get("MaxWriteRequestUnits")
        own_region = self.resolver.values.get("AWS::Region")
        primary: dict[str, Any] | None = None
        others: list[dict[str, Any]] = []
        for position, raw in enumerate(raw_replicas):
            # The stack's own region need not be known to tell that this is the table.
            here = isinstance(raw, dict) and raw.get("Region") == {"Ref": "AWS::Region"}
            rest = {k: v for k, v in raw.items() if k != "Region"} if here else raw
            replica = self.value(table, "replicas", f"Replicas[{position}]", rest)
            if replica is None:
                continue
            local = here or (own_region is not None and replica.get("Region") == own_region)
            if local and primary is None:
                primary = replica
            else:
                others.append(replica)
        if primary is None:
            table.note("replicas", "no replica in the stack's own region (Region: !Ref "
                       "AWS::Region); pass --region to say which one is the table")
            primary = others.pop(0) if others else {}
        for extra in sorted(set(primary) - _REPLICA_PROPERTIES):
            table.note("replicas", f"replica property {extra} has no table-file setting")
        if _true(sse.get("SSEEnabled")):
            key = (primary.get("SSESpecification") or {}).get("KMSMasterKeyId")
            self._encryption(table, {"SSEEnabled": True, "KMSMasterKeyId": key})
        else:
            doc["encryption"] = {"type": "aws_owned"}
        self._recovery(table, primary.get("PointInTimeRecoverySpecification"))
        limits: dict[str, int] = {}
        read = (primary.get("ReadOnDemandThroughputSettings") or {}).get("MaxReadRequestUnits")
        if read:
            limits["max_read_request_units"] = int(read)
        if write:
            limits["max_write_request_units"] = int(write)
        if limits:
            doc["on_demand_throughput"] = limits
        indexes = {i["name"]: i for i in doc.get("global_secondary_indexes", [])}
        for raw in primary.get("GlobalSecondaryIndexes") or []:
            index = indexes.get(raw.get("IndexName"))
            if index is None:
                continue
            _insights(index, raw.get("ContributorInsightsSpecification"))
            index_read = (raw.get("ReadOnDemandThroughputSettings") or {}).get(
                "MaxReadRequestUnits")
            if index_read:
                index.setdefault("on_demand_throughput", {})["max_read_request_units"] = \
                    int(index_read)
                index["on_demand_throughput"] = dict(sorted(index["on_demand_throughput"].items()))
        if primary.get("TableClass"):
            doc["table_class"] = primary["TableClass"]
        doc["deletion_protection"] = _true(primary.get("DeletionProtectionEnabled"))
        _insights(doc, primary.get("ContributorInsightsSpecification"))
        self._kinesis(table, primary.get("KinesisStreamSpecification"))
        self._resource_policy(table, primary.get("ResourcePolicy"))
        if tags := split_tags(table, _tag_map(primary.get("Tags"))):
            doc["tags"] = tags
        replicas = []
        for replica in others:
            entry: dict[str, Any] = {"region": replica.get("Region")}
            key = (replica.get("SSESpecification") or {}).get("KMSMasterKeyId")
            if key:
                entry["kms_key_arn"] = key
            entry.update(replica_own(table, entry["region"],
                                     _replica_settings(table, entry["region"], replica)))
            if replica.get("GlobalSecondaryIndexes") != primary.get("GlobalSecondaryIndexes"):
                table.note("replicas", f"replica {entry['region']}: its GlobalSecondaryIndexes "
                           "differ from the table's; table files give replicas the table's "
                           "index settings")
            replicas.append(entry)
        if replicas:
            doc["replicas"] = replicas

    def _scaling(self, tables: Mapping[str, Adopted]) -> None:
        """Scalable targets and their target-tracking policies, onto their tables."""
        resources = self.template["Resources"]
        policies: dict[str, list[dict[str, Any]]] = {}
        for logical, resource in resources.items():
            if isinstance(resource, dict) and resource.get("Type") == _POLICY:
                target = (resource.get("Properties") or {}).get("ScalingTargetId")
                name = target.get("Ref") if isinstance(target, dict) else None
                policies.setdefault(name or "", []).append(resource.get("Properties") or {})
                if not name:
                    self.summary.append((f"scaling policy {logical} does not Ref a scalable "
                                        "target of this template; not adopted", True))
        for logical, resource in resources.items():
            if not isinstance(resource, dict) or resource.get("Type") != _TARGET:
                continue
            properties = resource.get("Properties") or {}
            where = _target_of(properties.get("ResourceId"))
            table = tables.get(where[0]) if where else None
            if table is None or where is None:
                self.summary.append((f"scalable target {logical}: not on a table of this "
                                    "template; not adopted", True))
                continue
            dimension = str(properties.get("ScalableDimension", ""))
            kind = "read" if dimension.endswith("ReadCapacityUnits") else "write"
            entry: dict[str, Any] = {}
            for name, field in (("MinCapacity", "min"), ("MaxCapacity", "max")):
                found = self.value(table, "autoscaling", f"{logical}.{name}", properties.get(name))
                if found is not None:
                    entry[field] = int(found)
            for policy in policies.get(logical, []):
                config = policy.get("TargetTrackingScalingPolicyConfiguration") or {}
                metric = (config.get("PredefinedMetricSpecification") or {}).get(
                    "PredefinedMetricType")
                if policy.get("PolicyType") == "TargetTrackingScaling" \
                        and _METRICS.get(str(metric)) == kind and "TargetValue" in config:
                    value = float(self.resolver.resolve(config["TargetValue"]))
                    entry["target_utilization"] = int(value) if value.is_integer() else value
                    for extra in ("ScaleInCooldown", "ScaleOutCooldown", "DisableScaleIn"):
                        if extra in config:
                            table.note("autoscaling", f"{logical}: {extra} has no table-file "
                                       "setting")
                else:
                    table.note("autoscaling", f"{logical}: a policy that is not target tracking "
                               "on capacity utilization")
            index = where[1]
            if index is None:
                table.document.setdefault("autoscaling", {})[kind] = entry
                table.document["autoscaling"] = dict(sorted(table.document["autoscaling"].items()))
                continue
            for gsi in table.document.get("global_secondary_indexes", []):
                if gsi["name"] == index:
                    gsi.setdefault("autoscaling", {})[kind] = entry
                    gsi["autoscaling"] = dict(sorted(gsi["autoscaling"].items()))
                    break
            else:
                table.note("autoscaling", f"{logical} scales index {index}, which the table "
                           "does not have")

    def _access(self, tables: Mapping[str, Adopted]) -> None:
        """Managed policies that grant DynamoDB actions on one table only become that table's
        access roles (the generated template's are named ``<Table><Role>Policy``)."""
        allowed = set(table_schema()["$defs"]["access_role"]["properties"]["actions"]["items"]
                      ["enum"])
        for logical, resource in self.template["Resources"].items():
            if not isinstance(resource, dict) or resource.get("Type") != _MANAGED_POLICY:
                continue
            properties = resource.get("Properties") or {}
            statements = (properties.get("PolicyDocument") or {}).get("Statement") or []
            found = _role_grants(statements if isinstance(statements, list) else [statements])
            owner = found[0] if found else None
            actions = sorted(found[1]) if found else []
            if found and found[2]:
                # An actions role covers every index; adopting it would widen the grant.
                self.summary.append((f"resource {logical} grants on single indexes "
                                    f"({', '.join(sorted(found[2]))}), which a table file says "
                                    "only through access patterns; not adopted", False))
                continue
            if owner not in tables or not actions or not set(actions) <= allowed:
                self.summary.append((f"resource {logical} ({_MANAGED_POLICY}) does not grant "
                                    "table-file actions on one table of this template; not "
                                    "adopted", False))
                continue
            table = tables[owner]  # type: ignore[index]
            base = owner.removesuffix("Table")  # type: ignore[union-attr]
            middle = logical.removesuffix("Policy")
            name = snake_case(middle[len(base):] if middle.startswith(base) and middle != base
                              else middle)
            if not _ROLE_NAME.fullmatch(name) or name in table.document.get("access", {}):
                self.summary.append((f"resource {logical}: {name!r} is not a usable access role "
                                    "name (1 to 40 of a-z, 0-9, _); not adopted", False))
                continue
            role: dict[str, Any] = {}
            description = properties.get("Description")
            generated = f"Access role {name} on the DynamoDB table {table.file_stem}."
            if isinstance(description, str) and description.strip() and description != generated:
                role["description"] = description.strip()
            role["actions"] = actions
            table.document.setdefault("access", {})[name] = role
            table.document["access"] = dict(sorted(table.document["access"].items()))

    def _outputs(self, tables: Mapping[str, Adopted]) -> None:
        """``Env<Name>`` outputs that give a table's name become its environment variable."""
        for name, output in (self.template.get("Outputs") or {}).items():
            value = output.get("Value") if isinstance(output, dict) else None
            target = value.get("Ref") if isinstance(value, dict) else None
            if name.startswith("Env") and isinstance(target, str) and target in tables \
                    and len(name) > 3:
                tables[target].document["environment_variable"] = snake_case(name[3:]).upper()


# Top-level table-file setting where a note about each property goes.
_AT = {
    "AttributeDefinitions": "partition_key", "KeySchema": "partition_key",
    "BillingMode": "billing_mode", "ProvisionedThroughput": "capacity",
    "OnDemandThroughput": "on_demand_throughput",
    "WriteOnDemandThroughputSettings": "on_demand_throughput",
    "WarmThroughput": "warm_throughput",
    "MultiRegionConsistency": "consistency",
    "GlobalTableWitnesses": "witness_region",
    "GlobalSecondaryIndexes": "global_secondary_indexes",
    "LocalSecondaryIndexes": "local_secondary_indexes",
    "TimeToLiveSpecification": "ttl_attribute", "StreamSpecification": "stream",
    "TableClass": "table_class", "SSESpecification": "encryption",
    "PointInTimeRecoverySpecification": "point_in_time_recovery",
    "DeletionProtectionEnabled": "deletion_protection",
    "ContributorInsightsSpecification": "contributor_insights",
    "KinesisStreamSpecification": "kinesis_stream_arn", "ResourcePolicy": "resource_policy",
    "ImportSourceSpecification": "import_from_s3", "Tags": "tags", "Replicas": "replicas",
}


def _replica_settings(table: Adopted, region: str, replica: dict[str, Any]) -> dict[str, Any]:
    """A ReplicaSpecification's settings by replica key; the table's own (``table``'s
    document) decide only what cannot be stated and gets a note."""
    doc = table.document
    recovery = replica.get("PointInTimeRecoverySpecification") or {}
    insights: dict[str, Any] = {}
    _insights(insights, replica.get("ContributorInsightsSpecification"))
    stated: dict[str, Any] = {
        "point_in_time_recovery": _true(recovery.get("PointInTimeRecoveryEnabled")),
        "contributor_insights": bool(insights),  # _insights fills it in only when enabled
        "deletion_protection": _true(replica.get("DeletionProtectionEnabled")),
        "tags": split_tags(table, _tag_map(replica.get("Tags"))),
    }
    if replica.get("TableClass"):
        stated["table_class"] = replica["TableClass"]
    cannot = []
    if recovery.get("RecoveryPeriodInDays"):
        stated["point_in_time_recovery_period_days"] = int(recovery["RecoveryPeriodInDays"])
    elif stated["point_in_time_recovery"] and doc.get("point_in_time_recovery_period_days"):
        cannot.append("DynamoDB's recovery period, where the table's is "
                      f"{doc['point_in_time_recovery_period_days']} days")
    if "contributor_insights_mode" in insights:
        stated["contributor_insights_mode"] = insights["contributor_insights_mode"]
    elif insights and doc.get("contributor_insights_mode"):
        cannot.append("DynamoDB's Contributor Insights mode, where the table's is "
                      f"{doc['contributor_insights_mode']}")
    read = (replica.get("ReadOnDemandThroughputSettings") or {}).get("MaxReadRequestUnits")
    if read:
        stated["max_read_request_units"] = int(read)
    elif (doc.get("on_demand_throughput") or {}).get("max_read_request_units"):
        cannot.append("no read limit, where the table has one")
    for what in cannot:
        table.note("replicas", f"replica {region} has {what}: the file gives it the table's; "
                   "state the replica's own in its entry")
    return stated


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _key_schema(raw: Any) -> dict[str, str]:
    return {k["KeyType"]: k["AttributeName"] for k in raw or []
            if isinstance(k, dict) and "KeyType" in k}


def _projection(raw: dict[str, Any] | None) -> dict[str, Any]:
    raw = raw or {}
    return projection(raw.get("ProjectionType", "KEYS_ONLY" if not raw else "ALL"),
                      raw.get("NonKeyAttributes"))


def _capacity(raw: dict[str, Any] | None) -> dict[str, int] | None:
    if not raw:
        return None
    return {"read": int(raw["ReadCapacityUnits"]), "write": int(raw["WriteCapacityUnits"])}


def _limits(raw: dict[str, Any] | None) -> dict[str, int]:
    found = {}
    for source, target in (("MaxReadRequestUnits", "max_read_request_units"),
                           ("MaxWriteRequestUnits", "max_write_request_units")):
        if (raw or {}).get(source) and int(raw[source]) > 0:  # type: ignore[index]
            found[target] = int(raw[source])  # type: ignore[index]
    return found


def _insights(place: dict[str, Any], spec: dict[str, Any] | None) -> None:
    """A ContributorInsightsSpecification into the table file's table or index ``place``."""
    spec = spec or {}
    if spec.get("Enabled") in (True, "true"):
        place["contributor_insights"] = True
        if spec.get("Mode"):
            place["contributor_insights_mode"] = str(spec["Mode"])


def _warm(raw: dict[str, Any] | None) -> dict[str, int]:
    """A WarmThroughput property as the table file's warm_throughput."""
    return {target: int(raw[source])  # type: ignore[index]
            for source, target in (("ReadUnitsPerSecond", "read_units_per_second"),
                                   ("WriteUnitsPerSecond", "write_units_per_second"))
            if (raw or {}).get(source)}


def _tag_map(raw: Any) -> dict[str, str]:
    return {str(t["Key"]): str(t["Value"]) for t in raw or [] if isinstance(t, dict)}


def _import_source(raw: dict[str, Any]) -> dict[str, Any]:
    bucket = raw.get("S3BucketSource") or {}
    found: dict[str, Any] = {"bucket": bucket.get("S3Bucket")}
    if bucket.get("S3KeyPrefix"):
        found["key_prefix"] = bucket["S3KeyPrefix"]
    if bucket.get("S3BucketOwner"):
        found["bucket_owner"] = str(bucket["S3BucketOwner"])
    found["input_format"] = raw.get("InputFormat")
    if raw.get("InputCompressionType"):
        found["input_compression_type"] = raw["InputCompressionType"]
    csv = (raw.get("InputFormatOptions") or {}).get("Csv") or {}
    options = {k: csv[s] for s, k in (("Delimiter", "delimiter"), ("HeaderList", "header_list"))
               if csv.get(s)}
    if options:
        found["csv"] = options
    return found


def _table_of(resource: Any) -> tuple[str, str | None] | None:
    """(table logical id, index) an IAM Resource names: the table's Arn or StreamArn (index
    None), its Arn + ``/index/*`` (index ``*``) or + ``/index/NAME``."""
    if isinstance(resource, dict) and isinstance(resource.get("Fn::GetAtt"), list):
        target, attribute = (resource["Fn::GetAtt"] + [None])[:2]
        if attribute in ("Arn", "StreamArn") and isinstance(target, str):
            return target, None
        return None
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Join"), list):
        separator, parts = (resource["Fn::Join"] + [None])[:2]
        if separator == "" and isinstance(parts, list) and len(parts) == 2 \
                and isinstance(parts[1], str) and (match := _INDEX_SUFFIX.fullmatch(parts[1])):
            table = _table_of(parts[0])
            return (table[0], match.group(1)) if table and table[1] is None else None
    sub = resource.get("Fn::Sub") if isinstance(resource, dict) else None
    if isinstance(sub, str) and (match := _SUB_ARN.fullmatch(sub)):
        return match.group(1), match.group(2)
    if isinstance(sub, list) and len(sub) == 2 and isinstance(sub[0], str) \
            and isinstance(sub[1], dict) and (match := _SUB_VARIABLE.fullmatch(sub[0])):
        # ["${TableArn}/index/*", {"TableArn": {"Fn::GetAtt": [T, "Arn"]}}]
        table = _table_of(sub[1].get(match.group(1)))
        if table and table[1] is None:
            return table[0], match.group(2)
    if isinstance(sub, list) and len(sub) == 2 and isinstance(sub[0], str) \
            and isinstance(sub[1], dict) and (match := _SUB_INDEX_VARIABLE.fullmatch(sub[0])):
        table = _table_of(sub[1].get(match.group(1)))
        index = sub[1].get(match.group(2))
        if table and table[1] is None and isinstance(index, str) \
                and _INDEX_SUFFIX.fullmatch(f"/index/{index}"):
            return table[0], index
    return None


def _role_grants(statements: list[Any]) -> tuple[str, set[str], set[str]] | None:
    """(table logical id, actions, single indexes named) when every statement allows dynamodb
    actions on one table."""
    owner: str | None = None
    actions: set[str] = set()
    indexes: set[str] = set()
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow" \
                or set(statement) - {"Sid", "Effect", "Action", "Resource"}:
            return None
        names = statement.get("Action")
        resources = statement.get("Resource")
        names = [names] if isinstance(names, str) else names
        resources = resources if isinstance(resources, list) else [resources]
        if not isinstance(names, list) or not all(
                isinstance(n, str) and n.startswith("dynamodb:") for n in names):
            return None
        for resource in resources:
            found = _table_of(resource)
            if found is None or owner not in (None, found[0]):
                return None
            owner = found[0]
            if found[1] not in (None, "*"):
                indexes.add(str(found[1]))
        actions |= {n.removeprefix("dynamodb:") for n in names}
    return (owner, actions, indexes) if owner else None


def _target_of(node: Any) -> tuple[str, str | None] | None:
    """(table logical id, index name or None) from a scalable target's ResourceId, written as
    ``Fn::Join ["/", ["table", Ref T, "index", NAME]]`` or ``Fn::Sub "table/${T}/index/NAME"``."""
    parts: list[Any] | None = None
    if isinstance(node, dict) and "Fn::Join" in node and node["Fn::Join"][0] == "/":
        parts = list(node["Fn::Join"][1])
    elif isinstance(node, dict) and isinstance(node.get("Fn::Sub"), str):
        parts = [({"Ref": p[2:-1]} if p.startswith("${") else p)
                 for p in node["Fn::Sub"].split("/")]
    if not parts or parts[0] != "table" or len(parts) not in (2, 4):
        return None
    table = parts[1].get("Ref") if isinstance(parts[1], dict) else None
    if not isinstance(table, str):
        return None
    if len(parts) == 4 and parts[2] == "index" and isinstance(parts[3], str):
        return table, parts[3]
    return (table, None) if len(parts) == 2 else None


def read(path: Path, parameters: Mapping[str, str], region: str | None, *, prefix: str,
         suffix: str, summary: Callable[[str], None], tables_only: bool = False
         ) -> list[Adopted]:
    """The tables of the template at ``path``."""
    return read_template(load(path), path.name, parameters, region, prefix=prefix,
                         suffix=suffix, summary=summary, tables_only=tables_only)


def read_template(template: Any, origin: str, parameters: Mapping[str, str],
                  region: str | None, *, prefix: str, suffix: str,
                  summary: Callable[[str], None], tables_only: bool = False) -> list[Adopted]:
    """The tables of a template already read (a deployed stack's, for `plan`);
    ``tables_only`` leaves out of the summary the resources that hold no table setting."""
    resolver = Resolver(template, parameters, region)
    reader = _Reader(template, origin, resolver, prefix, suffix)
    tables = reader.read()
    for line, about_a_table in reader.summary:
        if about_a_table or not tables_only:
            summary(line)
    return tables
