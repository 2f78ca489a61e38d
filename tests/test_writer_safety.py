"""The output folder survives kills, concurrent builds, missing permissions and symlinks.

CI runs the generated IaC with administrator rights, so ``out/`` must never be left half
old and half new, and the writer must never be steered into touching files outside it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import render, writer
from generator.pipeline import generate, load_project
from tests.conftest import REPO
from tests.helpers import run_cli, tree, write_tables

TABLE = """\
name: {name}
partition_key: {{name: pk, type: S}}
"""
KILLED = 77


def _visible(folder: Path) -> dict[str, bytes]:
    """The files a reader of ``out/`` uses: everything but the writer's hidden staging."""
    return {
        rel: data
        for rel, data in tree(folder).items()
        if not writer.STAGED.match(rel.rsplit("/", 1)[-1])
    }


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An old and a new set of table files: one table changed, one removed, one added."""
    root = tmp_path_factory.mktemp("inputs")
    old = write_tables(
        root / "old", a=TABLE.format(name="alpha"), b=TABLE.format(name="beta")
    )
    new = write_tables(
        root / "new", a=TABLE.format(name="alpha-renamed"), c=TABLE.format(name="gamma")
    )
    return old, new


def _killed_write(out: Path, files: dict[str, str], after: int) -> bool:
    """Write in a child process that dies without cleanup before its ``after``-th step.

    A step is creating a staged file, renaming or deleting one: the points between files.
    Returns whether the child was killed (False: the write finished first).
    """
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            steps = 0

            def dying(real: Callable[..., Any]) -> Callable[..., Any]:
                def step(*args: Any, **kwargs: Any) -> Any:
                    nonlocal steps
                    if steps == after:
                        os._exit(KILLED)
                    steps += 1
                    return real(*args, **kwargs)

                return step

            os.replace = dying(os.replace)
            os.unlink = dying(os.unlink)
            writer.create_staged = dying(writer.create_staged)
            writer.write(out, files)
        except BaseException:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, KILLED), f"the write failed with status {code}"
    return code == KILLED


def test_build_killed_between_any_two_files_leaves_out_as_before_or_completes(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = inputs
    before_dir = tmp_path / "before"
    writer.write(before_dir, generate(old))
    before = tree(before_dir)
    new_files = generate(new)
    complete_dir = tmp_path / "complete"
    writer.write(complete_dir, new_files)
    complete = tree(complete_dir)

    outcomes = {"before": 0, "rolled forward": 0}
    kill_point = 0
    while True:
        out = tmp_path / f"out{kill_point}"
        shutil.copytree(before_dir, out)
        if not _killed_write(out, new_files, kill_point):
            assert tree(out) == complete
            break
        if (out / writer.JOURNAL).exists():
            # Committed: readers are told, and the next build finishes the same files.
            check = run_cli("build", "--check", "--schemas", str(new), "--out", str(out))
            assert check.code == 3 and "interrupted build" in check.stderr, check
            result = run_cli("build", "--schemas", str(new), "--out", str(out))
            assert result.code == 0 and "up to date" in result.stdout, result
            assert tree(out) == complete
            outcomes["rolled forward"] += 1
        else:
            assert _visible(out) == before, f"killed at step {kill_point}"
            result = run_cli("build", "--schemas", str(old), "--out", str(out))
            assert result.code == 0 and "up to date" in result.stdout, result
            assert tree(out) == before, "staged files were not cleaned up"
            outcomes["before"] += 1
        kill_point += 1
    print(f"kill points tried: {kill_point}, outcomes: {outcomes}")
    assert outcomes["before"] >= 5 and outcomes["rolled forward"] >= 5


def test_two_builds_at_once_leave_one_of_them_complete(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = inputs
    expected = []
    for schemas in (old, new):
        writer.write(tmp_path / schemas.name, generate(schemas))
        expected.append(tree(tmp_path / schemas.name))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator", "build", "--out", str(out), "--schemas"]
    for _ in range(2):
        builds = [
            subprocess.Popen([*command, str(s)], cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for s in (old, new)
        ]
        results = [(b.wait(timeout=60), *b.communicate()) for b in builds]
        assert [r[0] for r in results] == [0, 0], results
        assert tree(out) in expected


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder that an unprivileged user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="writer-safety-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def _cli_as_unprivileged(*argv: str) -> tuple[int, str]:
    """Run the CLI where file permissions bite: as user nobody when the tests run as root."""
    if os.geteuid() != 0:
        result = run_cli(*argv)
        return result.code, result.stderr
    # The checkout may sit in a folder only root can enter (CI's clone, mktemp's 0700): load
    # the code, the schema and the templates here, so the child needs to read none of them.
    from generator import plan  # noqa: F401 - imported for the child, which may not read it

    render.render_project(load_project(Path(argv[argv.index("--schemas") + 1])))
    read, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            os.close(read)
            render.environment().auto_reload = False  # use the loaded templates as they are
            os.setgid(65534)
            os.setuid(65534)
            result = run_cli(*argv)
            os.write(write_end, result.stderr.encode())
            os._exit(result.code)
        except BaseException as error:
            os.write(write_end, repr(error).encode())
            os._exit(99)
    os.close(write_end)
    with os.fdopen(read, encoding="utf-8") as stream:
        stderr = stream.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), stderr


def test_read_only_out_is_a_clear_error_and_stays_untouched(
    inputs: tuple[Path, Path], shared_tmp: Path
) -> None:
    old, new = inputs
    schemas = shutil.copytree(new, shared_tmp / "schemas")
    shared_tmp.joinpath("schemas").chmod(0o755)
    out = shared_tmp / "out"
    writer.write(out, generate(old))
    for folder in (out, *[p for p in out.rglob("*") if p.is_dir()]):
        folder.chmod(0o555)
    before = tree(out)
    code, stderr = _cli_as_unprivileged("build", "--schemas", str(schemas), "--out", str(out))
    assert code == 3, stderr
    assert stderr.startswith(f"error: cannot write to {out}: Permission denied"), stderr
    assert "Traceback" not in stderr
    assert tree(out) == before


def test_missing_out_that_cannot_be_created_is_a_clear_error(
    inputs: tuple[Path, Path], shared_tmp: Path
) -> None:
    schemas = shutil.copytree(inputs[1], shared_tmp / "schemas")
    schemas.chmod(0o755)
    parent = shared_tmp / "locked"
    parent.mkdir(mode=0o555)
    parent.chmod(0o555)
    code, stderr = _cli_as_unprivileged(
        "build", "--schemas", str(schemas), "--out", str(parent / "out")
    )
    assert code == 3, stderr
    assert stderr.startswith(f"error: cannot create the output folder {parent / 'out'}: "
                             "Permission denied"), stderr


def test_missing_out_is_created(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "deep" / "new" / "out"
    assert run_cli("build", "--schemas", str(inputs[1]), "--out", str(out)).code == 0
    assert tree(out) == {rel: text.encode() for rel, text in
                         writer.with_manifest(generate(inputs[1])).items()}


def test_relative_out_is_written(
    inputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli("build", "--schemas", str(inputs[1]), "--out", "out").code == 0
    assert tree(tmp_path / "out") == {rel: text.encode() for rel, text in
                                      writer.with_manifest(generate(inputs[1])).items()}


@pytest.fixture
def built(inputs: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path, Path]:
    """A built out/ and, beside it, a folder an attacker would like the writer to touch."""
    out = tmp_path / "out"
    writer.write(out, generate(inputs[0]))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "main.tf").write_text("precious\n", encoding="utf-8")
    return inputs[1], out, outside


def _build_refused(schemas: Path, out: Path, outside: Path, reason: str) -> None:
    result = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 3, result
    assert result.stderr.startswith("error: ") and reason in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert tree(outside) == {"main.tf": b"precious\n"}


def test_symlinked_folder_in_out_is_not_written_through(built: tuple[Path, Path, Path]) -> None:
    schemas, out, outside = built
    shutil.rmtree(out / "terraform")
    (out / "terraform").symlink_to(outside, target_is_directory=True)
    _build_refused(schemas, out, outside, "is a symbolic link; refusing to write through it")


def test_symlinked_file_in_out_is_not_followed(built: tuple[Path, Path, Path]) -> None:
    schemas, out, outside = built
    (out / "terraform" / "main.tf").unlink()
    (out / "terraform" / "main.tf").symlink_to(outside / "main.tf")
    _build_refused(schemas, out, outside, "is a symbolic link; refusing to read through it")


def test_manifest_naming_a_path_outside_out_is_refused(built: tuple[Path, Path, Path]) -> None:
    schemas, out, outside = built
    manifest = json.loads((out / writer.MANIFEST).read_text(encoding="utf-8"))
    manifest["files"].append("../outside/main.tf")
    (out / writer.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    _build_refused(schemas, out, outside, "refusing unsafe output path '../outside/main.tf'")


@pytest.mark.parametrize(
    ("journal", "reason"),
    [
        ({"replace": [["../outside/.main.tf.gen-x.tmp", "../outside/main.tf"]], "remove": []},
         "refusing unsafe output path"),
        ({"replace": [["terraform/other.tf", "terraform/main.tf"]], "remove": []},
         "names a foreign file"),
        ({"replace": [], "remove": ["terraform/backend.tf"]}, "which this tool did not write"),
        ({"replace": "all", "remove": []}, "is malformed"),
    ],
    ids=["escapes-out", "foreign-source", "unowned-removal", "malformed"],
)
def test_planted_journal_cannot_move_or_delete_files_the_tool_does_not_own(
    built: tuple[Path, Path, Path], journal: dict[str, Any], reason: str
) -> None:
    schemas, out, outside = built
    (out / "terraform" / "other.tf").write_text("# user\n", encoding="utf-8")
    (out / "terraform" / "backend.tf").write_text("# user\n", encoding="utf-8")
    text = json.dumps({"generator": "dynamodb-schema-generator", **journal})
    (out / writer.JOURNAL).write_text(text, encoding="utf-8")
    _build_refused(schemas, out, outside, reason)
    assert (out / "terraform" / "other.tf").read_text(encoding="utf-8") == "# user\n"
    assert (out / "terraform" / "backend.tf").read_text(encoding="utf-8") == "# user\n"


def test_a_render_failing_half_way_through_leaves_out_as_before(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    # The writer stores files while later ones are still being rendered (render_files);
    # if rendering then fails, what it staged so far must go and nothing may change.
    old, new = inputs
    out = tmp_path / "out"
    writer.write(out, generate(old))
    before = tree(out)
    new_files = sorted(generate(new).items())

    def failing() -> Iterator[tuple[str, str]]:
        yield from new_files[: len(new_files) // 2]
        raise RuntimeError("a template bug")

    with pytest.raises(RuntimeError, match="a template bug"):
        writer.write(out, failing())
    assert tree(out) == before
    assert not [p for p in out.rglob("*") if ".gen-" in p.name]


def test_streamed_and_mapped_files_give_the_same_output_and_changes(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = inputs
    for name in ("mapped", "streamed"):
        writer.write(tmp_path / name, generate(old))
    files = generate(new)
    mapped = writer.write(tmp_path / "mapped", files)
    streamed = writer.write(tmp_path / "streamed", reversed(list(files.items())))
    assert streamed == mapped and mapped.any
    assert tree(tmp_path / "streamed") == tree(tmp_path / "mapped")


def test_a_failure_after_the_journal_is_written_is_rolled_forward_not_cleaned_up(
    inputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Once the journal names the staged files they are committed: removing them on the
    # way out would leave the next build a journal whose files are gone.
    old, new = inputs
    out = tmp_path / "out"
    writer.write(out, generate(old))
    complete = tmp_path / "complete"
    writer.write(complete, generate(new))

    def disk_fails(path: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(writer, "_fsync_dir", disk_fails)
    with pytest.raises(writer.OutputError, match="Input/output error"):
        writer.write(out, generate(new))
    assert (out / writer.JOURNAL).exists()
    monkeypatch.undo()
    result = run_cli("build", "--schemas", str(new), "--out", str(out))
    assert result.code == 0 and "up to date" in result.stdout, result
    assert tree(out) == tree(complete)


@pytest.mark.parametrize(
    ("on_disk", "same"),
    [
        ("é" * (writer.SLICE + 5), True),
        ("é" * (writer.SLICE + 4) + "e", False),  # differs in the last slice
        ("é" * (writer.SLICE + 5) + "\n", False),  # one byte more on disk
        ("é" * (writer.SLICE + 4), False),  # one character less on disk
        ("", False),
    ],
    ids=["same", "last-slice", "longer", "shorter", "empty"],
)
def test_a_file_is_compared_with_its_new_text_a_slice_at_a_time_to_the_last_byte(
    tmp_path: Path, on_disk: str, same: bool
) -> None:
    text = "é" * (writer.SLICE + 5)
    (tmp_path / "f").write_text(on_disk, encoding="utf-8")
    assert writer.holds(tmp_path / "f", text) is same
    assert writer.holds(tmp_path / "missing", text) is None


def test_a_generated_file_damaged_to_invalid_utf8_is_reported_then_rewritten(
    built: tuple[Path, Path, Path]
) -> None:
    schemas, out, _ = built
    writer.write(out, generate(schemas))
    damaged = out / "terraform" / "main.tf"
    good = damaged.read_bytes()
    damaged.write_bytes(b"\xff\xfe" + good)
    check = run_cli("build", "--check", "--diff", "--schemas", str(schemas), "--out", str(out))
    assert check.code == 1 and "terraform/main.tf" in check.stdout, check
    assert "\ufffd" in check.stdout and "Traceback" not in check.stderr
    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    assert damaged.read_bytes() == good
