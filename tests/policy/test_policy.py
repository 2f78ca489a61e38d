"""Security policy as code over both generated formats: the cfn-guard rules in this folder
(through cfn-guard-rs) and checkov.

out/ must pass every rule. The features golden turns protections off on purpose, so it must
fail exactly where its table files say so: that proves the rules can fail. checkov's
CKV_AWS_119 (customer-managed key) is waived only on tables whose encryption is aws_managed,
by a skip the generator writes with its reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from cfn_guard_rs.api import run_checks

from generator.model import Table
from generator.pipeline import load_project
from generator.render import CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR
from tests.conftest import OUT, REPO, SCHEMAS
from tests.helpers import hcl_string
from tests.support.shapes import load_hcl

POLICY = Path(__file__).resolve().parent
FEATURES = REPO / "tests" / "golden" / "features"
CAPABILITIES = REPO / "tests" / "golden" / "capabilities"
CASES = {"out": (SCHEMAS, OUT), "features": (FEATURES / "input", FEATURES / "expected"),
         "capabilities": (CAPABILITIES / "input", CAPABILITIES / "expected")}
CHECKOV_TIMEOUT = 120


def _unquote(value: Any) -> Any:
    """python-hcl2 keeps quotes on string literals; guard compares plain values."""
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {hcl_string(k): _unquote(v) for k, v in value.items()
                if k not in ("__is_block__", "__comments__")}
    return value


def terraform_document(module: Path) -> dict[str, Any]:
    """Every resource of the module as {"resource": {type: {name: body}}}."""
    resources: dict[str, dict[str, Any]] = {}
    for document in load_hcl(module).values():
        for block in document.get("resource", []):
            for kind, named in _unquote(block).items():
                resources.setdefault(kind, {}).update(named)
    return {"resource": resources}


# cfn-guard-rs 0.3.3 returns a garbled report (a fragment of its JSON) when a failing clause
# traverses a large value: reproduced with the features' orders table, whose GSIs end up in
# the report. So each table is checked on its own, reduced to what the rules read; the rules
# files are unchanged and run on whole documents with the cfn-guard CLI as well.
TF_POLICY_KEYS = {"deletion_protection_enabled", "point_in_time_recovery",
                  "server_side_encryption", "lifecycle", "replica"}
CFN_POLICY_KEYS = {"DeletionProtectionEnabled", "PointInTimeRecoverySpecification",
                   "SSESpecification", "Replicas"}


def broken_rules(data: Mapping[str, Any], rules_file: str) -> set[str]:
    """Names of the rules that ``data`` does not comply with."""
    report = run_checks(dict(data), (POLICY / rules_file).read_text(encoding="utf-8"))
    assert report.status in ("PASS", "FAIL"), report.status
    return {clause.Rule.name for clause in report.not_compliant if clause.Rule is not None}


def cloudformation_guard_failures(template: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(rule, logical id) for every DynamoDB table that breaks a rule."""
    found: set[tuple[str, str]] = set()
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] not in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
            continue
        view = {k: v for k, v in resource.items() if k != "Properties"}
        view["Properties"] = {k: v for k, v in resource["Properties"].items()
                              if k in CFN_POLICY_KEYS}
        rules = broken_rules({"Resources": {logical_id: view}}, "dynamodb-cloudformation.guard")
        found |= {(rule, logical_id) for rule in rules}
    return found


def terraform_guard_failures(module: Path) -> set[tuple[str, str]]:
    """(rule, resource name) for every aws_dynamodb_table that breaks a rule."""
    found: set[tuple[str, str]] = set()
    tables = terraform_document(module)["resource"].get("aws_dynamodb_table", {})
    for name, body in tables.items():
        view = {k: v for k, v in body.items() if k in TF_POLICY_KEYS}
        rules = broken_rules({"resource": {"aws_dynamodb_table": {name: view}}},
                             "dynamodb-terraform.guard")
        found |= {(rule, name) for rule in rules}
    return found


def _violations(table: Table) -> set[str]:
    """The policy properties a table's file turns off on purpose."""
    broken = set()
    if not table.point_in_time_recovery or not all(
            r.point_in_time_recovery for r in table.replicas):
        broken.add("point_in_time_recovery")
    if not table.encryption.enabled:
        broken.add("encryption")
    if not table.deletion_protection:
        broken |= {"deletion_protection", "retain"}
    return broken


CFN_GLOBAL_RULES = {
    "point_in_time_recovery": "dynamodb_global_point_in_time_recovery_on",
    "encryption": "dynamodb_global_encryption_on",
    "deletion_protection": "dynamodb_global_deletion_protection_on",
    "retain": "dynamodb_global_retain_policies"}
