"""A rank spilled to disk against the same rank in memory (32-bit storage, the same tiles).

For one side n (8192 by default), in one run, each in a child process of its own:

* ``memory`` — the matrix stored as complex64 residues in memory and eliminated in tiles;
* ``disk``   — the same matrix and tiles in a ``numpy.memmap`` file in a temporary folder
  (``--folder``, default the system's), one file per elimination step, with the checkpoint
  written after every step (``tnrank.engine.spill``).

Printed: seconds to store and to eliminate, the rank (the same), the child's peak anonymous
memory (its own arrays; the resident pages of a memmap belong to the file and are counted by
the peak resident memory instead), the bytes on disk at the peak (the matrix and the first
step's output), and the ratios disk / memory. The page cache holds what fits, so on a machine
with memory to spare the disk run measures the cost of the files and checkpoints, not of the
disk itself; ``TNRANK_MEMORY`` does not limit the page cache.

Run: ``python benchmarks/bench_spill.py`` (``--size 4096`` for a quick check).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from large_cases import RandomSource, measure, report, table

from tnrank.engine.spill import spill_bytes, spilled_rank
from tnrank.engine.tiles import Layout, eliminate, fill, tile_for
from tnrank.field import GAUSSIAN_FIELD
from tnrank.runtime.memory import format_bytes


def child(mode: str, n: int, folder: str) -> None:
    lay = Layout(n, n, GAUSSIAN_FIELD, 32, tile_for(n))
    source = RandomSource(n, chunk=lay.tile)
    t0 = time.perf_counter()
    if mode == "memory":
        store = np.empty((n, n), dtype=lay.storage_dtype)
        fill(store, source, lay)
        t1 = time.perf_counter()
        r = eliminate(store, lay)
        report(mode=mode, n=n, store_s=round(t1 - t0, 2), rank_s=round(time.perf_counter() - t1, 2), rank=r)
        return
    built = []

    def progress(status):
        built.append(time.perf_counter())

    r = spilled_rank(source, lay, Path(folder) / "bench", {"bench": n}, progress=progress)
    total = time.perf_counter() - t0
    report(mode=mode, n=n, store_s=None, rank_s=round(total, 2), rank=r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--folder", default=None, help="where the disk run writes (a temporary folder)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return
    n = args.size
    folder = tempfile.mkdtemp(prefix="tnrank-bench-spill-", dir=args.folder)
    try:
        mem = measure(__file__, "memory", n, folder)
        disk = measure(__file__, "disk", n, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert mem["rank"] == disk["rank"], (mem, disk)
    lay = Layout(n, n, GAUSSIAN_FIELD, 32, tile_for(n))
    mem_total = mem["store_s"] + mem["rank_s"]
    rows = [[n, "memory", round(mem_total, 2), mem["rank"], mem["anon_mib"], mem["peak_mib"], "-",
             "", ""],
            [n, "disk", disk["rank_s"], disk["rank"], disk["anon_mib"], disk["peak_mib"],
             format_bytes(spill_bytes(lay)), f"{disk['rank_s'] / mem_total:.2f}",
             f"{disk['anon_mib'] / mem['anon_mib']:.2f}"]]
    print(table(["n", "where", "store + rank s", "rank", "anon MiB", "resident MiB", "disk",
                 "time ratio", "memory ratio"], rows))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
