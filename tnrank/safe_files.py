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
    The new content goes to a temporary file in the destination's folder (created
    with ``O_EXCL``, so no planted file or link is followed), is flushed to disk,
    then renamed over the destination (``os.replace`` is atomic on POSIX and
    Windows). An interrupted or killed run therefore leaves either the old file or
    the complete new one, never a partial one. A killed writer (``SIGKILL``, a
    power cut) cannot remove its temporary file; the file's name carries the
    writer's host and process id (``.NAME.tnrank-HOST-PID-RANDOM.tmp.SUFFIX``) and
    the next tnrank write to ``NAME`` removes those whose process has ended. Only a
    regular file (or a new path)
    is replaced: a device, a FIFO, a socket or a directory at the destination is
    refused, and a symbolic link there is replaced by the new file, its target
    left untouched. A failed write (a full disk, a read-only folder) is one
    :class:`~tnrank.errors.TnrankError` line and leaves nothing behind.

A file being written by one process is locked (:func:`exclusive`) so that a
second tnrank process is refused instead of interleaving its writes. The lock
file is opened without following links (``O_NOFOLLOW``), and anything at its
path but a plain file of tnrank's own is refused, so a planted link or FIFO
never makes tnrank write elsewhere or block.
:func:`process_running` says whether the process of a writer (or of a worker
pool's parent) still runs.

Output paths are checked before any long computation by
:func:`check_output_path` (folder exists and a file can be created in it, not a
directory or special file, suffix known) and :func:`check_distinct_outputs` (no
file named twice).

This module is part of tnrank's foundation (beside :mod:`tnrank.errors`): every
stage that reads or writes a file uses it, without importing :mod:`tnrank.files`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import socket
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
    "process_running",
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
    """True when ``data`` nests lists/dicts deeper than :data:`MAX_NESTING` (iterative, one level
    of containers at a time: the children are gathered by C loops, so a file of millions of
    entries is walked in a fraction of its parsing time)."""
    level = [data] if isinstance(data, (dict, list)) else []
    depth = 1
    while level:
        if depth > MAX_NESTING:
            return True
        children: list[Any] = []
        for item in level:
            children.extend(item.values() if isinstance(item, dict) else item)
        level = [child for child in children if isinstance(child, (dict, list))]
        depth += 1
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
        The destination: a regular file, a symbolic link (replaced by the new file; its
        target is not written) or a new path.

    Yields
    ------
    pathlib.Path
        Where to write; it keeps the destination's suffix.

    Raises
    ------
    TnrankError
        When the destination is a directory, device, FIFO or socket, or the file cannot
        be written (a missing or read-only folder, a full disk); nothing is left behind.
    """
    dest = Path(path)
    label = printable(os.fspath(path))
    _check_replaceable(dest, label)
    folder = dest.parent if str(dest.parent) else Path(".")
    prefix, suffix = _temporary_prefix(dest), f".tmp{dest.suffix}"
    _remove_stale_temporaries(dest, folder, prefix, suffix)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f"{prefix}{os.getpid()}-", suffix=suffix,
                                        dir=folder)
    except OSError as exc:
        raise TnrankError(f"{label}: cannot be written ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        _keep_mode(dest, tmp)
        _check_replaceable(dest, label)  # the destination may have changed while writing
        os.replace(tmp, dest)
        _sync_folder(folder)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise TnrankError(f"{label}: cannot be written ({exc.strerror or exc})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _temporary_prefix(dest: Path) -> str:
    """The start of the temporary names of ``dest`` written from this host: the
    process id and a random part follow."""
    host = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
    return f".{dest.name}.tnrank-{host}-"


def _remove_stale_temporaries(dest: Path, folder: Path, prefix: str, suffix: str) -> None:
    """Remove the temporary files that killed writers of ``dest`` on this host left (the
    names in ``folder`` between ``prefix`` and ``suffix``, the writer's process id first).

    A temporary file is stale when the process named in it has ended; files of
    running processes, of other hosts (a shared folder) and anything but a regular
    file are left alone. Each destination is looked at once per process.
    """
    key = os.path.abspath(dest)
    if key in _swept:
        return
    _swept.add(key)
    try:
        names = [entry.name for entry in os.scandir(folder)
                 if entry.name.startswith(prefix) and entry.name.endswith(suffix)]
    except OSError:
        return
    for name in names:
        pid_text = name[len(prefix):].split("-", 1)[0]
        if not pid_text.isdigit() or process_running(int(pid_text)):
            continue
        stale = folder / name
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.lstat(stale).st_mode):
                stale.unlink()


_swept: set[str] = set()


def process_running(pid: int) -> bool:
    """Whether process ``pid`` runs on this host.

    A process that has ended does not, nor does a zombie (ended, not yet reaped); a
    process of another user does. Where ``kill(pid, 0)`` is no probe (not POSIX) every
    process counts as running. Used for the temporary files of killed writers and by
    worker processes that end with their parent.
    """
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):  # another user's, or not a process id
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True  # no /proc: kill has answered


def _check_replaceable(dest: Path, label: str) -> None:
    """Refuse to replace anything but a regular file or a symbolic link (which is replaced
    itself, never followed)."""
    try:
        info = os.lstat(dest)
    except OSError:
        return  # a new path (or one the write itself will report)
    if stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
        return
    kind = "a directory" if stat.S_ISDIR(info.st_mode) else "a device, FIFO or socket"
    raise TnrankError(f"{label}: is {kind}, not a regular file; tnrank writes only regular "
                      "files: choose another path")


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry of a renamed file to disk (where the platform allows it)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
        When the file cannot be written (see :func:`atomic_path`).
    """
    atomic_write(path, json.dumps(data, indent=indent, ensure_ascii=False) + "\n")


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, flush, fsync, rename).

    Parameters
    ----------
    path : str or path-like
    data : str or bytes
        Text is written as UTF-8 with ``\\n`` line endings.

    Raises
    ------
    TnrankError
        When the file cannot be written (see :func:`atomic_path`).

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

    The folder is asked to hold a file for real (one is created and removed at
    once), so a read-only file system or a folder such as ``/proc`` is refused
    before the work, not after it.

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
        or no file can be created in it, or its suffix is not one of ``suffixes``.

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_output_path(os.path.join(folder, "table.csv"), "the table", [".json"])
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: ...table.csv: unknown suffix '.csv' for the table; end the name with .json
    """
    p = Path(path)
    label = printable(os.fspath(path))
    if not str(path) or str(path).endswith(os.sep):
        raise TnrankError(f"{label!r} is not a file name; give a file name for {what}")
    if p.is_dir():
        raise TnrankError(f"{label}: is a directory; give a file name for {what}")
    if p.exists() and not p.is_file():
        raise TnrankError(f"{label}: is not a regular file (a device, FIFO or socket); give a file "
                          f"name for {what}")
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise TnrankError(
            f"{label}: unknown suffix {p.suffix or '(none)'!r} for {what}; end the name with "
            f"{' or '.join(suffixes) if len(suffixes) <= 2 else 'one of ' + ', '.join(suffixes)}"
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
    try:  # the folder's permissions do not tell everything (read-only mounts, /proc, quotas)
        fd, probe = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise TnrankError(f"{label}: no file can be created in folder {printable(folder)} "
                          f"({exc.strerror or exc}); choose another path for {what}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
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
    label = printable(os.fspath(lock))
    flags = (os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
             | getattr(os, "O_CLOEXEC", 0))
    for _attempt in range(10):
        _check_lock_path(lock, label)  # before opening: a device or FIFO is never opened
        try:
            fd = os.open(lock, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise TnrankError(f"{label}: the lock file is a symbolic link; tnrank never follows "
                                  "one there: remove it and run again") from None
            raise TnrankError(f"cannot create the lock file {label} ({exc.strerror or exc})") from None
        try:
            _check_lock_file(fd, label)
        except TnrankError:
            os.close(fd)
            raise
        if fcntl is None:  # pragma: no cover - no advisory locks: best effort
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise TnrankError(
                f"{path} is being written by another tnrank process (pid {printable(holder)}); wait "
                f"for it to finish or write to another {what}"
            ) from None
        try:  # the holder before us may have removed the file we opened: lock the current one
            same = os.stat(lock, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            try:
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
            except OSError as exc:  # a full disk: leave no lock file behind
                with contextlib.suppress(OSError):
                    lock.unlink()
                os.close(fd)
                raise TnrankError(f"cannot write the lock file {label} ({exc.strerror or exc}); "
                                  f"free some space or write to another {what}") from None
            return fd
        os.close(fd)
    raise TnrankError(f"cannot lock {path}: its lock file keeps changing; retry")  # pragma: no cover


def _check_lock_path(lock: Path, label: str) -> None:
    """Refuse a lock path that holds anything but a plain file (checked before opening it)."""
    try:
        info = os.lstat(lock)
    except OSError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise TnrankError(f"{label}: the lock file is a symbolic link; tnrank never follows one "
                          "there: remove it and run again")
    if not stat.S_ISREG(info.st_mode):
        raise TnrankError(f"{label}: the lock file is not a regular file (a FIFO, socket, device or "
                          "directory); remove it and run again")


def _check_lock_file(fd: int, label: str) -> None:
    """The opened lock must be a regular file with no other name (a hard link to another
    file would be truncated when tnrank writes its pid)."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise TnrankError(f"{label}: the lock file is not a regular file; remove it and run again")
    if info.st_nlink > 1:
        raise TnrankError(f"{label}: the lock file is a hard link to another file ({info.st_nlink} "
                          "names); tnrank does not write into it: remove it and run again")
