"""Generated output is pinned byte for byte: out/ for the Sentinel tables, and each golden case.

Update with ``python tests/update_golden.py`` and review the diff like code.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from generator.pipeline import generate
from generator.writer import with_manifest
from tests.conftest import OUT, REPO, SCHEMAS
from tests.helpers import run_cli, tree
from tests.update_golden import cases

UPDATE = "python tests/update_golden.py"


def _assert_same_tree(expected_dir: Path, actual: dict[str, str]) -> None:
    expected = {k: v.decode("utf-8") for k, v in tree(expected_dir).items()}
    problems: list[str] = []
    for rel in sorted(set(expected) - set(actual)):
        problems.append(f"extra file in golden: {rel}")
    for rel in sorted(set(actual) - set(expected)):
        problems.append(f"missing from golden: {rel}")
    for rel in sorted(set(actual) & set(expected)):
        if actual[rel] != expected[rel]:
            problems.append(
                "".join(
                    difflib.unified_diff(
                        expected[rel].splitlines(keepends=True),
                        actual[rel].splitlines(keepends=True),
                        f"golden/{rel}",
                        f"generated/{rel}",
                    )
                )
            )
    if problems:
        pytest.fail("\n".join(problems) + f"\n\nIf the change is intended, run: {UPDATE}")


def test_committed_out_is_up_to_date_with_schemas() -> None:
    result = run_cli("build", "--check", "--schemas", str(SCHEMAS), "--out", str(OUT))
    assert result.code == 0, result.stdout + result.stderr + f"\nrun: {UPDATE}"


def test_sentinel_output_matches_committed_out_byte_for_byte() -> None:
    _assert_same_tree(OUT, with_manifest(generate(SCHEMAS)))


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_golden_case_matches_expected_tree(case: Path) -> None:
    _assert_same_tree(case / "expected", with_manifest(generate(case / "input")))


def test_every_golden_case_has_input_and_expected() -> None:
    folders = sorted(p for p in (REPO / "tests" / "golden").iterdir() if p.is_dir())
    assert folders, "no golden cases"
    for folder in folders:
        assert (folder / "input").is_dir() and (folder / "expected").is_dir(), folder
