"""`import` writes what adoption needs, and compares the live tables first when asked.

The live tables are made in moto the way `sentinel init approvals|breakglass|sessions`
makes them (CreateTable with SSE under the AWS-managed key, then UpdateTimeToLive; no index
gsi-device-id, no deletion protection, no point-in-time recovery, no tags),
written out here from Sentinel's schema rather than from this generator's model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import hcl2
import pytest

from generator.pipeline import load_project
from generator.render import CLOUDFORMATION_TEMPLATE
from tests.conftest import OUT, SCHEMAS
from tests.helpers import Result, run_cli
from tests.support.emulator import moto_server


def _gsi(name: str, hash_key: str, range_key: str = "created_at") -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"},
                      {"AttributeName": range_key, "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"},
    }


# What Sentinel's ApprovalTableSchema, BreakGlassTableSchema and SessionTableSchema create.
SENTINEL_INIT_TABLES: dict[str, list[dict[str, Any]]] = {
    "sentinel-requests": [
        _gsi("gsi-requester", "requester"), _gsi("gsi-status", "status"),
        _gsi("gsi-profile", "profile"),
    ],
    "sentinel-breakglass": [
        _gsi("gsi-invoker", "invoker"), _gsi("gsi-status", "status"),
        _gsi("gsi-profile", "profile"),
    ],
    "sentinel-sessions": [
        _gsi("gsi-user", "user"), _gsi("gsi-status", "status"), _gsi("gsi-profile", "profile"),
        _gsi("gsi-server-instance", "server_instance_id", "status"),
    ],
}


def create_like_sentinel_init(client: Any, partition_key_type: str = "S") -> None:
    """CreateTable and UpdateTimeToLive for each table, as `sentinel init` calls them."""
    for name, indexes in SENTINEL_INIT_TABLES.items():
        attributes = {"id": partition_key_type}
        for index in indexes:
            for key in index["KeySchema"]:
                attributes[key["AttributeName"]] = "S"
        client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": a, "AttributeType": t} for a, t in attributes.items()
            ],
            GlobalSecondaryIndexes=indexes,
            SSESpecification={"Enabled": True, "SSEType": "KMS"},
        )
        client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
        )


@pytest.fixture(scope="module")
def _server() -> Iterator[str]:
    with moto_server() as url:
        yield url


_ENDPOINT: dict[str, str] = {}


@pytest.fixture
def aws(_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh moto account on 127.0.0.1 with fake credentials; yields a DynamoDB client.

    A server rather than moto in-process: `import --region` reads the table as `adopt` does,
    and in-process moto raises instead of answering the calls it does not implement."""
    from urllib.request import Request, urlopen

    import boto3

    for variable, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # moto's state is per process, shared by every server in it: start and leave it empty,
    # as mock_aws did, so no other module's tests find these tables.
    def reset() -> None:
        with urlopen(Request(f"{_server}/moto-api/reset", method="POST"), timeout=30):
            pass

    reset()
    _ENDPOINT["url"] = _server
    try:
        yield boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=_server)
    finally:
        _ENDPOINT.clear()
        reset()


def _import(*extra: str) -> Result:
    at = ["--endpoint-url", _ENDPOINT["url"]] if "--region" in extra else []
    return run_cli("import", "--schemas", str(SCHEMAS), *extra, *at)


def _import_blocks(text: str) -> dict[str, str]:
    """Import blocks parsed by python-hcl2: physical name by resource address."""
    return {
        block["to"].strip("${}"): block["id"].strip('"') for block in hcl2.loads(text)["import"]
    }


def test_terraform_import_blocks_target_each_table_in_the_given_module() -> None:
    result = _import("--module-address", "module.state.module.tables", "--name-prefix", "dev-")
    assert result.code == 0
    assert _import_blocks(result.stdout) == {
        f"module.state.module.tables.aws_dynamodb_table.{key}": f"dev-sentinel-{key}"
        for key in ("breakglass", "ratelimit", "requests", "sessions")
    }


def test_bad_module_address_and_unknown_table_key_exit_2() -> None:
    bad_address = _import("--module-address", "sentinel_tables")
    assert bad_address.code == 2
    assert "module.NAME" in bad_address.stderr
    unknown = _import("--table-name", "approvals=x-approvals")
    assert unknown.code == 2
    assert "unknown table key(s) approvals" in unknown.stderr
    assert _import("--table-name", "requests").code == 2
    assert bad_address.stdout == unknown.stdout == ""


