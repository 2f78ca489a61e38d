"""The generated Terraform module deploys: real `terraform init/plan/apply` against moto's
server, every table read back with boto3 and compared with the YAML model, a second plan
that changes nothing, Sentinel's use of its tables replayed on them
(tests/support/sentinel_use.py), and a destroy that deletion protection refuses.

One root module calls both the Sentinel module (out/terraform) and the features golden
module, so one init and one apply cover every option the format has.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.model import Table
from generator.pipeline import load_project
from generator.render import TERRAFORM_DIR
from tests.conftest import OUT, REPO, SCHEMAS, Terraform
from tests.support.alarm_shapes import live_alarm_shapes, model_alarm_shapes
from tests.support.emulator import client, fake_aws_environment, moto_server, provider_block
from tests.support.sentinel_use import SENTINEL_USE, SentinelTables, SentinelUse
from tests.support.shapes import TEMPLATE_ONLY, live_shape, model_shape

pytestmark = pytest.mark.deploy

FEATURES = REPO / "tests" / "golden" / "features"
MODULES = {"sentinel_tables": (SCHEMAS, OUT / TERRAFORM_DIR),
           "features": (FEATURES / "input", FEATURES / "expected" / TERRAFORM_DIR)}
STEP_TIMEOUT = 240  # seconds, per terraform command; far more than it takes on an idle machine
TABLES = [(module, table) for module, (schemas, _) in MODULES.items()
          for table in load_project(schemas).tables]


# The Sentinel module's alarms notify this topic; the features module's have no actions.
TOPIC = "arn:aws:sns:us-east-1:123456789012:table-alarms"
TOPICS = {"sentinel_tables": [TOPIC], "features": []}


def _root_module(endpoint: str, name_prefix: str) -> str:
    modules = "\n".join(
        f'module "{name}" {{\n  source      = "{module.as_posix()}"\n'
        f'  name_prefix = "{name_prefix}"\n'
        f'  alarm_topic_arns = {json.dumps(TOPICS[name])}\n}}\n'
        f'output "{name}_table_names" {{\n  value = module.{name}.table_names\n}}\n'
        for name, (_, module) in MODULES.items()
    )
    return provider_block(endpoint) + "\n" + modules


@dataclass(frozen=True)
class Deployment:
    terraform: Terraform
    root: Path
    endpoint: str
    timings: dict[str, float]

    def run(self, *args: str) -> Any:
        started = time.monotonic()
        result = self.terraform.run([*args, "-no-color"], cwd=self.root, timeout=STEP_TIMEOUT)
        self.timings[args[0]] = time.monotonic() - started
        return result


@pytest.fixture(scope="module")
def deployment(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("terraform-root")
    with fake_aws_environment(), moto_server() as endpoint:
        (root / "main.tf").write_text(_root_module(endpoint, "it-"), encoding="utf-8")
        deployed = Deployment(terraform, root, endpoint, {})
        init = deployed.run("init", "-backend=false", "-input=false")
        assert init.returncode == 0, init.stdout + init.stderr
        apply = deployed.run("apply", "-auto-approve", "-input=false")
        assert apply.returncode == 0, apply.stdout + apply.stderr
        yield deployed


def _expected_live(table: Table) -> dict[str, Any]:
    """The model's shape, as the DynamoDB API reports it."""
    shape = {k: v for k, v in model_shape(table).items() if k not in TEMPLATE_ONLY}
    kind, arn = shape.pop("encryption")
    shape["encryption"] = ("aws_owned", None) if kind == "aws_owned" else ("KMS", arn)
    return shape


@pytest.mark.parametrize(("module", "table"), TABLES,
                         ids=[f"{module}-{table.key}" for module, table in TABLES])
