"""One normalized description ("shape") per table, from the model, the generated HCL, the
generated CloudFormation JSON and a live table read back with boto3.

Comparing shapes is how the tests prove that both formats, and what the emulator built from
them, describe the same tables. Every reader refuses arguments it does not know, so a new
feature in a template cannot slip past the comparison unnoticed.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import hcl2

from generator.model import Project, Table
from tests.helpers import hcl_string
from tests.support.capabilities import (
    TERRAFORM_ONLY,
    cfn_autoscaling,
    cfn_global_table_capabilities,
    cfn_table_capabilities,
    hcl_capabilities,
    model_capabilities,
)

Shape = dict[str, Any]
Key = tuple[str, str | None]

# Shape fields that only a template can carry: the emulator has no API that returns them.
# Shape fields the deploy tests do not read back: "retain" has no API, and the capabilities
# are deployed by tests/test_deploy_capabilities.py, not here.
TEMPLATE_ONLY = frozenset({"retain", "capabilities"})


def _sorted_indexes(indexes: list[Shape]) -> tuple[Shape, ...]:
    return tuple(sorted(indexes, key=lambda index: str(index["name"])))


def model_shape(table: Table) -> Shape:
    """What the YAML file asks for, in the common vocabulary."""

    def key(attribute: Any) -> Key | None:
        return (attribute.name, attribute.type) if attribute is not None else None

    def capacity(value: Any) -> tuple[int, int] | None:
        return (value.read, value.write) if value is not None else None

    encryption = table.encryption
    return {
        "name": table.name,
        "billing_mode": table.billing_mode,
        "capacity": capacity(table.capacity),
        "attributes": tuple(sorted((a.name, a.type) for a in table.attribute_definitions)),
        "partition_key": key(table.partition_key),
        "sort_key": key(table.sort_key),
        "gsis": _sorted_indexes([
            {
                "name": g.name,
                "partition_key": key(g.partition_key),
                "sort_key": key(g.sort_key),
                "projection": g.projection.type,
                "non_key_attributes": tuple(sorted(g.projection.non_key_attributes)),
                "capacity": capacity(g.capacity),
            }
            for g in table.global_secondary_indexes
        ]),
        "lsis": _sorted_indexes([
            {
                "name": i.name,
                "sort_key": key(i.sort_key),
                "projection": i.projection.type,
                "non_key_attributes": tuple(sorted(i.projection.non_key_attributes)),
            }
            for i in table.local_secondary_indexes
        ]),
        "ttl_attribute": table.ttl_attribute,
        "stream_view_type": table.stream_view_type,
        "table_class": table.table_class,
        "encryption": (encryption.type, encryption.kms_key_arn),
        "point_in_time_recovery": table.point_in_time_recovery,
        "deletion_protection": table.deletion_protection,
        "retain": table.deletion_protection,
        "tags": dict(table.tags),
        "capabilities": model_capabilities(table),
    }


def project_shapes(project: Project, terraform: bool = True) -> dict[str, Shape]:
    """Model shapes by default table name; without the Terraform-only capabilities for
    CloudFormation."""
    shapes = {table.name: model_shape(table) for table in project.tables}
    if not terraform:
        for shape in shapes.values():
            for key in TERRAFORM_ONLY:
                del shape["capabilities"][key]
    return shapes


class UnknownConstructError(AssertionError):
    """The generated code holds something these readers do not compare yet."""


def _take(found: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(found) - known - {"__is_block__", "__comments__"})
    if unknown:
        raise UnknownConstructError(
            f"{where}: {unknown} not understood by tests/support/shapes.py; teach it, so that "
            "both formats are compared on it"
        )


# ---- HCL ------------------------------------------------------------------------------------

_TABLE_NAME = re.compile(r'^\$\{local\.table_names\["([A-Za-z0-9_]+)"\]\}$')
_MERGED_TAGS = re.compile(r"^\$\{merge\(var\.tags, (\{.*\})\)\}$", re.DOTALL)
_HCL_RESOURCE_KEYS = {
    "name", "billing_mode", "read_capacity", "write_capacity", "hash_key", "range_key",
    "table_class", "stream_enabled", "stream_view_type", "deletion_protection_enabled",
    "attribute", "global_secondary_index", "local_secondary_index", "ttl",
    "point_in_time_recovery", "server_side_encryption", "tags", "lifecycle",
    "on_demand_throughput", "replica", "import_table", "timeouts",
}


def _s(value: Any) -> str:
    """A quoted HCL string literal's value; anything else (an expression) fails."""
    if not (isinstance(value, str) and value.startswith('"') and value.endswith('"')):
        raise AssertionError(f"expected a string literal, found {value!r}")
    return hcl_string(value)


