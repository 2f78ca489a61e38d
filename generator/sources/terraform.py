"""Reads the DynamoDB tables of ``terraform show -json`` output, of a plan or of a state:
aws_dynamodb_table and the resources that hold the rest of a table's settings
(aws_appautoscaling_target/policy, aws_dynamodb_contributor_insights,
aws_dynamodb_kinesis_streaming_destination, aws_dynamodb_resource_policy).

A plan leaves values that are known only after apply out of ``planned_values``; a setting that
depends on one is noted, and resources that name their table by such a value are matched
through the references in the plan's ``configuration``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from generator import keys as key_forms
from generator.sources import (
    Adopted,
    SourceError,
    file_stem,
    key_of,
    projection,
    read_json,
    replica_own,
    split_tags,
    strip_affixes,
)

_TABLE = "aws_dynamodb_table"
_HELPERS = frozenset({
    "aws_appautoscaling_target", "aws_appautoscaling_policy", "aws_dynamodb_contributor_insights",
    "aws_dynamodb_kinesis_streaming_destination", "aws_dynamodb_resource_policy",
})
# aws_dynamodb_table arguments read below; any other that is set is noted.
_READ = frozenset({
    "name", "hash_key", "range_key", "attribute", "billing_mode", "read_capacity",
    "write_capacity", "global_secondary_index", "local_secondary_index", "ttl",
    "stream_enabled", "stream_view_type", "table_class", "server_side_encryption",
    "point_in_time_recovery", "deletion_protection_enabled", "replica", "tags",
    "on_demand_throughput", "import_table", "timeouts",
})
# Computed or inert attributes of aws_dynamodb_table that hold no setting.
_COMPUTED = frozenset({
    "arn", "id", "stream_arn", "stream_label", "tags_all", "region", "restore_date_time",
    "restore_source_name", "restore_source_table_arn", "restore_to_latest_time",
    "warm_throughput",
})
_METRICS = {"DynamoDBReadCapacityUtilization": "read", "DynamoDBWriteCapacityUtilization": "write"}


def load(path: Path) -> dict[str, Any]:
    document = read_json(path, "give the output of `terraform show -json PLANFILE` or "
                         "`terraform show -json`")
    if not isinstance(document, dict) or "format_version" not in document:
        raise SourceError(f"{path}: not the JSON of `terraform show -json` (no format_version)")
    return document


def _modules(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield module
    for child in module.get("child_modules", []):
        yield from _modules(child)


def _configured(configuration: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Expressions of every configured resource, by address without instance keys."""
    found: dict[str, dict[str, Any]] = {}

    def walk(module: dict[str, Any], prefix: str) -> None:
        for resource in module.get("resources", []):
            found[prefix + resource["address"]] = resource.get("expressions", {})
        for name, call in module.get("module_calls", {}).items():
            walk(call.get("module", {}), f"{prefix}module.{name}.")

    walk(configuration.get("root_module", {}), "")
    return found


def _config_address(resource: dict[str, Any]) -> str:
    """``module.a["x"].aws_x.y[0]`` -> ``module.a.aws_x.y`` (the configuration's address)."""
    parts = []
    for piece in resource["address"].split("."):
        parts.append(piece.split("[", 1)[0])
    return ".".join(parts)


