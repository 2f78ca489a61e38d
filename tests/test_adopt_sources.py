"""`adopt` writes table files from tables that exist elsewhere, and they rebuild to the same
model: CloudFormation templates (the goldens' and hand-written YAML with short-form tags),
Terraform `show -json` of a real plan, NoSQL Workbench models, bad input of every kind.

Live tables on moto and Sentinel's `sentinel init` tables are in test_adopt_live.py.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from generator import tablefile
from generator.model_file import table_snapshot
from generator.pipeline import generate, load_project
from generator.render import CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR
from generator.settings import SETTINGS_FILE
from generator.sources import file_stem
from tests.conftest import OUT, REPO, SCHEMAS, Terraform
from tests.helpers import Result, run_cli, tree, write_tables
from tests.support.provider_schema import golden_target
from tests.test_properties import PROFILE, RUN, _run_counted, _write, projects

GOLDEN = REPO / "tests" / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "expected").is_dir())


def adopt(schemas: Path, *source: str) -> Result:
    return run_cli("adopt", "--schemas", str(schemas), *source)


def rebuilt_model(schemas: Path) -> dict[str, dict[str, Any]]:
    """model.json's data of a folder of table files, without the source file names."""
    return {t.key: {k: v for k, v in table_snapshot(t).items() if k != "source"}
            for t in load_project(schemas).tables}


def expected_model(model_json: Path) -> dict[str, dict[str, Any]]:
    tables = json.loads(model_json.read_text(encoding="utf-8"))["tables"]
    return {key: {k: v for k, v in table.items() if k != "source"}
            for key, table in tables.items()}


def access_roles(schemas: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """Access roles (not in model.json) by table key: role name -> actions."""
    return {t.key: {r.name: r.actions for r in t.access_roles}
            for t in load_project(schemas).tables}


def assert_builds(schemas: Path, out: Path) -> None:
    """The written files go through the whole pipeline: build exits 0."""
    result = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 0, result.stderr


# --- CloudFormation ---------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_golden_cloudformation_template_adopts_back_to_the_golden_model(
    case: str, tmp_path: Path
) -> None:
    expected = GOLDEN / case / "expected"
    result = adopt(tmp_path / "schemas", "--cloudformation",
                   str(expected / CLOUDFORMATION_TEMPLATE))
    assert result.code == 0, result.stderr
    # The case's project settings (a provider target, alarms) hold for the adopted files too.
    settings = GOLDEN / case / SETTINGS_FILE
    if settings.is_file():
        shutil.copyfile(settings, tmp_path / SETTINGS_FILE)
    assert rebuilt_model(tmp_path / "schemas") == expected_model(expected / "model.json")
    # The managed policies come back as the tables' access roles.
    assert access_roles(tmp_path / "schemas") == access_roles(GOLDEN / case / "input")
    assert_builds(tmp_path / "schemas", tmp_path / "out")


def test_sentinel_template_adopts_back_to_the_committed_model(tmp_path: Path) -> None:
    result = adopt(tmp_path, "--cloudformation", str(OUT / CLOUDFORMATION_TEMPLATE))
    assert result.code == 0, result.stderr
    assert rebuilt_model(tmp_path) == expected_model(OUT / "model.json")
    # Roles come back with the same statements; one granted on single indexes (which only
    # access patterns can say) is reported, never widened to index/*.
    adopted = {t.key: {r.name: r for r in t.access_roles} for t in load_project(tmp_path).tables}
    for table in load_project(SCHEMAS).tables:
        for role in table.access_roles:
            back = adopted[table.key].pop(role.name, None)
            if back is None:
                assert f"resource {role.logical_id} grants on single indexes" in result.stdout
            else:  # the same IAM statements
                assert back.statements == role.statements, role.name
        assert adopted[table.key] == {}
    # The environment variables come back from the template's Env outputs.
    sessions = (tmp_path / "sessions.yaml").read_text(encoding="utf-8")
    assert "environment_variable: SENTINEL_SESSION_TABLE" in sessions


