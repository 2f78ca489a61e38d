"""Reads a NoSQL Workbench data model (its JSON export, ``DataModel`` of tables): keys,
global secondary indexes, billing, capacity and autoscaling.

A data model is a design, not a deployment: it holds no encryption, recovery, protection,
TTL, stream or tags, so those take the table-file defaults. Its non-key attributes become the
table file's ``attributes``, its facets access patterns (see ``_facets``) and its sample items
examples.
"""

from __future__ import annotations

import re
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
    if declared:
        doc["attributes"] = {a["AttributeName"]: {"type": a["AttributeType"]} for a in declared}
    _facets(table, raw)
    table.note("", "the model holds no encryption, recovery, deletion protection, TTL, stream "
               "or tags: the table-file defaults apply")
    return table


def _facets(table: Adopted, raw: dict[str, Any]) -> None:
    """Facets become query patterns on the partition key, and sample items examples.

    A facet is a view of the items that share its key aliases; it does not say which
    operation reads them or what condition the sort key gets, so the pattern is the query any
    such view implies (the partition key, EQ), and its description says to make it what the
    application does.
    """
    doc = table.document
    patterns: dict[str, Any] = {}
    examples: dict[str, Any] = {}
    for facet in raw.get("TableFacets") or []:
        facet_name = str(facet.get("FacetName") or "facet")
        name = _usage_name(facet_name, patterns)
        alias = facet.get("KeyAttributeAlias") or {}
        aliases = ", ".join(f"{what} as {alias[key]}" for what, key in (
            ("partition key", "PartitionKeyAlias"), ("sort key", "SortKeyAlias"))
            if alias.get(key))
        patterns[name] = {
            "description": f"From the NoSQL Workbench facet {facet_name}"
            + (f" ({aliases})" if aliases else "") + ": the items of one partition key. A "
            "facet does not say the operation or the sort key's condition: make this what "
            "the application does.",
            "operation": "query",
            "key": {doc["partition_key"]["name"]: "EQ"},
        }
        for item in facet.get("TableData") or []:
            examples.setdefault(_usage_name(f"{name}-item", examples),
                                {"description": f"A sample item of the facet {facet_name}.",
                                 "item": item})
    seen = [example["item"] for example in examples.values()]
    for item in raw.get("TableData") or []:
        if item not in seen:
            examples[_usage_name("item", examples)] = {
                "description": "A sample item of the model.", "item": item}
    if patterns:
        doc["access_patterns"] = patterns
        table.note("access_patterns", "each facet is written as a query on the partition key; "
                   "a facet does not say the operation or the sort key's condition")
    if examples:
        doc["examples"] = examples
        # One table holds items of several shapes: an attribute that some sample item lacks
        # is one the application does not always write.
        for attribute_name, spec in doc.get("attributes", {}).items():
            if any(attribute_name not in e["item"] for e in examples.values()):
                spec["optional"] = True


def _usage_name(wanted: str, taken: dict[str, Any]) -> str:
    """An access pattern or example name (E-rules' pattern), numbered when taken."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", wanted).strip("-")[:56] or "facet"
    if not base[0].isalpha():
        base = f"f-{base}"[:56]
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


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
