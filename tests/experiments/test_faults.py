"""Fault injection: experiment runs killed or interrupted at random moments.

Each test starts a small but real training run in a subprocess, sends it a
signal at a random moment (SIGKILL: nothing can be saved; SIGINT and SIGTERM:
tnrank saves and exits with code 130), and checks that

* the results file is either absent or a complete, valid results file (atomic
  writes: never a partial one), and
* running the same command again finishes with exactly the runs of an
  uninterrupted run (timings aside).

The moments come from a seeded generator, so CI repeats the same schedule;
``TNRANK_FAULT_SEED`` picks another. (Sweeps killed mid-run are tested in
``tests/studies/test_sweeps.py``.)
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[2]
COMMAND = ["experiment", "copying", "-m", "3", "-n", "3", "-B", "0", "2", "-L", "1", "2",
           "--macs", "200", "--steps", "60", "--eval-every", "20", "--seeds", "0", "1",
           "--threads", "1", "--no-plot", "-q"]
TIMING_KEYS = {"seconds", "wall_seconds_this_call", "hardware", "curve"}


def run(out: Path, *, kill_after: float | None = None, sig: int = signal.SIGKILL) -> int:
    """Run the experiment into ``out``; with ``kill_after``, send ``sig`` after that many seconds."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "tnrank", *COMMAND, "--json-file", str(out)],
                            cwd=out.parent, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    if kill_after is None:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        return 0
    deadline = time.monotonic() + kill_after
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if proc.poll() is None:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=300)
    assert "Traceback" not in err, err
    return proc.returncode


def runs_of(path: Path) -> dict:
    """The runs of a results file, keyed by (value, depth, seed), timings removed."""
    data = json.loads(path.read_text())
    assert data["format"].startswith("tnrank-experiment")
    return {(r["value"], r["depth"], r["seed"]): {k: v for k, v in r.items() if k not in TIMING_KEYS}
            for r in data["runs"]}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("reference") / "results.json"
    run(out)
    data = json.loads(out.read_text())
    assert data["complete"] is True
    return runs_of(out)


def moments(n: int) -> list[float]:
    rng = random.Random(int(os.environ.get("TNRANK_FAULT_SEED", "0")))
    return [rng.uniform(0.3, 4.0) for _ in range(n)]


@pytest.mark.parametrize("after", moments(3))
def test_killed_run_leaves_a_valid_file_and_resumes_to_the_same_runs(after, reference, tmp_path):
    out = tmp_path / "results.json"
    code = run(out, kill_after=after, sig=signal.SIGKILL)
    assert code in (0, -signal.SIGKILL)
    # Nothing can be removed after SIGKILL: a write cut short leaves its temporary file,
    # named for the killed writer, and nothing else besides the lock.
    temporary = re.compile(r"\.results\.json\.tnrank-[0-9a-f]{8}-[0-9]+-\w+\.tmp\.json")
    leftovers = others(tmp_path, out)
    assert all(temporary.fullmatch(name) for name in leftovers), leftovers
    if out.exists():  # never a partial file: it parses, and every run in it is a finished one
        saved = runs_of(out)
        assert all(reference[key] == value for key, value in saved.items())
    run(out)
    assert runs_of(out) == reference
    assert others(tmp_path, out) == [], "the next write removes a killed writer's temporary file"


def others(folder: Path, out: Path) -> list[str]:
    """The files beside ``out`` other than itself and its lock."""
    return sorted(p.name for p in folder.iterdir() if p.name not in (out.name, out.name + ".lock"))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_saves_and_exits_130(sig, reference, tmp_path):
    out = tmp_path / "results.json"
    code = run(out, kill_after=moments(4)[-1], sig=sig)
    assert code in (0, 130)
    if out.exists():
        saved = runs_of(out)
        assert all(reference[key] == value for key, value in saved.items())
    run(out)
    assert runs_of(out) == reference