def test_adopting_twice_writes_the_same_bytes(tmp_path: Path) -> None:
    template = str(GOLDEN / "capabilities" / "expected" / CLOUDFORMATION_TEMPLATE)
    assert adopt(tmp_path / "a", "--cloudformation", template).code == 0
    assert adopt(tmp_path / "b", "--cloudformation", template).code == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_written_files_start_with_the_modeline_and_say_where_they_came_from(
    tmp_path: Path,
) -> None:
    schemas = REPO / "schemas"
    assert adopt(tmp_path / "schemas", "--cloudformation",
                 str(OUT / CLOUDFORMATION_TEMPLATE)).code == 0
    text = (tmp_path / "schemas" / "ratelimit.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# yaml-language-server: $schema=")
    schema = (tmp_path / "schemas" / lines[0].split("=", 1)[1]).resolve()
    assert schema == (REPO / "generator" / "table.schema.json").resolve()
    assert lines[1] == ("# Adopted from RatelimitTable in template.json by "
                        "`python -m generator adopt`.")
    # Written into the project's own schemas folder, it is the committed files' modeline.
    committed = (schemas / "ratelimit.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert tablefile.modeline(schemas) == committed


TEMPLATE_YAML = """\
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Stage: {Type: String, Default: prod}
  Capacity: {Type: Number}
  KeyArn: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      TableName: !Sub "orders-${Stage}"
      BillingMode: PROVISIONED
      ProvisionedThroughput:
        ReadCapacityUnits: !Ref Capacity
        WriteCapacityUnits: 2
      AttributeDefinitions:
        - {AttributeName: id, AttributeType: S}
        - {AttributeName: status, AttributeType: S}
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      GlobalSecondaryIndexes:
        - IndexName: by-status
          KeySchema: [{AttributeName: status, KeyType: HASH}]
          Projection: {ProjectionType: INCLUDE, NonKeyAttributes: [total]}
          ProvisionedThroughput: {ReadCapacityUnits: 1, WriteCapacityUnits: 1}
      SSESpecification:
        SSEEnabled: true
        SSEType: KMS
        KMSMasterKeyId: !Ref KeyArn
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: !If [IsProd, true, false]
      DeletionProtectionEnabled: true
      KinesisStreamSpecification:
        StreamArn: !GetAtt Changes.Arn
      WarmThroughput: {ReadUnitsPerSecond: 12000}
      Tags:
        - {Key: stage, Value: !Ref Stage}
        - {Key: region, Value: !Sub "${AWS::Region}"}
  OrdersReaderPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Description: The order service's read access.
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [dynamodb:GetItem, dynamodb:Query]
            Resource:
              - !GetAtt Orders.Arn
              - !Sub "${Orders.Arn}/index/*"
  WideOpenPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]
  Changes:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
"""


def test_yaml_template_with_short_forms_resolves_parameters_and_reports_the_rest(
    tmp_path: Path,
) -> None:
    template = tmp_path / "stack.yaml"
    template.write_text(TEMPLATE_YAML, encoding="utf-8")
    # Without its capacity, the table file could not be valid: nothing is written.
    unresolved = adopt(tmp_path / "schemas", "--cloudformation", str(template))
    assert unresolved.code == 2
    assert ("Orders in stack.yaml: ProvisionedThroughput not resolved (parameter Capacity has "
            "no default; pass --parameter Capacity=VALUE)") in unresolved.stderr
    assert "E107" in unresolved.stderr and "nothing was written" in unresolved.stderr
    assert not (tmp_path / "schemas").exists()

    result = adopt(tmp_path / "schemas", "--cloudformation", str(template),
                   "--parameter", "Capacity=7", "--name-suffix=-prod")
    assert result.code == 0, result.stderr
    text = (tmp_path / "schemas" / "orders.yaml").read_text(encoding="utf-8")
    # Each other unresolvable property is named, with the way to resolve it, in the summary
    # and as a comment where its setting goes; nothing is guessed.
    for reason in (
        "SSESpecification not resolved (parameter KeyArn has no default",
        "KinesisStreamSpecification not resolved (Fn::GetAtt Changes.Arn is known only once "
        "deployed)",
        "Tags not resolved (AWS::Region is known only at deployment",
    ):
        assert reason in result.stdout
        assert reason.split(" (")[0] in text
    # Warm throughput has a table-file setting.
    assert "WarmThroughput" not in result.stdout
    assert "warm_throughput" in text and "12000" in text
    assert "resource Changes (AWS::Kinesis::Stream) is not a table; not adopted" in result.stdout
    assert ("resource WideOpenPolicy (AWS::IAM::ManagedPolicy) does not grant table-file "
            "actions on one table of this template; not adopted") in result.stdout
    assert "# NOT ADOPTED (encryption): SSESpecification not resolved" in text
    assert "\nencryption:" not in text and "\ntags:" not in text

    resolved = adopt(
        tmp_path / "schemas", "--cloudformation", str(template), "--force",
        "--parameter", "Capacity=7", "--parameter",
        "KeyArn=arn:aws:kms:eu-west-1:123456789012:key/abcd-1234", "--region", "eu-west-1",
        "--name-suffix=-prod",
    )
    assert resolved.code == 0, resolved.stderr
    # The adopted warm throughput needs provider target 6 in Terraform (E601 on target 5).
    assert "E601" in run_cli("validate", "--schemas", str(tmp_path / "schemas")).stderr
    (tmp_path / SETTINGS_FILE).write_text("terraform: {provider: 6}\n", encoding="utf-8")
    table = load_project(tmp_path / "schemas").tables[0]
    assert table.name == "orders"
    assert table.capacity is not None and (table.capacity.read, table.capacity.write) == (7, 2)
    assert table.encryption.type == "customer_managed"
    assert table.encryption.kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/abcd-1234"
    assert table.point_in_time_recovery is True
    assert dict(table.tags) == {"stage": "prod", "region": "eu-west-1"}
    (index,) = table.global_secondary_indexes
    assert (index.projection.type, index.projection.non_key_attributes) == ("INCLUDE", ("total",))
    (role,) = table.access_roles
    assert (role.name, role.description, role.actions, role.covers_indexes) == (
        "reader", "The order service's read access.", ("GetItem", "Query"), True)
    assert_builds(tmp_path / "schemas", tmp_path / "out")


def test_template_defaults_that_differ_from_the_table_files_are_written_out(
    tmp_path: Path,
) -> None:
    """CloudFormation leaves SSE, recovery and protection off when a template says nothing;
    the table files' defaults are the opposite, so the adopted file states them."""
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"Resources": {"Plain": {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "TableName": "plain", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        }}}}), encoding="utf-8")
    assert adopt(tmp_path / "s", "--cloudformation", str(template)).code == 0
    (table,) = load_project(tmp_path / "s").tables
    assert (table.encryption.type, table.point_in_time_recovery, table.deletion_protection) == (
        "aws_owned", False, False)


