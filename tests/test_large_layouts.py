"""300 and 1,000 sessions-shaped tables, as many to a stack as CloudFormation's quotas
allow (tables_per_stack): every template within the quotas, output names unique across
stacks, every template clean under cfn-lint (no errors, no warnings), and a sample of them
created in moto with every one of their tables.

Every template is linted as `verify` lints it, each shape of table once; cfn-lint takes
seconds per stack linted whole (a sessions-shaped table brings a dozen alarms), so the test
lints the last stack of each set whole as well, and creates it. moto's CloudFormation has no
AWS::CloudWatch::Alarm (and refuses a template whose outputs GetAtt one): the stack is
created without the alarms and the outputs naming them, as in test_deploy_cloudformation
(which creates them by PutMetricAlarm and reads them back), and the test asserts that moto
still lacks the type, so it demands the whole stack once moto has it. benchmarks/results.md
records how long `verify` takes for 1,000 tables.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from generator import cloudformation_limits, lint_shapes, outcomes, verify
from generator.pipeline import load_project
from tests.helpers import run_cli
from tests.support.emulator import client, fake_aws_environment
from tests.support.shapes import cfn_default_name
from tests.support.synthetic import synthetic_set, tables_per_stack
from tests.test_deploy_cloudformation import ALARM, _without_alarms

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def schemas_of() -> dict[Path, Path]:
    """The table files each built output folder was built from."""
    return {}


@pytest.fixture(scope="module", params=[300, 1000])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
          schemas_of: dict[Path, Path]) -> Path:
    count: int = request.param
    work = tmp_path_factory.mktemp(f"tables-{count}")
    schemas = synthetic_set(work, count)
    out = work / "out"
    result = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 0, result.stderr
    schemas_of[out] = schemas
    return out


def _templates(out: Path) -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in sorted((out / "cloudformation").glob("*.json"))}


def _sample(names: list[str]) -> list[str]:
    """The last stack: its tables are the set's own (the first stack of every set is the
    same), and it is full unless the set ends in a part of a stack."""
    return names[-1:]


def test_every_stack_holds_its_share_of_tables_within_the_quotas(built: Path) -> None:
    templates = _templates(built)
    tables = sum(1 for _ in (built / "terraform").glob("table_*.tf"))
    per_stack = tables_per_stack()
    assert len(templates) == -(-tables // per_stack)
    for name, text in templates.items():
        template: dict[str, Any] = json.loads(text)
        kinds = Counter(body["Type"] for body in template["Resources"].values())
        assert kinds["AWS::DynamoDB::Table"] <= per_stack, name
        for section, quota in cloudformation_limits.SECTION_QUOTAS.items():
            assert len(template.get(section, {})) <= quota.maximum, (name, section)
        assert len(text.encode("utf-8")) <= cloudformation_limits.BODY_QUOTA.maximum
        findings = cloudformation_limits.check(text, kinds["AWS::DynamoDB::Table"])
        assert all(cloudformation_limits.is_note(f) for f in findings), (name, findings)


def test_output_and_export_names_are_unique_across_stacks(built: Path) -> None:
    outputs = [output for text in _templates(built).values()
               for output in json.loads(text)["Outputs"]]
    assert len(outputs) == len(set(outputs))


def test_every_template_is_clean_under_cfn_lint_and_a_sample_when_linted_whole(
    built: Path, schemas_of: dict[Path, Path]
) -> None:
    from cfnlint.api import lint

    templates = _templates(built)
    names = lint_shapes.identities(load_project(schemas_of[built]).tables)
    paths = [f"cloudformation/{name}" for name in templates]
    results = list(verify.check_cfn_lint_all(built, paths, None, names))
    assert [(o.check, o.status) for o in results] == [
        (f"cfn-lint {p}", outcomes.PASSED) for p in paths], [o.format() for o in results]
    for name in _sample(list(templates)):
        findings = lint(templates[name], regions=["us-east-1"])
        assert [str(f) for f in findings] == [], name


@pytest.mark.deploy
def test_a_sample_of_the_stacks_is_created_in_moto_with_all_their_tables(built: Path) -> None:
    from moto import mock_aws
    from moto.cloudformation.parsing import resource_class_from_type

    assert resource_class_from_type(ALARM) is None, (
        f"moto's CloudFormation now builds {ALARM}: create the whole stack")
    templates = _templates(built)
    sample = _sample(list(templates))
    with fake_aws_environment(), mock_aws():
        cloudformation, dynamodb, s3 = (client(s) for s in ("cloudformation", "dynamodb", "s3"))
        s3.create_bucket(Bucket="deploy-bucket")
        for name in sample:
            stack = name.removesuffix(".json")
            # As `aws cloudformation deploy --s3-bucket` does: the body is over 51,200 bytes.
            kept, alarms, _ = _without_alarms(json.loads(templates[name]))
            assert alarms
            s3.put_object(Bucket="deploy-bucket", Key=name, Body=json.dumps(kept).encode())
            cloudformation.create_stack(
                StackName=stack, TemplateURL=f"https://deploy-bucket.s3.amazonaws.com/{name}",
                Parameters=[{"ParameterKey": "NamePrefix", "ParameterValue": "big-"},
                            {"ParameterKey": "CreateIamPolicies", "ParameterValue": "true"}])
            described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
            assert described["StackStatus"] == "CREATE_COMPLETE"
            expected = {"big-" + cfn_default_name(body["Properties"]["TableName"]) for body in
                        json.loads(templates[name])["Resources"].values()
                        if body["Type"] == "AWS::DynamoDB::Table"}
            outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
            names = {value for key, value in outputs.items() if key.endswith("TableName")}
            assert expected and names == expected
            for table in names:
                assert dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
