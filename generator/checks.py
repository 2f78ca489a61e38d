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
from generator.diagnostics import Diagnostic, DocPath, Mark, Problem, RuleCode, format_path
from generator.loader import Document
from generator.naming import environment_output, logical_id, table_key

MAX_PROJECTED_ATTRIBUTES = 100
_TAG_PUNCTUATION = set("_.:/=+-@ ")

TableCheck = Callable[[Document], Iterator[Problem]]
# A rule across files finds problems in several documents: each comes with its document.
ProjectCheck = Callable[[Sequence[Document]], Iterator[tuple[Document, Problem]]]


@dataclass(frozen=True, kw_only=True)
class Rule(RuleCode):
    """A rule about one table file; ``check_table`` stamps its code on what it finds."""

    check: TableCheck


@dataclass(frozen=True, kw_only=True)
class ProjectRule(RuleCode):
    check: ProjectCheck
    # The top-level keys of each document the rule reads: it is given documents holding
    # only the keys that some rule across files reads (see ``project_view``).
    reads: tuple[str, ...]


TABLE_RULES: list[Rule] = []
PROJECT_RULES: list[ProjectRule] = []


def table_rule(code: str, title: str, detail: str = "") -> Callable[[TableCheck], TableCheck]:
    """Register a rule about one table file under its code and title, written only here."""

    def register(check: TableCheck) -> TableCheck:
        TABLE_RULES.append(Rule(code, title, detail, check=check))
        return check

    return register


def project_rule(
    code: str, title: str, reads: tuple[str, ...] = ()
) -> Callable[[ProjectCheck], ProjectCheck]:
    def register(check: ProjectCheck) -> ProjectCheck:
        PROJECT_RULES.append(ProjectRule(code, title, check=check, reads=reads))
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
def _one_type_per_attribute(doc: Document) -> Iterator[Problem]:
    first: dict[str, tuple[DocPath, str]] = {}
    for path, key in _key_uses(doc.data):
        name, kind = key["name"], key["type"]
        if name not in first:
            first[name] = (path, kind)
            continue
        where, was = first[name]
        if was != kind:
            line = doc.mark((*where, "type")).line
            yield Problem(
                (*path, "type"),
                f"attribute {name!r} is {kind} here but {was} "
                f"in {format_path(where)} (line {line})",
                "use one type per attribute; DynamoDB defines each key attribute once",
            )


@table_rule("E102", "index names are unique within a table (global and local together)")
def _unique_index_names(doc: Document) -> Iterator[Problem]:
    seen: dict[str, DocPath] = {}
    for path, index in _indexes(doc.data):
        name = index["name"]
        if name in seen:
            line = doc.mark((*seen[name], "name")).line
            yield Problem(
                (*path, "name"),
                f"index name {name!r} is already used by {format_path(seen[name])} (line {line})",
                "give each global and local secondary index of a table its own name",
            )
        else:
            seen[name] = path


@table_rule("E103", "a local secondary index needs a table sort key")
def _lsi_needs_sort_key(doc: Document) -> Iterator[Problem]:
    if doc.data.get("local_secondary_indexes") and "sort_key" not in doc.data:
        yield Problem(
            ("local_secondary_indexes",),
            "local secondary indexes need the table to have a sort key",
            "add 'sort_key:' to the table, or make these global secondary indexes",
            key=True,
        )


@table_rule("E104", "partition and sort key are different attributes")
def _distinct_key_attributes(doc: Document) -> Iterator[Problem]:
    data = doc.data
    for path, scope in _table_and_global_indexes(data):
        partition = keys.names(scope["partition_key"])
        for where, attribute in keys.role_uses(scope, path, "sort_key"):
            if attribute["name"] in partition:
                yield Problem(
                    (*where, "name"),
                    f"the sort key {attribute['name']!r} is also the partition key",
                    "use a different attribute for the sort key, or leave the sort key out",
                )
    for path, index in _indexes(data):
        if (
            path[0] == "local_secondary_indexes"
            and index["sort_key"]["name"] == data["partition_key"]["name"]
        ):
            yield Problem(
                (*path, "sort_key", "name"),
                f"the sort key {index['sort_key']['name']!r} is the table's partition key",
                "a local secondary index shares the table's partition key; "
                "sort on another attribute",
            )


