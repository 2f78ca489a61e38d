"""Stage 6: put rendered files on disk atomically, or report how disk differs from them.

The writer owns only what it wrote: a manifest in the output folder lists the files of
the last build, and only those may ever be changed or removed; a build that would overwrite
any other file refuses. Files are replaced by rename, so a
reader never sees half a file; unchanged files are not touched.

A build is one transaction: every new file is first staged next to its target, then a
journal naming all renames and removals is written (the commit point), then applied. A
build killed before the commit leaves the old files (the next build deletes the staged
ones); one killed after it is rolled forward by the next build, and until then ``compare``
refuses to report on the half-updated folder.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import fcntl
import io
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.invocation import MODULE_COMMAND
from generator.json_files import read_own

MANIFEST = ".generator-manifest.json"
JOURNAL = ".generator-journal.json"
_MANIFEST_KIND = "dynamodb-schema-generator"
# The name of a file staged beside its target and not yet renamed: readers of ``out/`` skip
# these, and a journal may name only these.
STAGED = re.compile(r"^\.(?P<name>.+)\.gen-[A-Za-z0-9_]+\.tmp$")


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


def _target(out: Path, rel: str, checked: set[Path] | None = None) -> Path:
    """The file for ``rel`` under ``out``, refusing any path that leaves it via a symlink.

    Folders in ``checked`` are known not to be links; the ones found so are added, so that
    one pass over a thousand files looks at each folder once.
    """
    parts = _check_relative(rel).parts
    current = out
    for part in parts[:-1]:
        current = current / part
        if checked is not None and current in checked:
            continue
        if current.is_symlink():
            raise OutputError(f"{current} is a symbolic link; refusing to write through it")
        if checked is not None:
            checked.add(current)
    return current / parts[-1]


def _open(path: Path) -> io.BufferedReader | None:
    """The file opened for reading, None if it does not exist; one system call if not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OutputError(f"{path} is a symbolic link; refusing to read through it") from None
        raise OutputError(f"cannot read {path}: {exc}") from exc
    return open(fd, "rb")


def _read_text(path: Path, errors: str = "strict") -> str | None:
    """The file's text, None if it does not exist."""
    handle = _open(path)
    if handle is None:
        return None
    try:
        with handle:
            return handle.read().decode("utf-8", errors)
    except (OSError, UnicodeDecodeError) as exc:
        raise OutputError(f"cannot read {path}: {exc}") from exc


def holds(path: Path, text: str) -> bool | None:
    """Whether the file holds exactly ``text``; None if it does not exist.

    Read and compared a slice at a time: the template of many tables is large, and reading
    it whole to compare would hold two more copies of it.
    """
    handle = _open(path)
    if handle is None:
        return None
    try:
        with handle:
            for start in range(0, len(text), SLICE):
                expected = text[start:start + SLICE].encode("utf-8")
                if handle.read(len(expected)) != expected:
                    return False
            return handle.read(1) == b""
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc}") from exc


def read_manifest(out: Path) -> tuple[str, ...]:
    """Files the previous build wrote; a missing or foreign manifest means none."""
    text = _read_text(out / MANIFEST)
    if text is None:
        return ()
    data = read_own(text, str(out / MANIFEST), _MANIFEST_KIND, OutputError,
                    "move it away and rebuild")
    files = data.get("files")
    if not isinstance(files, list):
        raise OutputError(f"{out / MANIFEST} is malformed; move it away and rebuild")
    return tuple(str(_check_relative(str(f))) for f in files)


def manifest_text(files: Iterable[str]) -> str:
    return json.dumps({"generator": _MANIFEST_KIND, "files": sorted(files)}, indent=2) + "\n"


def with_manifest(files: Mapping[str, str]) -> dict[str, str]:
    return {**files, MANIFEST: manifest_text(files)}


def _diff(rel: str, old: str | None, new: str | None) -> str:
    before = old.splitlines(keepends=True) if old is not None else []
    after = new.splitlines(keepends=True) if new is not None else []
    from_name = f"a/{rel}" if old is not None else "/dev/null"
    to_name = f"b/{rel}" if new is not None else "/dev/null"
    return "".join(difflib.unified_diff(before, after, from_name, to_name))


Files = Mapping[str, str] | Iterable[tuple[str, str]]


def _refuse_interrupted(out: Path) -> None:
    if (out / JOURNAL).exists() or (out / JOURNAL).is_symlink():
        raise OutputError(
            f"{out} holds an interrupted build ({JOURNAL}); run `{MODULE_COMMAND} build` "
            "to finish it"
        )


def _manifest_last(rel: str) -> tuple[bool, str]:
    """Sort key for output paths: by path, but the manifest after every file it names."""
    return rel == MANIFEST, rel


