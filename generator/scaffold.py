"""`init` and `schema`: a new project in an empty folder, and the JSON Schemas for editors.

``init`` writes the files a project starts from and never replaces one: if any of them exists,
it writes nothing. Among them are copies of the JSON Schemas in the schemas folder, which the
example table's modeline points at, so that an editor checks table files outside this
repository; ``build`` refreshes the copies that exist, so that the editor checks against the
schema of the tool that builds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TextIO

from generator import hclfmt, settings, validate
from generator.invocation import COMMAND, Exit
from generator.naming import MODULE_NAME

SCHEMAS_DIR = "schemas"
EXAMPLE_TABLE = f"{SCHEMAS_DIR}/example.yaml"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
ROOT_MODULE = "main.tf"
# The schemas `schema` prints, by the name it takes; their copies keep the shipped file names.
SCHEMAS = {"table": validate.SCHEMA_FILE, "settings": settings.SCHEMA_FILE}
EXAMPLE_REGION = "eu-west-1"


def schema_text(kind: str) -> str:
    """A JSON Schema as shipped in the package: ``table`` or ``settings``."""
    return resources.files("generator").joinpath(SCHEMAS[kind]).read_text(encoding="utf-8")


def project_files() -> dict[str, str]:
    """What ``init`` writes, by path relative to the project folder. The files name the
    console script, which works wherever the tool is installed (``python -m generator`` would
    run a project's own package named ``generator``)."""
    from generator.render import OUT_DIR, TERRAFORM_DIR, environment

    def render(template: str, **context: str) -> str:
        return environment().get_template(f"init/{template}").render(command=COMMAND, **context)

    settings_pattern = settings.SETTINGS_FILE.replace(".", r"\.")
    tables_pattern = rf"{SCHEMAS_DIR}/.*\.ya?ml"
    files = {
        EXAMPLE_TABLE: render("example.yaml.j2", table_schema=validate.SCHEMA_FILE),
        PRE_COMMIT_CONFIG: render(
            "pre-commit-config.yaml.j2",
            validate_entry=f"{COMMAND} validate",
            check_entry=f"{COMMAND} build --check",
            validate_files=f"^({tables_pattern}|{settings_pattern})$",
            check_files=f"^({tables_pattern}|{settings_pattern}|{OUT_DIR}/.*)$",
        ),
        ROOT_MODULE: hclfmt.align(render(
            "main.tf.j2", module_name=MODULE_NAME, region=EXAMPLE_REGION,
            module_source=f"./{OUT_DIR}/{TERRAFORM_DIR}",
        )),
    }
    for kind, name in SCHEMAS.items():
        files[f"{SCHEMAS_DIR}/{name}"] = schema_text(kind)
    return files


def init(directory: Path, command: str, out: TextIO, err: TextIO) -> Exit:
    """The `init` command: write ``project_files`` into ``directory``, or nothing;
    ``command`` is how the user called the tool, for the hints."""
    from generator.render import OUT_DIR

    files = project_files()
    existing = [rel for rel in files if os.path.lexists(directory / rel)]
    if existing:
        print(f"error: {directory} already has {', '.join(existing)}; init writes only into a "
              "folder without these files and never replaces one; nothing was written",
              file=err)
        return Exit.INVALID
    written: list[Path] = []
    try:
        for rel, text in files.items():
            path = directory / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                written.append(path)
                handle.write(text)
    except OSError as error:
        for path in written:
            path.unlink(missing_ok=True)
        print(f"error: cannot write {error.filename}: {error.strerror}; nothing was kept",
              file=err)
        return Exit.UNAVAILABLE
    for rel in files:
        print(f"wrote {directory / rel}", file=out)
    print(f"next: edit {EXAMPLE_TABLE}, then `{command} build` in {directory} writes "
          f"{OUT_DIR}/ for {ROOT_MODULE}", file=out)
    return Exit.OK


def _copies(schemas_dir: Path) -> Iterator[tuple[Path, str]]:
    """The schema copies in the schemas folder, with the text they should have."""
    for kind, name in SCHEMAS.items():
        path = schemas_dir / name
        if path.is_file():
            yield path, schema_text(kind)


def stale_copies(schemas_dir: Path) -> list[Path]:
    """The schema copies that differ from this version's schemas."""
    return [path for path, text in _copies(schemas_dir)
            if path.read_text(encoding="utf-8") != text]


def refresh_copies(schemas_dir: Path) -> list[Path]:
    """Replace the stale schema copies, each atomically; return those replaced."""
    from generator.writer import write_file

    refreshed = []
    for path, text in _copies(schemas_dir):
        if path.read_text(encoding="utf-8") == text:
            continue
        write_file(path, text)
        refreshed.append(path)
    return refreshed