def _blocks(resource: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    blocks = resource.get(name, [])
    assert isinstance(blocks, list), f"{name} must be a block, found {blocks!r}"
    for block in blocks:
        assert block.get("__is_block__") is True, f"{name} must be a block, not an argument"
    return blocks


def _one_block(resource: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    blocks = _blocks(resource, name)
    assert len(blocks) <= 1, f"{name} appears {len(blocks)} times"
    return blocks[0] if blocks else None


def _hcl_tags(value: Any) -> dict[str, str]:
    if value == "${var.tags}":
        return {}
    match = _MERGED_TAGS.match(str(value))
    assert match, f"tags must be var.tags or merge(var.tags, {{...}}), found {value!r}"
    parsed = hcl2.loads(f"tags = {match.group(1)}\n")["tags"]
    return {hcl_string(k): _s(v) for k, v in parsed.items()}


def load_hcl(module: Path) -> dict[str, Any]:
    """Every ``.tf`` file of a module, parsed by python-hcl2, by file name."""
    documents: dict[str, Any] = {}
    for path in sorted(module.glob("*.tf")):
        with path.open(encoding="utf-8") as handle:
            documents[path.name] = hcl2.load(handle)
    return documents


def dynamodb_resources(documents: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every aws_dynamodb_table resource body, by resource name."""
    found: dict[str, Mapping[str, Any]] = {}
    for document in documents.values():
        for resource in document.get("resource", []):
            for kind, named in resource.items():
                if hcl_string(kind) != "aws_dynamodb_table":
                    continue
                for name, body in named.items():
                    found[hcl_string(name)] = body
    return found


def hcl_shapes(module: Path) -> dict[str, Shape]:
    """Shapes of every table in a generated Terraform module, by default table name."""
    documents = load_hcl(module)
    default_names: dict[str, str] = {}
    for document in documents.values():
        for block in document.get("locals", []):
            for key, value in block.get("default_table_names", {}).items():
                default_names[key] = _s(value)
    shapes: dict[str, Shape] = {}
    tables = dynamodb_resources(documents)
    names: dict[str, str] = {}
    for resource_name, body in tables.items():
        where = f"aws_dynamodb_table.{resource_name}"
        _take(body, _HCL_RESOURCE_KEYS, where)
        match = _TABLE_NAME.match(str(body["name"]))
        assert match, f"{where}: name must come from local.table_names, found {body['name']!r}"
        name = default_names[match.group(1)]
        names[resource_name] = name
        attributes: dict[str, str] = {}
        for attribute in _blocks(body, "attribute"):
            _take(attribute, {"name", "type"}, f"{where}.attribute")
            attributes[_s(attribute["name"])] = _s(attribute["type"])

        key = functools.partial(_hcl_key, attributes=attributes)
        capacity = _hcl_capacity
        gsis = []
        for index in _blocks(body, "global_secondary_index"):
            _take(index, {"name", "hash_key", "range_key", "projection_type",
                          "non_key_attributes", "read_capacity", "write_capacity",
                          "on_demand_throughput"},
                  f"{where}.global_secondary_index")
            gsis.append({
                "name": _s(index["name"]),
                "partition_key": key(index["hash_key"]),
                "sort_key": key(index.get("range_key")),
                "projection": _s(index["projection_type"]),
                "non_key_attributes": tuple(sorted(
                    _s(a) for a in index.get("non_key_attributes", []))),
                "capacity": capacity(index),
            })
        lsis = []
        for index in _blocks(body, "local_secondary_index"):
            _take(index, {"name", "range_key", "projection_type", "non_key_attributes"},
                  f"{where}.local_secondary_index")
            lsis.append({
                "name": _s(index["name"]),
                "sort_key": key(index["range_key"]),
                "projection": _s(index["projection_type"]),
                "non_key_attributes": tuple(sorted(
                    _s(a) for a in index.get("non_key_attributes", []))),
            })
        ttl = _one_block(body, "ttl")
        if ttl is not None:
            _take(ttl, {"attribute_name", "enabled"}, f"{where}.ttl")
            assert ttl["enabled"] is True, f"{where}: a ttl block must enable TTL"
        pitr = _one_block(body, "point_in_time_recovery")
        assert pitr is not None, f"{where}: point_in_time_recovery must be explicit"
        _take(pitr, {"enabled", "recovery_period_in_days"}, f"{where}.point_in_time_recovery")
        sse = _one_block(body, "server_side_encryption")
        assert sse is not None, f"{where}: server_side_encryption must be explicit"
        _take(sse, {"enabled", "kms_key_arn"}, f"{where}.server_side_encryption")
        lifecycle = _one_block(body, "lifecycle") or {}
        _take(lifecycle, {"prevent_destroy", "ignore_changes"}, f"{where}.lifecycle")
        stream_enabled = body["stream_enabled"]
        assert stream_enabled is ("stream_view_type" in body), f"{where}: stream settings disagree"
        shapes[name] = {
            "name": name,
            "billing_mode": _s(body["billing_mode"]),
            "capacity": capacity(body),
            "attributes": tuple(sorted(attributes.items())),
            "partition_key": key(body["hash_key"]),
            "sort_key": key(body.get("range_key")),
            "gsis": _sorted_indexes(gsis),
            "lsis": _sorted_indexes(lsis),
            "ttl_attribute": _s(ttl["attribute_name"]) if ttl else None,
            "stream_view_type": _s(body["stream_view_type"]) if stream_enabled else None,
            "table_class": _s(body["table_class"]),
            "encryption": _hcl_encryption(sse),
            "point_in_time_recovery": pitr["enabled"],
            "deletion_protection": body["deletion_protection_enabled"],
            "retain": lifecycle.get("prevent_destroy", False),
            "tags": _hcl_tags(body.get("tags")),
        }
    others = [(hcl_string(kind), hcl_string(name), body)
              for document in documents.values() for block in document.get("resource", [])
              for kind, named in block.items() for name, body in named.items()
              if hcl_string(kind) != "aws_dynamodb_table"]
    locals_ = {k: v for document in documents.values() for block in document.get("locals", [])
               for k, v in block.items()}
    for key, capabilities in hcl_capabilities(tables, others, locals_, _s).items():
        shapes[names[key]]["capabilities"] = capabilities
    return shapes


def _hcl_key(value: Any, attributes: Mapping[str, str]) -> Key | None:
    """A key attribute by name, with its type from the attribute blocks."""
    if value is None:
        return None
    attribute = _s(value)
    return (attribute, attributes.get(attribute))


# A scaled index dimension: the live capacity, or the table file's when the table is new.
_SCALED_CAPACITY = re.compile(
    r"\$\{try\(local\.scaled_index_capacity\[[^]]+\]\[[^]]+\]\.(?:read|write), (\d+)\)\}")


def _capacity_units(value: Any) -> int:
    scaled = _SCALED_CAPACITY.fullmatch(str(value))
    return int(scaled.group(1) if scaled else value)


def _hcl_capacity(block: Mapping[str, Any]) -> tuple[int, int] | None:
    if "read_capacity" not in block and "write_capacity" not in block:
        return None
    return (_capacity_units(block["read_capacity"]), _capacity_units(block["write_capacity"]))


def _hcl_encryption(sse: Mapping[str, Any]) -> tuple[str, str | None]:
    if sse["enabled"] is False:
        assert "kms_key_arn" not in sse, "a key ARN with encryption off"
        return ("aws_owned", None)
    arn = sse.get("kms_key_arn")
    if arn is None:
        return ("aws_managed", None)
    if arn == "${var.kms_key_arn}":
        return ("aws_managed", None)  # the deployment's key, or AWS-managed when null
    return ("customer_managed", _s(arn))


# ---- CloudFormation -------------------------------------------------------------------------

_CFN_PROPERTIES = {
    "TableName", "BillingMode", "ProvisionedThroughput", "AttributeDefinitions", "KeySchema",
    "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "TimeToLiveSpecification",
    "StreamSpecification", "TableClass", "SSESpecification", "PointInTimeRecoverySpecification",
    "Tags", "DeletionProtectionEnabled", "OnDemandThroughput", "ContributorInsightsSpecification",
    "KinesisStreamSpecification", "ResourcePolicy", "ImportSourceSpecification",
}
_CFN_GLOBAL_PROPERTIES = {
    "TableName", "BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes", "TimeToLiveSpecification", "StreamSpecification",
    "SSESpecification", "WriteOnDemandThroughputSettings", "Replicas",
}
_CFN_REPLICA_PROPERTIES = {
    "Region", "PointInTimeRecoverySpecification", "SSESpecification",
    "ContributorInsightsSpecification", "ReadOnDemandThroughputSettings",
    "GlobalSecondaryIndexes", "Tags", "TableClass", "DeletionProtectionEnabled",
    "KinesisStreamSpecification", "ResourcePolicy",
}
_DEPLOYMENT_REPLICA_KEY = {"Fn::If": ["HasKmsKeyArn", {"KMSMasterKeyId": {"Ref": "KmsKeyArn"}},
                                      {"Ref": "AWS::NoValue"}]}
_DEPLOYMENT_KEY = {"Fn::If": ["HasKmsKeyArn", {"Ref": "KmsKeyArn"}, {"Ref": "AWS::NoValue"}]}


def cfn_default_name(table_name: Any) -> str:
    """The name a table gets without a prefix or suffix: the name its ``Fn::Sub`` puts
    between ``NamePrefix`` and ``NameSuffix``."""
    text, variables = table_name["Fn::Sub"]
    assert text == "${NamePrefix}${Name}${NameSuffix}" and list(variables) == ["Name"], table_name
    name = variables["Name"]
    assert isinstance(name, str)
    return name


def description_shape(properties: Mapping[str, Any], ttl: Mapping[str, Any] | None,
                      pitr: bool | None, tags: Mapping[str, str], name: str) -> Shape:
    """Shape of a CreateTable-style description: CloudFormation properties and describe_table
    use the same key schema, index and projection structures."""
    attributes = {a["AttributeName"]: a["AttributeType"]
                  for a in properties["AttributeDefinitions"]}

    def keys(schema: list[Mapping[str, str]]) -> tuple[Key | None, Key | None]:
        by_type = {k["KeyType"]: k["AttributeName"] for k in schema}
        assert set(by_type) <= {"HASH", "RANGE"} and len(by_type) == len(schema), schema
        hash_key, range_key = by_type.get("HASH"), by_type.get("RANGE")
        return ((hash_key, attributes.get(hash_key)) if hash_key else None,
                (range_key, attributes.get(range_key)) if range_key else None)

    def capacity(throughput: Mapping[str, Any] | None) -> tuple[int, int] | None:
        if not throughput or not throughput.get("ReadCapacityUnits"):
            return None
        return (int(throughput["ReadCapacityUnits"]), int(throughput["WriteCapacityUnits"]))

    def projection(index: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
        value = index["Projection"]
        return value["ProjectionType"], tuple(sorted(value.get("NonKeyAttributes", [])))

    gsis = []
    for index in properties.get("GlobalSecondaryIndexes", []):
        partition, sort = keys(index["KeySchema"])
        kind, non_key = projection(index)
        gsis.append({"name": index["IndexName"], "partition_key": partition, "sort_key": sort,
                     "projection": kind, "non_key_attributes": non_key,
                     "capacity": capacity(index.get("ProvisionedThroughput"))})
    lsis = []
    table_partition, table_sort = keys(properties["KeySchema"])
    for index in properties.get("LocalSecondaryIndexes", []):
        partition, sort = keys(index["KeySchema"])
        assert partition == table_partition, f"LSI {index['IndexName']} partition key differs"
        kind, non_key = projection(index)
        lsis.append({"name": index["IndexName"], "sort_key": sort, "projection": kind,
                     "non_key_attributes": non_key})
    stream = properties.get("StreamSpecification") or {}
    return {
        "name": name,
        "billing_mode": properties.get("BillingMode", "PROVISIONED"),
        "capacity": capacity(properties.get("ProvisionedThroughput")),
        "attributes": tuple(sorted(attributes.items())),
        "partition_key": table_partition,
        "sort_key": table_sort,
        "gsis": _sorted_indexes(gsis),
        "lsis": _sorted_indexes(lsis),
        "ttl_attribute": ttl["AttributeName"] if ttl and ttl.get("Enabled") else None,
        "stream_view_type": stream.get("StreamViewType"),
        "table_class": properties.get("TableClass"),
        "point_in_time_recovery": pitr,
        "deletion_protection": properties.get("DeletionProtectionEnabled", False),
        "tags": dict(tags),
    }


def _flatten_global_table(logical_id: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    """An AWS::DynamoDB::GlobalTable's properties in AWS::DynamoDB::Table form: what lives on
    the primary replica (the stack's own region) moved up to the table."""
    _take(properties, _CFN_GLOBAL_PROPERTIES, f"{logical_id}.Properties")
    flat = {k: v for k, v in properties.items() if k != "Replicas"}
    for replica in properties["Replicas"]:
        _take(replica, _CFN_REPLICA_PROPERTIES, f"{logical_id}.Replicas")
        if replica["Region"] != {"Ref": "AWS::Region"}:
            continue
        for key in ("PointInTimeRecoverySpecification", "Tags", "TableClass",
                    "DeletionProtectionEnabled"):
            if key in replica:
                flat[key] = replica[key]
        sse = dict(properties["SSESpecification"])
        replica_key = replica.get("SSESpecification")
        if replica_key == _DEPLOYMENT_REPLICA_KEY:
            sse["KMSMasterKeyId"] = _DEPLOYMENT_KEY
        elif replica_key is not None:
            sse["KMSMasterKeyId"] = replica_key["KMSMasterKeyId"]
        flat["SSESpecification"] = sse
    return flat


def cfn_shapes(template: Mapping[str, Any]) -> dict[str, Shape]:
    """Shapes of every DynamoDB table (AWS::DynamoDB::Table or GlobalTable) in a generated
    template, by default table name."""
    shapes: dict[str, Shape] = {}
    scaling = cfn_autoscaling(template["Resources"])
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::DynamoDB::GlobalTable":
            properties = _flatten_global_table(logical_id, resource["Properties"])
            capabilities = cfn_global_table_capabilities(resource["Properties"])
        elif resource["Type"] == "AWS::DynamoDB::Table":
            properties = resource["Properties"]
            _take(properties, _CFN_PROPERTIES, f"{logical_id}.Properties")
            capabilities = cfn_table_capabilities(properties)
        else:
            continue
        capabilities["autoscaling"] = scaling.get(logical_id, {})
        for key in TERRAFORM_ONLY:
            del capabilities[key]
        name = cfn_default_name(properties["TableName"])
        tags = {t["Key"]: t["Value"] for t in properties.get("Tags", [])}
        pitr = properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
        shape = description_shape(properties, properties.get("TimeToLiveSpecification"), pitr,
                                  tags, name)
        policies = {resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")}
        assert len(policies) == 1, f"{logical_id}: DeletionPolicy and UpdateReplacePolicy differ"
        shape["retain"] = policies == {"Retain"}
        shape["encryption"] = _cfn_encryption(properties["SSESpecification"])
        shape["capabilities"] = capabilities
        shapes[name] = shape
    return shapes


def _cfn_encryption(sse: Mapping[str, Any]) -> tuple[str, str | None]:
    if sse["SSEEnabled"] is False:
        assert set(sse) == {"SSEEnabled"}, sse
        return ("aws_owned", None)
    assert sse.get("SSEType") == "KMS", sse
    key = sse.get("KMSMasterKeyId")
    if key is None or key == _DEPLOYMENT_KEY:
        return ("aws_managed", None)
    assert isinstance(key, str), f"unexpected KMSMasterKeyId {key!r}"
    return ("customer_managed", key)


def load_template(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


# ---- live tables (boto3) --------------------------------------------------------------------


def live_shape(client: Any, table_name: str, default_name: str) -> Shape:
    """What the emulator holds for one table, read back through the DynamoDB API.

    ``default_name`` is the name before prefix and suffix, so shapes compare with the model.
    """
    table = client.describe_table(TableName=table_name)["Table"]
    ttl = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    backups = client.describe_continuous_backups(TableName=table_name)
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    tags = client.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])
    properties = dict(table)
    properties["BillingMode"] = table.get("BillingModeSummary", {}).get(
        "BillingMode", "PROVISIONED")
    if properties["BillingMode"] == "PAY_PER_REQUEST":
        # describe_table reports zero capacity for on-demand tables and their indexes.
        properties.pop("ProvisionedThroughput", None)
        for index in properties.get("GlobalSecondaryIndexes", []):
            index.pop("ProvisionedThroughput", None)
    # None when the emulator keeps no table class (moto 5 drops it); the tests say so.
    properties["TableClass"] = table.get("TableClassSummary", {}).get("TableClass")
    stream = table.get("StreamSpecification") or {}
    properties["StreamSpecification"] = stream if stream.get("StreamEnabled") else None
    ttl_spec = ({"AttributeName": ttl["AttributeName"], "Enabled": True}
                if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") else None)
    shape = description_shape(
        properties, ttl_spec, pitr["PointInTimeRecoveryStatus"] == "ENABLED",
        {t["Key"]: t["Value"] for t in tags}, default_name)
    sse = table.get("SSEDescription") or {}
    if sse.get("Status") in ("ENABLED", "ENABLING"):
        shape["encryption"] = ("KMS", sse.get("KMSMasterKeyArn"))
    else:
        shape["encryption"] = ("aws_owned", None)
    return shape
