"""The generated module's interface depends on the settings, never on what the tables hold.

A root module passes inputs and reads outputs by name; if a table edit could remove one, the
root module would break with ``Unsupported argument``. Each table set here differs in what
drives the conditional parts of the templates (access roles, aws_managed encryption,
environment variables, replicas, autoscaling, alarms), and all give the same interface.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import hcl2
import pytest

from generator.pipeline import generate
from generator.render import CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR
from generator.settings import SETTINGS_FILE
from tests.conftest import REPO, SCHEMAS
from tests.helpers import write_tables

GOLDEN = REPO / "tests" / "golden"
NAME_OVERRIDE = "TableNameOverride"

# The smallest table: no roles, no KMS key, no environment variable, nothing to scale.
BARE = """
name: bare
partition_key: {name: id, type: S}
encryption: {type: aws_owned}
"""


def _table_sets(root: Path) -> dict[str, Path]:
    sets = {"bare": write_tables(root / "bare" / "schemas", bare=BARE)}
    for name, source in [("sentinel", SCHEMAS), *(
        (case.name, case / "input") for case in sorted(GOLDEN.iterdir()) if case.is_dir()
    )]:
        shutil.copytree(source, root / name / "schemas")
        # A golden case's settings (e.g. its provider target) come with its tables.
        settings = source.parent / SETTINGS_FILE
        if source != SCHEMAS and settings.is_file():
            shutil.copy(settings, root / name / SETTINGS_FILE)
        sets[name] = root / name / "schemas"
    return sets


def _terraform_interface(files: dict[str, str]) -> dict[str, Any]:
    """Every variable (type, default, description) and output (description) of the module."""
    variables: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for path, text in files.items():
        if not (path.startswith(f"{TERRAFORM_DIR}/") and path.endswith(".tf")):
            continue
        parsed = hcl2.loads(text)
        for block in parsed.get("variable", []):
            for name, body in block.items():
                variables[name.strip('"')] = (
                    body.get("type"), body.get("default"), body["description"]
                )
        for block in parsed.get("output", []):
            for name, body in block.items():
                outputs[name.strip('"')] = body["description"]
    return {"variables": variables, "outputs": outputs}


def _cloudformation_parameters(files: dict[str, str]) -> dict[str, Any]:
    """The template's parameters but the name override of each table, which is one per table
    by design (as the keys of the module's table_names map)."""
    parameters = json.loads(files[CLOUDFORMATION_TEMPLATE])["Parameters"]
    return {
        name: (p["Type"], p.get("Default"), p["Description"])
        for name, p in parameters.items()
        if not name.endswith(NAME_OVERRIDE)
    }


@pytest.fixture(scope="module")
def interfaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("interfaces")
    return {name: generate(folder) for name, folder in _table_sets(root).items()}


def test_the_table_sets_differ_in_what_the_templates_make_conditional(
    interfaces: dict[str, dict[str, str]],
) -> None:
    """Without this, identical interfaces could come from identical table sets."""
    module = {name: files[f"{TERRAFORM_DIR}/outputs.tf"] for name, files in interfaces.items()}
    assert "var.kms_key_arn" not in interfaces["bare"][f"{TERRAFORM_DIR}/table_bare.tf"]
    assert any("var.kms_key_arn" in text for name, files in interfaces.items()
               for path, text in files.items() if path.endswith(".tf") and name != "bare")
    assert f"{TERRAFORM_DIR}/iam.tf" not in interfaces["bare"]
    assert f"{TERRAFORM_DIR}/iam.tf" in interfaces["sentinel"]
    assert "data.aws_iam_policy_document" not in module["bare"]
    assert "data.aws_iam_policy_document" in module["sentinel"]


def test_every_table_set_gives_the_same_terraform_variables_and_outputs(
    interfaces: dict[str, dict[str, str]],
) -> None:
    expected = _terraform_interface(interfaces["bare"])
    assert {"kms_key_arn", "create_iam_policies", "alarm_topic_arns"} <= set(
        expected["variables"]
    )
    assert {"iam_policy_documents", "iam_policy_arns", "environment_variables"} <= set(
        expected["outputs"]
    )
    for name, files in interfaces.items():
        assert _terraform_interface(files) == expected, name


def test_outputs_with_nothing_to_list_are_empty_maps(
    interfaces: dict[str, dict[str, str]],
) -> None:
    outputs = {
        name: body
        for block in hcl2.loads(interfaces["bare"][f"{TERRAFORM_DIR}/outputs.tf"])["output"]
        for name, body in block.items()
    }
    outputs = {name.strip('"'): body for name, body in outputs.items()}
    for name in ("iam_policy_documents", "iam_policy_arns", "environment_variables"):
        assert outputs[name]["value"] == {}, name


def test_every_table_set_gives_the_same_cloudformation_parameters(
    interfaces: dict[str, dict[str, str]],
) -> None:
    expected = _cloudformation_parameters(interfaces["bare"])
    assert {"KmsKeyArn", "CreateIamPolicies"} <= set(expected)
    for name, files in interfaces.items():
        assert _cloudformation_parameters(files) == expected, name


def test_the_module_readme_states_the_stable_interface(
    interfaces: dict[str, dict[str, str]],
) -> None:
    readme = interfaces["bare"][f"{TERRAFORM_DIR}/README.md"]
    assert "## A stable interface" in readme
    for name in _terraform_interface(interfaces["bare"])["variables"]:
        assert f"| `{name}` |" in readme, name
    for name in _terraform_interface(interfaces["bare"])["outputs"]:
        assert f"| `{name}` |" in readme, name


def test_parameters_no_table_uses_still_pass_cfn_lint(
    interfaces: dict[str, dict[str, str]],
) -> None:
    """A parameter nothing refers to is a cfn-lint warning (W2001); the template echoes the
    deployment's KmsKeyArn and CreateIamPolicies as outputs, so the bare template is clean."""
    from cfnlint.api import lint

    template = interfaces["bare"][CLOUDFORMATION_TEMPLATE]
    assert [str(finding) for finding in lint(template, regions=["us-east-1"])] == []
