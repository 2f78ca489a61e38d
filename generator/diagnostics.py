"""Findings about the input: what is wrong, where, and how to fix it.

Every stage reports problems as values instead of raising, so that one run can show
all of them at once, the way a compiler does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

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
class Problem:
    """What a rule found at one place of a document, without the rule's code: the rule that
    yields it stamps its code on it (``RuleCode.stamp``), so each code is written once.

    ``key`` points the diagnostic at the key at ``path`` rather than at its value; ``at``
    gives the place outright, for a problem of the whole file rather than of a node.
    """

    path: DocPath
    message: str
    hint: str = ""
    key: bool = False
    at: Mark | None = None


class Locates(Protocol):
    """What a diagnostic's place is found in: a loaded document (``loader.Document``)."""

    @property
    def display(self) -> str: ...

    def diagnostic(
        self, code: str, path: DocPath, message: str, hint: str = "", *, key: bool = False
    ) -> Diagnostic: ...


@dataclass(frozen=True)
class RuleCode:
    """A rule's code and title, declared once: the registries (``checks.table_rule`` and the
    RULES of the alarm, environment, provider-target and quota rules) hold these, the
    rule's findings get the code from here, and the README's rule table is tested against
    the titles. ``detail`` is what the README's row says after the title, where the title
    itself is printed elsewhere (the warnings' titles are in the generated docs)."""

    code: str
    title: str
    detail: str = ""

    @property
    def summary(self) -> str:
        """The rule as the README's rule table states it."""
        return f"{self.title}: {self.detail}" if self.detail else self.title

    def stamp(self, document: Locates, problem: Problem) -> Diagnostic:
        """The diagnostic of ``problem``, found in ``document``, under this rule's code."""
        if problem.at is not None:
            return self.at(document.display, problem.at, format_path(problem.path),
                           problem.message, problem.hint)
        return document.diagnostic(
            self.code, problem.path, problem.message, problem.hint, key=problem.key
        )

    def at(self, file: str, mark: Mark, path: str, message: str, hint: str = "") -> Diagnostic:
        """A diagnostic of this rule at a place given outright (a whole file, another file)."""
        return Diagnostic(file, mark.line, mark.column, self.code, path, message, hint)


class InputError(Exception):
    """Raised to stop the pipeline when the input has problems; carries all of them."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s) in the input")
        self.diagnostics = tuple(sorted(diagnostics))