def _scan(out: Path, files: Files, checked: set[Path],
          differs: Callable[[str, Path, bool, str], None]) -> Changes:
    """Compare each file with disk as it comes, then the manifest naming them all.

    ``files`` may be a stream (the renderer's), so that a file is compared, and written if
    it changed, while later ones are still being rendered; nothing keeps its text after.
    ``differs`` gets each file whose text is not on disk: path, target, whether it
    exists, and the new text.
    """
    previous = set(read_manifest(out))
    names: list[str] = []
    added: list[str] = []
    changed: list[str] = []
    foreign: list[str] = []

    def visit(rel: str, text: str) -> None:
        target = _target(out, rel, checked)
        same = holds(target, text)
        if same is False and rel not in previous and rel != MANIFEST:
            foreign.append(rel)  # someone else's file: never overwritten
        elif not same:
            (added if same is None else changed).append(rel)
            differs(rel, target, same is not None, text)

    for rel, text in files.items() if isinstance(files, Mapping) else files:
        names.append(rel)
        visit(rel, text)
    if foreign:
        raise _foreign_files(out, sorted(foreign))
    visit(MANIFEST, manifest_text(names))  # every file is known now
    removed = sorted(rel for rel in previous - {*names, MANIFEST} if _target(out, rel).exists())
    unchanged = len(names) + 1 - len(added) - len(changed)
    return Changes(tuple(sorted(added, key=_manifest_last)),
                   tuple(sorted(changed, key=_manifest_last)), tuple(removed), unchanged)


def _foreign_files(out: Path, rels: list[str]) -> OutputError:
    """The files a build would overwrite that the manifest does not list as the tool's."""
    one = len(rels) == 1
    return OutputError(
        f"{out} holds {', '.join(rels)}, which this tool did not write "
        f"({'it is' if one else 'they are'} not in {MANIFEST}) and would now overwrite; "
        f"move or rename {'it' if one else 'them'}, then build again"
    )


def compare(out: Path, files: Files, *, with_diffs: bool = True) -> tuple[Changes, list[str]]:
    """Changes (and, if asked, unified diffs) between ``out`` and ``files``; reads only.

    Diffs cost time quadratic in a file's changed lines, so only ``--check --diff`` asks
    for them.
    They come sorted by path, the manifest's last, then those of files to be removed.
    """
    _refuse_interrupted(out)
    diffs: dict[str, str] = {}

    def record(rel: str, target: Path, exists: bool, text: str) -> None:
        if with_diffs:
            # Shown, not parsed: bytes that are not UTF-8 appear as U+FFFD.
            current = _read_text(target, errors="replace") if exists else None
            diffs[rel] = _diff(rel, current, text)

    changes = _scan(out, files, set(), record)
    ordered = [diffs[rel] for rel in sorted(diffs, key=_manifest_last)]
    if with_diffs:
        ordered.extend(_diff(rel, _read_text(_target(out, rel), errors="replace") or "", None)
                       for rel in changes.removed)
    return changes, ordered


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """One build at a time per output folder; a second waits for the first."""
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# Characters encoded and written, or compared (``holds``), at a time.
SLICE = 1 << 20


