"""`python -m generator verify`: runs the user-side checks on an output folder, says which ran
and which were skipped and why, and fails on a stale, misformatted or invalid folder."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from generator import freshness, outcomes, terraform_checks, verify
from generator.pipeline import load_project
from generator.render import CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR
from generator.settings import SETTINGS_FILE
from tests.conftest import OUT, SCHEMAS, Terraform
from tests.helpers import run_cli
from tests.support.synthetic import synthetic_set


def _use_terraform(terraform: Terraform, monkeypatch: pytest.MonkeyPatch) -> None:
    """verify runs terraform with the user's environment: here, the offline mirror's."""
    for name in ("TF_CLI_CONFIG_FILE", "HOME", "CHECKPOINT_DISABLE"):
        monkeypatch.setenv(name, terraform.env[name])
    monkeypatch.setenv("PATH", str(Path(terraform.binary).parent), prepend=":")


def test_verify_runs_every_check_on_out_and_passes(
    terraform: Terraform, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_terraform(terraform, monkeypatch)
    result = run_cli("verify", "--schemas", str(SCHEMAS), "--out", str(OUT))
    assert result.code == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    # the up-to-date check says how it knows when a build recorded what it wrote
    assert [line.split(": ")[0] for line in lines[:-1]] == [f"passed   {check}" for check in (
        "up to date with the table files", "cfn-lint cloudformation/template.json",
        "terraform fmt -check", "terraform validate")]
    assert re.fullmatch(r".*: 4 passed, 0 failed, 0 skipped in \d+ s", lines[-1])


def test_verify_says_what_it_skipped_without_terraform() -> None:
    results = verify.verify(load_project(SCHEMAS), OUT, which=lambda _: None)
    skipped = {o.check: o.detail for o in results if o.status == outcomes.SKIPPED}
    assert skipped == {"terraform fmt -check": "terraform is not on PATH",
                       "terraform validate": "terraform is not on PATH"}
    assert all(o.status == outcomes.PASSED for o in results if o.check not in skipped)


def test_verify_fails_on_a_hand_edited_folder(
    terraform: Terraform, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(OUT, out)
    table = out / TERRAFORM_DIR / "table_requests.tf"
    table.write_text(table.read_text("utf-8").replace('billing_mode                = ',
                                                      "billing_mode = "), "utf-8")
    template_path = out / CLOUDFORMATION_TEMPLATE
    template = json.loads(template_path.read_text("utf-8"))
    template["Resources"]["RequestsTable"]["Properties"]["BillingMode"] = "ON_DEMAND"
    template_path.write_text(json.dumps(template, indent=2), "utf-8")
    _use_terraform(terraform, monkeypatch)
    result = run_cli("verify", "--schemas", str(SCHEMAS), "--out", str(out))
    assert result.code == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert [line.split(":")[0] for line in failed] == [
        "FAILED   up to date with the table files",
        "FAILED   cfn-lint cloudformation/template.json", "FAILED   terraform fmt -check"]
    assert "cloudformation/template.json" in failed[0] and "table_requests.tf" in failed[0]
    assert "ON_DEMAND" in result.stdout
    assert "passed   terraform validate" in result.stdout


def test_verify_lints_the_template_of_every_stack_in_parallel(tmp_path: Path) -> None:
    schemas = synthetic_set(tmp_path, 3, per_stack=1)
    out = tmp_path / "out"
    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    broken = out / "cloudformation" / "bench-002.json"
    broken.write_text(broken.read_text("utf-8").replace('"KeyType": "HASH"', '"KeyType": "X"'),
                      "utf-8")
    results = verify.verify(load_project(schemas), out, which=lambda _: None, jobs=2)
    lint = [(o.check, o.status) for o in results if o.check.startswith("cfn-lint")]
    assert lint == [("cfn-lint cloudformation/bench-001.json", outcomes.PASSED),
                    ("cfn-lint cloudformation/bench-002.json", outcomes.FAILED),
                    ("cfn-lint cloudformation/bench-003.json", outcomes.PASSED)]


def test_verify_strict_fails_on_a_skipped_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")  # no terraform
    lenient = run_cli("verify", "--schemas", str(SCHEMAS), "--out", str(OUT))
    assert lenient.code == 0
    assert "skipped  terraform validate: terraform is not on PATH" in lenient.stdout
    strict = run_cli("verify", "--strict", "--schemas", str(SCHEMAS), "--out", str(OUT))
    assert strict.code == 1
    assert ("--strict: skipped checks fail: terraform fmt -check, terraform validate"
            in strict.stdout.splitlines())


def test_verify_without_an_output_folder_exits_3(tmp_path: Path) -> None:
    result = run_cli("verify", "--schemas", str(SCHEMAS), "--out", str(tmp_path / "missing"))
    assert result.code == 3
    assert "does not exist" in result.stderr


def test_verify_checks_every_environments_module_and_template(
    terraform: Terraform, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    (tmp_path / SETTINGS_FILE).write_text(
        "environments:\n  dev: {deletion_protection: false}\n", encoding="utf-8")
    schemas, out = str(tmp_path / "schemas"), str(tmp_path / "out")
    assert run_cli("build", "--schemas", schemas, "--out", out).code == 0
    dev_template = tmp_path / "out" / "cloudformation" / "dev" / "template.json"
    template = json.loads(dev_template.read_text("utf-8"))
    template["Resources"]["RequestsTable"]["Properties"]["BillingMode"] = "ON_DEMAND"
    dev_template.write_text(json.dumps(template, indent=2), "utf-8")
    _use_terraform(terraform, monkeypatch)
    result = run_cli("verify", "--schemas", schemas, "--out", out)
    assert result.code == 1
    lines = result.stdout.splitlines()
    for check in ("cfn-lint cloudformation/template.json", "terraform fmt -check",
                  "terraform validate", "terraform fmt -check, environment dev",
                  "terraform validate, environment dev"):
        # cfn-lint may say that it linted some tables as alike to the other environment's
        assert any(line.split(": ")[0] == f"passed   {check}" for line in lines), result.stdout
    failed = [line.split(":")[0] for line in lines if line.startswith("FAILED")]
    assert failed == ["FAILED   up to date with the table files",
                      "FAILED   cfn-lint cloudformation/dev/template.json"]
    assert re.search(r": 5 passed, 2 failed, 0 skipped in \d+ s$", lines[-1]), lines[-1]


class _Recording(terraform_checks.Processes):
    """The commands the Terraform checks run, by their Terraform subcommand."""

    def __init__(self) -> None:
        super().__init__()
        self.commands: list[str] = []

    def run(self, args: list[str], cwd: Path,
            env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
        self.commands.append(args[1])
        return super().run(args, cwd, env)


def test_terraform_validate_keeps_its_initialized_root_and_renews_a_stale_one(
    terraform: Terraform, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _use_terraform(terraform, monkeypatch)
    module = tmp_path / "terraform"
    shutil.copytree(OUT / TERRAFORM_DIR, module)
    runs = []
    for _ in range(2):
        processes = _Recording()
        results = terraform_checks.check_terraform(module, terraform.binary, processes=processes)
        assert [o.status for o in results] == [outcomes.PASSED, outcomes.PASSED], results
        runs.append(sorted(processes.commands))
    assert runs == [["fmt", "init", "validate"], ["fmt", "validate"]]
    # a kept root whose provider is gone is initialized again, not reported as failing
    for provider in freshness.cache_folder().glob("terraform-roots/*/.terraform/providers"):
        shutil.rmtree(provider)
    processes = _Recording()
    results = terraform_checks.check_terraform(module, terraform.binary, processes=processes)
    assert [o.status for o in results] == [outcomes.PASSED, outcomes.PASSED], results
    assert sorted(processes.commands) == ["fmt", "init", "validate", "validate"]