@table_rule("E105", "`non_key_attributes` go with projection `INCLUDE`, and only with it")
def _include_projection(doc: Document) -> Iterator[Problem]:
    for path, index in _indexes(doc.data):
        projection = index["projection"]
        if projection == "INCLUDE" and "non_key_attributes" not in index:
            yield Problem(
                (*path, "projection"),
                "projection INCLUDE needs non_key_attributes",
                "list the attributes to copy in 'non_key_attributes:', or use ALL or KEYS_ONLY",
            )
        elif projection != "INCLUDE" and "non_key_attributes" in index:
            yield Problem(
                (*path, "non_key_attributes"),
                f"non_key_attributes is set but the projection is {projection}",
                "set 'projection: INCLUDE', or remove non_key_attributes",
                key=True,
            )


@table_rule(
    "E106",
    f"at most {MAX_PROJECTED_ATTRIBUTES} projected non-key attributes over all indexes of a table",
)
def _projected_attribute_limit(doc: Document) -> Iterator[Problem]:
    total = 0
    for path, index in _indexes(doc.data):
        total += len(index.get("non_key_attributes", []))
        if total > MAX_PROJECTED_ATTRIBUTES:
            yield Problem(
                (*path, "non_key_attributes"),
                f"this brings the projected non-key attributes of the table to {total}, "
                f"over DynamoDB's limit of {MAX_PROJECTED_ATTRIBUTES}",
                "project fewer attributes, or use projection ALL",
                key=True,
            )
            return


@table_rule("E107", "capacity goes with `PROVISIONED` billing, on the table and every GSI")
def _capacity_matches_billing(doc: Document) -> Iterator[Problem]:
    data = doc.data
    provisioned = data["billing_mode"] == "PROVISIONED"
    for path, scope in _table_and_global_indexes(data):
        what = "the table" if not path else f"index {scope['name']!r}"
        if provisioned and "capacity" not in scope:
            yield Problem(
                path,
                f"billing_mode is PROVISIONED but {what} has no capacity",
                "add 'capacity: {read: N, write: N}' here, or use billing_mode PAY_PER_REQUEST",
            )
        elif not provisioned and "capacity" in scope:
            yield Problem(
                (*path, "capacity"),
                f"{what} has capacity but billing_mode is PAY_PER_REQUEST",
                "remove 'capacity', or set 'billing_mode: PROVISIONED' on the table",
                key=True,
            )


@table_rule("E108", "the TTL attribute, if it is also a key, is a Number")
def _ttl_attribute_is_number(doc: Document) -> Iterator[Problem]:
    ttl = doc.data.get("ttl_attribute")
    for path, key in _key_uses(doc.data):
        if key["name"] == ttl and key["type"] != "N":
            yield Problem(
                ("ttl_attribute",),
                f"the TTL attribute {ttl!r} is a key of type {key['type']} in {format_path(path)}",
                "time to live reads a Number of epoch seconds; use another attribute for TTL",
            )
            return


@table_rule("E109", "`kms_key_arn` goes with encryption `customer_managed`, and only with it")
def _kms_key_matches_type(doc: Document) -> Iterator[Problem]:
    encryption = doc.data["encryption"]
    kind = encryption["type"]
    if kind == "customer_managed" and "kms_key_arn" not in encryption:
        yield Problem(
            ("encryption",),
            "encryption type customer_managed needs kms_key_arn",
            "add 'kms_key_arn: arn:aws:kms:REGION:ACCOUNT:key/KEY-ID', or use type aws_managed",
        )
    elif kind != "customer_managed" and "kms_key_arn" in encryption:
        yield Problem(
            ("encryption", "kms_key_arn"),
            f"kms_key_arn is set but the encryption type is {kind}",
            "set 'type: customer_managed', or remove kms_key_arn",
            key=True,
        )


def _tag_text_ok(text: str) -> bool:
    return all(unicodedata.category(ch)[0] in "LNZ" or ch in _TAG_PUNCTUATION for ch in text)


