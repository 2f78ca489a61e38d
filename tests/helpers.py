"""Helpers for tests that drive the real CLI and pipeline."""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

from generator.cli import main


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


def run_cli(*argv: str) -> Result:
    """Run ``python -m generator`` in-process, capturing what it prints."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


def write_tables(folder: Path, **tables: str) -> Path:
    """Write table files ``name.yaml`` from dedented YAML text; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
