"""Architecture files wherever an architecture is expected; files of the wrong kind; --explain;
analyze's results file; deprecated spellings."""

import json
import math
from pathlib import Path

import pytest
from interrupts import interrupt_on_call
from parallel_tasks import without_timings

import tnrank.studies.comparison
from tnrank.cli import main
from tnrank.networks.examples import example_path

ROOT = Path(__file__).resolve().parents[2]
DEEP3 = str(ROOT / "graphs" / "deep_rac_3.toml")  # the depth-3 RAC, R = 3, M = 2
BOTTLENECK = str(ROOT / "graphs" / "bottleneck.toml")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", ["rank", "bound"])
def test_a_file_gives_the_numbers_of_the_same_rac_given_by_flags(capsys, command):
    extra = ["-q"] if command == "rank" else []
    _, from_file, _ = run(capsys, command, DEEP3, "-T", "4", "--json", *extra)
    _, from_flags, _ = run(capsys, command, "-L", "3", "-R", "3", "-M", "2", "-T", "4", "--json", *extra)
    a, b = json.loads(from_file), json.loads(from_flags)
    if command == "rank":
        assert a["separation"]["rank"] == b["separation"]["rank"] == 8
        assert a["grid"]["rank"] == b["grid"]["rank"]
    else:
        assert a["min_cut"] == b["min_cut"]


def test_verify_and_sweep_take_a_file_over_lengths(capsys, tmp_path):
    code, out, _ = run(capsys, "verify", DEEP3, "-T", "2..6", "--json", "-q")
    rows = json.loads(out)["rows"]
    _, flags, _ = run(capsys, "verify", "-L", "3", "-R", "3", "-M", "2", "-T", "2", "4", "6", "--json", "-q")
    assert code == 0 and without_timings(rows) == without_timings(json.loads(flags)["rows"])
    code, out, _ = run(capsys, "sweep", BOTTLENECK, "-T", "2..6", "--json", "-q")
    data = json.loads(out)
    assert code == 0 and data["config"]["architecture"]["name"].startswith("bottleneck")
    assert [(r["R"], r["T"]) for r in data["rows"]] == [("3-1-3", 2), ("3-1-3", 4), ("3-1-3", 6)]
    # a width-1 middle layer: the separation rank at T = 4 is at most M·R1·... = the min-cut 12
    assert all(r["separation"]["upper"] <= r["separation"]["bounds"]["min-cut"] for r in data["rows"])
    code, _, err = run(capsys, "verify", DEEP3, "-L", "2")
    assert code == 2 and "not both (-L given with" in err


@pytest.mark.parametrize("argv, fragment", [
    (["rank", example_path("mps-8"), "-T", "4"], "is a tensor-network file, not an architecture file; "
                                                  "give it as `tnrank bound --network"),
    (["bound", example_path("peps-3x3"), "-T", "4"], "`tnrank bound --network"),
    (["bound", "--network", BOTTLENECK], "is an architecture file, not a network file; give it without "
                                         "--network: `tnrank bound"),
    (["draw", "--network", BOTTLENECK, "-o", "x.svg"], "give it without --network"),
    (["verify", example_path("tree-8"), "-T", "4"], "tensor-network file"),
    (["rank", BOTTLENECK], "missing -T"),
])
def test_a_file_of_the_other_kind_names_the_command_it_belongs_to(capsys, argv, fragment):
    code, _, err = run(capsys, *argv, "-q")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert fragment in err


def _degree(L: int, T: int) -> int:
    """Total degree of y of the paper's RAC in weights and inputs, from the recursion
    deg h^{t,l} = deg h^{t-1,l} + deg h^{t,l-1} + 2 (W^H h^{0,l} = 1 at t = 1)."""
    deg = {(t, 0): 1 for t in range(1, T + 1)}
    for l in range(1, L + 1):
        for t in range(1, T + 1):
            deg[t, l] = deg[t, l - 1] + 1 + (deg[t - 1, l] + 1 if t > 1 else 0)
    return deg[T, L] + 1


