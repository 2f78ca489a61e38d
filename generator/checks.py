"""Stage 3: the DynamoDB rules that a JSON Schema cannot express.

Each rule is a small function with a stable code, registered in ``TABLE_RULES`` or
``PROJECT_RULES``. Rules see only documents that passed the schema, so they may rely
on its shapes; they return diagnostics and never raise.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from generator import keys, regions
from generator.actions import STREAM_ACTIONS
from generator.diagnostics import Diagnostic, DocPath, format_path
from generator.loader import Document
from generator.naming import environment_output, logical_id, table_key

MAX_PROJECTED_ATTRIBUTES = 100
_TAG_PUNCTUATION = set("_.:/=+-@ ")

TableCheck = Callable[[Document], Iterator[Diagnostic]]
ProjectCheck = Callable[[Sequence[Document]], Iterator[Diagnostic]]


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    check: TableCheck


@dataclass(frozen=True)
class ProjectRule:
    code: str
    title: str
    check: ProjectCheck
    # The top-level keys of each document the rule reads: it is given documents holding
    # only the keys that some rule across files reads (see ``project_view``).
    reads: tuple[str, ...]


TABLE_RULES: list[Rule] = []
PROJECT_RULES: list[ProjectRule] = []


def table_rule(code: str, title: str) -> Callable[[TableCheck], TableCheck]:
    def register(check: TableCheck) -> TableCheck:
        TABLE_RULES.append(Rule(code, title, check))
        return check

    return register


def project_rule(
    code: str, title: str, reads: tuple[str, ...] = ()
) -> Callable[[ProjectCheck], ProjectCheck]:
    def register(check: ProjectCheck) -> ProjectCheck:
        PROJECT_RULES.append(ProjectRule(code, title, check, reads))
        return check

    return register


def _indexes(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    for kind in ("global_secondary_indexes", "local_secondary_indexes"):
        for position, index in enumerate(data.get(kind, [])):
            yield (kind, position), index


def _table_and_global_indexes(
    data: dict[str, Any],
) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """The table and each GSI: the places that take capacity, autoscaling and their own keys."""
    yield (), data
    for path, index in _indexes(data):
        if path[0] == "global_secondary_indexes":
            yield path, index


def _key_uses(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, str]]]:
    """Every place an attribute is used as a key, in document order."""
    yield from keys.uses(data)
    for path, index in _indexes(data):
        yield from keys.uses(index, path)


@table_rule("E101", "a key attribute has one type everywhere it is used")
def _one_type_per_attribute(doc: Document) -> Iterator[Diagnostic]:
    first: dict[str, tuple[DocPath, str]] = {}
    for path, key in _key_uses(doc.data):
        name, kind = key["name"], key["type"]
        if name not in first:
            first[name] = (path, kind)
            continue
        where, was = first[name]
        if was != kind:
            line = doc.mark((*where, "type")).line
            yield doc.diagnostic(
                "E101",
                (*path, "type"),
                f"attribute {name!r} is {kind} here but {was} "
                f"in {format_path(where)} (line {line})",
                "use one type per attribute; DynamoDB defines each key attribute once",
            )


@table_rule("E102", "index names are unique within a table")
def _unique_index_names(doc: Document) -> Iterator[Diagnostic]:
    seen: dict[str, DocPath] = {}
    for path, index in _indexes(doc.data):
        name = index["name"]
        if name in seen:
            line = doc.mark((*seen[name], "name")).line
            yield doc.diagnostic(
                "E102",
                (*path, "name"),
                f"index name {name!r} is already used by {format_path(seen[name])} (line {line})",
                "give each global and local secondary index of a table its own name",
            )
        else:
            seen[name] = path


@table_rule("E103", "a local secondary index needs a table sort key")
def _lsi_needs_sort_key(doc: Document) -> Iterator[Diagnostic]:
    if doc.data.get("local_secondary_indexes") and "sort_key" not in doc.data:
        yield doc.diagnostic(
            "E103",
            ("local_secondary_indexes",),
            "local secondary indexes need the table to have a sort key",
            "add 'sort_key:' to the table, or make these global secondary indexes",
            key=True,
        )


@table_rule("E104", "partition and sort key are different attributes")
def _distinct_key_attributes(doc: Document) -> Iterator[Diagnostic]:
    data = doc.data
    for path, scope in _table_and_global_indexes(data):
        partition = keys.names(scope["partition_key"])
        for where, attribute in keys.role_uses(scope, path, "sort_key"):
            if attribute["name"] in partition:
                yield doc.diagnostic(
                    "E104",
                    (*where, "name"),
                    f"the sort key {attribute['name']!r} is also the partition key",
                    "use a different attribute for the sort key, or leave the sort key out",
                )
    for path, index in _indexes(data):
        if (
            path[0] == "local_secondary_indexes"
            and index["sort_key"]["name"] == data["partition_key"]["name"]
        ):
            yield doc.diagnostic(
                "E104",
                (*path, "sort_key", "name"),
                f"the sort key {index['sort_key']['name']!r} is the table's partition key",
                "a local secondary index shares the table's partition key; "
                "sort on another attribute",
            )


@table_rule("E105", "non_key_attributes go with projection INCLUDE, and only with it")
def _include_projection(doc: Document) -> Iterator[Diagnostic]:
    for path, index in _indexes(doc.data):
        projection = index.get("projection", "ALL")
        if projection == "INCLUDE" and "non_key_attributes" not in index:
            yield doc.diagnostic(
                "E105",
                (*path, "projection"),
                "projection INCLUDE needs non_key_attributes",
                "list the attributes to copy in 'non_key_attributes:', or use ALL or KEYS_ONLY",
            )
        elif projection != "INCLUDE" and "non_key_attributes" in index:
            yield doc.diagnostic(
                "E105",
                (*path, "non_key_attributes"),
                f"non_key_attributes is set but the projection is {projection}",
                "set 'projection: INCLUDE', or remove non_key_attributes",
                key=True,
            )


@table_rule("E106", "at most 100 projected non-key attributes over all indexes")
def _projected_attribute_limit(doc: Document) -> Iterator[Diagnostic]:
    total = 0
    for path, index in _indexes(doc.data):
        total += len(index.get("non_key_attributes", []))
        if total > MAX_PROJECTED_ATTRIBUTES:
            yield doc.diagnostic(
                "E106",
                (*path, "non_key_attributes"),
                f"this brings the projected non-key attributes of the table to {total}, "
                f"over DynamoDB's limit of {MAX_PROJECTED_ATTRIBUTES}",
                "project fewer attributes, or use projection ALL",
                key=True,
            )
            return


@table_rule("E107", "capacity goes with PROVISIONED billing, everywhere")
def _capacity_matches_billing(doc: Document) -> Iterator[Diagnostic]:
    data = doc.data
    provisioned = data.get("billing_mode", "PAY_PER_REQUEST") == "PROVISIONED"
    for path, scope in _table_and_global_indexes(data):
        what = "the table" if not path else f"index {scope['name']!r}"
        if provisioned and "capacity" not in scope:
            yield doc.diagnostic(
                "E107",
                path,
                f"billing_mode is PROVISIONED but {what} has no capacity",
                "add 'capacity: {read: N, write: N}' here, or use billing_mode PAY_PER_REQUEST",
            )
        elif not provisioned and "capacity" in scope:
            yield doc.diagnostic(
                "E107",
                (*path, "capacity"),
                f"{what} has capacity but billing_mode is PAY_PER_REQUEST",
                "remove 'capacity', or set 'billing_mode: PROVISIONED' on the table",
                key=True,
            )


@table_rule("E108", "the TTL attribute holds a Number")
def _ttl_attribute_is_number(doc: Document) -> Iterator[Diagnostic]:
    ttl = doc.data.get("ttl_attribute")
    for path, key in _key_uses(doc.data):
        if key["name"] == ttl and key["type"] != "N":
            yield doc.diagnostic(
                "E108",
                ("ttl_attribute",),
                f"the TTL attribute {ttl!r} is a key of type {key['type']} in {format_path(path)}",
                "time to live reads a Number of epoch seconds; use another attribute for TTL",
            )
            return


@table_rule("E109", "a KMS key ARN goes with encryption type customer_managed, and only with it")
def _kms_key_matches_type(doc: Document) -> Iterator[Diagnostic]:
    encryption = doc.data.get("encryption")
    if encryption is None:
        return
    kind = encryption["type"]
    if kind == "customer_managed" and "kms_key_arn" not in encryption:
        yield doc.diagnostic(
            "E109",
            ("encryption",),
            "encryption type customer_managed needs kms_key_arn",
            "add 'kms_key_arn: arn:aws:kms:REGION:ACCOUNT:key/KEY-ID', or use type aws_managed",
        )
    elif kind != "customer_managed" and "kms_key_arn" in encryption:
        yield doc.diagnostic(
            "E109",
            ("encryption", "kms_key_arn"),
            f"kms_key_arn is set but the encryption type is {kind}",
            "set 'type: customer_managed', or remove kms_key_arn",
            key=True,
        )


def _tag_text_ok(text: str) -> bool:
    return all(unicodedata.category(ch)[0] in "LNZ" or ch in _TAG_PUNCTUATION for ch in text)


@table_rule("E110", "tags use allowed characters, no reserved prefix, keys distinct ignoring case")
def _tag_rules(doc: Document) -> Iterator[Diagnostic]:
    allowed = "letters, digits, spaces and _ . : / = + - @"
    first_by_case: dict[str, str] = {}
    for key, value in doc.data.get("tags", {}).items():
        other = first_by_case.setdefault(key.casefold(), key)
        if other != key:
            yield doc.diagnostic(
                "E110",
                ("tags", key),
                f"the tag key {key!r} differs from {other!r} only in letter case",
                "use one spelling: IAM and cost allocation read tag keys without case, and "
                "cfn-lint reports such keys as duplicates",
                key=True,
            )
        if key.lower().startswith("aws:"):
            yield doc.diagnostic(
                "E110",
                ("tags", key),
                f"the tag key {key!r} uses the reserved prefix 'aws:'",
                "AWS reserves tags starting with 'aws:'; choose another key",
                key=True,
            )
        elif not _tag_text_ok(key):
            yield doc.diagnostic(
                "E110",
                ("tags", key),
                f"the tag key {key!r} has a character AWS does not allow",
                f"tag keys may contain {allowed}",
                key=True,
            )
        if not _tag_text_ok(value):
            yield doc.diagnostic(
                "E110",
                ("tags", key),
                f"the tag value {value!r} has a character AWS does not allow",
                f"tag values may contain {allowed}",
            )


@table_rule("E111", "stream actions need a table with a stream")
def _stream_actions_need_stream(doc: Document) -> Iterator[Diagnostic]:
    if "stream" in doc.data:
        return
    for role, spec in doc.data.get("access", {}).items():
        for position, action in enumerate(spec.get("actions", ())):
            if action in STREAM_ACTIONS:
                yield doc.diagnostic(
                    "E111", ("access", role, "actions", position),
                    f"role {role!r} has {action} but the table has no stream",
                    "enable a stream with 'stream: NEW_AND_OLD_IMAGES' (or another view type), "
                    "or remove the stream actions",
                )


@table_rule("E112", "autoscaling goes with PROVISIONED billing; min is at most max")
def _autoscaling_rules(doc: Document) -> Iterator[Diagnostic]:
    provisioned = doc.data.get("billing_mode", "PAY_PER_REQUEST") == "PROVISIONED"
    for path, scope in _table_and_global_indexes(doc.data):
        scaling = scope.get("autoscaling")
        if scaling is None:
            continue
        if not provisioned:
            yield doc.diagnostic(
                "E112", (*path, "autoscaling"),
                "autoscaling is set but billing_mode is PAY_PER_REQUEST",
                "set 'billing_mode: PROVISIONED' with capacity, or remove autoscaling "
                "(on-demand tables scale by themselves; cap them with on_demand_throughput)",
                key=True,
            )
            continue
        for dimension in ("read", "write"):
            limits = scaling.get(dimension)
            if limits and limits["min"] > limits["max"]:
                yield doc.diagnostic(
                    "E112", (*path, "autoscaling", dimension, "min"),
                    f"{dimension} autoscaling min {limits['min']} is above max {limits['max']}",
                    "make min at most max",
                )


@table_rule("E113", "on-demand throughput limits go with PAY_PER_REQUEST billing")
def _on_demand_rules(doc: Document) -> Iterator[Diagnostic]:
    if doc.data.get("billing_mode", "PAY_PER_REQUEST") == "PAY_PER_REQUEST":
        return
    for path, scope in _table_and_global_indexes(doc.data):
        if "on_demand_throughput" in scope:
            yield doc.diagnostic(
                "E113", (*path, "on_demand_throughput"),
                "on_demand_throughput is set but billing_mode is PROVISIONED",
                "remove on_demand_throughput, or use billing_mode PAY_PER_REQUEST",
                key=True,
            )


_REGION_OF_ARN = re.compile(r"^arn:[^:]+:kms:([^:]+):")


@table_rule("E114", "replicas need NEW_AND_OLD_IMAGES streams, on-demand billing and regional keys")
def _replica_rules(doc: Document) -> Iterator[Diagnostic]:
    data = doc.data
    replicas = data.get("replicas", [])
    if not replicas:
        return
    if data.get("stream") != "NEW_AND_OLD_IMAGES":
        yield doc.diagnostic(
            "E114", ("replicas",), "global table replicas need stream NEW_AND_OLD_IMAGES",
            "set 'stream: NEW_AND_OLD_IMAGES'", key=True,
        )
    if data.get("billing_mode", "PAY_PER_REQUEST") != "PAY_PER_REQUEST":
        yield doc.diagnostic(
            "E114", ("replicas",), "replicated tables are generated for on-demand billing only",
            "use billing_mode PAY_PER_REQUEST for a table with replicas", key=True,
        )
    if "import_from_s3" in data:
        yield doc.diagnostic(
            "E114", ("import_from_s3",), "a table with replicas cannot import from S3",
            "import into a table without replicas, then add the replicas", key=True,
        )
    customer_key = data.get("encryption", {}).get("type") == "customer_managed"
    seen: set[str] = set()
    for position, replica in enumerate(replicas):
        region = replica["region"]
        if region in seen:
            yield doc.diagnostic(
                "E114", ("replicas", position, "region"), f"region {region!r} is listed twice",
                "list each replica region once",
            )
        seen.add(region)
        key_arn = replica.get("kms_key_arn")
        if customer_key and key_arn is None:
            yield doc.diagnostic(
                "E114", ("replicas", position),
                f"the table uses a customer-managed key but replica {region!r} has no kms_key_arn",
                f"give 'kms_key_arn:' of a key in {region}; KMS keys are regional",
            )
        elif key_arn is not None and not customer_key:
            yield doc.diagnostic(
                "E114", ("replicas", position, "kms_key_arn"),
                "kms_key_arn is set on a replica of a table without encryption customer_managed",
                "set the table's encryption to customer_managed, or remove this kms_key_arn",
                key=True,
            )
        elif key_arn is not None:
            match = _REGION_OF_ARN.match(key_arn)
            if match and match.group(1) != region:
                yield doc.diagnostic(
                    "E114", ("replicas", position, "kms_key_arn"),
                    f"the key is in {match.group(1)} but the replica is in {region}",
                    f"give a KMS key in {region}; KMS keys are regional",
                )


@table_rule("E115", "settings that depend on another setting")
def _dependent_settings(doc: Document) -> Iterator[Diagnostic]:
    data = doc.data
    if "point_in_time_recovery_period_days" in data and not data.get(
        "point_in_time_recovery", True
    ):
        yield doc.diagnostic(
            "E115", ("point_in_time_recovery_period_days",),
            "a recovery period is set but point_in_time_recovery is false",
            "remove point_in_time_recovery_period_days, or turn point-in-time recovery on",
            key=True,
        )
    source = data.get("import_from_s3", {})
    if "csv" in source and source["input_format"] != "CSV":
        yield doc.diagnostic(
            "E115", ("import_from_s3", "csv"),
            f"csv options are set but input_format is {source['input_format']}",
            "set 'input_format: CSV', or remove the csv options", key=True,
        )


def _intrinsic_functions(value: Any, path: DocPath) -> Iterator[tuple[DocPath, str]]:
    """Where a value holds a CloudFormation intrinsic function: ``{Ref: ...}``, ``{Fn::*: ...}``
    or ``{Condition: NAME}`` (an IAM statement's Condition is a mapping, not a name)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" or key.startswith("Fn::") or (
                key == "Condition" and isinstance(item, str)
            ):
                yield (*path, key), key
            else:
                yield from _intrinsic_functions(item, (*path, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _intrinsic_functions(item, (*path, position))


@table_rule("E130", "a resource policy holds no CloudFormation intrinsic functions")
def _plain_resource_policy(doc: Document) -> Iterator[Diagnostic]:
    policy = doc.data.get("resource_policy")
    for path, function in _intrinsic_functions(policy, ("resource_policy",)):
        yield doc.diagnostic(
            "E130", path, f"{function!r} is a CloudFormation intrinsic function",
            "CloudFormation would evaluate it, Terraform would send it as text; write the value "
            "itself (an ARN, an account id), so that the policy means the same in both formats",
            key=True,
        )


@table_rule("E131", "replica regions are AWS regions")
def _known_replica_regions(doc: Document) -> Iterator[Diagnostic]:
    for position, replica in enumerate(doc.data.get("replicas", [])):
        region = replica["region"]
        if regions.is_listed(region) or replica.get("unlisted_region"):
            continue
        close = difflib.get_close_matches(region, regions.ALL_REGIONS, n=1)
        yield doc.diagnostic(
            "E131", ("replicas", position, "region"), f"{region!r} is not an AWS region",
            "check the spelling" + (f" (did you mean {close[0]!r}?)" if close else "")
            + "; for a region newer than the generator's list, add 'unlisted_region: true' to "
            "this replica",
        )


@table_rule("E132", "a global table and its keys are in one partition")
def _one_partition(doc: Document) -> Iterator[Diagnostic]:
    table_key_arn = doc.data.get("encryption", {}).get("kms_key_arn")
    table_partition = regions.partition_of_arn(table_key_arn) if table_key_arn else None
    first: tuple[str, str] | None = None  # the first replica's region and partition
    for position, replica in enumerate(doc.data.get("replicas", [])):
        region = replica["region"]
        partition = regions.partition_of(region)
        if partition is None:
            continue
        where = ("replicas", position, "region")
        if table_partition is not None and table_partition != partition:
            yield doc.diagnostic(
                "E132", where, f"{region} is in the partition {partition}, but the table's key "
                f"{table_key_arn} is in {table_partition}",
                "a global table and its keys stay in one partition",
            )
        elif first is not None and first[1] != partition:
            yield doc.diagnostic(
                "E132", where, f"{region} is in the partition {partition}, but the replica "
                f"{first[0]} is in {first[1]}", "a global table stays in one partition",
            )
        first = first or (region, partition)
        key_arn = replica.get("kms_key_arn")
        key_partition = regions.partition_of_arn(key_arn) if key_arn else None
        if key_partition is not None and key_partition != partition:
            yield doc.diagnostic(
                "E132", ("replicas", position, "kms_key_arn"),
                f"the key is in the partition {key_partition}, but the replica region {region} "
                f"is in {partition}",
                f"give a key ARN of the form arn:{partition}:kms:{region}:ACCOUNT:key/KEY-ID",
            )


_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


@project_rule("E120", "file names give distinct, usable table keys")
def _table_keys(docs: Sequence[Document]) -> Iterator[Diagnostic]:
    owners: dict[str, Document] = {}
    for doc in docs:
        key = table_key(doc.path)
        if not _KEY_PATTERN.match(key):
            yield Diagnostic(
                doc.display,
                1,
                1,
                "E120",
                "(document)",
                f"the file name {doc.path.name!r} does not give a usable table key ({key!r})",
                "name table files with a letter first, then letters, digits, '-' or '_', "
                "e.g. sessions.yaml; the key names the table in Terraform and CloudFormation",
            )
            continue
        ident = logical_id(key)
        if ident in owners:
            other = owners[ident]
            other_key = table_key(other.path)
            clash = f"as does {other.display}" if other_key == key else (
                f"whose CloudFormation names ({ident}...) are those of the key {other_key!r} "
                f"of {other.display}"
            )
            yield Diagnostic(
                doc.display, 1, 1, "E120", "(document)",
                f"the file name gives the table key {key!r}, {clash}", "rename one of the files",
            )
        else:
            owners[ident] = doc


@project_rule("E121", "table names are unique across files", reads=("name",))
def _unique_table_names(docs: Sequence[Document]) -> Iterator[Diagnostic]:
    first: dict[str, Document] = {}
    for doc in docs:
        name = doc.data["name"]
        if name in first:
            other = first[name]
            line = other.mark(("name",)).line
            yield doc.diagnostic(
                "E121",
                ("name",),
                f"table name {name!r} is already used by {other.display}:{line}",
                "give every table its own name",
            )
        else:
            first[name] = doc


@project_rule(
    "E122", "an environment variable names one table", reads=("environment_variable",)
)
def _unique_environment_variables(docs: Sequence[Document]) -> Iterator[Diagnostic]:
    # CloudFormation output names drop the underscores, so A_B and A__B would collide there.
    first: dict[str, Document] = {}
    for doc in docs:
        variable = doc.data.get("environment_variable")
        if variable is None:
            continue
        output = environment_output(variable)
        if output in first:
            other = first[output]
            line = other.mark(("environment_variable",)).line
            shown = other.data["environment_variable"]
            same = "is already used" if shown == variable else f"collides with {shown!r}"
            yield doc.diagnostic(
                "E122", ("environment_variable",),
                f"environment variable {variable!r} {same} by {other.display}:{line}",
                "give each table its own environment variable",
            )
        else:
            first[output] = doc


def check_table(doc: Document) -> list[Diagnostic]:
    """Every rule about one table over a schema-valid document; all findings."""
    found: list[Diagnostic] = []
    for rule in TABLE_RULES:
        found.extend(rule.check(doc))
    return sorted(found)


def project_view(doc: Document) -> Document:
    """The document as the rules across files need it: only the keys they read.

    A large project's files are checked in several processes; what comes back for these
    rules is this, not every file's whole data.
    """
    return doc.restricted_to(_project_keys())


@cache
def _project_keys() -> frozenset[str]:
    # Every rule is registered when this module is imported, before any document is checked.
    return frozenset(key for rule in PROJECT_RULES for key in rule.reads)


def check_project(docs: Sequence[Document]) -> list[Diagnostic]:
    """Every rule across files, over the schema-valid documents (or their project views)."""
    found: list[Diagnostic] = []
    for rule in PROJECT_RULES:
        found.extend(rule.check(docs))
    return sorted(found)


# The rules about the application's access patterns and items live in their own module, and
# so do those of the provider target and of the 2025-2026 features (E6xx); importing them
# registers them.
from generator import pattern_checks, target_checks  # noqa: E402, F401
