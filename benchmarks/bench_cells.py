"""Cost of a sample entry of each gallery cell against a RAC of the same state size and depth.

For every cell file of graphs/ the benchmark builds the RAC whose layers have the cell's state
sizes (a RAC's state is its hidden vector, so state sizes and depth match), times the K × K
sample matrix ``[y(s_i, e_j)]`` of both at the same T in the same run, over GF(p) and over
GF(q²) (the field of a certification's last and largest stage), and prints the time per entry
and the ratio cell / RAC. A time is the CPU time of the process (all threads), the best of
``--reps`` runs, the cell's and the RAC's runs alternating, so that a shared machine's load
reaches both alike and waiting for a core is not counted.

    python benchmarks/bench_cells.py              # K = 1500, T = 12
    python benchmarks/bench_cells.py --K 800 --T 8 mamba_s6 gla
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tnrank import PRIME, Architecture, Partition, random_weights, sample_matrix
from tnrank.field import GF
from tnrank.files.architecture_file import load
from tnrank.primes import GAUSSIAN_PRIME

GRAPHS = Path(__file__).resolve().parents[1] / "graphs"


def sampler(arch: Architecture, field, T: int, K: int) -> Callable[[], object]:
    """A call that builds the K × K Start-End sample matrix of ``arch`` over ``field``."""
    w = random_weights(arch, seed=0, prime=field)
    part = Partition.parse("start-end", T)
    rng = np.random.default_rng(0)
    q = field.characteristic
    rows = rng.integers(0, q, size=(K, T // 2, arch.M))
    cols = rng.integers(0, q, size=(K, T - T // 2, arch.M))
    return lambda: sample_matrix(w, part, rows, cols)


def per_entry(archs: list[Architecture], field, T: int, K: int, reps: int = 5) -> list[float]:
    """CPU seconds per entry of a K × K Start-End sample matrix over ``field`` for each
    architecture: the best of ``reps`` runs, the architectures' runs alternating."""
    calls = [sampler(arch, field, T, K) for arch in archs]
    best = [float("inf")] * len(calls)
    for _ in range(reps):
        for i, call in enumerate(calls):
            t0 = time.process_time()
            call()
            best[i] = min(best[i], time.process_time() - t0)
    return [b / (K * K) for b in best]


def partner(arch: Architecture) -> Architecture:
    """The RAC with one layer per cell layer, each as wide as that layer's state."""
    widths = list(arch.state_sizes())
    return Architecture.rac(len(widths), widths if len(widths) > 1 else widths[0], arch.M)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="gallery files (stems); default every cell file")
    parser.add_argument("--K", type=int, default=1500)
    parser.add_argument("--T", type=int, default=12)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    files = sorted(GRAPHS.glob("*.toml"))
    archs = {p.stem: load(p) for p in files}
    names = args.names or [n for n, a in archs.items() if a.has_cells]
    fields = {"GF(p)": GF(PRIME), "GF(q²)": GF(GAUSSIAN_PRIME, 2)}
    print(f"K = {args.K}, T = {args.T}; CPU ns per entry, best of {args.reps}")
    print(f"{'cell':24s} {'state':>6s} {'field':7s} {'cell':>9s} {'RAC':>9s} {'ratio':>6s}")
    for name in names:
        arch = archs[name]
        rac = partner(arch)
        for label, field in fields.items():
            tc, tr = per_entry([arch, rac], field, args.T, args.K, args.reps)
            sizes = "+".join(map(str, arch.state_sizes()))
            print(f"{name:24s} {sizes:>6s} {label:7s} {tc * 1e9:9.1f} {tr * 1e9:9.1f} "
                  f"{tc / tr:6.2f}", flush=True)


if __name__ == "__main__":
    main()
