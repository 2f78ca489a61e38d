"""Command line: parse arguments, call the pipeline, print results, return an exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from generator import __version__
from generator.invocation import COMMAND, Exit, exit_codes_overview, exit_codes_text
from generator.naming import MODULE_NAME
from generator.parallel import MIN_TABLES

if TYPE_CHECKING:  # imported lazily at run time, so that `--help` and `validate` stay fast
    from generator.diagnostics import InputError
    from generator.model import Project
    from generator.writer import Changes


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _invoked_as(argv: Sequence[str] | None) -> str:
    """The command as the user typed it: the console script's own name (the tool's, or its
    alias), or the tool's name when called from Python with arguments."""
    if argv is None and sys.argv and sys.argv[0]:
        return Path(sys.argv[0]).name.removesuffix(".exe")
    return COMMAND


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Render DynamoDB table files (YAML) into Terraform and CloudFormation.",
        epilog=exit_codes_overview())
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--schemas", type=Path, default=Path("schemas"), metavar="DIR",
                         help="folder of table files, one *.yaml or *.yml file per table; "
                         "subfolders are not read (default: schemas)")
        sub.add_argument("--settings", type=Path, metavar="FILE",
                         help="project settings file (default: dynamodb-schema-generator.yaml "
                         "beside the schemas folder, if there is one)")
        sub.add_argument("--jobs", "-j", type=_positive, metavar="N",
                         help="processes to load and render with (default: one per "
                         f"processor from {MIN_TABLES} table files on, else 1)")

    build = commands.add_parser("build", help="write out/terraform and out/cloudformation")
    common(build)
    build.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                       help="output folder (default: out)")
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 and list the stale files if the output "
                       "folder is stale")
    build.add_argument("--diff", action="store_true",
                       help="with --check: print the unified diff of every stale file too")
    validate = commands.add_parser("validate", help="check the table files only")
    common(validate)
    for strict in (build, validate):
        strict.add_argument("--strict", action="store_true",
                            help="treat warnings (W codes) as errors: exit 2, write nothing")
    verify = commands.add_parser(
        "verify", help="run the checks a user can run on the output folder: up to date, "
        "cfn-lint, terraform fmt and validate; prints what ran and what was skipped")
    common(verify)
    verify.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                        help="output folder to verify (default: out)")
    verify.add_argument("--strict", action="store_true",
                        help="a skipped check (no cfn-lint, Terraform or provider) fails, "
                        "for CI")
    _add_change_commands(commands, common)
    replay = commands.add_parser(
        "replay", help="create scratch copies of the tables on an endpoint, write the examples, "
        "run every access pattern and check what it returns; then delete the copies")
    common(replay)
    replay.add_argument("--endpoint-url", required=True, metavar="URL",
                        help="DynamoDB endpoint: moto, DynamoDB Local, or a sandbox account's "
                        "https://dynamodb.REGION.amazonaws.com")
    replay.add_argument("--region", help="AWS region (default: as for the AWS CLI)")
    _add_adopt_command(commands)
    init = commands.add_parser(
        "init", help="start a project: schemas/ with an example table and the JSON Schemas "
        "for editors, a .pre-commit-config.yaml and a root module that calls the module")
    init.add_argument("directory", nargs="?", type=Path, default=Path("."), metavar="DIR",
                      help="the project folder (default: the current folder)")
    schema = commands.add_parser(
        "schema", help="print the JSON Schema of the table files (or of the settings file), "
        "for an editor or another tool")
    schema.add_argument("kind", nargs="?", choices=["table", "settings"], default="table",
                        help="table: a table file's schema (default); settings: the project "
                        "settings file's")
    export = commands.add_parser(
        "export", help="the table files in another tool's format: a NoSQL Workbench data model")
    common(export)
    export.add_argument("--format", choices=["nosql-workbench"], required=True,
                        help="nosql-workbench: a data model to import into NoSQL Workbench")
    for name, sub in commands.choices.items():
        sub.epilog = exit_codes_text(name)
    return parser


def _add_adopt_command(commands: Any) -> None:
    """`adopt`: table files from tables that already exist."""
    adopt = commands.add_parser(
        "adopt", help="write table files from existing tables: live, a CloudFormation template, "
        "Terraform show -json, or a NoSQL Workbench model")
    adopt.add_argument("--schemas", type=Path, default=Path("schemas"), metavar="DIR",
                       help="folder to write the table files to (default: schemas)")
    source = adopt.add_mutually_exclusive_group()
    source.add_argument("--cloudformation", type=Path, metavar="FILE",
                        help="a CloudFormation template, JSON or YAML")
    source.add_argument("--terraform", type=Path, metavar="FILE",
                        help="the output of `terraform show -json` for a plan or a state")
    source.add_argument("--nosql-workbench", type=Path, metavar="FILE",
                        help="a NoSQL Workbench data model (its JSON export)")
    adopt.add_argument("--region", help="without a file: read the live tables of this region "
                       "(credentials as for the AWS CLI); with a template: AWS::Region")
    adopt.add_argument("--endpoint-url", help="DynamoDB endpoint, e.g. a local emulator")
    adopt.add_argument("--table", nargs="+", default=[], metavar="NAME",
                       help="live tables to adopt (default: all, or all with the affixes)")
    adopt.add_argument("--parameter", action="append", default=[], metavar="K=V",
                       help="a template parameter or pseudo parameter (AWS::AccountId=...)")
    adopt.add_argument("--name-prefix", default="", help="stripped from the physical names")
    adopt.add_argument("--name-suffix", default="", help="stripped from the physical names")
    adopt.add_argument("--force", action="store_true", help="replace existing table files")