_TAG_CHARACTERS = "letters, digits, spaces and _ . : / = + - @"


def _reserved_tag_key(key: str) -> bool:
    return key.lower().startswith("aws:")


@table_rule("E110", "tag keys and values use the characters AWS allows")
def _tag_characters(doc: Document) -> Iterator[Problem]:
    for key, value in doc.data.get("tags", {}).items():
        # A key with the reserved prefix is E150's, whatever its characters.
        if not _reserved_tag_key(key) and not _tag_text_ok(key):
            yield Problem(
                ("tags", key), f"the tag key {key!r} has a character AWS does not allow",
                f"tag keys may contain {_TAG_CHARACTERS}", key=True,
            )
        if not _tag_text_ok(value):
            yield Problem(
                ("tags", key), f"the tag value {value!r} has a character AWS does not allow",
                f"tag values may contain {_TAG_CHARACTERS}",
            )


@table_rule("E150", "tag keys do not start with the reserved prefix `aws:`")
def _reserved_tag_prefix(doc: Document) -> Iterator[Problem]:
    for key in doc.data.get("tags", {}):
        if _reserved_tag_key(key):
            yield Problem(
                ("tags", key), f"the tag key {key!r} uses the reserved prefix 'aws:'",
                "AWS reserves tags starting with 'aws:'; choose another key", key=True,
            )


@table_rule("E151", "tag keys differ in more than letter case")
def _tag_keys_differ_in_more_than_case(doc: Document) -> Iterator[Problem]:
    first_by_case: dict[str, str] = {}
    for key in doc.data.get("tags", {}):
        other = first_by_case.setdefault(key.casefold(), key)
        if other != key:
            yield Problem(
                ("tags", key), f"the tag key {key!r} differs from {other!r} only in letter case",
                "use one spelling: IAM and cost allocation read tag keys without case, and "
                "cfn-lint reports such keys as duplicates",
                key=True,
            )


@table_rule("E111", "stream actions in an access role need a table with a stream")
def _stream_actions_need_stream(doc: Document) -> Iterator[Problem]:
    if "stream" in doc.data:
        return
    for role, spec in doc.data.get("access", {}).items():
        for position, action in enumerate(spec.get("actions", ())):
            if action in STREAM_ACTIONS:
                yield Problem(
                    ("access", role, "actions", position),
                    f"role {role!r} has {action} but the table has no stream",
                    "enable a stream with 'stream: NEW_AND_OLD_IMAGES' (or another view type), "
                    "or remove the stream actions",
                )


@table_rule("E112", "autoscaling goes with `PROVISIONED` billing; min is at most max")
def _autoscaling_rules(doc: Document) -> Iterator[Problem]:
    provisioned = doc.data["billing_mode"] == "PROVISIONED"
    for path, scope in _table_and_global_indexes(doc.data):
        scaling = scope.get("autoscaling")
        if scaling is None:
            continue
        if not provisioned:
            yield Problem(
                (*path, "autoscaling"), "autoscaling is set but billing_mode is PAY_PER_REQUEST",
                "set 'billing_mode: PROVISIONED' with capacity, or remove autoscaling "
                "(on-demand tables scale by themselves; cap them with on_demand_throughput)",
                key=True,
            )
            continue
        for dimension in ("read", "write"):
            limits = scaling.get(dimension)
            if limits and limits["min"] > limits["max"]:
                yield Problem(
                    (*path, "autoscaling", dimension, "min"),
                    f"{dimension} autoscaling min {limits['min']} is above max {limits['max']}",
                    "make min at most max",
                )


@table_rule("E113", "on-demand throughput limits go with `PAY_PER_REQUEST` billing")
def _on_demand_rules(doc: Document) -> Iterator[Problem]:
    if doc.data["billing_mode"] == "PAY_PER_REQUEST":
        return
    for path, scope in _table_and_global_indexes(doc.data):
        if "on_demand_throughput" in scope:
            yield Problem(
                (*path, "on_demand_throughput"),
                "on_demand_throughput is set but billing_mode is PROVISIONED",
                "remove on_demand_throughput, or use billing_mode PAY_PER_REQUEST",
                key=True,
            )


