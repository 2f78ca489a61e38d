"""Stage 6: put rendered files on disk atomically, or report how disk differs from them.

The writer owns only what it wrote: a manifest in the output folder lists the files of
the last build, and only those may ever be removed. Files are replaced by rename, so a
reader never sees half a file; unchanged files are not touched.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST = ".generator-manifest.json"
_MANIFEST_KIND = "dynamodb-schema-generator"


class OutputError(Exception):
    """The output folder cannot be read or written as asked."""


@dataclass(frozen=True)
class Changes:
    """How the output folder differs from the rendered files."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def _check_relative(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or not path.parts or any(p in ("..", ".", "") for p in path.parts):
        raise OutputError(f"refusing unsafe output path {rel!r}")
    return path


def _target(out: Path, rel: str) -> Path:
    """The file for ``rel`` under ``out``, refusing any path that leaves it via a symlink."""
    parts = _check_relative(rel).parts
    current = out
    for part in parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise OutputError(f"{current} is a symbolic link; refusing to write through it")
    return current / parts[-1]


def _read_text(path: Path) -> str | None:
    if path.is_symlink():
        raise OutputError(f"{path} is a symbolic link; refusing to read through it")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise OutputError(f"cannot read {path}: {exc}") from exc


def read_manifest(out: Path) -> tuple[str, ...]:
    """Files the previous build wrote; a missing or foreign manifest means none."""
    text = _read_text(out / MANIFEST)
    if text is None:
        return ()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OutputError(
            f"{out / MANIFEST} is not valid JSON ({exc}); delete it and rebuild"
        ) from exc
    files = data.get("files") if isinstance(data, dict) else None
    if data.get("generator") != _MANIFEST_KIND or not isinstance(files, list):
        raise OutputError(
            f"{out / MANIFEST} was not written by this tool; move it away and rebuild"
        )
    return tuple(str(_check_relative(str(f))) for f in files)


def manifest_text(files: Mapping[str, str]) -> str:
    return json.dumps({"generator": _MANIFEST_KIND, "files": sorted(files)}, indent=2) + "\n"


def with_manifest(files: Mapping[str, str]) -> dict[str, str]:
    return {**files, MANIFEST: manifest_text(files)}


def compare(out: Path, files: Mapping[str, str]) -> tuple[Changes, list[str]]:
    """Changes and unified diffs between ``out`` and ``files``; reads only."""
    wanted = with_manifest(files)
    previous = set(read_manifest(out))
    added: list[str] = []
    changed: list[str] = []
    diffs: list[str] = []
    for rel, text in wanted.items():
        current = _read_text(_target(out, rel))
        if current is None:
            added.append(rel)
            diffs.append(
                "".join(
                    difflib.unified_diff(
                        [], text.splitlines(keepends=True), "/dev/null", f"b/{rel}"
                    )
                )
            )
        elif current != text:
            changed.append(rel)
            diffs.append(
                "".join(
                    difflib.unified_diff(
                        current.splitlines(keepends=True),
                        text.splitlines(keepends=True),
                        f"a/{rel}",
                        f"b/{rel}",
                    )
                )
            )
    removed = sorted(rel for rel in previous - set(wanted) if _target(out, rel).exists())
    for rel in removed:
        old = _read_text(_target(out, rel)) or ""
        diffs.append(
            "".join(
                difflib.unified_diff(old.splitlines(keepends=True), [], f"a/{rel}", "/dev/null")
            )
        )
    unchanged = len(wanted) - len(added) - len(changed)
    return Changes(tuple(added), tuple(changed), tuple(removed), unchanged), diffs


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """One build at a time per output folder; a second waits for the first."""
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_atomic(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def write(out: Path, files: Mapping[str, str]) -> Changes:
    """Bring ``out`` in line with ``files``: write what changed, remove what we wrote before."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {out}: {exc.strerror}") from exc
    if not out.is_dir():
        raise OutputError(f"{out} is not a folder")
    try:
        with _locked(out):
            changes, _ = compare(out, files)
            wanted = with_manifest(files)
            mode = _file_mode()
            for rel in (*changes.added, *changes.changed):
                if rel != MANIFEST:
                    _write_atomic(_target(out, rel), wanted[rel], mode)
            for rel in changes.removed:
                target = _target(out, rel)
                target.unlink()
                _remove_empty_parents(out, target.parent)
            if MANIFEST in changes.added or MANIFEST in changes.changed:
                _write_atomic(out / MANIFEST, wanted[MANIFEST], mode)
            _fsync_dir(out)
            return changes
    except OSError as exc:
        raise OutputError(f"cannot write to {out}: {exc.strerror or exc}") from exc


def _remove_empty_parents(out: Path, folder: Path) -> None:
    root = out.resolve()
    while folder.resolve() != root and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
