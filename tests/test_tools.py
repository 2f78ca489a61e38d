"""The generated IaC passes the real tools: cfn-lint (Python API) and terraform fmt/validate."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import lint

from generator.render import CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR
from tests.conftest import OUT, REPO, Terraform
from tests.support import provider_mirror
from tests.support.provider_schema import golden_target

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
    if out != OUT and golden_target(out.parent) == 6:
        # Only hashicorp/aws 5.100.0 is here; tests/test_provider_schema.py checks target 6
        # modules against the reduced 6.x schema instead.
        return
    (tmp_path / "main.tf").write_text(
        f'module "tables" {{\n  source = "{module.as_posix()}"\n}}\n', encoding="utf-8"
    )
    init = terraform.run(["init", "-backend=false", "-no-color"], cwd=tmp_path)
    assert init.returncode == 0, init.stdout + init.stderr
    validate = terraform.run(["validate", "-no-color"], cwd=tmp_path)
    assert validate.returncode == 0, validate.stdout + validate.stderr


def test_the_provider_mirror_is_found_without_tf_provider_mirror(tmp_path: Path) -> None:
    mirror = tmp_path / "plugins"
    (mirror / provider_mirror.PROVIDER).mkdir(parents=True)
    found = provider_mirror.locate({}, [str(tmp_path / "none"), str(mirror)], False)
    assert found == (mirror, "")
    assert "/opt/tf-plugins" in provider_mirror.CANDIDATES  # where .ci/run looked before


def test_a_missing_provider_mirror_is_named_as_missing(tmp_path: Path) -> None:
    assert provider_mirror.locate({}, [str(tmp_path)], False) == (None, (
        "no Terraform provider mirror holding registry.terraform.io/hashicorp/aws was found "
        f"(looked in {tmp_path}); set TF_PROVIDER_MIRROR to the folder that holds "
        "registry.terraform.io"
    ))
    assert provider_mirror.locate({"TF_PROVIDER_MIRROR": str(tmp_path)}, [], False) == (
        None, f"TF_PROVIDER_MIRROR={tmp_path} holds no registry.terraform.io/hashicorp/aws"
    )


def test_ci_finds_the_mirror_with_the_tests_search() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 tests/support/provider_mirror.py" in script
    assert "find /" not in script


@pytest.mark.parametrize("out", OUTPUTS, ids=IDS)
def test_cloudformation_template_has_no_informational_cfn_lint_findings_either(
    out: Path,
) -> None:
    from cfnlint.api import ManualArgs

    template = (out / CLOUDFORMATION_TEMPLATE).read_text(encoding="utf-8")
    findings = lint(template, config=ManualArgs(regions=["us-east-1"], include_checks=["I"]))
    assert [str(f) for f in findings] == []