@pytest.mark.parametrize(("text", "message"), [
    ("- just\n- a list\n", "not a CloudFormation template (no Resources mapping)"),
    ("Resources: {A: {Type: AWS::S3::Bucket}}\n",
     "no AWS::DynamoDB::Table or AWS::DynamoDB::GlobalTable resources"),
    ("Resources:\n  A: [unclosed\n", "t.yaml:3:1: not valid JSON or YAML"),
])
def test_a_file_that_is_not_a_template_exits_2_with_the_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(text, encoding="utf-8")
    result = adopt(tmp_path / "schemas", "--cloudformation", str(template))
    assert (result.code, result.stdout) == (2, "")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "schemas").exists()


@pytest.mark.parametrize(("option", "document"), [
    ("--cloudformation", {"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": ["not an index"]}}}}),
    ("--terraform", {"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "aws_dynamodb_table.t", "type": "aws_dynamodb_table", "name": "t",
         "values": {"name": "tbl", "attribute": "id"}}]}}}),
    ("--nosql-workbench", {"DataModel": [{"TableName": "tbl", "KeyAttributes": {
        "PartitionKey": {"AttributeName": "id", "AttributeType": "S"}},
        "GlobalSecondaryIndexes": [7]}]}),
])
def test_a_source_of_the_wrong_shape_exits_2_without_a_traceback(
    tmp_path: Path, option: str, document: dict[str, Any]
) -> None:
    source = tmp_path / "source.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    result = adopt(tmp_path / "schemas", option, str(source))
    assert result.code == 2, result
    assert result.stderr.startswith(f"error: {source}: not the shape of ")
    assert not (tmp_path / "schemas").exists()


def test_a_template_that_yaml_aliases_blow_up_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    template = tmp_path / "bomb.yaml"
    template.write_text("\n".join([*lines, "Resources: {T: *a8}"]) + "\n", encoding="utf-8")
    result = adopt(tmp_path / "schemas", "--cloudformation", str(template))
    assert result.code == 2
    assert "the template expands to more than 1,000,000 values" in result.stderr


def test_a_source_name_cannot_steer_where_a_file_is_written(tmp_path: Path) -> None:
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"Resources": {"T": {
        "Type": "AWS::DynamoDB::Table", "Metadata": {"Source": "../../../tmp/x/../evil name.yaml"},
        "Properties": {
            "TableName": "plain", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}}}}), encoding="utf-8")
    assert adopt(tmp_path / "schemas", "--cloudformation", str(template)).code == 0
    assert sorted(p.name for p in (tmp_path / "schemas").iterdir()) == ["evil-name.yaml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schemas", "t.json"]


@pytest.mark.parametrize(("name", "stem"), [
    ("orders", "orders"), ("Orders.V2", "Orders-V2"), ("2024_events", "table-2024_events"),
    ("--x--", "x"), ("...", "table"),
])
def test_file_names_from_table_names_give_usable_table_keys(name: str, stem: str) -> None:
    assert file_stem(name) == stem


def test_a_missing_source_file_exits_3(tmp_path: Path) -> None:
    for option in ("--cloudformation", "--terraform", "--nosql-workbench"):
        result = adopt(tmp_path, option, str(tmp_path / "nowhere.json"))
        assert result.code == 3, option
        assert result.stderr.startswith(f"error: cannot read {tmp_path / 'nowhere.json'}")


def test_existing_table_files_are_kept_unless_forced(tmp_path: Path) -> None:
    template = str(GOLDEN / "features" / "expected" / CLOUDFORMATION_TEMPLATE)
    (tmp_path / "orders.yaml").write_text("# mine\n", encoding="utf-8")
    refused = adopt(tmp_path, "--cloudformation", template)
    assert refused.code == 2
    assert f"would overwrite {tmp_path / 'orders.yaml'}; pass --force" in refused.stderr
    assert (tmp_path / "orders.yaml").read_text(encoding="utf-8") == "# mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.yaml"]
    forced = adopt(tmp_path, "--cloudformation", template, "--force")
    assert forced.code == 0
    assert (tmp_path / "orders.yaml").read_text(encoding="utf-8").startswith("# yaml-language")


