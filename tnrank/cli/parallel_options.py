"""``--jobs``, ``--scheduler`` and ``--threads``: where a command's configurations run.

Without ``--jobs`` or ``--scheduler`` a command runs as it always has, one
configuration after another in its own process (``--threads`` then caps that
process). ``--jobs N`` starts N local worker processes sharing the cores;
``--scheduler ADDRESS`` sends the work to a running Dask scheduler, and needs
the ``distributed`` extra. Dask is imported only here, and only for
``--scheduler``.
"""

from __future__ import annotations

import argparse
import os
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tnrank.cli.common import positive_int
from tnrank.errors import TnrankError
from tnrank.runtime.parallel import first_line, local_pool, threads_per_worker
from tnrank.runtime.progress import Display, progress_display
from tnrank.runtime.threads import ENV_VAR

__all__ = ["add_parallel_options", "parallel_run", "Parallel", "EXTRA_HINT", "connect"]

#: What to install for ``--scheduler``.
EXTRA_HINT = 'pip install "tnrank[distributed]"'


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


def _probe(address: str) -> None:
    """Fail fast, with one line, on an address that is malformed or refuses connections
    (a Client that cannot connect retries until its timeout and complains again at exit)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return  # inproc://, ucx://, ...: left to Dask
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise TnrankError(f"--scheduler {address!r} is not a scheduler address ({first_line(exc)}); "
                          "write tcp://host:8786") from None
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as exc:
        raise TnrankError(f"cannot reach the Dask scheduler at {address} ({exc.strerror or exc}); "
                          "start one with `dask scheduler` or check the address") from None


def connect(address: str) -> Any:
    """A ``distributed.Client`` of the Dask scheduler at ``address``; every failure (Dask
    missing, an address that is empty, malformed or refuses connections) is one line."""
    if not address.strip():
        raise TnrankError("--scheduler needs the address of a running Dask scheduler, such as "
                          "tcp://host:8786; leave it out to run here")
    try:
        from distributed import Client  # the optional extra
    except ImportError:
        raise TnrankError(f"--scheduler needs Dask, which is not installed: {EXTRA_HINT}") from None
    _probe(address)
    try:
        return Client(address, timeout="30s", set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise TnrankError(f"cannot reach the Dask scheduler at {address} ({first_line(exc)}); "
                          "start one with `dask scheduler` or check the address") from None


def _dask_slots(client: Any) -> int | None:
    try:
        workers = client.scheduler_info(n_workers=-1)["workers"]
    except Exception:  # progress counts only; never stop a sweep for them
        return None
    return sum(int(w.get("nthreads", 1)) for w in workers.values()) or None


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
        client = connect(args.scheduler)
        display = None if quiet else progress_display()
        try:
            if display is not None:
                info = client.scheduler_info(n_workers=-1)
                workers = info.get("workers", {})
                line = (f"  Dask scheduler {args.scheduler}: {len(workers)} workers, "
                        f"{sum(int(w.get('nthreads', 1)) for w in workers.values())} threads")
                if "dashboard" in info.get("services", {}):
                    line += f"; dashboard {client.dashboard_link}"
                display.write(line)
            executor = client.get_executor(pure=False)  # every configuration computed, none reused
            yield Parallel(executor, threads, lambda: _dask_slots(client), display)
        finally:
            if display is not None:
                display.close()
            client.close()
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
