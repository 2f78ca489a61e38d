"""Stage 5: render the model into files, with the one Jinja environment there is.

Templates are named after the file they produce. Every rendered file goes through a
formatting pass for its language: HCL gets ``terraform fmt`` alignment, JSON is parsed
back (so invalid JSON can never reach ``out/``) and printed canonically.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jinja2

from generator import alarms, cloudformation_limits, hclfmt, parallel, stacks
from generator.diagnostics import Diagnostic, InputError
from generator.features import ProviderTarget
from generator.filters import FILTERS, GLOBALS, concatenate, require_rendered
from generator.json_printer import pretty_json
from generator.model import Project, Table
from generator.model_file import MODEL_FILE, model_json
from generator.naming import DEFAULT_STACK, MODULE_NAME

TERRAFORM_DIR = "terraform"
CLOUDFORMATION_DIR = "cloudformation"
# The output folder the README examples name, as the CLI's --out default.
OUT_DIR = "out"


def cloudformation_template(stack: str) -> str:
    """The path of a stack's template in the output folder."""
    return f"{CLOUDFORMATION_DIR}/{stack}.json"


CLOUDFORMATION_TEMPLATE = cloudformation_template(DEFAULT_STACK)


class RenderError(Exception):
    """A template produced output that does not parse: a bug in a template, never in input."""


@cache
def environment() -> jinja2.Environment:
    """The Jinja environment used for every file, and by the tests."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("generator", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=require_rendered,
        # Compiling the templates is much of a cold build of few tables; the cache (a
        # private folder in the temp dir) is keyed by each template's source.
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
        # Templates do not change during a run: no stat of the file at every import.
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    # What a macro prints is Rendered, as the values in it are (filters.concatenate).
    env.concat = concatenate  # type: ignore[method-assign]
    return env


def _render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def _terraform_file(template: str, **context: Any) -> str:
    return _hcl_text(_render(template, **context))


def _hcl_text(rendered: str) -> str:
    """Rendered HCL as written: ``terraform fmt`` alignment, then the common finish."""
    return _finish(hclfmt.align(rendered))


def _finish(text: str) -> str:
    """One final newline, no trailing spaces, LF only."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise RenderError(f"duplicate JSON key {key!r}")
        result[key] = value
    return result


def parsed_json(template: str, text: str) -> Any:
    """Rendered JSON parsed back: a template bug must not reach ``out/`` as invalid JSON."""
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        raise RenderError(f"{template} rendered invalid JSON: {exc}") from exc


# Each stack's template is rendered whole from the one layout (CloudFormation's quotas
# keep a valid stack small), in the rendering jobs, and parsed there once: for the
# duplicate-key check, for the canonical printing and for the quotas, so only its text and
# findings travel back.
CLOUDFORMATION_LAYOUT = "cloudformation/template.json.j2"


@dataclass(frozen=True)
class _StackTemplate:
    """A stack's template as written, and what the checks across stacks need of it."""

    stack: str
    text: str
    findings: tuple[cloudformation_limits.Finding, ...]
    outputs: tuple[str, ...]


def _stack_template(stack: stacks.Stack) -> _StackTemplate:
    rendered = environment().get_template(CLOUDFORMATION_LAYOUT).render(stack=stack)
    template = parsed_json(CLOUDFORMATION_LAYOUT, rendered)
    text = pretty_json(template, end="\n")
    findings = cloudformation_limits.check_parsed(
        template, len(text.encode("utf-8")), len(stack.tables))
    return _StackTemplate(stack.name, text, tuple(findings), tuple(template.get("Outputs", {})))


def cloudformation_text(stack: stacks.Stack) -> str:
    """The text of a stack's template, as the build writes it."""
    return _stack_template(stack).text