def test_a_table_already_in_the_folder_under_another_file_name_is_refused(
    tmp_path: Path,
) -> None:
    template = str(OUT / CLOUDFORMATION_TEMPLATE)
    (tmp_path / "sentinel-sessions.yaml").write_bytes((SCHEMAS / "sessions.yaml").read_bytes())
    result = adopt(tmp_path, "--cloudformation", template)
    assert result.code == 2
    assert "E121" in result.stderr and "sentinel-sessions" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sentinel-sessions.yaml"]


def test_adopt_without_a_source_or_with_a_bad_parameter_exits_2(tmp_path: Path) -> None:
    assert adopt(tmp_path).code == 2
    template = str(GOLDEN / "features" / "expected" / CLOUDFORMATION_TEMPLATE)
    result = adopt(tmp_path, "--cloudformation", template, "--parameter", "novalue")
    assert result.code == 2
    assert "--parameter 'novalue' is not KEY=VALUE" in result.stderr


# --- Terraform --------------------------------------------------------------------------


def _terraform_show(terraform: Terraform, root: Path, modules: dict[str, Path]) -> Path:
    """`terraform show -json` of one real plan of the generated modules, made offline."""
    from tests.support.emulator import fake_aws_environment, moto_server, provider_block

    calls = "".join(f'\nmodule "{name}" {{\n  source = "{path.as_posix()}"\n}}\n'
                    for name, path in modules.items())
    with fake_aws_environment(), moto_server() as endpoint:
        (root / "main.tf").write_text(provider_block(endpoint) + calls, encoding="utf-8")
        for args in (["init", "-backend=false", "-input=false"],
                     ["plan", "-input=false", "-out=plan.bin"]):
            step = terraform.run([*args, "-no-color"], cwd=root)
            assert step.returncode == 0, step.stdout + step.stderr
        shown = terraform.run(["show", "-json", "plan.bin"], cwd=root)
        assert shown.returncode == 0, shown.stderr
    path = root / "plan.json"
    path.write_text(shown.stdout, encoding="utf-8")
    return path


@pytest.mark.slow
def test_terraform_plan_of_the_goldens_adopts_back_to_the_golden_models(
    terraform: Terraform, tmp_path: Path
) -> None:
    # One plan of the golden modules whose table keys are distinct (adopt writes one folder):
    # Terraform's start-up is most of the cost. The alarms case reuses the features' keys.
    cases: list[str] = []
    keys: set[str] = set()
    for case in CASES:
        if golden_target(GOLDEN / case) != 5:
            continue  # the provider here is 5.100.0; target 6 modules ask for >= 6.29
        theirs = set(expected_model(GOLDEN / case / "expected" / "model.json"))
        if not theirs & keys:
            cases.append(case)
            keys |= theirs
    assert len(cases) >= 2, cases
    plan = _terraform_show(terraform, tmp_path, {
        case: GOLDEN / case / "expected" / TERRAFORM_DIR for case in cases})
    result = adopt(tmp_path / "schemas", "--terraform", str(plan))
    assert result.code == 0, result.stderr
    got = rebuilt_model(tmp_path / "schemas")
    want = {key: table for case in cases
            for key, table in expected_model(GOLDEN / case / "expected" / "model.json").items()}
    # Terraform keeps indexes, replicas, INCLUDE attributes and CSV headers as sets: the
    # plan lists them sorted, so their order cannot come back.
    for table in (*got.values(), *want.values()):
        for field in ("global_secondary_indexes", "local_secondary_indexes", "replicas"):
            for index in table[field]:
                if "projection" in index:
                    index["projection"]["non_key_attributes"].sort()
            table[field] = sorted(table[field], key=json.dumps)
        if table["import_source"]:
            table["import_source"]["csv_header_list"].sort()
    assert got == want
    assert_builds(tmp_path / "schemas", tmp_path / "out")
    # The round trip through `plan`: the adopted files, and each case's own table files,
    # against the same plan JSON (the other cases' tables are in it too: removals).
    against = ("--out", str(tmp_path / "no-out"), "--against", f"terraform:{plan}")
    adopted = run_cli("plan", "--schemas", str(tmp_path / "schemas"), *against)
    assert adopted.code == 0, adopted.stdout + adopted.stderr
    assert adopted.stdout.startswith(f"Plan against {plan} (`terraform show -json` output):\n")
    assert adopted.stdout.endswith(f" 0 to remove, {len(want)} unchanged\n"), adopted.stdout
    # What holds no table setting (alarms, policies) and the order Terraform does not keep
    # (compared as sets) are adopt's notes on the written files, not things plan left out.
    assert "is not a table setting" not in adopted.stdout
    assert "as sets" not in adopted.stdout
    for case in cases:
        result = run_cli("plan", "--schemas", str(GOLDEN / case / "input"), *against)
        for key in expected_model(GOLDEN / case / "expected" / "model.json"):
            assert f"\n  {key} (" in result.stdout
            line = result.stdout.split(f"\n  {key} (", 1)[1].split("\n", 1)[0]
            assert line.endswith("): unchanged"), (case, key, result.stdout)


