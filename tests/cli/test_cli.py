import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest
from interrupts import interrupt_on_call
from oracle import naive_grid, rank_mod_p_naive

import tnrank.certification.bounds
import tnrank.studies.verification
from tnrank import PRIME, Architecture, Partition, grid_tensor, matricize, min_cut, random_weights, unroll
from tnrank.cli import main
from tnrank.engine.grid import grid_matrix


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_rank_json_report(capsys):
    code, out, _ = run(capsys, "rank", "-L", "2", "-R", "3", "-M", "3", "-T", "10", "--json", "-q")
    data = json.loads(out)
    assert code == 0
    assert data["grid"]["rank"] == 63 and data["separation"]["exact"] is True
    assert {"lower", "upper", "upper_source", "exact", "rank"} <= set(data["separation"])


def table(out: str, first: str) -> list[list[str]]:
    """The rows of the table whose header starts with ``first``, cells split on 2+ spaces."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first)) + 2
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return [re.split(r"\s{2,}", line.strip()) for line in lines[start:end]]


def bounds_line(out: str, quantity: str) -> dict[str, int]:
    """``{name: value}`` of the report's ``upper bounds (QUANTITY): name value, ...`` line."""
    line = next(x for x in out.splitlines() if x.startswith(f"upper bounds ({quantity}): "))
    pairs = (item.rsplit(" ", 1) for item in line.split(": ", 1)[1].split(", "))
    return {name: int(value.replace(",", "")) for name, value in pairs}


def test_rank_table_numbers_against_brute_force_and_closed_forms(capsys):
    L, R, M, T = 1, 2, 3, 6
    code, out, err = run(capsys, "rank", "-L", str(L), "-R", str(R), "-M", str(M), "-T", str(T),
                         "--partition", "interleaved")
    assert code == 0 and "grid:" in err  # progress lines on stderr
    assert f"partition interleaved (start 0,2,4 | end 1,3,5), seed 0, prime p = {PRIME}" in out
    arch, part = Architecture.rac(L, R, M), Partition.parse("interleaved", T)
    # the weights of seed 0: the grid entry by entry, ranked by textbook elimination; the
    # separation rank as the grid on M random templates (each input enters linearly)
    w = random_weights(arch, seed=0, prime=PRIME)
    grid_rank = rank_mod_p_naive(matricize(naive_grid(w, T, np.eye(M, dtype=np.int64), PRIME), part),
                                 PRIME)
    templates = np.random.default_rng(1).integers(0, PRIME, size=(M, M))
    sep_rank = rank_mod_p_naive(matricize(naive_grid(w, T, templates, PRIME), part), PRIME)
    cut = min_cut(unroll(arch, T), part).bound  # max-flow on the unrolled network
    float_rank = np.linalg.matrix_rank(matricize(grid_tensor(random_weights(arch, seed=0), T), part))
    grid, sep = table(out, "quantity")
    assert grid == ["grid", str(grid_rank), str(cut), "exact", "min-cut",
                    f"full grid {M ** 3}×{M ** 3} mod p"]
    # the float column appears only when the estimate disagrees; here numpy's rank is right
    assert float_rank == grid_rank and "float64 SVD" not in out
    assert sep[:5] == ["separation", str(sep_rank), str(cut), "exact", "min-cut"]
    # every bound printed, against its closed form: each input enters linearly (M monomials a
    # step), one-hot templates give M^|S| rows
    assert bounds_line(out, "grid") == {"input degree": M ** 3, "grid size": M ** 3, "min-cut": cut}
    assert bounds_line(out, "separation") == {"input degree": M ** 3, "min-cut": cut}
    assert "paper's bounds: not applicable" in out  # the paper's theorems concern Start-End only


