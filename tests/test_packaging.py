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


@pytest.mark.slow
def test_installed_wheel_builds_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # The dependencies come from the test environment, behind the venv's own site-packages,
    # so no download is needed and the installed wheel is what gets imported.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    Path(purelib, "test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
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
