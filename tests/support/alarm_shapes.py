"""One normalized description ("shape") per CloudWatch alarm, from the model, the generated
HCL, the generated CloudFormation JSON and alarms read back with boto3's describe_alarms.

Alarms are keyed by their default name (the table's default name and the alarm's own part;
for account alarms the part alone), so shapes of a deployment with a name prefix compare
with the model once the prefix is taken off. Readers refuse what they do not understand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.model import Project
from tests.helpers import hcl_string
from tests.support.shapes import UnknownConstructError, cfn_default_name, load_hcl

Shape = dict[str, Any]

_HCL_RESOURCE = {
    "for_each": "${local.alarms}", "alarm_name": "${each.value.name}",
    "alarm_description": "${each.value.description}", "namespace": '"AWS/DynamoDB"',
    "metric_name": "${each.value.metric}", "statistic": "${each.value.statistic}",
    "dimensions": "${each.value.dimensions}", "comparison_operator": '"GreaterThanThreshold"',
    "threshold": "${each.value.threshold}", "period": "${each.value.period}",
    "evaluation_periods": "${each.value.evaluation_periods}",
    "datapoints_to_alarm": "${each.value.datapoints_to_alarm}",
    "treat_missing_data": "${each.value.treat_missing_data}",
    "alarm_actions": "${var.alarm_topic_arns}", "ok_actions": "${var.alarm_topic_arns}",
    "tags": "${merge(var.tags, each.value.tags)}", "__is_block__": True,
}
_HCL_ENTRY = {"name", "description", "metric", "statistic", "dimensions", "threshold", "period",
              "evaluation_periods", "datapoints_to_alarm", "treat_missing_data", "tags"}
_TABLE_NAMED = re.compile(r'^\$\{join\("", \[aws_dynamodb_table\.(\w+)\.name, "([^"]*)"\]\)\}$')
_ACCOUNT_NAMED = re.compile(
    r'^\$\{join\("", \[var\.name_prefix, "([^"]*)", var\.name_suffix\]\)\}$')
_TABLE_REF = re.compile(r"^\$\{aws_dynamodb_table\.(\w+)\.name\}$")
_CFN_PROPERTIES = {
    "AlarmName", "AlarmDescription", "Namespace", "MetricName", "Statistic", "Dimensions",
    "ComparisonOperator", "Threshold", "Period", "EvaluationPeriods", "DatapointsToAlarm",
    "TreatMissingData", "AlarmActions", "OKActions", "Tags",
}
_CFN_ACTIONS = {"Fn::If": ["HasAlarmTopicArns", {"Ref": "AlarmTopicArns"}, {"Ref": "AWS::NoValue"}]}


def _shape(*values: Any) -> Shape:
    """The common vocabulary, from metric, statistic, dimensions, threshold, period,
    evaluation periods, datapoints to alarm, missing-data treatment, description, tags."""
    (metric, statistic, dimensions, threshold, period, evaluation_periods, datapoints, missing,
     description, tags) = values
    return {
        "namespace": "AWS/DynamoDB", "comparison": "GreaterThanThreshold", "metric": metric,
        "statistic": statistic, "dimensions": dict(dimensions), "threshold": float(threshold),
        "period": int(period), "evaluation_periods": int(evaluation_periods),
        "datapoints_to_alarm": int(datapoints), "treat_missing_data": missing,
        "description": description, "tags": dict(tags),
    }


def model_alarm_shapes(project: Project) -> dict[str, Shape]:
    """What the table files and settings ask for, by default alarm name."""
    names = {table.key: table.name for table in project.tables}
    found: dict[str, Shape] = {}
    for alarm in project.alarms:
        dimensions = {d.name: names[alarm.table_key or ""] if d.value is None else d.value
                      for d in alarm.dimensions}
        found[alarm.default_name] = _shape(
            alarm.metric, alarm.statistic, dimensions, alarm.threshold, alarm.period,
            alarm.evaluation_periods, alarm.datapoints_to_alarm, alarm.treat_missing_data,
            alarm.description, dict(alarm.tags))
    return found


def _take(found: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(found) - known - {"__is_block__"})
    if unknown:
        raise UnknownConstructError(f"{where}: {unknown} not understood by alarm_shapes.py")


def _s(value: Any) -> str:
    assert isinstance(value, str) and value.startswith('"') and value.endswith('"'), value
    return hcl_string(value)


def hcl_alarm_shapes(module: Path) -> dict[str, Shape]:
    """Alarms of a generated Terraform module, by default alarm name."""
    documents = load_hcl(module)
    default_names: dict[str, str] = {}
    entries: dict[str, Any] = {}
    resources = []
    for document in documents.values():
        for block in document.get("locals", []):
            for key, value in block.get("default_table_names", {}).items():
                default_names[key] = _s(value)
            entries.update(block.get("alarms", {}))
        for block in document.get("resource", []):
            for kind, named in block.items():
                if hcl_string(kind) == "aws_cloudwatch_metric_alarm":
                    resources += list(named.values())
    assert len(resources) == 1 and resources[0] == _HCL_RESOURCE, resources
    found: dict[str, Shape] = {}
    for key, entry in entries.items():
        _take(entry, _HCL_ENTRY, f"local.alarms[{key}]")
        table = _TABLE_NAMED.match(entry["name"])
        account = _ACCOUNT_NAMED.match(entry["name"])
        assert table or account, entry["name"]
        name = default_names[table.group(1)] + table.group(2) if table else account.group(1)  # type: ignore[union-attr]
        dimensions = {}
        for dimension, value in entry["dimensions"].items():
            reference = _TABLE_REF.match(str(value))
            dimensions[dimension] = default_names[reference.group(1)] if reference else _s(value)
        found[name] = _shape(
            _s(entry["metric"]), _s(entry["statistic"]), dimensions, entry["threshold"],
            entry["period"], entry["evaluation_periods"], entry["datapoints_to_alarm"],
            _s(entry["treat_missing_data"]), _s(entry["description"]),
            {hcl_string(k): _s(v) for k, v in entry["tags"].items()})
    return found


def cfn_alarm_shapes(template: Mapping[str, Any]) -> dict[str, Shape]:
    """Alarms (AWS::CloudWatch::Alarm) of a generated template, by default alarm name."""
    resources = template["Resources"]
    tables = {logical_id: cfn_default_name(resource["Properties"]["TableName"])
              for logical_id, resource in resources.items()
              if resource["Type"] in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")}
    found: dict[str, Shape] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        properties = resource["Properties"]
        _take(properties, _CFN_PROPERTIES, f"{logical_id}.Properties")
        assert properties["Namespace"] == "AWS/DynamoDB", logical_id
        assert properties["ComparisonOperator"] == "GreaterThanThreshold", logical_id
        assert properties["AlarmActions"] == properties["OKActions"] == _CFN_ACTIONS, logical_id
        pattern, variables = properties["AlarmName"]["Fn::Sub"]
        if pattern == "${Table}${Part}":
            name = tables[variables["Table"]["Ref"]] + variables["Part"]
        else:
            assert pattern == "${NamePrefix}${Part}${NameSuffix}", pattern
            name = variables["Part"]
        dimensions = {d["Name"]: tables[d["Value"]["Ref"]] if isinstance(d["Value"], dict)
                      else d["Value"] for d in properties["Dimensions"]}
        found[name] = _shape(
            properties["MetricName"], properties["Statistic"], dimensions,
            properties["Threshold"], properties["Period"], properties["EvaluationPeriods"],
            properties["DatapointsToAlarm"], properties["TreatMissingData"],
            properties["AlarmDescription"],
            {t["Key"]: t["Value"] for t in properties.get("Tags", [])})
    return found


def live_alarm_shapes(
    cloudwatch: Any, prefix: str
) -> tuple[dict[str, Shape], set[tuple[str, ...]]]:
    """The alarms the emulator holds whose names start with ``prefix``, by default name (the
    prefix taken off), and the set of (alarm actions, OK actions) they carry."""
    found: dict[str, Shape] = {}
    actions: set[tuple[str, ...]] = set()
    pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix)
    for alarm in (a for page in pages for a in page["MetricAlarms"]):
        assert alarm["Namespace"] == "AWS/DynamoDB" and alarm["ComparisonOperator"] == (
            "GreaterThanThreshold"), alarm["AlarmName"]
        tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
        dimensions = {d["Name"]: d["Value"].removeprefix(prefix) if d["Name"] == "TableName"
                      else d["Value"] for d in alarm["Dimensions"]}
        name = alarm["AlarmName"].removeprefix(prefix)
        found[name] = _shape(
            alarm["MetricName"], alarm["Statistic"], dimensions, alarm["Threshold"],
            alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"],
            alarm["TreatMissingData"], alarm["AlarmDescription"],
            {t["Key"]: t["Value"] for t in tags})
        actions.add((*alarm["AlarmActions"], "|", *alarm["OKActions"]))
    return found, actions
