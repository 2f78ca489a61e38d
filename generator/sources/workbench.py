"""Reads a NoSQL Workbench data model (its JSON export, ``DataModel`` of tables): keys,
global secondary indexes, billing, capacity and autoscaling.

A data model is a design, not a deployment: it holds no encryption, recovery, protection,
TTL, stream or tags, so those take the table-file defaults. Its non-key attributes become the
table file's ``attributes`` where the table-file schema has them; facets (views of the modeler,
which do not say which operation or conditions a query uses) and sample items are named in
notes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.sources import (
    Adopted,
    SourceError,
    file_stem,
    projection,
    read_json,
    strip_affixes,
)
from generator.validate import table_schema


def load(path: Path) -> dict[str, Any]:
    document = read_json(path, "give a data model exported from NoSQL Workbench")
    if not isinstance(document, dict) or not isinstance(document.get("DataModel"), list):
        raise SourceError(f"{path}: not a NoSQL Workbench data model (no DataModel list)")
    return document


def _key(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw.get("AttributeName") \
            or raw.get("AttributeType") not in ("S", "N", "B"):
        raise SourceError(f"{where}: a key needs AttributeName and AttributeType S, N or B")
    return {"name": raw["AttributeName"], "type": raw["AttributeType"]}


def _scaling(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or "ScalableTargetRequest" not in raw:
        return None
    target = raw["ScalableTargetRequest"]
    entry: dict[str, Any] = {"min": target["MinCapacity"], "max": target["MaxCapacity"]}
    value = (raw.get("ScalingPolicyConfiguration") or {}).get("TargetValue")
    if value is not None:
        entry["target_utilization"] = int(value) if float(value).is_integer() else value
    return entry


def _table(raw: dict[str, Any], origin: str, prefix: str, suffix: str) -> Adopted:
    name = raw.get("TableName")
    if not isinstance(name, str) or not name:
        raise SourceError(f"{origin}: a DataModel entry without a TableName")
    short, stripped = strip_affixes(name, prefix, suffix)
    table = Adopted(file_stem(short), f"table {name} of the NoSQL Workbench model {origin}", {})
    if not stripped:
        table.note("name", f"{name} lacks the prefix/suffix given; kept whole")
    doc = table.document
    doc["name"] = short
    keys = raw.get("KeyAttributes") or {}
    doc["partition_key"] = _key(keys.get("PartitionKey"), f"{name}: PartitionKey")
    if keys.get("SortKey"):
        doc["sort_key"] = _key(keys["SortKey"], f"{name}: SortKey")
    billing = raw.get("BillingMode") or "PAY_PER_REQUEST"
    doc["billing_mode"] = billing
    settings = raw.get("ProvisionedCapacitySettings") or {}
    throughput = settings.get("ProvisionedThroughput") or {}
    if billing == "PROVISIONED":
        doc["capacity"] = {"read": throughput.get("ReadCapacityUnits", 1),
                           "write": throughput.get("WriteCapacityUnits", 1)}
        scaling = {k: v for k, v in (("read", _scaling(settings.get("AutoScalingRead"))),
                                     ("write", _scaling(settings.get("AutoScalingWrite"))))
                   if v is not None}
        if scaling:
            doc["autoscaling"] = scaling
    indexes = []
    for index in raw.get("GlobalSecondaryIndexes") or []:
        index_keys = index.get("KeyAttributes") or {}
        where = f"{name}: index {index.get('IndexName')}"
        entry: dict[str, Any] = {"name": index.get("IndexName"),
                                 "partition_key": _key(index_keys.get("PartitionKey"), where)}
        if index_keys.get("SortKey"):
            entry["sort_key"] = _key(index_keys["SortKey"], where)
        shape = index.get("Projection") or {}
        entry |= projection(shape.get("ProjectionType", "ALL"), shape.get("NonKeyAttributes"))
        if billing == "PROVISIONED":
            # A modeled index shares the table's capacity unless it says otherwise.
            own = index.get("ProvisionedThroughput") or throughput
            if not index.get("ProvisionedThroughput"):
                table.note("global_secondary_indexes", f"index {entry['name']}: the model gives "
                           "it no capacity; written with the table's")
            entry["capacity"] = {"read": own.get("ReadCapacityUnits", 1),
                                 "write": own.get("WriteCapacityUnits", 1)}
        indexes.append(entry)
    if indexes:
        doc["global_secondary_indexes"] = indexes
    declared = [a for a in raw.get("NonKeyAttributes") or []
                if a.get("AttributeName") not in _key_names(doc)]
    if declared and "attributes" in table_schema()["properties"]:
        doc["attributes"] = {a["AttributeName"]: {"type": a["AttributeType"]} for a in declared}
    elif declared:
        table.note("", "non-key attributes of the model (no place in this version's table "
                   "files): " + ", ".join(
                       f"{a.get('AttributeName')} ({a.get('AttributeType')})" for a in declared))
    for facet in raw.get("TableFacets") or []:
        alias = facet.get("KeyAttributeAlias") or {}
        table.note("", f"facet {facet.get('FacetName')} (partition key as "
                   f"{alias.get('PartitionKeyAlias')}, sort key as "
                   f"{alias.get('SortKeyAlias')}): access patterns have no place in this "
                   "version's table files")
    items = len(raw.get("TableData") or [])
    if items:
        table.note("", f"{items} sample item{'s' if items != 1 else ''} of the model not adopted")
    table.note("", "the model holds no encryption, recovery, deletion protection, TTL, stream "
               "or tags: the table-file defaults apply")
    return table


def _key_names(doc: dict[str, Any]) -> set[str]:
    names = {doc["partition_key"]["name"]}
    if "sort_key" in doc:
        names.add(doc["sort_key"]["name"])
    for index in doc.get("global_secondary_indexes", []):
        names.add(index["partition_key"]["name"])
        if "sort_key" in index:
            names.add(index["sort_key"]["name"])
    return names


def read(path: Path, prefix: str, suffix: str, summary: Callable[[str], None]) -> list[Adopted]:
    document = load(path)
    if not document["DataModel"]:
        raise SourceError(f"{path}: the data model has no tables")
    tables = []
    for raw in document["DataModel"]:
        if not isinstance(raw, dict):
            raise SourceError(f"{path}: a DataModel entry that is not an object")
        tables.append(_table(raw, path.name, prefix, suffix))
    return tables
