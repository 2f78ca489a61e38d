"""The generated CloudFormation template deploys: a stack created in moto (in-process) from
out/cloudformation and from the features golden, every table read back with boto3 and
compared with the YAML model, every stack output and export resolved, and Sentinel's use of
its tables replayed on the stack (tests/support/sentinel_use.py).

moto builds tables from a template without TimeToLiveSpecification, SSESpecification,
PointInTimeRecoverySpecification and TableClass. For those four properties the test asserts
the template instead, and also asserts that moto really dropped them, so an emulator gap is
never mistaken for coverage and the test demands a real read-back once moto keeps them.

moto's CloudFormation has no AWS::CloudWatch::Alarm at all (and refuses a template whose
outputs GetAtt one). The stacks are created without the alarms and the outputs that list
them; the test then does what CloudFormation's handler would: it resolves each alarm's
properties against the stack (Ref, Fn::Join, Fn::If, AWS::NoValue) and calls PutMetricAlarm
with them, whose parameters are the resource's properties, and reads the alarms back with
describe_alarms. It asserts that moto still lacks the resource type, so the test demands a
real stack read-back once moto has it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from generator.model import Table
from generator.pipeline import load_project
from generator.render import CLOUDFORMATION_TEMPLATE
from tests.conftest import OUT, REPO, SCHEMAS
from tests.helpers import run_cli
from tests.support.alarm_shapes import live_alarm_shapes, model_alarm_shapes
from tests.support.emulator import client, fake_aws_environment
from tests.support.sentinel_use import SENTINEL_USE, SentinelTables, SentinelUse
from tests.support.shapes import TEMPLATE_ONLY, cfn_shapes, live_shape, load_template, model_shape

pytestmark = pytest.mark.deploy

FEATURES = REPO / "tests" / "golden" / "features"
STACKS = {"sentinel": (SCHEMAS, OUT / CLOUDFORMATION_TEMPLATE),
          "features": (FEATURES / "input", FEATURES / "expected" / CLOUDFORMATION_TEMPLATE)}
PREFIX = "cfn-"
# What moto reports for a property it dropped while building the table from the template.
MOTO_DROPPED: dict[str, Any] = {
    "ttl_attribute": None,
    "encryption": ("aws_owned", None),
    "point_in_time_recovery": False,
    "table_class": None,
}
TABLES = [(stack, table) for stack, (schemas, _) in STACKS.items()
          for table in load_project(schemas).tables]


ALARM = "AWS::CloudWatch::Alarm"
TOPIC = "arn:aws:sns:us-east-1:123456789012:table-alarms"


@dataclass(frozen=True)
class Stacks:
    cloudformation: Any
    dynamodb: Any
    cloudwatch: Any
    # Per stack: the template as created in moto (without alarms), and the alarm outputs
    # left out of it, resolved as CloudFormation would.
    deployed: dict[str, dict[str, Any]]
    alarm_outputs: dict[str, dict[str, str]]


def _without_alarms(template: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any],
                                                        dict[str, Any]]:
    """The template without its alarms and the outputs naming them; the alarms; the outputs."""
    alarms = {k: r for k, r in template["Resources"].items() if r["Type"] == ALARM}
    outputs = {k: o for k, o in template["Outputs"].items()
               if any(f'"{alarm}"' in json.dumps(o["Value"]) for alarm in alarms)}
    kept = dict(template)
    kept["Resources"] = {k: r for k, r in template["Resources"].items() if k not in alarms}
    kept["Outputs"] = {k: o for k, o in template["Outputs"].items() if k not in outputs}
    return kept, alarms, outputs


def _resolve(value: Any, refs: dict[str, Any], conditions: dict[str, bool]) -> Any:
    """A template value with Ref, Fn::Join, Fn::Sub and Fn::If resolved; AWS::NoValue as
    None."""
    if isinstance(value, list):
        return [_resolve(item, refs, conditions) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return None if value["Ref"] == "AWS::NoValue" else refs[value["Ref"]]
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(_resolve(parts, refs, conditions))
    if set(value) == {"Fn::Sub"}:
        pattern, variables = value["Fn::Sub"]
        names = {**refs, **_resolve(variables, refs, conditions)}
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(names[m.group(1)]), pattern)
    if set(value) == {"Fn::If"}:
        condition, then, otherwise = value["Fn::If"]
        return _resolve(then if conditions[condition] else otherwise, refs, conditions)
    if set(value) == {"Fn::GetAtt"}:
        logical_id, attribute = value["Fn::GetAtt"]
        return refs[f"{logical_id}.{attribute}"]
    resolved = {k: _resolve(v, refs, conditions) for k, v in value.items()}
    return {k: v for k, v in resolved.items() if v is not None}


def _put_alarms(stack: str, alarms: dict[str, Any], outputs: dict[str, Any],
                parameters: dict[str, str], *, cloudformation: Any, cloudwatch: Any
                ) -> dict[str, str]:
    """Create the alarms as CloudFormation would; the alarm outputs, resolved."""
    refs: dict[str, Any] = {"NamePrefix": parameters["NamePrefix"], "NameSuffix": "",
                            "AlarmTopicArns": parameters["AlarmTopicArns"].split(",")}
    for resource in cloudformation.describe_stack_resources(StackName=stack)["StackResources"]:
        refs[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    conditions = {"HasAlarmTopicArns": bool(parameters["AlarmTopicArns"])}
    for logical_id, alarm in alarms.items():
        properties = _resolve(alarm["Properties"], refs, conditions)
        cloudwatch.put_metric_alarm(**properties)
        refs[logical_id] = properties["AlarmName"]
        described = cloudwatch.describe_alarms(AlarmNames=[properties["AlarmName"]])
        refs[f"{logical_id}.Arn"] = described["MetricAlarms"][0]["AlarmArn"]
    return {key: _resolve(output["Value"], refs, conditions) for key, output in outputs.items()}


@pytest.fixture(scope="module")
def stacks() -> Iterator[Stacks]:
    from moto import mock_aws
    from moto.cloudformation.parsing import resource_class_from_type

    assert resource_class_from_type(ALARM) is None, (
        f"moto's CloudFormation now builds {ALARM}: create the alarms in the stacks and read "
        "them back from there (see the module docstring)")
    with fake_aws_environment(), mock_aws():
        cloudformation = client("cloudformation")
        cloudwatch = client("cloudwatch")
        deployed: dict[str, dict[str, Any]] = {}
        alarm_outputs: dict[str, dict[str, str]] = {}
        for stack, (_, template) in STACKS.items():
            kept, alarms, outputs = _without_alarms(load_template(template))
            parameters = {"NamePrefix": PREFIX, "CreateIamPolicies": "true",
                          "AlarmTopicArns": TOPIC if stack == "sentinel" else ""}
            cloudformation.create_stack(
                StackName=stack, TemplateBody=json.dumps(kept),
                Parameters=[{"ParameterKey": k, "ParameterValue": v}
                            for k, v in parameters.items()],
            )
            status = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
            assert status == "CREATE_COMPLETE", status
            deployed[stack] = kept
            alarm_outputs[stack] = _put_alarms(
                stack, alarms, outputs, parameters, cloudformation=cloudformation,
                cloudwatch=cloudwatch)
        yield Stacks(cloudformation, client("dynamodb"), cloudwatch, deployed, alarm_outputs)


def _expected_live(table: Table) -> dict[str, Any]:
    shape = {k: v for k, v in model_shape(table).items() if k not in TEMPLATE_ONLY}
    kind, arn = shape["encryption"]
    shape["encryption"] = ("aws_owned", None) if kind == "aws_owned" else ("KMS", arn)
    return shape


@pytest.mark.parametrize(("stack", "table"), TABLES,
                         ids=[f"{stack}-{table.key}" for stack, table in TABLES])
def test_stack_table_reads_back_as_the_model(stacks: Stacks, stack: str, table: Table) -> None:
    live = live_shape(stacks.dynamodb, PREFIX + table.name, table.name)
    expected = _expected_live(table)
    template = cfn_shapes(load_template(STACKS[stack][1]))[table.name]
    model = model_shape(table)
    for prop, dropped in MOTO_DROPPED.items():
        # Template only: moto does not keep this property (see the module docstring).
        assert template[prop] == model[prop], prop
        if live[prop] != expected[prop]:
            assert live[prop] == dropped, f"{prop}: moto kept a wrong value, {live[prop]!r}"
        del live[prop], expected[prop]
    assert template["retain"] == model["retain"]  # no API reports a DeletionPolicy
    assert live == expected


def test_stack_outputs_resolve_to_the_deployed_tables(stacks: Stacks) -> None:
    """Names, ARNs, stream ARNs, GSI lists and environment values; one export per output."""
    for stack, (schemas, _) in STACKS.items():
        template = stacks.deployed[stack]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in
                   stacks.cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
        # The features stack is given no topic: its AlarmTopicArns output's condition is false;
        # neither stack is given a KMS key, so the KmsKeyArn output's condition is false too.
        absent = {"KmsKeyArn"} if stack == "sentinel" else {"AlarmTopicArns", "KmsKeyArn"}
        assert set(outputs) == set(template["Outputs"]) - absent
        for table in load_project(schemas).tables:
            described = stacks.dynamodb.describe_table(TableName=PREFIX + table.name)["Table"]
            base = table.logical_id
            assert outputs[base + "Name"] == PREFIX + table.name
            assert outputs[base + "Arn"] == described["TableArn"]
            if table.stream_view_type:
                assert outputs[base + "StreamArn"] == described["LatestStreamArn"]
            if table.global_secondary_indexes:
                gsis = ",".join(g.name for g in table.global_secondary_indexes)
                assert outputs[base + "GsiNames"] == gsis
            if table.environment_variable:
                assert outputs[table.environment_output] == PREFIX + table.name
            for role in table.access_roles:
                assert outputs[role.logical_id + "Arn"].startswith("arn:aws:iam::")
        assert outputs["CreateIamPolicies"] == "true"
        if stack == "sentinel":
            assert outputs["AlarmTopicArns"] == TOPIC
        exports = {e["Name"]: e.get("Value") for e in stacks.cloudformation.list_exports()[
            "Exports"] if e["ExportingStackId"].split("/")[1] == stack}
        for key in absent:  # moto exports an output whose condition is false, empty
            assert exports.pop(f"{stack}-{key}", "") == ""
        assert exports == {f"{stack}-{key}": value for key, value in outputs.items()}


def test_created_policies_name_only_their_own_table(stacks: Stacks) -> None:
    """CreateIamPolicies=true resolves the policy documents' GetAtt against the real tables."""
    iam = client("iam")
    for stack, (schemas, _) in STACKS.items():
        outputs = {o["OutputKey"]: o["OutputValue"] for o in
                   stacks.cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
        for table in load_project(schemas).tables:
            arn = stacks.dynamodb.describe_table(TableName=PREFIX + table.name)["Table"]["TableArn"]
            for role in table.access_roles:
                policy_arn = outputs[role.logical_id + "Arn"]
                version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
                document = iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)[
                    "PolicyVersion"]["Document"]
                resources = {r for s in document["Statement"] for r in s["Resource"]}
                assert resources, role.name
                assert all(r.startswith(arn) for r in resources), resources


