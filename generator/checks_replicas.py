"""Stage 3, the rules about a global table's replicas: the stream and billing they need, no
S3 import, each region once and an AWS region, KMS keys that match the table's encryption and
sit in their replica's region, one partition for the table, its replicas and its keys, and
no more tags on a replica, with the table's, than AWS allows. (A replica's own tags,
recovery period and Contributor Insights mode follow the table's rules for them, which take
the replicas' places too.)

They register through ``checks.table_rule``; ``checks`` imports this module.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from generator import regions, replica_settings
from generator.checks import table_rule
from generator.diagnostics import Problem
from generator.loader import Document
from generator.validate import inlined_schema

_REGION_OF_ARN = re.compile(r"^arn:[^:]+:kms:([^:]+):")
# AWS's tag quota per resource, which the JSON Schema states for each map of tags.
_MAX_TAGS = int(inlined_schema()["properties"]["tags"]["maxProperties"])


def _replicas(data: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    return enumerate(data.get("replicas", []))


@table_rule("E114", "replicas need a `NEW_AND_OLD_IMAGES` stream")
def _replicas_need_new_and_old_images(doc: Document) -> Iterator[Problem]:
    if doc.data.get("replicas") and doc.data.get("stream") != "NEW_AND_OLD_IMAGES":
        yield Problem(
            ("replicas",), "global table replicas need stream NEW_AND_OLD_IMAGES",
            "set 'stream: NEW_AND_OLD_IMAGES'", key=True,
        )


@table_rule("E152", "a table with replicas has on-demand billing")
def _replicas_need_on_demand(doc: Document) -> Iterator[Problem]:
    data = doc.data
    if data.get("replicas") and data["billing_mode"] != "PAY_PER_REQUEST":
        yield Problem(
            ("replicas",), "replicated tables are generated for on-demand billing only",
            "use billing_mode PAY_PER_REQUEST for a table with replicas", key=True,
        )


@table_rule("E153", "a table with replicas does not import from S3")
def _replicas_without_import(doc: Document) -> Iterator[Problem]:
    if doc.data.get("replicas") and "import_from_s3" in doc.data:
        yield Problem(
            ("import_from_s3",), "a table with replicas cannot import from S3",
            "import into a table without replicas, then add the replicas", key=True,
        )


@table_rule("E154", "each replica region is listed once")
def _replica_regions_once(doc: Document) -> Iterator[Problem]:
    seen: set[str] = set()
    for position, replica in _replicas(doc.data):
        region = replica["region"]
        if region in seen:
            yield Problem(
                ("replicas", position, "region"), f"region {region!r} is listed twice",
                "list each replica region once",
            )
        seen.add(region)


def _customer_key(data: dict[str, Any]) -> bool:
    return bool(data["encryption"]["type"] == "customer_managed")


@table_rule("E155", "a replica has a `kms_key_arn` when the table uses a customer-managed key, "
                    "and only then")
def _replica_keys_match_table_key(doc: Document) -> Iterator[Problem]:
    customer_key = _customer_key(doc.data)
    for position, replica in _replicas(doc.data):
        region, key_arn = replica["region"], replica.get("kms_key_arn")
        if customer_key and key_arn is None:
            yield Problem(
                ("replicas", position),
                f"the table uses a customer-managed key but replica {region!r} has no kms_key_arn",
                f"give 'kms_key_arn:' of a key in {region}; KMS keys are regional",
            )
        elif key_arn is not None and not customer_key:
            yield Problem(
                ("replicas", position, "kms_key_arn"),
                "kms_key_arn is set on a replica of a table without encryption customer_managed",
                "set the table's encryption to customer_managed, or remove this kms_key_arn",
                key=True,
            )


@table_rule("E156", "a replica's KMS key is in the replica's region")
def _replica_keys_in_their_region(doc: Document) -> Iterator[Problem]:
    if not _customer_key(doc.data):
        return  # a replica key without a customer-managed table key is E155's
    for position, replica in _replicas(doc.data):
        region, key_arn = replica["region"], replica.get("kms_key_arn")
        match = _REGION_OF_ARN.match(key_arn) if key_arn is not None else None
        if match and match.group(1) != region:
            yield Problem(
                ("replicas", position, "kms_key_arn"),
                f"the key is in {match.group(1)} but the replica is in {region}",
                f"give a KMS key in {region}; KMS keys are regional",
            )


@table_rule("E609", f"a replica's tags, merged over the table's, are at most {_MAX_TAGS}")
def _replica_tags_within_limit(doc: Document) -> Iterator[Problem]:
    for position, replica in _replicas(doc.data):
        if "tags" not in replica:
            continue
        merged = replica_settings.effective(doc.data, replica, "tags")
        if len(merged) > _MAX_TAGS:
            yield Problem(
                ("replicas", position, "tags"),
                f"replica {replica['region']} has {len(merged)} tags with the table's, but AWS "
                f"allows at most {_MAX_TAGS} per resource",
                "a replica's tags go over the table's: remove tags here or from the table",
                key=True,
            )


@table_rule(
    "E131",
    "replica regions are AWS regions (the list is `generator/regions.py`; a replica in a "
    "region newer than the list says `unlisted_region: true`)",
)
def _known_replica_regions(doc: Document) -> Iterator[Problem]:
    for position, replica in enumerate(doc.data.get("replicas", [])):
        region = replica["region"]
        if regions.is_listed(region) or replica.get("unlisted_region"):
            continue
        close = difflib.get_close_matches(region, regions.ALL_REGIONS, n=1)
        yield Problem(
            ("replicas", position, "region"), f"{region!r} is not an AWS region",
            "check the spelling" + (f" (did you mean {close[0]!r}?)" if close else "")
            + "; for a region newer than the generator's list, add 'unlisted_region: true' to "
            "this replica",
        )


@table_rule(
    "E132",
    "a global table, its replicas and their KMS keys are in one partition (`aws`, `aws-cn`, "
    "`aws-us-gov`, …)",
)
def _one_partition(doc: Document) -> Iterator[Problem]:
    table_key_arn = doc.data["encryption"].get("kms_key_arn")
    table_partition = regions.partition_of_arn(table_key_arn) if table_key_arn else None
    first: tuple[str, str] | None = None  # the first replica's region and partition
    for position, replica in enumerate(doc.data.get("replicas", [])):
        region = replica["region"]
        partition = regions.partition_of(region)
        if partition is None:
            continue
        where = ("replicas", position, "region")
        if table_partition is not None and table_partition != partition:
            yield Problem(where, f"{region} is in the partition {partition}, but the table's key "
                f"{table_key_arn} is in {table_partition}",
                "a global table and its keys stay in one partition",
            )
        elif first is not None and first[1] != partition:
            yield Problem(where, f"{region} is in the partition {partition}, but the replica "
                f"{first[0]} is in {first[1]}", "a global table stays in one partition",
            )
        first = first or (region, partition)
        key_arn = replica.get("kms_key_arn")
        key_partition = regions.partition_of_arn(key_arn) if key_arn else None
        if key_partition is not None and key_partition != partition:
            yield Problem(
                ("replicas", position, "kms_key_arn"),
                f"the key is in the partition {key_partition}, but the replica region {region} "
                f"is in {partition}",
                f"give a key ARN of the form arn:{partition}:kms:{region}:ACCOUNT:key/KEY-ID",
            )