def test_applied_table_reads_back_as_the_model(
    deployment: Deployment, module: str, table: Table
) -> None:
    dynamodb = client("dynamodb", deployment.endpoint)
    live = live_shape(dynamodb, f"it-{table.name}", table.name)
    expected = _expected_live(table)
    if live["table_class"] is None:
        # moto 5 drops TableClass (CreateTable and UpdateTable accept it, describe_table never
        # returns it): asserted on the generated HCL only, in test_equivalence.
        del live["table_class"], expected["table_class"]
    if table.encryption.type == "aws_managed":
        # No customer key given: DynamoDB's AWS-managed key, whose ARN the service picks.
        assert live["encryption"][0] == "KMS" and live["encryption"][1]
        live["encryption"] = expected["encryption"]
    assert live == expected


def test_second_plan_after_apply_changes_nothing_the_emulator_kept(
    deployment: Deployment,
) -> None:
    """The module is stable: a second plan wants no change, except for what moto did not
    store. moto drops TableClass, so a non-STANDARD class reads back as STANDARD and the plan
    wants it again; that one attribute of those tables is the only change allowed, and only
    while moto really drops it."""
    plan = deployment.run("plan", "-input=false", "-out=second.tfplan")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    shown = deployment.run("show", "-json", "second.tfplan")
    assert shown.returncode == 0, shown.stderr
    changes: dict[str, set[str]] = {}
    for change in json.loads(shown.stdout).get("resource_changes", []):
        if change["mode"] != "managed" or change["change"]["actions"] == ["no-op"]:
            continue
        before, after = change["change"]["before"], change["change"]["after"]
        assert change["change"]["actions"] == ["update"], change["address"]
        changes[change["address"]] = {k for k in after if before.get(k) != after[k]}
    dynamodb = client("dynamodb", deployment.endpoint)
    allowed = {
        f"module.{module}.aws_dynamodb_table.{table.key}": {"table_class"}
        for module, table in TABLES
        if table.table_class != "STANDARD"
        and "TableClassSummary" not in dynamodb.describe_table(
            TableName=f"it-{table.name}")["Table"]
    }
    assert changes == allowed


@pytest.mark.parametrize("use", SENTINEL_USE, ids=[use.__name__ for use in SENTINEL_USE])
def test_sentinel_use_is_served_by_the_applied_tables(
    deployment: Deployment, use: SentinelUse
) -> None:
    use(SentinelTables.deployed(client("dynamodb", deployment.endpoint),
                                load_project(SCHEMAS), "it-"))


def test_destroy_is_refused_while_deletion_protection_is_on(deployment: Deployment) -> None:
    destroy = deployment.run("destroy", "-auto-approve", "-input=false", "-refresh=false")
    assert destroy.returncode != 0
    assert "prevent_destroy" in destroy.stderr, destroy.stderr
    dynamodb = client("dynamodb", deployment.endpoint)
    protected = [t for _, t in TABLES if t.deletion_protection]
    for table in protected:
        described = dynamodb.describe_table(TableName=f"it-{table.name}")["Table"]
        assert described["DeletionProtectionEnabled"] is True
    refused = "DeletionProtectionEnabled is set to True"
    with pytest.raises(dynamodb.exceptions.ClientError, match=refused):
        dynamodb.delete_table(TableName=f"it-{protected[0].name}")


def test_module_outputs_name_every_table(deployment: Deployment) -> None:
    output = deployment.run("output", "-json")
    assert output.returncode == 0, output.stderr
    values = json.loads(output.stdout)
    for module, (schemas, _) in MODULES.items():
        names = {t.key: f"it-{t.name}" for t in load_project(schemas).tables}
        assert values[f"{module}_table_names"]["value"] == names


def test_applied_alarms_read_back_as_the_model(deployment: Deployment) -> None:
    """Every alarm of both modules, read back with describe_alarms and the alarms' tags, is
    the model's, named after the deployed (prefixed) tables, with the module's topic."""
    cloudwatch = client("cloudwatch", deployment.endpoint)
    live, actions = live_alarm_shapes(cloudwatch, "it-")
    expected: dict[str, Any] = {}
    for schemas, _ in MODULES.values():
        expected.update(model_alarm_shapes(load_project(schemas)))
    assert expected and live == expected
    assert actions == {(TOPIC, "|", TOPIC), ("|",)}
