"""How much memory the machine has for tnrank, and refusing work that will not fit.

Large computations (grid tensors, K × K sample matrices, exact eliminations)
check their estimated footprint here *before* allocating, so an impossible
size ends in one clear message instead of a ``MemoryError`` minutes later.
The available memory is read from ``/proc/meminfo`` (``MemAvailable``) where
there is one, else from ``os.sysconf``; ``TNRANK_MEMORY`` (bytes, or with a
``K``/``M``/``G`` suffix) overrides it, for example on a shared node. A cap on the
process's address space (``ulimit -v``, ``RLIMIT_AS``) lowers either to what is left of it.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager

from tnrank.errors import TnrankError

__all__ = ["ENV_VAR", "available_memory", "check_memory", "format_bytes", "paused_gc"]

#: Environment variable that overrides the detected available memory.
ENV_VAR = "TNRANK_MEMORY"

_SUFFIX = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def _parse_size(text: str) -> int:
    raw = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = raw[-1:] if raw[-1:] in _SUFFIX else ""
    number = raw[: len(raw) - len(unit)].strip()
    try:
        value = float(number)
    except ValueError:
        raise TnrankError(
            f"{ENV_VAR}={text!r} is not a size; write bytes or a number with K, M or G (e.g. 8G)"
        ) from None
    if not value > 0 or value > 2**60:
        raise TnrankError(f"{ENV_VAR}={text!r} must be a positive size below 1 EiB")
    return int(value * _SUFFIX[unit])


def available_memory() -> int:
    """Bytes of memory tnrank may use now (``TNRANK_MEMORY`` or the OS's estimate).

    Returns
    -------
    int

    Examples
    --------
    >>> available_memory() > 0
    True
    """
    env = os.environ.get(ENV_VAR)
    left = _address_space_left()
    if env not in (None, ""):
        return min(_parse_size(env), left)
    return min(_detected_memory(), left)


def _address_space_left() -> int:
    """Bytes the address-space cap (``RLIMIT_AS``) leaves this process, or a huge number."""
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY or soft < 0:
            return 2**62
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[0])
        return max(0, soft - pages * os.sysconf("SC_PAGE_SIZE"))
    except (ImportError, OSError, ValueError, IndexError, AttributeError):
        return 2**62


def _detected_memory() -> int:
    """The operating system's estimate of the memory available now."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - exotic platforms
        return 2**34


def format_bytes(n: float) -> str:
    """``n`` bytes as a short human size (``"3.6 GiB"``).

    Examples
    --------
    >>> format_bytes(3 * 2**30), format_bytes(1536)
    ('3.0 GiB', '1.5 KiB')
    """
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def check_memory(nbytes: int, what: str, fix: str, *, fraction: float = 0.8) -> None:
    """Refuse ``what`` when it needs more than ``fraction`` of the available memory.

    Parameters
    ----------
    nbytes : int
        Estimated peak bytes of the computation.
    what : str
        What would be allocated, for the message (``"the 90000 × 90000 sample matrix"``).
    fix : str
        The option or parameter that lowers it, for the message.
    fraction : float
        Share of the available memory that may be used.

    Raises
    ------
    TnrankError
        Naming the need, the limit and the fix.

    Examples
    --------
    >>> check_memory(1024, "a small array", "none needed")
    >>> check_memory(2**70, "a huge array", "use fewer samples")
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: a huge array needs 1073741824.0 TiB of memory, ...
    """
    limit = int(available_memory() * fraction)
    if nbytes > limit:
        raise TnrankError(
            f"{what} needs {format_bytes(nbytes)} of memory, more than the {format_bytes(limit)} "
            f"available ({ENV_VAR} overrides the detected amount); {fix}"
        )


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building large graphs (it
    would rescan the growing containers thousands of times); restore it after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
