"""Changes that deploy only in order or at a pace (P1xx), renamed table files, and the TTL
syntax that states the step in between; each through `build` then `plan --format json`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.pipeline import load_project
from generator.sequencing import RULES
from tests.helpers import run_cli, write_tables
from tests.test_plan import BASE, REPLICATED, _plan_after_edit, _table

PROVISIONED = BASE.replace("tags:", "billing_mode: PROVISIONED\ncapacity: {read: 1, write: 1}\n"
                           "tags:").replace("projection: ALL\n", "projection: ALL\n    capacity: "
                                            "{read: 1, write: 1}\n")
SCALED = PROVISIONED.replace("    capacity: {read: 1, write: 1}\n", "    capacity: {read: 1, "
                             "write: 1}\n    autoscaling: {read: {min: 1, max: 9}}\n", 1)
STREAMED = BASE.replace("tags:", "stream: NEW_IMAGE\ntags:")
ENCRYPTED = REPLICATED.replace(
    "stream:", "encryption:\n  type: customer_managed\n"
    "  kms_key_arn: arn:aws:kms:us-east-1:111122223333:key/t\nstream:").replace(
    "  - region: eu-west-1\n", "  - region: eu-west-1\n"
    "    kms_key_arn: arn:aws:kms:eu-west-1:111122223333:key/a\n")
KEYED = ENCRYPTED.replace("eu-west-1:111122223333:key/a", "eu-west-1:111122223333:key/b")


def _findings(document: Any) -> list[dict[str, Any]]:
    return list(_table(document)["findings"])


CASES = [
    ("P101", BASE, BASE.replace("ttl_attribute: ttl", "ttl_attribute: expires"),
     "time to live moves from ttl to expires; DynamoDB refuses to enable time to live on an "
     "attribute while it is enabled on another, and refuses any further TTL change on the "
     "table for about an hour after the last one"),
    ("P102", BASE, BASE.replace("ttl_attribute: ttl", "ttl_attribute: ttl\nttl_enabled: false"),
     "items stop expiring by ttl; DynamoDB refuses to enable time to live on an attribute "
     "while it is enabled on another, and refuses any further TTL change on the table for "
     "about an hour after the last one"),
    ("P103", BASE, BASE.replace("ttl_attribute: ttl\n", ""),
     "the table file no longer names a TTL attribute; the AWS provider does not turn TTL off "
     "when the ttl block disappears, so the table would keep expiring items by ttl under "
     "Terraform"),
    ("P104", STREAMED, STREAMED.replace("NEW_IMAGE", "NEW_AND_OLD_IMAGES"),
     "DynamoDB cannot change the view type of an enabled stream (NEW_IMAGE -> "
     "NEW_AND_OLD_IMAGES): the stream is turned off and a new one turned on, with a new ARN; "
     "every consumer (Lambda event source mappings, Kinesis adapters) reads the old one until "
     "it is re-pointed, and records written in between are not in the new one"),
    ("P105", STREAMED, BASE,
     "the stream ends; its records stay readable for 24 hours, and a stream turned on again "
     "later has a new ARN that every consumer must be pointed at; the Terraform output "
     'table_stream_arns["t"] and the CloudFormation output TTableStreamArn (and its export) '
     "change"),
    ("P106", PROVISIONED, BASE,
     "DynamoDB switches a table from provisioned to on-demand at most four times in a 24-hour "
     "rolling window (the other way at any time); after recent switches the update fails "
     "until the window has passed; compare with --against live to see when this table last "
     "switched"),
    ("P107", BASE, BASE.replace("tags:", "table_class: STANDARD_INFREQUENT_ACCESS\ntags:"),
     "STANDARD -> STANDARD_INFREQUENT_ACCESS applies to the table and every index; DynamoDB "
     "runs it in the background while the table stays available"),
    ("P108", REPLICATED, REPLICATED + "  - region: ap-southeast-2\n  - region: us-west-2\n",
     "CloudFormation: 2 index or replica creations/deletions, but a stack update may create "
     "or delete only one per table (Terraform applies them in one run)"),
    ("P109", ENCRYPTED, KEYED,
     "the replica in eu-west-1 is deleted and created again with the new key; until DynamoDB "
     "has copied the items again, reads and writes in that region fail"),
    ("P110", SCALED, SCALED.replace("{read: 1, write: 1}\n    autoscaling",
                                    "{read: 3, write: 1}\n    autoscaling"),
     "index by-owner autoscales, so its capacity in the table file only applies when the "
     "index is created; the module keeps the capacity autoscaling set (change autoscaling's "
     "min and max instead)"),
]


@pytest.mark.parametrize(("code", "before", "after", "explanation"), CASES,
                         ids=[c[0] for c in CASES])
def test_p1xx_sequencing_finding_explains_and_sets_the_exit_code(
    tmp_path: Path, code: str, before: str, after: str, explanation: str
) -> None:
    document = _plan_after_edit(tmp_path, before, after)
    found = [f for f in _findings(document) if f["code"] == code]
    assert [f["explanation"] for f in found] == [explanation]
    assert found[0]["title"] == RULES[code].title
    assert document["exit_code"] == (1 if RULES[code].blocking else 0)


def test_every_sequencing_rule_is_tested_here() -> None:
    # P121 needs provider target 6 in a settings file: tests/test_plan_target_features.py.
    assert sorted(RULES) == sorted([c[0] for c in CASES] + ["P111", "P121"])


def test_ttl_rename_takes_two_deployments_an_hour_apart_with_ttl_off_in_between(
    tmp_path: Path,
) -> None:
    document = _plan_after_edit(tmp_path, BASE, BASE.replace("ttl_attribute: ttl",
                                                             "ttl_attribute: expires"))
    (found,) = [f for f in _findings(document) if f["code"] == "P101"]
    assert found["steps"] == [
        "deploy the table file with `ttl_attribute: ttl` and `ttl_enabled: false` (TTL off)",
        "wait at least one hour",
        "deploy the table file with `ttl_attribute: expires`",
    ]
    assert document["exit_code"] == 1
    # The second deployment, from the stated "TTL off", is a plain change.
    off = BASE.replace("ttl_attribute: ttl", "ttl_attribute: ttl\nttl_enabled: false")
    second = _plan_after_edit(tmp_path / "two", off, BASE.replace("ttl_attribute: ttl",
                                                                  "ttl_attribute: expires"))
    assert _findings(second) == []
    assert second["exit_code"] == 0


def test_stated_ttl_off_is_rendered_as_a_disable_in_both_formats(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", t=BASE.replace(
        "ttl_attribute: ttl", "ttl_attribute: ttl\nttl_enabled: false"))
    out = tmp_path / "out"
    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    terraform = (out / "terraform" / "table_t.tf").read_text(encoding="utf-8")
    assert "  ttl {\n    # TTL stated off; the provider disables it on the attribute it has " \
           "enabled.\n    enabled = false\n  }\n" in terraform
    template = json.loads((out / "cloudformation" / "template.json").read_text(encoding="utf-8"))
    assert template["Resources"]["TTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "ttl", "Enabled": False}


def test_ttl_enabled_false_without_the_attribute_is_still_a_ttl_that_terraform_leaves_on(
    tmp_path: Path,
) -> None:
    """CloudFormation needs the attribute to turn TTL off, so only the pair states it."""
    document = _plan_after_edit(tmp_path, BASE, BASE.replace("ttl_attribute: ttl",
                                                             "ttl_enabled: false"))
    assert [f["code"] for f in _findings(document)] == ["P103"]
    assert document["exit_code"] == 1


def test_plans_without_findings_against_an_older_baseline_that_lacks_ttl_disabled(
    tmp_path: Path,
) -> None:
    schemas = write_tables(tmp_path / "schemas", t=BASE)
    out = tmp_path / "out"
    run_cli("build", "--schemas", str(schemas), "--out", str(out))
    document = json.loads((out / "model.json").read_text(encoding="utf-8"))
    del document["tables"]["t"]["ttl_disabled"]
    (out / "model.json").write_text(json.dumps(document), encoding="utf-8")
    table = _table(json.loads(run_cli("plan", "--schemas", str(schemas), "--out", str(out),
                                      "--format", "json").stdout))
    assert (table["action"], table["notes"], table["findings"]) == ("unchanged", [], [])


def test_renamed_table_file_is_a_rename_and_build_writes_the_moved_block(
    tmp_path: Path,
) -> None:
    schemas = write_tables(tmp_path / "schemas", old_name=BASE)
    out = tmp_path / "out"
    run_cli("build", "--schemas", str(schemas), "--out", str(out))
    (schemas / "old_name.yaml").rename(schemas / "new_name.yaml")
    result = run_cli("plan", "--schemas", str(schemas), "--out", str(out), "--format", "json")
    document = json.loads(result.stdout)
    assert [(t["key"], t["action"], t["renamed_from"]) for t in document["tables"]] == [
        ("new_name", "rename", "old_name")]
    (found,) = _table(document, "new_name")["findings"]
    assert found["code"] == "P111"
    assert "logical id changes from OldNameTable to NewNameTable" in found["explanation"]
    assert "create-stack-refactor" in found["steps"][1]
    assert document["data_loss_risk"] is False
    assert result.code == 1  # CloudFormation cannot follow in one update

    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    moved = (out / "terraform" / "moved.tf").read_text(encoding="utf-8")
    assert "moved {\n  from = aws_dynamodb_table.old_name\n  to   = aws_dynamodb_table.new_name" \
           "\n}\n" in moved
    # Kept by later builds, and by --check, until a table takes the old key again.
    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    assert (out / "terraform" / "moved.tf").exists()
    assert run_cli("build", "--check", "--schemas", str(schemas), "--out", str(out)).code == 0
    write_tables(schemas, old_name=BASE.replace("things", "other"))
    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    assert not (out / "terraform" / "moved.tf").exists()


def test_a_new_file_with_another_table_name_is_not_a_rename(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", old_name=BASE)
    out = tmp_path / "out"
    run_cli("build", "--schemas", str(schemas), "--out", str(out))
    (schemas / "old_name.yaml").unlink()
    write_tables(schemas, new_name=BASE.replace("name: things", "name: stuff"))
    document = json.loads(run_cli("plan", "--schemas", str(schemas), "--out", str(out),
                                  "--format", "json").stdout)
    assert [(t["key"], t["action"]) for t in document["tables"]] == [
        ("new_name", "create"), ("old_name", "remove")]


def test_a_table_with_scaled_indexes_lets_index_changes_through_to_terraform(
    tmp_path: Path,
) -> None:
    """Ignoring the whole global_secondary_index set dropped index additions and removals;
    only the scaled capacity is left to autoscaling, read back from the live table."""
    schemas = write_tables(tmp_path / "schemas", t=SCALED)
    out = tmp_path / "out"
    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    table = (out / "terraform" / "table_t.tf").read_text(encoding="utf-8")
    assert "global_secondary_index]" not in table and "global_secondary_index," not in table
    assert ('read_capacity   = try(local.scaled_index_capacity["t"]["by-owner"].read, 1)\n'
            "    write_capacity  = 1\n") in table
    scaling = (out / "terraform" / "autoscaling.tf").read_text(encoding="utf-8")
    assert 'data "aws_dynamodb_table" "scaled" {' in scaling
    assert "for index in table.global_secondary_index : index.name => {" in scaling


def test_the_readme_finding_table_is_the_registered_sequencing_rules_exactly() -> None:
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = [f"| {rule.code} | {rule.title} ({'needs steps' if rule.blocking else 'warning'}) |"
            for rule in sorted(RULES.values(), key=lambda rule: rule.code)]
    table = "\n".join(["| code | finding |", "|------|---------|", *rows]) + "\n"
    assert re.findall(r"^\| code \| finding \|\n(?:\|.*\|\n)+", readme, re.M) == [table]


def test_build_warns_where_terraform_leaves_replicas_without_a_setting(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", t=REPLICATED.replace(
        "stream:", "contributor_insights: true\npoint_in_time_recovery_period_days: 7\nstream:"))
    result = run_cli("build", "--schemas", str(schemas), "--out", str(tmp_path / "out"))
    assert result.code == 0
    source = next(t.source for t in load_project(schemas).tables)
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert [line.split(": ", 2)[2].split(" reaches")[0] for line in lines] == [
        "under Terraform, deletion protection", "under Terraform, the point-in-time recovery "
        "period", "under Terraform, Contributor Insights"]
    assert lines[0] == (
        f"warning: {source}: under Terraform, deletion protection reaches only "
        "the provider's region, not the replicas in eu-west-1 (the AWS provider 5.x has no "
        "replica argument for it); CloudFormation sets it on every replica")
    template = json.loads((tmp_path / "out" / "cloudformation" / "template.json").read_text(
        encoding="utf-8"))
    replicas = template["Resources"]["TTable"]["Properties"]["Replicas"]
    assert [r["PointInTimeRecoverySpecification"] for r in replicas] == [
        {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7}] * 2


@pytest.mark.parametrize(("hours", "said"), [
    (2, "2 hours ago: at least one of the four switches of the window is used, and DynamoDB "
        "does not say how many"),
    (30, "more than 24 hours ago, so this switch is allowed"),
])
def test_p106_reads_when_a_live_table_last_went_to_on_demand(
    tmp_path: Path, hours: int, said: str,
) -> None:
    from datetime import UTC, datetime, timedelta

    from generator.model_file import LAST_ON_DEMAND_SWITCH, table_snapshot
    from generator.plan import diff_snapshots

    write_tables(tmp_path / "old", t=PROVISIONED)
    write_tables(tmp_path / "new", t=BASE)
    (old,) = load_project(tmp_path / "old").tables
    (new,) = load_project(tmp_path / "new").tables
    when = (datetime.now(UTC) - timedelta(hours=hours, minutes=5)).isoformat()
    baseline = {**table_snapshot(old), LAST_ON_DEMAND_SWITCH: when}
    (found,) = [f for f in diff_snapshots("t", baseline, table_snapshot(new)).findings
                if f.code == "P106"]
    assert found.explanation.endswith(
        f"; this table last switched to on-demand at {when}, {said}"), found.explanation
