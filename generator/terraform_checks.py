"""`verify`'s Terraform checks: `terraform fmt -check`, and `init` and `validate` of a root
module that calls the generated one, for the module and each environment's.

They take longest of all the checks (each command reads every file of the module), so they
start before anything else and can be stopped when the table files do not load; the root
module is kept initialized between runs while nothing `init` decides on changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator.outcomes import FAILED, PASSED, SKIPPED, Outcome, first_lines, named

TERRAFORM_TIMEOUT = 300  # seconds; `init` may download the AWS provider


class Processes:
    """The commands the Terraform checks run, so that checks started before the table
    files loaded can be stopped when they do not load."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self._stopped = False

    def run(self, args: list[str], cwd: Path,
            env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
        with self._lock:
            if self._stopped:
                return subprocess.CompletedProcess(args, -1, "", "stopped")
            process = subprocess.Popen(args, cwd=cwd, env=dict(env), text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self._running.add(process)
        try:
            stdout, stderr = process.communicate(timeout=TERRAFORM_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            stderr += f"\n{args[1]} took over {TERRAFORM_TIMEOUT} s"
        finally:
            with self._lock:
                self._running.discard(process)
        return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for process in self._running:
                process.kill()


def check_terraform(
    module: Path, terraform: str | None, environment: str | None = None,
    processes: Processes | None = None,
) -> list[Outcome]:
    """`terraform fmt -check`, and beside it `init` and `validate` of a root module that
    calls it."""
    fmt_name = named("terraform fmt -check", environment)
    validate_name = named("terraform validate", environment)
    if terraform is None:
        reason = "terraform is not on PATH"
        return [Outcome(fmt_name, SKIPPED, reason), Outcome(validate_name, SKIPPED, reason)]
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
    run = (processes or Processes()).run
    with ThreadPoolExecutor(1) as beside:
        # fmt reads every file, validate waits on the provider: each on its own processor.
        fmt = beside.submit(run, [terraform, "fmt", "-check", "-diff", "-no-color",
                                  str(module.resolve())], module.resolve(), env)
        validated = _validate(module, terraform, env, validate_name, run)
        formatted = fmt.result()
    return [Outcome(fmt_name, PASSED) if formatted.returncode == 0
            else Outcome(fmt_name, FAILED, first_lines(formatted.stdout + formatted.stderr)),
            validated]


def _validate(module: Path, terraform: str, env: Mapping[str, str], name: str,
              run: Callable[[list[str], Path, Mapping[str, str]],
                            subprocess.CompletedProcess[str]]) -> Outcome:
    """`init` and `validate` of a root module that calls ``module``.

    The root is kept in the cache folder, initialized, for as long as what `init` decides
    on stays the same (the module's place and provider requirements, the Terraform binary,
    its CLI configuration): `init` reads every file of a large module, and `validate` alone
    needs no second reading. A validation that fails in a kept root is run again after a
    new `init`, so a root gone stale can never fail a module.
    """
    from generator.freshness import cache_folder

    kept = cache_folder() / "terraform-roots" / _root_key(module, terraform, env)
    try:
        kept.mkdir(parents=True, exist_ok=True)
    except OSError:
        with tempfile.TemporaryDirectory(prefix="generator-verify-") as root_dir:
            return _init_and_validate(Path(root_dir), module, terraform, env, name=name,
                                      run=run)
    with _locked(kept):
        if (kept / ".terraform").is_dir():
            validate = run([terraform, "validate", "-no-color"], kept, env)
            if validate.returncode == 0:
                return Outcome(name, PASSED)
            shutil.rmtree(kept / ".terraform", ignore_errors=True)
        return _init_and_validate(kept, module, terraform, env, name=name, run=run)


def _root_key(module: Path, terraform: str, env: Mapping[str, str]) -> str:
    """What `init` decides on: the module's place and provider requirements, the Terraform
    binary (by path and change time) and its CLI configuration (by path and text)."""
    binary = Path(terraform)
    config = env.get("TF_CLI_CONFIG_FILE", "")
    decided = [str(module.resolve()), _read(module / "versions.tf"), terraform,
               str(binary.stat().st_mtime_ns) if binary.exists() else "",
               config, _read(Path(config)) if config else ""]
    return hashlib.sha256("\0".join(decided).encode()).hexdigest()[:32]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One `verify` at a time in a kept root (where the platform has file locks)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - CI runs on Linux
        yield
        return
    with open(folder / ".lock", "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _init_and_validate(root: Path, module: Path, terraform: str, env: Mapping[str, str], *,
                       name: str,
                       run: Callable[[list[str], Path, Mapping[str, str]],
                                     subprocess.CompletedProcess[str]]) -> Outcome:
    (root / "main.tf").write_text(
        f'module "tables" {{\n  source = {json.dumps(module.resolve().as_posix())}\n}}\n',
        encoding="utf-8")
    init = run([terraform, "init", "-backend=false", "-input=false", "-no-color"], root, env)
    if init.returncode != 0:
        return Outcome(name, SKIPPED,
                       "terraform init could not install the AWS provider "
                       "(offline? see TF_CLI_CONFIG_FILE for a mirror):\n    "
                       + first_lines(init.stderr, 5))
    validate = run([terraform, "validate", "-no-color"], root, env)
    return (Outcome(name, PASSED) if validate.returncode == 0
            else Outcome(name, FAILED, first_lines(validate.stdout + validate.stderr)))


@dataclass
class StartedTerraform:
    """The Terraform checks of every module in an output folder, started before anything
    else because they take longest; by module folder, relative to the output folder."""

    binary: str | None
    checks: dict[str, Future[list[Outcome]]]
    processes: Processes
    pool: ThreadPoolExecutor

    def stop(self) -> None:
        """Stop what still runs; the outcomes that are known stay."""
        self.processes.stop()
        self.pool.shutdown(wait=True)


def start_terraform(out_dir: Path, terraform: str | None = None,
                    which: Callable[[str], str | None] = shutil.which) -> StartedTerraform:
    """Start the Terraform checks of the module and each environment's module found in
    ``out_dir``, one after another beside whatever runs next."""
    from generator.render import TERRAFORM_DIR, environment_module

    root = out_dir / TERRAFORM_DIR
    found: list[tuple[str, str | None]] = [(TERRAFORM_DIR, None)] + [
        (environment_module(p.name), p.name)
        for p in (sorted(root.iterdir()) if root.is_dir() else []) if p.is_dir()]
    binary = terraform or which("terraform")
    processes = Processes()
    pool = ThreadPoolExecutor(1)
    checks = {module: pool.submit(check_terraform, out_dir / module, binary, env, processes)
              for module, env in found if any((out_dir / module).glob("*.tf"))}
    return StartedTerraform(binary, checks, processes, pool)
