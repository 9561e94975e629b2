"""Every command on a cell file; a broken cell file refused with exit code 2 before any work."""

import json
from pathlib import Path

import tnrank
from tnrank.cli import main

ROOT = Path(__file__).resolve().parents[2]
S6 = str(ROOT / "graphs" / "mamba_s6.toml")  # one selective layer, state 2: rank 3 = N + 1
STACK = str(ROOT / "graphs" / "linear_attention_stack.toml")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_rank_bound_verify_sweep_and_analyze_work_on_a_cell_file(capsys, tmp_path):
    code, out, _ = run(capsys, "rank", S6, "-T", "6", "--json", "-q")
    rep = json.loads(out)
    assert code == 0 and rep["separation"]["rank"] == 3 and rep["separation"]["status"] == "exact"
    assert rep["separation"]["bounds"]["min-cut"] == 3  # the cut at the state: N + 1
    code, out, _ = run(capsys, "bound", S6, "-T", "6", "--json")
    bound = json.loads(out)
    assert code == 0 and bound["bounds"]["separation"]["state degree"] == 3
    loaded = tnrank.certification.bound_report.BoundReport.from_dict(bound)
    assert loaded.bound == 3 and "min-cut" in loaded.format()
    code, out, _ = run(capsys, "verify", S6, "-T", "2", "4", "-q")
    assert code == 0 and "2 of 2 configurations" in out
    code, _, _ = run(capsys, "sweep", S6, "-T", "2..6", "--csv", tmp_path / "s6.csv", "-q")
    lines = (tmp_path / "s6.csv").read_text().splitlines()
    assert code == 0 and len(lines) == 4
    code, out, _ = run(capsys, "analyze", S6, "-T", "4", "-q")
    assert code == 0
    assert "separation rank = 3, proved by the state degree and affine state and min-cut bound" in out
    code, out, _ = run(capsys, "analyze", S6, STACK, "-T", "2", "4", "--status", "-q",
                       "-o", tmp_path / "ranks.png")
    s6_row = next(line for line in out.splitlines() if line.startswith("mamba_s6 "))
    assert code == 0 and s6_row.split()[-2:] == ["3", "attained"] and (tmp_path / "ranks.png").stat().st_size


def test_a_broken_cell_file_is_refused_with_every_problem_before_any_work(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('M = 2\n[[layer]]\n[layer.state]\nh = 2\n[layer.weights]\nA = ["h", "x"]\n'
                   '[layer.update]\nh = "softmax(A @ x) / hh"\n')
    for command in ("rank", "bound", "verify", "sweep", "analyze"):
        code, out, err = run(capsys, command, bad, "-T", "4", *(["--json"] if command == "sweep" else []))
        assert code == 2 and out == ""
        assert "softmax is not a polynomial" in err and "division ('/')" in err
        assert "Traceback" not in err


def test_draw_and_unroll_a_cell_file(capsys, tmp_path):
    code, out, _ = run(capsys, "draw", S6, "-T", "4", "-o", tmp_path / "net.svg")
    assert code == 0 and "<svg" in (tmp_path / "net.svg").read_text()
