"""Regenerate every golden file through the public CLI: ``python tests/update_golden.py``.

Rewrites ``out/`` from ``schemas/`` and each ``tests/golden/<case>/expected`` from its
``input``. Review the resulting diff like code before committing it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def cases() -> list[Path]:
    return sorted(p for p in (REPO / "tests" / "golden").iterdir() if (p / "input").is_dir())


def main() -> int:
    jobs = [(REPO / "schemas", REPO / "out")]
    jobs += [(case / "input", case / "expected") for case in cases()]
    for schemas, out in jobs:
        command = [
            sys.executable,
            "-m",
            "generator",
            "build",
            "--schemas",
            str(schemas),
            "--out",
            str(out),
        ]
        result = subprocess.run(
            command, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, check=False
        )
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
