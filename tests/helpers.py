"""Helpers for tests that drive the real CLI and pipeline."""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from generator.cli import main
from generator.invocation import MODULE_COMMAND


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


def run_cli(*argv: str) -> Result:
    """Run ``python -m generator`` in-process, capturing what it prints."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, prog=MODULE_COMMAND)
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


_HCL_ESCAPE = re.compile(r'\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{')
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(match: re.Match[str]) -> str:
    token = match.group(0)
    if token == "$${":
        return "${"
    if token == "%%{":
        return "%{"
    body = match.group(1)
    if body[0] in "uU" and len(body) > 1:
        return chr(int(body[1:], 16))
    return _SIMPLE_ESCAPES[body]


def hcl_string(text: str) -> str:
    """The value of a quoted string as python-hcl2 returns it (quotes and escapes kept)."""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return _HCL_ESCAPE.sub(_unescape, text[1:-1])
    return text
