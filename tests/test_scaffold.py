"""`init` and `schema`: a project from an empty folder, with the JSON Schemas for editors."""

from __future__ import annotations

import json
import subprocess
import sysconfig
from pathlib import Path

import pytest
import yaml

from generator import scaffold
from generator.invocation import COMMAND, Exit
from generator.validate import load_schema
from tests.conftest import Terraform
from tests.helpers import run_cli, tree

SCRIPT = str(Path(sysconfig.get_path("scripts")) / COMMAND)
MODELINE = "# yaml-language-server: $schema="


def _script(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.slow
def test_init_then_build_gives_a_root_module_terraform_validates(
    terraform: Terraform, tmp_path: Path
) -> None:
    """The first hour outside this repository, with the console script only."""
    project = tmp_path / "new-project"
    created = _script("init", str(project), cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    built = _script("build", cwd=project)
    assert built.returncode == 0, built.stderr
    assert _script("build", "--check", cwd=project).returncode == 0
    for args in (["init", "-backend=false"], ["validate"], ["fmt", "-check", "-recursive"]):
        result = terraform.run(args, cwd=project)
        assert result.returncode == 0, f"terraform {args}: {result.stdout}{result.stderr}"


def test_init_writes_the_example_its_schema_copies_and_the_hooks(tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path))
    assert result.code == Exit.OK, result.stderr
    assert sorted(tree(tmp_path)) == sorted(scaffold.project_files())
    example = (tmp_path / scaffold.EXAMPLE_TABLE).read_text(encoding="utf-8")
    target = example.splitlines()[0].removeprefix(MODELINE)
    assert json.loads((tmp_path / "schemas" / target).read_text()) == load_schema(target)
    assert yaml.safe_load(example)["name"] == "example-items"
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())["repos"][0]
    assert [h["entry"] for h in hooks["hooks"]] == [f"{COMMAND} validate",
                                                   f"{COMMAND} build --check"]
    assert run_cli("validate", "--schemas", str(tmp_path / "schemas")).code == Exit.OK


def test_init_refuses_a_folder_with_any_file_it_would_write_and_writes_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "main.tf").write_text("# ours\n", encoding="utf-8")
    result = run_cli("init", str(tmp_path))
    assert result.code == Exit.INVALID
    assert result.stderr == (
        f"error: {tmp_path} already has main.tf; init writes only into a folder without these "
        "files and never replaces one; nothing was written\n"
    )
    assert tree(tmp_path) == {"main.tf": b"# ours\n"}


def test_init_into_a_folder_it_cannot_write_keeps_nothing(tmp_path: Path) -> None:
    (tmp_path / "schemas").write_text("a file where the folder should be\n", encoding="utf-8")
    result = run_cli("init", str(tmp_path))
    assert result.code == Exit.UNAVAILABLE
    assert result.stderr.startswith("error: cannot write ")
    assert sorted(tree(tmp_path)) == ["schemas"]


def test_build_refreshes_a_stale_schema_copy_and_check_reports_it(tmp_path: Path) -> None:
    assert run_cli("init", str(tmp_path)).code == Exit.OK
    schemas, out = str(tmp_path / "schemas"), str(tmp_path / "out")
    assert run_cli("build", "--schemas", schemas, "--out", out).code == Exit.OK
    copy = tmp_path / "schemas" / "table.schema.json"
    copy.write_text("{}\n", encoding="utf-8")
    check = run_cli("build", "--check", "--schemas", schemas, "--out", out)
    assert check.code == Exit.FINDINGS
    assert check.stderr == (f"{copy}: stale copy of this version's JSON Schema\n"
                            "run `python -m generator build` and commit the result\n")
    build = run_cli("build", "--schemas", schemas, "--out", out)
    assert (build.code, build.stdout.splitlines()[0]) == (
        Exit.OK, f"{copy}: updated to this version's JSON Schema")
    assert copy.read_text(encoding="utf-8") == scaffold.schema_text("table")


def test_build_writes_no_schema_copy_where_there_is_none(tmp_path: Path) -> None:
    assert run_cli("init", str(tmp_path)).code == Exit.OK
    (tmp_path / "schemas" / "settings.schema.json").unlink()
    run_cli("build", "--schemas", str(tmp_path / "schemas"), "--out", str(tmp_path / "out"))
    assert not (tmp_path / "schemas" / "settings.schema.json").exists()


@pytest.mark.parametrize(("args", "name"), [((), "table.schema.json"),
                                            (("settings",), "settings.schema.json")])
def test_schema_prints_the_shipped_json_schema(args: tuple[str, ...], name: str) -> None:
    result = run_cli("schema", *args)
    assert result.code == Exit.OK
    assert json.loads(result.stdout) == load_schema(name)
