"""``tnrank fit``: results files and computed sweeps in, fits with their evidence out; a
prediction checked by computing it; bad input refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tnrank import Architecture, Partition
from tnrank.certification.bounds import state_degree_bound
from tnrank.certification.fit_report import FitReport
from tnrank.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEPTH3 = str(ROOT / "docs" / "results" / "sep-depth3-R2.json")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_fits_a_committed_results_file(capsys):
    code, out, err = run(capsys, "fit", DEPTH3)
    assert code == 0 and not err
    assert "1. state degree - 4\n" in out
    assert "fitted on T = 6; predicts T = 8..20 exactly (7 values)" in out
    assert "not fitted: T = 4 does not follow (8; the form gives 20)" in out
    assert "pattern at T = 22: 1,604\n   certify: tnrank rank -L 3 -R 2 -M 2 -T 22\n" in out
    assert "20  10  1,228  generic w.h.p. (failure ≤ 1.7e-07)" in out


def test_predict_and_select(capsys):
    code, out, _ = run(capsys, "fit", DEPTH3, "-T", "6..16", "--predict", "30")
    assert code == 0
    bound = state_degree_bound(Architecture.rac(3, 2, 2), Partition.parse("start-end", 30))
    assert f"pattern at T = 30: {bound - 4:,}\n   certify: tnrank rank -L 3 -R 2 -M 2 -T 30" in out
    assert "T = 4" not in out and "T = 18" not in out.split("\n\n")[1]


def test_interval_only_values_are_labelled(capsys):
    """A sample capped below the state-degree bound at T = 12 proves only an interval: it is
    listed, left out of the fit, and the pattern's value there is called undecided."""
    code, out, _ = run(capsys, "fit", "-L", "3", "-R", "2", "-M", "2", "-T", "4..12",
                       "--max-samples", "200", "--min-held-out", "1", "-q")
    bound = state_degree_bound(Architecture.rac(3, 2, 2), Partition.parse("start-end", 12))
    assert code == 0
    assert f"12  6  200..{bound}  only 200..{bound} proved: not fitted" in out
    assert f"at T = 12: {bound - 4}, undecided (inside the proved 200..{bound})" in out


def test_json_round_trip(capsys):
    code, out, _ = run(capsys, "fit", DEPTH3, "--json")
    data = json.loads(out)
    assert code == 0 and data["format"] == "tnrank-fit/1" and data["tnrank_version"]
    assert data["fits"][0]["form"]["expression"] == "state degree - 4"
    assert data["fits"][0]["predictions"][0]["value"] == 1604
    assert FitReport.from_dict(data).to_dict() == data


def test_compute_first_and_check_confirms(capsys):
    code, out, _ = run(capsys, "fit", "-L", "2", "-R", "2", "-M", "2", "-T", "2..10", "--check", "-q")
    assert code == 0
    assert "1. state degree\n" in out and "pattern at T = 12: 14\n" in out
    check = out.split("check: the separation rank at the predicted points, certified now")[1]
    assert check.split("\n")[4].split() == ["12", "14", "proved", *["confirmed", "(proved)"] * 3]


def test_check_refutes_a_wrong_pattern(capsys, tmp_path):
    """A results file whose ranks past T = 2 were lowered by one (left generic w.h.p., still
    within their bounds): its pattern state degree - 1 predicts 13 at T = 12, where the
    certified rank is 14; the check says refuted and the exit status is 1. Ranks raised above
    their proved upper bounds are refused on reading."""
    path = tmp_path / "shifted.json"
    run(capsys, "sweep", "-L", "2", "-R", "2", "-M", "2", "-T", "2..10", "--json-file", str(path), "-q")
    data = json.loads(path.read_text())
    raised = json.loads(path.read_text())
    for row, high in zip(data["rows"], raised["rows"], strict=True):
        if row["T"] >= 4:
            row["separation"].update(lower=row["separation"]["lower"] - 1, rank=None, exact=False,
                                     status="generic-whp", failure_bound=1e-9)
        high["separation"].update(lower=high["separation"]["lower"] + 1, status="lower-bound",
                                  rank=None, exact=False)
    path.write_text(json.dumps(raised))
    code, _, err = run(capsys, "fit", str(path), "--check", "-q")
    assert code == 2 and "row 1 (L=2, M=2, R=2, T=2): separation lower 3 > upper 2" in err
    path.write_text(json.dumps(data))
    code, out, _ = run(capsys, "fit", str(path), "--check", "-q")
    assert "1. state degree - 1" in out and "pattern at T = 12: 13\n" in out
    assert out.rstrip().endswith("12  14     proved  refuted (proved)  refuted (proved)") and code == 1


