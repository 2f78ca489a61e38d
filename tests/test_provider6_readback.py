"""Provider target 6 output read back from an emulator: the CloudFormation stack of the
provider6 golden case in moto, and boto3 CreateTable requests made from its Terraform values
(there is no 6.x provider here to apply them). Both give the tables of the model: the
multi-attribute index keys in order, and the warm throughput.

moto's limits, measured with moto 5.2: it keeps a GSI KeySchema of several HASH and RANGE
elements and answers queries on it, refusing one that leaves out a partition attribute or
skips a sort attribute, as DynamoDB does; it keeps WarmThroughput as given, with status
ACTIVE, and reports a default for what is not given (12000 and 4000 on demand, the capacity
when provisioned), as DynamoDB does; but it accepts a decrease in UpdateTable, which DynamoDB
refuses, so plan's P121 (and the Terraform replacement of a table whose warm throughput
decreases) cannot be shown on it. CloudWatch alarms are left out of the stack: moto's
CloudFormation does not build them (tests/test_deploy_cloudformation.py reads them back
another way).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from generator.attribute_values import to_boto3_item
from generator.model import GlobalSecondaryIndex, Table
from generator.pipeline import load_project
from generator.render import CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR
from tests.conftest import REPO
from tests.helpers import hcl_string
from tests.support.emulator import client, fake_aws_environment
from tests.support.shapes import dynamodb_resources, load_hcl, load_template

# One stack and its tables in moto take seconds.
pytestmark = pytest.mark.slow
CASE = REPO / "tests" / "golden" / "provider6"
PROJECT = load_project(CASE / "input")
# The tables that are not global: the global table of the case is there for the replica
# arguments of the Terraform module, which the 6.x schema check covers.
TABLES = {table.key: table for table in PROJECT.tables if not table.is_global}
FROM_TERRAFORM = "tf-"


def _cloudformation_tables() -> dict[str, Any]:
    """The golden template with only its tables (and the parameters they read)."""
    template = load_template(CASE / "expected" / CLOUDFORMATION_TEMPLATE)
    resources = {k: r for k, r in template["Resources"].items()
                 if r["Type"] == "AWS::DynamoDB::Table"}
    return {"Parameters": template["Parameters"], "Conditions": template["Conditions"],
            "Resources": resources}


def _warm(blocks: list[dict[str, Any]] | None) -> dict[str, dict[str, int]]:
    if not blocks:
        return {}
    (block,) = blocks
    return {"WarmThroughput": {
        name: block[key] for name, key in (("ReadUnitsPerSecond", "read_units_per_second"),
                                           ("WriteUnitsPerSecond", "write_units_per_second"))
        if key in block}}


def _create_table_request(name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """A CreateTable request with the values of a generated aws_dynamodb_table."""
    text = hcl_string
    schema = [{"AttributeName": text(body["hash_key"]), "KeyType": "HASH"}]
    if "range_key" in body:
        schema.append({"AttributeName": text(body["range_key"]), "KeyType": "RANGE"})
    request: dict[str, Any] = {
        "TableName": name, "BillingMode": text(body["billing_mode"]), "KeySchema": schema,
        "AttributeDefinitions": [{"AttributeName": text(a["name"]),
                                  "AttributeType": text(a["type"])} for a in body["attribute"]],
        **_warm(body.get("warm_throughput")),
    }
    if "read_capacity" in body:
        request["ProvisionedThroughput"] = {"ReadCapacityUnits": body["read_capacity"],
                                            "WriteCapacityUnits": body["write_capacity"]}
    if "global_secondary_index" in body:
        request["GlobalSecondaryIndexes"] = [
            {"IndexName": text(index["name"]),
             "KeySchema": [{"AttributeName": text(k["attribute_name"]),
                            "KeyType": text(k["key_type"])} for k in index["key_schema"]],
             "Projection": {"ProjectionType": text(index["projection_type"])},
             **_warm(index.get("warm_throughput"))}
            for index in body["global_secondary_index"]]
    if "local_secondary_index" in body:
        request["LocalSecondaryIndexes"] = [
            {"IndexName": text(index["name"]),
             "KeySchema": [*schema[:1], {"AttributeName": text(index["range_key"]),
                                         "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": text(index["projection_type"])}}
            for index in body["local_secondary_index"]]
    return request


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    """One emulator for the module: the stack's tables, and the same tables made with
    CreateTable from the Terraform values under the prefix ``tf-``."""
    from moto import mock_aws

    with fake_aws_environment(), mock_aws():
        cloudformation, dynamodb = client("cloudformation"), client("dynamodb")
        cloudformation.create_stack(StackName="provider6",
                                    TemplateBody=json.dumps(_cloudformation_tables()))
        status = cloudformation.describe_stacks(StackName="provider6")["Stacks"][0]
        assert status["StackStatus"] == "CREATE_COMPLETE", status
        resources = dynamodb_resources(load_hcl(CASE / "expected" / TERRAFORM_DIR))
        for key, body in resources.items():
            if key not in TABLES:
                continue
            dynamodb.create_table(**_create_table_request(FROM_TERRAFORM + TABLES[key].name,
                                                          body))
        yield dynamodb


def _index_shape(index: GlobalSecondaryIndex) -> dict[str, Any]:
    schema = [{"AttributeName": k.name, "KeyType": "HASH"} for k in index.partition_keys]
    schema += [{"AttributeName": k.name, "KeyType": "RANGE"} for k in index.sort_keys]
    warm = index.warm_throughput
    return {"KeySchema": schema, "WarmThroughput": {
        name: value for name, value in (
            ("ReadUnitsPerSecond", warm and warm.read_units_per_second),
            ("WriteUnitsPerSecond", warm and warm.write_units_per_second)) if value}}


def _live_shape(described: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    """What both engines must give: key schemas, attribute types and the warm throughput the
    table file sets (DynamoDB, and moto, report their own value for the others)."""
    def warm(place: dict[str, Any], index: str | None = None) -> dict[str, int]:
        wanted = (model["GlobalSecondaryIndexes"].get(index, {}) if index else model).get(
            "WarmThroughput", {})
        return {k: v for k, v in place.get("WarmThroughput", {}).items() if k in wanted}

    return {
        "KeySchema": described["KeySchema"],
        "AttributeDefinitions": sorted(described["AttributeDefinitions"],
                                       key=lambda a: a["AttributeName"]),
        "WarmThroughput": warm(described),
        "GlobalSecondaryIndexes": {
            g["IndexName"]: {"KeySchema": g["KeySchema"],
                             "WarmThroughput": warm(g, g["IndexName"])}
            for g in described.get("GlobalSecondaryIndexes", [])},
    }


def _model_shape(table: Table) -> dict[str, Any]:
    schema = [{"AttributeName": table.partition_key.name, "KeyType": "HASH"}]
    if table.sort_key:
        schema.append({"AttributeName": table.sort_key.name, "KeyType": "RANGE"})
    warm = table.warm_throughput
    return {
        "KeySchema": schema,
        "AttributeDefinitions": sorted(
            ({"AttributeName": a.name, "AttributeType": a.type}
             for a in table.attribute_definitions), key=lambda a: a["AttributeName"]),
        "WarmThroughput": {name: value for name, value in (
            ("ReadUnitsPerSecond", warm and warm.read_units_per_second),
            ("WriteUnitsPerSecond", warm and warm.write_units_per_second)) if value},
        "GlobalSecondaryIndexes": {
            g.name: _index_shape(g) for g in table.global_secondary_indexes},
    }


@pytest.mark.parametrize("key", sorted(TABLES))
def test_both_formats_read_back_as_the_model(dynamodb: Any, key: str) -> None:
    table = TABLES[key]
    stack = dynamodb.describe_table(TableName=table.name)["Table"]
    terraform = dynamodb.describe_table(TableName=FROM_TERRAFORM + table.name)["Table"]
    model = _model_shape(table)
    assert _live_shape(stack, model) == model
    assert _live_shape(terraform, model) == model


def test_the_golden_case_uses_multi_attribute_keys_and_warm_throughput() -> None:
    assert any(g.multi_attribute for t in PROJECT.tables for g in t.global_secondary_indexes)
    assert any(t.warm_throughput for t in PROJECT.tables)


def _put_examples(dynamodb: Any, table: Table, name: str) -> None:
    for example in table.usage.examples:
        dynamodb.put_item(TableName=name, Item=to_boto3_item(example.item))


def _query(dynamodb: Any, name: str, index: str, key: dict[str, Any], last: str = "EQ"
           ) -> list[str]:
    names = list(key)
    parts = [f"#{n} = :{n}" for n in names[:-1]]
    final = names[-1]
    parts.append(f"begins_with(#{final}, :{final})" if last == "BEGINS_WITH"
                 else f"#{final} = :{final}")
    found = dynamodb.query(
        TableName=name, IndexName=index, KeyConditionExpression=" AND ".join(parts),
        ExpressionAttributeNames={f"#{n}": n for n in names},
        ExpressionAttributeValues={f":{n}": v for n, v in key.items()})
    return [item["match_id"]["S"] for item in found["Items"]]


@pytest.mark.parametrize("prefix", ["", FROM_TERRAFORM], ids=["cloudformation", "terraform"])
def test_a_multi_attribute_index_serves_its_patterns(dynamodb: Any, prefix: str) -> None:
    table = TABLES["matches"]
    name = prefix + table.name
    _put_examples(dynamodb, table, name)
    emea = {"tournament_id": {"S": "world-cup"}, "region": {"S": "emea"}, "round": {"N": "2"}}
    assert _query(dynamodb, name, "by-tournament", emea) == ["m-0003", "m-0002"]
    upper = {**emea, "bracket": {"S": "upper"}}
    assert _query(dynamodb, name, "by-tournament", upper, "BEGINS_WITH") == ["m-0002"]


def test_the_emulator_refuses_a_query_that_leaves_out_a_partition_attribute(
    dynamodb: Any,
) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="missed key schema element: region"):
        _query(dynamodb, TABLES["matches"].name, "by-tournament",
               {"tournament_id": {"S": "world-cup"}})