CFN_RULES = {"point_in_time_recovery": "dynamodb_point_in_time_recovery_on",
             "encryption": "dynamodb_encryption_on",
             "deletion_protection": "dynamodb_deletion_protection_on",
             "retain": "dynamodb_retain_policies"}
TF_RULES = {"point_in_time_recovery": "terraform_point_in_time_recovery_on",
            "encryption": "terraform_encryption_on",
            "deletion_protection": "terraform_deletion_protection_on",
            "retain": "terraform_retain_on_destroy"}


@pytest.mark.parametrize("case", CASES)
def test_cloudformation_breaks_guard_rules_exactly_where_the_table_files_say(case: str) -> None:
    schemas, out = CASES[case]
    template = json.loads((out / CLOUDFORMATION_TEMPLATE).read_text(encoding="utf-8"))
    found = cloudformation_guard_failures(template)
    expected = {((CFN_GLOBAL_RULES if t.is_global else CFN_RULES)[v], t.logical_id)
                for t in load_project(schemas).tables for v in _violations(t)}
    assert found == expected
    assert (case == "out") == (not expected)


@pytest.mark.parametrize("case", CASES)
def test_terraform_breaks_guard_rules_exactly_where_the_table_files_say(case: str) -> None:
    schemas, out = CASES[case]
    found = terraform_guard_failures(out / TERRAFORM_DIR)
    expected = {(TF_RULES[v], t.key) for t in load_project(schemas).tables
                for v in _violations(t)}
    assert found == expected
    assert (case == "out") == (not expected)


def _checkov() -> str:
    found = os.environ.get("CHECKOV") or shutil.which("checkov")
    if not found:
        message = ("checkov is not installed; it pins boto3==1.35.49 and packaging<24, which "
                   "would downgrade the test environment, so install it in a virtualenv of its "
                   "own and set CHECKOV to that checkov script")
        if os.environ.get("REQUIRE_CHECKOV") == "1":
            pytest.fail(f"REQUIRE_CHECKOV=1 but {message}")
        pytest.skip(message)
    return found


def checkov_results(folder: Path) -> list[dict[str, Any]]:
    """Every checkov result (passed, failed, skipped) for both frameworks of one output."""
    run = subprocess.run(
        [_checkov(), "-d", str(folder), "--framework", "terraform", "cloudformation",
         "-o", "json", "--skip-download"],
        capture_output=True, text=True, timeout=CHECKOV_TIMEOUT, check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "",
             "LOG_LEVEL": "ERROR"},
    )
    assert run.returncode in (0, 1), run.stderr
    reports = json.loads(run.stdout)
    results: list[dict[str, Any]] = []
    for report in reports if isinstance(reports, list) else [reports]:
        for outcome in ("passed_checks", "failed_checks", "skipped_checks"):
            results += report["results"][outcome]
    return results


def _table_resource(result: Mapping[str, Any], tables: list[Table]) -> Table | None:
    resource = str(result["resource"])
    for table in tables:
        names = (f"aws_dynamodb_table.{table.key}", f"AWS::DynamoDB::Table.{table.logical_id}")
        if resource in names:
            return table
    return None


@pytest.mark.parametrize("case", CASES)
def test_checkov_waives_customer_key_only_where_the_table_file_says_aws_managed(
    case: str,
) -> None:
    schemas, out = CASES[case]
    tables = list(load_project(schemas).tables)
    results = checkov_results(out)
    outcomes: dict[tuple[str, str], set[str]] = {}
    for result in results:
        table = _table_resource(result, tables)
        if table is None or result["check_id"] not in ("CKV_AWS_119", "CKV_AWS_28"):
            continue
        outcome = result["check_result"]["result"]
        if outcome == "SKIPPED":
            assert "aws_managed" in result["check_result"]["suppress_comment"]
        outcomes.setdefault((table.key, result["check_id"]), set()).add(outcome)
    expected = {}
    for table in tables:
        # A default aws_managed table gets no waiver. checkov then passes CKV_AWS_119 on the
        # kms_key_arn variable (Terraform) and the Fn::If on KmsKeyArn (CloudFormation), which
        # name no key until deployment: a pass that proves little, hence the explicit waiver.
        key_outcome = {
            "aws_managed": "SKIPPED" if table.waives_customer_key_check else "PASSED",
            "customer_managed": "PASSED",
            "aws_owned": "FAILED",
        }[table.encryption.type]
        expected[(table.key, "CKV_AWS_119")] = {key_outcome}
        expected[(table.key, "CKV_AWS_28")] = {
            "PASSED" if table.point_in_time_recovery else "FAILED"}
    assert outcomes == expected
    if case == "out":
        assert [r for r in results if r["check_result"]["result"] == "FAILED"] == []
