"""The command line's arguments: every command, its options and its help (with its exit
codes, from ``generator.invocation``). ``generator.cli`` runs what they ask for."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator import __version__
from generator.invocation import exit_codes_overview, exit_codes_text
from generator.naming import DEFAULT_MODULE_ADDRESS
from generator.parallel import MIN_TABLES


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def parser(prog: str) -> argparse.ArgumentParser:
    """Every command's arguments; ``prog`` is how the user called the tool."""
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
    verify.add_argument("--full-lint", action="store_true",
                        help="lint every table's resources, not each shape of them once")
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
    adopt.add_argument("--module-address", default=DEFAULT_MODULE_ADDRESS, metavar="ADDR",
                       help="address of the generated module in the root module (default: "
                       f"{DEFAULT_MODULE_ADDRESS}, as in the module's README)")
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