def test_truncated_terraform_json_exits_2_with_the_position(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text('{"format_version": "1.0", "values": {"root_module": {"resour', "utf-8")
    result = adopt(tmp_path / "s", "--terraform", str(state))
    assert result.code == 2
    assert result.stderr.startswith(f"error: {state}:1:")
    assert "not valid JSON" in result.stderr and "Traceback" not in result.stderr
    state.write_text('{"values": {}}', encoding="utf-8")
    result = adopt(tmp_path / "s", "--terraform", str(state))
    assert "not the JSON of `terraform show -json` (no format_version)" in result.stderr


def test_terraform_state_with_helper_resources_adopts_their_settings(tmp_path: Path) -> None:
    """A state (as `terraform show -json` prints one) of a hand-written configuration."""
    table = {
        "name": "events", "hash_key": "id", "range_key": None, "billing_mode": "PROVISIONED",
        "read_capacity": 4, "write_capacity": 2, "attribute": [{"name": "id", "type": "S"}],
        "global_secondary_index": [], "local_secondary_index": [], "ttl": [],
        "stream_enabled": False, "table_class": "STANDARD",
        "server_side_encryption": [], "point_in_time_recovery": [{"enabled": True,
                                                                 "recovery_period_in_days": 7}],
        "deletion_protection_enabled": True, "replica": [], "tags": {"team": "core"},
        "tags_all": {"team": "core", "aws:cloudformation:x": "y"},
        "arn": "arn:aws:dynamodb:eu-west-1:123456789012:table/events",
        "server_side_encryption_x": None, "restore_to_latest_time": None,
    }
    resources = [
        {"address": "aws_dynamodb_table.events", "mode": "managed", "type": "aws_dynamodb_table",
         "name": "events", "values": table},
        {"address": "aws_appautoscaling_target.read", "mode": "managed",
         "type": "aws_appautoscaling_target", "name": "read",
         "values": {"service_namespace": "dynamodb", "resource_id": "table/events",
                    "scalable_dimension": "dynamodb:table:ReadCapacityUnits",
                    "min_capacity": 4, "max_capacity": 40}},
        {"address": "aws_appautoscaling_policy.read", "mode": "managed",
         "type": "aws_appautoscaling_policy", "name": "read",
         "values": {"service_namespace": "dynamodb", "resource_id": "table/events",
                    "scalable_dimension": "dynamodb:table:ReadCapacityUnits",
                    "policy_type": "TargetTrackingScaling",
                    "target_tracking_scaling_policy_configuration": [{
                        "target_value": 55, "predefined_metric_specification": [
                            {"predefined_metric_type": "DynamoDBReadCapacityUtilization"}]}]}},
        {"address": "aws_dynamodb_contributor_insights.events", "mode": "managed",
         "type": "aws_dynamodb_contributor_insights", "name": "events",
         "values": {"table_name": "events", "index_name": None}},
        {"address": "aws_dynamodb_kinesis_streaming_destination.events", "mode": "managed",
         "type": "aws_dynamodb_kinesis_streaming_destination", "name": "events",
         "values": {"table_name": "events",
                    "stream_arn": "arn:aws:kinesis:eu-west-1:123456789012:stream/ev"}},
        {"address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q",
         "values": {}},
    ]
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"format_version": "1.0", "values": {
        "root_module": {"resources": resources}}}), encoding="utf-8")
    result = adopt(tmp_path / "s", "--terraform", str(state))
    assert result.code == 0, result.stderr
    assert "aws_sqs_queue.q (aws_sqs_queue) is not a table setting; not adopted" in result.stdout
    (adopted,) = load_project(tmp_path / "s").tables
    assert adopted.autoscaling is not None and adopted.autoscaling.read is not None
    assert (adopted.autoscaling.read.min, adopted.autoscaling.read.max,
            adopted.autoscaling.read.target_utilization) == (4, 40, 55)
    assert adopted.contributor_insights is True
    assert adopted.kinesis_stream_arn == "arn:aws:kinesis:eu-west-1:123456789012:stream/ev"
    assert adopted.point_in_time_recovery_period_days == 7
    assert adopted.encryption.type == "aws_owned"
    assert dict(adopted.tags) == {"team": "core"}


