"""The optional table capabilities in the common vocabulary of tests/support/shapes.py:
on-demand limits, PITR recovery period, S3 import, replicas, Contributor Insights, Kinesis
streaming, resource policies, autoscaling, and Terraform's timeouts and ignore_changes.

Terraform spreads several of them over their own resources, CloudFormation over properties,
autoscaling resources and AWS::DynamoDB::GlobalTable replicas; these readers bring each back
to one value per table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from generator.model import Table

Capabilities = dict[str, Any]

# Terraform-only: CloudFormation has no per-resource timeouts, and ignore_changes is
# Terraform's way of living with autoscaling.
TERRAFORM_ONLY = ("timeouts", "ignore_changes")


def _on_demand(value: Any) -> tuple[int | None, int | None] | None:
    if value is None:
        return None
    return (value.max_read_request_units, value.max_write_request_units)


def model_capabilities(table: Table) -> Capabilities:
    scaling: dict[str, tuple[int, int, float]] = {}
    sources = [("", table.autoscaling)]
    sources += [(g.name, g.autoscaling) for g in table.global_secondary_indexes]
    for index, autoscaling in sources:
        if autoscaling is not None:
            for dimension, s in autoscaling.dimensions:
                scaling[f"{index}/{dimension}"] = (s.min, s.max, float(s.target_utilization))
    source = table.import_source
    timeouts = table.timeouts
    return {
        "on_demand": _on_demand(table.on_demand_throughput),
        "gsi_on_demand": {g.name: _on_demand(g.on_demand_throughput)
                          for g in table.global_secondary_indexes if g.on_demand_throughput},
        "pitr_period_days": table.point_in_time_recovery_period_days,
        "replicas": tuple(sorted((r.region, r.kms_key_arn, r.point_in_time_recovery)
                                 for r in table.replicas)),
        "contributor_insights": (table.contributor_insights, tuple(sorted(
            g.name for g in table.contributor_insights_indexes))),
        "kinesis_stream_arn": table.kinesis_stream_arn,
        "resource_policy": json.loads(table.resource_policy) if table.resource_policy else None,
        "import_source": None if source is None else (
            source.bucket, source.key_prefix, source.bucket_owner, source.input_format,
            source.input_compression_type, source.csv_delimiter, source.csv_header_list),
        "autoscaling": scaling,
        "timeouts": None if timeouts is None else (
            timeouts.create, timeouts.update, timeouts.delete),
        "ignore_changes": tuple(table.ignored_changes),
    }


def _empty() -> Capabilities:
    return {"on_demand": None, "gsi_on_demand": {}, "pitr_period_days": None, "replicas": (),
            "contributor_insights": (False, ()), "kinesis_stream_arn": None,
            "resource_policy": None, "import_source": None, "autoscaling": {},
            "timeouts": None, "ignore_changes": ()}


# ---- Terraform ------------------------------------------------------------------------------

_TABLE_REF = re.compile(r"aws_dynamodb_table\.([A-Za-z0-9_]+)\.(?:name|arn)")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _hcl_table_ref(value: Any) -> str:
    match = _TABLE_REF.search(str(value))
    assert match, f"expected a reference to an aws_dynamodb_table, found {value!r}"
    return match.group(1)


def hcl_capabilities(resources: Mapping[str, Mapping[str, Any]],
                     others: list[tuple[str, str, Mapping[str, Any]]],
                     locals_: Mapping[str, Any], s: Any) -> dict[str, Capabilities]:
    """Capabilities by resource name (table key), from the table bodies (``resources``), the
    module's other resources (type, name, body) and its locals; ``s`` unquotes literals."""
    found = {key: _empty() for key in resources}
    for key, body in resources.items():
        caps = found[key]
        block = (body.get("on_demand_throughput") or [None])[0]
        if block is not None:
            caps["on_demand"] = (block.get("max_read_request_units"),
                                 block.get("max_write_request_units"))
        for index in body.get("global_secondary_index", []):
            index_block = (index.get("on_demand_throughput") or [None])[0]
            if index_block is not None:
                caps["gsi_on_demand"][s(index["name"])] = (
                    index_block.get("max_read_request_units"),
                    index_block.get("max_write_request_units"))
        pitr = body["point_in_time_recovery"][0]
        caps["pitr_period_days"] = pitr.get("recovery_period_in_days")
        caps["replicas"] = tuple(sorted(
            (s(r["region_name"]), s(r["kms_key_arn"]) if "kms_key_arn" in r else None,
             r["point_in_time_recovery"]) for r in body.get("replica", [])))
        for replica in body.get("replica", []):
            assert replica.get("propagate_tags") is True, f"{key}: replica without its tags"
        imported = (body.get("import_table") or [None])[0]
        if imported is not None:
            bucket = imported["s3_bucket_source"][0]
            csv = ((imported.get("input_format_options") or [{}])[0].get("csv") or [{}])[0]
            caps["import_source"] = (
                s(bucket["bucket"]), s(bucket["key_prefix"]) if "key_prefix" in bucket else None,
                s(bucket["bucket_owner"]) if "bucket_owner" in bucket else None,
                s(imported["input_format"]),
                s(imported["input_compression_type"])
                if "input_compression_type" in imported else None,
                s(csv["delimiter"]) if "delimiter" in csv else None,
                tuple(s(h) for h in csv.get("header_list", [])))
        timeouts = (body.get("timeouts") or [None])[0]
        if timeouts is not None:
            caps["timeouts"] = tuple(s(timeouts[k]) if k in timeouts else None
                                     for k in ("create", "update", "delete"))
        lifecycle = (body.get("lifecycle") or [{}])[0]
        caps["ignore_changes"] = tuple(
            str(v).removeprefix("${").removesuffix("}")
            for v in lifecycle.get("ignore_changes", []))
    for type_name, name, body in others:
        if type_name == "aws_dynamodb_contributor_insights":
            caps = found[_hcl_table_ref(body["table_name"])]
            if "for_each" in body:
                assert body["index_name"] == "${each.value}", name
                names = _QUOTED.findall(str(body["for_each"]))
                caps["contributor_insights"] = (caps["contributor_insights"][0],
                                                tuple(sorted(names)))
            else:
                assert "index_name" not in body, name
                caps["contributor_insights"] = (True, caps["contributor_insights"][1])
        elif type_name == "aws_dynamodb_kinesis_streaming_destination":
            found[_hcl_table_ref(body["table_name"])]["kinesis_stream_arn"] = s(
                body["stream_arn"])
        elif type_name == "aws_dynamodb_resource_policy":
            found[_hcl_table_ref(body["resource_arn"])]["resource_policy"] = json.loads(
                s(body["policy"]))
    for scaling_key, target in locals_.get("autoscaling", {}).items():
        key = _hcl_table_ref(target["resource_id"])
        index = re.search(r'"index", "([^"]+)"', str(target["resource_id"]))
        dimension = s(target["dimension"])
        kind = "Read" if dimension.endswith(":ReadCapacityUnits") else "Write"
        assert s(target["metric"]) == f"DynamoDB{kind}CapacityUtilization", scaling_key
        found[key]["autoscaling"][f"{index.group(1) if index else ''}/{kind}"] = (
            target["min"], target["max"], float(target["target"]))
    return found


