"""Shared fixtures: the real tools (Terraform with its offline provider mirror) or a skip.

The mirror is found as ``tests/support/provider_mirror.py`` says (``TF_PROVIDER_MIRROR``,
else the usual folders); CI also sets ``REQUIRE_TERRAFORM=1`` so that a missing tool fails
instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import provider_mirror, shared_provider

# Scenarios that the deploy tests share assert in a support module: show their values too.
pytest.register_assert_rewrite("tests.support.sentinel_use")

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "schemas"
OUT = REPO / "out"


@pytest.fixture(scope="session", autouse=True)
def _build_records(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Builds record what they wrote (generator/freshness.py) in a cache folder of the
    test run's own, not the user's."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@dataclass(frozen=True)
class Terraform:
    """A Terraform binary wired to the offline provider mirror."""

    binary: str
    env: dict[str, str]

    def run(
        self, args: Sequence[str], cwd: Path, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *args],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _missing(reason: str) -> None:
    if os.environ.get("REQUIRE_TERRAFORM") == "1":
        pytest.fail(f"REQUIRE_TERRAFORM=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Terraform]:
    binary = shutil.which("terraform")
    if binary is None:
        _missing("terraform is not on PATH")
    mirror, missing = provider_mirror.locate(os.environ)
    if mirror is None:
        _missing(missing)
    assert binary is not None and mirror is not None
    home = tmp_path_factory.mktemp("terraform-home")
    config = home / "terraform.rc"
    config.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n',
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(config),
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "TF_PLUGIN_CACHE_DIR": "",
        "HOME": str(home),
    }
    env.pop("TF_PLUGIN_CACHE_DIR")
    if not shared_provider.enabled(env):
        yield Terraform(binary, env)
        return
    provider, reattach = shared_provider.start(
        shared_provider.binary(mirror), home / "provider.log"
    )
    try:
        yield Terraform(binary, {**env, "TF_REATTACH_PROVIDERS": reattach})
    finally:
        shared_provider.stop(provider)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow or deploy tests first: with `--dist loadfile` each file runs on one
    worker, and a long file that starts last keeps the whole run waiting for it."""
    heavy = {item.path for item in items
             if item.get_closest_marker("slow") or item.get_closest_marker("deploy")}
    items.sort(key=lambda item: item.path not in heavy)  # stable: file order kept otherwise


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how many examples each property test ran, so every CI log records it."""
    rows = [
        (report.nodeid, value)
        for report in terminalreporter.stats.get("passed", [])
        for name, value in getattr(report, "user_properties", [])
        if name == "hypothesis_examples"
    ]
    if rows:
        terminalreporter.write_sep("-", "hypothesis examples run")
        for nodeid, counts in sorted(rows):
            terminalreporter.write_line(f"{nodeid}: {counts}")
