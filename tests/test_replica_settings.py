"""A replica of a global table may state its own table class, recovery period, Contributor
Insights and mode, read limit, deletion protection and tags; otherwise it has the table's.

The golden case tests/golden/replica-settings (provider target 6) shows them rendered; here
the same table files are read through each stage: the model's resolved replicas, model.json,
both formats, the build's warnings per provider target, `plan`'s verdicts, environments and
the Terraform reader.

moto cannot deploy these: its CloudFormation has no AWS::DynamoDB::GlobalTable (asserted
below, so the test demands a stack read-back once moto has one), and its UpdateTable accepts
ReplicaUpdates while DescribeTable reports no replicas (tests/test_adopt_live.py). The
template is read back through adopt's CloudFormation reader instead
(tests/test_adopt_sources.py adopts every golden template back to its model.json), and the
live reader's handling of a replica's own settings is pinned there with recorded answers.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import replica_gaps, replica_settings
from generator.model import Project, Replica
from generator.model_file import snapshots_from_json
from generator.pipeline import load_project
from generator.plan import diff
from generator.render import CLOUDFORMATION_TEMPLATE, render_project
from generator.settings import SETTINGS_FILE
from generator.validate import inlined_schema
from tests.conftest import REPO, Terraform
from tests.helpers import run_cli, write_tables
from tests.support.provider_schema import blocks, problems, schemas_for
from tests.support.shapes import load_hcl
from tests.test_properties import PROFILE, RUN, _run_counted

CASE = REPO / "tests" / "golden" / "replica-settings"
SOURCE = "input/orders.yaml"


def _target_5(tmp_path: Path) -> Path:
    """The golden case's table files without its settings file: provider target 5."""
    schemas = tmp_path / "input"
    shutil.copytree(CASE / "input", schemas)
    return schemas


def _replicas(project: Project) -> dict[str, Replica]:
    (table,) = project.tables
    return {replica.region: replica for replica in table.replicas}


def test_every_replica_setting_defaults_to_a_table_setting_the_schema_names() -> None:
    replica = inlined_schema()["properties"]["replicas"]["items"]["properties"]
    table = inlined_schema()["properties"]
    assert set(replica_settings.inherited()) == set(replica) - {
        "region", "unlisted_region", "kms_key_arn"}
    for key, path in replica_settings.inherited().items():
        assert path[0] in table, key
        assert "default: the table's" in replica[key]["description"], key


def test_a_replica_has_the_table_s_settings_except_those_it_states() -> None:
    replicas = _replicas(load_project(CASE / "input"))
    standby, sydney, oregon = replicas["eu-west-1"], replicas["ap-southeast-2"], replicas[
        "us-west-2"]
    assert (standby.table_class, standby.point_in_time_recovery_period_days,
            standby.contributor_insights, standby.contributor_insights_mode,
            standby.max_read_request_units, standby.deletion_protection, standby.tags) == (
        "STANDARD_INFREQUENT_ACCESS", 7, True, "THROTTLED_KEYS", 1000, False,
        (("site", "dublin"), ("team", "checkout"), ("tier", "standby")))
    assert (sydney.contributor_insights, sydney.point_in_time_recovery,
            sydney.recovery_period_days) == (False, False, None)
    assert (oregon.table_class, oregon.point_in_time_recovery_period_days,
            oregon.contributor_insights, oregon.max_read_request_units,
            oregon.deletion_protection, oregon.tags, oregon.overrides) == (
        "STANDARD", 14, True, 4000, True, (("team", "checkout"), ("tier", "gold")),
        frozenset())


def test_model_json_records_only_what_a_replica_sets_otherwise_than_the_table(
    tmp_path: Path,
) -> None:
    """A replica that states the table's own value records nothing more, so its baseline
    reads the same as a replica that states nothing."""
    schemas = write_tables(tmp_path / "schemas", t="""\
        name: things
        partition_key: {name: id, type: S}
        stream: NEW_AND_OLD_IMAGES
        table_class: STANDARD_INFREQUENT_ACCESS
        tags: {team: a}
        replicas:
          - region: eu-west-1
            table_class: STANDARD_INFREQUENT_ACCESS
            tags: {team: a}
          - region: eu-west-3
            table_class: STANDARD
            tags: {site: paris}
        """)
    model = json.loads(render_project(load_project(schemas))["model.json"])
    assert model["tables"]["t"]["replicas"] == [
        {"region": "eu-west-1", "kms_key_arn": None, "point_in_time_recovery": True},
        {"region": "eu-west-3", "kms_key_arn": None, "point_in_time_recovery": True,
         "table_class": "STANDARD", "tags": {"site": "paris", "team": "a"}},
    ]