@pytest.mark.parametrize("use", SENTINEL_USE, ids=[use.__name__ for use in SENTINEL_USE])
def test_sentinel_use_is_served_by_the_stack(stacks: Stacks, use: SentinelUse) -> None:
    use(SentinelTables.deployed(stacks.dynamodb, load_project(SCHEMAS), PREFIX))


def test_stack_alarms_read_back_as_the_model(stacks: Stacks) -> None:
    """Every alarm of both templates, created with its resolved properties and read back
    with describe_alarms, is the model's, named after the stack's tables; the Sentinel
    stack's notify its AlarmTopicArns, the features stack's (no topic) have no actions."""
    live, actions = live_alarm_shapes(stacks.cloudwatch, PREFIX)
    expected: dict[str, Any] = {}
    for schemas, _ in STACKS.values():
        expected.update(model_alarm_shapes(load_project(schemas)))
    assert expected and live == expected
    assert actions == {(TOPIC, "|", TOPIC), ("|",)}


def test_alarm_outputs_list_each_table_alarms(stacks: Stacks) -> None:
    for stack, (schemas, _) in STACKS.items():
        outputs = stacks.alarm_outputs[stack]
        for table in load_project(schemas).tables:
            names = [PREFIX + alarm.default_name for alarm in table.alarms]
            assert outputs[table.alarm_outputs.names.name].split(",") == names
            arns = outputs[table.alarm_outputs.arns.name].split(",")
            assert [arn.rsplit(":", 1)[1] for arn in arns] == names


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_plan_against_the_deployed_stack_reads_its_template_and_parameters(
    stacks: Stacks, stack: str, tmp_path: Any,
) -> None:
    """`plan --against stack:NAME` resolves the template the stack was created with using the
    stack's own parameters (NamePrefix here): the table files it came from plan no change,
    and an edit is a change."""
    schemas = STACKS[stack][0]
    argv = ("plan", "--out", str(tmp_path / "out"), "--against", f"stack:{stack}",
            "--region", "us-east-1", "--name-prefix", PREFIX)
    same = run_cli(*argv, "--schemas", str(schemas))
    assert same.code == 0, same.stdout + same.stderr
    count = len(load_project(schemas).tables)
    assert same.stdout.splitlines()[0] == (
        f"Plan against the deployed stack {stack} in us-east-1:")
    assert same.stdout.endswith(
        f"0 to create, 0 to update in place, 0 to replace, 0 to remove, {count} unchanged\n")
    assert "note:" not in same.stdout
    edited = tmp_path / "schemas"
    edited.mkdir()
    first, *others = sorted(schemas.glob("*.yaml"))
    for path in others:
        (edited / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    changed = run_cli(*argv, "--schemas", str(edited))
    assert changed.code == 1
    gone = next(t for t in load_project(schemas).tables if t.source.endswith(first.name))
    assert f"  {gone.key} ({gone.name}): REMOVE" in changed.stdout, changed.stdout
    missing = run_cli(*argv[:4], "stack:no-such-stack", *argv[5:], "--schemas", str(schemas))
    assert missing.code == 3
    assert missing.stderr.startswith("error: cannot read the stack no-such-stack in us-east-1: ")


def test_plan_against_several_stacks_reads_them_all(stacks: Stacks, tmp_path: Any) -> None:
    """One deployment in several stacks (one per `stack:` key): stack:A,B reads every one."""
    result = run_cli("plan", "--schemas", str(SCHEMAS), "--out", str(tmp_path / "out"),
                     "--against", "stack:sentinel,features", "--region", "us-east-1",
                     "--name-prefix", PREFIX)
    assert result.stdout.splitlines()[0] == (
        "Plan against the deployed stacks sentinel, features in us-east-1:")
    for table in load_project(SCHEMAS).tables:
        assert f"  {table.key} ({table.name}): unchanged\n" in result.stdout
    for table in load_project(STACKS["features"][0]).tables:
        assert f"  {table.key} ({table.name}): REMOVE\n" in result.stdout
    assert result.code == 1
