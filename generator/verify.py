"""`verify`: the checks a user can run on a generated output folder, with the tools at hand.

Each check reports whether it ran, passed or was skipped and why, so a green run never hides
a tool that was missing (``--strict`` fails on a skipped check). Each outcome is printed as
soon as it is known; the templates of the stacks are linted in several processes while
Terraform checks the module. Nothing here deploys anything or needs AWS credentials.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator import parallel, stacks
from generator.invocation import MODULE_COMMAND
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
                   "stale: " + ", ".join(sorted(stale)) + f"; run `{MODULE_COMMAND} build`")


def _named(check: str, environment: str | None) -> str:
    """A check's name, with the environment whose output it checks, if one."""
    return f"{check}, environment {environment}" if environment else check


def _cfn_lint_name(template: str) -> str:
    return f"cfn-lint {template}"


@functools.cache
def _linter() -> Callable[[str], list[object]]:
    """cfn-lint's findings on a template's text, with its rules loaded once per process.

    ``cfnlint.api.lint`` loads every rule again for each template, which took most of the
    time of a small template; this does what it does with one runner.
    """
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner import Runner

    runner = Runner(ConfigMixIn(regions=["us-east-1"]))

    def lint(text: str) -> list[object]:
        template, errors = decode_str(text)
        if errors:
            return list(errors)
        return [] if template is None else list(runner.validate_template(template))

    return lint


def check_cfn_lint(template: Path, name: str) -> Outcome:
    """cfn-lint on one template: any error or warning fails it."""
    try:
        lint = _linter()
    except ImportError:
        return Outcome(name, SKIPPED, "cfn-lint is not installed (pip install cfn-lint)")
    if not template.is_file():
        return Outcome(name, FAILED, f"{template} is missing")
    findings = lint(template.read_text(encoding="utf-8"))
    if findings:
        return Outcome(name, FAILED, _first_lines("\n".join(str(f) for f in findings)))
    return Outcome(name, PASSED)


def check_cfn_lint_all(out_dir: Path, templates: list[str], jobs: int | None) -> Iterator[Outcome]:
    """Every stack's template linted, in one process per processor; as each finishes."""
    try:
        _linter()  # loaded once here, shared by the forked workers
    except ImportError:
        yield from (check_cfn_lint(out_dir / t, _cfn_lint_name(t)) for t in templates)
        return
    # Each template takes cfn-lint seconds: worth a process per template from two on.
    workers = parallel.available() if jobs is None else jobs
    checks = [functools.partial(check_cfn_lint, out_dir / t, _cfn_lint_name(t))
              for t in templates]
    for _, outcome in parallel.as_finished(checks, min(workers, len(checks))):
        yield outcome


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


def run_checks(project: Project, out_dir: Path,
               terraform: str | None = None,
               which: Callable[[str], str | None] = shutil.which,
               jobs: int | None = None) -> Iterator[Outcome]:
    """Every check, each as soon as it is known: up to date, cfn-lint on each stack's
    template (by path), Terraform; then the same for each environment's output (its own
    module and templates). ``terraform`` overrides the binary found on PATH."""
    from generator.render import (
        TERRAFORM_DIR,
        cloudformation_template,
        environment_module,
        environment_template,
    )

    yield check_up_to_date(project, out_dir, jobs)
    names = [s.name for s in stacks.layout(project)]
    deployments = [(None, [cloudformation_template(n) for n in names], TERRAFORM_DIR)] + [
        (env, [environment_template(env, n) for n in names], environment_module(env))
        for env, _ in project.environments
    ]
    binary = terraform or which("terraform")
    with ThreadPoolExecutor(1) as background:
        # Terraform waits on its provider and its own process, beside the linting ones.
        terraform_checks = [
            background.submit(check_terraform, out_dir / module, binary, env)
            if (out_dir / module).is_dir() else None
            for env, _, module in deployments
        ]
        templates = [t for _, paths, _ in deployments for t in paths]
        yield from check_cfn_lint_all(out_dir, templates, jobs)
        for (env, _, module), checks in zip(deployments, terraform_checks, strict=True):
            if checks is None:
                yield Outcome(_named("terraform", env), FAILED, f"{out_dir / module} is missing")
            else:
                yield from checks.result()


def verify(project: Project, out_dir: Path,
           terraform: str | None = None,
           which: Callable[[str], str | None] = shutil.which,
           jobs: int | None = None) -> list[Outcome]:
    """Every check's outcome, cfn-lint's sorted by template."""
    return _ordered(list(run_checks(project, out_dir, terraform, which, jobs)))


def _ordered(outcomes: list[Outcome]) -> list[Outcome]:
    lint = sorted((o for o in outcomes if o.check.startswith("cfn-lint ")),
                  key=lambda o: o.check)
    first = [o for o in outcomes[:1] if not o.check.startswith("cfn-lint ")]
    rest = [o for o in outcomes[1:] if not o.check.startswith("cfn-lint ")]
    return first + lint + rest