def test_cloudformation_gives_each_replica_its_own_settings() -> None:
    template = json.loads((CASE / "expected" / CLOUDFORMATION_TEMPLATE).read_text("utf-8"))
    (table,) = (r for r in template["Resources"].values()
                if r["Type"] == "AWS::DynamoDB::GlobalTable")
    primary, standby, sydney, oregon = table["Properties"]["Replicas"]
    assert primary["Region"] == {"Ref": "AWS::Region"}
    assert {k: standby[k] for k in (
        "PointInTimeRecoverySpecification", "ContributorInsightsSpecification",
        "ReadOnDemandThroughputSettings", "Tags", "TableClass", "DeletionProtectionEnabled")
    } == {
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True,
                                             "RecoveryPeriodInDays": 7},
        "ContributorInsightsSpecification": {"Enabled": True, "Mode": "THROTTLED_KEYS"},
        "ReadOnDemandThroughputSettings": {"MaxReadRequestUnits": 1000},
        "Tags": [{"Key": "site", "Value": "dublin"}, {"Key": "team", "Value": "checkout"},
                 {"Key": "tier", "Value": "standby"}],
        "TableClass": "STANDARD_INFREQUENT_ACCESS",
        "DeletionProtectionEnabled": False,
    }
    assert "ContributorInsightsSpecification" not in sydney
    assert sydney["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": False}
    # The replica without settings of its own is written as the stack's own region is.
    assert {k: v for k, v in oregon.items() if k != "Region"} == {
        k: v for k, v in primary.items() if k not in ("Region", "SSESpecification")}


def test_moto_cloudformation_cannot_deploy_a_global_table() -> None:
    from moto.cloudformation.parsing import resource_class_from_type

    assert resource_class_from_type("AWS::DynamoDB::GlobalTable") is None, (
        "moto's CloudFormation now builds AWS::DynamoDB::GlobalTable: create a stack from "
        "the replica-settings golden template and read each replica back (module docstring)")


TARGET_6_WARNINGS = [
    f"warning: {SOURCE}: under Terraform, the point-in-time recovery period reaches only the "
    "provider's region, not the replicas in eu-west-1, us-west-2 (the AWS provider 6.x has no "
    "replica argument for it); CloudFormation sets it on every replica",
    *(f"warning: {SOURCE}: under Terraform, replica eu-west-1 does not get its own {setting} "
      "but the table's (the AWS provider 6.x has no replica argument for this setting); "
      "CloudFormation sets this setting on that replica"
      for setting in ("table class", "on-demand read limit (max_read_request_units)", "tags")),
]


def test_target_6_writes_a_replica_s_protection_and_insights_and_warns_for_the_rest() -> None:
    project = load_project(CASE / "input")
    assert replica_gaps.warnings(project) == TARGET_6_WARNINGS
    main = (CASE / "expected" / "terraform" / "table_orders.tf").read_text("utf-8")
    assert main.count("deletion_protection_enabled = false") == 1
    assert '"eu-west-1" = { region = "eu-west-1", index_name = null, mode = "THROTTLED_KEYS" }' \
        in main
    assert '"ap-southeast-2" =' not in main


def test_target_5_warns_for_each_replica_and_setting_terraform_leaves_out(
    tmp_path: Path,
) -> None:
    project = load_project(_target_5(tmp_path))
    assert replica_gaps.warnings(project) == [
        f"warning: {SOURCE}: under Terraform, deletion protection reaches only the provider's "
        "region, not the replicas in ap-southeast-2, us-west-2 (the AWS provider 5.x has no "
        "replica argument for it); CloudFormation sets it on every replica",
        *(w.replace("6.x", "5.x") for w in TARGET_6_WARNINGS[:1]),
        f"warning: {SOURCE}: under Terraform, Contributor Insights reaches only the provider's "
        "region, not the replicas in eu-west-1, us-west-2 (the AWS provider 5.x has no replica "
        "argument for it); CloudFormation sets it on every replica",
        *(w.replace("6.x", "5.x") for w in TARGET_6_WARNINGS[1:]),
    ]


