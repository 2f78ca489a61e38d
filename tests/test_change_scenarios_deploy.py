"""Change safety and adoption against an emulator, with real Terraform and its AWS provider.

`plan` is only worth trusting if the engines agree with it, so these scenarios deploy: an
index added to a deployed table must apply in place (the items stay), a key change must be
refused, a removed table file must not delete the table, and tables made by `sentinel init`
must be adopted without being replaced.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from generator.render import TERRAFORM_DIR
from tests.conftest import OUT, SCHEMAS, Terraform
from tests.helpers import run_cli, write_tables
from tests.support.emulator import moto_server, provider_block
from tests.test_adopt import create_like_sentinel_init

pytestmark = pytest.mark.deploy

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A moto server on a free loopback port, for this module's scenarios."""
    with moto_server() as url:
        yield url


@pytest.fixture
def dynamodb(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for variable, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)


def _root_module(root: Path, module: Path, endpoint: str, terraform: Terraform) -> None:
    """A root module calling the generated one, wired to the emulator, initialised."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.tf").write_text(
        provider_block(endpoint, REGION)
        + f"""
module "sentinel_tables" {{
  source = "{module.as_posix()}"
}}
""",
        encoding="utf-8",
    )
    init = terraform.run(["init", "-backend=false", "-no-color"], cwd=root)
    assert init.returncode == 0, init.stdout + init.stderr


def _apply(root: Path, terraform: Terraform) -> dict[str, tuple[str, bool]]:
    """`terraform apply`; returns what it planned, (action, importing) per table address.

    One run plans and applies, since each Terraform run spends seconds loading the provider.
    """
    apply = terraform.run(["apply", "-auto-approve", "-json", "-no-color"], cwd=root,
                          timeout=300)
    assert apply.returncode == 0, apply.stdout + apply.stderr
    events = [json.loads(line) for line in apply.stdout.splitlines() if line.startswith("{")]
    return {
        event["change"]["resource"]["addr"]: (
            event["change"]["action"], "importing" in event["change"]
        )
        for event in events
        if event["type"] == "planned_change"
        and event["change"]["resource"]["resource_type"] == "aws_dynamodb_table"
    }


ORDERS = """\
name: scenario-orders
partition_key: {name: id, type: S}
ttl_attribute: ttl
encryption: {type: aws_owned}
global_secondary_indexes:
  - name: by-customer
    partition_key: {name: customer, type: S}
    projection: ALL
"""
BY_STATUS = """\
  - name: by-status
    partition_key: {name: status, type: S}
    projection: KEYS_ONLY
