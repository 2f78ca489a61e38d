"""Large builds run in several processes (generator/parallel.py); nothing a user sees may
depend on how many: output bytes, diagnostics and their order are those of one process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator import parallel
from tests.helpers import run_cli, tree

ROOT = Path(__file__).resolve().parent.parent
COPIES = 30  # of each of the four Sentinel tables: 120 files, above parallel.MIN_TABLES


def _many_tables(folder: Path) -> Path:
    """Copies of every Sentinel table file, each with its own table name and variable, one
    stack per copy (120 tables would be over CloudFormation's quotas in one)."""
    folder.mkdir()
    for source in sorted((ROOT / "schemas").glob("*.yaml")):
        text = source.read_text(encoding="utf-8")
        for copy in range(COPIES):
            renamed = re.sub(r"^name: (\S+)$", rf"name: \1-{copy:03d}", text, count=1,
                             flags=re.MULTILINE)
            renamed = re.sub(r"(environment_variable: )(\w+)", rf"\1\2_{copy:03d}", renamed)
            renamed += f"stack: copy-{copy:03d}\n"
            (folder / f"{source.stem}-{copy:03d}.yaml").write_text(renamed, encoding="utf-8")
    assert len(list(folder.iterdir())) >= parallel.MIN_TABLES
    return folder


def test_two_processes_write_the_same_bytes_as_one(tmp_path: Path) -> None:
    schemas = _many_tables(tmp_path / "schemas")
    one = run_cli("build", "--schemas", str(schemas), "--out", str(tmp_path / "one"),
                  "--jobs", "1")
    two = run_cli("build", "--schemas", str(schemas), "--out", str(tmp_path / "two"),
                  "--jobs", "2")
    default = run_cli("build", "--schemas", str(schemas), "--out", str(tmp_path / "default"))
    assert (one.code, two.code, default.code) == (0, 0, 0), one.stderr + two.stderr
    written = tree(tmp_path / "one")
    assert len([name for name in written if name.startswith("terraform/table_")]) == 4 * COPIES
    assert tree(tmp_path / "two") == written
    assert tree(tmp_path / "default") == written
    checked = run_cli("build", "--check", "--schemas", str(schemas), "--out",
                      str(tmp_path / "one"), "--jobs", "2")
    assert checked.code == 0, checked.stdout


def test_two_processes_report_the_same_problems_in_the_same_order(tmp_path: Path) -> None:
    schemas = _many_tables(tmp_path / "schemas")
    # One problem of each stage, in files that fall into different workers' slices.
    (schemas / "breakglass-003.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    sessions = schemas / "sessions-017.yaml"
    sessions.write_text(sessions.read_text(encoding="utf-8").replace(
        "ttl_attribute: ttl", "ttl_attribute: ttl\nbilling: free"), encoding="utf-8")
    ratelimit = schemas / "ratelimit-029.yaml"
    ratelimit.write_text(re.sub(r"^name: \S+$", "name: sentinel-requests-000",
                                ratelimit.read_text(encoding="utf-8"), count=1,
                                flags=re.MULTILINE), encoding="utf-8")
    one = run_cli("validate", "--schemas", str(schemas), "--jobs", "1")
    two = run_cli("validate", "--schemas", str(schemas), "--jobs", "2")
    assert one.code == two.code == 2
    assert two.stderr == one.stderr
    codes = re.findall(r": ([YSE]\d{3}) ", one.stderr)
    assert {"Y001", "S001", "E121"} <= set(codes), one.stderr


def test_jobs_must_be_a_positive_whole_number(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("0", "-1", "two"):
        with pytest.raises(SystemExit) as exited:
            run_cli("validate", "--jobs", bad)
        assert exited.value.code == 2
        assert f"expected a whole number of at least 1, not '{bad}'" in capsys.readouterr().err


def test_small_builds_stay_in_one_process_and_large_ones_use_every_processor() -> None:
    assert parallel.processes(parallel.MIN_TABLES - 1, None) == 1
    assert parallel.processes(parallel.MIN_TABLES, None) == parallel.available()
    assert parallel.processes(4, 3) == 3  # --jobs is obeyed, whatever the size


def test_chunks_are_contiguous_nearly_equal_and_never_empty() -> None:
    items = list(range(10))
    assert parallel.chunks(items, 3) == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert parallel.chunks(items, 20) == [[i] for i in items]
    assert parallel.chunks([], 4) == []


def _fails() -> int:
    raise ValueError("a bug in a job")


def test_a_failing_job_fails_the_run_in_the_calling_process() -> None:
    with pytest.raises(ValueError, match="a bug in a job"):
        parallel.run([lambda: 1, _fails, lambda: 3], 2)
    assert parallel.run([lambda: 1, lambda: 2, lambda: 3], 2) == [1, 2, 3]