def test_verify_rows_against_theorem_one_and_brute_force(capsys):
    code, out, _ = run(capsys, "verify", "-L", "1", "2", "-M", "2", "-R", "2", "-T", "2", "4", "-q")
    assert code == 0
    rows = [r for r in table(out, "L  M  R  T") if r[0].isdigit()]  # the summary follows
    assert [tuple(map(int, r[:4])) for r in rows] == [(1, 2, 2, 2), (1, 2, 2, 4), (2, 2, 2, 2),
                                                      (2, 2, 2, 4)]
    verdicts = []
    for L, M, R, T, grid, sep, cut, paper, verdict in ((*map(int, r[:4]), *r[4:]) for r in rows):
        arch = Architecture.rac(L, R, M)
        w = random_weights(arch, seed=0, prime=PRIME)
        truth = rank_mod_p_naive(matricize(naive_grid(w, T, np.eye(M, dtype=np.int64), PRIME),
                                           "start-end"), PRIME)
        assert grid == f"{truth} exact"
        # the separation rank: the grid on T + 1 random templates (x^1 enters with degree up to
        # T in depth 2: T + 1 monomials in two variables)
        templates = np.random.default_rng(1).integers(0, PRIME, size=(M, T + 1))
        truth = rank_mod_p_naive(matricize(naive_grid(w, T, templates, PRIME), "start-end"), PRIME)
        assert sep == f"{truth} exact"
        assert int(cut) == min_cut(unroll(arch, T), "start-end").bound
        if L == 1:  # Theorem 1: sep <= min(R, M^(T/2)) for every weight
            bound, holds = min(R, M ** (T // 2)), truth <= min(R, M ** (T // 2))
            assert paper == f"Thm 1 (depth 1) ≤ {bound}"
        else:  # sep >= C(min(M, R) + T/2 - 1, T/2) for generic weights
            bound = math.comb(min(M, R) + T // 2 - 1, T // 2)
            holds = truth >= bound
            assert paper == f"Thm 1 (depth 2) ≥ {bound}"
        assert holds
        verdicts.append("tight" if truth == bound else "holds")
        assert verdict == verdicts[-1]
    n = len(verdicts)
    assert (f"{n} of {n} configurations: {verdicts.count('holds')} holds, "
            f"{verdicts.count('tight')} tight") in out


def test_verify_json(capsys):
    code, out, _ = run(capsys, "verify", "-L", "2", "-M", "2", "-R", "2", "-T", "4", "--json", "-q")
    data = json.loads(out)
    assert code == 0 and data["completed"] == 1 and data["rows"][0]["verdict"] == "holds"


def test_verify_exits_nonzero_when_a_bound_is_violated(capsys, monkeypatch):
    # a deliberately false "theorem" must be caught by the certified ranks
    monkeypatch.setattr(tnrank.certification.bounds, "theorem1_deep_lower", lambda R, M, T: 10**6)
    code, out, _ = run(capsys, "verify", "-L", "2", "-M", "2", "-R", "2", "-T", "4", "-q")
    assert code == 1 and "violated" in out


def test_verify_keeps_rows_done_when_interrupted(capsys, monkeypatch):
    interrupt_on_call(monkeypatch, tnrank.studies.verification, 2)
    code, out, err = run(capsys, "verify", "-L", "1", "-M", "2", "-R", "2", "-T", "2", "4", "6", "-q")
    assert code == 130
    assert "1 of 3 configurations" in out and "interrupted after 1 of 3" in err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "7"], "needs an even T"),
        (["rank", "-L", "2", "-R", "2", "-M", "0", "-T", "4"], "must be at least 1"),
        (["rank", "-L", "0", "-R", "2", "-M", "2", "-T", "4"], "must be at least 1"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--partition", "0,0"], "more than once"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--partition", "0,7"], "out of range"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--partition", "0,1,2,3"], "end side"),
        (["rank", "-L", "2", "-R", "2", "3", "4", "-M", "2", "-T", "4"], "3 widths given for depth 2"),
        (["rank", "-L", "2", "-R", "2", "-M", "4", "-T", "40", "--grid", "full"], "sampled mode"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--prime", "1000"], "not a prime"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--prime", "1048575"], "not a prime"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--prime", "1000003"],
         "below 2**20 = 1048576: too small for the failure bounds"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--prime", "2147483647"],
         "too large for the exact arithmetic (it must be below 2**30"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--failure-target", "1.5"],
         "not a probability"),
        (["rank", "-L", "4", "-R", "3", "-M", "3", "-T", "8", "--max-samples", "10000000"],
         "use --max-samples at most"),
        (["verify", "-T", "3"], "needs an even T"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_two(capsys, argv, fragment):
    code, out, err = run(capsys, *argv, "-q")
    assert code == 2
    assert fragment in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_console_script_runs_as_a_module():
    proc = subprocess.run([sys.executable, "-m", "tnrank", "rank", "-L", "1", "-R", "2", "-M", "2",
                           "-T", "3", "-q"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "tnrank rank: error: the start-end partition needs an even T, got T=3; use T=4 or give "
        "the start steps explicitly (e.g. --partition 0,1,2)"
    )


def test_import_stays_light():
    code = ("import sys, tnrank, tnrank.cli; "
            "heavy = [m for m in ('matplotlib', 'torch', 'tensornetwork') if m in sys.modules]; "
            "print(heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_prime_at_the_bottom_of_the_range_is_accepted(capsys):
    # 1048583 is the smallest prime above 2**20; the rank of a small case is unchanged
    code, out, _ = run(capsys, "rank", "-L", "2", "-R", "3", "-M", "3", "-T", "6", "--prime",
                       "1048583", "--json", "-q")
    assert code == 0 and json.loads(out)["separation"]["rank"] == 30


def test_float_option_forces_the_estimate_and_the_report_says_when_skipped(capsys):
    args = ("rank", "-L", "2", "-R", "3", "-M", "3", "-T", "12", "--grid", "full", "-q")
    _, out, _ = run(capsys, *args)
    assert "float estimate skipped (use --float)" in out
    _, out, _ = run(capsys, *args, "--float", "--json")
    # the estimate is numpy's SVD rank of the float grid of the same seed, tolerance written out
    G = grid_matrix(random_weights(Architecture.rac(2, 3, 3), seed=0), Partition.parse("start-end", 12))
    sv = np.linalg.svd(G, compute_uv=False)
    tol = sv[0] * max(G.shape) * np.finfo(np.float64).eps
    fl = json.loads(out)["grid"]["float"]
    assert fl["rank"] == np.linalg.matrix_rank(G, tol=tol) and fl["tol"] == pytest.approx(tol)
    exact = math.comb(3 + 6 - 1, 6) * 3  # the state-degree bound C(R+T/2-1, T/2)·R, reached
    assert fl["compared_to"] == exact and fl["agrees"] is (fl["rank"] == exact)
