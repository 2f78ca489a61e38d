"""Independent parts of a large build, run in several processes.

Loading and validating is per file and rendering is per output, so a build of hundreds of
tables has work that shares nothing, and several processes make it faster (measured in
benchmarks/results.md). Processes are forked, so each one already holds the input and only
results travel back. Small builds stay in one process: starting workers costs more than a
few dozen tables take.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar, cast

T = TypeVar("T")

# Fewer table files than this are loaded and rendered in the calling process.
MIN_TABLES = 100

# The jobs of the current run; forked workers inherit them and receive only an index.
_JOBS: list[Callable[[], object]] = []


def available() -> int:
    """Processors this process may run on (the affinity mask, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - Linux has sched_getaffinity


def processes(tables: int, requested: int | None) -> int:
    """How many processes to use for ``tables`` table files; ``requested`` from --jobs."""
    if requested is not None:
        wanted = requested
    elif tables < MIN_TABLES:
        return 1
    else:
        wanted = available()
    import multiprocessing  # here, so that small builds never load it

    # Forking is what makes workers cheap; elsewhere (macOS, Windows) stay in one process.
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1  # pragma: no cover - CI runs on Linux
    return max(1, wanted)


def _indexed(index: int) -> tuple[int, object]:
    return index, _JOBS[index]()


def run(jobs: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """Each job's result, in order; in ``workers`` forked processes when more than one.

    Jobs are handed out one at a time as workers free up, so put the longest first.
    A job must return its problems as values: an exception is re-raised here, but loses
    any attributes beyond its message on the way back.
    """
    finished = dict(as_finished(jobs, workers))
    return [finished[index] for index in range(len(jobs))]


def as_finished(jobs: Sequence[Callable[[], T]], workers: int) -> Iterator[tuple[int, T]]:
    """Each job's index and result as soon as it is done, so the caller can use it at once.

    As ``run``; the workers stop when the iteration ends, or is abandoned.
    """
    if workers <= 1 or len(jobs) <= 1:
        for index, job in enumerate(jobs):
            yield index, job()
        return
    import multiprocessing

    _JOBS[:] = jobs
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            for index, result in pool.imap_unordered(_indexed, range(len(jobs))):
                yield index, cast(T, result)
    finally:
        _JOBS.clear()


def chunks(items: Sequence[T], count: int) -> list[Sequence[T]]:
    """``items`` in ``count`` contiguous slices of nearly equal size, none empty."""
    count = max(1, min(count, len(items)))
    size, extra = divmod(len(items), count)
    slices: list[Sequence[T]] = []
    start = 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        slices.append(items[start:end])
        start = end
    return [piece for piece in slices if piece]
