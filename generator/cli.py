"""Command line: parse arguments, call the pipeline, print results, return an exit code."""

from __future__ import annotations

import argparse
import enum
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from generator import __version__


class Exit(enum.IntEnum):
    OK = 0
    CHANGED = 1  # --check found out/ stale
    INVALID = 2  # the input has problems (also: bad command-line usage)
    OUTPUT = 3  # the output folder cannot be read or written


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description="Render DynamoDB table files (YAML) into Terraform and CloudFormation.",
        epilog="Exit codes: 0 ok, 1 --check found differences, 2 invalid input, "
        "3 output folder not readable or writable.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--schemas", type=Path, default=Path("schemas"), metavar="DIR",
                         help="folder of table files, one *.yaml per table (default: schemas)")

    build = commands.add_parser("build", help="write out/terraform and out/cloudformation")
    common(build)
    build.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                       help="output folder (default: out)")
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 with a diff if the output folder is stale")
    validate = commands.add_parser("validate", help="check the table files only")
    common(validate)
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = _parser().parse_args(argv)
    # Imported here so that `--help` and argument errors stay fast.
    from generator.diagnostics import InputError
    from generator.pipeline import load_project

    try:
        project = load_project(args.schemas, Path.cwd())
    except InputError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic.format(), file=err)
        files = len({d.file for d in error.diagnostics})
        count = len(error.diagnostics)
        print(f"{count} error{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}; "
              "nothing was written", file=err)
        return Exit.INVALID
    if args.command == "validate":
        print(f"{len(project.tables)} table files are valid", file=out)
        return Exit.OK
    return _build(project, args.out, args.check, out, err)


def _build(project: object, out_dir: Path, check: bool, out: TextIO, err: TextIO) -> int:
    from generator import render, writer
    from generator.model import Project

    assert isinstance(project, Project)
    files = render.render_project(project)
    try:
        if check:
            changes, diffs = writer.compare(out_dir, files)
            if not changes.any:
                print(f"{out_dir}: up to date ({changes.unchanged} files)", file=out)
                return Exit.OK
            for diff in diffs:
                out.write(diff)
            print(_summary(out_dir, changes, "is stale"), file=err)
            print("run `python -m generator build` and commit the result", file=err)
            return Exit.CHANGED
        changes = writer.write(out_dir, files)
    except writer.OutputError as error:
        print(f"error: {error}", file=err)
        return Exit.OUTPUT
    print(_summary(out_dir, changes, "written") if changes.any
          else f"{out_dir}: up to date ({changes.unchanged} files)", file=out)
    return Exit.OK


def _summary(out_dir: Path, changes: object, verb: str) -> str:
    from generator.writer import Changes

    assert isinstance(changes, Changes)
    parts = [f"{len(changes.added)} added", f"{len(changes.changed)} changed",
             f"{len(changes.removed)} removed", f"{changes.unchanged} unchanged"]
    return f"{out_dir}: {verb}: " + ", ".join(parts)