def _adopt(args: argparse.Namespace, out: TextIO, err: TextIO) -> Exit:
    from generator.sources import SourceError, pairs
    from generator.sources.command import Source, command

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
    return command(source, args.schemas, prefix=args.name_prefix, suffix=args.name_suffix,
                   force=args.force, out=out, err=err)


def _add_change_commands(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """`plan` and `import`: what deploying the table files changes, and adopting live tables."""
    plan = commands.add_parser(
        "plan", help="what deploying the table files changes: create, update, replace, remove")
    common(plan)
    plan.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                      help="output folder whose model.json is compared (default: out)")
    plan.add_argument("--against", metavar="REF",
                      help="compare with the output folder's model.json as committed at git "
                      "revision REF (default: at the merge base of HEAD and its upstream "
                      "branch, or at HEAD without one; outside git, the last build); or with "
                      "what is deployed: 'live' (with --region), 'terraform:FILE' (the JSON "
                      "of `terraform show -json` for a state or a plan), "
                      "'cloudformation:FILE' (a template, e.g. from `aws cloudformation "
                      "get-template`) or 'stack:NAME' (a deployed stack, with --region)")
    plan.add_argument("--allow-replace", action="store_true",
                      help="exit 0 even if a table is replaced or removed")
    plan.add_argument("--format", choices=["text", "json"], default="text",
                      help="text for people (default), json for pipelines")
    _deployment_options(plan, "with --against live or stack:NAME: the region")
    plan.add_argument("--parameter", action="append", default=[], metavar="K=V",
                      help="with a CloudFormation baseline: a template parameter or pseudo "
                      "parameter (a stack's own parameters are read from it)")
    adopt = commands.add_parser(
        "import", help="adopt existing tables: Terraform import blocks or CloudFormation "
        "--resources-to-import JSON")
    common(adopt)
    adopt.add_argument("--format", choices=["terraform", "cloudformation"], default="terraform",
                       help="terraform: import blocks for the root module (default); "
                       "cloudformation: the --resources-to-import JSON of an IMPORT change set")
    adopt.add_argument("--module-address", default=f"module.{MODULE_NAME}", metavar="ADDR",
                       help="address of the generated module in the root module (default: "
                       f"module.{MODULE_NAME}, as in the module's README)")
    adopt.add_argument("--output", type=Path, metavar="FILE",
                       help="write to FILE (replaced atomically, and only on success) "
                       "instead of standard output")
    _deployment_options(adopt, "read the live tables (AWS credentials as for the AWS CLI) "
                        "and report every difference; import only those that exist")


def _deployment_options(parser: argparse.ArgumentParser, region_help: str) -> None:
    """How the deployment names and tags the tables: `plan` and `import` read them alike."""
    parser.add_argument("--region", help=region_help)
    parser.add_argument("--endpoint-url", help="AWS endpoint, e.g. a local emulator")
    parser.add_argument("--name-prefix", default="", help="as the module's name_prefix")
    parser.add_argument("--name-suffix", default="", help="as the module's name_suffix")
    parser.add_argument("--table-name", action="append", default=[], metavar="KEY=NAME",
                        help="physical name of one table, as the module's table_names")
    parser.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE",
                        help="a common tag of the deployment, as the module's tags or the "
                        "stack's --tags, so that the comparison with what is deployed "
                        "expects it")


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
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    prog = prog or _invoked_as(argv)
    args = _parser(prog).parse_args(argv)
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
    from generator.pipeline import load_project

    try:
        project = load_project(args.schemas, Path.cwd(), jobs=args.jobs,
                               settings_file=args.settings)
    except InputError as error:
        return _invalid(error, err, args.command)
    for warning in project.warnings:
        print(warning.format(), file=err)
    if project.warnings and getattr(args, "strict", False):
        written = "; nothing was written" if args.command == "build" else ""
        print(f"{_count(len(project.warnings), 'warning')} and --strict{written}", file=err)
        return Exit.INVALID
    if args.command == "validate":
        tables = len(project.tables)
        print(f"{_count(tables, 'table file')} {'is' if tables == 1 else 'are'} valid", file=out)
        return Exit.OK
    if args.command == "verify":
        from generator import verify

        try:
            return verify.command(project, args.out, out, err, jobs=args.jobs,
                                  strict=args.strict)
        except InputError as error:  # a stack over a CloudFormation quota
            return _invalid(error, err, args.command)
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
        from generator import adopt
        from generator.sources import SourceError

        try:
            where = _where(args)
        except SourceError as error:
            print(f"error: {error}", file=err)
            return error.exit_code
        return adopt.command(project, output_format=args.format,
                             module_address=args.module_address, where=where,
                             output=args.output, out=out, err=err)
    if args.command == "replay":
        from generator import replay

        return replay.command(project, endpoint_url=args.endpoint_url, region=args.region,
                              out=out, err=err)
    if args.diff and not args.check:
        print("error: --diff goes with --check", file=err)
        return Exit.INVALID
    try:
        return _build(project, args.out, args.check, out, err, jobs=args.jobs,
                      diff=args.diff, prog=prog, schemas_dir=args.schemas)
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
           jobs: int | None, diff: bool, prog: str, schemas_dir: Path) -> Exit:
    from generator import render, scaffold, writer
    from generator.moves import with_moves

    project = with_moves(out_dir, project)
    from generator.diagnostics import Diagnostic

    notes: list[Diagnostic] = []
    try:
        if check:
            changes, diffs = writer.compare(
                out_dir, render.render_files(project, jobs=jobs), with_diffs=diff)
            stale = scaffold.stale_copies(schemas_dir)
            for copy in stale:
                print(f"{copy}: stale copy of this version's JSON Schema", file=err)
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
        changes = writer.write(out_dir, render.render_files(project, jobs=jobs, notes=notes))
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
