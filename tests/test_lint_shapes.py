"""verify lints each shape of table once (generator/lint_shapes.py) and checks what relates
the parts of a template on the whole of it (generator/template_structure.py): the fast path
must reach the verdicts of linting every template whole (`verify --full-lint`), on clean
templates and on templates broken in each way the shortcut could hide."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator import lint_shapes, outcomes, verify
from generator.pipeline import load_project
from tests.conftest import SCHEMAS
from tests.helpers import run_cli
from tests.support.synthetic import synthetic_set

_CODE = re.compile(r"\b([EWI]\d{4})\b")

Template = dict[str, Any]


def _build(tmp_path: Path, tables: int, per_stack: int, sentinel: bool) -> tuple[Path, Path]:
    schemas = synthetic_set(tmp_path, tables, per_stack=per_stack)
    if sentinel:
        for path in SCHEMAS.glob("*.yaml"):
            shutil.copy(path, schemas / path.name)
    out = tmp_path / "out"
    result = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 0, result.stderr
    return schemas, out


def _edit(out: Path, stack: str, change: Callable[[Template], None]) -> None:
    path = out / "cloudformation" / f"{stack}.json"
    template = json.loads(path.read_text("utf-8"))
    change(template)
    path.write_text(json.dumps(template, indent=1), "utf-8")


def _tables(template: Template) -> list[str]:
    return [k for k, v in template["Resources"].items() if v["Type"] == "AWS::DynamoDB::Table"]


def _first_alarms(template: Template) -> list[str]:
    """The read-throttle alarm of each table, in table order."""
    return [f"{t}ReadThrottleEventsAlarm" for t in _tables(template)]


def _lint(schemas: Path, out: Path, full: bool) -> dict[str, outcomes.Outcome]:
    project = load_project(schemas)
    templates = sorted(str(p.relative_to(out)) for p in (out / "cloudformation").glob("*.json"))
    names = None if full else lint_shapes.identities(project.tables)
    return {o.check: o for o in verify.check_cfn_lint_all(out, templates, 2, names)}


def _codes(outcome: outcomes.Outcome) -> set[str]:
    return {m.group(1) for line in outcome.detail.splitlines() if (m := _CODE.search(line))}


@pytest.mark.slow
def test_linting_each_shape_once_reaches_the_verdicts_of_linting_every_template(
    tmp_path: Path,
) -> None:
    schemas, out = _build(tmp_path, 21, 3, sentinel=True)

    def billing(template: Template) -> None:
        template["Resources"][_tables(template)[2]]["Properties"]["BillingMode"] = "FREE"

    def billing_of_the_second(template: Template) -> None:
        template["Resources"][_tables(template)[1]]["Properties"]["BillingMode"] = "GRATIS"

    def missing_depends_on(template: Template) -> None:
        table = template["Resources"][_tables(template)[2]]
        table["DependsOn"] = [table["DependsOn"], "NoSuchResource"]

    def same_alarm_names(template: Template) -> None:
        for alarm in _first_alarms(template)[1:]:
            template["Resources"][alarm]["Properties"]["AlarmName"] = "one-name-for-two"

    def unused_parameter(template: Template) -> None:
        template["Parameters"]["NobodyUsesThis"] = {"Type": "String", "Default": "x"}

    def cycle(template: Template) -> None:
        second, third = _tables(template)[1:]
        template["Resources"][second]["DependsOn"] = [
            template["Resources"][second]["DependsOn"], third]

    # bench-001 holds the linted parts of every shape the clean templates have, and fails
    # on another part: the templates alike to it pass
    broken = {"bench-001": (billing_of_the_second, "E3030"), "bench-002": (billing, "E3030"),
              "bench-003": (missing_depends_on, "E3005"),
              "bench-004": (same_alarm_names, "E3019"),
              "bench-005": (unused_parameter, "W2001"), "bench-006": (cycle, "E3004")}
    for stack, (change, _) in broken.items():
        _edit(out, stack, change)

    by_shape = _lint(schemas, out, full=False)
    whole = _lint(schemas, out, full=True)
    assert sorted(by_shape) == sorted(whole)
    assert {c: o.status for c, o in by_shape.items()} == {c: o.status for c, o in whole.items()}
    for stack, (_, code) in broken.items():
        check = f"cfn-lint cloudformation/{stack}.json"
        assert by_shape[check].status == outcomes.FAILED
        assert code in _codes(whole[check]), whole[check].detail
        assert _codes(by_shape[check]) == _codes(whole[check]), (by_shape[check].detail,
                                                                   whole[check].detail)
    clean = by_shape["cfn-lint cloudformation/bench-007.json"]
    assert clean.status == outcomes.PASSED
    assert clean.detail.startswith("0 of 3 tables linted, the others alike to tables linted "
                                   "in cloudformation/bench-001.json")
    # the Sentinel tables are each of their own shape: their template is linted whole
    assert by_shape["cfn-lint cloudformation/template.json"].detail == ""


@pytest.mark.slow
def test_a_defect_in_every_table_of_a_shape_fails_every_template_that_has_it(
    tmp_path: Path,
) -> None:
    schemas, out = _build(tmp_path, 6, 2, sentinel=False)

    def threshold(template: Template) -> None:
        for alarm in _first_alarms(template):
            template["Resources"][alarm]["Properties"]["Threshold"] = "high"

    for stack in ("bench-001", "bench-002", "bench-003"):
        _edit(out, stack, threshold)
    by_shape = _lint(schemas, out, full=False)
    whole = _lint(schemas, out, full=True)
    assert {c: o.status for c, o in by_shape.items()} == {c: o.status for c, o in whole.items()}
    assert {o.status for o in by_shape.values()} == {outcomes.FAILED}
    assert by_shape["cfn-lint cloudformation/bench-003.json"].detail == (
        "parts alike to those of cloudformation/bench-001.json fail cfn-lint there")


def test_names_of_another_length_or_kind_of_character_make_another_shape() -> None:
    template = {"Resources": {
        f"{key}Table": {"Type": "AWS::DynamoDB::Table",
                        "Properties": {"TableName": name, "Description": f"table {key}"}}
        for key, name in (("A1", "app-one"), ("B2", "app-two"), ("C3", "app-three"),
                          ("D4", "App-two"))}}
    names = {f"{key}Table": (key.lower(), key, name) for key, name in (
        ("A1", "app-one"), ("B2", "app-two"), ("C3", "app-three"), ("D4", "App-two"))}
    found = lint_shapes.parts(template)
    shapes = [lint_shapes.shape(template, part, names) for part in found]
    assert [p.label for p in found] == ["A1Table", "B2Table", "C3Table", "D4Table"]
    assert shapes[0] == shapes[1]  # same length, same kinds of characters
    assert len({shapes[0], shapes[2], shapes[3]}) == 3  # longer; an upper-case letter


def test_a_part_is_what_refers_to_one_another_and_takes_the_frame_it_uses() -> None:
    template = {
        "Parameters": {"Prefix": {"Type": "String"}, "Topic": {"Type": "String"}},
        "Conditions": {"HasTopic": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Topic"}, ""]}]}},
        "Resources": {
            "ATable": {"Type": "AWS::DynamoDB::Table",
                       "Properties": {"TableName": {"Fn::Sub": "${Prefix}a"}}},
            "AAlarm": {"Type": "AWS::CloudWatch::Alarm", "Condition": "HasTopic",
                       "Properties": {"AlarmName": {"Fn::Sub": "${ATable}-x"}}},
            "BTable": {"Type": "AWS::DynamoDB::Table", "DependsOn": "ATable",
                       "Properties": {"TableName": "b"}},
        },
        "Outputs": {"AArn": {"Value": {"Fn::GetAtt": ["ATable", "Arn"]}},
                    "Echo": {"Value": {"Ref": "Topic"}}},
    }
    found = lint_shapes.parts(template)
    assert [(p.resources, p.outputs, p.tables) for p in found] == [
        (["ATable", "AAlarm"], ["AArn"], ["ATable"]), (["BTable"], [], ["BTable"]),
        ([], ["Echo"], [])]
    assert found[0].frame == {"Parameters": {"Prefix", "Topic"}, "Conditions": {"HasTopic"},
                              "Mappings": set()}
    assert found[1].frame == {"Parameters": set(), "Conditions": set(), "Mappings": set()}


def test_verify_says_how_many_tables_it_linted_and_full_lint_lints_each(tmp_path: Path) -> None:
    schemas, out = _build(tmp_path, 4, 2, sentinel=False)
    result = run_cli("verify", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 0, result.stdout
    assert ("passed   cfn-lint cloudformation/bench-002.json: 0 of 2 tables linted, the others "
            "alike to tables linted in cloudformation/bench-001.json (`verify --full-lint` "
            "lints each); DependsOn, unused parameters and conditions, unique names and the "
            "quotas checked on the whole template") in result.stdout.splitlines()
    full = run_cli("verify", "--full-lint", "--schemas", str(schemas), "--out", str(out))
    assert full.code == 0, full.stdout
    assert "passed   cfn-lint cloudformation/bench-002.json" in full.stdout.splitlines()
