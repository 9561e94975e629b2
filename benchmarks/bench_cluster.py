"""A rank on a two-worker Dask LocalCluster against the same rank on this process alone.

For each n (8192 and 16,384 by default), in one run:

* ``local``   — a child process: the matrix stored as complex64 residues and eliminated in
  tiles in memory (BLAS on every core);
* ``cluster`` — a ``distributed.LocalCluster`` of two worker processes with one thread each
  (the cores shared the same way): every tile built on its worker and eliminated there
  (``tnrank.engine.cluster``), the panels gathered to one worker per step.

Both read the same random matrix over GF(q²) in the same tiles; printed per n: seconds, the
rank (the same), the peak resident memory of the local child and of the busiest worker, and the
ratio cluster / local. On one 2-core machine the cluster cannot be faster: the ratio measures
what its tasks, transfers and serial panels cost; ``docs/large-ranks.md`` turns the measured
kernels into projections for many machines (``benchmarks/cost_model.py``).

Run: ``python benchmarks/bench_cluster.py`` (``--sizes 4096`` for a quick check).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from large_cases import RandomSource, measure, peak_mib, report, table

from tnrank.engine.cluster import cluster_rank
from tnrank.engine.tiles import Layout, eliminate, fill, tile_for
from tnrank.field import GAUSSIAN_FIELD


def child(n: int) -> None:
    lay = Layout(n, n, GAUSSIAN_FIELD, 32, tile_for(n))
    t0 = time.perf_counter()
    store = np.empty((n, n), dtype=lay.storage_dtype)
    fill(store, RandomSource(n, chunk=lay.tile), lay)
    r = eliminate(store, lay)
    report(n=n, seconds=round(time.perf_counter() - t0, 2), rank=r)


def on_cluster(n: int) -> dict:
    import distributed

    lay = Layout(n, n, GAUSSIAN_FIELD, 32, tile_for(n))
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, memory_limit=0)
    with cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2)
        t0 = time.perf_counter()
        r = cluster_rank(RandomSource(n, chunk=lay.tile), lay, client)
        seconds = time.perf_counter() - t0
        peaks = client.run(peak_mib)
    return {"seconds": round(seconds, 2), "rank": r, "peak_mib": round(max(peaks.values()), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8192, 16384])
    parser.add_argument("--child", nargs=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(int(args.child[0]))
        return
    rows = []
    for n in args.sizes:
        local = measure(__file__, n)
        remote = on_cluster(n)
        assert local["rank"] == remote["rank"], (local, remote)
        rows.append([n, "local", local["seconds"], local["rank"], local["peak_mib"], ""])
        rows.append([n, "2 workers", remote["seconds"], remote["rank"], remote["peak_mib"],
                     f"{remote['seconds'] / local['seconds']:.2f}"])
        print(table(["n", "where", "seconds", "rank", "peak MiB (busiest)", "time ratio"], rows),
              flush=True)
        print(flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
