"""The sweep results file: saved per row, resumed after kill -9, locked, merged."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from interrupts import interrupt_on_call
from parallel_tasks import without_timings

import tnrank
import tnrank.studies.verification
from tnrank.cli import main
from tnrank.files.results_file import load_results
from tnrank.safe_files import exclusive

ROOT = Path(tnrank.__file__).resolve().parents[1]
# 12 points of milliseconds each
SWEEP = ["sweep", "-L", "1", "2", "3", "-R", "2", "-M", "2", "-T", "2..8"]
# 12 points; the last (L=3, T=8) takes over a second: time to kill the run before it ends
SLOW_SWEEP = ["sweep", "-L", "1", "2", "3", "-R", "3", "-M", "2", "-T", "2..8"]


def uninterrupted(tmp_path_factory, argv):
    path = tmp_path_factory.mktemp("whole") / "whole.json"
    assert main(argv + ["--json-file", str(path), "-q"]) == 0
    return load_results(path)


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    return uninterrupted(tmp_path_factory, SWEEP)


@pytest.fixture(scope="module")
def whole_slow(tmp_path_factory):
    return uninterrupted(tmp_path_factory, SLOW_SWEEP)


def test_resume_after_kill_equals_an_uninterrupted_run(whole_slow, tmp_path, capsys, monkeypatch):
    path = tmp_path / "r.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "tnrank", *SLOW_SWEEP, "--json-file", str(path), "-q"],
                            env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if path.exists() and load_results(path)["rows"]:  # never half a file
                break
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    part = load_results(path)
    done = len(part["rows"])
    assert 0 < done < 12 and part["complete"] is False
    calls = []
    real = tnrank.studies.verification.certify
    monkeypatch.setattr(tnrank.studies.verification, "certify",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    assert main(SLOW_SWEEP + ["--json-file", str(path)]) == 0
    assert f"{done} of 12 points already done; computing the other {12 - done}" in capsys.readouterr().err
    assert len(calls) == 12 - done  # only the missing points were computed
    assert without_timings(load_results(path)) == without_timings(whole_slow)
    assert not Path(f"{path}.lock").exists()


def test_rerun_of_a_finished_sweep_computes_nothing(whole, tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(whole))
    monkeypatch.setattr(tnrank.studies.verification, "certify", None)  # any call would fail
    assert main(SWEEP + ["--json-file", str(path), "-q", "--csv", str(tmp_path / "r.csv")]) == 0
    assert load_results(path) == whole
    assert len((tmp_path / "r.csv").read_text().splitlines()) == 1 + 12  # from the saved rows


@pytest.mark.parametrize("option, shown", [(["--seed", "1"], "seed 0 there, 1 here"),
                                           (["--confirm"], "confirm false there, true here"),
                                           (["--prime", "1048583"], "prime 1073741789 there, 1048583 here")])
def test_a_file_made_with_other_settings_is_refused_and_left_alone(whole, tmp_path, capsys,
                                                                    option, shown):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(whole))
    before = path.read_bytes()
    assert main(SWEEP + ["--json-file", str(path), "-q"] + option) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "holds a sweep made with other settings" in err
    assert shown in err
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_sweep_is_not_overwritten(tmp_path, capsys):
    path = tmp_path / "notes.json"
    path.write_text('{"my": "notes"}')
    assert main(SWEEP + ["--json-file", str(path), "-q"]) == 2
    assert "not a tnrank sweep results file" in capsys.readouterr().err
    assert path.read_text() == '{"my": "notes"}'


def test_a_second_writer_is_refused(tmp_path, capsys):
    path = tmp_path / "r.json"
    with exclusive(path):  # as a running sweep holds it
        assert main(SWEEP + ["--json-file", str(path), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"being written by another tnrank process (pid {os.getpid()})" in err
    assert not path.exists()


@pytest.mark.parametrize("halves", [
    (["-L", "1"], ["-L", "2", "3"]),      # by depth
    (["-T", "2", "4"], ["-T", "6..8"]),   # by length
])
def test_merge_of_two_halves_equals_the_whole(whole, tmp_path, capsys, halves):
    files = []
    for i, change in enumerate(halves):
        argv = list(SWEEP)
        flag = change[0]
        start = argv.index(flag)
        end = start + 1
        while end < len(argv) and not argv[end].startswith("-"):
            end += 1
        argv[start:end] = change
        files.append(str(tmp_path / f"half{i}.json"))
        assert main(argv + ["--json-file", files[-1], "-q"]) == 0
    assert main(["merge", *files, "-o", str(tmp_path / "all.json")]) == 0
    assert capsys.readouterr().out.strip().endswith("12 of 12 points from 2 files (complete)")
    assert without_timings(load_results(tmp_path / "all.json")) == without_timings(whole)


def test_merge_refuses_other_settings_and_disagreeing_rows(whole, tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(whole))
    other = json.loads(json.dumps(whole))
    other["config"]["prime"] = 1000003
    b.write_text(json.dumps(other))
    assert main(["merge", str(a), str(b), "-o", str(tmp_path / "c.json")]) == 2
    err = capsys.readouterr().err
    assert "made with other settings (prime" in err and not (tmp_path / "c.json").exists()
    tampered = json.loads(json.dumps(whole))
    tampered["rows"][3]["separation"]["lower"] += 1  # above its upper bound: refused on reading
    b.write_text(json.dumps(tampered))
    assert main(["merge", str(a), str(b), "-o", str(tmp_path / "c.json")]) == 2
    assert "row 4 (L=1, M=2, R=2, T=8): separation lower 3 > upper 2" in capsys.readouterr().err
    tampered["rows"][3]["separation"]["lower"] -= 1
    tampered["rows"][3]["separation"]["notes"].append("computed elsewhere")  # valid, but other
    b.write_text(json.dumps(tampered))
    assert main(["merge", str(a), str(b), "-o", str(tmp_path / "c.json")]) == 2
    row = whole["rows"][3]
    assert f"disagree on L={row['L']} M=2 R=2 T={row['T']}" in capsys.readouterr().err


def test_a_merged_part_is_completed_by_the_whole_command(whole, tmp_path, capsys, monkeypatch):
    half = json.loads(json.dumps(whole))
    half["rows"] = [r for r in half["rows"] if r["L"] != 3]
    half["config"]["depths"] = [1, 2]
    (tmp_path / "half.json").write_text(json.dumps(half))
    path = str(tmp_path / "m.json")
    assert main(["merge", str(tmp_path / "half.json"), "-o", path]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: 8 of 8 points from 1 files (complete)"
    calls = []
    real = tnrank.studies.verification.certify
    monkeypatch.setattr(tnrank.studies.verification, "certify",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    assert main(SWEEP + ["--json-file", path, "-q"]) == 0  # the file is extended to depth 3
    assert len(calls) == 4
    assert without_timings(load_results(path)) == without_timings(whole)
    # a sweep with fewer points would cut the file: refused
    fewer = ["sweep", "-L", "1", "2", "-R", "2", "-M", "2", "-T", "2..8"]
    assert main(fewer + ["--json-file", path, "-q"]) == 2
    assert "depths [1, 2, 3] there, [1, 2] here" in capsys.readouterr().err


def test_another_width_extends_the_file_and_computes_only_the_new_points(whole, tmp_path, monkeypatch):
    # -R and -M list points like -L and -T: a file of R = 2 is extended by -R 2,3, never mixed
    path = tmp_path / "r.json"
    path.write_text(json.dumps(whole))
    calls = []
    real = tnrank.studies.verification.certify
    monkeypatch.setattr(tnrank.studies.verification, "certify",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    wider = ["sweep", "-L", "1", "2", "3", "-R", "2,3", "-M", "2", "-T", "2..8"]
    assert main(wider + ["--json-file", str(path), "-q"]) == 0
    data = load_results(path)
    assert len(calls) == 12 and data["config"]["R"] == [2, 3] and data["complete"]
    old = {(r["L"], r["T"]): r for r in whole["rows"]}
    assert [without_timings(r) for r in data["rows"] if r["R"] == 2] == [
        without_timings(old[(r["L"], r["T"])]) for r in data["rows"] if r["R"] == 2]
    # each new point is the certified report of its own RAC (an independent certify call)
    for row in (r for r in data["rows"] if r["R"] == 3):
        report = tnrank.certify(tnrank.Architecture.rac(row["L"], 3, 2), row["T"])
        assert row["separation"]["lower"] == report.separation.lower
    # a narrower sweep would cut the file: refused
    assert main(SWEEP + ["--json-file", str(path), "-q"]) == 2


def test_the_first_release_spelling_still_writes_the_results_file(tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main(["sweep", "-L", "1", "-R", "2", "-M", "2", "-T", "2", "4", "--json", str(path), "-q"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and load_results(path)["complete"]
    notes = [line for line in err.splitlines() if "deprecated" in line]
    assert len(notes) == 1 and "--json-file" in notes[0]


def test_verify_saves_each_configuration_and_resumes(tmp_path, capsys, monkeypatch):
    path = tmp_path / "v.json"
    argv = ["verify", "-L", "1", "2", "-M", "2", "-R", "2", "-T", "2..6", "-q", "--json-file", str(path)]
    interrupt_on_call(monkeypatch, tnrank.studies.verification, 4)
    assert main(argv) == 130
    out, err = capsys.readouterr()
    assert "3 of 6 configurations" in out and f"saved in {path}" in err
    assert len(load_results(path)["rows"]) == 3
    monkeypatch.undo()
    calls = []
    real = tnrank.studies.verification.certify
    monkeypatch.setattr(tnrank.studies.verification, "certify",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    assert main(argv + ["--json"]) == 0
    resumed = json.loads(capsys.readouterr().out)
    assert len(calls) == 3 and resumed["completed"] == 6
    # the same rows as a sweep computed in one go, and the file is a sweep results file
    assert main(["sweep", "-L", "1", "2", "-M", "2", "-R", "2", "-T", "2..6", "-q",
                 "--json-file", str(tmp_path / "w.json")]) == 0
    whole = load_results(tmp_path / "w.json")["rows"]
    assert without_timings(load_results(path)["rows"]) == without_timings(whole)
    assert without_timings(resumed["rows"]) == without_timings(load_results(path)["rows"])


def test_rows_load_back_as_verify_rows_with_their_reports():
    """A results file's rows come back as VerifyRows whose reports say what certify says."""
    from tnrank import Architecture, certify
    from tnrank.studies.sweeps import sweep
    from tnrank.studies.verification import VerifyRow

    funnel = Architecture(M=2, layers=[3, 2])
    for res, arch_of in ((sweep([1, 2], M=2, R=2, Ts=[4, 6]), lambda r: Architecture.rac(r["L"], 2, 2)),
                         (sweep([2], M=2, R=2, Ts=[4], architecture=funnel), lambda r: funnel)):
        for row in res.rows:
            back = VerifyRow.from_dict(json.loads(json.dumps(row)), res.config)
            assert back.to_dict() == row
            fresh = certify(arch_of(row), row["T"], seed=res.config["seed"], prime=res.config["prime"])
            assert back.report.architecture == fresh.architecture
            assert back.report.separation.lower == fresh.separation.lower
            assert back.verdict == fresh.verdict


def test_a_sequential_sweep_shows_each_points_own_progress_under_it(capsys):
    # the lines `tnrank rank` prints for each point (its grid, its stages, plans and elimination
    # steps) follow the point's line, indented: a point of an hour shows its progress
    assert main(["sweep", "-L", "2", "-R", "2", "-M", "2", "-T", "6", "8", "--json"]) == 0
    lines = capsys.readouterr().err.splitlines()
    second = lines.index("  [2/2] L=2 M=2 R=2 T=8")
    point = ["-L", "2", "-R", "2", "-M", "2", "-T"]
    assert lines[:second] == ["  [1/2] L=2 M=2 R=2 T=6"] + _rank_progress(point + ["6"])
    assert lines[second + 1:-1] == _rank_progress(point + ["8"])
    assert "    grid: building the full 16×16 matricization mod 1073741789" in lines


def _rank_progress(argv):
    """The progress lines of ``tnrank rank`` for one point, indented as under a sweep's line."""
    proc = subprocess.run([sys.executable, "-m", "tnrank", "rank", *argv], capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True)
    return [f"  {line}" for line in proc.stderr.splitlines()]
