"""The stages chained: table files in, rendered files out. Also the Python API."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from generator import checks, loader, model, parallel, validate
from generator.diagnostics import Diagnostic, InputError


def _folder_problem(folder: Path, message: str, hint: str) -> InputError:
    return InputError([Diagnostic(str(folder), 1, 1, "Y000", "(folder)", message, hint)])


def _load_and_validate(
    paths: Sequence[Path], display_root: Path | None
) -> list[tuple[loader.Document | None, list[Diagnostic]]]:
    """Each file's document (None if it has problems) and its problems, as values."""
    results: list[tuple[loader.Document | None, list[Diagnostic]]] = []
    for path in paths:
        try:
            document = loader.load_file(path, loader.display_name(path, display_root))
        except InputError as error:
            results.append((None, list(error.diagnostics)))
            continue
        found = validate.validate_document(document)
        results.append((None if found else document, found))
    return results


def load_project(
    schemas_dir: Path, display_root: Path | None = None, *, jobs: int | None = None
) -> model.Project:
    """Load, validate and check every table file; raise InputError with all problems.

    ``jobs`` is the number of processes (``--jobs``); by default, every processor for a
    large folder and one for a small one.
    """
    if not schemas_dir.is_dir():
        raise _folder_problem(
            schemas_dir, "the schemas folder does not exist",
            "create it with one YAML file per table, or pass --schemas DIR",
        )
    paths = loader.find_table_files(schemas_dir)
    if not paths:
        raise _folder_problem(
            schemas_dir, "the folder holds no *.yaml table files",
            "add one YAML file per table, or pass --schemas DIR",
        )
    workers = parallel.processes(len(paths), jobs)
    # Several slices per worker, so that one slow slice does not leave the others idle.
    slices = parallel.chunks(paths, 4 * workers)
    loaded = parallel.run(
        [functools.partial(_load_and_validate, piece, display_root) for piece in slices],
        workers,
    )
    problems: list[Diagnostic] = []
    documents: list[loader.Document] = []
    for results in loaded:
        for document, found in results:
            problems.extend(found)
            if document is not None:
                documents.append(document)
    problems.extend(checks.check_documents(documents))
    if problems:
        raise InputError(problems)
    # Output names the source by folder and file only, so it never depends on the cwd.
    folder = schemas_dir.resolve().name
    tables = [model.build_table(d.path, f"{folder}/{d.path.name}", d.data) for d in documents]
    return model.build_project(tables)


def generate(
    schemas_dir: Path, display_root: Path | None = None, *, jobs: int | None = None
) -> dict[str, str]:
    """Every output file, by path relative to the output folder."""
    # Imported here so that `validate`, which never renders, does not load Jinja.
    from generator import render

    project = load_project(schemas_dir, display_root, jobs=jobs)
    return render.render_project(project, jobs=jobs)
