"""What each check of `verify` reports: whether it ran, passed or was skipped, and why.

Every check says so, so that a green run never hides a tool that was missing.
"""

from __future__ import annotations

from dataclasses import dataclass

PASSED = "passed"
FAILED = "FAILED"
SKIPPED = "skipped"


@dataclass(frozen=True)
class Outcome:
    check: str
    status: str
    detail: str = ""

    def format(self) -> str:
        return f"{self.status:8} {self.check}" + (f": {self.detail}" if self.detail else "")


def first_lines(text: str, count: int = 20) -> str:
    """A tool's output as a check's detail: its first ``count`` lines that are not blank."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    shown = "\n    ".join(lines[:count])
    return shown + (f"\n    ... {len(lines) - count} more lines" if len(lines) > count else "")


def named(check: str, environment: str | None) -> str:
    """A check's name, with the environment whose output it checks, if one."""
    return f"{check}, environment {environment}" if environment else check
