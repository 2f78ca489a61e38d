"""Each alarm rule (E4xx) with a bad and a good fixture, in table files and in the settings
file, and the schema's located errors for alarms: an unknown alarm, a threshold that is not a
number, a settings file that is missing or has an unknown key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from generator.alarm_checks import RULES
from generator.settings import SETTINGS_FILE
from tests.helpers import run_cli, write_tables
from tests.test_checks import BASE, one_table, problems


def with_settings(tmp_path: Path, settings: str, **tables: str) -> list[str]:
    (tmp_path / SETTINGS_FILE).write_text(textwrap.dedent(settings).lstrip(), encoding="utf-8")
    return problems(write_tables(tmp_path / "schemas", **tables))


def test_alarm_settings_within_the_rules_have_no_problems(tmp_path: Path) -> None:
    assert with_settings(tmp_path, """\
        alarms:
          system_errors: {period: 120, evaluation_periods: 10, datapoints_to_alarm: 3}
          account_user_errors: true
        """, t=BASE + """\
alarms:
  read_throttle_events: {threshold: 2.5, period: 300, evaluation_periods: 288}
  replication_latency: false
  consumed_read_capacity: {enabled: false}
""") == []


def test_e401_period_that_is_not_a_whole_number_of_minutes(tmp_path: Path) -> None:
    assert one_table(tmp_path, BASE + "alarms:\n  read_throttle_events: {period: 90}\n") == [
        "t.yaml:4:34: E401 alarms.read_throttle_events.period: 90 seconds is not a whole "
        "number of minutes; use 60 or another multiple of 60"
    ]


def test_e401_high_resolution_period_for_a_metric_published_once_a_minute(
    tmp_path: Path,
) -> None:
    assert one_table(tmp_path, BASE + "alarms:\n  system_errors: {period: 30}\n") == [
        "t.yaml:4:27: E401 alarms.system_errors.period: 30 seconds is a high-resolution "
        "period, but DynamoDB publishes its metrics once a minute, so the alarm would mostly "
        "see no data; use 60 or another multiple of 60"
    ]


def test_e401_in_the_settings_file_is_located_there(tmp_path: Path) -> None:
    found = with_settings(tmp_path, "alarms:\n  write_throttle_events: {period: 45}\n", t=BASE)
    assert found == [
        f"{tmp_path.as_posix()}/{SETTINGS_FILE}:2:35: E401 alarms.write_throttle_events.period: "
        "45 seconds is not a whole number of minutes; use 60 or another multiple of 60"
    ]


def test_e402_datapoints_beyond_the_evaluation_periods_of_the_project(tmp_path: Path) -> None:
    """The evaluation periods come from the settings file, the datapoints from the table."""
    found = with_settings(
        tmp_path, "alarms:\n  system_errors: {evaluation_periods: 2}\n",
        t=BASE + "alarms:\n  system_errors: {datapoints_to_alarm: 3}\n",
    )
    assert found == [
        "t.yaml:4:40: E402 alarms.system_errors.datapoints_to_alarm: datapoints_to_alarm 3 is "
        "more than evaluation_periods 2; an alarm counts breaching periods among the evaluated "
        "ones; make datapoints_to_alarm at most evaluation_periods"
    ]


def test_e402_evaluation_range_longer_than_cloudwatch_allows(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + (
        "alarms:\n  system_errors: {period: 3600, evaluation_periods: 200}\n"))
    assert found == [
        "t.yaml:4:53: E402 alarms.system_errors.evaluation_periods: 200 periods of 3600 s "
        "evaluate 720000 s, more than CloudWatch's 604800 s for periods of an hour or more; "
        "use fewer evaluation periods or a shorter period"
    ]


def test_e403_replication_latency_alarm_for_a_table_without_replicas(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "alarms:\n  replication_latency: {threshold: 5}\n")
    assert found == [
        "t.yaml:4:3: E403 alarms.replication_latency: replication_latency watches replication "
        "latency in milliseconds, but the table has no replicas; remove 'replication_latency', "
        "or set it to false"
    ]


def test_e403_capacity_alarm_for_an_on_demand_table(tmp_path: Path) -> None:
    assert one_table(tmp_path, BASE + "alarms:\n  consumed_read_capacity: true\n") == [
        "t.yaml:4:3: E403 alarms.consumed_read_capacity: consumed_read_capacity watches "
        "consumed read capacity, but the table has no provisioned capacity (billing_mode "
        "PROVISIONED); remove 'consumed_read_capacity', or set it to false"
    ]


def test_e403_on_demand_maximum_alarm_where_no_limit_is_set(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + (
        "on_demand_throughput: {max_read_request_units: 100}\n"
        "alarms:\n  read_max_on_demand_throttle_events: true\n"
        "  write_max_on_demand_throttle_events: true\n"))
    assert found == [
        "t.yaml:6:3: E403 alarms.write_max_on_demand_throttle_events: "
        "write_max_on_demand_throttle_events watches writes throttled by the on-demand maximum, "
        "but the table has no on_demand_throughput.max_write_request_units on the table or an "
        "index; remove 'write_max_on_demand_throttle_events', or set it to false"
    ]


def test_e404_alarm_names_longer_than_cloudwatch_allows(tmp_path: Path) -> None:
    name = "t" * 240
    found = one_table(tmp_path, f"name: {name}\npartition_key: {{name: pk, type: S}}\n")
    assert found == [
        "t.yaml:1:7: E404 name: alarm names are the table name and up to 22 more characters, "
        "262 in all, over CloudWatch's 255; shorten the table name (or an index name), or turn "
        "the alarms off with 'alarms: false'"
    ]
    assert one_table(tmp_path, f"name: {name}\npartition_key: {{name: pk, type: S}}\n"
                               "alarms: false\n") == []


def test_unknown_alarm_in_a_table_file_is_a_located_schema_error(tmp_path: Path) -> None:
    assert one_table(tmp_path, BASE + "alarms:\n  read_throtle_events: true\n") == [
        "t.yaml:4:3: S001 alarms.read_throtle_events: unknown key 'read_throtle_events'; "
        "did you mean 'read_throttle_events'?"
    ]


def test_account_alarm_in_a_table_file_is_refused(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "alarms:\n  account_user_errors: true\n")
    assert [f.split(";")[0] for f in found] == [
        "t.yaml:4:3: S001 alarms.account_user_errors: unknown key 'account_user_errors'"
    ]


def test_threshold_that_is_not_a_number_is_a_located_schema_error(tmp_path: Path) -> None:
    assert one_table(tmp_path, BASE + "alarms:\n  system_errors: {threshold: high}\n") == [
        't.yaml:4:30: S003 alarms.system_errors.threshold: expected a number, got a string '
        '"high"; write a number, e.g. 0'
    ]


def test_alarms_that_are_neither_false_nor_a_mapping(tmp_path: Path) -> None:
    assert one_table(tmp_path, BASE + "alarms: all\n") == [
        't.yaml:3:9: S003 alarms: expected true or false or a mapping, got a string "all"; '
        "write false, or a mapping of alarm names to true, false or their settings"
    ]


def test_unknown_key_in_the_settings_file(tmp_path: Path) -> None:
    found = with_settings(tmp_path, "alarms:\n  tables: false\n", t=BASE)
    assert [f.split(";")[0] for f in found] == [
        f"{tmp_path.as_posix()}/{SETTINGS_FILE}:2:3: S001 alarms.tables: unknown key 'tables'"
    ]


def test_settings_option_naming_a_missing_file_exits_2(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", t=BASE)
    missing = tmp_path / "elsewhere.yaml"
    result = run_cli("validate", "--schemas", str(schemas), "--settings", str(missing))
    assert result.code == 2
    assert f"{missing.as_posix()}:1:1: Y000 (document): cannot read the file" in result.stderr


def test_settings_option_reads_the_file_it_names(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", t=BASE)
    other = tmp_path / "other.yaml"
    other.write_text("alarms:\n  system_errors: {period: 61}\n", encoding="utf-8")
    result = run_cli("validate", "--schemas", str(schemas), "--settings", str(other))
    assert result.code == 2 and "other.yaml:2:27: E401" in result.stderr
    assert run_cli("validate", "--schemas", str(schemas)).code == 0


@pytest.mark.parametrize("code", [rule.code for rule in RULES])
def test_every_alarm_rule_is_tested_here(code: str) -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert f"def test_{code.lower()}_" in source, f"rule {code} has no test of its own"


def test_alarm_rule_codes_are_unique_and_in_their_range() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes)) and all(code.startswith("E4") for code in codes)
