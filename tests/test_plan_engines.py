"""Every kind of change `plan` knows, checked against what CloudFormation's own resource
schemas (shipped with cfn-lint) say about the properties it touches, and listed in the
README as a table generated from the same cases so the two cannot drift.

For each case both versions are rendered; the CloudFormation properties that differ are
looked up in the schema of the resource type: a createOnly property, or a conditionally
createOnly one (the key schema, and a global table's local indexes), means replacement, a
change of resource type too. `plan` must say "replace in CloudFormation" for exactly those.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from generator.model_file import snapshots_from_json
from generator.pipeline import load_project
from generator.plan import Action, diff
from generator.plan_wording import CLOUDFORMATION
from generator.render import CLOUDFORMATION_TEMPLATE, render_project
from tests.conftest import REPO
from tests.helpers import write_tables
from tests.test_plan import BASE, GSI_COLOUR, REPLICATED
from tests.test_plan_sequencing import ENCRYPTED, KEYED, PROVISIONED, SCALED, STREAMED

GSI_OWNER = ("global_secondary_indexes:\n  - name: by-owner\n    partition_key: {name: owner, "
             "type: S}\n    projection: ALL\n")
SINGLE = REPLICATED[: REPLICATED.index("replicas:")]

# (what changes, before, after); None: the file is removed.
KINDS: list[tuple[str, str, str | None]] = [
    ("table name", BASE, BASE.replace("name: things", "name: stuff")),
    ("partition key name", BASE, BASE.replace("{name: id,", "{name: uid,")),
    ("partition key type", BASE, BASE.replace("{name: id, type: S}", "{name: id, type: N}")),
    ("sort key", BASE, BASE.replace("{name: at, type: S}", "{name: when, type: S}")),
    ("LSI added", BASE, BASE.replace("tags:", "  - name: by-weight\n    sort_key: {name: "
                                     "weight, type: N}\n    projection: ALL\ntags:")),
    ("LSI projection", BASE, BASE.replace("projection: KEYS_ONLY\ntags", "projection: ALL\ntags")),
    ("GSI added", BASE, BASE.replace("local_secondary_indexes:\n",
                                     GSI_COLOUR + "local_secondary_indexes:\n")),
    ("GSI removed", BASE, BASE.replace(GSI_OWNER, "")),
    ("GSI projection", BASE, BASE.replace("    projection: ALL\nlocal",
                                          "    projection: KEYS_ONLY\nlocal")),
    ("GSI key", BASE, BASE.replace("{name: owner, type: S}", "{name: owner_id, type: S}")),
    ("GSI contributor insights", REPLICATED, REPLICATED.replace(
        "projection: KEYS_ONLY\n", "projection: KEYS_ONLY\n    contributor_insights: true\n")),
    ("GSI capacity", PROVISIONED, PROVISIONED.replace("    capacity: {read: 1, write: 1}\n",
                                                      "    capacity: {read: 2, write: 1}\n")),
    ("scaled GSI capacity", SCALED, SCALED.replace("{read: 1, write: 1}\n    autoscaling",
                                                   "{read: 3, write: 1}\n    autoscaling")),
    ("billing to provisioned", BASE, PROVISIONED),
    ("billing back to on-demand", PROVISIONED, BASE),
    ("table capacity", PROVISIONED, PROVISIONED.replace("capacity: {read: 1, write: 1}\ntags",
                                                        "capacity: {read: 4, write: 1}\ntags")),
    ("TTL attribute renamed", BASE, BASE.replace("ttl_attribute: ttl", "ttl_attribute: exp")),
    ("TTL stated off", BASE, BASE.replace("ttl_attribute: ttl", "ttl_attribute: ttl\n"
                                          "ttl_enabled: false")),
    ("TTL removed", BASE, BASE.replace("ttl_attribute: ttl\n", "")),
    ("stream on", BASE, STREAMED),
    ("stream view type", STREAMED, STREAMED.replace("NEW_IMAGE", "OLD_IMAGE")),
    ("stream off", STREAMED, BASE),
    ("table class", BASE, BASE.replace("tags:", "table_class: STANDARD_INFREQUENT_ACCESS\ntags:")),
    ("encryption", BASE, BASE.replace("tags:", "encryption: {type: aws_owned}\ntags:")),
    ("point-in-time recovery", BASE, BASE.replace("tags:", "point_in_time_recovery: false\n"
                                                  "tags:")),
    ("deletion protection", BASE, BASE.replace("tags:", "deletion_protection: false\ntags:")),
    ("contributor insights", BASE, BASE.replace("tags:", "contributor_insights: true\ntags:")),
    ("tags", BASE, BASE.replace("tags: {team: a}", "tags: {team: b}")),
    ("replica added", REPLICATED, REPLICATED + "  - region: us-west-2\n"),
    ("replicas added", REPLICATED, REPLICATED + "  - region: us-west-2\n  - region: "
                                                "ap-southeast-2\n"),
    ("replica removed", REPLICATED + "  - region: us-west-2\n", REPLICATED),
    ("replica key", ENCRYPTED, KEYED),
    ("replica point-in-time recovery", REPLICATED, REPLICATED.replace(
        "  - region: eu-west-1\n", "  - region: eu-west-1\n    point_in_time_recovery: false\n")),
    *((f"replica {kind}", REPLICATED, REPLICATED.replace(
        "  - region: eu-west-1\n", f"  - region: eu-west-1\n    {setting}\n"))
      for kind, setting in (
          ("table class", "table_class: STANDARD_INFREQUENT_ACCESS"),
          ("recovery period", "point_in_time_recovery_period_days: 7"),
          ("contributor insights", "contributor_insights: true"),
          ("contributor insights mode",
           "contributor_insights: true\n    contributor_insights_mode: THROTTLED_KEYS"),
          ("read limit", "max_read_request_units: 100"),
          ("deletion protection", "deletion_protection: false"),
          ("tags", "tags: {site: dublin}"),
      )),
    ("made global", SINGLE, REPLICATED),
    ("table file removed", BASE, None),
]
RENAMED = "table file renamed"


def _project(folder: Path, text: str | None, key: str = "t") -> Any:
    tables = {"keep": BASE.replace("things", "kept")}
    if text is not None:
        tables[key] = text
    return load_project(write_tables(folder, **tables))


def _resource(project: Any, key: str) -> dict[str, Any] | None:
    template = json.loads(render_project(project)[CLOUDFORMATION_TEMPLATE])
    table = next((t for t in project.tables if t.key == key), None)
    if table is None:
        return None
    resource: dict[str, Any] = template["Resources"][table.logical_id]
    return resource


@cache
def _schema(type_name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(createOnly, conditionally createOnly) top-level properties of a resource type."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", type_name).schema

    def tops(name: str) -> frozenset[str]:
        return frozenset(p.split("/")[2] for p in schema.get(name, []))

    return tops("createOnlyProperties"), tops("conditionalCreateOnlyProperties")


# The Table schema leaves LocalSecondaryIndexes updatable, but DynamoDB creates local indexes
# with the table only (UpdateTable has no parameter for them), so the update cannot succeed
# in place; plan reports the replacement DynamoDB needs.
DYNAMODB_CREATE_ONLY = {"AWS::DynamoDB::Table": frozenset({"LocalSecondaryIndexes"})}


def _cloudformation_replaces(before: dict[str, Any], after: dict[str, Any]) -> bool:
    if before["Type"] != after["Type"]:
        return True
    changed = {
        name for name in before["Properties"].keys() | after["Properties"].keys()
        if before["Properties"].get(name) != after["Properties"].get(name)
    }
    create_only, conditional = _schema(after["Type"])
    dynamodb = DYNAMODB_CREATE_ONLY.get(after["Type"], frozenset())
    return bool(changed & (create_only | conditional | dynamodb)) or _key_type_changed(
        before["Properties"], after["Properties"])


def _key_type_changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """A table key attribute of another type: only AttributeDefinitions changes, which the
    schema lets update, but DynamoDB keeps a key's type for the table's life."""
    def types(properties: dict[str, Any]) -> dict[str, str]:
        keys = {k["AttributeName"] for k in properties["KeySchema"]}
        return {a["AttributeName"]: a["AttributeType"]
                for a in properties["AttributeDefinitions"] if a["AttributeName"] in keys}

    return types(before) != types(after)


def _verdict(tmp_path: Path, before: str, after: str | None, key: str = "t") -> Any:
    old = _project(tmp_path / "before", before)
    new = _project(tmp_path / "after", after, key)
    baseline = snapshots_from_json(render_project(old)["model.json"], "model.json")
    plan = diff(baseline, new, "before")
    return next(t for t in plan.tables if t.key == key), old, new


@pytest.mark.parametrize(("kind", "before", "after"), KINDS, ids=[k[0] for k in KINDS])
def test_plan_replaces_in_cloudformation_exactly_where_its_resource_schema_says(
    tmp_path: Path, kind: str, before: str, after: str | None
) -> None:
    table, old, new = _verdict(tmp_path, before, after)
    if after is None:
        assert table.action is Action.REMOVE
        return
    ours = any(CLOUDFORMATION in c.replaces_in for c in table.changes)
    old_resource, new_resource = _resource(old, "t"), _resource(new, "t")
    assert old_resource is not None and new_resource is not None
    assert ours == _cloudformation_replaces(old_resource, new_resource), kind


_SHOWN = {"update": "in place", "no-op": "no change to the table", "delete": "remove"}


def _row(kind: str, table: Any) -> str:
    engines = {engine for c in table.changes for engine in c.replaces_in}
    terraform = _SHOWN.get(table.terraform_action, table.terraform_action)
    cloudformation = "replace" if CLOUDFORMATION in engines else "remove" if (
        table.action is Action.REMOVE) else "in place"
    if table.action is Action.RENAME:
        terraform, cloudformation = "moved (moved block)", "replace (new logical id)"
    if any(op for op in table.operations) and len(table.operations) > 1:
        cloudformation += f", {len(table.operations)} updates"
    codes = ", ".join(f.code for f in table.findings) or "-"
    return f"| {kind} | {table.action} | {terraform} | {cloudformation} | {codes} |"


def test_readme_lists_every_change_kind_with_the_verdict_plan_gives(tmp_path: Path) -> None:
    rows = []
    for number, (kind, before, after) in enumerate(KINDS):
        table, _, _ = _verdict(tmp_path / str(number), before, after)
        rows.append(_row(kind, table))
    renamed, _, _ = _verdict(tmp_path / "renamed", BASE, BASE, key="renamed")
    rows.append(_row(RENAMED, renamed))
    expected = "\n".join(
        ["| change | plan | Terraform | CloudFormation | findings |",
         "|--------|------|-----------|----------------|----------|", *rows])
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- change kinds: .*? -->\n(.*?)\n<!-- end of change kinds -->",
                      readme, re.S)
    assert found is not None, "README.md lacks the table of change kinds"
    assert found.group(1) == expected, "\n" + expected