class _Reader:
    def __init__(self, document: dict[str, Any], origin: str, prefix: str, suffix: str) -> None:
        self.origin = origin
        self.prefix = prefix
        self.suffix = suffix
        self.is_plan = "planned_values" in document
        values = document.get("planned_values") or document.get("values")
        if not isinstance(values, dict) or not isinstance(values.get("root_module"), dict):
            raise SourceError(f"{origin}: holds neither planned_values nor values; give "
                              "`terraform show -json` of a plan or of a state with resources")
        self.resources = [r for m in _modules(values["root_module"]) for r in m.get("resources", [])
                          if r.get("mode", "managed") == "managed"]
        self.config = _configured(document.get("configuration", {}))
        # (line, about a table setting): resources of other types hold none.
        self.summary: list[tuple[str, bool]] = []
        # By table: the replica regions with Contributor Insights on, and each one's mode.
        self.replica_insights: dict[str, dict[str, str | None]] = {}

    def read(self) -> list[Adopted]:
        tables: dict[str, Adopted] = {}
        names: dict[str, Adopted] = {}
        for resource in self.resources:
            if resource["type"] == _TABLE:
                table = self._table(resource)
                tables[_config_address(resource)] = table
                names[table.document["name"]] = table
                names[resource["values"].get("name") or ""] = table
            elif resource["type"] not in _HELPERS:
                self.summary.append((f"{resource['address']} ({resource['type']}) is not a "
                                     "table setting; not adopted", False))
        if not tables:
            raise SourceError(f"{self.origin}: no aws_dynamodb_table resources")
        for resource in self.resources:
            if resource["type"] in _HELPERS:
                self._helper(resource, tables, names)
        for table in tables.values():
            self._replica_insights(table)
        return sorted(tables.values(), key=lambda t: t.file_stem)

    def _replica_insights(self, table: Adopted) -> None:
        """Each replica's Contributor Insights, where the module turns them on per replica
        region (provider 6); a module without such resources leaves the replicas the
        table's, as the table file it came from did."""
        found = self.replica_insights.get(table.file_stem)
        if found is None:
            return
        for entry in table.document.get("replicas", []):
            region = entry["region"]
            stated: dict[str, Any] = {"contributor_insights": region in found}
            if region in found:
                stated["contributor_insights_mode"] = found[region]
            entry.update(replica_own(table, region, stated))

    def _table(self, resource: dict[str, Any]) -> Adopted:
        values = resource.get("values", {})
        index = resource.get("index")
        label = resource["name"] if index is None else f"{resource['name']}-{index}"
        table = Adopted(file_stem(label), f"{resource['address']} in {self.origin}", {})
        doc = table.document
        name = values.get("name")
        if not name:
            raise SourceError(f"{resource['address']}: the table name is known only after "
                              "apply; plan with the name set, or adopt from the state")
        doc["name"], stripped = strip_affixes(name, self.prefix, self.suffix)
        if not stripped:
            table.note("name", f"{name} lacks the prefix/suffix given; kept whole")
        types = {a["name"]: a["type"] for a in values.get("attribute") or []}
        doc["partition_key"] = key_of(values["hash_key"], types)
        if values.get("range_key"):
            doc["sort_key"] = key_of(values["range_key"], types)
        billing = values.get("billing_mode") or "PROVISIONED"
        doc["billing_mode"] = billing
        if billing == "PROVISIONED" and values.get("read_capacity"):
            doc["capacity"] = {"read": values["read_capacity"], "write": values["write_capacity"]}
        if billing == "PAY_PER_REQUEST" and (limits := _limits(values.get("on_demand_throughput"))):
            doc["on_demand_throughput"] = limits
        gsis = []
        for raw in sorted(values.get("global_secondary_index") or [], key=lambda g: g["name"]):
            entry: dict[str, Any] = {"name": raw["name"]} | key_forms.from_key_schema(
                _index_keys(raw), lambda name: key_of(name, types))
            entry |= projection(raw["projection_type"], raw.get("non_key_attributes"))
            if billing == "PROVISIONED" and raw.get("read_capacity"):
                entry["capacity"] = {"read": raw["read_capacity"], "write": raw["write_capacity"]}
            limits = _limits(raw.get("on_demand_throughput"))
            if billing == "PAY_PER_REQUEST" and limits:
                entry["on_demand_throughput"] = limits
            gsis.append(entry)
        if gsis:
            doc["global_secondary_indexes"] = gsis
            table.note("global_secondary_indexes", "Terraform keeps indexes (and INCLUDE "
                       "attributes) as sets: they are listed by name, not as declared",
                       file_only=True)
        lsis = [{"name": raw["name"], "sort_key": key_of(raw["range_key"], types)}
                | projection(raw["projection_type"], raw.get("non_key_attributes"))
                for raw in sorted(values.get("local_secondary_index") or [],
                                  key=lambda g: g["name"])]
        if lsis:
            doc["local_secondary_indexes"] = lsis
        ttl = _first(values.get("ttl"))
        if ttl.get("enabled") and ttl.get("attribute_name"):
            doc["ttl_attribute"] = ttl["attribute_name"]
        if values.get("stream_enabled") and values.get("stream_view_type"):
            doc["stream"] = values["stream_view_type"]
        if values.get("table_class"):
            doc["table_class"] = values["table_class"]
        sse = _first(values.get("server_side_encryption"))
        if not sse.get("enabled"):
            doc["encryption"] = {"type": "aws_owned"}
        elif sse.get("kms_key_arn") and self.is_plan:
            doc["encryption"] = {"type": "customer_managed", "kms_key_arn": sse["kms_key_arn"]}
        elif sse.get("kms_key_arn"):
            # A state records the key DynamoDB uses, also when it is the AWS-managed one.
            doc["encryption"] = {"type": "customer_managed", "kms_key_arn": sse["kms_key_arn"]}
            table.note("encryption", "a state names the key in use even when it is the "
                       "AWS-managed one: if this is alias/aws/dynamodb, write {type: aws_managed}")
        else:
            doc["encryption"] = {"type": "aws_managed"}
            if self.is_plan:
                table.note("encryption", "the key is known only after apply: the AWS-managed "
                           "key unless the configuration passes one (then customer_managed)")
        recovery = _first(values.get("point_in_time_recovery"))
        doc["point_in_time_recovery"] = bool(recovery.get("enabled"))
        period = recovery.get("recovery_period_in_days")
        if doc["point_in_time_recovery"] and period and period != 35:
            doc["point_in_time_recovery_period_days"] = period
        doc["deletion_protection"] = bool(values.get("deletion_protection_enabled"))
        replicas = []
        for raw in sorted(values.get("replica") or [], key=lambda r: r["region_name"]):
            entry = {"region": raw["region_name"]}
            if raw.get("kms_key_arn"):
                entry["kms_key_arn"] = raw["kms_key_arn"]
            stated = {"point_in_time_recovery": bool(raw.get("point_in_time_recovery"))}
            if raw.get("deletion_protection_enabled") is not None:  # provider 6.9 and later
                stated["deletion_protection"] = bool(raw["deletion_protection_enabled"])
            entry.update(replica_own(table, entry["region"], stated))
            replicas.append(entry)
        if replicas:
            doc["replicas"] = replicas
        if values.get("import_table"):
            doc["import_from_s3"] = _import_table(_first(values["import_table"]))
            if len(doc["import_from_s3"].get("csv", {}).get("header_list", [])) > 1:
                table.note("import_from_s3", "Terraform keeps the CSV header_list as a set: "
                           "check the columns' order against the files in S3")
        timeouts = {k: v for k, v in (values.get("timeouts") or {}).items() if v}
        if timeouts:
            doc["timeouts"] = timeouts
        if tags := split_tags(table, dict(values.get("tags") or {})):
            doc["tags"] = tags
        warm = [values, *(values.get("global_secondary_index") or [])]
        if any(_first(place.get("warm_throughput")) for place in warm):
            table.note("warm_throughput", "warm_throughput is not adopted: Terraform also "
                       "records DynamoDB's own values where the configuration sets none; write "
                       "warm_throughput in the table file where the module sets it")
        for extra in sorted(set(values) - _READ - _COMPUTED):
            if values[extra] not in (None, False, [], {}, ""):
                table.note("", f"argument {extra} = {json.dumps(values[extra])} has no "
                           "table-file setting")
        return table

    def _owner(self, resource: dict[str, Any], field: str, tables: dict[str, Adopted],
               names: dict[str, Adopted], value: str | None) -> Adopted | None:
        """The table a helper resource belongs to: by name when known, else by reference."""
        if value is not None:
            name = value.rsplit(":table/", 1)[-1].split("/")[0] if ":table/" in value else value
            if name in names:
                return names[name]
        address = _config_address(resource)
        module = address.rsplit(resource["type"], 1)[0]
        for reference in self.config.get(address, {}).get(field, {}).get("references", []):
            if reference.startswith(_TABLE + "."):
                found = tables.get(module + ".".join(reference.split(".")[:2]))
                if found is not None:
                    return found
        return None

    def _helper(self, resource: dict[str, Any], tables: dict[str, Adopted],
                names: dict[str, Adopted]) -> None:
        values = resource.get("values", {})
        kind = resource["type"]
        if kind in ("aws_appautoscaling_target", "aws_appautoscaling_policy"):
            self._scaling(resource, tables, names)
            return
        field = "resource_arn" if kind == "aws_dynamodb_resource_policy" else "table_name"
        table = self._owner(resource, field, tables, names, values.get(field))
        if table is None:
            self.summary.append((f"{resource['address']}: its table is not in this plan or "
                                "state; not adopted", True))
            return
        doc = table.document
        if kind == "aws_dynamodb_contributor_insights" and values.get("region") in {
            replica.get("region") for replica in doc.get("replicas", [])
        }:
            # A provider 6 module turns Contributor Insights on in each replica's region that
            # has it; an index's is the index's everywhere, said by the table's own region.
            if not values.get("index_name"):
                found = self.replica_insights.setdefault(table.file_stem, {})
                found[values["region"]] = values.get("mode")
            return
        if kind == "aws_dynamodb_contributor_insights":
            place = doc
            if values.get("index_name"):
                place = next((index for index in doc.get("global_secondary_indexes", [])
                              if index["name"] == values["index_name"]), {})
            place["contributor_insights"] = True
            if values.get("mode"):  # provider 6.11 and later
                place["contributor_insights_mode"] = values["mode"]
        elif kind == "aws_dynamodb_kinesis_streaming_destination":
            if "kinesis_stream_arn" in doc:
                table.note("kinesis_stream_arn", f"a second Kinesis destination "
                           f"{values.get('stream_arn')}; a table file names one")
            else:
                doc["kinesis_stream_arn"] = values.get("stream_arn")
        elif values.get("policy"):
            doc["resource_policy"] = json.loads(values["policy"])
        else:
            table.note("resource_policy", "the policy is known only after apply")

    def _scaling(self, resource: dict[str, Any], tables: dict[str, Adopted],
                 names: dict[str, Adopted]) -> None:
        values = resource.get("values", {})
        if values.get("service_namespace") not in (None, "dynamodb"):
            self.summary.append(
                (f"{resource['address']}: not DynamoDB autoscaling; not adopted", False))
            return
        resource_id = values.get("resource_id") or ""
        parts = resource_id.split("/")
        table = names.get(parts[1]) if len(parts) >= 2 and parts[0] == "table" else None
        if table is None:
            self.summary.append((f"{resource['address']}: resource_id {resource_id!r} names no "
                                "table of this plan or state; not adopted", True))
            return
        scaled = str(values.get("scalable_dimension"))
        dimension = "read" if scaled.endswith("ReadCapacityUnits") else "write"
        if len(parts) == 4:
            place = next((g for g in table.document.get("global_secondary_indexes", [])
                          if g["name"] == parts[3]), None)
            if place is None:
                table.note("autoscaling", f"{resource['address']} scales index {parts[3]}, "
                           "which the table does not have")
                return
        else:
            place = table.document
        scaling = place.setdefault("autoscaling", {})
        entry = scaling.setdefault(dimension, {})
        if resource["type"] == "aws_appautoscaling_target":
            entry["min"] = values["min_capacity"]
            entry["max"] = values["max_capacity"]
        else:
            config = _first(values.get("target_tracking_scaling_policy_configuration"))
            metric = _first(config.get("predefined_metric_specification")).get(
                "predefined_metric_type")
            if values.get("policy_type") == "TargetTrackingScaling" \
                    and _METRICS.get(str(metric)) == dimension:
                value = float(config["target_value"])
                entry["target_utilization"] = int(value) if value.is_integer() else value
                for extra in ("scale_in_cooldown", "scale_out_cooldown", "disable_scale_in"):
                    if config.get(extra):
                        table.note("autoscaling", f"{resource['address']}: {extra} has no "
                                   "table-file setting")
            else:
                table.note("autoscaling", f"{resource['address']}: a policy that is not target "
                           "tracking on capacity utilization")
        # min, max, target_utilization in the schema's order; read before write.
        place["autoscaling"] = {k: {f: v[f] for f in ("min", "max", "target_utilization") if f in v}
                                for k, v in sorted(scaling.items())}


