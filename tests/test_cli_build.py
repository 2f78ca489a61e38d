"""``build`` writes atomically and owns only what it wrote; ``--check`` only reads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.invocation import EXIT_CODES, exit_codes_text
from generator.pipeline import generate
from generator.writer import MANIFEST
from tests.conftest import REPO, SCHEMAS
from tests.helpers import run_cli, tree, write_tables

TABLE = """\
name: things
partition_key: {name: pk, type: S}
"""


def build(schemas: Path, out: Path, *extra: str) -> int:
    return run_cli("build", "--schemas", str(schemas), "--out", str(out), *extra).code


def test_build_then_check_is_clean(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(SCHEMAS, out) == 0
    result = run_cli("build", "--check", "--schemas", str(SCHEMAS), "--out", str(out))
    assert result.code == 0
    assert "up to date" in result.stdout


def test_check_lists_stale_files_and_writes_nothing(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", t=TABLE)
    out = tmp_path / "out"
    assert build(schemas, out) == 0
    (schemas / "t.yaml").write_text(TABLE + "ttl_attribute: expires\n", encoding="utf-8")
    (out / "terraform" / "versions.tf").unlink()
    before = tree(out)
    result = run_cli("build", "--check", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 1
    assert result.stdout.splitlines() == [
        f"missing  {out / 'terraform/versions.tf'}",
        f"changed  {out / 'cloudformation/template.json'}",
        f"changed  {out / 'docs/tables.md'}",
        f"changed  {out / 'model.json'}",
        f"changed  {out / 'terraform/README.md'}",
        f"changed  {out / 'terraform/table_t.tf'}",
    ]
    assert "(`build --check --diff` shows the differences)" in result.stderr
    assert tree(out) == before


def test_check_with_diff_prints_the_unified_diff(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", t=TABLE)
    out = tmp_path / "out"
    assert build(schemas, out) == 0
    (schemas / "t.yaml").write_text(TABLE + "ttl_attribute: expires\n", encoding="utf-8")
    before = tree(out)
    result = run_cli("build", "--check", "--diff", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 1
    assert '+    attribute_name = "expires"' in result.stdout
    assert "--- a/terraform/table_t.tf" in result.stdout
    assert "run `python -m generator build`" in result.stderr
    assert tree(out) == before


def test_diff_without_check_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("build", "--diff", "--schemas", str(SCHEMAS), "--out", str(tmp_path / "o"))
    assert result.code == 2
    assert "--diff goes with --check" in result.stderr
    assert not (tmp_path / "o").exists()


def test_check_on_missing_output_says_so_in_one_line_without_a_diff(tmp_path: Path) -> None:
    result = run_cli("build", "--check", "--schemas", str(SCHEMAS), "--out", str(tmp_path / "none"))
    assert result.code == 1
    assert result.stdout == f"{tmp_path / 'none'} does not exist\n"
    assert f"{len(generate(SCHEMAS)) + 1} added" in result.stderr  # and the manifest
    assert not (tmp_path / "none").exists()


def test_rebuild_rewrites_only_changed_files(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", a=TABLE, b=TABLE.replace("things", "others"))
    out = tmp_path / "out"
    assert build(schemas, out) == 0
    untouched = out / "terraform" / "table_a.tf"
    os.utime(untouched, (1_000_000, 1_000_000))
    (schemas / "b.yaml").write_text(TABLE.replace("things", "renamed"), encoding="utf-8")
    result = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    # table_b.tf, main.tf, the CloudFormation template, model.json and docs/tables.md
    assert "5 changed" in result.stdout
    assert untouched.stat().st_mtime == 1_000_000


def test_removed_table_file_removes_only_files_the_generator_wrote(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", a=TABLE, b=TABLE.replace("things", "others"))
    out = tmp_path / "out"
    assert build(schemas, out) == 0
    mine = out / "terraform" / "backend.tf"
    mine.write_text("# the user's own file\n", encoding="utf-8")
    (schemas / "b.yaml").unlink()
    assert build(schemas, out) == 0
    assert not (out / "terraform" / "table_b.tf").exists()
    assert mine.read_text(encoding="utf-8") == "# the user's own file\n"
    assert "terraform/table_b.tf" not in (out / MANIFEST).read_text(encoding="utf-8")


def test_output_is_identical_under_different_hash_seeds(tmp_path: Path) -> None:
    trees = []
    for seed in ("1", "4242"):
        out = tmp_path / f"out{seed}"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "generator",
                "build",
                "--schemas",
                str(SCHEMAS),
                "--out",
                str(out),
            ],
            cwd=tmp_path,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)},
            check=True,
            capture_output=True,
        )
        trees.append(tree(out))
    assert trees[0] == trees[1]


def test_output_is_lf_with_one_final_newline_and_no_trailing_spaces(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(REPO / "tests" / "golden" / "features" / "input", out) == 0
    for rel, data in tree(out).items():
        text = data.decode("utf-8")
        assert "\r" not in text, rel
        assert text.endswith("\n") and not text.endswith("\n\n"), rel
        assert all(line == line.rstrip() for line in text.splitlines()), rel


def test_validate_reports_the_table_count() -> None:
    result = run_cli("validate", "--schemas", str(SCHEMAS))
    assert (result.code, result.stdout) == (0, "4 table files are valid\n")


def test_validate_counts_one_table_file_in_the_singular(tmp_path: Path) -> None:
    result = run_cli("validate", "--schemas", str(write_tables(tmp_path / "schemas", t=TABLE)))
    assert (result.code, result.stdout) == (0, "1 table file is valid\n")


def test_unwritable_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_cli("build", "--schemas", str(SCHEMAS), "--out", str(blocker / "out"))
    assert result.code == 3
    assert result.stderr.startswith("error: cannot create the output folder")


def test_build_refuses_to_overwrite_a_file_it_did_not_write_and_writes_nothing(
    tmp_path: Path,
) -> None:
    schemas = write_tables(tmp_path / "schemas", a=TABLE)
    out = tmp_path / "out"
    assert build(schemas, out) == 0
    mine = out / "terraform" / "table_b.tf"
    mine.write_text("# the user's own file\n", encoding="utf-8")
    write_tables(schemas, b=TABLE.replace("things", "others"))
    before = tree(out)
    for extra in ((), ("--check",)):
        result = run_cli("build", "--schemas", str(schemas), "--out", str(out), *extra)
        assert (result.code, result.stdout) == (3, "")
        assert result.stderr == (
            f"error: {out} holds terraform/table_b.tf, which this tool did not write "
            f"(it is not in {MANIFEST}) and would now overwrite; move or rename it, then "
            "build again\n"
        )
        assert tree(out) == before


def test_a_file_the_tool_wrote_before_is_still_rewritten(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", a=TABLE)
    out = tmp_path / "out"
    assert build(schemas, out) == 0
    (schemas / "a.yaml").write_text(TABLE + "ttl_attribute: expires\n", encoding="utf-8")
    assert build(schemas, out) == 0
    assert "expires" in (out / "terraform" / "table_a.tf").read_text(encoding="utf-8")


def test_help_names_both_table_file_suffixes_and_the_commands_each_exit_code_is_for() -> None:
    top = " ".join(run_cli_help().split())
    assert (
        "1 the command found something to act on (build, plan, import, verify, replay)"
    ) in top
    assert "one *.yaml or *.yml file per table" in " ".join(run_cli_help("build").split())


@pytest.mark.parametrize("command", sorted(EXIT_CODES))
def test_each_commands_help_lists_its_exit_codes_from_the_one_exit_enum(command: str) -> None:
    # Compared without whitespace: argparse wraps the epilog, also at hyphens.
    assert "".join(exit_codes_text(command).split()) in "".join(run_cli_help(command).split())


def run_cli_help(*command: str) -> str:
    result = subprocess.run([sys.executable, "-m", "generator", *command, "--help"], cwd=REPO,
                            capture_output=True, text=True, check=True)
    return result.stdout


def test_the_readme_lists_each_commands_exit_codes_from_the_one_exit_enum() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command, codes in EXIT_CODES.items():
        line = f"- `{command}`: " + ", ".join(f"`{int(c)}` {text}" for c, text in codes.items())
        assert f"\n{line}\n" in readme, command
