"""verify and analyze killed or stopped mid-run keep every finished item, and the same command
resumes to the rows of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from parallel_tasks import without_timings

from tnrank.cli import main

ROOT = Path(__file__).resolve().parents[2]
# the last item (depth 3, R = 3, T = 8) takes over a second: time to stop the run before it ends
COMMANDS = {
    "verify": ["verify", "-L", "3", "-M", "2", "-R", "3", "-T", "2..8", "-q"],
    "analyze": ["analyze", str(ROOT / "graphs" / "deep_rac_3.toml"), "-T", "2", "4", "6", "8", "-q"],
}


def rows_of(path: Path) -> list:
    data = json.loads(path.read_text())  # never a partial file
    return data["rows"]


def key(command: str, row: dict) -> tuple:
    return (row["L"], row["T"]) if command == "verify" else (row["file"], row["T"])


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_stopped_run_keeps_finished_items_and_resumes(command, sig, tmp_path, capsys):
    argv = COMMANDS[command]
    whole = tmp_path / "whole.json"
    assert main([*argv, "--json-file", str(whole)]) == 0
    capsys.readouterr()
    path = tmp_path / "part.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "tnrank", *argv, "--json-file", str(path)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and len(rows_of(path)) >= 2:
            break
        time.sleep(0.002)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err
    done = rows_of(path)
    if sig == signal.SIGKILL:
        assert proc.returncode in (0, -signal.SIGKILL)
    else:  # handled like Ctrl-C: what is done is saved, one line, exit 130
        assert proc.returncode in (0, 130), err
        if proc.returncode == 130:
            assert f"saved in {path}" in err.strip().splitlines()[-1]
    assert 2 <= len(done) <= 4
    reference = {key(command, r): without_timings(r) for r in rows_of(whole)}
    assert all(reference[key(command, r)] == without_timings(r) for r in done)
    assert main([*argv, "--json-file", str(path)]) == 0
    assert without_timings(rows_of(path)) == without_timings(rows_of(whole))
    assert not Path(f"{path}.lock").exists()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_second_run_on_the_same_file_is_refused(command, tmp_path, capsys):
    from tnrank.safe_files import exclusive

    path = tmp_path / "r.json"
    with exclusive(path):  # as a running command holds it
        assert main([*COMMANDS[command], "--json-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"being written by another tnrank process (pid {os.getpid()})" in err
    assert not path.exists()
