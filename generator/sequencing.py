"""Changes that DynamoDB applies only in a certain order or at a certain pace (P1xx findings).

Each rule compares a table's baseline snapshot with its new one and says what the engines
will do, why it matters, and the steps that deploy it. A blocking finding needs more than one
deployment or a manual step, so `plan` exits 1; the others are warnings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from generator.model_file import LAST_ON_DEMAND_SWITCH, Snapshot
from generator.naming import table_output


@dataclass(frozen=True)
class Finding:
    code: str
    title: str
    blocking: bool
    explanation: str
    steps: tuple[str, ...]
    field: str | None = None  # the change it is about, where it is about one


@dataclass(frozen=True)
class Found:
    """What a check found, without the rule's code: the registry stamps the rule's code,
    title and blocking on it (``Rule.finding``), so each code is written once."""

    explanation: str
    steps: tuple[str, ...] = ()
    field: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    blocking: bool
    # The table resource of the AWS provider does not apply the change the finding is about
    # (a TTL that is only removed, the capacity of a scaled index, read back from the live
    # table), so it is no update to Terraform.
    terraform_ignores: bool = False

    def finding(
        self, explanation: str, steps: tuple[str, ...] = (), field: str | None = None
    ) -> Finding:
        """A finding of this rule."""
        return self.stamp(Found(explanation, steps, field))

    def stamp(self, found: Found) -> Finding:
        return Finding(self.code, self.title, self.blocking, found.explanation, found.steps,
                       found.field)


Check = Callable[[str, Snapshot, Snapshot], Iterator[Found]]
RULES: dict[str, Rule] = {}
_CHECKS: list[tuple[Rule, Check]] = []


def _declare(rule: Rule) -> Rule:
    RULES[rule.code] = rule
    return rule


def _rule(
    code: str, title: str, *, blocking: bool, terraform_ignores: bool = False
) -> Callable[[Check], Check]:
    """Registers a check under its rule, which stamps its code on what the check finds."""

    def register(check: Check) -> Check:
        _CHECKS.append((_declare(Rule(code, title, blocking, terraform_ignores)), check))
        return check

    return register


def _ttl(table: Snapshot) -> str | None:
    """The attribute that time to live is on, or None when it is off."""
    return None if table.get("ttl_disabled") else table["ttl_attribute"]


_TTL_WAIT = (
    "DynamoDB refuses to enable time to live on an attribute while it is enabled on another, "
    "and refuses any further TTL change on the table for about an hour after the last one"
)


@_rule("P101", "the TTL attribute changes: two deployments at least an hour apart",
       blocking=True)
def _ttl_renamed(key: str, old: Snapshot, new: Snapshot) -> Iterator[Found]:
    before, after = _ttl(old), _ttl(new)
    if before and after and before != after:
        yield Found(
            f"time to live moves from {before} to {after}; {_TTL_WAIT}",
            (
                f"deploy the table file with `ttl_attribute: {before}` and "
                "`ttl_enabled: false` (TTL off)",
                "wait at least one hour",
                f"deploy the table file with `ttl_attribute: {after}`",
            ),
        )


@_rule("P102", "TTL turns off: no further TTL change for about an hour", blocking=False)
def _ttl_off(key: str, old: Snapshot, new: Snapshot) -> Iterator[Found]:
    if _ttl(old) and not _ttl(new) and new.get("ttl_disabled"):
        yield Found(
            f"items stop expiring by {_ttl(old)}; {_TTL_WAIT}",
        )


@_rule("P103", "TTL removed without `ttl_enabled: false`: Terraform leaves it on",
       blocking=True, terraform_ignores=True)
def _ttl_dropped(key: str, old: Snapshot, new: Snapshot) -> Iterator[Found]:
    if _ttl(old) and not new["ttl_attribute"]:
        yield Found(
            "the table file no longer names a TTL attribute; the AWS provider does not turn "
            "TTL off when the ttl block disappears, so the table would keep expiring items "
            f"by {_ttl(old)} under Terraform",
            (f"keep `ttl_attribute: {_ttl(old)}` and add `ttl_enabled: false`: TTL turns off "
             "in both formats",),
            "ttl_attribute",
        )


def _stream_outputs(key: str) -> str:
    return (f"the Terraform output table_stream_arns[\"{key}\"] and the CloudFormation "
            f"output {table_output(key, 'StreamArn')} (and its export)")


@_rule("P104", "the stream's view type changes: a new stream and a new stream ARN",
       blocking=True)
def _stream_view_changed(key: str, old: Snapshot, new: Snapshot) -> Iterator[Found]:
    before, after = old["stream_view_type"], new["stream_view_type"]
    if before and after and before != after:
        yield Found(
            f"DynamoDB cannot change the view type of an enabled stream ({before} -> "
            f"{after}): the stream is turned off and a new one turned on, with a new ARN; "
            "every consumer (Lambda event source mappings, Kinesis adapters) reads the old "
            "one until it is re-pointed, and records written in between are not in the new one",
            (
                "deploy the table file without `stream` (the stream turns off)",
                f"deploy the table file with `stream: {after}`",
                "re-point every consumer at the new stream ARN: "
                + _stream_outputs(key),
            ),
        )


@_rule("P105", "the stream turns off: consumers stop receiving changes", blocking=False)
def _stream_off(key: str, old: Snapshot, new: Snapshot) -> Iterator[Found]:
    if old["stream_view_type"] and not new["stream_view_type"]:
        yield Found(
            "the stream ends; its records stay readable for 24 hours, and a stream turned on "
            "again later has a new ARN that every consumer must be pointed at; "
            + _stream_outputs(key) + " change",
        )


@_rule("P106", "billing goes back to on-demand: DynamoDB limits how often", blocking=False)
def _billing_back(key: str, old: Snapshot, new: Snapshot) -> Iterator[Found]:
    if old["billing_mode"] == "PROVISIONED" and new["billing_mode"] == "PAY_PER_REQUEST":
        yield Found(
            "DynamoDB switches a table from provisioned to on-demand at most four times in a "
            "24-hour rolling window (the other way at any time); after recent switches the "
            "update fails until the window has passed" + _last_switch(old),
        )


def _last_switch(old: Snapshot) -> str:
    """What a live baseline knows: when the table last went to on-demand (DynamoDB keeps
    only the last time, not the count)."""
    recorded = old.get(LAST_ON_DEMAND_SWITCH)
    if recorded is None:
        return "; compare with --against live to see when this table last switched"
    if not recorded:
        return "; DynamoDB reports no switch of this table to on-demand"
    when = datetime.fromisoformat(recorded)
    hours = (datetime.now(UTC) - when).total_seconds() / 3600
    if hours >= 24:
        return (f"; this table last switched to on-demand at {recorded}, more than 24 hours "
                "ago, so this switch is allowed")
    return (f"; this table last switched to on-demand at {recorded}, {hours:.0f} hours ago: "
            "at least one of the four switches of the window is used, and DynamoDB does not "
            "say how many")


@_rule("P107", "the table class changes: storage and request prices change", blocking=False)
def _table_class(key: str, old: Snapshot, new: Snapshot) -> Iterator[Found]:
    if old["table_class"] != new["table_class"]:
        yield Found(
            f"{old['table_class']} -> {new['table_class']} applies to the table and every "
            "index; DynamoDB runs it in the background while the table stays available",
        )
    # A replica that states its own class (model.json records it only then) changes alone.
    before = {r["region"]: r for r in old.get("replicas", [])}
    for replica in new.get("replicas", []):
        was = before.get(replica["region"])
        if was is None or "table_class" not in was.keys() | replica.keys():
            continue
        classes = (was.get("table_class", old["table_class"]),
                   replica.get("table_class", new["table_class"]))
        if classes[0] != classes[1]:
            yield Found(
                f"the replica in {replica['region']}: {classes[0]} -> {classes[1]}; DynamoDB "
                "runs it in the background while the replica stays available",
            )


@_rule("P109", "a replica's encryption key changes: the replica is recreated",
       blocking=False)
def _replica_key(key: str, old: Snapshot, new: Snapshot) -> Iterator[Found]:
    before = {r["region"]: r for r in old.get("replicas", [])}
    for replica in new.get("replicas", []):
        was = before.get(replica["region"])
        if was is not None and was.get("kms_key_arn") != replica.get("kms_key_arn"):
            yield Found(
                f"the replica in {replica['region']} is deleted and created again with the "
                "new key; until DynamoDB has copied the items again, reads and writes in "
                "that region fail",
                (f"move the traffic of {replica['region']} to another region first",
                 "deploy", "move the traffic back once the replica is ACTIVE"),
            )


@_rule("P110", "a scaled index's capacity changes: autoscaling decides it", blocking=False,
       terraform_ignores=True)
def _scaled_capacity(key: str, old: Snapshot, new: Snapshot) -> Iterator[Found]:
    before = {ix["name"]: ix for ix in old["global_secondary_indexes"]}
    for index in new["global_secondary_indexes"]:
        was = before.get(index["name"])
        if was and index.get("autoscaling") and was.get("capacity") != index.get("capacity"):
            yield Found(
                f"index {index['name']} autoscales, so its capacity in the table file only "
                "applies when the index is created; the module keeps the capacity autoscaling "
                "set (change autoscaling's min and max instead)",
                field=f"global_secondary_indexes[{index['name']}].capacity",
            )


def warm_decreases(old: Any, new: Any) -> list[str]:
    """The warm throughput units (``read_units_per_second``, ...) that ``new`` lowers from
    ``old``; either may be None. DynamoDB raises warm throughput and never lowers it."""
    if not old:
        return []
    return [unit for unit, was in old.items()
            if was is not None and (not new or new.get(unit) is None or new[unit] < was)]


@_rule("P121", "an index's warm throughput decreases: DynamoDB refuses it", blocking=True)
def _index_warm_decrease(key: str, old: Snapshot, new: Snapshot) -> Iterator[Found]:
    before = {ix["name"]: ix for ix in old["global_secondary_indexes"]}
    for index in new["global_secondary_indexes"]:
        was = before.get(index["name"])
        lowered = warm_decreases(was and was.get("warm_throughput"), index.get("warm_throughput"))
        if was and lowered:
            yield Found(
                f"index {index['name']} lowers or drops {', '.join(lowered)}; DynamoDB never "
                "lowers warm throughput, so the UpdateTable of either engine fails (the "
                "deployed index keeps its value)",
                ("keep the deployed warm throughput in the table file (it is a floor DynamoDB "
                 "keeps ready, not a limit)",
                 "or create an index with another name and the new value, move the queries "
                 "to it, then remove the old index"),
                field=f"global_secondary_indexes[{index['name']}].warm_throughput",
            )


# Found by the diff itself, which plans CloudFormation's index and replica operations.
SEVERAL_OPERATIONS = _declare(Rule(
    "P108", "several index or replica creations or deletions: one per CloudFormation update",
    blocking=True))
RENAMED = _declare(Rule(
    "P111", "a table file was renamed: Terraform moves the table, CloudFormation would "
    "replace it", blocking=True))


def findings(key: str, old: Snapshot, new: Snapshot) -> tuple[Finding, ...]:
    """Every finding for one table that exists on both sides, in rule order."""
    return tuple(rule.stamp(found) for rule, check in _CHECKS
                 for found in check(key, old, new))
