"""``tnrank analyze``: one report, side-by-side comparison, bad input, interruption."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from interrupts import interrupt_on_call
from oracle import naive_grid, rank_mod_p_naive

import tnrank
import tnrank.studies.analyze
import tnrank.studies.comparison
from tnrank import PRIME, Architecture, Partition, certify, min_cut, random_weights, unroll
from tnrank.cli import main
from tnrank.engine.grid import matricize
from tnrank.studies.analysis import BOUND_SOURCES, bound_rows

GRAPHS = Path(__file__).resolve().parents[2] / "graphs"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_single_report_names_everything(capsys):
    code, out, err = run(capsys, "analyze", GRAPHS / "deep_rac_2.toml", "-T", "6")
    assert code == 0
    arch = tnrank.load(GRAPHS / "deep_rac_2.toml")
    assert arch.description in out and arch.reference in out
    assert f"parameters {arch.parameter_count()}" in out
    assert f"multiply-accumulates per step {arch.macs_per_step()}" in out
    assert "layer2  3      layer1   multiplicative  18" in out  # 3·3 + 3·3 weights
    assert "Theorem 1 (depth 2)" in out  # the paper's bound applies to this file
    for name in ("state degree", "input degree", "grid size"):
        assert BOUND_SOURCES[name] in out
    # depth 2, M = 2: x^t enters with degree T - t + 1, so the end half carries 4·3·2 monomials
    inputs = _rac_depth_two_bounds(3, 2, 6)["input degree"]
    assert inputs == 4 * 3 * 2
    assert f"separation rank = {inputs}, proved by the input degree bound" in out
    assert "grid:" in err  # progress on stderr


def test_single_report_says_when_theorems_do_not_apply(capsys):
    code, out, _ = run(capsys, "analyze", GRAPHS / "skip_input.toml", "-T", "4", "-q")
    assert code == 0 and "not applicable" in out


def test_single_report_json(capsys):
    code, out, _ = run(capsys, "analyze", GRAPHS / "bottleneck.toml", "-T", "4", "--json", "-q")
    data = json.loads(out)
    assert code == 0 and data["file"].endswith("bottleneck.toml")
    assert [ly["width"] for ly in data["architecture"]["layer"]] == [3, 1, 3]
    summary = data["architecture"]["summary"]
    # W^I (R_l × inputs) and W^H (R_l × R_l) per layer, by hand; then the output's 3 weights
    assert summary["layer_weights"] == [3 * 2 + 9, 1 * 3 + 1, 3 * 1 + 9]
    assert sum(summary["layer_weights"]) + 3 == summary["parameters"] == 34
    plain = {k: v for k, v in data["architecture"].items() if k != "summary"}
    assert tnrank.Architecture.from_dict(plain).describe() == summary["description"]
    rep = certify(tnrank.load(GRAPHS / "bottleneck.toml"), 4)
    assert data["separation"]["lower"] == rep.separation.lower
    assert {(b["quantity"], b["name"], b["value"]) for b in data["bounds"]} == {
        (res.quantity, k, v) for res in (rep.grid, rep.separation) for k, v in res.bounds.items()}
    assert data["theorems"] == [] and data["theorems_note"].startswith("not applicable")


def _monomials(M: int, degrees: range) -> int:
    """Monomials in M variables whose degree lies in ``degrees`` (stars and bars)."""
    return sum(math.comb(M + d - 1, d) for d in degrees)


def _rac_depth_two_bounds(R: int, M: int, T: int) -> dict[str, int]:
    """Closed forms for a depth-2 RAC, Start-End: y is homogeneous of degree T/2 in h^{T/2,1}
    and of degree 1 in h^{T/2,2}; x^t (1-based) enters with degree T - t + 1."""
    h = T // 2
    state = math.comb(R + h - 1, h) * R
    per_step = [_monomials(M, range(T - t + 1, T - t + 2)) for t in range(1, T + 1)]
    inputs = min(math.prod(per_step[:h]), math.prod(per_step[h:]))
    return {"state degree": state, "input degree": inputs, "grid size": M ** h}


def _linear_rnn_bounds(M: int, T: int) -> dict[str, int]:
    """Closed forms for an additive RNN from a zero state: y = f(start) + g(end) has
    separation rank at most 2, and each x^t enters with degree 0 or 1."""
    return {"state degree": 2, "input degree": _monomials(M, range(2)) ** (T // 2),
            "grid size": M ** (T // 2)}


@pytest.mark.parametrize("arch, T, closed_forms", [
    (Architecture.rac(2, 2, 2), 4, _rac_depth_two_bounds(2, 2, 4)),
    (tnrank.load(GRAPHS / "linear_rnn.toml"), 6, _linear_rnn_bounds(2, 6)),
], ids=["rac-depth-2", "linear-rnn"])
def test_bound_rows_hold_the_closed_forms_and_mark_the_ranks_they_prove(arch, T, closed_forms):
    part = Partition.parse("start-end", T)
    rows = bound_rows(certify(arch, T))
    # every value against its closed form (the min-cut by max-flow on the unrolled network)
    expected = {}
    for quantity in ("grid", "separation"):
        for name, value in closed_forms.items():
            if quantity == "grid" or name != "grid size":
                expected[quantity, name] = value
        expected[quantity, "min-cut"] = min_cut(unroll(arch, T), part).bound
    assert {(r.quantity, r.name): r.value for r in rows} == expected
    # the ranks by brute force: the grid entry by entry, ranked by textbook elimination; the
    # separation rank as the grid on n random templates, n the most monomials one input carries
    w = random_weights(arch, seed=5, prime=PRIME)
    truth = {"grid": rank_mod_p_naive(matricize(naive_grid(w, T, np.eye(arch.M, dtype=np.int64), PRIME),
                                                part), PRIME)}
    n = {"multiplicative": _monomials(arch.M, range(T, T + 1)),
         "additive": _monomials(arch.M, range(2))}[arch.layers[0].integration]
    templates = np.random.default_rng(6).integers(0, PRIME, size=(arch.M, n))
    truth["separation"] = rank_mod_p_naive(matricize(naive_grid(w, T, templates, PRIME), part), PRIME)
    for quantity in ("grid", "separation"):
        mine = [r for r in rows if r.quantity == quantity]
        assert [r.value for r in mine] == sorted(r.value for r in mine)  # smallest first
        assert all(r.value >= truth[quantity] for r in mine)  # every bound holds
        assert [r.tight for r in mine] == [r.value == truth[quantity] for r in mine]
        best = [r for r in mine if r.best]
        assert len(best) == 1 and best[0].value == min(r.value for r in mine) == truth[quantity]


def test_comparison_deeper_versus_wider(capsys):
    """Same 54 weights: the depth-3 RAC's rank grows with T, the wide shallow one stops at R."""
    deep, wide = GRAPHS / "deep_rac_3.toml", GRAPHS / "wide_shallow_rac.toml"
    code, out, _ = run(capsys, "analyze", deep, wide, "-T", "2", "4", "6", "--json", "-q")
    data = json.loads(out)
    assert code == 0 and data["completed"] == data["total"] == 6 and not data["interrupted"]
    assert [a["summary"]["parameters"] for a in data["architectures"]] == [54, 54]
    sep = {(Path(r["file"]).stem, r["T"]): r["report"]["separation"] for r in data["rows"]}
    for T in (2, 4, 6):
        assert sep["wide_shallow_rac", T]["rank"] == min(6, 2 ** (T // 2))  # Theorem 1, depth 1
    assert sep["deep_rac_3", 6]["lower"] > sep["wide_shallow_rac", 6]["upper"]
    code, out, _ = run(capsys, "analyze", deep, wide, "-T", "2", "4", "6", "-q")
    assert code == 0 and re.search(r"T=2 +T=4 +T=6", out)
    wide_row = next(line for line in out.splitlines() if line.startswith(str(wide)) and "exact" in line)
    assert wide_row.split()[1:] == ["2", "exact", "4", "exact", "6", "exact"]  # Theorem 1, depth 1
    assert str(deep) in out and str(wide) in out


def test_a_directory_stands_for_its_files(tmp_path, capsys):
    tnrank.save(Architecture.rac(1, 2, 2), tmp_path / "b.toml")
    tnrank.save(Architecture.rac(2, 2, 2), tmp_path / "a.toml")
    (tmp_path / "notes.txt").write_text("not an architecture")
    code, out, _ = run(capsys, "analyze", tmp_path, "-T", "4", "--json", "-q")
    assert code == 0
    assert [Path(a["file"]).name for a in json.loads(out)["architectures"]] == ["a.toml", "b.toml"]


def test_markdown_is_a_document_with_links_and_the_command(tmp_path, capsys, monkeypatch):
    tnrank.save(Architecture(2, [2, 2], description="What | about pipes?"), tmp_path / "a.toml")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "analyze", "a.toml", "-T", "4", "--markdown", "--seed", "3", "-q")
    assert code == 0 and out.startswith("# Certified ranks of 1 architecture\n")
    assert "Generated by `tnrank analyze a.toml -T 4 --seed 3 --markdown`" in out
    assert "[a.toml](a.toml) | What \\| about pipes? |" in out


def test_interrupted_comparison_keeps_the_rows_done(capsys, monkeypatch):
    interrupt_on_call(monkeypatch, tnrank.studies.comparison, 3)
    code, out, err = run(capsys, "analyze", GRAPHS / "shallow_rac.toml", GRAPHS / "linear_rnn.toml",
                         "-T", "2", "4", "-q")
    assert code == 130 and "interrupted after 2 of 4 reports" in err
    shallow = [line for line in out.splitlines() if line.startswith(str(GRAPHS / "shallow_rac.toml"))]
    linear = [line for line in out.splitlines() if line.startswith(str(GRAPHS / "linear_rnn.toml"))]
    assert shallow[1].split()[1:] == ["2", "exact", "3", "exact"]  # both T done (separation table)
    assert linear[1].split()[1:] == ["…", "…"]


BAD_FILES = {
    "typo.toml": 'M = 2\n[[layer]]\nwidht = 3\n',
    "cycle.toml": 'M = 2\n[[layer]]\nname = "a"\nwidth = 2\nsources = ["b"]\n'
                  '[[layer]]\nname = "b"\nwidth = 2\nsources = ["a"]\n',
    "absurd.toml": 'M = 2\n[[layer]]\nwidth = 1000000000\n',
    "zero.toml": 'M = 0\n[[layer]]\nwidth = 3\n',
    "source.toml": 'M = 2\n[[layer]]\nwidth = 3\nsources = ["nowhere"]\n',
    "text.toml": 'just words\n',
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_files_exit_2_before_any_work(name, tmp_path, capsys, monkeypatch):
    (tmp_path / name).write_text(BAD_FILES[name])
    good = GRAPHS / "shallow_rac.toml"

    def forbidden(*_a, **_k):
        raise AssertionError("computation started despite a bad file")

    monkeypatch.setattr(tnrank.studies.comparison, "certify", forbidden)
    monkeypatch.setattr(tnrank.studies.analyze, "certify", forbidden)
    for argv in ([tmp_path / name, "-T", "4"], [good, tmp_path / name, "-T", "4", "6"]):
        code, out, err = run(capsys, "analyze", *argv)
        assert code == 2 and out == ""
        assert err.startswith(f"tnrank analyze: error: {tmp_path / name}: ")


def test_problems_of_several_files_are_reported_together(tmp_path, capsys):
    for name in ("typo.toml", "zero.toml"):
        (tmp_path / name).write_text(BAD_FILES[name])
    code, out, err = run(capsys, "analyze", tmp_path / "typo.toml", tmp_path / "zero.toml", "-T", "4")
    assert code == 2 and out == ""
    assert err.splitlines()[0] == "tnrank analyze: error: 2 of 2 files have problems"
    assert "widht" in err and "M (number of representation functions) = 0" in err


def test_large_file_and_missing_file(tmp_path, capsys):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (5 * 2**20))
    code, _, err = run(capsys, "analyze", big, "-T", "4")
    assert code == 2 and "too large" in err
    code, _, err = run(capsys, "analyze", tmp_path / "nope.toml", "-T", "4")
    assert code == 2 and "no such file" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "analyze", tmp_path / "empty", "-T", "4")
    assert code == 2 and "holds no .toml" in err


