"""The generated IaC passes the real tools: cfn-lint (Python API) and terraform fmt/validate."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import lint

from generator.render import CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR
from tests.conftest import OUT, REPO, Terraform

OUTPUTS = [OUT, *sorted((REPO / "tests" / "golden").glob("*/expected"))]
IDS = [p.relative_to(REPO).as_posix() for p in OUTPUTS]


@pytest.mark.parametrize("out", OUTPUTS, ids=IDS)
def test_cloudformation_template_has_no_cfn_lint_findings(out: Path) -> None:
    template = (out / CLOUDFORMATION_TEMPLATE).read_text(encoding="utf-8")
    findings = lint(template, regions=["us-east-1", "eu-west-1"])
    assert [str(f) for f in findings] == []


@pytest.mark.parametrize("out", OUTPUTS, ids=IDS)
def test_terraform_module_is_fmt_clean_and_validates(
    out: Path, terraform: Terraform, tmp_path: Path
) -> None:
    module = out / TERRAFORM_DIR
    fmt = terraform.run(["fmt", "-check", "-diff", "-recursive", str(module)], cwd=tmp_path)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    (tmp_path / "main.tf").write_text(
        f'module "tables" {{\n  source = "{module.as_posix()}"\n}}\n', encoding="utf-8"
    )
    init = terraform.run(["init", "-backend=false", "-no-color"], cwd=tmp_path)
    assert init.returncode == 0, init.stdout + init.stderr
    validate = terraform.run(["validate", "-no-color"], cwd=tmp_path)
    assert validate.returncode == 0, validate.stdout + validate.stderr