"""
# A second table, so that the folder is still valid once orders.yaml is removed.
KEPT = """\
name: scenario-kept
partition_key: {name: id, type: S}
encryption: {type: aws_owned}
"""


def _build(schemas: Path, out: Path) -> str:
    result = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 0, result.stderr
    return result.stderr


def test_added_index_applies_in_place_key_change_is_refused_removal_keeps_the_table(
    tmp_path: Path, endpoint: str, dynamodb: Any, terraform: Terraform
) -> None:
    schemas = write_tables(tmp_path / "schemas", orders=ORDERS, kept=KEPT)
    out = tmp_path / "out"
    root = tmp_path / "root"
    _build(schemas, out)
    _root_module(root, out / TERRAFORM_DIR, endpoint, terraform)
    assert _apply(root, terraform) == {
        "module.sentinel_tables.aws_dynamodb_table.orders": ("create", False),
        "module.sentinel_tables.aws_dynamodb_table.kept": ("create", False),
    }
    dynamodb.put_item(TableName="scenario-orders",
                      Item={"id": {"S": "o1"}, "customer": {"S": "c1"}, "status": {"S": "new"}})
    created = dynamodb.describe_table(TableName="scenario-orders")["Table"]["CreationDateTime"]

    # Version 2: one more index. plan says in place; Terraform agrees and applies it.
    write_tables(schemas, orders=ORDERS + BY_STATUS)
    plan = run_cli("plan", "--schemas", str(schemas), "--out", str(out), "--format", "json")
    assert plan.code == 0, plan.stdout
    kept, table = json.loads(plan.stdout)["tables"]
    assert (kept["key"], kept["action"], table["action"]) == ("kept", "unchanged", "update")
    assert [c["field"] for c in table["changes"]] == ["global_secondary_indexes[by-status]"]
    assert "WARNING" not in _build(schemas, out)
    assert _apply(root, terraform) == {
        "module.sentinel_tables.aws_dynamodb_table.orders": ("update", False)
    }
    live = dynamodb.describe_table(TableName="scenario-orders")["Table"]
    assert sorted(ix["IndexName"] for ix in live["GlobalSecondaryIndexes"]) == [
        "by-customer", "by-status"
    ]
    assert live["CreationDateTime"] == created
    item = dynamodb.get_item(TableName="scenario-orders", Key={"id": {"S": "o1"}})
    assert item["Item"]["customer"] == {"S": "c1"}

    # Version 3: another partition key. plan exits 1 naming the replacement, build warns,
    # and Terraform itself refuses to plan the destroy.
    write_tables(schemas, orders=(ORDERS + BY_STATUS).replace("{name: id,", "{name: order_id,"))
    refused = run_cli("plan", "--schemas", str(schemas), "--out", str(out))
    assert refused.code == 1
    assert "orders (scenario-orders): REPLACE (data loss)" in refused.stdout
    assert "partition_key: id (S) -> order_id (S)  [forces replacement]" in refused.stdout
    assert "WARNING: this build replaces or removes tables" in _build(schemas, out)
    terraform_plan = terraform.run(["plan", "-no-color"], cwd=root, timeout=300)
    assert terraform_plan.returncode == 1
    assert "Instance cannot be destroyed" in terraform_plan.stderr

    # Version 4: the file is removed. plan exits 1 naming the removal; the resource and its
    # prevent_destroy leave the module, but deletion protection makes the destroy fail.
    (schemas / "orders.yaml").unlink()
    removal = run_cli("plan", "--schemas", str(schemas), "--out", str(out))
    assert removal.code == 1
    assert "orders (scenario-orders): REMOVE" in removal.stdout
    assert "DynamoDB refuses it (deletion protection)" in removal.stdout
    assert "WARNING: this build replaces or removes tables" in _build(schemas, out)
    destroy = terraform.run(["apply", "-auto-approve", "-no-color"], cwd=root, timeout=300)
    assert destroy.returncode == 1
    assert "DeletionProtectionEnabled" in destroy.stderr
    item = dynamodb.get_item(TableName="scenario-orders", Key={"id": {"S": "o1"}})
    assert item["Item"]["customer"] == {"S": "c1"}


def test_sentinel_init_tables_are_adopted_without_replacement_and_keep_their_items(
    tmp_path: Path, endpoint: str, dynamodb: Any, terraform: Terraform
) -> None:
    create_like_sentinel_init(dynamodb)
    dynamodb.put_item(TableName="sentinel-sessions", Item={
        "id": {"S": "s1"}, "device_id": {"S": "d1"}, "created_at": {"S": "2026-01-01"}})
    created = {
        name: dynamodb.describe_table(TableName=name)["Table"]["CreationDateTime"]
        for name in ("sentinel-requests", "sentinel-breakglass", "sentinel-sessions")
    }
    adopt = run_cli("import", "--schemas", str(SCHEMAS), "--region", REGION,
                    "--endpoint-url", endpoint, "--module-address", "module.sentinel_tables")
    assert adopt.code == 0, adopt.stderr
    # The table file's sessions table has the indexes `sentinel init sessions` creates.
    assert "\n    global_secondary_indexes" not in adopt.stderr
    root = tmp_path / "root"
    _root_module(root, OUT / TERRAFORM_DIR, endpoint, terraform)
    (root / "imports.tf").write_text(adopt.stdout, encoding="utf-8")

    prefix = "module.sentinel_tables.aws_dynamodb_table."
    assert _apply(root, terraform) == {
        prefix + "breakglass": ("update", True),
        prefix + "requests": ("update", True),
        prefix + "sessions": ("update", True),
        prefix + "ratelimit": ("create", False),
    }

    for name, when in created.items():
        live = dynamodb.describe_table(TableName=name)["Table"]
        assert live["CreationDateTime"] == when, f"{name} was replaced"
        assert live["DeletionProtectionEnabled"] is True
    sessions = dynamodb.describe_table(TableName="sentinel-sessions")["Table"]
    assert {ix["IndexName"] for ix in sessions["GlobalSecondaryIndexes"]} == {
        "gsi-user", "gsi-status", "gsi-profile", "gsi-server-instance"}
    item = dynamodb.get_item(TableName="sentinel-sessions", Key={"id": {"S": "s1"}})
    assert item["Item"]["device_id"] == {"S": "d1"}
