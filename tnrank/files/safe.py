"""Safe file input and output: hostile inputs refused, outputs written atomically.

Every file tnrank reads goes through :func:`read_text` and :func:`parse_json` /
:func:`parse_toml`; every file it writes goes through :func:`atomic_write` (or
:func:`atomic_path` for writers such as matplotlib that want a path).

Reading
    Only regular files are opened (a FIFO, a device or a directory is refused
    before ``open``, so reading never blocks); the size is checked before and
    while reading; text must be UTF-8; nesting deeper than :data:`MAX_NESTING`
    and integers longer than Python's 4,300-digit limit are reported as the
    file's problems, never as ``RecursionError`` or ``ValueError``.

Writing
    The new content goes to a temporary file in the destination's folder, is
    flushed to disk, then renamed over the destination (``os.replace`` is atomic
    on POSIX and Windows). An interrupted or killed run therefore leaves either
    the old file or the complete new one, never a partial one.

A file being written by one process is locked (:func:`exclusive`) so that a
second tnrank process is refused instead of interleaving its writes.

Output paths are checked before any long computation by
:func:`check_output_path` (folder exists and is writable, not a directory,
suffix known) and :func:`check_distinct_outputs` (no file named twice).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tnrank.errors import TnrankError
from tnrank.formatting import printable

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "MAX_NESTING",
    "MAX_READ_BYTES",
    "read_text",
    "parse_json",
    "parse_toml",
    "atomic_write",
    "atomic_path",
    "check_output_path",
    "check_distinct_outputs",
    "printable",
    "write_json",
    "exclusive",
]

#: Deepest nesting of arrays and tables accepted in a JSON or TOML file.
MAX_NESTING = 64
#: Default size limit of a file read by tnrank (64 MiB).
MAX_READ_BYTES = 64 * 2**20

def read_text(path: str | os.PathLike, what: str, *, max_bytes: int = MAX_READ_BYTES) -> str:
    """The UTF-8 text of a regular file, refused cleanly when it is anything else.

    Parameters
    ----------
    path : str or path-like
    what : str
        What the file should be, for messages (``"an architecture file (.toml)"``).
    max_bytes : int
        Largest accepted size.

    Returns
    -------
    str

    Raises
    ------
    TnrankError
        Missing file, directory, FIFO or device, unreadable, too large, not UTF-8.
    """
    label = printable(os.fspath(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise TnrankError(f"{label}: no such file; give the path of {what}") from None
    except OSError as exc:
        raise TnrankError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise TnrankError(f"{label}: is a directory; give the path of {what}")
    if not stat.S_ISREG(info.st_mode):
        raise TnrankError(
            f"{label}: is not a regular file (a pipe, socket or device); give the path of {what}"
        )
    if info.st_size > max_bytes:
        raise TnrankError(_too_big(label, info.st_size, max_bytes))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the stat
                raise TnrankError(f"{label}: is not a regular file; give the path of {what}")
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise TnrankError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:
        raise TnrankError(_too_big(label, len(raw), max_bytes))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TnrankError(
            f"{label}: not a text file (invalid UTF-8 at byte {exc.start}); give the path of {what}"
        ) from None


def _too_big(label: str, size: int, limit: int) -> str:
    return (f"{label}: {size:,} bytes is too large for this kind of file (limit {limit:,} "
            "bytes); is it the right file?")


def _nesting_problem(data: Any) -> bool:
    """True when ``data`` nests lists/dicts deeper than :data:`MAX_NESTING` (iterative)."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_NESTING:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _parse(loader: Any, text: str, source: str, kind: str, errors: tuple) -> Any:
    label = printable(source)
    try:
        data = loader(text)
    except RecursionError:
        raise TnrankError(
            f"{label}: arrays or tables nested too deeply (tnrank reads at most {MAX_NESTING} "
            "levels); is it the right file?"
        ) from None
    except errors as exc:
        raise TnrankError(f"{label}: not a valid {kind} file: {printable(exc)}") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise TnrankError(f"{label}: a value cannot be read ({printable(exc).split(';')[0]})") from None
    if _nesting_problem(data):
        raise TnrankError(
            f"{label}: arrays or tables nested more than {MAX_NESTING} levels deep; is it the "
            "right file?"
        )
    return data


def parse_json(text: str, source: str = "<string>") -> Any:
    """Parse JSON text; every problem becomes a :class:`~tnrank.errors.TnrankError` naming ``source``.

    Examples
    --------
    >>> parse_json('{"a": [1, 2]}')
    {'a': [1, 2]}
    >>> parse_json('[' * 100000 + ']' * 100000, "deep.json")
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: deep.json: arrays or tables nested too deeply ...
    """
    return _parse(json.loads, text, source, "JSON", (json.JSONDecodeError,))


