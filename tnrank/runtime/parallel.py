"""Independent configurations on any ``concurrent.futures.Executor``.

Each configuration of a sweep is one deterministic ``certify`` call whose
report pickles in about 1.5 KB, so a sweep is an embarrassingly parallel map:
the job of an existing engine (a process pool, loky, a Dask cluster through
``Client.get_executor()``), not of a scheduler of tnrank's own.
:func:`map_unordered` submits every configuration and yields results as they
finish, each with its index, so callers store them as they come and can
restore the sequential order.

Every task runs under a thread cap (``tnrank.runtime.threads``), so N workers on
one node do not each start a thread per core. The cap is, in order: the
``threads`` argument, ``TNRANK_THREADS`` in the worker's environment, and on a
Dask worker the BLAS thread count Dask set for it (one thread by default).

The core never imports Dask; :func:`local_pool` builds the process pool behind
``--jobs``.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import TypeVar

from tnrank.errors import TnrankError
from tnrank.runtime.progress import Status
from tnrank.runtime.threads import ENV_VAR, available_cores, get_threads, limited_threads
from tnrank.safe_files import process_running

__all__ = ["map_unordered", "local_pool", "threads_per_worker", "worker_threads", "die_with"]

T = TypeVar("T")
R = TypeVar("R")


def threads_per_worker(workers: int) -> int:
    """The cores of this machine shared between ``workers`` processes (at least 1).

    Examples
    --------
    >>> threads_per_worker(10**6)
    1
    """
    return max(1, available_cores() // max(1, workers))


def worker_threads(threads: int | None = None) -> int | None:
    """The thread cap for one task on this process (None: leave it as it is).

    Parameters
    ----------
    threads : int or None
        An explicit cap wins. Otherwise ``TNRANK_THREADS`` if set; otherwise,
        on a Dask worker, the BLAS thread count Dask gave its worker processes
        (``OMP_NUM_THREADS``, 1 unless the cluster's ``pre-spawn-environ``
        says otherwise), so tnrank's own threads follow the same choice.

    Returns
    -------
    int or None
    """
    if threads is not None:
        return threads
    if os.environ.get(ENV_VAR, "") != "":
        return get_threads()
    distributed = sys.modules.get("distributed")  # present only inside a Dask worker or client
    if distributed is None:
        return None
    try:
        distributed.get_worker()
    except ValueError:  # a client, not a worker
        return None
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ValueError:
        return 1


def _capped_call(func: Callable[[T], R], threads: int | None, item: T) -> R:
    """Run one task under the worker's thread cap (module level: picklable by reference)."""
    with limited_threads(worker_threads(threads)):
        return func(item)


def _failure(exc: BaseException, label: str) -> TnrankError | None:
    """A clear message for a worker that died (the rows already finished are kept)."""
    if isinstance(exc, BrokenProcessPool):
        return TnrankError(f"a worker process died while computing {label} (out of memory, or "
                           "killed); the configurations finished before were kept")
    if type(exc).__name__ == "KilledWorker":  # distributed's, matched by name: never imported here
        return TnrankError(f"the Dask workers computing {label} died repeatedly (out of memory?); "
                           "the configurations finished before were kept")
    return None


