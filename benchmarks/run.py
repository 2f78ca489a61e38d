"""Benchmark the generator as whole processes, side by side with troposphere.

Every command runs as its own process, as in a pre-commit hook or CI: one warm-up run, then
``--runs`` timed runs; the table shows the median wall time with min and max, and the peak
resident memory (RSS) of the process. The Sentinel tables are measured, and synthetic sets of
tables shaped like ``schemas/sessions.yaml`` (distinct names), written into a temporary folder.
troposphere builds the same CloudFormation template from the same files
(``troposphere_equivalent.py``); the ratio generator/troposphere holds on a noisy machine where
absolute times do not.

Usage (troposphere from benchmarks/requirements.txt must be importable):
    .venv/bin/python benchmarks/run.py [--runs 5] [--sizes 100,1000,10000]
Prints the report and writes it to benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TROPOSPHERE = HERE / "troposphere_equivalent.py"
SENTINEL = ROOT / "schemas"
SHAPE = SENTINEL / "sessions.yaml"
RESULTS = HERE / "results.md"


@dataclass(frozen=True)
class Measure:
    label: str
    times: tuple[float, ...]
    peak_rss_mb: float
    exit_code: int
    cpu: tuple[float, ...] = ()  # user + system seconds of the process and its workers

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def run_once(command: list[str], before: list[str] | None = None
             ) -> tuple[float, float, int, float]:
    """Wall seconds, peak RSS in MB, exit code and CPU seconds (user and system, with the
    workers it waited for) of one process (``before`` runs untimed)."""
    if before:
        subprocess.run(before, check=True)
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, process.returncode, usage.ru_utime + usage.ru_stime


def measure(label: str, command: list[str], runs: int, fresh: Path | None = None,
            warm_up: bool = True) -> Measure:
    """One warm-up, then ``runs`` timed runs; ``fresh`` is a folder removed before each run."""
    before = ["rm", "-rf", str(fresh)] if fresh else None
    if warm_up:
        run_once(command, before)
    results = [run_once(command, before) for _ in range(runs)]
    measured = Measure(
        label,
        tuple(wall for wall, _, _, _ in results),
        max(rss for _, rss, _, _ in results),
        results[-1][2],
        tuple(cpu for _, _, _, cpu in results),
    )
    print(f"  {label:<34} {_cell(measured)}", flush=True)
    return measured


@functools.cache
def tables_per_stack() -> int:
    """How many sessions-shaped tables fit in one CloudFormation stack: the templates of a
    stack of one and of two such tables give what a table adds to each counted section and
    to the bytes, and CloudFormation's quotas (generator.cloudformation_limits) the room."""
    from generator.cloudformation_limits import BODY_QUOTA, SECTION_QUOTAS
    from generator.pipeline import load_project
    from generator.render import cloudformation_template, render_project

    counts: list[dict[str, int]] = []
    with tempfile.TemporaryDirectory(prefix="generator-bench-") as temp:
        for tables in (1, 2):
            folder = Path(temp) / str(tables)
            folder.mkdir()
            files = render_project(load_project(synthetic_set(folder, tables, tables)))
            text = files[cloudformation_template(_stack(1))]
            template = json.loads(text)
            counts.append({section: len(template.get(section, {})) for section in SECTION_QUOTAS}
                          | {"bytes": len(text.encode("utf-8"))})
    room = {section: quota.maximum for section, quota in SECTION_QUOTAS.items()}
    room["bytes"] = BODY_QUOTA.maximum
    one, two = counts
    return min((maximum - (2 * one[what] - two[what])) // (two[what] - one[what])
               for what, maximum in room.items() if two[what] > one[what])


def _stack(number: int) -> str:
    return f"bench-{number:03d}"


def synthetic_set(folder: Path, count: int, per_stack: int | None = None) -> Path:
    """``count`` table files shaped like sessions.yaml, with distinct names and variables,
    ``per_stack`` (default: as many as fit) to a CloudFormation stack (``stack: bench-001``,
    ...)."""
    per_stack = per_stack or tables_per_stack()
    shape = SHAPE.read_text(encoding="utf-8")
    schemas = folder / f"tables-{count}"
    schemas.mkdir()
    for i in range(1, count + 1):
        key = f"t{i:05d}"
        text = (
            shape.replace("sentinel-sessions", f"bench-{key}")
            .replace("SENTINEL_SESSION_TABLE", f"BENCH_{key.upper()}_TABLE")
            .replace("component: sessions", f"component: {key}")
        ) + f"stack: {_stack((i - 1) // per_stack + 1)}\n"
        (schemas / f"{key}.yaml").write_text(text, encoding="utf-8")
    return schemas


