"""CloudFormation stacks: table files name their stack, each stack is one template within
CloudFormation's quotas, and a stack over a quota is a build error at its table files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator import cloudformation_limits, outcomes, stacks, verify
from generator.naming import DEFAULT_STACK
from generator.pipeline import load_project
from generator.render import CLOUDFORMATION_TEMPLATE, cloudformation_template, render_project
from generator.settings import SETTINGS_FILE
from tests.conftest import SCHEMAS
from tests.helpers import run_cli, tree, write_tables
from tests.support.synthetic import synthetic_set

TABLE = """\
name: {name}
partition_key: {{name: id, type: S}}
global_secondary_indexes:
  - name: by-owner
    partition_key: {{name: owner, type: S}}
"""
PLAIN = "name: {name}\npartition_key: {{name: id, type: S}}\n"


def _template(out: Path, stack: str = DEFAULT_STACK) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / cloudformation_template(stack)).read_text("utf-8"))
    return loaded


def test_tables_without_a_stack_key_share_the_one_default_template(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", "--schemas", str(SCHEMAS), "--out", str(out)).code == 0
    assert sorted(p.name for p in (out / "cloudformation").iterdir()) == ["template.json"]
    assert CLOUDFORMATION_TEMPLATE == "cloudformation/template.json"


def test_each_stack_named_in_the_table_files_gets_its_own_template(tmp_path: Path) -> None:
    schemas = write_tables(
        tmp_path / "schemas",
        a=TABLE.format(name="alpha"),
        b=TABLE.format(name="beta") + "stack: payments\n",
        c=PLAIN.format(name="gamma") + "stack: payments\n",
    )
    out = tmp_path / "out"
    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    assert sorted(p.name for p in (out / "cloudformation").iterdir()) == [
        "payments.json", "template.json"]
    assert [k for k, v in _template(out)["Resources"].items()
            if v["Type"] == "AWS::DynamoDB::Table"] == ["ATable"]
    payments = _template(out, "payments")
    assert [k for k, v in payments["Resources"].items()
            if v["Type"] == "AWS::DynamoDB::Table"] == ["BTable", "CTable"]
    # No parameter per table: each table's name is the template's own text.
    assert set(payments["Parameters"]) == {
        "NamePrefix", "NameSuffix", "AlarmTopicArns", "KmsKeyArn"}
    assert payments["Resources"]["BTable"]["Properties"]["TableName"] == {
        "Fn::Sub": ["${NamePrefix}${Name}${NameSuffix}", {"Name": "beta"}]}


def test_adding_tables_never_moves_a_table_to_another_stack(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", m=TABLE.format(name="middle"))
    out = tmp_path / "out"
    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    before = _template(out)["Resources"]["MTable"]
    write_tables(schemas, **{f"a{i}": PLAIN.format(name=f"new-{i}") for i in range(40)})
    write_tables(schemas, z=TABLE.format(name="last") + "stack: other\n")
    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    assert _template(out)["Resources"]["MTable"] == before
    assert [k for k, v in _template(out, "other")["Resources"].items()
            if v["Type"] == "AWS::DynamoDB::Table"] == ["ZTable"]


def test_tables_with_indexes_are_chained_by_depends_on_within_each_stack(tmp_path: Path) -> None:
    schemas = write_tables(
        tmp_path / "schemas",
        a=TABLE.format(name="alpha"), b=PLAIN.format(name="beta"),
        c=TABLE.format(name="gamma"), d=TABLE.format(name="delta") + "stack: other\n",
        e=TABLE.format(name="epsilon"),
    )
    out = tmp_path / "out"
    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    resources = _template(out)["Resources"]
    assert {key: body.get("DependsOn") for key, body in resources.items()
            if body["Type"] == "AWS::DynamoDB::Table"} == {
        "ATable": None, "BTable": None, "CTable": "ATable", "ETable": "CTable"}
    assert "DependsOn" not in _template(out, "other")["Resources"]["DTable"]
    layout = stacks.layout(load_project(schemas))
    assert [(s.name, dict(s.depends_on)) for s in layout] == [
        ("other", {}), ("template", {"c": "ATable", "e": "CTable"})]


def _per_table(section: str, work: Path) -> tuple[int, int]:
    """(members of a stack's frame, members each sessions-shaped table adds) in a section of
    the template, counted on the templates of a stack of one and of two such tables."""
    counts = []
    for tables in (1, 2):
        folder = work / f"count-{tables}"
        folder.mkdir()
        files = render_project(load_project(synthetic_set(folder, tables, tables)))
        counts.append(len(json.loads(files[cloudformation_template("bench-001")])[section]))
    one, two = counts
    return 2 * one - two, two - one


def test_a_stack_over_the_output_quota_is_an_error_at_its_first_table_file(
    tmp_path: Path,
) -> None:
    frame, per_table = _per_table("Outputs", tmp_path)
    maximum = cloudformation_limits.SECTION_QUOTAS["Outputs"].maximum
    tables = (maximum - frame) // per_table + 1  # one table too many
    schemas = synthetic_set(tmp_path, tables, per_stack=tables)
    outputs = frame + tables * per_table
    first = schemas / "t00001.yaml"
    stack_line = len(first.read_text("utf-8").splitlines())  # `stack:` ends the file
    out = tmp_path / "out"
    result = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 2
    assert result.stderr.splitlines() == [
        f"{first}:{stack_line}:1: E302 stack: the template of stack bench-001 "
        f"(cloudformation/bench-001.json) has {outputs} outputs ({outputs / tables:.1f} per "
        f"table); CloudFormation accepts at most {maximum}; move some of its {tables} tables "
        "to another stack with `stack: NAME` in their files (about "
        f"{int(maximum * tables / outputs)} tables fit in one)",
        "1 error in 1 file; nothing was written",
    ]
    assert not out.exists() or tree(out) == {}


def test_a_template_over_51200_bytes_is_a_note_to_upload_it_through_s3(tmp_path: Path) -> None:
    schemas = synthetic_set(tmp_path, 4, per_stack=2)
    first = schemas / "t00001.yaml"
    stack_line = len(first.read_text("utf-8").splitlines())  # `stack:` ends the file
    out = tmp_path / "out"
    result = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 0
    size = len((out / "cloudformation" / "bench-001.json").read_bytes())
    assert size > cloudformation_limits.DIRECT_BODY_QUOTA.maximum
    assert result.stderr == (
        f"{first}:{stack_line}:1: N301 stack: the template of stack bench-001 "
        f"(cloudformation/bench-001.json) has {size:,} bytes, more than the 51,200 "
        "CloudFormation takes in the request (so do 1 other stack); deploy it with "
        "`aws cloudformation deploy --s3-bucket BUCKET` (as the README's commands do)\n")


def test_a_table_key_too_long_for_its_export_names_is_an_error_at_its_file(
    tmp_path: Path,
) -> None:
    key = "k" * 115
    schemas = write_tables(tmp_path / "schemas", **{key: TABLE.format(name="long")})
    result = run_cli("build", "--schemas", str(schemas), "--out", str(tmp_path / "out"))
    assert result.code == 2
    output = "K" + "k" * 114 + "TableGsiNames"
    assert result.stderr.splitlines()[0] == (
        f"{schemas / (key + '.yaml')}:1:1: E307 (document): the template of stack template "
        f"(cloudformation/template.json) has an export name of {128 + 1 + len(output)} "
        f"characters (output {output}, with a stack name of 128); CloudFormation accepts at "
        "most 255; rename the table file to a shorter table key")


def _finding(template: dict[str, Any], tables: int = 1) -> list[tuple[str, str, str]]:
    text = json.dumps(template)
    return [(f.code, f.message, f.hint) for f in cloudformation_limits.check(text, tables)]


@pytest.mark.parametrize(("section", "code", "counts", "maximum"), [
    ("Resources", "E301", "resources", 500),
    ("Outputs", "E302", "outputs", 200),
    ("Parameters", "E303", "parameters", 200),
    ("Mappings", "E304", "mappings", 200),
])
def test_each_section_quota_counts_the_rendered_entries(
    section: str, code: str, counts: str, maximum: int
) -> None:
    assert _finding({section: {f"A{i}": {} for i in range(maximum)}}, 10) == []
    assert _finding({section: {f"A{i}": {} for i in range(maximum + 10)}}, 10) == [(
        code,
        f"has {maximum + 10} {counts} ({(maximum + 10) / 10:.1f} per table); CloudFormation "
        f"accepts at most {maximum}",
        "move some of its 10 tables to another stack with `stack: NAME` in their files "
        f"(about {int(maximum * 10 / (maximum + 10))} tables fit in one)")]


def test_a_template_over_one_megabyte_is_an_error_not_a_note() -> None:
    big = {"Description": "x" * 1_000_000}
    [(code, message, hint)] = _finding(big, 3)
    assert code == "E305"
    assert message == (f"has {len(json.dumps(big)):,} bytes; CloudFormation accepts at most "
                       "1,000,000, even through S3")
    assert hint == "move some of its 3 tables to another stack with `stack: NAME` in their files"


def test_a_logical_id_over_255_characters_is_an_error() -> None:
    name = "A" * 256
    assert _finding({"Resources": {name: {}}}) == [(
        "E306", f"has a name of 256 characters in Resources ({'A' * 40}...); CloudFormation "
        "accepts at most 255", "rename the table file to a shorter table key")]


def test_quotas_hold_for_every_stack_of_the_sentinel_tables(tmp_path: Path) -> None:
    from generator import render

    files = render.render_project(load_project(SCHEMAS))
    for stack in stacks.layout(load_project(SCHEMAS)):
        text = files[cloudformation_template(stack.name)]
        findings = cloudformation_limits.check(text, len(stack.tables))
        assert [f.code for f in findings if not cloudformation_limits.is_note(f)] == []


def test_an_output_name_two_stacks_share_is_an_error_at_the_later_table(tmp_path: Path) -> None:
    schemas = write_tables(
        tmp_path / "schemas",
        env_x=PLAIN.format(name="alpha") + "stack: first\n",
        other=PLAIN.format(name="beta") + "environment_variable: X_TABLE_NAME\nstack: second\n",
    )
    result = run_cli("build", "--schemas", str(schemas), "--out", str(tmp_path / "out"))
    assert result.code == 2
    assert result.stderr.splitlines() == [
        f"{schemas / 'other.yaml'}:4:1: E308 stack: the template of stack second "
        "(cloudformation/second.json) has output EnvXTableName, which stack first has too; "
        "output names come from table keys and environment variables: rename one",
        "1 error in 1 file; nothing was written",
    ]


def test_what_exists_once_per_deployment_is_in_the_default_stack_only(tmp_path: Path) -> None:
    """The account's alarms, their outputs and the alarm topics' output: in several stacks
    they would clash (alarm names, E308), and in the first stack by name they would move
    whenever a stack is added before it."""
    (tmp_path / SETTINGS_FILE).write_text("alarms:\n  account_user_errors: true\n", "utf-8")
    schemas = write_tables(
        tmp_path / "schemas",
        a=PLAIN.format(name="alpha") + "stack: first\n",
        b=TABLE.format(name="beta") + "stack: second\n",
        c=PLAIN.format(name="gamma") + "alarms: false\nstack: quiet\n",
    )
    out = tmp_path / "out"
    result = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in (out / "cloudformation").iterdir()) == [
        "first.json", "quiet.json", "second.json", "template.json"]
    default = _template(out)
    assert {k: v["Type"] for k, v in default["Resources"].items()} == {
        "DynamoDbAccountUserErrorsAlarm": "AWS::CloudWatch::Alarm"}
    once = {"DynamoDbAccountAlarmNames", "DynamoDbAccountAlarmArns", "AlarmTopicArns",
            "KmsKeyArn", "CreateIamPolicies"}
    assert set(default["Outputs"]) == once
    for stack in ("first", "second", "quiet"):
        template = _template(out, stack)
        assert not once & set(template["Outputs"]), stack
        assert "DynamoDbAccountUserErrorsAlarm" not in template["Resources"], stack
    # A stack without alarms takes no alarm topics (an unused parameter is a cfn-lint warning).
    assert "AlarmTopicArns" in _template(out, "second")["Parameters"]
    assert "AlarmTopicArns" not in _template(out, "quiet")["Parameters"]
    for path in sorted((out / "cloudformation").iterdir()):
        outcome = verify.check_cfn_lint(path, path.name)
        assert outcome.status == outcomes.PASSED, outcome.format()


def test_without_account_alarms_there_is_no_default_stack_unless_a_table_is_in_it(
    tmp_path: Path,
) -> None:
    schemas = write_tables(tmp_path / "schemas", a=PLAIN.format(name="alpha") + "stack: first\n")
    assert [s.name for s in stacks.layout(load_project(schemas))] == ["first"]
    write_tables(schemas, b=PLAIN.format(name="beta"))
    assert [s.name for s in stacks.layout(load_project(schemas))] == ["first", DEFAULT_STACK]