def map_unordered(
    func: Callable[[T], R],
    items: Sequence[T],
    executor: cf.Executor,
    *,
    threads: int | None = None,
    labels: Sequence[str] | None = None,
    progress: Callable[[Status], None] | None = None,
    capacity: Callable[[], int | None] | None = None,
    refresh: float = 1.0,
) -> Iterator[tuple[int, R]]:
    """Run ``func`` on every item on ``executor``, yielding ``(index, result)`` as each finishes.

    Parameters
    ----------
    func : callable
        A module-level function (process pools and Dask pickle it by reference).
    items : sequence
        Its arguments; each must pickle.
    executor : concurrent.futures.Executor
        A process pool, loky's executor, ``distributed.Client.get_executor()``, ...
    threads : int, optional
        Thread cap of each task (see :func:`worker_threads` for the default).
    labels : sequence of str, optional
        A name per item for progress and error messages.
    progress : callable(Status), optional
        Called after each finished item, and every ``refresh`` seconds in between.
    capacity : callable returning int, optional
        How many items the executor runs at once (for the running / queued counts
        when its futures do not say; Dask's do not).
    refresh : float
        Seconds between timer refreshes of ``progress``.

    Yields
    ------
    (int, result)
        The item's position in ``items`` and ``func(item)``, in the order they finish.

    Raises
    ------
    TnrankError
        When a worker process died (process pool) or Dask gave up on a task.

    Notes
    -----
    Leaving the loop early (an exception, Ctrl-C, ``break``) cancels what has
    not started.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     sorted(map_unordered(abs, [-3, 1, -2], pool))
    [(0, 3), (1, 1), (2, 2)]
    """
    items = list(items)
    names = list(labels) if labels is not None else [f"item {i}" for i in range(len(items))]
    start = time.monotonic()
    index = {executor.submit(_capped_call, func, threads, item): i for i, item in enumerate(items)}
    pending = set(index)
    done = 0

    def status(last: str) -> Status:
        reported = sum(f.running() for f in pending)
        cap = capacity() if capacity is not None else None
        running: int | None
        if cap is not None:
            running = min(len(pending), cap) if reported == 0 else min(reported, cap)
        else:
            running = reported if reported else None
        return Status(len(items), done, running, time.monotonic() - start, last)

    try:
        while pending:
            finished, pending = cf.wait(pending, timeout=refresh, return_when=cf.FIRST_COMPLETED)
            # the results that came back are handed out before any failure among them is raised
            failed = sorted((f for f in finished if f.cancelled() or f.exception() is not None),
                            key=index.__getitem__)
            for fut in sorted(set(finished) - set(failed), key=index.__getitem__):
                done += 1
                if progress is not None:
                    progress(status(names[index[fut]]))
                yield index[fut], fut.result()
            if failed:
                pending |= set(failed[1:])  # cancelled below with the rest
                if failed[0].cancelled():  # by the executor: a pool or scheduler shut down
                    raise TnrankError(f"the executor cancelled {names[index[failed[0]]]} (its pool "
                                      "or scheduler shut down); the configurations finished "
                                      "before were kept")
                exc = failed[0].exception()
                failure = _failure(exc, names[index[failed[0]]]) if exc is not None else None
                if failure is not None:
                    raise failure from None
                failed[0].result()  # raises the task's own exception
            if progress is not None and not finished:
                progress(status(""))
    finally:
        for fut in pending:
            fut.cancel()


def _mp_context() -> multiprocessing.context.BaseContext:
    """forkserver (workers forked from a clean process that has imported tnrank), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # what the first certify call would import lazily is imported once, in the server
        ctx.set_forkserver_preload(
            ["tnrank.studies.verification", "tnrank.studies.comparison", "tnrank.networks.mincut", "flint"])
        return ctx
    return multiprocessing.get_context("spawn")


#: PR_SET_PDEATHSIG of Linux's prctl(2): a signal for this process when its parent ends.
_PR_SET_PDEATHSIG = 1
#: Seconds between a worker's checks that the process that started its pool is alive.
_WATCH_SECONDS = 0.5


def _watch(pid: int) -> None:
    while process_running(pid):
        time.sleep(_WATCH_SECONDS)
    os._exit(1)


def die_with(pid: int) -> None:
    """Make this worker process end when process ``pid`` (the one that started its pool) ends,
    even by SIGKILL: no worker is left computing as an orphan.

    On Linux the kernel sends SIGKILL when the worker's parent ends (``PR_SET_PDEATHSIG``;
    the parent of a forkserver worker is the server, which ends with ``pid``); everywhere a
    daemon thread checks every half second that ``pid`` is alive. The initializer of the
    pools of :func:`local_pool`.
    """
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the thread below is enough
            pass
    if not process_running(pid):  # ended before the signal was asked for
        os._exit(1)
    threading.Thread(target=_watch, args=(pid,), daemon=True, name="tnrank-watch-parent").start()


@contextmanager
def local_pool(jobs: int) -> Iterator[cf.ProcessPoolExecutor]:
    """A pool of ``jobs`` worker processes on this machine, stopped at the end.

    On an exception (Ctrl-C included) the workers are terminated rather than
    left to finish configurations nobody will read; when this process is killed (SIGKILL
    included) they end with it (:func:`die_with`).

    Parameters
    ----------
    jobs : int
        Number of worker processes (at least 1).

    Yields
    ------
    concurrent.futures.ProcessPoolExecutor
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise TnrankError(f"jobs must be a whole number >= 1, got {jobs!r}")
    pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context(), initializer=die_with,
                                  initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            if proc.is_alive():
                proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (or its type when it has none)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
