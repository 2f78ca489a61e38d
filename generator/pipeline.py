"""The stages chained: table files in, rendered files out. Also the Python API."""

from __future__ import annotations

from pathlib import Path

from generator import checks, loader, model, validate
from generator.diagnostics import Diagnostic, InputError


def _folder_problem(folder: Path, message: str, hint: str) -> InputError:
    return InputError([Diagnostic(str(folder), 1, 1, "Y000", "(folder)", message, hint)])


def load_project(schemas_dir: Path, display_root: Path | None = None) -> model.Project:
    """Load, validate and check every table file; raise InputError with all problems."""
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
    problems: list[Diagnostic] = []
    documents: list[loader.Document] = []
    for path in paths:
        try:
            document = loader.load_file(path, loader.display_name(path, display_root))
        except InputError as error:
            problems.extend(error.diagnostics)
            continue
        found = validate.validate_document(document)
        problems.extend(found)
        if not found:
            documents.append(document)
    problems.extend(checks.check_documents(documents))
    if problems:
        raise InputError(problems)
    # Output names the source by folder and file only, so it never depends on the cwd.
    tables = [
        model.build_table(d.path, f"{schemas_dir.resolve().name}/{d.path.name}", d.data)
        for d in documents
    ]
    return model.build_project(tables)


def generate(schemas_dir: Path, display_root: Path | None = None) -> dict[str, str]:
    """Every output file, by path relative to the output folder."""
    # Imported here so that `validate`, which never renders, does not load Jinja.
    from generator import render

    return render.render_project(load_project(schemas_dir, display_root))