def test_explain_accounts_for_every_run_and_bound(capsys):
    args = ["rank", "-L", "3", "-R", "2", "-M", "2", "-T", "8", "--explain", "-q"]
    code, out, _ = run(capsys, *args, "--json")
    data = json.loads(out)
    text = data["explanation"]
    assert code == 0
    sep = data["separation"]
    assert f"separation rank: {sep['lower']:,} ≤ rank ≤ {sep['upper']:,} proved" in text
    saturated = []
    for i, r in enumerate(sep["runs"], start=1):
        k = r["samples"]
        field = f"prime {r['prime']}" if r["field_degree"] == 1 else f"GF(q²) with q = {r['prime']}"
        assert f"run {i}: {field}, seed {r['seed']}, {k}×{k} sample, rank {r['rank']}" in text
        if r["failure_bound"] is None:  # a full-rank stage below the last one
            assert r["rank"] == k < sep["lower"]
            continue
        # each run's bound is (r+1)·D/|F| with D the degree of y, from the recursion above,
        # and |F| = p or q²
        size = r["prime"] ** r["field_degree"]
        assert r["failure_bound"] == pytest.approx((sep["lower"] + 1) * _degree(3, 8) / size)
        saturated.append(r["failure_bound"])
    for name, value in sep["bounds"].items():
        assert f"{name} {value:,}" in text or f"{name} bound" in text
    assert sep["status"] == "generic-whp"
    product = math.prod(saturated)
    assert sep["failure_bound"] == pytest.approx(product) and f"{product:.1e}" in text
    assert f"D = {_degree(3, 8)}" in text
    assert "exact: lower = upper = 16" in text  # the 16 × 16 grid has rank 16
    _, plain, _ = run(capsys, *args)
    assert text.splitlines()[2] in plain


def test_analyze_saves_each_report_and_resumes_to_the_same_rows(capsys, tmp_path, monkeypatch):
    argv = ["analyze", DEEP3, BOTTLENECK, "-T", "4", "6", "--json", "-q"]
    _, whole, _ = run(capsys, *argv)
    path = tmp_path / "a.json"
    interrupt_on_call(monkeypatch, tnrank.studies.comparison, 3)
    code, _, err = run(capsys, *argv, "--json-file", path)
    assert code == 130 and f"saved in {path}" in err
    saved = json.loads(path.read_text())
    assert len(saved["rows"]) == 2 and saved["complete"] is False
    monkeypatch.undo()
    calls = []
    real = tnrank.studies.comparison.certify
    monkeypatch.setattr(tnrank.studies.comparison, "certify",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    code, out, _ = run(capsys, *argv, "--json-file", path)
    assert code == 0 and len(calls) == 2
    assert without_timings(json.loads(out)["rows"]) == without_timings(json.loads(whole)["rows"])
    assert json.loads(path.read_text())["complete"] is True
    code, _, err = run(capsys, *argv, "--json-file", path, "--seed", "3")
    assert code == 2 and "other settings (seed 0 there, 3 here)" in err


def test_analyze_figure_goes_to_o_and_its_line_to_stdout(capsys, tmp_path):
    code, out, err = run(capsys, "analyze", BOTTLENECK, "-T", "4", "-o", tmp_path / "n.svg", "-q")
    assert code == 0 and (tmp_path / "n.svg").stat().st_size > 0
    _, bound, _ = run(capsys, "bound", BOTTLENECK, "-T", "4", "--json")
    last = out.rstrip().splitlines()[-1]
    assert last.startswith(f"{tmp_path / 'n.svg'}: Start-End rank ≤ min-cut")
    assert last.endswith(f"= {json.loads(bound)['min_cut']['bound']}")
    assert err == ""
    code, out, err = run(capsys, "analyze", BOTTLENECK, "-T", "4", "--draw", tmp_path / "m.svg", "-q")
    assert code == 0 and (tmp_path / "m.svg").exists()
    assert err.strip() == ("tnrank: note: --draw is deprecated; use -o (--draw will be removed in the next "
                           "release)")
