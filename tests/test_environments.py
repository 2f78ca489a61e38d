"""Environments from the settings file: one module and one template per environment, each
table as the environment's overrides deploy it, and the output of the table files as written
unchanged byte for byte."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import hcl2
import pytest

from generator.environments import RULES
from generator.pipeline import generate, load_project
from generator.render import CLOUDFORMATION_DIR, TERRAFORM_DIR
from generator.settings import SETTINGS_FILE
from tests.conftest import REPO, SCHEMAS
from tests.helpers import hcl_string, run_cli
from tests.test_module_interface import _terraform_interface

CAPABILITIES = REPO / "tests" / "golden" / "capabilities" / "input"
DEV_AND_PROD = """
environments:
  dev:
    deletion_protection: false
    point_in_time_recovery: false
    billing_mode: PAY_PER_REQUEST
    replicas: false
    table_class: STANDARD_INFREQUENT_ACCESS
    tags: {environment: dev, owner: everyone}
  prod:
    tags: {environment: prod}
"""


def _project(root: Path, settings: str | None, tables: Path = SCHEMAS) -> Path:
    """A copy of ``tables`` with the settings file beside it; the schemas folder."""
    shutil.copytree(tables, root / "schemas")
    if settings is not None:
        (root / SETTINGS_FILE).write_text(textwrap.dedent(settings).lstrip(), encoding="utf-8")
    return root / "schemas"


def _resource(files: dict[str, str], path: str, key: str) -> dict[str, Any]:
    parsed = hcl2.loads(files[path])
    body: dict[str, Any] = parsed["resource"][0]['"aws_dynamodb_table"'][f'"{key}"']
    return body


def _cfn(files: dict[str, str], environment: str) -> dict[str, Any]:
    template: dict[str, Any] = json.loads(
        files[f"{CLOUDFORMATION_DIR}/{environment}/template.json"]
    )
    return template


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("environments")
    return {
        "plain": generate(_project(root / "plain", None, CAPABILITIES)),
        "alarms only": generate(_project(root / "alarms", "alarms: {}\n", CAPABILITIES)),
        "environments": generate(_project(root / "envs", DEV_AND_PROD, CAPABILITIES)),
        "sentinel": generate(_project(root / "sentinel", DEV_AND_PROD)),
    }


def test_without_environments_the_output_is_byte_for_byte_unchanged(
    built: dict[str, dict[str, str]],
) -> None:
    assert built["alarms only"] == built["plain"]
    folders = tuple(f"{kind}/{environment}/" for kind in (TERRAFORM_DIR, CLOUDFORMATION_DIR)
                    for environment in ("dev", "prod"))
    outside = {path: text for path, text in built["environments"].items()
               if not path.startswith(folders)}
    assert outside == built["plain"]


def test_each_environment_gets_a_whole_module_and_a_template(
    built: dict[str, dict[str, str]],
) -> None:
    module = sorted(p.removeprefix(f"{TERRAFORM_DIR}/") for p in built["plain"]
                    if p.startswith(f"{TERRAFORM_DIR}/"))
    # dev has no autoscaling, as its overrides say (below).
    for environment, files in (("prod", module), ("dev", [f for f in module
                                                           if f != "autoscaling.tf"])):
        assert sorted(p.removeprefix(f"{TERRAFORM_DIR}/{environment}/")
                      for p in built["environments"]
                      if p.startswith(f"{TERRAFORM_DIR}/{environment}/")) == files
        assert f"{CLOUDFORMATION_DIR}/{environment}/template.json" in built["environments"]
    readme = built["environments"][f"{TERRAFORM_DIR}/dev/README.md"]
    assert 'source = "./out/terraform/dev"' in readme
    assert "as environment `dev` of the settings file deploys them" in readme


def test_prod_keeps_the_protections_and_dev_drops_all_three(
    built: dict[str, dict[str, str]],
) -> None:
    files = built["sentinel"]
    for key in ("sessions", "requests", "breakglass", "ratelimit"):
        path = f"table_{key}.tf"
        prod = _resource(files, f"{TERRAFORM_DIR}/prod/{path}", key)
        dev = _resource(files, f"{TERRAFORM_DIR}/dev/{path}", key)
        assert prod["deletion_protection_enabled"] is True
        assert prod["lifecycle"][0]["prevent_destroy"] is True
        assert dev["deletion_protection_enabled"] is False
        assert "prevent_destroy" not in dev.get("lifecycle", [{}])[0]
    for environment, policy in (("prod", "Retain"), ("dev", "Delete")):
        tables = [r for r in _cfn(files, environment)["Resources"].values()
                  if r["Type"].startswith("AWS::DynamoDB::")]
        assert tables and {(r["DeletionPolicy"], r["UpdateReplacePolicy"]) for r in tables} == {
            (policy, policy)}
        assert {r["Properties"]["DeletionProtectionEnabled"] for r in tables} == {
            policy == "Retain"}


def test_dev_overrides_billing_replicas_recovery_class_and_tags(
    built: dict[str, dict[str, str]],
) -> None:
    files = built["environments"]
    metrics = _resource(files, f"{TERRAFORM_DIR}/dev/table_metrics.tf", "metrics")
    assert hcl_string(metrics["billing_mode"]) == "PAY_PER_REQUEST"
    assert "read_capacity" not in metrics
    assert f"{TERRAFORM_DIR}/dev/autoscaling.tf" not in files
    assert f"{TERRAFORM_DIR}/prod/autoscaling.tf" in files
    replicated = _resource(files, f"{TERRAFORM_DIR}/dev/table_replicated.tf", "replicated")
    assert "replica" not in replicated
    assert "replica" in _resource(files, f"{TERRAFORM_DIR}/prod/table_replicated.tf",
                                  "replicated")
    assert replicated["point_in_time_recovery"][0]["enabled"] is False
    assert hcl_string(replicated["table_class"]) == "STANDARD_INFREQUENT_ACCESS"
    types = {r["Type"] for r in _cfn(files, "dev")["Resources"].values()}
    assert "AWS::DynamoDB::GlobalTable" not in types
    assert "AWS::DynamoDB::GlobalTable" in {
        r["Type"] for r in _cfn(files, "prod")["Resources"].values()}
    assert '"environment" = "dev"' in files[f"{TERRAFORM_DIR}/dev/table_replicated.tf"]
    assert '"environment" = "prod"' in files[f"{TERRAFORM_DIR}/prod/table_replicated.tf"]


def test_a_table_files_own_tag_wins_over_the_environments(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "t.yaml").write_text(
        "name: tee\npartition_key: {name: id, type: S}\ntags: {owner: team-a}\n",
        encoding="utf-8")
    (tmp_path / SETTINGS_FILE).write_text(
        "environments:\n  dev: {tags: {owner: everyone, environment: dev}}\n", encoding="utf-8")
    (name, dev), = load_project(schemas).environments
    assert (name, dict(dev.tables[0].tags)) == ("dev", {"owner": "team-a", "environment": "dev"})


def test_a_provisioned_environment_sets_every_capacity(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "t.yaml").write_text(
        "name: tee\npartition_key: {name: id, type: S}\nglobal_secondary_indexes:\n"
        "  - {name: by-x, partition_key: {name: x, type: S}}\n", encoding="utf-8")
    (tmp_path / SETTINGS_FILE).write_text(
        "environments:\n  load:\n    billing_mode: PROVISIONED\n"
        "    capacity: {read: 7, write: 3}\n", encoding="utf-8")
    table = _resource(generate(schemas), f"{TERRAFORM_DIR}/load/table_t.tf", "t")
    assert (hcl_string(table["billing_mode"]), table["read_capacity"], table["write_capacity"]) == (
        "PROVISIONED", 7, 3)
    index = table["global_secondary_index"][0]
    assert (index["read_capacity"], index["write_capacity"]) == (7, 3)


def test_every_environment_has_the_same_module_interface(
    built: dict[str, dict[str, str]],
) -> None:
    files = built["environments"]
    expected = _terraform_interface(built["plain"])
    for environment in ("dev", "prod"):
        prefix = f"{TERRAFORM_DIR}/{environment}/"
        module = {TERRAFORM_DIR + "/" + p.removeprefix(prefix): text
                  for p, text in files.items() if p.startswith(prefix)}
        assert _terraform_interface(module) == expected


def test_every_environment_template_passes_cfn_lint(built: dict[str, dict[str, str]]) -> None:
    from cfnlint.api import lint

    for environment in ("dev", "prod"):
        template = built["sentinel"][f"{CLOUDFORMATION_DIR}/{environment}/template.json"]
        assert [str(f) for f in lint(template, regions=["us-east-1"])] == [], environment


# --- rules --------------------------------------------------------------------------------------

def _errors(tmp_path: Path, settings: str) -> str:
    schemas = _project(tmp_path, settings, CAPABILITIES)
    result = run_cli("validate", "--schemas", str(schemas))
    assert result.code == 2
    return result.stderr.replace(tmp_path.as_posix() + "/", "")


def test_e501_provisioned_environment_without_capacity(tmp_path: Path) -> None:
    assert _errors(tmp_path, "environments:\n  load:\n    billing_mode: PROVISIONED\n") == (
        f"{SETTINGS_FILE}:3:19: E501 environments.load.billing_mode: environment load makes "
        "every table PROVISIONED but gives no capacity; add 'capacity: {read: N, write: N}' "
        "to the environment\n1 error in 1 file\n"
    )


def test_e501_capacity_in_an_on_demand_environment(tmp_path: Path) -> None:
    settings = ("environments:\n  dev:\n    billing_mode: PAY_PER_REQUEST\n"
                "    capacity: {read: 1, write: 1}\n")
    assert _errors(tmp_path, settings) == (
        f"{SETTINGS_FILE}:4:15: E501 environments.dev.capacity: environment dev has capacity "
        "but makes every table PAY_PER_REQUEST; remove 'capacity', or set "
        "'billing_mode: PROVISIONED'\n1 error in 1 file\n"
    )


def test_e502_a_table_file_the_environment_makes_invalid(tmp_path: Path) -> None:
    settings = ("environments:\n  load:\n    billing_mode: PROVISIONED\n"
                "    capacity: {read: 1, write: 1}\n    tags: {'aws:env': x}\n")
    lines = _errors(tmp_path, settings).splitlines()
    assert lines[0] == (
        f"{SETTINGS_FILE}:2:3: E502 environments.load: in environment load, "
        "schemas/replicated-default-key.yaml:7:1 breaks E152 at replicas: replicated tables are "
        "generated for on-demand billing only; use billing_mode PAY_PER_REQUEST for a table "
        "with replicas; or change the environment's overrides"
    )
    assert lines[2] == (
        f"{SETTINGS_FILE}:5:5: E502 environments.load.tags: in environment load, "
        "schemas/imported.yaml:3:1 breaks E150 at tags[\"aws:env\"]: the tag key 'aws:env' uses "
        "the reserved prefix 'aws:'; AWS reserves tags starting with 'aws:'; choose another "
        "key; or change the environment's overrides"
    )
    assert lines[-1] == "6 errors in 1 file"


def test_an_environment_name_must_fit_a_folder(tmp_path: Path) -> None:
    assert _errors(tmp_path, "environments:\n  Dev: {}\n").splitlines()[0] == (
        f"{SETTINGS_FILE}:2:3: S005 environments.Dev: the key \"Dev\" is not allowed here; name "
        "an environment with 1 to 32 lowercase letters, digits and '-', starting with a letter"
    )


@pytest.mark.parametrize("code", [rule.code for rule in RULES])
def test_every_environment_rule_is_tested_here(code: str) -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert f"def test_{code.lower()}_" in source, f"rule {code} has no test of its own"


def test_environment_rule_codes_are_unique_and_in_their_range() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes)) and all(code.startswith("E5") for code in codes)
