"""Runs over GF(q²) against runs mod p: what one large-field run costs and what it saves.

A run over GF(q²) (Gaussian integers mod ``q = tnrank.primes.GAUSSIAN_PRIME``, complex128) has
a Schwartz–Zippel bound ``(r+1)·D/q²`` where a run mod ``p = tnrank.PRIME`` has ``(r+1)·D/p``,
so one such run replaces several mod ``p``. This benchmark measures, in the same run:

* ``rank``  — the exact rank of a random n × n matrix mod p and over GF(q²), and their ratio
  (``tnrank.certification.sampling.GAUSSIAN_RANK_COST`` is this ratio at 8192);
* ``build`` — nanoseconds per entry of a K × K sample matrix of the depth-3, R = M = 3 RAC at
  T = 12 (the case of the issue) mod p and over GF(q²), and their ratio
  (``GAUSSIAN_BUILD_COST``);
* ``runs``  — for that case (r = 21,009, D = 1,182) the runs needed to reach a failure bound of
  1e-6 mod p and over GF(q²), and the estimated cost of each strategy in units of one run mod p.

Run: ``python benchmarks/bench_gaussian.py`` (``--sizes 4096 8192``, ``--samples 3000``,
``--repeat 3`` takes the median). On the 2-core machine a quiet run takes about 3 minutes.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np

from tnrank import PRIME, Architecture, Partition, random_weights
from tnrank.certification.bounds import total_degree
from tnrank.engine.elimination import float_residues
from tnrank.engine.grid import sample_matrix
from tnrank.engine.rank import rank_mod_p
from tnrank.field import GAUSSIAN_FIELD, GF
from tnrank.primes import GAUSSIAN_PRIME

TARGET = 1e-6


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_rank(n: int, repeat: int) -> tuple[float, float]:
    rng = np.random.default_rng(n)
    p, q = PRIME, GAUSSIAN_PRIME
    real = float_residues(rng.integers(0, p, (n, n)), GF(p))
    gauss = float_residues(rng.integers(0, q, (n, n)) + 1j * rng.integers(0, q, (n, n)),
                           GAUSSIAN_FIELD)
    t_p = median_time(lambda: rank_mod_p(real.copy(), p, overwrite=True), repeat)
    t_q = median_time(lambda: rank_mod_p(gauss.copy(), GAUSSIAN_FIELD, overwrite=True), repeat)
    return t_p, t_q


def bench_build(K: int, repeat: int) -> tuple[float, float]:
    arch = Architecture.rac(3, 3, 3)
    part = Partition.parse("start-end", 12)
    rng = np.random.default_rng(0)
    out = []
    for field in (GF(PRIME), GAUSSIAN_FIELD):
        w = random_weights(arch, seed=0, prime=field)
        prime = field.characteristic
        rows, cols = rng.integers(0, prime, (K, 6, 3)), rng.integers(0, prime, (K, 6, 3))
        if field.gaussian:
            rows = rows + 1j * rng.integers(0, prime, (K, 6, 3))
            cols = cols + 1j * rng.integers(0, prime, (K, 6, 3))
        t = median_time(lambda: sample_matrix(w, part, rows, cols), repeat)
        out.append(1e9 * t / K**2)
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4096, 8192])
    ap.add_argument("--samples", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    print("rank: n, mod p (s), over GF(q²) (s), ratio")
    ratio_rank = None
    for n in args.sizes:
        t_p, t_q = bench_rank(n, args.repeat)
        ratio_rank = t_q / t_p
        print(f"  {n:>6}  {t_p:8.2f}  {t_q:8.2f}  {ratio_rank:5.2f}")

    b_p, b_q = bench_build(args.samples, args.repeat)
    ratio_build = b_q / b_p
    print(f"build (depth 3, R = M = 3, T = 12, K = {args.samples}): {b_p:.0f} ns/entry mod p, "
          f"{b_q:.0f} ns/entry over GF(q²), ratio {ratio_build:.2f}")

    r, D = 21_009, total_degree(Architecture.rac(3, 3, 3), 12, random_inputs=True)
    each_p, each_q = (r + 1) * D / PRIME, (r + 1) * D / GAUSSIAN_PRIME**2
    runs_p = math.ceil(math.log(TARGET) / math.log(each_p))
    runs_q = math.ceil(math.log(TARGET) / math.log(each_q))
    # one run's cost in units of a run mod p: the rank and the build weigh about 60 : 40 at
    # K = 21,252 on this machine (190 s and 130 s)
    cost_q = 0.6 * (ratio_rank or 1.0) + 0.4 * ratio_build
    print(f"runs to reach {TARGET:.0e} at r = {r:,}, D = {D:,}: mod p {runs_p} (bound {each_p:.1e} "
          f"each), over GF(q²) {runs_q} (bound {each_q:.1e}); cost in runs mod p: "
          f"{runs_p:.1f} against {runs_q * cost_q:.2f}")


if __name__ == "__main__":
    main()
