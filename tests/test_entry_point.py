"""How the tool is called outside this repository: the console scripts and the pre-commit hooks.

`python -m generator` runs whatever package named ``generator`` comes first on the path, and
many repositories have one; the console scripts import the installed tool whatever the folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from generator import __version__
from generator.invocation import COMMAND, MODULE_COMMAND
from tests.conftest import OUT, REPO, SCHEMAS

ALIAS = "ddbgen"
SCRIPTS = Path(sysconfig.get_path("scripts"))
# A repository's own package that `python -m generator` would run instead of the tool.
SHADOW = "raise SystemExit('the repository runs its own package named generator')\n"


def _script(name: str) -> str:
    path = SCRIPTS / name
    if not path.exists():
        pytest.fail(f"{path} is missing: install the project (pip install -e .) to get it")
    return str(path)


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture
def shadowed(tmp_path: Path) -> Path:
    """A folder with its own package named ``generator``."""
    (tmp_path / "generator").mkdir()
    (tmp_path / "generator" / "__init__.py").write_text(SHADOW, encoding="utf-8")
    (tmp_path / "generator" / "__main__.py").write_text(SHADOW, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name", [COMMAND, ALIAS])
def test_each_console_script_names_itself_in_version_and_help(name: str, tmp_path: Path) -> None:
    version = _run([_script(name), "--version"], tmp_path)
    assert (version.returncode, version.stdout) == (0, f"{name} {__version__}\n")
    usage = _run([_script(name), "build", "--help"], tmp_path)
    assert usage.stdout.startswith(f"usage: {name} build ")


def test_python_dash_m_names_itself_so_inside_this_repository() -> None:
    version = _run([sys.executable, "-m", "generator", "--version"], REPO)
    assert version.stdout == f"{MODULE_COMMAND} {__version__}\n"


def test_the_console_script_runs_the_tool_where_a_local_generator_package_exists(
    shadowed: Path,
) -> None:
    assert "its own package" in _run([sys.executable, "-m", "generator", "--version"],
                                     shadowed).stderr
    result = _run([_script(COMMAND), "validate", "--schemas", str(SCHEMAS)], shadowed)
    assert (result.returncode, result.stdout) == (0, "4 table files are valid\n"), result.stderr


def test_a_stale_check_tells_the_command_the_user_typed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(OUT, out)
    (out / "terraform" / "main.tf").write_text("# edited\n", encoding="utf-8")
    result = _run([_script(ALIAS), "build", "--check", "--schemas", str(SCHEMAS), "--out",
                   str(out)], tmp_path)
    assert result.returncode == 1
    assert f"run `{ALIAS} build` and commit the result" in result.stderr


def test_every_hook_runs_the_console_script() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks and all(hook["entry"].split()[0] == COMMAND for hook in hooks)


# --- pre-commit in a scratch repository ------------------------------------------------------

def _readme_snippet() -> str:
    """The .pre-commit-config.yaml the README shows."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Pre-commit\n", 1)[1].split("\n## ", 1)[0]
    (snippet,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    return str(snippet)


def test_the_readme_snippet_names_a_commit_as_rev_and_every_hook() -> None:
    (repo,) = yaml.safe_load(_readme_snippet())["repos"]
    assert re.fullmatch(r"[0-9a-f]{40}", repo["rev"])
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in repo["hooks"]] == [h["id"] for h in hooks]


@pytest.fixture(scope="module")
def pre_commit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """pre-commit's environment: its own cache (the hook environments it installs, with pip
    from the configured package index) and a git identity for the scratch commits."""
    binary = SCRIPTS / "pre-commit"
    if not binary.exists() or shutil.which("git") is None:
        pytest.fail("pre-commit (the test extra) and git are needed: pip install -e '.[test]'")
    return {
        **os.environ,
        "PATH": f"{SCRIPTS}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
    }


def _scratch_repository(folder: Path, env: dict[str, str]) -> Path:
    """A repository of another team: the Sentinel table files, their output, and a package
    of its own named ``generator``."""
    shutil.copytree(SCHEMAS, folder / "schemas")
    shutil.copytree(OUT, folder / "out")
    (folder / "generator").mkdir()
    (folder / "generator" / "__init__.py").write_text(SHADOW, encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "tables"]):
        assert _run(["git", *args], folder, env).returncode == 0
    return folder


@pytest.mark.slow
def test_pre_commit_try_repo_passes_and_catches_stale_output(
    pre_commit_env: dict[str, str], tmp_path: Path
) -> None:
    scratch = _scratch_repository(tmp_path / "team", pre_commit_env)
    command = ["pre-commit", "try-repo", str(REPO), "--all-files"]
    passed = _run(command, scratch, pre_commit_env, timeout=300)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.count("Passed") == 2, passed.stdout
    (scratch / "out" / "terraform" / "main.tf").write_text("# edited\n", encoding="utf-8")
    _run(["git", "add", "-A"], scratch, pre_commit_env)
    failed = _run(command, scratch, pre_commit_env, timeout=300)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "generated DynamoDB IaC is up to date" in failed.stdout
    assert f"run `{COMMAND} build` and commit the result" in failed.stdout


@pytest.mark.slow
def test_the_readme_snippet_works_with_a_commit_of_this_repository(
    pre_commit_env: dict[str, str], tmp_path: Path
) -> None:
    """The snippet as written, but for this checkout's path and its HEAD commit (so the
    hooks are those committed, not the working tree's, which try-repo covers)."""
    head = _run(["git", "rev-parse", "HEAD"], REPO, pre_commit_env)
    if head.returncode != 0:
        pytest.skip(f"this checkout is not a git repository: {head.stderr.strip()}")
    config = yaml.safe_load(_readme_snippet())
    config["repos"][0].update(repo=str(REPO), rev=head.stdout.strip())
    scratch = tmp_path / "team"
    scratch.mkdir()
    (scratch / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    _scratch_repository(scratch, pre_commit_env)
    result = _run(["pre-commit", "run", "--all-files"], scratch, pre_commit_env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Passed") == 2, result.stdout


def test_the_hooks_init_writes_run_the_installed_tool(
    pre_commit_env: dict[str, str], tmp_path: Path
) -> None:
    """init's .pre-commit-config.yaml uses local hooks, so pre-commit installs nothing."""
    project = tmp_path / "team"
    assert _run([_script(COMMAND), "init", str(project)], tmp_path).returncode == 0
    assert _run([_script(COMMAND), "build"], project).returncode == 0
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "tables"]):
        assert _run(["git", *args], project, pre_commit_env).returncode == 0
    result = _run(["pre-commit", "run", "--all-files"], project, pre_commit_env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Passed") == 2, result.stdout
