"""Files that survive a crash and refuse a second writer.

:func:`write_json` writes a temporary file in the same directory, flushes it
to disk and renames it over the target, so a reader (or a rerun after
``kill -9``) sees the old file or the new one, never half of one.
:func:`exclusive` takes an advisory lock on ``PATH.lock`` for as long as a
process writes ``PATH``; a second process is refused with one clear line. The
lock dies with its process, so a killed run leaves nothing to clean up.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import TnrankError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["write_json", "exclusive"]


def write_json(path: str | os.PathLike, data: Any, indent: int | None = 2) -> None:
    """Write ``data`` as JSON to ``path`` atomically.

    Parameters
    ----------
    path : path-like
    data : JSON-serialisable object
    indent : int or None

    Raises
    ------
    TnrankError
        When the directory is missing or not writable.
    """
    target = Path(path)
    text = json.dumps(data, indent=indent, ensure_ascii=False) + "\n"
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise TnrankError(f"cannot write {str(target)!r} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise TnrankError(f"cannot write {str(target)!r} ({exc.strerror})") from None
        raise


@contextmanager
def exclusive(path: str | os.PathLike, what: str = "file") -> Iterator[None]:
    """Hold the write lock of ``path`` for the block (a sibling ``PATH.lock`` file).

    Parameters
    ----------
    path : path-like
        The file about to be written.
    what : str
        What it is, for the refusal (``"results file"``).

    Raises
    ------
    TnrankError
        When another process holds the lock.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "r.json")
    >>> with exclusive(target):
    ...     with exclusive(target):
    ...         pass
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: ...r.json is being written by another tnrank process (pid ...); ...
    """
    lock = Path(f"{path}.lock")
    fd = _acquire(lock, str(path), what)
    try:
        yield
    finally:
        try:
            lock.unlink(missing_ok=True)  # while still locked: no one can hold a stale copy
        finally:
            os.close(fd)


def _acquire(lock: Path, path: str, what: str) -> int:
    for _attempt in range(10):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise TnrankError(f"cannot create the lock file {str(lock)!r} ({exc.strerror})") from None
        if fcntl is None:  # pragma: no cover - no advisory locks: best effort
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise TnrankError(
                f"{path} is being written by another tnrank process (pid {holder}); wait for it "
                f"to finish or write to another {what}"
            ) from None
        try:  # the holder before us may have removed the file we opened: lock the current one
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            return fd
        os.close(fd)
    raise TnrankError(f"cannot lock {path}: its lock file keeps changing; retry")  # pragma: no cover
