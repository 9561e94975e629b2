"""Helpers of the hostile-input tests: a deadline, a command run in this process, special files.

Every special file is made inside the test's temporary folder: FIFOs, symbolic links (some
pointing at a device, never written through), and device nodes only where the test may make
them (``os.mknod`` as root); no test opens, reads or writes a real device.
"""

from __future__ import annotations

import os
import signal
import stat
from contextlib import contextmanager

import pytest

from tnrank.cli import main


@contextmanager
def deadline(seconds: int):
    """Fail (instead of hanging CI) when the block runs longer than ``seconds``."""
    def expired(_signum, _frame):
        raise TimeoutError(f"took more than {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(capsys, *argv, seconds: int = 60) -> tuple[int, str, str]:
    """``tnrank ARGV`` in this process within ``seconds``: exit code, stdout, stderr."""
    with deadline(seconds):
        code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, *argv, fragment: str = "", seconds: int = 60) -> str:
    """Run ``tnrank ARGV`` and check it is refused the way the docs promise: exit code 2, one
    line on stderr naming the command, no traceback; returns that line."""
    code, _out, err = run(capsys, *argv, seconds=seconds)
    assert code == 2, (argv, code, err)
    assert err.count("\n") == 1 and err.startswith("tnrank"), (argv, err)
    assert "Traceback" not in err
    assert fragment in err, (fragment, err)
    return err.strip()


def fifo(path) -> str:
    """A FIFO at ``path`` (inside the test's folder)."""
    os.mkfifo(path)
    return str(path)


def device_node(path) -> str:
    """A character device node at ``path`` like /dev/full (major 1, minor 7), made inside the
    test's folder; skips the test where this process may not make device nodes."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except (PermissionError, AttributeError, OSError):
        pytest.skip("device nodes cannot be made here (needs root)")
    return str(path)


def kind(path) -> str:
    """``file``, ``link``, ``fifo``, ``device``, ``folder`` or ``missing`` (never follows links)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    for test, name in ((stat.S_ISLNK, "link"), (stat.S_ISREG, "file"), (stat.S_ISFIFO, "fifo"),
                       (stat.S_ISCHR, "device"), (stat.S_ISDIR, "folder")):
        if test(mode):
            return name
    return "other"
