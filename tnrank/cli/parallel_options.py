"""``--jobs``, ``--scheduler`` and ``--threads``: where a command's configurations run.

Without ``--jobs`` or ``--scheduler`` a command runs one configuration after another in
its own process (``--threads`` then caps that process). ``--jobs N`` starts N local worker
processes sharing the cores (:func:`tnrank.runtime.parallel.local_pool`); ``--scheduler
ADDRESS`` sends the work to a running Dask scheduler (:mod:`tnrank.runtime.scheduler`), and
needs the ``distributed`` extra.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tnrank.cli.common import positive_int
from tnrank.runtime.parallel import local_pool, threads_per_worker
from tnrank.runtime.progress import Display, progress_display
from tnrank.runtime.scheduler import EXTRA_HINT, dask_client, dask_slots, scheduler_line
from tnrank.runtime.threads import ENV_VAR

__all__ = ["add_parallel_options", "parallel_run", "Parallel"]


def add_parallel_options(parser: argparse.ArgumentParser) -> None:
    """``--jobs N`` or ``--scheduler ADDRESS``, and ``--threads N``."""
    group = parser.add_argument_group("parallel runs")
    where = group.add_mutually_exclusive_group()
    where.add_argument("-j", "--jobs", type=positive_int, default=None, metavar="N",
                       help="run the configurations on N local worker processes (default: one "
                       "after another in this process)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="send the configurations to a running Dask scheduler, such as "
                       f"tcp://host:8786 (needs {EXTRA_HINT})")
    group.add_argument("--threads", type=positive_int, default=None, metavar="N",
                       help="cap on tnrank's and BLAS's threads per process (default: the "
                       "TNRANK_THREADS variable, else all cores, the cores divided by --jobs, or "
                       "on a Dask worker the BLAS threads Dask set, 1 by default)")


@dataclass
class Parallel:
    """Where to run: an executor (None: in this process) and what goes with it.

    Attributes
    ----------
    executor : Executor or None
    threads : int or None
        Thread cap of each configuration.
    capacity : callable or None
        Configurations the executor runs at once (for the progress counts).
    display : Display or None
        Progress display of a parallel run (None when quiet or sequential).
    """

    executor: Executor | None
    threads: int | None
    capacity: Callable[[], int | None] | None = None
    display: Display | None = None

    def kwargs(self) -> dict[str, Any]:
        """``executor``, ``threads`` and ``capacity`` for verify, compare and sweep."""
        return {"executor": self.executor, "threads": self.threads, "capacity": self.capacity}

    def progress(self, say: Callable[[str], None] | None) -> Callable[[Any], None] | None:
        """The progress callback: the display in parallel, ``say`` sequentially."""
        return self.display if self.executor is not None else say

    def write(self, line: str, say: Callable[[str], None] | None) -> None:
        """A line on stderr that does not break the progress display."""
        if self.display is not None:
            self.display.write(line)
        elif say is not None:
            say(line)


@contextmanager
def parallel_run(args: argparse.Namespace, quiet: bool = False) -> Iterator[Parallel]:
    """The executor chosen by ``--jobs`` / ``--scheduler``, closed at the end.

    Parameters
    ----------
    args : argparse.Namespace
        With ``jobs``, ``scheduler`` and ``threads``.
    quiet : bool
        No progress display and no scheduler line.

    Yields
    ------
    Parallel
    """
    threads = args.threads
    if args.scheduler is not None:
        with dask_client(args.scheduler) as client:
            display = None if quiet else progress_display()
            try:
                if display is not None:
                    display.write("  " + scheduler_line(client, args.scheduler))
                executor = client.get_executor(pure=False)  # every configuration computed, none reused
                yield Parallel(executor, threads, lambda: dask_slots(client), display)
            finally:
                if display is not None:
                    display.close()
    elif args.jobs is not None and args.jobs > 1:
        jobs = args.jobs
        if threads is None and not os.environ.get(ENV_VAR):  # the workers read TNRANK_THREADS
            threads = threads_per_worker(jobs)
        display = None if quiet else progress_display()
        try:
            with local_pool(jobs) as pool:
                yield Parallel(pool, threads, lambda: jobs, display)
        finally:
            if display is not None:
                display.close()
    else:
        yield Parallel(None, threads)
