"""Speed and correctness of certified ranks against two baselines, measured in one run.

Baselines
---------
1. float: the full grid (or the same K x K sample) in float64 and numpy's SVD rank —
   fast where it fits, and wrong.
2. naive: the grid (or sample) evaluated sequence by sequence, then the exact rank.
   Where a baseline cannot finish in the time budget, its time is extrapolated from the
   sequences it did evaluate (marked "~"); where it cannot fit in memory, "infeasible".

Sample-matrix builds (``--build``) are timed against the unfolded evaluation engine (every
layer stepped on every (start, end) pair), the same matrix in the same run.

Run ``python benchmarks/bench_core.py`` (all cases, a few minutes) or ``--quick``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # time this checkout's tnrank

import tnrank.engine.grid as grid_module
from tnrank import PRIME, Architecture, Partition, certify, random_weights, rank_mod_p
from tnrank.engine.grid import grid_matrix, sample_matrix
from tnrank.engine.rank import rank_float

BUDGET = 20.0  # seconds per naive baseline before extrapolating


def naive_y(weights, seq, p):
    """One sequence, one step at a time: the straightforward per-sequence loop."""
    hs = [None] * weights.architecture.depth
    for v in seq:
        x = v
        for l in range(len(hs)):
            a = weights.input[l] @ x % p
            b = np.ones_like(a) if hs[l] is None else weights.hidden[l] @ hs[l] % p
            hs[l] = a * b % p
            x = hs[l]
    return int(weights.output[0] @ hs[-1] % p)


def naive_matrix(weights, rows, cols, p):
    """[y(s_i, e_j)] pair by pair within the time budget; returns (matrix or None, seconds)."""
    total = len(rows) * len(cols)
    out = np.zeros((len(rows), len(cols)), dtype=np.int64)
    t0 = time.perf_counter()
    done = 0
    for i, s in enumerate(rows):
        for j, e in enumerate(cols):
            out[i, j] = naive_y(weights, np.concatenate([s, e]), p)
            done += 1
        if time.perf_counter() - t0 > BUDGET:
            return None, (time.perf_counter() - t0) * total / done
    return out, time.perf_counter() - t0


def one_hot_sequences(M, length):
    idx = np.indices((M,) * length).reshape(length, -1).T
    return np.eye(M, dtype=np.int64)[idx]


def case_grid(L, M, R, T):
    arch = Architecture.rac(L, R, M)
    part = Partition.parse("start-end", T)
    t0 = time.perf_counter()
    rep = certify(arch, T, grid="full", float_check=False, max_samples=1)
    t_tn = rep.grid.seconds
    answer = f"{rep.grid.lower}{' exact' if rep.grid.exact else ''}"
    # baseline 1: float grid + numpy SVD rank
    t0 = time.perf_counter()
    Gf = grid_matrix(random_weights(arch, seed=0), part)
    fr = rank_float(Gf)
    t_float = time.perf_counter() - t0
    # baseline 2: naive sequence-by-sequence grid, exact rank
    w = random_weights(arch, seed=0, prime=PRIME)
    seqs = one_hot_sequences(M, T // 2)
    G, t_naive = naive_matrix(w, seqs, seqs, PRIME)
    naive_answer = "-" if G is None else str(rank_mod_p(G, PRIME))
    if G is not None:
        t_naive = time.perf_counter() - t0 - t_float
    return (f"grid L={L} M={M} R={R} T={T} ({M ** (T // 2)}²)", t_tn, answer,
            [("float64 SVD", t_float, str(fr.rank)), ("naive exact", t_naive, naive_answer, G is None)])


def case_separation(L, M, R, T):
    arch = Architecture.rac(L, R, M)
    part = Partition.parse("start-end", T)
    rep = certify(arch, T, grid="skip", float_check=False)
    sep = rep.separation
    answer = f"{sep.lower}{' exact' if sep.exact else ''}"
    K = sep.samples or sep.lower
    rng = np.random.default_rng(5)
    # baseline 1: the same K x K sample in float64 + numpy SVD rank
    t0 = time.perf_counter()
    rows, cols = rng.standard_normal((K, T // 2, M)), rng.standard_normal((K, T // 2, M))
    fr = rank_float(sample_matrix(random_weights(arch, seed=0), part, rows, cols))
    t_float = time.perf_counter() - t0
    # baseline 2: the K x K sample pair by pair, exact rank (full grid: M^T entries)
    w = random_weights(arch, seed=0, prime=PRIME)
    rows = rng.integers(0, PRIME, (K, T // 2, M))
    cols = rng.integers(0, PRIME, (K, T // 2, M))
    t0 = time.perf_counter()
    Y, t_naive = naive_matrix(w, rows, cols, PRIME)
    naive_answer = "-" if Y is None else str(rank_mod_p(Y, PRIME))
    if Y is not None:
        t_naive = time.perf_counter() - t0
    return (f"separation L={L} M={M} R={R} T={T} (K={K})", sep.seconds, answer,
            [("float64 SVD", t_float, str(fr.rank)), ("naive exact", t_naive, naive_answer, Y is None)])


def case_build(L, M, R, T, K):
    """One K x K separation sample: folded first layer against the unfolded engine.

    Timed in CPU seconds of this process (best of three), which a busy shared machine
    disturbs less than wall-clock time.
    """
    arch = Architecture.rac(L, R, M)
    part = Partition.parse("start-end", T)
    w = random_weights(arch, seed=0, prime=PRIME)
    rng = np.random.default_rng(5)
    rows = rng.integers(0, PRIME, (K, T // 2, M))
    cols = rng.integers(0, PRIME, (K, T // 2, M))
    times = {}
    mats = {}
    for fold in (True, False):
        grid_module._FOLD = fold
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            mats[fold] = sample_matrix(w, part, rows, cols)
            best = min(best, time.process_time() - t0)
        times[fold] = best
    grid_module._FOLD = True
    same = "same" if np.array_equal(mats[True], mats[False]) else "DIFFER"
    ns = 1e9 * times[True] / K**2
    return (f"build L={L} M={M} R={R} T={T} (K={K}, {ns:.0f} CPU ns/entry)", times[True], same,
            [("unfolded", times[False], same)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small cases only")
    parser.add_argument("--build", action="store_true", help="sample-matrix builds only")
    args = parser.parse_args()
    cases = [("grid", 2, 3, 3, 10), ("separation", 2, 4, 4, 20)]
    if not args.quick:
        cases += [("grid", 3, 4, 2, 12), ("separation", 2, 5, 5, 20)]
    builds = [("build", 2, 4, 4, 40, 1024), ("build", 3, 3, 3, 12, 1024)]
    cases = builds if args.build else cases + builds[: 1 if args.quick else 2]
    print(f"{'case':44} {'tnrank':>9} {'answer':>11}   {'baseline':12} {'time':>10} "
          f"{'answer':>7} {'ratio':>8}")
    run_case = {"grid": case_grid, "separation": case_separation, "build": case_build}
    for kind, *sizes in cases:
        name, t_tn, answer, baselines = run_case[kind](*sizes)
        for i, (bname, t_b, b_answer, *extra) in enumerate(baselines):
            approx = "~" if extra and extra[0] else " "
            head = f"{name:44} {t_tn:8.2f}s {answer:>11}" if i == 0 else " " * 67
            print(f"{head}   {bname:12} {approx}{t_b:8.2f}s {b_answer:>7} {t_b / t_tn:7.1f}x", flush=True)


if __name__ == "__main__":
    main()