def _index_keys(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """A global_secondary_index's key schema, (attribute, HASH or RANGE) in order: its
    key_schema blocks (the syntax of hashicorp/aws >= 6.29), else hash_key and range_key."""
    if raw.get("key_schema"):
        return [(e["attribute_name"], e["key_type"]) for e in raw["key_schema"]]
    return [(raw["hash_key"], "HASH")] + ([(raw["range_key"], "RANGE")] if raw.get(
        "range_key") else [])


def _first(blocks: Any) -> dict[str, Any]:
    if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict):
        return blocks[0]
    return {}


def _limits(blocks: Any) -> dict[str, int]:
    raw = _first(blocks)
    return {k: raw[k] for k in ("max_read_request_units", "max_write_request_units")
            if isinstance(raw.get(k), int) and raw[k] > 0}


def _import_table(raw: dict[str, Any]) -> dict[str, Any]:
    bucket = _first(raw.get("s3_bucket_source"))
    found: dict[str, Any] = {"bucket": bucket.get("bucket")}
    for source, target in (("key_prefix", "key_prefix"), ("bucket_owner", "bucket_owner")):
        if bucket.get(source):
            found[target] = bucket[source]
    found["input_format"] = raw.get("input_format")
    if raw.get("input_compression_type"):
        found["input_compression_type"] = raw["input_compression_type"]
    csv = _first(_first(raw.get("input_format_options")).get("csv"))
    options = {k: csv[k] for k in ("delimiter", "header_list") if csv.get(k)}
    if options:
        found["csv"] = options
    return found


def read(path: Path, prefix: str, suffix: str, summary: Callable[[str], None],
         tables_only: bool = False) -> list[Adopted]:
    """The tables of the JSON at ``path``; ``tables_only`` leaves out of the summary the
    resources that hold no table setting."""
    reader = _Reader(load(path), path.name, prefix, suffix)
    tables = reader.read()
    for line, about_a_table in reader.summary:
        if about_a_table or not tables_only:
            summary(line)
    return tables
