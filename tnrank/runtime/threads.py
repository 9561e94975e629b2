"""One setting for the number of threads tnrank uses: its own pools and BLAS's.

tnrank runs independent blocks of work on a small thread pool (numpy releases
the GIL inside its loops) and leaves matrix products to the BLAS library,
which starts its own threads. Several tnrank processes on one node, or a pool
of worker processes, oversubscribe the cores unless both are capped. The cap
comes from, in order: :func:`set_threads` (or :func:`limited_threads`), the
``TNRANK_THREADS`` environment variable, the number of cores.

BLAS threads are capped with threadpoolctl, the library scikit-learn and
numpy's own tooling use for the purpose; tnrank does not reimplement it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from tnrank.errors import TnrankError

__all__ = [
    "ENV_VAR", "available_cores", "get_threads", "set_threads", "limited_threads", "blas_threads",
]

#: Environment variable read when no explicit setting was made.
ENV_VAR = "TNRANK_THREADS"

_setting: int | None = None


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS reports one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def _parse(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise TnrankError(f"{what} must be a whole number >= 1, got {value!r}") from None
    if value < 1:
        raise TnrankError(f"{what} must be a whole number >= 1, got {value!r}")
    return min(value, 4096)


def get_threads() -> int:
    """The thread cap in force: the explicit setting, ``TNRANK_THREADS``, or the cores.

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> with limited_threads(1):
    ...     get_threads()
    1
    """
    if _setting is not None:
        return _setting
    env = os.environ.get(ENV_VAR)
    if env not in (None, ""):
        return _parse(env, f"the environment variable {ENV_VAR}")
    return available_cores()


def set_threads(n: int | None) -> None:
    """Cap tnrank's threads and BLAS's threads at ``n`` for this process (None: undo).

    Parameters
    ----------
    n : int or None
        Thread cap, at least 1; None returns to ``TNRANK_THREADS`` or the core count.
    """
    global _setting
    _setting = None if n is None else _parse(n, "threads")
    _apply_blas(get_threads())


def _apply_blas(n: int) -> None:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return
    threadpool_limits(limits=n, user_api="blas")


@contextmanager
def limited_threads(n: int | None) -> Iterator[int]:
    """Within the block, tnrank and BLAS use at most ``n`` threads (None: no change).

    Parameters
    ----------
    n : int or None

    Yields
    ------
    int
        The cap in force inside the block.
    """
    global _setting
    if n is None:
        yield get_threads()
        return
    from threadpoolctl import threadpool_limits

    previous = _setting
    _setting = _parse(n, "threads")
    try:
        with threadpool_limits(limits=_setting, user_api="blas"):
            yield _setting
    finally:
        _setting = previous


_blas = None


@contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Within the block, BLAS uses at most ``n`` threads (restored after); tnrank's own
    setting is unchanged. For work that runs its own threads around small products, or
    small products that gain nothing from more threads.

    The threadpoolctl controller is looked up once and kept, so entering the block is cheap.
    """
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController().select(user_api="blas")
    with _blas.limit(limits=n):
        yield