def _terraform_module(project: Project) -> dict[str, str]:
    """The module's files that span all tables."""
    keys = [table.key for table in project.tables]
    files = {
        f"{TERRAFORM_DIR}/versions.tf": _terraform_file(
            "terraform/versions.tf.j2", provider_constraint=project.provider_constraint
        ),
        f"{TERRAFORM_DIR}/variables.tf": _terraform_file(
            "terraform/variables.tf.j2",
            project=project,
            table_keys=keys,
            unknown_table_key_message=(
                "The keys of table_names must be table keys: " + ", ".join(keys) + "."
            ),
        ),
        f"{TERRAFORM_DIR}/main.tf": _terraform_file("terraform/main.tf.j2", project=project),
        f"{TERRAFORM_DIR}/outputs.tf": _terraform_file("terraform/outputs.tf.j2", project=project),
        f"{TERRAFORM_DIR}/README.md": _finish(_render(
            "terraform/README.md.j2", project=project, module_name=MODULE_NAME,
            module_source="/".join(
                part for part in (".", OUT_DIR, TERRAFORM_DIR, project.environment) if part
            ),
        )),
    }
    files[f"{TERRAFORM_DIR}/alarms.tf"] = _terraform_file(
        "terraform/alarms.tf.j2", project=project, namespace=alarms.NAMESPACE,
        comparison=alarms.COMPARISON,
    )
    if project.access_roles:
        files[f"{TERRAFORM_DIR}/iam.tf"] = _terraform_file("terraform/iam.tf.j2", project=project)
    if project.moves:
        files[f"{TERRAFORM_DIR}/moved.tf"] = _terraform_file(
            "terraform/moved.tf.j2", project=project
        )
    if project.autoscaling_targets:
        files[f"{TERRAFORM_DIR}/autoscaling.tf"] = _terraform_file(
            "terraform/autoscaling.tf.j2", project=project
        )
    return files


def _table_files(tables: Sequence[Table], provider: ProviderTarget) -> dict[str, str]:
    """One Terraform file per table, in the syntax of the provider target."""
    template = environment().get_template("terraform/table.tf.j2")
    return {
        f"{TERRAFORM_DIR}/table_{table.key}.tf": _hcl_text(
            template.render(table=table, provider=provider)
        )
        for table in tables
    }


@dataclass(frozen=True)
class _Part:
    """What one rendering job gives: whole files, and stacks' templates with their findings."""

    files: dict[str, str] = field(default_factory=dict)
    templates: tuple[_StackTemplate, ...] = ()


def _tables_part(tables: Sequence[Table], provider: ProviderTarget) -> _Part:
    return _Part(_table_files(tables, provider))


def _stacks_part(layout: Sequence[stacks.Stack]) -> _Part:
    return _Part(templates=tuple(_stack_template(stack) for stack in layout))


def _quota_diagnostic(stack: stacks.Stack, finding: cloudformation_limits.Finding) -> Diagnostic:
    """A finding on a stack's template, at the file of the table it is about, else at the
    ``stack`` key of the stack's first table file."""
    owners = [t for t in stack.tables if finding.name and finding.name.startswith(t.logical_id)]
    table = max(owners, key=lambda t: len(t.logical_id)) if owners else stack.tables[0]
    message = f"the template of stack {stack.name} ({cloudformation_template(stack.name)}) " + (
        finding.message)
    if table.file is None:
        return Diagnostic(table.display, 1, 1, finding.code, "stack", message, finding.hint)
    from generator import loader

    document = loader.load_file(table.file, table.display)
    path = ("stack",) if "stack" in document.data else ()
    return document.diagnostic(finding.code, path, message, finding.hint, key=True)


def _others(note: Diagnostic, others: int) -> Diagnostic:
    """A note on one stack that says how many other stacks it applies to."""
    if not others:
        return note
    plural = "s" if others > 1 else ""
    return dataclasses.replace(note, message=f"{note.message} (so do {others} other stack{plural})")


