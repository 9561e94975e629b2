"""Parallel sweeps against the sequential baseline, measured in one run.

1. A 12-configuration verify sweep (RACs of depth 1, M=3, R=2..13, T=12: a 729 x 729 full grid
   each, about half a second on a quiet core) run three ways: one after another in this
   process (the baseline, as ``tnrank verify`` runs without options; also with one thread,
   ``--threads 1``), on a pool of 2 local
   worker processes (``--jobs 2``, pool start-up included), and on a 2-worker Dask
   ``LocalCluster`` (already started; its start-up is printed separately). The rows of every
   run must equal the baseline's.
2. The scheduling overhead per configuration: 32 tiny configurations (milliseconds each) on
   warm workers, and the round trip of an empty task, per executor.

Times are the median of ``--repeat`` runs. Run ``python benchmarks/bench_parallel.py``
(about two minutes on 2 cores) or ``--quick``. The Dask rows need the ``distributed`` extra.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import Executor

from tnrank.runtime.parallel import local_pool, map_unordered, threads_per_worker
from tnrank.runtime.threads import available_cores
from tnrank.studies.verification import verify

CASE = ([1], [3], list(range(2, 14)), [12])  # 12 configurations of a 729 x 729 grid each
TINY = ([1, 2], [2], [2, 3], [2, 4, 6, 8, 10, 12, 14, 16])  # 32 configurations of milliseconds


def rows_of(executor: Executor | None, case, threads: int | None = None) -> list:
    rows = list(verify(*case, executor=executor, threads=threads))
    return sorted(((r.depth, r.M, r.R, r.T), r.report.separation.to_dict()["rank"],
                   r.report.grid.to_dict()["rank"]) for r in rows)


def timed(run: Callable[[], list], repeat: int) -> tuple[float, list]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def noop_round_trip(executor: Executor, n: int = 200) -> float:
    t0 = time.perf_counter()
    list(map_unordered(abs, list(range(n)), executor))
    return (time.perf_counter() - t0) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, fewer configurations")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    case = ([1], [3], list(range(2, 8)), [12]) if args.quick else CASE
    n = len(case[2])
    print(f"{available_cores()} cores; load average {os.getloadavg()[0]:.1f} at the start")

    print(f"\n1. verify sweep of {n} configurations (L=1, M=3, R=2..{case[2][-1]}, T=12)")
    t_seq, base = timed(lambda: rows_of(None, case), repeat)
    print(f"  sequential, all cores (baseline) {t_seq:7.2f} s")
    t_one, rows = timed(lambda: rows_of(None, case, threads=1), repeat)
    assert rows == base
    print(f"  sequential, 1 thread           {t_one:7.2f} s   {t_seq / t_one:4.2f}x")

    def jobs2() -> list:
        with local_pool(2) as pool:
            return rows_of(pool, case, threads_per_worker(2))

    t_jobs, rows = timed(jobs2, repeat)
    assert rows == base, "--jobs 2 rows differ from the sequential rows"
    print(f"  --jobs 2 (pool start included) {t_jobs:7.2f} s   {t_seq / t_jobs:4.2f}x   "
          f"({t_one / t_jobs:4.2f}x the 1-thread run)")

    try:
        import distributed  # optional extra
    except ImportError:
        distributed = None
        print("  Dask LocalCluster               (not installed: pip install \"tnrank[distributed]\")")
    cluster = client = None
    if distributed is not None:
        t0 = time.perf_counter()
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        client = distributed.Client(cluster)
        client.wait_for_workers(2)
        start = time.perf_counter() - t0
        client.run(lambda: __import__("tnrank.studies.verification") and __import__("flint"))  # warm imports
        t_dask, rows = timed(lambda: rows_of(client.get_executor(pure=False), case), repeat)
        assert rows == base, "Dask rows differ from the sequential rows"
        print(f"  Dask LocalCluster, 2 workers   {t_dask:7.2f} s   {t_seq / t_dask:4.2f}x   "
              f"({t_one / t_dask:4.2f}x the 1-thread run; cluster start-up {start:.1f} s, not "
              "included)")

    m = len(TINY[0]) * len(TINY[1]) * len(TINY[2]) * len(TINY[3])
    print(f"\n2. scheduling overhead: {m} tiny configurations (milliseconds each) on warm workers")
    t_tiny, base = timed(lambda: rows_of(None, TINY), repeat)
    print(f"  sequential, all cores          {1e3 * t_tiny / m:7.2f} ms per configuration")
    t_tiny1, rows = timed(lambda: rows_of(None, TINY, threads=1), repeat)
    assert rows == base
    print(f"  sequential, 1 thread           {1e3 * t_tiny1 / m:7.2f} ms per configuration")
    with local_pool(2) as pool:
        rows_of(pool, TINY, 1)  # start and warm the workers
        t_pool, rows = timed(lambda: rows_of(pool, TINY, 1), repeat)
        assert rows == base
        trip = noop_round_trip(pool)
    print(f"  --jobs 2                       {1e3 * t_pool / m:7.2f} ms per configuration; "
          f"empty task {1e3 * trip:.2f} ms")
    if client is not None:
        ex = client.get_executor(pure=False)
        rows_of(ex, TINY)
        t_d, rows = timed(lambda: rows_of(ex, TINY), repeat)
        assert rows == base
        trip = noop_round_trip(ex)
        print(f"  Dask LocalCluster              {1e3 * t_d / m:7.2f} ms per configuration; "
              f"empty task {1e3 * trip:.2f} ms")
        client.close()
        cluster.close()
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
