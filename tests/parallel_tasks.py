"""Tasks for worker processes in the parallel tests (importable by name in the workers)."""

from __future__ import annotations

import os
import time

import numpy  # noqa: F401 - loads BLAS, so threadpoolctl sees it
from threadpoolctl import threadpool_info

from tnrank.runtime.threads import get_threads


def thread_caps(_item: object) -> tuple[int, list[int], int]:
    """The worker's tnrank thread cap, its BLAS libraries' thread counts, and its pid."""
    blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    return get_threads(), blas, os.getpid()


def die(_item: object) -> None:
    """A worker that dies as if killed by the out-of-memory killer."""
    os._exit(9)


def without_timings(obj):
    """A report or row as plain data with every ``seconds`` field dropped (they vary by run)."""
    if isinstance(obj, dict):
        return {k: without_timings(v) for k, v in obj.items() if k != "seconds"}
    if isinstance(obj, list):
        return [without_timings(v) for v in obj]
    return obj


def nap(path: str) -> None:
    """A worker that says its pid in ``path`` and then computes for two minutes."""
    with open(path + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(path + ".tmp", path)
    end = time.monotonic() + 120
    while time.monotonic() < end:
        sum(range(10_000))
