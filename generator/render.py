"""Stage 5: render the model into files, with the one Jinja environment there is.

Templates are named after the file they produce. Every rendered file goes through a
formatting pass for its language: HCL gets ``terraform fmt`` alignment, JSON is parsed
back (so invalid JSON can never reach ``out/``) and printed canonically.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any

import jinja2

from generator import hclfmt, parallel
from generator.filters import FILTERS, pretty_json, require_rendered
from generator.model import Project, Table
from generator.plan import MODEL_FILE, model_json

TERRAFORM_DIR = "terraform"
CLOUDFORMATION_DIR = "cloudformation"
CLOUDFORMATION_TEMPLATE = f"{CLOUDFORMATION_DIR}/template.json"


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
        # Compiling the templates took a third of a cold build of the Sentinel tables; the
        # cache (a private folder in the temp dir) is keyed by each template's source.
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
        # Templates do not change during a run: no stat of the file at every include.
        auto_reload=False,
    )
    env.filters.update(FILTERS)
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


def _json_file(template: str, **context: Any) -> str:
    # Rendered piece by piece into one buffer, and the text dropped once parsed: the
    # template of 10,000 tables is 75 MB, and Jinja's render() first lists every piece.
    buffer = io.StringIO()
    buffer.writelines(environment().get_template(template).generate(**context))
    text = buffer.getvalue()
    del buffer
    try:
        document = json.loads(text, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        raise RenderError(f"{template} rendered invalid JSON: {exc}") from exc
    del text
    return pretty_json(document, end="\n")


def _terraform_module(project: Project) -> dict[str, str]:
    """The module's files that span all tables."""
    keys = [table.key for table in project.tables]
    files = {
        f"{TERRAFORM_DIR}/versions.tf": _terraform_file("terraform/versions.tf.j2"),
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
        f"{TERRAFORM_DIR}/README.md": _finish(_render("terraform/README.md.j2", project=project)),
    }
    if project.access_roles:
        files[f"{TERRAFORM_DIR}/iam.tf"] = _terraform_file("terraform/iam.tf.j2", project=project)
    if project.autoscaling_targets:
        files[f"{TERRAFORM_DIR}/autoscaling.tf"] = _terraform_file(
            "terraform/autoscaling.tf.j2", project=project
        )
    return files


def _table_files(tables: Sequence[Table]) -> dict[str, str]:
    """One Terraform file per table."""
    template = environment().get_template("terraform/table.tf.j2")
    return {
        f"{TERRAFORM_DIR}/table_{table.key}.tf": _hcl_text(template.render(table=table))
        for table in tables
    }


def render_files(project: Project, *, jobs: int | None = None) -> Iterator[tuple[str, str]]:
    """Every generated file, as (path relative to the output folder, text), in no set order.

    Files come as soon as they are rendered, so the writer can store them while the rest
    are rendered; ``jobs`` is the number of processes, as for ``load_project``.
    """
    workers = parallel.processes(len(project.tables), jobs)
    # Longest first: workers take the next job when they finish one.
    parts: list[Callable[[], dict[str, str]]] = [
        lambda: {CLOUDFORMATION_TEMPLATE: _json_file(
            "cloudformation/template.json.j2", project=project)},
        # The model itself, so that `plan` can compare a later build with this one.
        lambda: {MODEL_FILE: model_json(project)},
        lambda: {"docs/tables.md": _finish(_render("docs/tables.md.j2", project=project))},
        functools.partial(_terraform_module, project),
        *(
            functools.partial(_table_files, piece)
            for piece in parallel.chunks(project.tables, 4 * workers)
        ),
    ]
    for _, part in parallel.as_finished(parts, workers):
        yield from part.items()


def render_project(project: Project, *, jobs: int | None = None) -> dict[str, str]:
    """Every generated file, by path relative to the output folder, sorted by path."""
    return dict(sorted(render_files(project, jobs=jobs)))
