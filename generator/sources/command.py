"""What `adopt` does: read tables from one source, and the one table file per table.

Every file is printed and put through the same stages as `build` (load, schema, rules)
before anything is written, so `adopt` never leaves a table file that does not build; and
nothing is written over an existing file without ``--force``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator import checks, defaults, loader, tablefile, validate
from generator.diagnostics import Diagnostic, InputError
from generator.sources import Adopted, SourceError
from generator.writer import write_file


@dataclass(frozen=True)
class Source:
    """What the command line chose to adopt from."""

    kind: str  # "live", "cloudformation", "terraform" or "nosql-workbench"
    path: Path | None = None
    region: str | None = None
    endpoint_url: str | None = None
    tables: tuple[str, ...] = ()
    # Template parameters and pseudo parameters, as parsed from the command line's K=V.
    parameters: Mapping[str, str] = field(default_factory=dict)
    tables_only: bool = False  # say nothing of what holds no table setting (for `plan`)


def read_source(source: Source, prefix: str, suffix: str, summary: list[str]) -> list[Adopted]:
    """The tables of the source, in the neutral form; SourceError for any source whose shape
    is not the one its format documents."""
    try:
        return _read(source, prefix, suffix, summary)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as error:
        # The readers index the documented shape directly; anything else is malformed input.
        what = source.path if source.path is not None else f"the live tables in {source.region}"
        raise SourceError(f"{what}: not the shape of {_FORMATS[source.kind]} "
                          f"({type(error).__name__}: {error})") from None


_FORMATS = {
    "live": "DynamoDB's API answers", "cloudformation": "a CloudFormation template",
    "terraform": "`terraform show -json` output", "nosql-workbench": "a NoSQL Workbench model",
}


def _read(source: Source, prefix: str, suffix: str, summary: list[str]) -> list[Adopted]:
    if source.kind == "live":
        from generator.sources import live

        assert source.region is not None  # the command line requires it
        return live.read(source.region, source.endpoint_url, source.tables, prefix, suffix)
    assert source.path is not None
    if source.kind == "cloudformation":
        from generator.sources import cloudformation

        return cloudformation.read(source.path, source.parameters, source.region, prefix=prefix,
                                   suffix=suffix, summary=summary.append,
                                   tables_only=source.tables_only)
    if source.kind == "terraform":
        from generator.sources import terraform

        return terraform.read(source.path, prefix, suffix, summary.append,
                              tables_only=source.tables_only)
    from generator.sources import workbench

    return workbench.read(source.path, prefix, suffix, summary.append)


def render_files(tables: Sequence[Adopted], schemas_dir: Path) -> dict[Path, str]:
    """Each table file's text by path, checked by the stages `build` runs."""
    texts: dict[Path, str] = {}
    for table in tables:
        path = schemas_dir / f"{table.file_stem}.yaml"
        if path in texts:
            raise SourceError(f"two tables would both be written to {path}: rename one in the "
                              "source, or adopt them separately")
        texts[path] = tablefile.render(table, schemas_dir)
    views: list[loader.Document] = []
    problems: list[Diagnostic] = []
    for path, text in texts.items():
        try:
            document = loader.load_text(text, path, str(path))
        except InputError as error:
            problems += error.diagnostics
            continue
        found = validate.validate_document(document) or checks.check_table(
            defaults.fill(document))
        problems += found
        if not found:
            views.append(checks.project_view(document))
    # The files already in the folder build with the new ones: a table adopted twice, or under
    # another file name, is refused by the same rules as a build.
    if schemas_dir.is_dir():
        for path in loader.find_table_files(schemas_dir):
            if path in texts:
                continue
            try:
                document = loader.load_file(path, str(path))
            except InputError:
                continue
            if not validate.validate_document(document):
                views.append(checks.project_view(document))
    problems += checks.check_project(views)
    if problems:
        lines = "\n".join(p.format() for p in problems)
        raise SourceError(f"the adopted table files would not build:\n{lines}")
    return texts


def write_table_file(path: Path, text: str) -> None:
    """Atomically, as the writer does: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, text)
