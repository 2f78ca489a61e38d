"""One AWS provider process that every Terraform command of a test worker attaches to.

Each Terraform command normally starts the provider binary afresh, and most of a command's
CPU time on the emulator goes into that start and into loading the provider's schema
(benchmarks/results.md has the figures). Terraform can instead attach to a provider that is
already running (``TF_REATTACH_PROVIDERS``, the mechanism of the provider's ``-debug``
mode), which gives the same provider code the same requests, so the tests check the same
behaviour. Set ``TF_TESTS_SHARED_PROVIDER=0`` to start the provider per command as users do.

An attached provider is not installed by ``terraform init``: no lock file is written and
version constraints are not resolved against it, so a test about those must not use it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from tests.support.provider_mirror import PROVIDER

_LINE = "TF_REATTACH_PROVIDERS='"


class SharedProviderError(RuntimeError):
    pass


def enabled(env: dict[str, str]) -> bool:
    return env.get("TF_TESTS_SHARED_PROVIDER", "1") != "0"


def binary(mirror: Path) -> Path:
    """The one AWS provider binary of the mirror (the tests pin one version)."""
    found = sorted((mirror / PROVIDER).glob("*/*/terraform-provider-aws_*"))
    if len(found) != 1:
        raise SharedProviderError(f"expected one AWS provider in {mirror}, found {found}")
    return found[0]


def start(provider: Path, log: Path, timeout: float = 120) -> tuple[subprocess.Popen[bytes], str]:
    """The running provider and the value of ``TF_REATTACH_PROVIDERS`` that attaches to it."""
    # A provider configured a second time in one process fails on a custom CA bundle ("unable
    # to add custom RootCAs HTTPClient"); the emulator speaks plain HTTP and needs none.
    env = {name: value for name, value in os.environ.items() if name != "AWS_CA_BUNDLE"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(provider), "-debug"], stdout=output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env={**env, "TF_LOG": ""},
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if _LINE in line:
                value = line.split(_LINE, 1)[1].rstrip().removesuffix("'")
                json.loads(value)  # a cut line would attach nothing
                return process, value
        if process.poll() is not None:
            break
        time.sleep(0.2)
    stop(process)
    raise SharedProviderError(
        f"{provider} -debug gave no {_LINE.rstrip(chr(39))} line: {log.read_text()[-2000:]}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:  # pragma: no cover - the provider exits on SIGTERM
        process.kill()
        process.wait()