def test_bad_T_or_partition_fails_before_any_work(capsys, monkeypatch):
    monkeypatch.setattr(tnrank.studies.comparison, "certify", lambda *a, **k: pytest.fail("computed"))
    code, _, err = run(capsys, "analyze", GRAPHS / "shallow_rac.toml", "-T", "4", "5")
    assert code == 2 and "needs an even T" in err
    code, _, err = run(capsys, "analyze", GRAPHS / "shallow_rac.toml", "-T", "4", "--partition", "0,9")
    assert code == 2 and "out of range" in err


def test_too_many_weights_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "wide.toml").write_text("M = 2\n[[layer]]\nwidth = 90000\n")
    code, out, err = run(capsys, "analyze", tmp_path / "wide.toml", "-T", "4", "-q")
    assert code == 2 and out == "" and "reduce the widths" in err
    assert f"{90000 * 2 + 90000**2 + 90000:,} weights" in err


def test_interleaved_partition_on_a_gallery_file(capsys):
    code, out, _ = run(capsys, "analyze", GRAPHS / "shallow_rac.toml", "-T", "6",
                       "--partition", "interleaved", "--json", "-q")
    data = json.loads(out)
    assert code == 0 and data["partition"]["name"] == "interleaved"
    # the same weights (seed 0), grid built entry by entry and ranked by plain elimination
    arch = tnrank.load(GRAPHS / "shallow_rac.toml")
    w = random_weights(arch, seed=0, prime=PRIME)
    G = naive_grid(w, 6, np.eye(2, dtype=np.int64), PRIME)
    assert data["grid"]["lower"] == rank_mod_p_naive(matricize(G, "interleaved"), PRIME)


def test_rows_load_back_from_their_json():
    from tnrank.studies.analysis import BoundRow
    from tnrank.studies.comparison import CompareRow, compare

    report = certify(Architecture.rac(2, 2, 2), 4)
    for row in bound_rows(report):
        assert BoundRow.from_dict(json.loads(json.dumps(row.to_dict()))) == row
    (row,) = list(compare([("rac", Architecture.rac(2, 2, 2))], [4]))
    back = CompareRow.from_dict(json.loads(json.dumps(row.to_dict())))
    assert back.architecture == row.architecture and back.to_dict() == row.to_dict()
