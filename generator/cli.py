"""Command line: parse arguments, call the pipeline, print results, return an exit code."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from generator.cli_args import parser
from generator.invocation import COMMAND, MODULE_COMMAND, Exit

if TYPE_CHECKING:  # imported lazily at run time, so that `--help` and `validate` stay fast
    from generator import terraform_checks, verify
    from generator.diagnostics import InputError
    from generator.model import Project
    from generator.writer import Changes


def _invoked_as(argv: Sequence[str] | None) -> str:
    """The command as the user typed it: the console script's own name (the tool's, or its
    alias), or the tool's name when called from Python with arguments."""
    if argv is None and sys.argv and sys.argv[0]:
        return Path(sys.argv[0]).name.removesuffix(".exe")
    return COMMAND


def _adopt(args: argparse.Namespace, out: TextIO, err: TextIO) -> Exit:
    from generator.sources import SourceError, pairs
    from generator.sources.command import Source, read_source, render_files, write_table_file
    from generator.writer import OutputError

    files = (("cloudformation", args.cloudformation), ("terraform", args.terraform),
             ("nosql-workbench", args.nosql_workbench))
    kind, path = next(((k, p) for k, p in files if p is not None), ("live", None))
    if kind == "live" and not args.region:
        print("error: adopt needs a source: --region R for live tables, --cloudformation, "
              "--terraform or --nosql-workbench FILE", file=err)
        return Exit.INVALID
    try:
        parameters = pairs("--parameter", "KEY=VALUE", args.parameter, empty=True)
    except SourceError as error:
        print(f"error: {error}", file=err)
        return error.exit_code
    source = Source(kind, path, args.region, args.endpoint_url, tuple(args.table), parameters)
    summary: list[str] = []
    try:
        tables = read_source(source, args.name_prefix, args.name_suffix, summary)
    except SourceError as error:
        print(f"error: {error}", file=err)
        return error.exit_code
    try:
        texts = render_files(tables, args.schemas)
    except SourceError as error:
        # Most often a value that could not be resolved, which the notes name.
        for table in tables:
            for note in table.notes:
                print(f"{table.origin}: {note.text}", file=err)
        print(f"error: {error}\nnothing was written", file=err)
        return error.exit_code
    existing = sorted(str(p) for p in texts if p.exists())
    if existing and not args.force:
        print(f"error: would overwrite {', '.join(existing)}; pass --force to replace them, "
              "or --schemas DIR for another folder", file=err)
        return Exit.INVALID
    for table in tables:
        written = args.schemas / f"{table.file_stem}.yaml"
        try:
            write_table_file(written, texts[written])
        except (OSError, OutputError) as error:
            print(f"error: cannot write {written}: {error}", file=err)
            return Exit.UNAVAILABLE
        print(f"{written}: adopted from {table.origin}", file=out)
        for note in table.notes:
            print(f"  not adopted{f' ({note.at})' if note.at else ''}: {note.text}", file=out)
    for line in summary:
        print(f"note: {line}", file=out)
    print(f"{_count(len(tables), 'table file')} written to {args.schemas}; review the "
          f"NOT ADOPTED comments, then run `{MODULE_COMMAND} build`", file=out)
    return Exit.OK


def _where(args: argparse.Namespace) -> Any:
    """The deployment options; SourceError for a KEY=VALUE option that is not one."""
    from generator.deployed import Where
    from generator.sources import pairs

    return Where(args.region, args.endpoint_url, args.name_prefix, args.name_suffix,
                 pairs("--table-name", "KEY=NAME", args.table_name),
                 pairs("--tag", "KEY=VALUE", args.tag),
                 pairs("--parameter", "KEY=VALUE", getattr(args, "parameter", ()), empty=True))


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, *, prog: str | None = None) -> int:
    """Run one command; ``prog`` is how the user called the tool (default: as invoked)."""
    began = time.monotonic()
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    prog = prog or _invoked_as(argv)
    args = parser(prog).parse_args(argv)
    if args.command == "adopt":  # reads a source, not the table files
        return _adopt(args, out, err)
    if args.command in ("init", "schema"):  # before there are table files
        from generator import scaffold

        if args.command == "init":
            return scaffold.init(args.directory, prog, out, err)
        out.write(scaffold.schema_text(args.kind))
        return Exit.OK
    # Imported here so that `--help` and argument errors stay fast.
    from generator.diagnostics import InputError

    if args.command == "verify":
        return _verify_command(args, out, err, began)
    loaded = _load(args, err)
    if isinstance(loaded, Exit):
        return loaded
    project = loaded
    if args.command == "validate":
        tables = len(project.tables)
        print(f"{_count(tables, 'table file')} {'is' if tables == 1 else 'are'} valid", file=out)
        return Exit.OK
    if args.command == "export":
        from generator import workbench

        text, notes = workbench.export(project, args.schemas.resolve().name)
        for note in notes:
            print(f"note: {note}", file=err)
        out.write(text)
        return Exit.OK
    if args.command == "plan":
        return _plan(project, args, out, err)
    if args.command == "import":
        return _import(project, args, out, err)
    if args.command == "replay":
        from generator import replay

        return replay.command(project, endpoint_url=args.endpoint_url, region=args.region,
                              out=out, err=err)
    if args.diff and not args.check:
        print("error: --diff goes with --check", file=err)
        return Exit.INVALID
    try:
        return _build(project, args.out, args.check, out, err, jobs=args.jobs,
                      diff=args.diff, prog=prog, schemas_dir=args.schemas,
                      inputs=_inputs(args))
    except InputError as error:  # a stack over a CloudFormation quota
        return _invalid(error, err, args.command)


