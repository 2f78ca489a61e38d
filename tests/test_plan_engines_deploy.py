"""`plan`'s verdict on every kind of change it knows is what Terraform does, measured: one
module holding each before-state (one table per kind) is applied to moto with real Terraform
and its AWS provider, then one `terraform plan -json` of all the after-states gives
Terraform's action on each table. Two more tables measure what autoscaled indexes once got
wrong: an index added to and one removed from tables whose indexes autoscale are applied and
read back, with the capacity autoscaling set kept.

moto's limits: its Application Auto Scaling lacks ListTagsForResource, which the provider
reads after creating a scalable target, so the scaling targets and policies are left out of
the applied module (the capacity autoscaling would set is written with UpdateTable); and it
keeps an attribute definition that only a removed index used, which real DynamoDB drops, so
the last assertion reads the indexes back, not a second empty plan. Replicas are left out:
the provider waits for moto's replicas to become active, which they never do; the kinds that
change replicas are checked against CloudFormation's schemas only (test_plan_engines.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from generator.model_file import snapshots_from_json
from generator.pipeline import load_project
from generator.plan import diff
from generator.render import TERRAFORM_DIR
from tests.conftest import Terraform
from tests.helpers import run_cli, write_tables
from tests.support.emulator import moto_server, provider_block
from tests.test_plan_engines import KINDS
from tests.test_plan_sequencing import SCALED

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

REGION = "us-east-1"
MODULE = "module.tables.aws_dynamodb_table."
SCALED_GSI = ("  - name: by-kind\n    partition_key: {name: kind, type: S}\n"
              "    capacity: {read: 1, write: 1}\n")
SCALED_WITH_TWO = SCALED.replace("local_secondary_indexes:\n",
                                 SCALED_GSI + "local_secondary_indexes:\n")
MEASURED = [("scaled_add", SCALED, SCALED_WITH_TWO), ("scaled_remove", SCALED_WITH_TWO, SCALED)]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


def _unique(text: str, number: int) -> str:
    """Each kind's table under its own physical name; unprotected, so Terraform may plan a
    replacement or removal instead of stopping at prevent_destroy."""
    text = re.sub(r"^name: (\S+)", rf"name: \1-{number}", text, flags=re.MULTILINE)
    if "deletion_protection" not in text:
        text += "deletion_protection: false\n"
    return text


def _measured_kinds() -> Iterator[tuple[int, str, str, str | None]]:
    for number, (kind, before_text, after_text) in enumerate(KINDS):
        if "replicas:" not in before_text + (after_text or ""):
            yield number, kind, before_text, after_text


def _files(after: bool) -> dict[str, str]:
    tables: dict[str, str] = {}
    for number, kind, before_text, after_text in _measured_kinds():
        if kind == "deletion protection":
            text = after_text if after else before_text
            assert text is not None
            tables[f"k{number:02d}"] = re.sub(r"^name: (\S+)", rf"name: \1-{number}", text,
                                              flags=re.MULTILINE)
            continue
        text = after_text if after else before_text
        if text is not None:
            tables[f"k{number:02d}"] = _unique(text, number)
    tables["renamed_new" if after else "renamed_old"] = _unique(KINDS[0][1], 99)
    for number, (key, before_text, after_text) in enumerate(MEASURED, 100):
        tables[key] = _unique(after_text if after else before_text, number)
    return tables


def _strip_scaling_resources(module: Path) -> None:
    path = module / "autoscaling.tf"
    text = path.read_text(encoding="utf-8")
    start = text.index('resource "aws_appautoscaling_target"')
    path.write_text(text[:start] + text[text.index('data "aws_dynamodb_tables"'):],
                    encoding="utf-8")


def _build(schemas: Path, out: Path, tables: dict[str, str]) -> None:
    for old in schemas.glob("*.yaml"):
        old.unlink()
    write_tables(schemas, **tables)
    result = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 0, result.stderr
    _strip_scaling_resources(out / TERRAFORM_DIR)


_ACTIONS = {("no-op",): "no-op", ("update",): "update", ("create",): "create",
            ("delete",): "delete", ("delete", "create"): "replace",
            ("create", "delete"): "replace"}


def _index_capacity(client: Any, name: str) -> dict[str, tuple[int, int]]:
    live = client.describe_table(TableName=name)["Table"]
    return {ix["IndexName"]: (ix["ProvisionedThroughput"]["ReadCapacityUnits"],
                              ix["ProvisionedThroughput"]["WriteCapacityUnits"])
            for ix in live.get("GlobalSecondaryIndexes", [])}


def test_every_plan_verdict_is_terraforms_action_on_the_table(
    tmp_path: Path, endpoint: str, terraform: Terraform, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(variable, value)
    schemas, out, root = tmp_path / "schemas", tmp_path / "out", tmp_path / "root"
    _build(schemas, out, _files(after=False))
    baseline = snapshots_from_json((out / "model.json").read_text(encoding="utf-8"), "before")
    root.mkdir()
    (root / "main.tf").write_text(
        provider_block(endpoint, REGION, ("dynamodb", "sts", "kms", "iam",
                                          "applicationautoscaling", "cloudwatch"))
        + f'\nmodule "tables" {{\n  source = "{(out / TERRAFORM_DIR).as_posix()}"\n}}\n',
        encoding="utf-8")
    init = terraform.run(["init", "-backend=false", "-no-color"], cwd=root)
    assert init.returncode == 0, init.stderr
    applied = terraform.run(["apply", "-auto-approve", "-no-color"], cwd=root, timeout=400)
    assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
    for number in range(100, 100 + len(MEASURED)):  # what autoscaling would do
        dynamodb.update_table(TableName=f"things-{number}", GlobalSecondaryIndexUpdates=[{
            "Update": {"IndexName": "by-owner", "ProvisionedThroughput": {
                "ReadCapacityUnits": 7, "WriteCapacityUnits": 1}}}])

    _build(schemas, out, _files(after=True))
    ours = {t.key: t for t in diff(baseline, load_project(schemas), "before").tables}
    planned = terraform.run(["plan", "-out=after.tfplan", "-no-color"], cwd=root, timeout=400)
    assert planned.returncode == 0, planned.stdout[-3000:] + planned.stderr
    shown = terraform.run(["show", "-json", "after.tfplan"], cwd=root, timeout=300)
    changes = {
        change["address"].removeprefix(MODULE): change
        for change in json.loads(shown.stdout)["resource_changes"]
        if change["type"] == "aws_dynamodb_table"
    }
    theirs = {key: _ACTIONS[tuple(c["change"]["actions"])] for key, c in changes.items()}
    verdicts = {
        (KINDS[int(key[1:])][0] if key.startswith("k") else key): (plan.terraform_action,
                                                                  theirs.get(key))
        for key, plan in ours.items()
    }
    disagreements = {kind: v for kind, v in verdicts.items() if v[0] != v[1]}
    assert disagreements == {}
    assert len(verdicts) >= 25
    assert changes["renamed_new"]["previous_address"] == MODULE + "renamed_old"

    # Terraform wants a moved resource in every targeted plan; the move is applied too.
    targets = [f"-target={MODULE}{key}" for key in [k for k, _, _ in MEASURED]
               + ["renamed_old", "renamed_new"]]
    scaled = terraform.run(["apply", "-auto-approve", "-no-color", *targets], cwd=root,
                           timeout=400)
    assert scaled.returncode == 0, scaled.stdout[-3000:] + scaled.stderr
    assert _index_capacity(dynamodb, "things-100") == {"by-owner": (7, 1), "by-kind": (1, 1)}
    assert _index_capacity(dynamodb, "things-101") == {"by-owner": (7, 1)}
