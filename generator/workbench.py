"""`export --format nosql-workbench`: the table files as a NoSQL Workbench data model, so a
design can go back to the modeler (and come back with `adopt --nosql-workbench`).

A data model holds keys, global secondary indexes, billing and capacity; a table's queries
become facets with the examples they return, and every example is a sample item. Every other
setting a table file has is listed in the notes, table by table, so nothing is dropped without
a word.
"""

from __future__ import annotations

from typing import Any

from generator.attribute_values import Item
from generator.json_printer import pretty_json
from generator.model import KeyAttribute, Project, Scaling, Table
from generator.patterns import AccessPattern
from generator.validate import table_schema

MODEL_VERSION = "3.0"
_SERVICE_ROLE = "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"


def _key(attribute: KeyAttribute) -> dict[str, str]:
    return {"AttributeName": attribute.name, "AttributeType": attribute.type}


def _keys(partition: KeyAttribute, sort: KeyAttribute | None) -> dict[str, Any]:
    keys = {"PartitionKey": _key(partition)}
    if sort is not None:
        keys["SortKey"] = _key(sort)
    return keys


def _scaling(scaling: Scaling) -> dict[str, Any]:
    return {
        "ScalableTargetRequest": {"MinCapacity": scaling.min, "MaxCapacity": scaling.max,
                                  "ServiceRole": _SERVICE_ROLE},
        "ScalingPolicyConfiguration": {"TargetValue": scaling.target_utilization},
    }


def _not_exported(table: Table) -> list[str]:
    """The settings of the table file that a data model has no place for."""
    found = [
        ("local secondary indexes", bool(table.local_secondary_indexes)),
        ("index capacity and autoscaling", any(
            g.capacity or g.autoscaling for g in table.global_secondary_indexes)),
        ("TTL", bool(table.ttl_attribute)), ("stream", bool(table.stream_view_type)),
        ("table class",
         table.table_class != table_schema()["properties"]["table_class"]["default"]),
        ("encryption", table.encryption_stated),
        ("point-in-time recovery", True), ("deletion protection", True),
        ("on-demand throughput", bool(table.on_demand_throughput)),
        ("replicas", bool(table.replicas)), ("Contributor Insights", table.contributor_insights),
        ("Kinesis stream", bool(table.kinesis_stream_arn)),
        ("resource policy", bool(table.resource_policy)),
        ("S3 import", bool(table.import_source)), ("tags", bool(table.tags)),
        ("access roles", bool(table.access_roles)),
        ("environment variable", bool(table.environment_variable)),
        ("description", bool(table.description)),
        ("access patterns other than queries of the table", len(_facet_patterns(table))
         < len(table.usage.patterns)),
        ("the key conditions, filters and order of access patterns (facets are views)",
         bool(_facet_patterns(table))),
    ]
    return [name for name, present in found if present]


def _facet_patterns(table: Table) -> list[AccessPattern]:
    """The patterns a facet can show: queries of the table itself (a facet is a view of the
    table's items by its key, so an index's query or any other operation has no facet)."""
    return [p for p in table.usage.patterns if p.operation == "query" and p.index is None]


def _facet(table: Table, pattern: AccessPattern) -> dict[str, Any]:
    alias = {"PartitionKeyAlias": table.partition_key.name}
    if table.sort_key is not None:
        alias["SortKeyAlias"] = table.sort_key.name
    returned = table.usage.returned(pattern)
    return {
        "FacetName": pattern.name,
        "KeyAttributeAlias": alias,
        "TableData": [_item(e.item) for e in returned],
        "NonKeyAttributes": sorted({name for e in returned for name, _ in e.item}
                                   - {table.partition_key.name}
                                   - ({table.sort_key.name} if table.sort_key else set())),
        "DataAccess": {"MySql": {}},
    }


def _item(item: Item) -> dict[str, Any]:
    return {name: value.to_json() for name, value in item}


def _table(table: Table) -> dict[str, Any]:
    keys = {table.partition_key.name} | ({table.sort_key.name} if table.sort_key else set())
    entry: dict[str, Any] = {
        "TableName": table.name,
        "KeyAttributes": _keys(table.partition_key, table.sort_key),
        # Index keys are the table's non-key attributes; only key attributes have a type here.
        "NonKeyAttributes": [_key(a) for a in table.attribute_definitions if a.name not in keys],
    }
    if table.global_secondary_indexes:
        entry["GlobalSecondaryIndexes"] = [
            {"IndexName": g.name, "KeyAttributes": _keys(g.partition_key, g.sort_key),
             "Projection": {"ProjectionType": g.projection.type}
             | ({"NonKeyAttributes": list(g.projection.non_key_attributes)}
                if g.projection.non_key_attributes else {})}
            for g in table.global_secondary_indexes
        ]
    entry["TableFacets"] = [_facet(table, p) for p in _facet_patterns(table)]
    entry["TableData"] = [_item(e.item) for e in table.usage.examples]
    entry["DataAccess"] = {"MySql": {}}
    entry["BillingMode"] = table.billing_mode
    if table.capacity is not None:
        settings: dict[str, Any] = {"ProvisionedThroughput": {
            "ReadCapacityUnits": table.capacity.read,
            "WriteCapacityUnits": table.capacity.write}}
        if table.autoscaling and table.autoscaling.read:
            settings["AutoScalingRead"] = _scaling(table.autoscaling.read)
        if table.autoscaling and table.autoscaling.write:
            settings["AutoScalingWrite"] = _scaling(table.autoscaling.write)
        entry["ProvisionedCapacitySettings"] = settings
    return entry


def export(project: Project, name: str) -> tuple[str, list[str]]:
    """The data model's JSON text, and one note per table on what it leaves out."""
    model = {
        "ModelName": name,
        "ModelMetadata": {"Author": "dynamodb-schema-generator", "AWSService": "Amazon DynamoDB",
                          "Description": "Exported from the table files.",
                          "Version": MODEL_VERSION},
        "DataModel": [_table(t) for t in project.tables],
    }
    notes = []
    for table in project.tables:
        missing = _not_exported(table)
        typeless = sorted({a for g in table.global_secondary_indexes
                           for a in g.projection.non_key_attributes})
        if typeless:
            missing.append("a type for the INCLUDE attributes " + ", ".join(typeless))
        multi = [g.name for g in table.global_secondary_indexes if g.multi_attribute]
        if multi:
            missing.append("all but the first attribute of the multi-attribute keys of "
                           + ", ".join(multi))
        notes.append(f"{table.source}: not in the data model: {', '.join(missing)}")
    return pretty_json(model, end="\n"), notes
