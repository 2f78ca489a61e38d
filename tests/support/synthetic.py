"""Synthetic table sets shaped like schemas/sessions.yaml: the benchmark's own generator,
so that the tests measure the layout the benchmark times."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast

from tests.conftest import REPO

_spec = importlib.util.spec_from_file_location("benchmark_run", REPO / "benchmarks" / "run.py")
assert _spec is not None and _spec.loader is not None
_benchmark = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _benchmark  # dataclasses look their module up
_spec.loader.exec_module(_benchmark)

tables_per_stack = cast(Callable[[], int], _benchmark.tables_per_stack)
synthetic_set = cast(Callable[..., Path], _benchmark.synthetic_set)
