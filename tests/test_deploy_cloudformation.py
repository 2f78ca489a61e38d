"""The generated CloudFormation template deploys: a stack created in moto (in-process) from
out/cloudformation and from the features golden, every table read back with boto3 and
compared with the YAML model, every stack output and export resolved, and Sentinel's use of
its tables replayed on the stack (tests/support/sentinel_use.py).

moto builds tables from a template without TimeToLiveSpecification, SSESpecification,
PointInTimeRecoverySpecification and TableClass. For those four properties the test asserts
the template instead, and also asserts that moto really dropped them, so an emulator gap is
never mistaken for coverage and the test demands a real read-back once moto keeps them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from generator.model import Table
from generator.pipeline import load_project
from generator.render import CLOUDFORMATION_TEMPLATE
from tests.conftest import OUT, REPO, SCHEMAS
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


@dataclass(frozen=True)
class Stacks:
    cloudformation: Any
    dynamodb: Any


@pytest.fixture(scope="module")
def stacks() -> Iterator[Stacks]:
    from moto import mock_aws

    with fake_aws_environment(), mock_aws():
        cloudformation = client("cloudformation")
        for stack, (_, template) in STACKS.items():
            parameters = {"NamePrefix": PREFIX, "CreateIamPolicies": "true"}
            cloudformation.create_stack(
                StackName=stack, TemplateBody=template.read_text(encoding="utf-8"),
                Parameters=[{"ParameterKey": k, "ParameterValue": v}
                            for k, v in parameters.items()],
            )
            status = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
            assert status == "CREATE_COMPLETE", status
        yield Stacks(cloudformation, client("dynamodb"))


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
    for stack, (schemas, template_path) in STACKS.items():
        template = load_template(template_path)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in
                   stacks.cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
        assert set(outputs) == set(template["Outputs"])
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
        exports = {e["Name"]: e.get("Value") for e in stacks.cloudformation.list_exports()[
            "Exports"] if e["ExportingStackId"].split("/")[1] == stack}
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
