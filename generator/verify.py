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

from generator import lint_shapes, parallel, stacks
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


def check_cfn_lint_all(out_dir: Path, templates: list[str], jobs: int | None,
                       names: Mapping[str, tuple[str, ...]] | None = None) -> Iterator[Outcome]:
    """Every stack's template linted, in one process per processor; as each finishes.

    With ``names`` (the tables' names, ``lint_shapes.identities``) each part of the
    templates is linted once per shape, and what relates the parts is checked on each whole
    template; without, every template is linted whole.
    """
    try:
        _linter()  # loaded once here, shared by the forked workers
    except ImportError:
        yield from (check_cfn_lint(out_dir / t, _cfn_lint_name(t)) for t in templates)
        return
    # Each template takes cfn-lint seconds: worth a process per template from two on.
    workers = parallel.available() if jobs is None else jobs
    if names is None:
        checks = [functools.partial(check_cfn_lint, out_dir / t, _cfn_lint_name(t))
                  for t in templates]
        for _, outcome in parallel.as_finished(checks, min(workers, len(checks))):
            yield outcome
        return
    yield from _lint_by_shape(out_dir, templates, workers, names)


@dataclass(frozen=True)
class _Linted:
    """What linting one template found, and the shapes of the parts it found it in."""

    findings: tuple[str, ...]
    failing: frozenset[str]


def _lint_planned(item: lint_shapes.Plan, text: str) -> _Linted:
    """cfn-lint's findings on what the plan lints of a template whose text is ``text``, and
    when it leaves parts out, those on what relates the parts (``template_structure``).

    Findings on a template that is not linted whole name the place by its path, since the
    lines cfn-lint counts are those of the reduced template.
    """
    linted = item.text(text)
    matches = [] if linted is None else _linter()(linted)
    failing: set[str] = set()
    findings = []
    for match in matches:
        path = getattr(match, "path", None) or ()
        failing |= item.shapes_at(list(path))
        findings.append(str(match) if item.whole else
                        f"[{getattr(match, 'rule', '')}] ({getattr(match, 'message', match)}) "
                        f"at {'/'.join(str(p) for p in path)}")
    if item.problems:
        failing |= {part.shape for part in item.kept}
    return _Linted((*findings, *item.problems), frozenset(failing))


def _lint_by_shape(out_dir: Path, templates: list[str], workers: int,
                   names: Mapping[str, tuple[str, ...]]) -> Iterator[Outcome]:
    texts: dict[str, str] = {}
    for path in templates:
        if (out_dir / path).is_file():
            texts[path] = (out_dir / path).read_text(encoding="utf-8")
        else:
            yield Outcome(_cfn_lint_name(path), FAILED, f"{out_dir / path} is missing")
    surveys = [functools.partial(lint_shapes.survey, path, text, names)
               for path, text in texts.items()]
    plans = lint_shapes.plan(parallel.run(surveys, min(workers, len(surveys))))
    checks = [functools.partial(_lint_planned, item, texts[item.template]) for item in plans]
    found: dict[str, _Linted] = {}
    waiting = list(plans)
    for index, linted in parallel.as_finished(checks, min(workers, len(checks))):
        found[plans[index].template] = linted
        ready = [item for item in waiting
                 if all(h in found for h in {item.template, *item.hosts})]
        for item in ready:
            waiting.remove(item)
            yield _shape_outcome(item, found)


def _shape_outcome(item: lint_shapes.Plan, found: Mapping[str, _Linted]) -> Outcome:
    name = _cfn_lint_name(item.template)
    own = list(found[item.template].findings)
    failing = sorted({host for shape, host in item.alike
                      if host != item.template and shape in found[host].failing})
    if own or failing:
        lines = own + [f"parts alike to those of {h} fail cfn-lint there" for h in failing]
        return Outcome(name, FAILED, _first_lines("\n".join(lines)))
    if item.whole:
        return Outcome(name, PASSED)
    where = ", ".join(sorted(item.hosts - {item.template}) or ["this template"])
    return Outcome(name, PASSED,
                   f"{item.tables - item.left_out} of {item.tables} tables linted, the others "
                   f"alike to tables linted in {where} (`verify --full-lint` lints each); "
                   "DependsOn, unused parameters and conditions, unique names and the quotas "
                   "checked on the whole template")


def _run(args: list[str], cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=dict(env), capture_output=True, text=True,
                          timeout=TERRAFORM_TIMEOUT, check=False)