def render_files(
    project: Project, *, jobs: int | None = None, notes: list[Diagnostic] | None = None
) -> Iterator[tuple[str, str]]:
    """Every generated file, as (path relative to the output folder, text), in no set order.

    Files come as soon as they are rendered, so the writer can store them while the rest
    are rendered; ``jobs`` is the number of processes, as for ``load_project``. A stack
    over a CloudFormation quota raises InputError after the last file (so the writer
    commits nothing); ``notes`` receives the notes (N3xx) on the templates.
    """
    layout = stacks.layout(project)
    workers = parallel.processes(len(project.tables), jobs)
    # Longest first: workers take the next job when they finish one.
    parts: list[Callable[[], _Part]] = [
        lambda: _Part(_terraform_module(project)),
        lambda: _Part({"docs/tables.md": _finish(_render("docs/tables.md.j2", project=project))}),
        # The model itself, so that `plan` can compare a later build with this one.
        lambda: _Part({MODEL_FILE: model_json(project)}),
        *(functools.partial(_stacks_part, piece) for piece in parallel.chunks(layout, 4 * workers)),
        *(
            functools.partial(_tables_part, piece, project.provider)
            for piece in parallel.chunks(project.tables, 4 * workers)
        ),
    ]
    checked: dict[str, _StackTemplate] = {}
    for _, part in parallel.as_finished(parts, workers):
        yield from part.files.items()
        for template in part.templates:
            yield cloudformation_template(template.stack), template.text
            checked[template.stack] = dataclasses.replace(template, text="")
    problems: list[Diagnostic] = []
    noted: dict[str, list[str]] = {}  # stacks by note: the first says how many more
    outputs: dict[str, str] = {}  # stack by output name
    for stack in layout:
        findings = list(checked[stack.name].findings)
        for output in checked[stack.name].outputs:
            if outputs.setdefault(output, stack.name) != stack.name:
                findings.append(cloudformation_limits.duplicate_output(output, outputs[output]))
        # A diagnostic points at a table file: a stack without tables (the default one with
        # the account's alarms alone) has none, and its few alarms meet no quota.
        for finding in findings if stack.tables else ():
            if cloudformation_limits.is_note(finding):
                noted.setdefault(finding.code, []).append(stack.name)
                if notes is not None and len(noted[finding.code]) == 1:
                    notes.append(_quota_diagnostic(stack, finding))
            else:
                problems.append(_quota_diagnostic(stack, finding))
    if notes is not None:
        notes[:] = [_others(note, len(noted[note.code]) - 1) for note in notes]
    if problems:
        raise InputError(problems)
    for name, deployed in project.environments:
        yield from _environment_files(name, dataclasses.replace(deployed, moves=project.moves),
                                      jobs)


def _environment_files(
    name: str, project: Project, jobs: int | None
) -> Iterator[tuple[str, str]]:
    """One environment's Terraform module and CloudFormation templates, in folders of their
    own (lifecycle arguments cannot be variables); the docs and the model are the project's."""
    for path, text in render_files(project, jobs=jobs):
        if path.startswith(f"{TERRAFORM_DIR}/"):
            yield f"{environment_module(name)}/{path.removeprefix(f'{TERRAFORM_DIR}/')}", text
        elif path.startswith(f"{CLOUDFORMATION_DIR}/"):
            stack = path.removeprefix(f"{CLOUDFORMATION_DIR}/").removesuffix(".json")
            yield environment_template(name, stack), text


def environment_module(name: str) -> str:
    """The folder of an environment's Terraform module, relative to the output folder."""
    return f"{TERRAFORM_DIR}/{name}"


def environment_template(name: str, stack: str = DEFAULT_STACK) -> str:
    """An environment's template of a stack, relative to the output folder."""
    return f"{CLOUDFORMATION_DIR}/{name}/{stack}.json"


def render_project(project: Project, *, jobs: int | None = None) -> dict[str, str]:
    """Every generated file, by path relative to the output folder, sorted by path."""
    return dict(sorted(render_files(project, jobs=jobs)))
