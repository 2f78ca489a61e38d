"""The stages chained: table files in, rendered files out. Also the Python API."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from generator import (
    alarm_checks,
    alarms,
    checks,
    defaults,
    environments,
    features,
    load_rules,
    loader,
    model,
    parallel,
    target_checks,
    validate,
)
from generator.diagnostics import Diagnostic, InputError, Mark
from generator.settings import Settings, load_settings


def _folder_problem(folder: Path, message: str, hint: str) -> InputError:
    return InputError([load_rules.UNREADABLE.at(str(folder), Mark(0, 0), "(folder)", message,
                                                 hint)])


class _FileResult(NamedTuple):
    """One file through the stages that need no other file, as values."""

    problems: list[Diagnostic]
    warnings: list[Diagnostic]
    # For the rules across files: the project view of a schema-valid document, else None.
    view: loader.Document | None
    # The model of a file without problems, else None.
    table: model.Table | None
    # Its model in each environment of the settings, in their order.
    environment_tables: tuple[model.Table, ...] = ()


def _one_file(
    path: Path, display_root: Path | None, folder: str, settings: Settings
) -> _FileResult:
    try:
        document = loader.load_file(path, loader.display_name(path, display_root))
    except InputError as error:
        return _FileResult(list(error.diagnostics), [], None, None)
    problems = validate.validate_document(document)
    if problems:
        return _FileResult(problems, [], None, None)
    # From here on every stage reads the data with the schema's defaults filled in.
    document = defaults.fill(document)
    found = checks.check_table(document)
    problems = [d for d in found if not d.is_warning]
    # Output names the source by folder and file only, so it never depends on the cwd.
    table = None if problems else model.build_table(
        document.path, f"{folder}/{document.path.name}", document.data, document.display,
        defaulted=document.defaulted,
    )
    problems += alarm_checks.check_table_alarms(document, settings, table)
    problems += target_checks.check_table_target(document, features.provider_target(settings))
    warnings = [d for d in found if d.is_warning]
    view = checks.project_view(document)
    if problems or table is None:
        return _FileResult(problems, warnings, view, None)
    deployed = []
    for environment in settings.environments:
        in_environment = _in_environment(document, environment)
        if isinstance(in_environment, list):
            problems += in_environment
            continue
        deployed.append(_with_alarms(
            model.build_table(document.path, table.source, in_environment.data,
                              defaulted=in_environment.defaulted),
            in_environment.data, settings,
        ))
    if problems:
        return _FileResult(problems, warnings, view, None)
    return _FileResult([], warnings, view, _with_alarms(table, document.data, settings),
                       tuple(deployed))


def _in_environment(
    document: loader.Document, environment: environments.Environment
) -> loader.Document | list[Diagnostic]:
    """A sound table file as ``environment`` deploys it, valid against the schema and the
    table rules again, else the E502 problems its overrides make."""
    deployed = environments.deployed(document, environment)
    found = validate.validate_document(deployed)
    if not found:
        deployed = defaults.fill(deployed)
        found = [d for d in checks.check_table(deployed) if not d.is_warning]
    return [environment.problem(d) for d in found] if found else deployed


def _with_alarms(table: model.Table, data: dict[str, Any], settings: Settings) -> model.Table:
    return dataclasses.replace(
        table, alarms=alarms.table_alarms(table, data.get("alarms"), settings)
    )


def _files(
    paths: Sequence[Path], display_root: Path | None, folder: str, settings: Settings
) -> list[_FileResult]:
    return [_one_file(path, display_root, folder, settings) for path in paths]


def load_project(
    schemas_dir: Path, display_root: Path | None = None, *, jobs: int | None = None,
    settings_file: Path | None = None,
) -> model.Project:
    """Load, validate and check the settings file and every table file; raise InputError
    with all problems.

    Warnings stop nothing: the project carries them (``Project.warnings``).

    ``jobs`` is the number of processes (``--jobs``); by default, every processor for a
    large folder and one for a small one. ``settings_file`` is ``--settings``; by default
    the settings file beside the schemas folder, if there is one.
    """
    if not schemas_dir.is_dir():
        raise _folder_problem(
            schemas_dir, "the schemas folder does not exist",
            "create it with one YAML file per table, or pass --schemas DIR",
        )
    paths = loader.find_table_files(schemas_dir)
    if not paths:
        patterns = " or ".join(f"*{suffix}" for suffix in loader.TABLE_FILE_SUFFIXES)
        nested = loader.nested_table_file(schemas_dir)
        if nested is None:
            raise _folder_problem(
                schemas_dir, f"the folder holds no {patterns} table files",
                "add one YAML file per table, or pass --schemas DIR",
            )
        raise _folder_problem(
            schemas_dir, f"the folder holds no {patterns} table files; subfolders are not "
            f"read, and {nested.relative_to(schemas_dir).as_posix()} is in one",
            f"move the table files into the folder, or pass --schemas {nested.parent}",
        )
    problems: list[Diagnostic] = []
    try:
        settings = load_settings(settings_file, schemas_dir, display_root)
    except InputError as error:
        problems.extend(error.diagnostics)
        settings = Settings(None)
    workers = parallel.processes(len(paths), jobs)
    # Several slices per worker, so that one slow slice does not leave the others idle.
    slices = parallel.chunks(paths, 4 * workers)
    folder = schemas_dir.resolve().name
    loaded = parallel.run(
        [functools.partial(_files, piece, display_root, folder, settings) for piece in slices],
        workers,
    )
    warnings: list[Diagnostic] = []
    views: list[loader.Document] = []
    tables: list[model.Table] = []
    deployed: list[list[model.Table]] = [[] for _ in settings.environments]
    for results in loaded:
        for result in results:
            problems.extend(result.problems)
            warnings.extend(result.warnings)
            if result.view is not None:
                views.append(result.view)
            if result.table is not None:
                tables.append(result.table)
            for position, table in enumerate(result.environment_tables):
                deployed[position].append(table)
    problems.extend(checks.check_project(views))
    if problems:
        raise InputError(problems)
    account = alarms.account_alarms(settings)
    target = features.provider_target(settings)
    project = model.build_project(tables, sorted(warnings), account, target)
    if not settings.environments:
        return project
    return dataclasses.replace(project, environments=tuple(
        (environment.name, dataclasses.replace(
            model.build_project(in_environment, (), account, target),
            environment=environment.name,
        ))
        for environment, in_environment in zip(settings.environments, deployed, strict=True)
    ))


def generate(
    schemas_dir: Path, display_root: Path | None = None, *, jobs: int | None = None,
    settings_file: Path | None = None,
) -> dict[str, str]:
    """Every output file, by path relative to the output folder."""
    # Imported here so that `validate`, which never renders, does not load Jinja.
    from generator import render

    project = load_project(schemas_dir, display_root, jobs=jobs, settings_file=settings_file)
    return render.render_project(project, jobs=jobs)