def test_terraform_6_state_adopts_key_schema_indexes_and_names_warm_throughput(
    tmp_path: Path,
) -> None:
    """A state of hashicorp/aws 6.x: index keys in key_schema blocks, warm throughput that
    DynamoDB reports also where nobody set it."""
    index = {"name": "by-match", "hash_key": None, "range_key": None,
             "key_schema": [{"attribute_name": "tournament", "key_type": "HASH"},
                            {"attribute_name": "region", "key_type": "HASH"},
                            {"attribute_name": "round", "key_type": "RANGE"}],
             "projection_type": "ALL", "non_key_attributes": [],
             "warm_throughput": [{"read_units_per_second": 12000,
                                  "write_units_per_second": 4000}]}
    table: dict[str, Any] = {
        "name": "matches", "hash_key": "id", "range_key": None,
        "billing_mode": "PAY_PER_REQUEST",
        "attribute": [{"name": n, "type": t} for n, t in (
            ("id", "S"), ("tournament", "S"), ("region", "S"), ("round", "N"))],
        "global_secondary_index": [index], "local_secondary_index": [], "ttl": [],
        "stream_enabled": False, "server_side_encryption": [], "point_in_time_recovery": [],
        "deletion_protection_enabled": False, "replica": [], "tags": {}, "region": "eu-west-1",
        "warm_throughput": [{"read_units_per_second": 12000, "write_units_per_second": 4000}],
    }
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"format_version": "1.0", "values": {"root_module": {
        "resources": [{"address": "aws_dynamodb_table.matches", "mode": "managed",
                       "type": "aws_dynamodb_table", "name": "matches", "values": table}]}}}),
        encoding="utf-8")
    result = adopt(tmp_path / "schemas", "--terraform", str(state))
    assert result.code == 0, result.stderr
    assert "warm_throughput is not adopted" in result.stdout
    (tmp_path / SETTINGS_FILE).write_text("terraform: {provider: 6}\n", encoding="utf-8")
    (adopted,) = load_project(tmp_path / "schemas").tables
    (gsi,) = adopted.global_secondary_indexes
    assert [k.name for k in gsi.partition_keys] == ["tournament", "region"]
    assert [(k.name, k.type) for k in gsi.sort_keys] == [("round", "N")]
    assert adopted.warm_throughput is None and gsi.warm_throughput is None


# --- NoSQL Workbench --------------------------------------------------------------------

WORKBENCH_MODEL: dict[str, Any] = {
    "ModelName": "shop",
    "ModelMetadata": {"Author": "tests", "Version": "3.0"},
    "DataModel": [{
        "TableName": "shop-catalog",
        "KeyAttributes": {"PartitionKey": {"AttributeName": "PK", "AttributeType": "S"},
                          "SortKey": {"AttributeName": "SK", "AttributeType": "S"}},
        "NonKeyAttributes": [{"AttributeName": "GSI1PK", "AttributeType": "S"},
                             {"AttributeName": "price", "AttributeType": "N"}],
        "TableFacets": [{"FacetName": "Product",
                         "KeyAttributeAlias": {"PartitionKeyAlias": "ProductId",
                                               "SortKeyAlias": "Kind"},
                         "TableData": [], "NonKeyAttributes": ["price"]}],
        "GlobalSecondaryIndexes": [{
            "IndexName": "GSI1",
            "KeyAttributes": {"PartitionKey": {"AttributeName": "GSI1PK", "AttributeType": "S"}},
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["price"]}}],
        "TableData": [{"PK": {"S": "P#1"}, "SK": {"S": "META"}, "price": {"N": "3"}}],
        "BillingMode": "PROVISIONED",
        "ProvisionedCapacitySettings": {
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
            "AutoScalingRead": {"ScalableTargetRequest": {"MinCapacity": 1, "MaxCapacity": 10},
                                "ScalingPolicyConfiguration": {"TargetValue": 70}}},
    }],
}


def test_workbench_model_adopts_keys_indexes_and_capacity_and_names_the_rest(
    tmp_path: Path,
) -> None:
    model = tmp_path / "model.json"
    model.write_text(json.dumps(WORKBENCH_MODEL), encoding="utf-8")
    result = adopt(tmp_path / "schemas", "--nosql-workbench", str(model),
                   "--name-prefix", "shop-")
    assert result.code == 0, result.stderr
    (table,) = load_project(tmp_path / "schemas").tables
    assert (table.key, table.name) == ("catalog", "catalog")
    assert (table.partition_key.name, table.sort_key and table.sort_key.name) == ("PK", "SK")
    assert table.capacity is not None and (table.capacity.read, table.capacity.write) == (5, 3)
    assert table.autoscaling is not None and table.autoscaling.read is not None
    (index,) = table.global_secondary_indexes
    assert (index.name, index.projection.non_key_attributes) == ("GSI1", ("price",))
    text = (tmp_path / "schemas" / "catalog.yaml").read_text(encoding="utf-8")
    assert "attributes:\n  price: {type: N}\n" in text
    # The facet is a query on the partition key, said to be a starting point; the sample
    # item is an example.
    assert ("access_patterns:\n  Product:\n    description: >-\n      From the NoSQL "
            "Workbench facet Product (partition key as ProductId, sort key as Kind): the\n"
            ) in text
    assert "    operation: query\n    key: {PK: EQ}\nexamples:\n  item:\n" in text
    assert '      price: {N: "3"}\n' in text
    for note in ("each facet is written as a query on the partition key; a facet does not say "
                 "the operation or the sort key's condition",
                 "index GSI1: the model gives it no capacity; written with the table's"):
        assert note in result.stdout
    assert_builds(tmp_path / "schemas", tmp_path / "out")


