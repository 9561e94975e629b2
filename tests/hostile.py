"""Helpers of the hostile-input tests: a deadline, a command run in this process, special files.

Every special file is made inside the test's temporary folder: FIFOs, symbolic links (some
pointing at a device, never written through), and device nodes only where the test may make
them (``os.mknod`` as root); no test opens, reads or writes a real device.
"""

from __future__ import annotations

import copy
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


# ----------------------------------------------------------------- tampered results files
def _row(data: dict, **changes) -> dict:
    """A copy of ``data`` whose first row has ``changes`` (``separation__lower=7`` sets a key of
    the row's separation result)."""
    data = copy.deepcopy(data)
    row = data["rows"][0]
    for key, value in changes.items():
        target, _, sub = key.partition("__")
        if sub:
            row[target][sub] = value
        else:
            row[target] = value
    return data


def _config(data: dict, **changes) -> dict:
    data = copy.deepcopy(data)
    data["config"].update(changes)
    return data


def _claim(data: dict, rank: int) -> dict:
    """Both ranks of the first row claimed exactly ``rank``, every field made to agree."""
    data = copy.deepcopy(data)
    row = data["rows"][0]
    for quantity in ("grid", "separation"):
        res = row[quantity]
        res.update(lower=rank, upper=rank, rank=rank, exact=True, status="exact",
                   bounds={name: rank for name in res["bounds"]})
    return data


def tampered_results(data: dict) -> dict[str, dict]:
    """Forged or damaged variants of a genuine results file of ``verify -L 1 -R 2 -M 2 -T 2``
    (one row, L=1, M=R=2, T=2: separation rank 2), by name; tnrank must refuse every one."""
    huge = 10**400
    return {
        "rank 7 against Theorem 1": _claim(data, 7),
        "lower > upper": _row(data, separation__lower=99),
        "status unknown": _row(data, separation__status="maybe"),
        "rank key disagrees": _row(data, separation__rank=7),
        "negative rank": _claim(data, -1),
        "rank 10^400": _row(data, separation__upper=huge),
        "rank NaN": _row(data, separation__lower=float("nan")),
        "rank text": _row(data, separation__lower="2"),
        "seconds NaN": _row(data, separation__seconds=float("nan")),
        "float estimate NaN": _row(data, grid__float={"rank": 2, "tol": 1e-16, "sigma_max": float("nan"),
                                                      "sigma_min": 0.1, "compared_to": 2, "agrees": True}),
        "bounds not a table": _row(data, separation__bounds=[2]),
        "upper source unknown": _row(data, separation__upper_source="oracle"),
        "failure bound 3": _row(data, separation__failure_bound=3.0),
        "run rank text": _row(data, separation__runs=[{"prime": 5, "seed": 0, "samples": None,
                                                       "rank": "x"}]),
        "verdict forged": _row(data, verdict="holds"),
        "verdict unknown": _row(data, verdict="proved"),
        "L true": _row(data, L=True),
        "T text": _row(data, T="2"),
        "T 0": _config(_row(data, T=0), T=[0]),
        "T odd": _config(_row(data, T=3), T=[3]),
        "R label without architecture": _config(_row(data, R="2-2"), R="2-2"),
        "depth 10^400": _config(_row(data, L=huge), depths=[huge]),
        "row outside the configuration": _row(data, L=2),
        "row twice": {**copy.deepcopy(data), "rows": copy.deepcopy(data["rows"]) * 2},
        "row not an object": {**copy.deepcopy(data), "rows": [None]},
        "separation missing": _row(data, separation=None),
        "grid above separation": _row(data, grid__lower=3, grid__upper=3, grid__rank=3),
        "config depths 1..100000": _config(data, depths=list(range(1, 100_001))),
        "config M huge list": _config(data, M=list(range(1, 2_000))),
        "config seed text": _config(data, seed="0"),
        "config grid unknown": _config(data, grid="everything"),
        "config failure target 2": _config(data, failure_target=2.0),
    }


def tampered_analysis(data: dict) -> dict[str, dict]:
    """Forged or damaged variants of a genuine analysis results file (``tnrank analyze
    --json-file``, at least one row), by name; tnrank must refuse every one."""
    def row(**changes) -> dict:
        out = copy.deepcopy(data)
        out["rows"][0].update(changes)
        return out

    lie = copy.deepcopy(data)
    sep = lie["rows"][0]["report"]["separation"]
    sep["lower"] = sep["upper"] + 1
    return {
        "file label unknown": row(file="elsewhere.toml"),
        "T true": row(T=True),
        "T outside": row(T=10**6),
        "report lower > upper": lie,
        "report missing": row(report=None),
        "row twice": {**copy.deepcopy(data), "rows": copy.deepcopy(data["rows"]) * 2},
        "config T 1..100000": {**copy.deepcopy(data),
                               "config": {**data["config"], "T": list(range(1, 100_001))}},
    }