# ---- CloudFormation -------------------------------------------------------------------------


def _cfn_on_demand(value: Mapping[str, Any] | None) -> tuple[int | None, int | None] | None:
    if value is None:
        return None
    return (value.get("MaxReadRequestUnits"), value.get("MaxWriteRequestUnits"))


def _cfn_import(spec: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
    if spec is None:
        return None
    bucket = spec["S3BucketSource"]
    csv = spec.get("InputFormatOptions", {}).get("Csv", {})
    return (bucket["S3Bucket"], bucket.get("S3KeyPrefix"), bucket.get("S3BucketOwner"),
            spec["InputFormat"], spec.get("InputCompressionType"), csv.get("Delimiter"),
            tuple(csv.get("HeaderList", ())))


def cfn_table_capabilities(properties: Mapping[str, Any]) -> Capabilities:
    """Capabilities of an AWS::DynamoDB::Table."""
    caps = _empty()
    caps["on_demand"] = _cfn_on_demand(properties.get("OnDemandThroughput"))
    gsis = properties.get("GlobalSecondaryIndexes", [])
    caps["gsi_on_demand"] = {g["IndexName"]: _cfn_on_demand(g["OnDemandThroughput"])
                             for g in gsis if "OnDemandThroughput" in g}
    caps["pitr_period_days"] = properties["PointInTimeRecoverySpecification"].get(
        "RecoveryPeriodInDays")
    insights = properties.get("ContributorInsightsSpecification", {}).get("Enabled", False)
    caps["contributor_insights"] = (insights, tuple(sorted(
        g["IndexName"] for g in gsis
        if g.get("ContributorInsightsSpecification", {}).get("Enabled"))))
    caps["kinesis_stream_arn"] = properties.get("KinesisStreamSpecification", {}).get("StreamArn")
    caps["resource_policy"] = properties.get("ResourcePolicy", {}).get("PolicyDocument")
    caps["import_source"] = _cfn_import(properties.get("ImportSourceSpecification"))
    return caps


def cfn_global_table_capabilities(properties: Mapping[str, Any]) -> Capabilities:
    """Capabilities of an AWS::DynamoDB::GlobalTable: write settings on the table, read
    settings, insights and the rest on each replica, the primary one being AWS::Region."""
    replicas = properties["Replicas"]
    primary = [r for r in replicas if r["Region"] == {"Ref": "AWS::Region"}]
    assert len(primary) == 1, "exactly one replica in the stack's own region"
    main = primary[0]
    for replica in replicas:
        for same in ("ContributorInsightsSpecification", "ReadOnDemandThroughputSettings",
                     "GlobalSecondaryIndexes", "Tags", "TableClass", "DeletionProtectionEnabled"):
            assert replica.get(same) == main.get(same), f"replica {replica['Region']}: {same}"
    caps = _empty()
    read = main.get("ReadOnDemandThroughputSettings", {}).get("MaxReadRequestUnits")
    write = properties.get("WriteOnDemandThroughputSettings", {}).get("MaxWriteRequestUnits")
    caps["on_demand"] = None if read is None and write is None else (read, write)
    index_read = {g["IndexName"]: g.get("ReadOnDemandThroughputSettings", {}).get(
        "MaxReadRequestUnits") for g in main.get("GlobalSecondaryIndexes", [])}
    for index in properties.get("GlobalSecondaryIndexes", []):
        name = index["IndexName"]
        index_write = index.get("WriteOnDemandThroughputSettings", {}).get("MaxWriteRequestUnits")
        if index_read.get(name) is not None or index_write is not None:
            caps["gsi_on_demand"][name] = (index_read.get(name), index_write)
    caps["pitr_period_days"] = main["PointInTimeRecoverySpecification"].get(
        "RecoveryPeriodInDays")
    caps["replicas"] = tuple(sorted(
        (r["Region"], r.get("SSESpecification", {}).get("KMSMasterKeyId"),
         r["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
        for r in replicas if r is not main))
    caps["contributor_insights"] = (
        main.get("ContributorInsightsSpecification", {}).get("Enabled", False),
        tuple(sorted(g["IndexName"] for g in main.get("GlobalSecondaryIndexes", [])
                     if g.get("ContributorInsightsSpecification", {}).get("Enabled"))))
    caps["kinesis_stream_arn"] = main.get("KinesisStreamSpecification", {}).get("StreamArn")
    caps["resource_policy"] = main.get("ResourcePolicy", {}).get("PolicyDocument")
    return caps


def cfn_autoscaling(resources: Mapping[str, Any]) -> dict[str, dict[str, tuple[int, int, float]]]:
    """Autoscaling by table logical id, from the ScalableTarget and ScalingPolicy resources."""
    policies = {p["Properties"]["ScalingTargetId"]["Ref"]: p["Properties"]
                for p in resources.values()
                if p["Type"] == "AWS::ApplicationAutoScaling::ScalingPolicy"}
    found: dict[str, dict[str, tuple[int, int, float]]] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::ApplicationAutoScaling::ScalableTarget":
            continue
        target = resource["Properties"]
        parts = target["ResourceId"]["Fn::Join"][1]
        table_id = parts[1]["Ref"]
        index = parts[3] if len(parts) == 4 else ""
        kind = "Read" if target["ScalableDimension"].endswith(":ReadCapacityUnits") else "Write"
        policy = policies[logical_id]["TargetTrackingScalingPolicyConfiguration"]
        metric = policy["PredefinedMetricSpecification"]["PredefinedMetricType"]
        assert metric == f"DynamoDB{kind}CapacityUtilization", logical_id
        found.setdefault(table_id, {})[f"{index}/{kind}"] = (
            target["MinCapacity"], target["MaxCapacity"], float(policy["TargetValue"]))
    return found