def create_staged(path: Path) -> tuple[int, Path]:
    """A new hidden file beside ``path``, named so that ``STAGED`` knows it, opened to write.

    Created with the mode that the umask gives a new file, as an editor would. Every
    staged file is made here, so the safety tests stop a build between any two files here.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    while True:
        temp = path.with_name(f".{path.name}.gen-{secrets.token_hex(6)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue


def _stage(path: Path, text: str, *, sync: bool = True) -> Path:
    """Write ``text`` to a hidden file beside ``path``; the journal renames it later.

    ``sync=False`` leaves flushing to the caller, who syncs every staged file at once.
    The folder must exist.
    """
    fd, temp = create_staged(path)
    try:
        # Encoded a slice at a time, so a large template never has a second, encoded copy.
        for start in range(0, len(text), SLICE):
            data = memoryview(text[start:start + SLICE].encode("utf-8"))
            while data:
                data = data[os.write(fd, data):]
        if sync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    os.close(fd)
    return temp


def _journal_entries(
    out: Path, text: str, checked: set[Path] | None = None
) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """The renames and removals of a journal, each checked to stay inside ``out``."""
    data = read_own(text, str(out / JOURNAL), _MANIFEST_KIND, OutputError, "delete it")
    pairs, removals = data.get("replace"), data.get("remove")
    if not (isinstance(pairs, list) and isinstance(removals, list)) or not all(
        isinstance(pair, list) and len(pair) == 2 for pair in pairs
    ):
        raise OutputError(f"{out / JOURNAL} is malformed; delete it")
    owned = set(read_manifest(out))
    renames: list[tuple[Path, Path]] = []
    for pair in pairs:
        staged, rel = str(pair[0]), str(pair[1])
        target = _target(out, rel, checked)
        found = STAGED.match(PurePosixPath(staged).name)
        if PurePosixPath(staged).parent != PurePosixPath(rel).parent or not (
            found and found.group("name") == target.name
        ):
            raise OutputError(f"{out / JOURNAL} names a foreign file {staged!r}; delete it")
        renames.append((_target(out, staged, checked), target))
    removed = [_target(out, str(rel), checked) for rel in removals]
    for rel, target in zip(removals, removed, strict=True):
        if str(rel) not in owned and (target.exists() or target.is_symlink()):
            raise OutputError(f"{out / JOURNAL} removes {rel!r}, which this tool did not write")
    return renames, removed


def _apply(out: Path, renames: list[tuple[Path, Path]], removals: list[Path]) -> None:
    """Carry out a committed journal; safe to repeat after a crash half-way.

    Removals go first and the manifest is renamed last, so while a journal is pending the
    manifest on disk still lists every file the journal may remove.
    """
    for target in removals:
        if target.exists() or target.is_symlink():
            target.unlink()
            _remove_empty_parents(out, target.parent)
    for staged, target in renames:
        # Gone if an earlier, interrupted run of this journal renamed it already.
        with contextlib.suppress(FileNotFoundError):
            os.replace(staged, target)
    # Each folder once, not once per file, but before the journal goes.
    for folder in sorted({target.parent for _, target in renames}):
        _fsync_dir(folder)
    (out / JOURNAL).unlink()
    _fsync_dir(out)


def _recover(out: Path) -> None:
    """Finish a build that was killed after its commit; drop what one killed before left.

    Staged files sit in visible folders only, so hidden ones (.terraform, .git) are skipped.
    """
    text = _read_text(out / JOURNAL)
    if text is not None:
        _apply(out, *_journal_entries(out, text))
    for folder, subfolders, names in os.walk(out, topdown=True):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        staged = [name for name in names if STAGED.match(name)]
        for name in staged:
            os.unlink(os.path.join(folder, name))
        if staged:
            _remove_empty_parents(out, Path(folder))


def write(out: Path, files: Files) -> Changes:
    """Bring ``out`` in line with ``files``: write what changed, remove what we wrote before.

    Changed files are staged as they arrive; if anything fails before the journal is
    written, the staged files are removed and ``out`` is as it was.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {out}: {exc.strerror}") from exc
    if not out.is_dir():
        raise OutputError(f"{out} is not a folder")
    try:
        with _locked(out):
            _recover(out)
            _refuse_interrupted(out)
            checked: set[Path] = set()
            folders: set[Path] = {out}
            replace: list[tuple[Path, str]] = []

            def stage(rel: str, target: Path, exists: bool, text: str) -> None:
                if target.parent not in folders:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    folders.add(target.parent)
                replace.append((_stage(target, text, sync=False), rel))

            try:
                changes = _scan(out, files, checked, stage)
                # The staged files must be on disk before the journal commits to renaming
                # them. One sync for all: an fsync per file was a sixth of a large build.
                os.sync()
                journal = {
                    "generator": _MANIFEST_KIND,
                    # Renamed in this order: the manifest last (see _apply).
                    "replace": [
                        [(PurePosixPath(rel).parent / staged.name).as_posix(), rel]
                        for staged, rel in sorted(replace, key=lambda pair: _manifest_last(pair[1]))
                    ],
                    "remove": list(changes.removed),
                }
                journal_staged = _stage(out / JOURNAL, json.dumps(journal, indent=2) + "\n")
            except BaseException:
                for staged, _ in replace:
                    with contextlib.suppress(OSError):
                        os.unlink(staged)
                raise
            # The commit point; from here on a failure is rolled forward, never cleaned up.
            os.replace(journal_staged, out / JOURNAL)
            _fsync_dir(out)
            journal_text = (out / JOURNAL).read_text(encoding="utf-8")
            _apply(out, *_journal_entries(out, journal_text, checked))
            return changes
    except OSError as exc:
        raise OutputError(f"cannot write to {out}: {exc.strerror or exc}") from exc


def write_file(path: Path, text: str) -> None:
    """Replace one file outside an output folder atomically: all of ``text``, or as it was."""
    try:
        staged = _stage(path, text)
        try:
            os.replace(staged, path)
        except BaseException:
            os.unlink(staged)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc


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
