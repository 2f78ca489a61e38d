"""`verify`: the checks a user can run on a generated output folder, with the tools at hand.

Each check reports whether it ran, passed or was skipped and why (``outcomes``), so a green
run never hides a tool that was missing (``--strict`` fails on a skipped check). Each
outcome is printed as soon as it is known: the folder is up to date, the templates of the
stacks are linted in several processes, each shape of table once (``lint_shapes``), while
Terraform checks the module (``terraform_checks``). Nothing here deploys anything or needs
AWS credentials.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import lint_shapes, parallel, stacks, template_structure
from generator.invocation import MODULE_COMMAND
from generator.model import Project
from generator.outcomes import FAILED, PASSED, SKIPPED, Outcome, first_lines, named
from generator.terraform_checks import StartedTerraform, check_terraform

UP_TO_DATE = "up to date with the table files"
BY_DIGEST = ("as the last build wrote it, from the same table files, settings and generator "
             "(by digest)")


def check_up_to_date(project: Project, out_dir: Path, jobs: int | None = None,
                     inputs: str | None = None) -> Outcome:
    """The folder is what the table files render to: nobody edited it by hand.

    With ``inputs`` (``freshness.inputs_digest``), a folder found up to date is recorded as
    written from them, so that the next `verify` need not render it again.
    """
    from generator import freshness, render, writer

    digests: dict[str, str] = {}
    changes, _ = writer.compare(
        out_dir, freshness.digesting(render.render_files(project, jobs=jobs), digests),
        with_diffs=False)
    if not changes.any:
        if inputs is not None:
            freshness.record(out_dir, inputs, digests, targets(project).to_json())
        return Outcome(UP_TO_DATE, PASSED)
    stale = [*changes.added, *changes.changed, *changes.removed]
    return Outcome(UP_TO_DATE, FAILED,
                   "stale: " + ", ".join(sorted(stale)) + f"; run `{MODULE_COMMAND} build`")


def recorded_targets(out_dir: Path, inputs: str | None) -> Targets | None:
    """What the last build recorded to check of ``out_dir``, when the folder is as that
    build wrote it from ``inputs``; else None, and only a full comparison can tell."""
    from generator import freshness

    return Targets.from_json(freshness.recorded(out_dir, inputs)) if inputs else None


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

    runner = Runner(ConfigMixIn(regions=[template_structure.SCHEMA_REGION]))

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
        return Outcome(name, FAILED, first_lines("\n".join(str(f) for f in findings)))
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
            yield check_cfn_lint(out_dir / path, _cfn_lint_name(path))  # says it is missing
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
        return Outcome(name, FAILED, first_lines("\n".join(lines)))
    if item.whole:
        return Outcome(name, PASSED)
    where = ", ".join(sorted(item.hosts - {item.template}) or ["this template"])
    return Outcome(name, PASSED,
                   f"{item.tables - item.left_out} of {item.tables} tables linted, the others "
                   f"alike to tables linted in {where} (`verify --full-lint` lints each); "
                   "DependsOn, unused parameters and conditions, unique names and the quotas "
                   "checked on the whole template")


Deployment = tuple[str | None, tuple[str, ...], str]  # environment, templates, module


@dataclass(frozen=True)
class Targets:
    """What `verify` checks of a project's output folder: each deployment (the project's,
    then each environment's) with its templates and module, relative to the folder; the
    tables' names (``lint_shapes.identities``); the warnings the table files have, as
    printed.

    A build records them beside what it wrote (``freshness``), so that `verify` of a folder
    that is as the build wrote it need not load the table files again.
    """

    deployments: tuple[Deployment, ...]
    names: Mapping[str, tuple[str, ...]]
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"deployments": [[env, list(templates), module]
                                for env, templates, module in self.deployments],
                "names": {k: list(v) for k, v in self.names.items()},
                "warnings": list(self.warnings)}

    @classmethod
    def from_json(cls, data: object) -> Targets | None:
        """The targets a record holds; None when it holds none, or not in this form."""
        try:
            assert isinstance(data, dict)
            deployments = tuple((env, tuple(str(t) for t in templates), str(module))
                                for env, templates, module in data["deployments"])
            assert all(env is None or isinstance(env, str) for env, _, _ in deployments)
            names = {str(k): tuple(str(n) for n in v) for k, v in data["names"].items()}
            assert isinstance(data["warnings"], list)
            return cls(deployments, names, tuple(str(w) for w in data["warnings"]))
        except (AssertionError, KeyError, TypeError, ValueError, AttributeError):
            return None


def targets(project: Project) -> Targets:
    from generator.render import (
        TERRAFORM_DIR,
        cloudformation_template,
        environment_module,
        environment_template,
    )

    stack_names = [s.name for s in stacks.layout(project)]
    deployments: list[Deployment] = [
        (None, tuple(cloudformation_template(n) for n in stack_names), TERRAFORM_DIR)]
    deployments += [(env, tuple(environment_template(env, n) for n in stack_names),
                     environment_module(env)) for env, _ in project.environments]
    return Targets(tuple(deployments), lint_shapes.identities(project.tables),
                   tuple(w.format() for w in project.warnings))


def run_checks(project: Project | None, out_dir: Path,
               terraform: str | None = None,
               which: Callable[[str], str | None] = shutil.which,
               jobs: int | None = None, *, full_lint: bool = False,
               inputs: str | None = None,
               started: StartedTerraform | None = None,
               recorded: Targets | None = None) -> Iterator[Outcome]:
    """Every check, each as soon as it is known: up to date, cfn-lint on each stack's
    template (by path), Terraform; then the same for each environment's output (its own
    module and templates). ``terraform`` overrides the binary found on PATH; ``inputs``
    is what ``check_up_to_date`` takes; ``started``, the Terraform checks already running
    (``start_terraform``). ``recorded`` (``recorded_targets``) says the folder is as the
    last build wrote it from the same inputs: it is up to date without a comparison, and
    what to check comes from the record when there is no project."""
    checked = targets(project) if project is not None else recorded
    if checked is None:
        raise ValueError("run_checks needs the project, or the targets a build recorded")
    deployments = checked.deployments
    binary = started.binary if started else terraform or which("terraform")
    running = started.checks if started else {}
    with ThreadPoolExecutor(1) as background:
        # Terraform takes longest, waiting on its provider and its own processes: it starts
        # first, and the rest runs beside it.
        terraform_checks = [
            running[module] if module in running
            else background.submit(check_terraform, out_dir / module, binary, env)
            if (out_dir / module).is_dir() else None
            for env, _, module in deployments
        ]
        if recorded is not None or project is None:
            yield Outcome(UP_TO_DATE, PASSED, BY_DIGEST)
        else:
            yield check_up_to_date(project, out_dir, jobs, inputs)
        templates = [t for _, paths, _ in deployments for t in paths]
        yield from check_cfn_lint_all(out_dir, templates, jobs,
                                      None if full_lint else checked.names)
        for (env, _, module), checks in zip(deployments, terraform_checks, strict=True):
            if checks is None:
                yield Outcome(named("terraform", env), FAILED, f"{out_dir / module} is missing")
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