def parse_toml(text: str, source: str = "<string>") -> dict[str, Any]:
    """Parse TOML text; every problem becomes a :class:`~tnrank.errors.TnrankError` naming ``source``.

    Examples
    --------
    >>> parse_toml('M = 3')
    {'M': 3}
    >>> parse_toml('M = ' + '9' * 5000, "big.toml")
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: big.toml: a value cannot be read (Exceeds the limit (4300 digits) ...
    """
    return _parse(tomllib.loads, text, source, "TOML", (tomllib.TOMLDecodeError,))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it when the block ends without error.

    For writers that want a file name (``matplotlib.Figure.savefig``). On an
    exception, including ``KeyboardInterrupt``, the temporary file is removed and
    ``path`` is untouched.

    Parameters
    ----------
    path : str or path-like
        The destination.

    Yields
    ------
    pathlib.Path
        Where to write; it keeps the destination's suffix.
    """
    dest = Path(path)
    folder = dest.parent if str(dest.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=f".tmp{dest.suffix}",
                                    dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        _keep_mode(dest, tmp)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _keep_mode(dest: Path, tmp: Path) -> None:
    """Give the new file the old file's permissions, or the umask's default."""
    try:
        mode = stat.S_IMODE(os.stat(dest).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)


def write_json(path: str | os.PathLike, data: Any, indent: int | None = 2) -> None:
    """Write ``data`` as JSON to ``path`` atomically (see :func:`atomic_write`).

    Raises
    ------
    TnrankError
        When the folder is missing or not writable.
    """
    text = json.dumps(data, indent=indent, ensure_ascii=False) + "\n"
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise TnrankError(f"cannot write {printable(os.fspath(path))!r} ({exc.strerror or exc})") from None


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, flush, fsync, rename).

    Parameters
    ----------
    path : str or path-like
    data : str or bytes
        Text is written as UTF-8 with ``\\n`` line endings.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> atomic_write(p, "hello\\n"); p.read_text()
    'hello\\n'
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()


def check_output_path(path: str | os.PathLike, what: str,
                      suffixes: Sequence[str] | None = None) -> Path:
    """Check, before computing, that ``path`` can receive a new file.

    Parameters
    ----------
    path : str or path-like
    what : str
        The output, for messages (``"the figure"``).
    suffixes : sequence of str, optional
        Accepted suffixes (``[".svg", ".png", ".pdf"]``); any when None.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    TnrankError
        The path is a directory or other non-regular file, its folder is missing
        or not writable, or its suffix is not one of ``suffixes``.
    """
    p = Path(path)
    label = printable(os.fspath(path))
    if not str(path) or str(path).endswith(os.sep):
        raise TnrankError(f"{label!r} is not a file name; give a file name for {what}")
    if p.is_dir():
        raise TnrankError(f"{label}: is a directory; give a file name for {what}")
    if p.exists() and not p.is_file():
        raise TnrankError(f"{label}: is not a regular file; give a file name for {what}")
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise TnrankError(
            f"{label}: unknown suffix {p.suffix or '(none)'!r} for {what}; end the name with one "
            f"of {', '.join(suffixes)}"
        )
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise TnrankError(f"{label}: folder {printable(folder)} does not exist; create it or "
                          f"choose another path for {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise TnrankError(f"{label}: folder {printable(folder)} is not writable; choose another "
                          f"path for {what}")
    if p.exists() and not os.access(p, os.W_OK):
        raise TnrankError(f"{label}: exists and is not writable; choose another path for {what}")
    return p


def check_distinct_outputs(paths: dict[str, str | os.PathLike | None]) -> None:
    """Refuse two outputs that name the same file.

    Parameters
    ----------
    paths : dict
        ``{what: path}`` for each output requested (None entries are skipped).

    Examples
    --------
    >>> check_distinct_outputs({"the figure": "x.svg", "the CSV table": "x.csv"})
    >>> check_distinct_outputs({"the figure": "x.svg", "the CSV table": "./x.svg"})
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: the figure and the CSV table both name ./x.svg; give each output its own file
    """
    seen: dict[str, str] = {}
    for what, path in paths.items():
        if path is None:
            continue
        key = os.path.normcase(os.path.realpath(os.fspath(path)))
        if key in seen:
            raise TnrankError(f"{seen[key]} and {what} both name {printable(os.fspath(path))}; "
                              "give each output its own file")
        seen[key] = what


@contextlib.contextmanager
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