def test_facets_of_a_single_table_design_become_patterns_and_their_items_examples(
    tmp_path: Path,
) -> None:
    model = json.loads(json.dumps(WORKBENCH_MODEL))
    table = model["DataModel"][0]
    table["TableData"] = []
    table["TableFacets"] = [
        {"FacetName": "Product", "KeyAttributeAlias": {"PartitionKeyAlias": "ProductId"},
         "TableData": [{"PK": {"S": "P#1"}, "SK": {"S": "META"}, "price": {"N": "3"}}]},
        {"FacetName": "Product", "KeyAttributeAlias": {"PartitionKeyAlias": "Id"},
         "TableData": [{"PK": {"S": "O#1"}, "SK": {"S": "L#1"}, "GSI1PK": {"S": "P#1"}}]},
        {"FacetName": "1 order line!", "KeyAttributeAlias": {}, "TableData": []},
    ]
    (tmp_path / "model.json").write_text(json.dumps(model), encoding="utf-8")
    result = adopt(tmp_path / "schemas", "--nosql-workbench", str(tmp_path / "model.json"))
    assert result.code == 0, result.stderr
    text = (tmp_path / "schemas" / "shop-catalog.yaml").read_text(encoding="utf-8")
    # Names made valid and unique; an attribute some item lacks is optional.
    assert "\n  Product:\n" in text and "\n  Product-2:\n" in text
    assert "\n  f-1-order-line:\n" in text
    assert "\n  Product-item:\n" in text and "\n  Product-2-item:\n" in text
    assert "attributes:\n  price: {type: N, optional: true}\n" in text
    assert_builds(tmp_path / "schemas", tmp_path / "out")


def test_not_a_workbench_model_exits_2(tmp_path: Path) -> None:
    model = tmp_path / "model.json"
    model.write_text('{"ModelName": "x"}', encoding="utf-8")
    result = adopt(tmp_path / "s", "--nosql-workbench", str(model))
    assert result.code == 2
    assert "not a NoSQL Workbench data model (no DataModel list)" in result.stderr



# --- property: any valid table files, built, adopt back from the template -------------


def test_random_valid_tables_built_and_adopted_from_the_template_give_the_same_model(
    record_property: Callable[[str, object], None],
) -> None:
    _run_counted(_adopts_back, "adopt back", 60, record_property)


@settings(PROFILE, max_examples=60)
@given(projects(max_tables=2))
def _adopts_back(project: dict[str, dict[str, Any]]) -> None:
    RUN["adopt back"] += 1
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "in").mkdir()
        source = _write(Path(folder) / "in", project)
        model = rebuilt_model(source)
        template = Path(folder) / "template.json"
        template.write_text(generate(source)[CLOUDFORMATION_TEMPLATE], encoding="utf-8")
        result = adopt(Path(folder) / "adopted", "--cloudformation", str(template))
        assert result.code == 0, result.stderr
        assert rebuilt_model(Path(folder) / "adopted") == model
        # Descriptions (any text) come back too, though model.json does not record them.
        descriptions = {t.key: t.description for t in load_project(source).tables}
        assert {t.key: t.description
                for t in load_project(Path(folder) / "adopted").tables} == descriptions


def _design(schemas: Path) -> dict[str, Any]:
    """What a NoSQL Workbench model holds of each table, by name."""
    found = {}
    for table in load_project(schemas).tables:
        snapshot = table_snapshot(table)
        found[table.name] = {
            "keys": (snapshot["partition_key"], snapshot["sort_key"]),
            "billing": (snapshot["billing_mode"], snapshot["capacity"], snapshot["autoscaling"]),
            "indexes": [(g["name"], g["partition_key"], g["sort_key"], g["projection"])
                        for g in snapshot["global_secondary_indexes"]],
        }
    return found


@pytest.mark.parametrize("schemas", [SCHEMAS, *(GOLDEN / case / "input" for case in CASES)],
                         ids=["sentinel", *CASES])
def test_exported_workbench_model_adopts_back_to_the_same_design(
    schemas: Path, tmp_path: Path
) -> None:
    exported = run_cli("export", "--format", "nosql-workbench", "--schemas", str(schemas))
    assert exported.code == 0, exported.stderr
    # What the model cannot hold is said, table by table.
    assert exported.stderr.count("not in the data model: ") == len(load_project(schemas).tables)
    model = tmp_path / "model.json"
    model.write_text(exported.stdout, encoding="utf-8")
    assert adopt(tmp_path / "adopted", "--nosql-workbench", str(model)).code == 0
    assert _design(tmp_path / "adopted") == _design(schemas)


