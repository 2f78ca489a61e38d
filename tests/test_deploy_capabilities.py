"""Issue 5's capabilities deploy where the emulator can hold them: real Terraform on moto.

A provisioned table with a resource policy and a PITR recovery period, plus the Sentinel access
roles as real IAM policies (create_iam_policies = true), read back with boto3. What moto cannot
hold is covered by the template tests (cfn-lint, terraform validate, provider schema, golden)
instead: autoscaling (moto's Application Auto Scaling lacks ListTagsForResource, which the
provider calls, and its CloudFormation has no ScalableTarget), Contributor Insights and Kinesis
streaming destinations (no API in moto), replicas (accepted, never described) and on-demand
throughput limits (accepted, not described).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.pipeline import load_project
from tests.conftest import REPO, SCHEMAS, Terraform
from tests.helpers import run_cli
from tests.support.emulator import client, fake_aws_environment, moto_server, provider_block

pytestmark = pytest.mark.deploy

STEP_TIMEOUT = 240  # seconds, per terraform command; far more than it takes on an idle machine
CAPABILITIES = REPO / "tests" / "golden" / "capabilities" / "input"


def _schemas(folder: Path) -> Path:
    """The capabilities' metrics table without what moto cannot hold."""
    folder.mkdir()
    unsupported = ("autoscaling", "kinesis_stream_arn", "contributor_insights")
    table = yaml.safe_load((CAPABILITIES / "metrics.yaml").read_text(encoding="utf-8"))
    for place in (table, *table["global_secondary_indexes"]):
        for key in unsupported:
            place.pop(key, None)
    (folder / "metrics.yaml").write_text(yaml.safe_dump(table), encoding="utf-8")
    for table in ("requests", "sessions"):
        (folder / f"{table}.yaml").write_text(
            (SCHEMAS / f"{table}.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    return folder


def _root(endpoint: str, module: Path) -> str:
    return provider_block(endpoint) + textwrap.dedent(f"""
        module "tables" {{
          source              = "{module.as_posix()}"
          name_prefix         = "cap-"
          create_iam_policies = true
        }}

        output "policy_arns" {{
          value = module.tables.iam_policy_arns
        }}

        output "policy_documents" {{
          value = module.tables.iam_policy_documents
        }}
        """)


@pytest.fixture(scope="module")
def deployed(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[str, dict[str, Any], Path]]:
    work = tmp_path_factory.mktemp("capabilities")
    schemas = _schemas(work / "schemas")
    assert run_cli("build", "--schemas", str(schemas), "--out", str(work / "out")).code == 0
    root = work / "root"
    root.mkdir()
    with fake_aws_environment(), moto_server() as endpoint:
        (root / "main.tf").write_text(_root(endpoint, work / "out" / "terraform"), encoding="utf-8")
        for step in (["init", "-backend=false"], ["apply", "-auto-approve"]):
            command = [*step, "-input=false", "-no-color"]
            result = terraform.run(command, cwd=root, timeout=STEP_TIMEOUT)
            assert result.returncode == 0, result.stdout + result.stderr
        output = terraform.run(["output", "-json", "-no-color"], cwd=root, timeout=STEP_TIMEOUT)
        assert output.returncode == 0, output.stderr
        yield endpoint, json.loads(output.stdout), schemas


def test_resource_policy_and_recovery_period_read_back(
    deployed: tuple[str, dict[str, Any], Path],
) -> None:
    endpoint, _, schemas = deployed
    (metrics,) = [t for t in load_project(schemas).tables if t.key == "metrics"]
    dynamodb = client("dynamodb", endpoint)
    arn = dynamodb.describe_table(TableName="cap-app-metrics")["Table"]["TableArn"]
    policy = json.loads(dynamodb.get_resource_policy(ResourceArn=arn)["Policy"])
    assert metrics.resource_policy is not None
    assert policy == json.loads(metrics.resource_policy)
    backups = dynamodb.describe_continuous_backups(TableName="cap-app-metrics")
    recovery = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert recovery["PointInTimeRecoveryStatus"] == "ENABLED"
    assert recovery["RecoveryPeriodInDays"] == metrics.point_in_time_recovery_period_days


def test_access_roles_exist_as_iam_policies_with_the_generated_documents(
    deployed: tuple[str, dict[str, Any], Path],
) -> None:
    endpoint, outputs, schemas = deployed
    iam = client("iam", endpoint)
    arns = outputs["policy_arns"]["value"]
    documents = outputs["policy_documents"]["value"]
    roles = {(r.table_key, r.name) for r in load_project(schemas).access_roles}
    assert {(t, r) for t, by_role in arns.items() for r in by_role} == roles
    for table, by_role in arns.items():
        for role, arn in by_role.items():
            policy = iam.get_policy(PolicyArn=arn)["Policy"]
            version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
            live = version["PolicyVersion"]["Document"]
            live = json.loads(live) if isinstance(live, str) else live
            assert live == json.loads(documents[table][role])
            resources = [r for s in live["Statement"] for r in (
                s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
            assert all(":table/cap-" in r for r in resources), resources