def test_architecture_file_and_analysis_results(capsys, tmp_path):
    arch = str(ROOT / "graphs" / "bottleneck.toml")
    code, out, _ = run(capsys, "fit", arch, "-T", "2..12", "-q")
    assert code == 0
    assert "architecture 'bottleneck RAC (3, 1, 3)'" in out
    assert "1. state degree - n(n + 1)/2" in out
    assert f"certify: tnrank rank {arch} -T 14\n" in out
    results = tmp_path / "a.json"
    other = str(ROOT / "graphs" / "linear_rnn.toml")
    run(capsys, "analyze", arch, other, "-T", "2", "4", "6", "8", "10", "--json-file", str(results),
        "-q", "--no-float")
    code, out, err = run(capsys, "fit", str(results))
    assert code == 2 and "several architectures" in err and "--architecture" in err
    code, out, _ = run(capsys, "fit", str(results), "--architecture", arch)
    assert code == 0 and "1. state degree - n(n + 1)/2" in out


BAD = [
    (["fit"], "give a results file, or"),
    (["fit", DEPTH3, "-T", "4", "6"], "at least 3 known values"),
    (["fit", "-L", "2", "3", "-R", "2", "-M", "2", "-T", "2..8"], "one depth, not 2, 3"),
    (["fit", str(ROOT / "graphs" / "bottleneck.toml")], "give the lengths"),
    (["fit", str(ROOT / "graphs" / "bottleneck.toml"), "-L", "3", "-T", "2..6"], "fixes the architecture"),
    (["fit", DEPTH3, "--predict", "7"], "even length"),
    (["fit", DEPTH3, "--min-held-out", "0"], "must be at least 1"),
    (["fit", "-L", "2", "-R", "2,3", "-M", "2", "-T", "8"], "these settings give 2 points"),
    (["fit", "-L", "2", "-R", "2", "-M", "2", "-T", "2..8", "--predict", "9"], "even length"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(a[1:]) for a, _ in BAD])
def test_bad_input_is_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and not out


def test_bad_input_is_refused_before_computing(monkeypatch, capsys):
    """Too few points or an odd --predict: refused before any rank is certified."""
    import tnrank.studies.fit as study

    def no_sweep(*args, **kwargs):
        raise AssertionError("computed before refusing")

    monkeypatch.setattr(study, "sweep", no_sweep)
    for argv, message in BAD[-2:]:
        code, _, err = run(capsys, *argv)
        assert code == 2 and message in err


def test_saved_fit_reports_load_back(capsys, tmp_path):
    import tnrank

    _, out, _ = run(capsys, "fit", DEPTH3, "--json")
    path = tmp_path / "fit.json"
    path.write_text(out)
    report = tnrank.load(path)
    assert isinstance(report, FitReport) and report.to_dict() == json.loads(out)
    tnrank.save(report, tmp_path / "again.json")
    assert tnrank.load(tmp_path / "again.json").format() == report.format()
    with pytest.raises(tnrank.TnrankError, match="fit report is written as JSON"):
        tnrank.save(report, tmp_path / "fit.toml")


def test_tampered_and_mixed_files(capsys, tmp_path):
    data = json.loads(Path(DEPTH3).read_text())
    data["rows"][3]["separation"]["lower"] = 187.5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, _, err = run(capsys, "fit", str(bad))
    assert code == 2 and "T=10): separation lower must be a whole number, got 187.5" in err
    mixed = tmp_path / "mixed.json"
    run(capsys, "sweep", "-L", "1", "2", "-R", "2", "-M", "2", "-T", "2..8", "--json-file", str(mixed), "-q")
    code, _, err = run(capsys, "fit", str(mixed))
    assert code == 2 and "several architectures (depths 1, 2)" in err and "-L" in err
    code, out, _ = run(capsys, "fit", str(mixed), "-L", "1")
    assert code == 0 and "depth-1 RAC" in out
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"format": "tnrank-report/1"}))
    code, _, err = run(capsys, "fit", str(report))
    assert code == 2 and "format 'tnrank-report/1'" in err