def check_terraform(
    module: Path, terraform: str | None, environment: str | None = None
) -> list[Outcome]:
    """`terraform fmt -check`, and beside it `init` and `validate` of a root module that
    calls it."""
    fmt_name = _named("terraform fmt -check", environment)
    validate_name = _named("terraform validate", environment)
    if terraform is None:
        reason = "terraform is not on PATH"
        return [Outcome(fmt_name, SKIPPED, reason), Outcome(validate_name, SKIPPED, reason)]
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
    with ThreadPoolExecutor(1) as beside:
        # fmt reads every file, validate waits on the provider: each on its own processor.
        fmt = beside.submit(_run, [terraform, "fmt", "-check", "-diff", "-no-color",
                                   str(module.resolve())], module.resolve(), env)
        validated = _validate(module, terraform, env, validate_name)
        formatted = fmt.result()
    return [Outcome(fmt_name, PASSED) if formatted.returncode == 0
            else Outcome(fmt_name, FAILED, _first_lines(formatted.stdout + formatted.stderr)),
            validated]


def _validate(module: Path, terraform: str, env: Mapping[str, str], name: str) -> Outcome:
    """`init` and `validate` of a root module that calls ``module``."""
    with tempfile.TemporaryDirectory(prefix="generator-verify-") as root_dir:
        root = Path(root_dir)
        (root / "main.tf").write_text(
            f'module "tables" {{\n  source = {json.dumps(module.resolve().as_posix())}\n}}\n',
            encoding="utf-8")
        init = _run([terraform, "init", "-backend=false", "-input=false", "-no-color"],
                    root, env)
        if init.returncode != 0:
            return Outcome(name, SKIPPED,
                           "terraform init could not install the AWS provider "
                           "(offline? see TF_CLI_CONFIG_FILE for a mirror):\n    "
                           + _first_lines(init.stderr, 5))
        validate = _run([terraform, "validate", "-no-color"], root, env)
    return (Outcome(name, PASSED) if validate.returncode == 0
            else Outcome(name, FAILED, _first_lines(validate.stdout + validate.stderr)))


def run_checks(project: Project, out_dir: Path,
               terraform: str | None = None,
               which: Callable[[str], str | None] = shutil.which,
               jobs: int | None = None, *, full_lint: bool = False) -> Iterator[Outcome]:
    """Every check, each as soon as it is known: up to date, cfn-lint on each stack's
    template (by path), Terraform; then the same for each environment's output (its own
    module and templates). ``terraform`` overrides the binary found on PATH."""
    from generator.render import (
        TERRAFORM_DIR,
        cloudformation_template,
        environment_module,
        environment_template,
    )

    stack_names = [s.name for s in stacks.layout(project)]
    deployments = [(None, [cloudformation_template(n) for n in stack_names], TERRAFORM_DIR)] + [
        (env, [environment_template(env, n) for n in stack_names], environment_module(env))
        for env, _ in project.environments
    ]
    binary = terraform or which("terraform")
    with ThreadPoolExecutor(1) as background:
        # Terraform takes longest, waiting on its provider and its own processes: it starts
        # first, and the rest runs beside it.
        terraform_checks = [
            background.submit(check_terraform, out_dir / module, binary, env)
            if (out_dir / module).is_dir() else None
            for env, _, module in deployments
        ]
        yield check_up_to_date(project, out_dir, jobs)
        templates = [t for _, paths, _ in deployments for t in paths]
        names = None if full_lint else lint_shapes.identities(project.tables)
        yield from check_cfn_lint_all(out_dir, templates, jobs, names)
        for (env, _, module), checks in zip(deployments, terraform_checks, strict=True):
            if checks is None:
                yield Outcome(_named("terraform", env), FAILED, f"{out_dir / module} is missing")
            else:
                yield from checks.result()


def verify(project: Project, out_dir: Path,
           terraform: str | None = None,
           which: Callable[[str], str | None] = shutil.which,
           jobs: int | None = None, *, full_lint: bool = False) -> list[Outcome]:
    """Every check's outcome, cfn-lint's sorted by template."""
    return _ordered(list(run_checks(project, out_dir, terraform, which, jobs,
                                    full_lint=full_lint)))


def _ordered(outcomes: list[Outcome]) -> list[Outcome]:
    lint = sorted((o for o in outcomes if o.check.startswith("cfn-lint ")),
                  key=lambda o: o.check)
    first = [o for o in outcomes[:1] if not o.check.startswith("cfn-lint ")]
    rest = [o for o in outcomes[1:] if not o.check.startswith("cfn-lint ")]
    return first + lint + rest