def test_export_writes_table_queries_as_facets_and_examples_as_sample_items(
    tmp_path: Path,
) -> None:
    write_tables(tmp_path / "schemas", orders="""\
        name: orders
        partition_key: {name: customer, type: S}
        sort_key: {name: placed, type: S}
        attributes:
          total: {type: N}
          receipt: {type: B, optional: true}
        access_patterns:
          ListOrders: {operation: query, key: {customer: EQ}}
          GetOrder: {operation: get, key: {customer: EQ, placed: EQ}}
        examples:
          first:
            item:
              customer: {S: c1}
              placed: {S: "2026-01-01"}
              total: {N: "12.50"}
              receipt: {B: aGk=}
            returned_by: [ListOrders, GetOrder]
          other:
            item: {customer: {S: c2}, placed: {S: "2026-02-01"}, total: {N: "3"}}
        """)
    exported = run_cli("export", "--format", "nosql-workbench", "--schemas",
                       str(tmp_path / "schemas"))
    assert exported.code == 0, exported.stderr
    (table,) = json.loads(exported.stdout)["DataModel"]
    first = {"customer": {"S": "c1"}, "placed": {"S": "2026-01-01"}, "total": {"N": "12.5"},
             "receipt": {"B": "aGk="}}
    assert table["TableFacets"] == [{
        "FacetName": "ListOrders",
        "KeyAttributeAlias": {"PartitionKeyAlias": "customer", "SortKeyAlias": "placed"},
        "TableData": [first], "NonKeyAttributes": ["receipt", "total"],
        "DataAccess": {"MySql": {}}}]
    assert table["TableData"] == [first, {"customer": {"S": "c2"}, "placed": {"S": "2026-02-01"},
                                          "total": {"N": "3"}}]
    assert "access patterns other than queries of the table" in exported.stderr
    model = tmp_path / "model.json"
    model.write_text(exported.stdout, encoding="utf-8")
    assert adopt(tmp_path / "back", "--nosql-workbench", str(model)).code == 0
    (back,) = load_project(tmp_path / "back").tables
    assert [p.name for p in back.usage.patterns] == ["ListOrders"]
    assert [dict(e.item) for e in back.usage.examples] == [
        dict(e.item) for e in load_project(tmp_path / "schemas").tables[0].usage.examples]


def test_contributor_insights_in_a_replica_region_are_the_tables_own_not_a_second_setting(
    tmp_path: Path,
) -> None:
    """A provider 6 module turns the table's Contributor Insights on in each replica's region
    as well; only the resource in the table's own region says what the file holds."""
    table: dict[str, Any] = {
        "name": "ledger", "hash_key": "id", "range_key": None, "billing_mode": "PAY_PER_REQUEST",
        "attribute": [{"name": "id", "type": "S"}], "global_secondary_index": [],
        "local_secondary_index": [], "ttl": [], "stream_enabled": True,
        "stream_view_type": "NEW_AND_OLD_IMAGES", "table_class": "STANDARD",
        "server_side_encryption": [], "point_in_time_recovery": [{"enabled": True}],
        "deletion_protection_enabled": True, "tags": {}, "tags_all": {},
        "replica": [{"region_name": "eu-west-1", "point_in_time_recovery": True}],
        "arn": "arn:aws:dynamodb:us-east-1:123456789012:table/ledger",
    }
    replica_insights = {
        "address": 'aws_dynamodb_contributor_insights.ledger_replicas["eu-west-1"]',
        "mode": "managed", "type": "aws_dynamodb_contributor_insights", "name": "ledger_replicas",
        "values": {"table_name": "ledger", "index_name": None, "region": "eu-west-1"}}
    own_insights = {
        "address": "aws_dynamodb_contributor_insights.ledger", "mode": "managed",
        "type": "aws_dynamodb_contributor_insights", "name": "ledger",
        "values": {"table_name": "ledger", "index_name": None, "region": "us-east-1"}}
    found = {}
    for label, helpers in (("replica only", [replica_insights]),
                           ("both", [replica_insights, own_insights])):
        state = tmp_path / f"{label}.json"
        resources = [{"address": "aws_dynamodb_table.ledger", "mode": "managed",
                      "type": "aws_dynamodb_table", "name": "ledger", "values": table}, *helpers]
        state.write_text(json.dumps({"format_version": "1.0", "values": {
            "root_module": {"resources": resources}}}), encoding="utf-8")
        result = adopt(tmp_path / label, "--terraform", str(state))
        assert result.code == 0, result.stderr
        (adopted,) = load_project(tmp_path / label).tables
        found[label] = adopted.contributor_insights
    assert found == {"replica only": False, "both": True}