@dataclass(frozen=True)
class Templates:
    """The CloudFormation templates of one build: how many, and their bytes."""

    label: str
    tables: int
    stacks: int
    total_bytes: int
    largest_bytes: int


def template_sizes(label: str, out: Path, tables: int) -> Templates:
    sizes = [p.stat().st_size for p in (out / "cloudformation").glob("*.json")]
    found = Templates(label, tables, len(sizes), sum(sizes), max(sizes))
    print(f"  {len(sizes)} templates, {found.total_bytes / tables:,.0f} bytes per table, "
          f"largest {found.largest_bytes:,} bytes", flush=True)
    return found


def bench_set(name: str, schemas: Path, work: Path, runs: int,
              verify_runs: int) -> tuple[list[Measure], Templates]:
    python = sys.executable
    out = work / f"out-{name}"
    tropo_out = work / f"troposphere-{name}"
    generator = [python, "-m", "generator"]
    print(f"{name} ({len(list(schemas.glob('*.yaml')))} tables)", flush=True)
    rows = [
        measure("build (empty output folder)",
                [*generator, "build", "--schemas", str(schemas), "--out", str(out)], runs, out),
        measure("build, one process (--jobs 1)",
                [*generator, "build", "--jobs", "1", "--schemas", str(schemas), "--out",
                 str(out)], runs, out),
        measure("build (output up to date)",
                [*generator, "build", "--schemas", str(schemas), "--out", str(out)], runs),
        measure("build --check",
                [*generator, "build", "--check", "--schemas", str(schemas), "--out", str(out)],
                runs),
        measure("validate", [*generator, "validate", "--schemas", str(schemas)], runs),
        measure("troposphere (CloudFormation only)",
                [python, str(TROPOSPHERE), str(schemas), str(tropo_out)], runs),
    ]
    templates = sorted(path.name for path in (out / "cloudformation").glob("*.json"))
    same = templates == sorted(path.name for path in tropo_out.glob("*.json")) and all(
        json.loads((out / "cloudformation" / template).read_text("utf-8"))
        == json.loads((tropo_out / template).read_text("utf-8"))
        for template in templates)
    print(f"  same CloudFormation templates as troposphere: {same}", flush=True)
    if not same:
        rows.append(Measure("WARNING: troposphere template differs", (0.0,), 0.0, 1))
    if verify_runs:
        rows.append(measure("verify (no warm-up)",
                            [*generator, "verify", "--schemas", str(schemas), "--out", str(out)],
                            verify_runs, warm_up=False))
    tables = len(list(schemas.glob("*.yaml")))
    return rows, template_sizes(name, out, tables)


def startup(runs: int) -> list[Measure]:
    python = sys.executable
    print("interpreter and imports", flush=True)
    return [
        measure("python -c pass", [python, "-c", "pass"], runs),
        measure("import generator.cli", [python, "-c", "import generator.cli"], runs),
        measure("imports for validate", [python, "-c", "import generator.pipeline"], runs),
        measure("imports for build", [python, "-c",
                "import generator.pipeline, generator.render, generator.writer, generator.plan"],
                runs),
        measure("import troposphere", [python, "-c", "import troposphere.dynamodb, "
                "troposphere.iam, yaml"], runs),
    ]


def _cell(m: Measure) -> str:
    if m.exit_code:
        return f"exit code {m.exit_code}"
    return (f"{m.median:7.3f} s  ({min(m.times):.3f} - {max(m.times):.3f})  "
            f"{statistics.median(m.cpu):7.3f} CPU s  "
            f"{m.peak_rss_mb:6.1f} MB")


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        memory_kb = int(info.readline().split()[1])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    # A copy of the tree outside git (other people edit the checkout meanwhile) names its
    # commit in GENERATOR_COMMIT.
    commit = os.environ.get("GENERATOR_COMMIT") or subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
        check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "generator", "templates"],
                           cwd=ROOT, capture_output=True, text=True, check=False).stdout
    tropo = subprocess.run([sys.executable, "-c", "import troposphere; "
                            "print(troposphere.__version__)"], capture_output=True, text=True,
                           check=False).stdout.strip()
    return (f"{cpu}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.1f} GB RAM; "
            f"{platform.platform()}; Python {platform.python_version()}; "
            f"troposphere {tropo}; load average before the run {load}; "
            f"generator at {commit}{' with local changes' if dirty else ''}")


