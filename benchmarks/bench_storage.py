"""32-bit storage against today's 64-bit storage: the exact rank of an n × n matrix over GF(q²).

Goal (the large-sample work): half the memory and at most 15 % more time at the same side.
For each n (8192 and 16,384 by default), in one run, each in a child process of its own:

* ``64-bit`` — today's path: the matrix stored as complex128 residues and eliminated in place
  by the recursive elimination (``rank_mod_p(..., overwrite=True)``);
* ``32-bit`` — the matrix stored as complex64 residues and eliminated in tiles
  (``tnrank.engine.tiles``; tile ``tile_for(n)``), each tile widened to complex128 for its
  products.

Both read the same random matrix (uniform residues of GF(q²), q = 5,931,559), built block by
block. Printed per n: seconds to store the matrix and to eliminate it, the rank, the child's
peak resident memory, and the ratios 32-bit / 64-bit (time of the elimination, peak memory).
The machine is shared: the ratio, measured in the same run, is the number to read.

Run: ``python benchmarks/bench_storage.py`` (``--sizes 4096`` for a quick check; 16,384 takes
about half an hour on the 2-core development machine).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from large_cases import RandomSource, measure, report, table

from tnrank.engine.rank import rank_mod_p
from tnrank.engine.tiles import Layout, eliminate, fill, tile_for
from tnrank.field import GAUSSIAN_FIELD


def child(mode: str, n: int) -> None:
    source = RandomSource(n, chunk=tile_for(n))  # the same entries in both modes
    t0 = time.perf_counter()
    if mode == "64":
        work = np.empty((n, n), dtype=np.complex128)
        for r0 in range(0, n, 1024):
            work[r0 : r0 + 1024] = source.block(r0, min(n, r0 + 1024), 0, n)
        t1 = time.perf_counter()
        r = rank_mod_p(work, GAUSSIAN_FIELD, overwrite=True)
    else:
        lay = Layout(n, n, GAUSSIAN_FIELD, 32, tile_for(n))
        store = np.empty((n, n), dtype=lay.storage_dtype)
        fill(store, source, lay)
        t1 = time.perf_counter()
        r = eliminate(store, lay)
    report(mode=mode, n=n, store_s=round(t1 - t0, 2), rank_s=round(time.perf_counter() - t1, 2), rank=r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8192, 16384])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    rows = []
    for n in args.sizes:
        old = measure(__file__, "64", n)
        new = measure(__file__, "32", n)
        assert old["rank"] == new["rank"], (old, new)
        for res in (old, new):
            rows.append([n, f"{res['mode']}-bit", res["store_s"], res["rank_s"], res["rank"],
                         res["peak_mib"], "", ""])
        rows[-1][6] = f"{new['rank_s'] / old['rank_s']:.2f}"
        rows[-1][7] = f"{new['peak_mib'] / old['peak_mib']:.2f}"
        print(table(["n", "storage", "store s", "rank s", "rank", "peak MiB", "time ratio",
                     "memory ratio"], rows), flush=True)
        print(flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
