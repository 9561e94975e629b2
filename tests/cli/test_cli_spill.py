"""``tnrank rank --spill DIR``: a run killed in the middle of its elimination on disk resumes,
run again, from its last finished step, to the rank of a run in memory; ``--scheduler`` runs
the same sample on a Dask cluster; bad options are one line before any work."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tnrank.cli import main

ROOT = Path(__file__).resolve().parents[2]
# depth 3, R = M = 3, T = 6: rank 759 (generic w.h.p.) from an 840 × 840 sample over GF(q²);
# tiles of 32: 27 elimination steps, each a checkpoint
RANK = ["rank", "-L", "3", "-R", "3", "-M", "3", "-T", "6", "--grid", "skip", "--no-float"]
SEPARATION = re.compile(r"separation\s+759\s+840\s+generic-whp")


def _start(argv: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "tnrank", *argv], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _stop_after(proc: subprocess.Popen, marker: str, sig: int) -> str:
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if marker in line:
            proc.send_signal(sig)
            break
    out, err = proc.communicate(timeout=300)
    return "".join(seen) + err


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_spilled_rank_resumes_from_its_last_finished_step(sig, tmp_path, capsys):
    argv = [*RANK, "--spill", str(tmp_path / "spill"), "--tile", "32"]
    proc = _start(argv)
    err = _stop_after(proc, "elimination step 3/", sig)
    assert "Traceback" not in err
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:  # like Ctrl-C: one line says where it stopped, exit 130
        assert proc.returncode == 130, err
        assert re.search(r"interrupted; .* after elimination step \d+: the same call resumes", err)
    # the same command again: straight to the sample over GF(q²), from its last finished step
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert SEPARATION.search(out)
    resumed = re.search(r"resuming the elimination in .* after step (\d+)", err)
    assert resumed and int(resumed.group(1)) >= 3
    assert "64×64 sample" not in err  # the stages mod p were not computed again
    first = re.search(r"elimination step (\d+)/", err)
    assert first and int(first.group(1)) == int(resumed.group(1)) + 1
    # a third run finds the finished checkpoint and its rank
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert SEPARATION.search(out) and "elimination step" not in err


def test_a_spilled_rank_equals_the_rank_in_memory(tmp_path, capsys):
    assert main([*RANK, "-q", "--storage", "64"]) == 0
    in_memory = capsys.readouterr().out
    assert main([*RANK, "-q", "--spill", str(tmp_path), "--tile", "100"]) == 0
    spilled = capsys.readouterr().out
    assert SEPARATION.search(in_memory) and SEPARATION.search(spilled)
    assert re.sub(r"\d+(\.\d+)? s\b", "", in_memory) == re.sub(r"\d+(\.\d+)? s\b", "", spilled)


@pytest.mark.parametrize("argv, message", [
    (["--storage", "32"], "--storage 32 keeps the stages mod p in 32-bit floats"),
    (["--spill", "/dev/null"], "--spill /dev/null is not a folder"),
    (["--storage", "16"], "invalid choice"),
    (["--tile", "0"], "must be at least 1"),
    (["--spill", "x", "--scheduler", "tcp://127.0.0.1:1"], "not allowed with argument"),
    (["--scheduler", "tcp://127.0.0.1:1"], "cannot reach the Dask scheduler"),
])
def test_bad_large_sample_options_are_one_line_before_any_work(argv, message, capsys, tmp_path,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([*RANK, *argv]) == 2
    out, err = capsys.readouterr()
    assert message in err and err.count("\n") == 1 and "separation:" not in err


def test_a_spilled_sweep_writes_the_rows_of_a_sweep_in_memory(tmp_path, capsys):
    argv = ["sweep", "-L", "3", "-R", "2", "-M", "2", "-T", "6", "8", "-q", "--no-float"]
    assert main([*argv, "--json-file", str(tmp_path / "memory.json")]) == 0
    assert main([*argv, "--json-file", str(tmp_path / "disk.json"), "--spill", str(tmp_path / "s"),
                 "--tile", "16"]) == 0
    capsys.readouterr()
    memory, disk = (json.loads((tmp_path / name).read_text()) for name in ("memory.json", "disk.json"))
    assert memory["config"] == disk["config"] and "spill" not in disk["config"]  # where, not what
    for a, b in zip(memory["rows"], disk["rows"], strict=True):
        assert a["separation"]["lower"] == b["separation"]["lower"] and a["T"] == b["T"]
    assert [r["separation"]["lower"] for r in disk["rows"]] == [52, 106]
    assert any((tmp_path / "s").glob("separation-seed0-side*"))
    # a bad folder is refused before any point is computed
    assert main([*argv, "--json-file", str(tmp_path / "x.json"), "--spill", "/dev/null"]) == 2
    assert "--spill /dev/null is not a folder" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_a_disk_too_small_is_refused_or_caps_the_sample_before_any_work(tmp_path, capsys, monkeypatch):
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage._replace(free=2**20))
    argv = [*RANK, "--spill", str(tmp_path)]
    assert main([*argv, "--max-samples", "840"]) == 2  # an explicit side that cannot fit
    err = capsys.readouterr().err
    assert re.search(r"needs .* on disk in .*, which has 1\.0 MiB free; free space there or give "
                     r"another --spill folder", err) and err.count("\n") == 1
    assert main([*argv, "-q"]) == 0  # the default side follows the free disk
    out = capsys.readouterr().out
    assert re.search(r"separation\s+\d+\s+840\s+lower-bound", out)


def test_rank_on_a_dask_cluster_gives_the_same_report(capsys):
    distributed = pytest.importorskip("distributed")
    argv = [*RANK, "-q", "--tile", "200"]
    assert main(argv) == 0
    local = capsys.readouterr().out
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with cluster:
        assert main([*argv, "--scheduler", cluster.scheduler_address]) == 0
    remote = capsys.readouterr().out
    assert SEPARATION.search(remote)
    assert re.sub(r"\d+(\.\d+)? s\b", "", local) == re.sub(r"\d+(\.\d+)? s\b", "", remote)
