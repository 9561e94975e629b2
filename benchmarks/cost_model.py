"""A cost model of one large rank on a Dask cluster, from kernels measured on this machine.

The tiled elimination (``tnrank.engine.tiles`` / ``tnrank.engine.cluster``) of an n × n sample
over GF(q²) in tiles of side b does, per step k (m = n - k·b rows and columns left):

* one panel elimination of m × b on one worker (its cores): time t_panel · (m / m0);
* (m / b)² tile updates ``C - X U`` spread over the W workers: time t_tile each;
* transfers, with the workers as a P × Q grid (``tnrank.engine.cluster.process_grid``): the
  panel to one worker (m · b stored numbers), each row block's multipliers to the Q workers of
  its grid row (Q · m · b) and each column's pivot rows to the P workers of its grid column
  (P · b · m): 8 bytes a number (complex64).

Before the steps, the sample's n² entries are built where they live: time t_entry each.
Measured here, one thread each: t_tile (a b × b tile updated with b pivots), t_panel (an
m0 × b panel), t_entry (the sample of depth 4, R = M = 2, T = 16). Assumed: every worker has
``--cores`` cores and scales linearly; a link moves ``--bandwidth`` bytes a second (10 Gbit/s
Ethernet by default) and each step waits ``--latency`` seconds for the scheduler.

Printed for W = 4, 16 and 64 workers and the case of the issue (depth 4, R = M = 2, T = 16:
side 80,586): memory per worker (its tiles twice during a step, plus the panel on the worker
that eliminates it), data moved in the first step and in all, and the projected time. These
are projections from measured kernels, not measurements of a cluster.

Run: ``python benchmarks/cost_model.py`` (about two minutes; ``--tile 1024`` for smaller tiles).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from tnrank import Architecture, Partition, random_weights
from tnrank.certification.bounds import upper_bounds
from tnrank.certification.sampling import random_draw
from tnrank.engine.cluster import process_grid
from tnrank.engine.sample_tiles import SampleSource
from tnrank.engine.tiles import Panel, update_tile
from tnrank.field import GAUSSIAN_FIELD
from tnrank.formatting import format_duration
from tnrank.runtime.memory import format_bytes


def residues(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    q = GAUSSIAN_FIELD.characteristic
    return (rng.integers(-(q // 2), q // 2, shape) + 1j * rng.integers(-(q // 2), q // 2, shape))


def best_of(fn, repeat: int = 2) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(b: int, m0: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    tile, X, U = residues(rng, (b, b)).astype(np.complex64), residues(rng, (b, b)), residues(rng, (b, b))
    panel = residues(rng, (m0, b)).astype(np.complex64)
    arch = Architecture.rac(4, 2, 2)
    part = Partition.parse("start-end", 16)
    w = random_weights(arch, seed=0, prime=GAUSSIAN_FIELD)
    rows, cols = random_draw(arch.M, part, np.random.default_rng([0, 1]), GAUSSIAN_FIELD)(0, 256)
    source = SampleSource(w, part, rows, cols)
    with threadpool_limits(1):
        t_tile = best_of(lambda: update_tile(tile, X, U, GAUSSIAN_FIELD))
        t_panel = best_of(lambda: Panel.eliminate(panel, GAUSSIAN_FIELD), 1)
        t_entry = best_of(lambda: source.block(0, 256, 0, 256)) / 256**2
    return {"t_tile": t_tile, "t_panel": t_panel, "m0": m0, "t_entry": t_entry}


def project(n: int, b: int, workers: int, cores: int, bandwidth: float, latency: float,
            k: dict[str, float]) -> dict[str, float]:
    steps = -(-n // b)
    seconds = n * n * k["t_entry"] / (workers * cores)
    moved = first = 0.0
    for step in range(steps):
        m = n - step * b
        w = min(b, m)
        tiles = (m / b) * max(0.0, (m - w) / b)
        panel = k["t_panel"] * (m / k["m0"]) * (w / b) ** 2 / cores
        compute = panel + tiles * k["t_tile"] / (workers * cores)
        grid = process_grid(workers)
        data = 8.0 * ((1 + grid.cols) * m * w + grid.rows * w * max(0, m - w))
        moved += data
        first = first or data
        seconds += compute + data / bandwidth + latency
    memory = 2 * 8.0 * n * n / workers + 16.0 * n * (b + 1) + 4 * 16.0 * b * b
    return {"memory": memory, "first": first, "moved": moved, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tile", type=int, default=2048)
    parser.add_argument("--panel-rows", type=int, default=4096, help="rows of the timed panel")
    parser.add_argument("--cores", type=int, default=8, help="cores of each worker (assumed)")
    parser.add_argument("--bandwidth", type=float, default=1.25e9, help="bytes a second a link moves")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds of scheduling a step")
    parser.add_argument("--workers", type=int, nargs="+", default=[4, 16, 64])
    args = parser.parse_args()
    arch = Architecture.rac(4, 2, 2)
    n = upper_bounds(arch, Partition.parse("start-end", 16), "separation")["state degree"]
    kernels = measure(args.tile, args.panel_rows)
    print(f"measured on one thread: a {args.tile}×{args.tile} tile update {kernels['t_tile']:.2f} s, "
          f"a {args.panel_rows}×{args.tile} panel {kernels['t_panel']:.2f} s, "
          f"{1e9 * kernels['t_entry']:.0f} ns per sample entry (depth 4, T = 16)")
    print(f"assumed: {args.cores} cores per worker, {args.bandwidth / 1e9:.2f} GB/s per link, "
          f"{args.latency:.2f} s of scheduling per step")
    print(f"depth 4, R = M = 2, T = 16: side {n:,}, tiles of {args.tile:,}, {-(-n // args.tile)} steps, "
          f"{format_bytes(8.0 * n * n)} in 32-bit storage\n")
    header = ["workers", "memory per worker", "moved in step 1", "moved in all", "projected time"]
    rows = []
    for workers in args.workers:
        p = project(n, args.tile, workers, args.cores, args.bandwidth, args.latency, kernels)
        rows.append([str(workers), format_bytes(p["memory"]), format_bytes(p["first"]),
                     format_bytes(p["moved"]), format_duration(p["seconds"])])
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=True)]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