_REGION_OF_ARN = re.compile(r"^arn:[^:]+:kms:([^:]+):")


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


@table_rule("E115", "a recovery period needs point-in-time recovery")
def _recovery_period_needs_recovery(doc: Document) -> Iterator[Problem]:
    data = doc.data
    if "point_in_time_recovery_period_days" in data and not data["point_in_time_recovery"]:
        yield Problem(
            ("point_in_time_recovery_period_days",),
            "a recovery period is set but point_in_time_recovery is false",
            "remove point_in_time_recovery_period_days, or turn point-in-time recovery on",
            key=True,
        )


@table_rule("E157", "csv options of an S3 import need `input_format: CSV`")
def _csv_options_need_csv(doc: Document) -> Iterator[Problem]:
    source = doc.data.get("import_from_s3", {})
    if "csv" in source and source["input_format"] != "CSV":
        yield Problem(
            ("import_from_s3", "csv"),
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


@table_rule(
    "E130",
    "a `resource_policy` holds no CloudFormation intrinsic functions (`Ref`, `Fn::…`, "
    "`Condition`): CloudFormation would evaluate them, Terraform would send them as text",
)
def _plain_resource_policy(doc: Document) -> Iterator[Problem]:
    policy = doc.data.get("resource_policy")
    for path, function in _intrinsic_functions(policy, ("resource_policy",)):
        yield Problem(
            path, f"{function!r} is a CloudFormation intrinsic function",
            "CloudFormation would evaluate it, Terraform would send it as text; write the value "
            "itself (an ARN, an account id), so that the policy means the same in both formats",
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


_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# A file name's problem is the whole file's: it is reported at the file's start.
_FILE_START = Mark(1, 1)


@project_rule("E120", "file names give distinct, usable table keys")
def _table_keys(docs: Sequence[Document]) -> Iterator[tuple[Document, Problem]]:
    owners: dict[str, Document] = {}
    for doc in docs:
        key = table_key(doc.path)
        if not _KEY_PATTERN.match(key):
            yield doc, Problem(
                (), f"the file name {doc.path.name!r} does not give a usable table key ({key!r})",
                "name table files with a letter first, then letters, digits, '-' or '_', "
                "e.g. sessions.yaml; the key names the table in Terraform and CloudFormation",
                at=_FILE_START,
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
            yield doc, Problem(
                (), f"the file name gives the table key {key!r}, {clash}",
                "rename one of the files", at=_FILE_START,
            )
        else:
            owners[ident] = doc


@project_rule("E121", "table names are unique across files", reads=("name",))
def _unique_table_names(docs: Sequence[Document]) -> Iterator[tuple[Document, Problem]]:
    first: dict[str, Document] = {}
    for doc in docs:
        name = doc.data["name"]
        if name in first:
            other = first[name]
            line = other.mark(("name",)).line
            yield doc, Problem(
                ("name",),
                f"table name {name!r} is already used by {other.display}:{line}",
                "give every table its own name",
            )
        else:
            first[name] = doc


@project_rule(
    "E122", "an environment variable names one table", reads=("environment_variable",)
)
def _unique_environment_variables(
    docs: Sequence[Document],
) -> Iterator[tuple[Document, Problem]]:
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
            yield doc, Problem(
                ("environment_variable",),
                f"environment variable {variable!r} {same} by {other.display}:{line}",
                "give each table its own environment variable",
            )
        else:
            first[output] = doc


def check_table(doc: Document) -> list[Diagnostic]:
    """Every rule about one table over a schema-valid document; all findings."""
    found: list[Diagnostic] = []
    for rule in TABLE_RULES:
        found.extend(rule.stamp(doc, problem) for problem in rule.check(doc))
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
        found.extend(rule.stamp(doc, problem) for doc, problem in rule.check(docs))
    return sorted(found)


# The rules about the application's access patterns and items live in their own module, and
# so do those of the provider target and of the 2025-2026 features (E6xx); importing them
# registers them.
from generator import pattern_checks, target_checks  # noqa: E402, F401
