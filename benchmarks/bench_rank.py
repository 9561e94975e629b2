"""Exact rank mod p of large dense matrices: tnrank's float64 elimination against one float64
GEMM and against python-flint.

Goal (issue 10): the rank of an 8192 × 8192 matrix mod ``tnrank.PRIME`` in at most 1.5 times
the time of one float64 matrix product of the same size.

Per case (n, kind, prime) it prints

* ``rank``   — ``tnrank.rank_mod_p`` on an int64 matrix (conversion to float64 residues
  included), the rank it found;
* ``gemm``   — one numpy float64 product ``X @ Y`` of two n × n matrices, timed in the same
  run right before (the baseline: the machine's BLAS speed);
* ``flint``  — python-flint's ``nmod_mat(...).rank()`` including the conversion of the numpy
  array through Python lists (skipped above ``--skip-flint-above``: at 8192 it takes minutes);

and the ratios rank / gemm and flint / rank. Kinds: ``random`` (full rank) and ``deficient``
(product of random n × r and r × n factors, r = 3n/4, built with tnrank's modular product).
Primes: ``tnrank.PRIME`` (2**30 - 35; two GEMMs per update, the limbs of one operand) and
1048573 (below 2**20; one GEMM per update, no chunking for n ≤ 32768).

On this machine ``OPENBLAS_CORETYPE`` may be set in the environment, which slows numpy's BLAS.
The ratio against GEMM is measured with the same BLAS, threads and load in the same run, so
it stays fair; the absolute times are not comparable across settings. BLAS threads follow
numpy's defaults (or ``OPENBLAS_NUM_THREADS``).

Run: ``python benchmarks/bench_rank.py`` (``--sizes 4096 8192``, ``--skip-flint-above 4096``,
``--repeat 3`` takes the median).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from tnrank import PRIME
from tnrank.engine.elimination import _Modulus
from tnrank.engine.rank import rank_mod_p
from tnrank.field import GF

SMALL_PRIME = 1_048_573
GOAL_RATIO = 1.5


def make(n: int, kind: str, p: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """An n × n int64 matrix of residues and its expected rank (generic)."""
    if kind == "random":
        return rng.integers(0, p, (n, n)), n
    r = 3 * n // 4
    F = _Modulus(GF(p))
    L = F.centred(rng.integers(0, p, (n, r)))
    R = F.centred(rng.integers(0, p, (r, n)))
    A = np.mod(F.matmul(L, R).astype(np.int64), p)
    return A, r


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def flint_rank(A: np.ndarray, p: int) -> int:
    import flint

    return int(flint.nmod_mat(A.tolist(), p).rank())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4096, 8192])
    ap.add_argument("--kinds", nargs="+", default=["random", "deficient"])
    ap.add_argument("--primes", type=int, nargs="+", default=[PRIME, SMALL_PRIME])
    ap.add_argument("--skip-flint-above", type=int, default=4096, metavar="N",
                    help="skip python-flint for n > N (default 4096; 8192 takes minutes)")
    ap.add_argument("--repeat", type=int, default=1, help="median of this many runs")
    args = ap.parse_args(argv)

    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}")
    header = f"{'n':>6} {'kind':>9} {'prime':>11} {'rank':>6} {'t_rank':>8} {'t_gemm':>8} " \
             f"{'rank/gemm':>9} {'t_flint':>8} {'flint/rank':>10}"
    print(header)
    rng = np.random.default_rng(0)
    worst: dict[int, float] = {}
    for n in args.sizes:
        X, Y = rng.random((n, n)), rng.random((n, n))
        for p in args.primes:
            for kind in args.kinds:
                A, expected = make(n, kind, p, rng)
                t_gemm, _ = timed(lambda: X @ Y, args.repeat)
                t_rank, r = timed(lambda: rank_mod_p(A, p), args.repeat)
                if r != expected:
                    raise SystemExit(f"rank {r} differs from the expected {expected}")
                flint_col = f"{'-':>8} {'-':>10}"
                if n <= args.skip_flint_above:
                    t_flint, rf = timed(lambda: flint_rank(A, p), 1)
                    if rf != r:
                        raise SystemExit(f"python-flint says {rf}, tnrank {r}")
                    flint_col = f"{t_flint:8.2f} {t_flint / t_rank:10.2f}"
                ratio = t_rank / t_gemm
                worst[p] = max(worst.get(p, 0.0), ratio) if n == max(args.sizes) else worst.get(p, 0.0)
                print(f"{n:6d} {kind:>9} {p:11d} {r:6d} {t_rank:8.2f} {t_gemm:8.2f} "
                      f"{ratio:9.2f} {flint_col}", flush=True)
    n = max(args.sizes)
    for p, ratio in worst.items():
        verdict = "meets" if ratio <= GOAL_RATIO else "misses"
        print(f"n = {n}, prime {p}: worst rank/gemm {ratio:.2f} ({verdict} the goal <= {GOAL_RATIO})")


if __name__ == "__main__":
    main()
