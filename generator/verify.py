"""`verify`: the checks a user can run on a generated output folder, with the tools at hand.

Each check reports whether it ran, passed or was skipped and why, so a green run never hides
a tool that was missing. Nothing here deploys anything or needs AWS credentials.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from generator.model import Project

PASSED = "passed"
FAILED = "FAILED"
SKIPPED = "skipped"
TERRAFORM_TIMEOUT = 300  # seconds; `init` may download the AWS provider


@dataclass(frozen=True)
class Outcome:
    check: str
    status: str
    detail: str = ""

    def format(self) -> str:
        return f"{self.status:8} {self.check}" + (f": {self.detail}" if self.detail else "")


def _first_lines(text: str, count: int = 20) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    shown = "\n    ".join(lines[:count])
    return shown + (f"\n    ... {len(lines) - count} more lines" if len(lines) > count else "")


def check_up_to_date(project: Project, out_dir: Path, jobs: int | None = None) -> Outcome:
    """The folder is what the table files render to: nobody edited it by hand."""
    from generator import render, writer

    changes, _ = writer.compare(out_dir, render.render_project(project, jobs=jobs),
                                with_diffs=False)
    if not changes.any:
        return Outcome("up to date with the table files", PASSED)
    stale = [*changes.added, *changes.changed, *changes.removed]
    return Outcome("up to date with the table files", FAILED,
                   "stale: " + ", ".join(sorted(stale)) + "; run `python -m generator build`")


def _named(check: str, environment: str | None) -> str:
    """A check's name, with the environment whose output it checks, if one."""
    return f"{check}, environment {environment}" if environment else check


def check_cfn_lint(template: Path, environment: str | None = None) -> Outcome:
    name = _named("cfn-lint (CloudFormation template)", environment)
    try:
        from cfnlint.api import lint
    except ImportError:
        return Outcome(name, SKIPPED, "cfn-lint is not installed (pip install cfn-lint)")
    findings = lint(template.read_text(encoding="utf-8"), regions=["us-east-1"])
    if findings:
        return Outcome(name, FAILED, _first_lines("\n".join(str(f) for f in findings)))
    return Outcome(name, PASSED)


def _run(args: list[str], cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=dict(env), capture_output=True, text=True,
                          timeout=TERRAFORM_TIMEOUT, check=False)


def check_terraform(
    module: Path, terraform: str | None, environment: str | None = None
) -> list[Outcome]:
    """`terraform fmt -check`, then `init` and `validate` of a root module that calls it."""
    fmt_name = _named("terraform fmt -check", environment)
    validate_name = _named("terraform validate", environment)
    if terraform is None:
        reason = "terraform is not on PATH"
        return [Outcome(fmt_name, SKIPPED, reason), Outcome(validate_name, SKIPPED, reason)]
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
    results = []
    fmt = _run([terraform, "fmt", "-check", "-diff", "-no-color", str(module.resolve())],
               module.resolve(), env)
    results.append(Outcome(fmt_name, PASSED) if fmt.returncode == 0
                   else Outcome(fmt_name, FAILED, _first_lines(fmt.stdout + fmt.stderr)))
    with tempfile.TemporaryDirectory(prefix="generator-verify-") as root_dir:
        root = Path(root_dir)
        (root / "main.tf").write_text(
            f'module "tables" {{\n  source = {json.dumps(module.resolve().as_posix())}\n}}\n',
            encoding="utf-8")
        init = _run([terraform, "init", "-backend=false", "-input=false", "-no-color"],
                    root, env)
        if init.returncode != 0:
            results.append(Outcome(validate_name, SKIPPED,
                                   "terraform init could not install the AWS provider "
                                   "(offline? see TF_CLI_CONFIG_FILE for a mirror):\n    "
                                   + _first_lines(init.stderr, 5)))
            return results
        validate = _run([terraform, "validate", "-no-color"], root, env)
    results.append(Outcome(validate_name, PASSED) if validate.returncode == 0
                   else Outcome(validate_name, FAILED,
                                _first_lines(validate.stdout + validate.stderr)))
    return results


def verify(project: Project, out_dir: Path,
           terraform: str | None = None,
           which: Callable[[str], str | None] = shutil.which,
           jobs: int | None = None) -> list[Outcome]:
    """Every check, in order, for the output of the table files as written and then for
    each environment's; ``terraform`` overrides the binary found on PATH."""
    from generator.render import (
        CLOUDFORMATION_TEMPLATE,
        TERRAFORM_DIR,
        environment_module,
        environment_template,
    )

    outcomes = [check_up_to_date(project, out_dir, jobs)]
    binary = terraform or which("terraform")
    deployments = [(None, CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR)] + [
        (name, environment_template(name), environment_module(name))
        for name, _ in project.environments
    ]
    for environment, template_path, module_path in deployments:
        template, module = out_dir / template_path, out_dir / module_path
        if template.is_file():
            outcomes.append(check_cfn_lint(template, environment))
        else:
            outcomes.append(Outcome(_named("cfn-lint (CloudFormation template)", environment),
                                    FAILED, f"{template} is missing"))
        if module.is_dir():
            outcomes += check_terraform(module, binary, environment)
        else:
            outcomes.append(Outcome(_named("terraform", environment), FAILED,
                                    f"{module} is missing"))
    return outcomes


def command(project: Project, out_dir: Path, out: TextIO, err: TextIO,
            jobs: int | None = None) -> int:
    """Print what ran and what was skipped; exit 1 if any check failed, 3 if out/ is missing."""
    if not out_dir.is_dir():
        print(f"error: {out_dir} does not exist; run `python -m generator build`", file=err)
        return 3
    outcomes = verify(project, out_dir, jobs=jobs)
    for outcome in outcomes:
        print(outcome.format(), file=out)
    counts = {status: sum(o.status == status for o in outcomes)
              for status in (PASSED, FAILED, SKIPPED)}
    print(f"{out_dir}: {counts[PASSED]} passed, {counts[FAILED]} failed, "
          f"{counts[SKIPPED]} skipped", file=out)
    return 1 if counts[FAILED] else 0