def _plan(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> Exit:
    from generator import baseline, plan_report
    from generator.model_file import ModelFileError
    from generator.sources import SourceError

    try:
        where = _where(args)
        found = baseline.plan(project, args.out, args.against, where)
    except ModelFileError as error:
        print(f"error: {error}", file=err)
        return Exit.UNAVAILABLE
    except SourceError as error:
        print(f"error: {error}", file=err)
        return error.exit_code
    code = Exit.OK if found.deployable(args.allow_replace) else Exit.FINDINGS
    out.write(plan_report.format_json(found, code) if args.format == "json"
              else plan_report.format_text(found, args.allow_replace))
    return code


def _import(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> Exit:
    from generator import adopt
    from generator.sources import SourceError
    from generator.writer import OutputError, write_file

    try:
        names, comparison = adopt.to_import(project, _where(args))
        if comparison is not None:
            err.write(adopt.format_comparison(comparison))
            if comparison.would_replace:
                print("error: not writing imports; fix the key differences first", file=err)
                return Exit.FINDINGS
        text = adopt.import_text(project, names, args.format, args.module_address)
    except SourceError as error:
        print(f"error: {error}", file=err)
        return error.exit_code
    if args.format == "cloudformation":
        print(adopt.CLOUDFORMATION_IMPORT_NOTE, file=err)
    if args.output is None:
        out.write(text)
        return Exit.OK
    try:
        write_file(args.output, text)
    except OutputError as error:
        print(f"error: {error}", file=err)
        return Exit.UNAVAILABLE
    return Exit.OK


def _inputs(args: argparse.Namespace) -> str | None:
    """The digest of what the command reads (generator.freshness); none without a folder
    of table files, which loading then words as an error."""
    from generator.freshness import inputs_digest

    if not args.schemas.is_dir():
        return None
    try:
        return inputs_digest(args.schemas, args.settings, Path.cwd())
    except OSError:
        return None


def _load(args: argparse.Namespace, err: TextIO) -> Project | Exit:
    """The project of the table files, its warnings printed; or the exit code when they do
    not load, or have warnings under --strict."""
    from generator.diagnostics import InputError
    from generator.pipeline import load_project

    try:
        project = load_project(args.schemas, Path.cwd(), jobs=args.jobs,
                               settings_file=args.settings)
    except InputError as error:
        return _invalid(error, err, args.command)
    warnings = [w.format() for w in project.warnings]
    refused = _warned(warnings, args, err)
    return project if refused is None else refused


def _warned(warnings: Sequence[str], args: argparse.Namespace, err: TextIO) -> Exit | None:
    """Print the table files' warnings; under --strict, any of them refuses the command."""
    for warning in warnings:
        print(warning, file=err)
    if warnings and getattr(args, "strict", False):
        written = "; nothing was written" if args.command == "build" else ""
        print(f"{_count(len(warnings), 'warning')} and --strict{written}", file=err)
        return Exit.INVALID
    return None


def _verify_command(args: argparse.Namespace, out: TextIO, err: TextIO, began: float) -> Exit:
    """`verify`: Terraform's checks start first, as they take longest. A folder that is as
    the last build wrote it from the same inputs needs no loading of the table files: the
    build recorded what to check, and the files' warnings."""
    from generator import terraform_checks, verify
    from generator.diagnostics import InputError

    started = terraform_checks.start_terraform(args.out) if args.out.is_dir() else None
    try:
        inputs = _inputs(args)
        recorded = verify.recorded_targets(args.out, inputs)
        project: Project | None = None
        if recorded is not None:
            refused = _warned(recorded.warnings, args, err)
            if refused is not None:
                return refused
        else:
            loaded = _load(args, err)
            if isinstance(loaded, Exit):
                return loaded
            project = loaded
        return _verify(project, args.out, out, err, jobs=args.jobs, strict=args.strict,
                       full_lint=args.full_lint, inputs=inputs, terraform=started,
                       recorded=recorded, began=began)
    except InputError as error:  # a stack over a CloudFormation quota
        return _invalid(error, err, args.command)
    finally:
        if started:
            started.stop()


def _verify(project: Project | None, out_dir: Path, out: TextIO, err: TextIO, *,
            jobs: int | None, strict: bool, full_lint: bool, inputs: str | None,
            terraform: terraform_checks.StartedTerraform | None, recorded: verify.Targets | None,
            began: float) -> Exit:
    """Each check's outcome as it comes, then a summary with the time since ``began``."""
    from generator import outcomes, verify

    if not out_dir.is_dir():
        print(f"error: {out_dir} does not exist; run `{MODULE_COMMAND} build`", file=err)
        return Exit.UNAVAILABLE
    results: list[outcomes.Outcome] = []
    for outcome in verify.run_checks(project, out_dir, jobs=jobs, full_lint=full_lint,
                                      inputs=inputs, started=terraform, recorded=recorded):
        results.append(outcome)
        print(outcome.format(), file=out, flush=True)
    failed = [o.check for o in results if o.status == outcomes.FAILED]
    skipped = [o.check for o in results if o.status == outcomes.SKIPPED]
    if failed:
        print(f"failed: {', '.join(sorted(failed))}", file=out)
    if skipped and strict:
        print(f"--strict: skipped checks fail: {', '.join(skipped)}", file=out)
    passed = sum(o.status == outcomes.PASSED for o in results)
    print(f"{out_dir}: {passed} passed, {len(failed)} failed, {len(skipped)} skipped in "
          f"{time.monotonic() - began:.0f} s", file=out)
    return Exit.FINDINGS if failed or (strict and skipped) else Exit.OK


def _invalid(error: InputError, err: TextIO, command: str) -> Exit:
    for diagnostic in error.diagnostics:
        print(diagnostic.format(), file=err)
    # Problems of the folder itself are not located in a file.
    files = len({d.file for d in error.diagnostics if d.line})
    where = _count(files, "file") if files else "the schemas folder"
    written = "; nothing was written" if command == "build" else ""
    print(f"{_count(len(error.diagnostics), 'error')} in {where}{written}", file=err)
    return Exit.INVALID


def _build(project: Project, out_dir: Path, check: bool, out: TextIO, err: TextIO, *,
           jobs: int | None, diff: bool, prog: str, schemas_dir: Path,
           inputs: str | None) -> Exit:
    from generator import freshness, render, scaffold, verify, writer
    from generator.moves import with_moves

    project = with_moves(out_dir, project)
    from generator.diagnostics import Diagnostic

    notes: list[Diagnostic] = []
    digests: dict[str, str] = {}
    try:
        if check:
            changes, diffs = writer.compare(
                out_dir, freshness.digesting(render.render_files(project, jobs=jobs), digests),
                with_diffs=diff)
            stale = scaffold.stale_copies(schemas_dir)
            for copy in stale:
                print(f"{copy}: stale copy of this version's JSON Schema", file=err)
            if not changes.any and inputs:
                freshness.record(out_dir, inputs, digests, verify.targets(project).to_json())
            if not changes.any and not stale:
                print(f"{out_dir}: up to date ({changes.unchanged} files)", file=out)
                return Exit.OK
            for text in diffs:
                out.write(text)
            if not out_dir.is_dir():
                print(f"{out_dir} does not exist", file=out)
            elif not diff:
                for kind, paths in (("missing", changes.added), ("changed", changes.changed),
                                    ("extra", changes.removed)):
                    for name in paths:
                        print(f"{kind:8} {out_dir / name}", file=out)
            if changes.any:
                print(_summary(out_dir, changes, "is stale"), file=err)
            print(f"run `{prog} build` and commit the result"
                  + ("" if diff or not changes.any
                     else " (`build --check --diff` shows the differences)"),
                  file=err)
            return Exit.FINDINGS
        from generator.baseline import build_warning

        warning = build_warning(out_dir, project)
        changes = writer.write(out_dir, freshness.digesting(
            render.render_files(project, jobs=jobs, notes=notes), digests))
        if inputs:
            freshness.record(out_dir, inputs, digests, verify.targets(project).to_json())
        refreshed = scaffold.refresh_copies(schemas_dir)
    except writer.OutputError as error:
        print(f"error: {error}", file=err)
        return Exit.UNAVAILABLE
    except OSError as error:
        print(f"error: cannot write {error.filename}: {error.strerror}", file=err)
        return Exit.UNAVAILABLE
    for note in notes:
        print(note.format(), file=err)
    for path in refreshed:
        print(f"{path}: updated to this version's JSON Schema", file=out)
    if warning:
        print(warning, file=err)
    from generator.replica_gaps import warnings

    for line in warnings(project):
        print(line, file=err)
    print(_summary(out_dir, changes, "written") if changes.any
          else f"{out_dir}: up to date ({changes.unchanged} files)", file=out)
    return Exit.OK


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _summary(out_dir: Path, changes: Changes, verb: str) -> str:
    parts = [f"{len(changes.added)} added", f"{len(changes.changed)} changed",
             f"{len(changes.removed)} removed", f"{changes.unchanged} unchanged"]
    return f"{out_dir}: {verb}: " + ", ".join(parts)
