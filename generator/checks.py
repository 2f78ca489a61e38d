"""Stage 3: the DynamoDB rules that a JSON Schema cannot express.

Each rule is a small function with a stable code, registered in ``TABLE_RULES`` or
``PROJECT_RULES``. Rules see only documents that passed the schema, so they may rely
on its shapes; they return diagnostics and never raise.

This module holds the registry and the runners, and the rules of a table's settings
(billing and capacity, autoscaling, on-demand limits, encryption, tags, streams, recovery,
S3 import, resource policy). The rules of other concerns live in modules of their own, which
register here when this module imports them (see the end of it).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from generator import replica_settings
from generator.actions import STREAM_ACTIONS
from generator.diagnostics import Diagnostic, DocPath, Problem, RuleCode
from generator.loader import Document

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


def indexes(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """Each secondary index, global ones first, where it is in the document."""
    for kind in ("global_secondary_indexes", "local_secondary_indexes"):
        for position, index in enumerate(data.get(kind, [])):
            yield (kind, position), index


def table_and_global_indexes(
    data: dict[str, Any],
) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """The table and each GSI: the places that take capacity, autoscaling and their own keys."""
    yield (), data
    for path, index in indexes(data):
        if path[0] == "global_secondary_indexes":
            yield path, index


@table_rule("E107", "capacity goes with `PROVISIONED` billing, on the table and every GSI")
def _capacity_matches_billing(doc: Document) -> Iterator[Problem]:
    data = doc.data
    provisioned = data["billing_mode"] == "PROVISIONED"
    for path, scope in table_and_global_indexes(data):
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


def table_and_replicas(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """The table and each replica: the places that state their own tags and recovery."""
    yield (), data
    for position, replica in enumerate(data.get("replicas", [])):
        yield ("replicas", position), replica


def _tag_places(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, str]]]:
    """The tags of the table and those a replica states for itself, with their path."""
    for path, place in table_and_replicas(data):
        if "tags" in place:
            yield (*path, "tags"), place["tags"]


def _tag_text_ok(text: str) -> bool:
    return all(unicodedata.category(ch)[0] in "LNZ" or ch in _TAG_PUNCTUATION for ch in text)


_TAG_CHARACTERS = "letters, digits, spaces and _ . : / = + - @"


def _reserved_tag_key(key: str) -> bool:
    return key.lower().startswith("aws:")


@table_rule("E110", "tag keys and values use the characters AWS allows")
def _tag_characters(doc: Document) -> Iterator[Problem]:
    for path, tags in _tag_places(doc.data):
        for key, value in tags.items():
            # A key with the reserved prefix is E150's, whatever its characters.
            if not _reserved_tag_key(key) and not _tag_text_ok(key):
                yield Problem(
                    (*path, key), f"the tag key {key!r} has a character AWS does not allow",
                    f"tag keys may contain {_TAG_CHARACTERS}", key=True,
                )
            if not _tag_text_ok(value):
                yield Problem(
                    (*path, key), f"the tag value {value!r} has a character AWS does not allow",
                    f"tag values may contain {_TAG_CHARACTERS}",
                )


@table_rule("E150", "tag keys do not start with the reserved prefix `aws:`")
def _reserved_tag_prefix(doc: Document) -> Iterator[Problem]:
    for path, tags in _tag_places(doc.data):
        for key in tags:
            if _reserved_tag_key(key):
                yield Problem(
                    (*path, key), f"the tag key {key!r} uses the reserved prefix 'aws:'",
                    "AWS reserves tags starting with 'aws:'; choose another key", key=True,
                )


@table_rule("E151", "tag keys differ in more than letter case")
def _tag_keys_differ_in_more_than_case(doc: Document) -> Iterator[Problem]:
    table_tags = doc.data.get("tags", {})
    for path, tags in _tag_places(doc.data):
        # A replica's tags go over the table's, so they must differ from those as well.
        first_by_case = {} if tags is table_tags else {k.casefold(): k for k in table_tags}
        for key in tags:
            other = first_by_case.setdefault(key.casefold(), key)
            if other != key:
                yield Problem(
                    (*path, key),
                    f"the tag key {key!r} differs from {other!r} only in letter case",
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
    for path, scope in table_and_global_indexes(doc.data):
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
    for path, scope in table_and_global_indexes(doc.data):
        if "on_demand_throughput" in scope:
            yield Problem(
                (*path, "on_demand_throughput"),
                "on_demand_throughput is set but billing_mode is PROVISIONED",
                "remove on_demand_throughput, or use billing_mode PAY_PER_REQUEST",
                key=True,
            )


@table_rule("E115", "a recovery period needs point-in-time recovery")
def _recovery_period_needs_recovery(doc: Document) -> Iterator[Problem]:
    for path, place in table_and_replicas(doc.data):
        recovery = replica_settings.effective(doc.data, place, "point_in_time_recovery")
        if "point_in_time_recovery_period_days" in place and not recovery:
            yield Problem(
                (*path, "point_in_time_recovery_period_days"),
                "a recovery period is set but point_in_time_recovery is false"
                + (" for this replica" if path else ""),
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


# The rules of the other concerns live in their own modules: keys and indexes, replicas, the
# rules across files, the application's access patterns and items, and the provider target
# and the 2025-2026 features (E6xx); importing them registers them.
from generator import (  # noqa: E402, F401
    checks_keys,
    checks_project,
    checks_replicas,
    pattern_checks,
    pattern_checks_examples,
    pattern_checks_warnings,
    target_checks,
)