def test_cloudformation_resources_to_import_name_the_template_logical_ids() -> None:
    result = _import("--format", "cloudformation", "--table-name", "requests=approvals-prod")
    assert result.code == 0
    resources = json.loads(result.stdout)
    template = json.loads((OUT / CLOUDFORMATION_TEMPLATE).read_text(encoding="utf-8"))
    tables = {
        logical for logical, r in template["Resources"].items()
        if r["Type"] == "AWS::DynamoDB::Table"
    }
    assert {r["LogicalResourceId"] for r in resources} == tables
    assert {"ResourceType": "AWS::DynamoDB::Table", "LogicalResourceId": "RequestsTable",
            "ResourceIdentifier": {"TableName": "approvals-prod"}} in resources
    assert "does not change a table while importing it" in result.stderr
    # An IMPORT change set needs a DeletionPolicy on every imported resource.
    assert all("DeletionPolicy" in template["Resources"][r] for r in tables)


def test_live_comparison_reports_every_difference_and_imports_only_existing_tables(
    aws: Any,
) -> None:
    create_like_sentinel_init(aws)
    result = _import("--region", "eu-west-1")
    assert result.code == 0, result.stderr
    report = result.stderr
    assert "ratelimit (sentinel-ratelimit): does not exist; not imported" in report
    assert "sessions (sentinel-sessions): exists; the first apply after import updates it" in (
        report)
    # The sessions file leaves out gsi-device-id, as `sentinel init sessions` does.
    assert "\n    global_secondary_indexes" not in report
    # What moto does not serve is named, never taken as "no setting".
    assert ("  note: sessions: not compared (contributor_insights): not read: "
            "describe_contributor_insights failed (500); set it by hand\n") in report
    for difference in ("deletion_protection: live off, table file on",
                       "point_in_time_recovery: live off, table file on",
                       "tags: live (none), table file application=sentinel"):
        assert report.count(difference) == 3, difference
    assert "forces replacement" not in report
    # SSE with the AWS-managed key, as the files want; but moto's KMS calls its default
    # DynamoDB key KeyManager CUSTOMER where AWS says AWS (the reader's handling of AWS's
    # answer is pinned with recorded answers in test_adopt_live.py).
    assert report.count("    encryption: live customer_managed arn:aws:kms:eu-west-1:") == 3
    assert set(_import_blocks(result.stdout).values()) == set(SENTINEL_INIT_TABLES)


def test_live_table_with_another_key_type_is_refused_before_import(aws: Any) -> None:
    create_like_sentinel_init(aws, partition_key_type="N")
    result = _import("--region", "eu-west-1")
    assert result.code == 1
    assert "partition_key: live id (N), table file id (S)  [forces replacement]" in result.stderr
    assert "REPLACE" in result.stderr
    assert result.stdout == ""


def test_replicated_tables_are_imported_as_cloudformation_global_tables() -> None:
    capabilities = SCHEMAS.parent / "tests" / "golden" / "capabilities" / "input"
    result = run_cli("import", "--schemas", str(capabilities), "--format", "cloudformation")
    assert result.code == 0, result.stderr
    types = {r["LogicalResourceId"]: r["ResourceType"] for r in json.loads(result.stdout)}
    template = json.loads(
        (capabilities.parent / "expected" / CLOUDFORMATION_TEMPLATE).read_text(encoding="utf-8")
    )
    assert types == {logical: template["Resources"][logical]["Type"] for logical in types}
    assert types["ReplicatedTable"] == "AWS::DynamoDB::GlobalTable"
    assert types["MetricsTable"] == "AWS::DynamoDB::Table"


def test_default_module_address_is_the_name_the_module_readme_gives() -> None:
    readme = (OUT / "terraform" / "README.md").read_text(encoding="utf-8")
    assert 'module "tables" {' in readme
    addresses = _import_blocks(_import().stdout)
    assert addresses and all(a.startswith("module.tables.aws_dynamodb_table.") for a in addresses)


def test_common_tags_of_the_deployment_are_not_reported_as_differences(aws: Any) -> None:
    create_like_sentinel_init(aws)
    for table in load_project(SCHEMAS).tables:
        if table.name in SENTINEL_INIT_TABLES:
            arn = aws.describe_table(TableName=table.name)["Table"]["TableArn"]
            tags = {**dict(table.tags), "environment": "prod"}
            aws.tag_resource(ResourceArn=arn,
                             Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    assert "tags: live application=sentinel, component=sessions, environment=prod, table file " \
        "application=sentinel, component=sessions\n" in _import("--region", "eu-west-1").stderr
    result = _import("--region", "eu-west-1", "--tag", "environment=prod")
    assert result.code == 0, result.stderr
    assert "tags:" not in result.stderr
    assert _import("--tag", "environment").code == 2


def test_output_file_is_written_only_when_import_succeeds(aws: Any, tmp_path: Any) -> None:
    target = tmp_path / "imports.tf"
    target.write_text("# before\n", encoding="utf-8")
    create_like_sentinel_init(aws, partition_key_type="N")
    refused = _import("--region", "eu-west-1", "--output", str(target))
    assert refused.code == 1
    assert target.read_text(encoding="utf-8") == "# before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["imports.tf"]
    written = _import("--output", str(target))
    assert (written.code, written.stdout) == (0, "")
    assert target.read_text(encoding="utf-8") == _import().stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["imports.tf"]