def report(sections: list[tuple[str, list[Measure]]], runs: int, large_runs: int,
           took: float, sizes: list[Templates]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python benchmarks/run.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"({took:.0f} s in all).",
        "",
        f"Machine: {machine()}.",
        "",
        f"Each row is a whole process: one warm-up run, then {runs} runs ({large_runs} for "
        "sets of 5,000 tables or more); wall time as median "
        "(min - max), and the highest peak RSS of the runs. \"build (empty output folder)\" "
        "writes every file; \"build (output up to date)\" reads and compares them, as in a "
        "pre-commit hook. From 100 tables on, the generator loads and renders in one process "
        "per processor (`--jobs`); \"one process\" is `--jobs 1`. Peak RSS is that of the "
        "largest single process (main or worker), as the operating system reports it. "
        "troposphere builds the same CloudFormation templates from the same files (checked "
        "equal), but no Terraform. CPU s is the user and system time of the process and of "
        "the workers it waited for, which a loaded machine inflates less than the wall time. "
        "\"verify\" runs once, without a warm-up: up to date, "
        "cfn-lint on every stack's template, terraform fmt and validate. Synthetic sets put "
        f"{tables_per_stack()} tables in a stack, as many as CloudFormation's quotas allow.",
        "",
        "## CloudFormation templates",
        "",
        "| set | tables | stacks | template bytes | bytes per table | largest template |",
        "|---|---:|---:|---:|---:|---:|",
        *(f"| {s.label} | {s.tables} | {s.stacks} | {s.total_bytes:,} | "
          f"{s.total_bytes / s.tables:,.0f} | {s.largest_bytes:,} |" for s in sizes),
        "",
    ]
    for title, rows in sections:
        lines += [f"## {title}", "",
                  "| command | median s | min s | max s | median CPU s | peak RSS MB |",
                  "|---|---:|---:|---:|---:|---:|"]
        for m in rows:
            cpu = f"{statistics.median(m.cpu):.3f}" if m.cpu else ""
            lines.append(f"| {m.label} | {m.median:.3f} | {min(m.times):.3f} | "
                         f"{max(m.times):.3f} | {cpu} | {m.peak_rss_mb:.1f} |")
        lines.append("")
    lines += ["## Ratios", "", "| set | build / troposphere | build --check / build | "
              "validate / build |", "|---|---:|---:|---:|"]
    builds: dict[str, float] = {}
    for title, rows in sections[1:]:
        by = {m.label: m.median for m in rows}
        build = by["build (empty output folder)"]
        builds[title] = build
        lines.append(f"| {title} | {build / by['troposphere (CloudFormation only)']:.2f} | "
                     f"{by['build --check'] / build:.2f} | {by['validate'] / build:.2f} |")
    lines.append("")
    one, ten = builds.get("1000 tables"), builds.get("10000 tables")
    if one and ten:
        lines += [f"10,000 tables take {ten / one:.1f} times as long as 1,000 "
                  "(linear would be 10).", ""]
    return "\n".join(lines)


BY_HAND = "\n## Measured by hand\n"


def kept_by_hand(results: Path) -> str:
    """The section of figures measured outside this script (e.g. of the test suite), which
    a new report keeps as it was."""
    if not results.exists():
        return ""
    text = results.read_text(encoding="utf-8")
    return text[text.index(BY_HAND):] if BY_HAND in text else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command")
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="synthetic set sizes, comma-separated")
    parser.add_argument("--large-runs", type=int, default=2,
                        help="timed runs per command for sets of 5,000 tables or more, whose "
                        "every run takes tens of seconds")
    parser.add_argument("--verify-max", type=int, default=1000,
                        help="time verify for sets of at most this many tables (it lints "
                        "every template, about a CPU second per sessions-shaped table)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    started = time.perf_counter()
    sections: list[tuple[str, list[Measure]]] = [("Interpreter and imports", startup(args.runs))]
    sizes: list[Templates] = []
    with tempfile.TemporaryDirectory(prefix="generator-bench-") as temp:
        work = Path(temp)
        sets = [("Sentinel tables", SENTINEL)]
        sets += [(f"{n} tables", synthetic_set(work, n))
                 for n in (int(s) for s in args.sizes.split(",") if s)]
        for title, schemas in sets:
            count = len(list(schemas.glob("*.yaml")))
            runs = args.large_runs if count >= 5000 else args.runs
            rows, size = bench_set(title.split()[0].lower(), schemas, work, runs,
                                   1 if count <= args.verify_max else 0)
            sections.append((title, rows))
            sizes.append(size)
            shutil.rmtree(work / f"out-{title.split()[0].lower()}", ignore_errors=True)
    text = report(sections, args.runs, args.large_runs, time.perf_counter() - started, sizes)
    args.output.write_text(text + kept_by_hand(args.output), encoding="utf-8")
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
