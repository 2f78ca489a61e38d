"""Findings about the input: what is wrong, where, and how to fix it.

Every stage reports problems as values instead of raising, so that one run can show
all of them at once, the way a compiler does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PathPart = str | int
DocPath = tuple[PathPart, ...]


@dataclass(frozen=True, order=True)
class Mark:
    """A 1-based line and column in a source file."""

    line: int
    column: int


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in the input, with its location (line 0: none) and a fix."""

    file: str
    line: int
    column: int
    code: str
    path: str
    message: str
    hint: str = ""

    @property
    def is_warning(self) -> bool:
        """A warning (code W...) reports a likely mistake: it stops nothing unless --strict."""
        return self.code.startswith("W")

    def format(self) -> str:
        # Line 0: a problem of a folder or a whole file, not of a place in a file.
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        text = f"{where}: {self.code} {self.path}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text


def format_path(path: DocPath) -> str:
    """Render a document path the way a reader would write it: ``gsis[2].sort_key``."""
    if not path:
        return "(document)"
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out += f'["{escaped}"]'
    return out


@dataclass(frozen=True)
class RuleCode:
    """A rule's code and title, declared once, where its checks are not in a registry that
    stamps them (the alarm, environment and provider-target rules); the README's rule table
    is tested against these."""

    code: str
    title: str


class InputError(Exception):
    """Raised to stop the pipeline when the input has problems; carries all of them."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s) in the input")
        self.diagnostics = tuple(sorted(diagnostics))
