"""CloudWatch alarms: which alarms each table gets, with which settings, and that both formats
carry exactly the model's alarms (read back from the generated HCL and JSON)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from generator import alarms
from generator.model import Project
from generator.pipeline import generate, load_project
from generator.render import CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR
from generator.settings import SETTINGS_FILE, alarm_defaults, settings_schema
from generator.validate import table_schema
from tests.conftest import OUT, REPO, SCHEMAS
from tests.helpers import write_tables
from tests.support.alarm_shapes import cfn_alarm_shapes, hcl_alarm_shapes, model_alarm_shapes
from tests.support.shapes import load_hcl, load_template
from tests.test_checks import BASE

GOLDEN = REPO / "tests" / "golden"
ALARMS = GOLDEN / "alarms"
CASES = [(SCHEMAS, OUT), *((GOLDEN / c / "input", GOLDEN / c / "expected")
                           for c in ("features", "capabilities", "alarms"))]
IDS = ["schemas", "features", "capabilities", "alarms"]


def _by_key(project: Project) -> dict[str, alarms.Alarm]:
    return {alarm.key: alarm for alarm in project.alarms}


@pytest.mark.parametrize(("schemas", "out"), CASES, ids=IDS)
def test_generated_hcl_holds_exactly_the_model_alarms(schemas: Path, out: Path) -> None:
    expected = model_alarm_shapes(load_project(schemas))
    assert hcl_alarm_shapes(out / TERRAFORM_DIR) == expected


@pytest.mark.parametrize(("schemas", "out"), CASES, ids=IDS)
def test_generated_cloudformation_holds_exactly_the_model_alarms(
    schemas: Path, out: Path
) -> None:
    expected = model_alarm_shapes(load_project(schemas))
    assert cfn_alarm_shapes(load_template(out / CLOUDFORMATION_TEMPLATE)) == expected


def test_alarm_shapes_tell_a_changed_threshold_apart() -> None:
    template = load_template(OUT / CLOUDFORMATION_TEMPLATE)
    template["Resources"]["SessionsTableSystemErrorsAlarm"]["Properties"]["Threshold"] = 1
    assert cfn_alarm_shapes(template) != model_alarm_shapes(load_project(SCHEMAS))


def test_sentinel_tables_get_throttle_alarms_per_table_and_index_and_system_errors() -> None:
    project = load_project(SCHEMAS)
    for table in project.tables:
        places = ["table", *(f"index {g.name}" for g in table.global_secondary_indexes)]
        expected = {(kind, where) for kind in ("read_throttle_events", "write_throttle_events")
                    for where in places} | {("system_errors", "table")}
        assert {(a.kind, a.where) for a in table.alarms} == expected, table.key
        assert all(a.threshold == 0 and a.period == 60 for a in table.alarms)
    assert project.account_alarms == ()


def _gsis(count: int) -> str:
    return "global_secondary_indexes:\n" + "".join(
        f"  - name: gsi{i}\n    partition_key: {{name: a{i}, type: S}}\n" for i in range(count))


def _replicas(regions: list[str]) -> str:
    return "stream: NEW_AND_OLD_IMAGES\nreplicas:\n" + "".join(
        f"  - region: {region}\n" for region in regions)


@pytest.mark.parametrize(("tables", "gsis", "regions"), [
    (1, 0, []), (1, 3, []), (2, 2, ["eu-west-1"]), (3, 1, ["eu-west-1", "ap-southeast-2"]),
])
def test_alarm_count_scales_with_tables_indexes_and_replicas(
    tmp_path: Path, tables: int, gsis: int, regions: list[str]
) -> None:
    """As documented: per on-demand table, two throttle alarms for the table and for each
    GSI, one for system errors, one replication latency alarm per replica region."""
    text = BASE + (_gsis(gsis) if gsis else "") + (_replicas(regions) if regions else "")
    folder = write_tables(tmp_path / "schemas", **{
        f"t{n}": text.replace("things", f"things{n}") for n in range(tables)})
    project = load_project(folder)
    assert len(project.alarms) == tables * (2 * (1 + gsis) + 1 + len(regions))
    files = generate(folder)
    assert len(_hcl_alarm_entries(files)) == len(project.alarms)
    resources = json.loads(files[CLOUDFORMATION_TEMPLATE])["Resources"].values()
    assert sum(r["Type"] == "AWS::CloudWatch::Alarm" for r in resources) == len(project.alarms)


def _hcl_alarm_entries(files: dict[str, str]) -> list[str]:
    """The entries of local.alarms in the generated alarms.tf."""
    text = files[f"{TERRAFORM_DIR}/alarms.tf"]
    return [line for line in text.splitlines() if line.startswith('    "') and "= {" in line]


def test_capacity_alarms_only_for_provisioned_tables_at_a_percent_of_their_capacity() -> None:
    found = _by_key(load_project(ALARMS / "input"))
    capacity = {k: a for k, a in found.items() if a.kind.startswith("consumed_")}
    # ledger: 75 % over 300 s of 10 read units, and of the index's autoscaling maximum, 40;
    # its write capacity alarm is off in its file.
    assert {k: a.threshold for k, a in capacity.items()} == {
        "ledger/table/consumed-read-capacity": 75 * 10 * 300 / 100,
        "ledger/index/by-day/consumed-read-capacity": 75 * 40 * 300 / 100,
    }


def test_on_demand_maximum_alarms_only_where_a_limit_is_set() -> None:
    found = _by_key(load_project(ALARMS / "input"))
    assert sorted(k for k, a in found.items() if "max_on_demand" in a.kind) == [
        "feed/index/by-user/write-max-on-demand-throttle-events",
        "feed/table/read-max-on-demand-throttle-events",
    ]


def test_replication_latency_per_replica_region_and_kinesis_only_with_a_destination() -> None:
    found = _by_key(load_project(ALARMS / "input"))
    latency = {k: (a.threshold, a.dimensions[1].value) for k, a in found.items()
               if a.kind == "replication_latency"}
    assert latency == {"feed/replica/eu-west-1/replication-latency": (60000, "eu-west-1"),
                       "feed/replica/ap-southeast-2/replication-latency": (60000,
                                                                           "ap-southeast-2")}
    assert [k for k, a in found.items() if a.kind == "kinesis_failed_records"] == [
        "events/table/kinesis-failed-records"]


def test_account_alarms_are_off_by_default_and_once_per_deployment() -> None:
    assert all(not alarm_defaults()[k.name]["enabled"] for k in alarms.ACCOUNT_KINDS)
    project = load_project(ALARMS / "input")
    assert [(a.key, a.table_key, a.dimensions, a.threshold) for a in project.account_alarms] == [
        ("account/read-capacity-utilization", None, (), 90),
        ("account/user-errors", None, (), 0),
    ]
    assert Counter(a.kind for a in project.alarms)["account_user_errors"] == 1


def test_the_table_file_overrides_the_project_which_overrides_the_schema_defaults() -> None:
    found = _by_key(load_project(ALARMS / "input"))
    errors = found["feed/table/system-errors"]  # from the settings file
    assert (errors.threshold, errors.evaluation_periods, errors.datapoints_to_alarm) == (5, 10, 10)
    writes = found["feed/table/write-throttle-events"]  # datapoints from the settings file
    assert (writes.evaluation_periods, writes.datapoints_to_alarm) == (5, 3)
    reads = found["ledger/index/by-day/read-throttle-events"]  # from the table file
    assert (reads.threshold, reads.treat_missing_data) == (10, "ignore")
    assert "events/table/system-errors" not in found  # off in the table file
    assert not [a for a in found.values() if a.table_key == "quiet"]  # alarms: false


def test_alarm_names_are_unique_and_follow_the_deployed_table_name() -> None:
    for schemas, out in CASES:
        project = load_project(schemas)
        names = [a.default_name for a in project.alarms]
        assert len(names) == len(set(names)), schemas
        hcl = load_hcl(out / TERRAFORM_DIR)["alarms.tf"]["locals"][0]["alarms"]
        for alarm in project.alarms:
            entry = hcl[json.dumps(alarm.key)]
            if alarm.table_key:
                assert entry["name"].startswith(
                    f'${{join("", [aws_dynamodb_table.{alarm.table_key}.name, ')
            else:
                assert entry["name"].startswith('${join("", [var.name_prefix, ')


def test_no_kind_name_ends_another_so_names_cannot_collide() -> None:
    """A GSI alarm is named <table>-<index>-<kind>, a table alarm <table>-<kind>: they could
    only meet if one kind's slug ended with '-' and another's."""
    slugs = [kind.slug for kind in alarms.KINDS]
    assert not [(a, b) for a in slugs for b in slugs if a != b and a.endswith("-" + b)]


def test_every_alarm_default_lives_once_in_the_settings_schema() -> None:
    properties = settings_schema()["properties"]["alarms"]["properties"]
    assert list(properties) == [kind.name for kind in alarms.KINDS]
    assert alarm_defaults() == {k: spec["default"] for k, spec in properties.items()}
    table = table_schema()
    assert list(table["$defs"]["table_alarms"]["properties"]) == [
        kind.name for kind in alarms.TABLE_KINDS]
    # One shape of an alarm's settings, in both schemas (editors read each file alone).
    assert table["$defs"]["alarm"] == settings_schema()["$defs"]["alarm"]


def test_without_a_settings_file_the_output_is_that_of_empty_settings(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "schemas", t=BASE + _gsis(1))
    without = generate(folder)
    (tmp_path / SETTINGS_FILE).write_text("alarms: {}\n", encoding="utf-8")
    assert generate(folder) == without


def test_the_alarm_inputs_and_outputs_exist_when_no_table_has_alarms(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "schemas", t=BASE + "alarms: false\n")
    files = generate(folder)
    assert load_project(folder).alarms == ()
    module = "".join(text for path, text in files.items() if path.endswith(".tf"))
    for part in ('variable "alarm_topic_arns"', 'output "alarm_names"', 'output "alarm_arns"'):
        assert part in module
    template = json.loads(files[CLOUDFORMATION_TEMPLATE])
    assert template["Parameters"]["AlarmTopicArns"]["Type"] == "CommaDelimitedList"