def test_target_5_output_of_per_replica_settings_fits_the_5_100_schema(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("build", "--schemas", str(_target_5(tmp_path)), "--out", str(out))
    assert result.code == 0, result.stderr
    module = out / "terraform"
    assert "deletion_protection_enabled" not in (module / "table_orders.tf").read_text(
        "utf-8").split("replica {", 1)[1]
    schemas = schemas_for(5)
    found = [p for kind, type_name, name, body in blocks(load_hcl(module))
             for p in problems(body, schemas[kind, type_name], f"{type_name}.{name}")]
    assert found == []


@pytest.mark.slow
def test_target_5_output_of_per_replica_settings_validates(
    tmp_path: Path, terraform: Terraform
) -> None:
    out = tmp_path / "out"
    assert run_cli("build", "--schemas", str(_target_5(tmp_path)), "--out", str(out)).code == 0
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(
        f'module "tables" {{\n  source = "{(out / "terraform").as_posix()}"\n}}\n', "utf-8")
    init = terraform.run(["init", "-backend=false", "-no-color"], cwd=root)
    assert init.returncode == 0, init.stdout + init.stderr
    validate = terraform.run(["validate", "-no-color"], cwd=root)
    assert validate.returncode == 0, validate.stdout + validate.stderr


REPLICATED = """\
name: things
partition_key: {name: id, type: S}
stream: NEW_AND_OLD_IMAGES
replicas:
  - region: eu-west-1
"""


def _plan(tmp_path: Path, before: str, after: str, target: int) -> Any:
    def project(name: str, text: str) -> Project:
        folder = tmp_path / name
        write_tables(folder / "schemas", t=text)
        (folder / SETTINGS_FILE).write_text(f"terraform: {{provider: {target}}}\n", "utf-8")
        return load_project(folder / "schemas")

    baseline = snapshots_from_json(render_project(project("old", before))["model.json"],
                                   "model.json")
    (table,) = diff(baseline, project("new", after), "before").tables
    return table


@pytest.mark.parametrize(("setting", "target", "terraform"), [
    ("deletion_protection: false", 5, "no-op"),
    ("deletion_protection: false", 6, "update"),
    ("table_class: STANDARD_INFREQUENT_ACCESS", 6, "no-op"),
    ("tags: {site: dublin}", 6, "no-op"),
    ("contributor_insights: true", 6, "no-op"),
    ("point_in_time_recovery_period_days: 7", 5, "no-op"),
])
def test_plan_updates_a_replica_in_place_and_knows_what_terraform_changes(
    tmp_path: Path, setting: str, target: int, terraform: str
) -> None:
    """A replica's own setting is an in-place update of the global table; Terraform changes
    aws_dynamodb_table only where the replica block carries the setting (contributor
    insights is a resource of its own, the rest it cannot write)."""
    key = setting.partition(":")[0]
    table = _plan(tmp_path, REPLICATED, REPLICATED + f"    {setting}\n", target)
    assert table.action == "update"
    (change,) = table.changes
    assert change.field == "replicas[eu-west-1]"
    assert key in (change.after or "") and key not in (change.before or "")
    assert table.terraform_action == terraform


@pytest.mark.parametrize(("settings_", "target", "unwritten"), [
    ("deletion_protection: false\n    table_class: STANDARD_INFREQUENT_ACCESS", 5,
     "deletion_protection, table_class"),
    ("contributor_insights: true", 5, "contributor_insights"),
    ("deletion_protection: false\n    contributor_insights: true", 6, None),
    ("tags: {site: dublin}", 6, "tags"),
])
def test_plan_notes_the_replica_settings_the_terraform_module_cannot_write(
    tmp_path: Path, settings_: str, target: int, unwritten: str | None
) -> None:
    table = _plan(tmp_path, REPLICATED, REPLICATED + f"    {settings_}\n", target)
    noted = [n for n in table.notes if n.startswith("Terraform:")]
    assert noted == ([] if unwritten is None else [
        f"Terraform: the module does not write {unwritten} of the replica in eu-west-1 "
        f"(provider target {target}; `build` warns), so only CloudFormation changes that "
        "replica"])


def test_plan_says_when_a_replica_s_own_table_class_changes(tmp_path: Path) -> None:
    table = _plan(tmp_path, REPLICATED, REPLICATED + "    table_class: "
                  "STANDARD_INFREQUENT_ACCESS\n", 5)
    assert [(f.code, f.explanation) for f in table.findings] == [(
        "P107", "the replica in eu-west-1: STANDARD -> STANDARD_INFREQUENT_ACCESS; DynamoDB runs "
        "it in the background while the replica stays available")]


def test_an_environment_s_protection_and_recovery_replace_a_replica_s_own(
    tmp_path: Path,
) -> None:
    write_tables(tmp_path / "schemas", t=REPLICATED + (
        "    deletion_protection: true\n    point_in_time_recovery_period_days: 7\n"))
    (tmp_path / SETTINGS_FILE).write_text(
        "environments:\n  dev: {deletion_protection: false, point_in_time_recovery: false}\n",
        "utf-8")
    project = load_project(tmp_path / "schemas")
    ((name, dev),) = project.environments
    (replica,) = dev.tables[0].replicas
    assert (name, replica.deletion_protection, replica.point_in_time_recovery,
            replica.recovery_period_days) == ("dev", False, False, None)
    (own,) = project.tables[0].replicas
    assert (own.deletion_protection, own.recovery_period_days) == (True, 7)


def test_a_terraform_6_state_gives_back_each_replica_s_protection_and_insights(
    tmp_path: Path,
) -> None:
    replica = {"region_name": "", "kms_key_arn": "", "point_in_time_recovery": True,
               "propagate_tags": True, "deletion_protection_enabled": True}
    table: dict[str, Any] = {
        "name": "orders", "hash_key": "id", "range_key": None, "billing_mode": "PAY_PER_REQUEST",
        "attribute": [{"name": "id", "type": "S"}], "global_secondary_index": [],
        "local_secondary_index": [], "ttl": [], "stream_enabled": True,
        "stream_view_type": "NEW_AND_OLD_IMAGES", "server_side_encryption": [],
        "point_in_time_recovery": [{"enabled": True}], "deletion_protection_enabled": True,
        "replica": [{**replica, "region_name": "eu-west-1", "deletion_protection_enabled": False},
                    {**replica, "region_name": "us-west-2"}],
        "tags": {},
    }

    def insights(name: str, region: str | None, mode: str | None) -> dict[str, Any]:
        values = {"table_name": "orders", "index_name": None, "mode": mode, "region": region}
        return {"address": f"aws_dynamodb_contributor_insights.{name}", "mode": "managed",
                "type": "aws_dynamodb_contributor_insights", "name": name, "values": values}

    state = tmp_path / "state.json"
    state.write_text(json.dumps({"format_version": "1.0", "values": {"root_module": {
        "resources": [
            {"address": "aws_dynamodb_table.orders", "mode": "managed",
             "type": "aws_dynamodb_table", "name": "orders", "values": table},
            insights("orders", "us-east-1", None),
            insights("orders_replicas", "eu-west-1", "THROTTLED_KEYS"),
        ]}}}), encoding="utf-8")
    result = run_cli("adopt", "--schemas", str(tmp_path / "schemas"), "--terraform", str(state))
    assert result.code == 0, result.stderr
    (tmp_path / SETTINGS_FILE).write_text("terraform: {provider: 6}\n", "utf-8")
    replicas = _replicas(load_project(tmp_path / "schemas"))
    assert (replicas["eu-west-1"].deletion_protection, replicas["eu-west-1"].contributor_insights,
            replicas["eu-west-1"].contributor_insights_mode) == (False, True, "THROTTLED_KEYS")
    assert (replicas["us-west-2"].deletion_protection,
            replicas["us-west-2"].contributor_insights) == (True, False)


def test_a_replica_s_own_insights_mode_on_target_6_asks_for_the_provider_that_has_modes(
    tmp_path: Path,
) -> None:
    """The table has no Contributor Insights; one replica turns them on with a mode."""
    write_tables(tmp_path / "schemas", t=REPLICATED + (
        "    contributor_insights: true\n    contributor_insights_mode: THROTTLED_KEYS\n"))
    (tmp_path / SETTINGS_FILE).write_text("terraform: {provider: 6}\n", "utf-8")
    project = load_project(tmp_path / "schemas")
    assert project.provider_constraint == ">= 6.11"
    files = render_project(project)
    module = files["terraform/table_t.tf"]
    assert '"eu-west-1" = { region = "eu-west-1", index_name = null, mode = "THROTTLED_KEYS" }' \
        in module
    assert 'resource "aws_dynamodb_contributor_insights" "t" {' not in module
    assert replica_gaps.warnings(project) == []


# --- property: any replica settings come back from the CloudFormation template ------------

_TAGS = st.dictionaries(st.sampled_from(["team", "tier", "site", "cost"]),
                        st.sampled_from(["a", "b", "c"]), max_size=3)


@st.composite
def _global_tables(draw: st.DrawFn) -> dict[str, Any]:
    """A valid global table whose replicas each state a random part of their settings."""
    table: dict[str, Any] = {"name": "orders", "partition_key": {"name": "id", "type": "S"},
                             "stream": "NEW_AND_OLD_IMAGES"}
    for key, strategy in (("table_class", st.sampled_from(_CLASSES)),
                          ("point_in_time_recovery", st.booleans()),
                          ("contributor_insights", st.booleans()),
                          ("deletion_protection", st.booleans()), ("tags", _TAGS)):
        if draw(st.booleans()):
            table[key] = draw(strategy)
    if table.get("point_in_time_recovery", True) and draw(st.booleans()):
        table["point_in_time_recovery_period_days"] = draw(st.integers(1, 35))
    if table.get("contributor_insights") and draw(st.booleans()):
        table["contributor_insights_mode"] = draw(st.sampled_from(_MODES))
    if draw(st.booleans()):
        table["on_demand_throughput"] = {"max_read_request_units": draw(st.integers(1, 9000))}
    regions = draw(st.lists(st.sampled_from(["eu-west-1", "eu-west-3", "us-west-2"]),
                            min_size=1, max_size=3, unique=True))
    table["replicas"] = [draw(_replica(table, region)) for region in regions]
    return table


_CLASSES = ["STANDARD", "STANDARD_INFREQUENT_ACCESS"]
_MODES = ["ACCESSED_AND_THROTTLED_KEYS", "THROTTLED_KEYS"]


@st.composite
def _replica(draw: st.DrawFn, table: dict[str, Any], region: str) -> dict[str, Any]:
    replica: dict[str, Any] = {"region": region}
    for key, strategy in (("table_class", st.sampled_from(_CLASSES)),
                          ("point_in_time_recovery", st.booleans()),
                          ("contributor_insights", st.booleans()),
                          ("deletion_protection", st.booleans()), ("tags", _TAGS),
                          ("max_read_request_units", st.integers(1, 9000))):
        if draw(st.booleans()):
            replica[key] = draw(strategy)
    # What a ReplicaSpecification cannot leave out where the table has it (adopt notes it).
    recovery = replica.get("point_in_time_recovery", table.get("point_in_time_recovery", True))
    if recovery and (table.get("point_in_time_recovery_period_days") or draw(st.booleans())):
        replica["point_in_time_recovery_period_days"] = draw(st.integers(1, 35))
    insights = replica.get("contributor_insights", table.get("contributor_insights", False))
    if insights and (table.get("contributor_insights_mode") or draw(st.booleans())):
        replica["contributor_insights_mode"] = draw(st.sampled_from(_MODES))
    if "on_demand_throughput" in table:
        replica.setdefault("max_read_request_units", draw(st.integers(1, 9000)))
    return replica


def test_random_replica_settings_come_back_from_the_cloudformation_template(
    record_property: Callable[[str, object], None],
) -> None:
    _run_counted(_replicas_adopt_back, "replica settings", 40, record_property)


@settings(PROFILE, max_examples=40)
@given(_global_tables())
def _replicas_adopt_back(table: dict[str, Any]) -> None:
    RUN["replica settings"] += 1
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in"
        source.mkdir()
        # A table's insights mode needs provider target 6 (E601); both folders share it.
        (Path(folder) / SETTINGS_FILE).write_text("terraform: {provider: 6}\n", "utf-8")
        (source / "orders.yaml").write_text(yaml.safe_dump(table), "utf-8")
        built = render_project(load_project(source))
        template = Path(folder) / "template.json"
        template.write_text(built[CLOUDFORMATION_TEMPLATE], encoding="utf-8")
        result = run_cli("adopt", "--schemas", str(Path(folder) / "adopted"),
                         "--cloudformation", str(template))
        assert result.code == 0, result.stderr
        adopted = render_project(load_project(Path(folder) / "adopted"))
        (before,), (after,) = (json.loads(files["model.json"])["tables"].values()
                               for files in (built, adopted))
        assert {k: v for k, v in after.items() if k != "source"} == {
            k: v for k, v in before.items() if k != "source"}
