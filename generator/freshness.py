"""What the last build wrote into an output folder, and from what, so that `verify` can tell
the folder is up to date without rendering every table again.

A build records, per output folder, a digest of its inputs (the table files and the settings
file, as named and as read, and the generator's own code, templates and the libraries that
shape its output) and a digest of each file it wrote. The folder is up to date when the
inputs have the same digest and every file still has the one it was written with: rendering
is deterministic, so rendering again would give the same bytes. Anything else (no record, an
edited file, another generator) leaves the question to the full comparison.

The record is kept in the user's cache folder, never in the output folder: that one is
committed, and the generator's own digest changes with every version of it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from generator import loader
from generator.settings import default_path
from generator.writer import MANIFEST

_CACHE_FOLDER = "dynamodb-schema-generator"
_KIND = "build record"


def cache_folder() -> Path:
    """Where records are kept: ``$XDG_CACHE_HOME``, else ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / _CACHE_FOLDER


def generator_files() -> list[tuple[str, Path]]:
    """Every file of the generator's package, by its path in it, with the templates through
    the link that a checkout has in their place."""
    package = Path(__file__).resolve().parent
    found = []
    for folder, subfolders, files in os.walk(package, followlinks=True):
        subfolders[:] = sorted(s for s in subfolders if s != "__pycache__")
        found += [((Path(folder) / f).relative_to(package).as_posix(), Path(folder) / f)
                  for f in files]
    return sorted(found)


@functools.cache
def generator_digest() -> bytes:
    """The generator's code and templates, and the versions of what shapes its output."""
    import jinja2
    import yaml

    digest = hashlib.sha256()
    for name, path in generator_files():
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(f"{jinja2.__version__} {yaml.__version__} {sys.version_info[:2]}".encode())
    return digest.digest()


def inputs_digest(schemas_dir: Path, settings_file: Path | None,
                  display_root: Path | None) -> str:
    """The digest of what a build of ``schemas_dir`` reads, as the loader names it."""
    digest = hashlib.sha256(generator_digest())
    settings = settings_file if settings_file is not None else default_path(schemas_dir)
    paths = [*loader.find_table_files(schemas_dir), *([settings] if settings.is_file() else [])]
    for path in paths:
        digest.update(loader.display_name(path, display_root).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def record_path(out_dir: Path) -> Path:
    """Where the record of ``out_dir`` is kept."""
    key = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:32]
    return cache_folder() / f"{key}.json"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digesting(files: Iterable[tuple[str, str]], into: dict[str, str]
              ) -> Iterator[tuple[str, str]]:
    """The files as they pass to the writer, their digests collected ``into`` a mapping."""
    for rel, text in files:
        into[rel] = _digest(text.encode("utf-8"))
        yield rel, text


def record(out_dir: Path, inputs: str, files: Mapping[str, str],
           targets: Mapping[str, object]) -> None:
    """Remember that ``out_dir`` holds ``files`` (path -> digest), rendered from ``inputs``,
    and the writer's manifest as it is now; with what `verify` checks of it (``targets``,
    ``verify.Targets`` as JSON).

    A record that cannot be written only costs the next `verify` a full comparison.
    """
    try:
        manifest = (out_dir / MANIFEST).read_bytes()
    except OSError:
        return
    files = {**files, MANIFEST: _digest(manifest)}
    data = {"generator": _KIND, "out": str(out_dir.resolve()), "inputs": inputs,
            "files": dict(sorted(files.items())), "targets": targets}
    target = record_path(out_dir)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent,
                                         delete=False, suffix=".tmp") as handle:
            json.dump(data, handle)
        os.replace(handle.name, target)
    except OSError:
        return


def recorded(out_dir: Path, inputs: str) -> object | None:
    """The targets recorded with ``out_dir`` when the last build recorded for it read
    ``inputs`` and every file it wrote is still there as written; else None."""
    try:
        data = json.loads(record_path(out_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("generator") != _KIND or data.get(
            "out") != str(out_dir.resolve()) or data.get("inputs") != inputs:
        return None
    files = data.get("files")
    if not isinstance(files, dict) or not files:
        return None
    for rel, expected in files.items():
        try:
            actual = _digest((out_dir / rel).read_bytes())
        except OSError:
            return None
        if actual != expected:
            return None
    targets: object = data.get("targets")
    return targets
