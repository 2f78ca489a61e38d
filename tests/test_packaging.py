"""Installed with pip and run from any folder, the tool works: schema and templates ship inside."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import OUT, REPO, SCHEMAS
from tests.helpers import tree


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(REPO)],
        check=True, capture_output=True, timeout=180,
    )
    (found,) = dist.glob("*.whl")
    return found


def test_wheel_ships_schema_and_every_template(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "generator/table.schema.json" in names
    templates = {p.relative_to(REPO).as_posix() for p in (REPO / "templates").rglob("*.j2")}
    assert templates, "no templates found"
    assert {f"generator/{t}" for t in templates} <= names


def _venv(folder: Path) -> Path:
    """A fresh virtualenv whose dependencies come from the test environment, behind its own
    site-packages, so no download is needed and what it installs is what gets imported."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=120)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    Path(purelib, "test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return python


@pytest.mark.slow
def test_installed_wheel_builds_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    python = _venv(venv)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
        check=True, capture_output=True, timeout=180,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [str(python), "-m", "generator", "build", "--schemas", str(SCHEMAS), "--out", "generated"],
        cwd=elsewhere, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    where = subprocess.run(
        [str(python), "-c", "import generator; print(generator.__file__)"],
        cwd=elsewhere, capture_output=True, text=True, check=True,
    ).stdout
    assert str(venv) in where, "the test must exercise the installed copy, not the checkout"
    assert tree(elsewhere / "generated") == tree(OUT)


@pytest.mark.slow
def test_the_readme_install_from_a_git_url_gives_a_working_console_script(
    tmp_path: Path,
) -> None:
    """`pip install git+URL@REV`, as the README says, with this checkout's HEAD as the URL
    and revision; then init and build with the console script only."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                          text=True, check=False)
    if head.returncode != 0:
        pytest.skip(f"this checkout is not a git repository: {head.stderr.strip()}")
    python = _venv(tmp_path / "venv")
    url = f"git+{REPO.as_uri()}@{head.stdout.strip()}"
    # Built in isolation, as a user's pip does: setuptools comes from the package index.
    installed = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", url],
                               capture_output=True, text=True, timeout=300, check=False)
    assert installed.returncode == 0, installed.stderr
    script = str(tmp_path / "venv" / "bin" / "dynamodb-schema-generator")
    for args in (["init", "project"], ["build", "--schemas", "project/schemas", "--out",
                                       "project/out"]):
        result = subprocess.run([script, *args], cwd=tmp_path, capture_output=True, text=True,
                                timeout=120, check=False)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "project" / "out" / "terraform" / "table_example.tf").is_file()
