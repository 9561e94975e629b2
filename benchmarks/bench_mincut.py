"""Start-End min-cut of large unrolled RACs: tnrank against a plain networkx baseline.

Goal (issue 3): a depth-3 RAC at T = 64 and a depth-2 RAC at T = 256 in under 10 s each.

Per case it prints the size of the unrolled network, then

* ``unroll``   — building the network (``tnrank.unroll.unroll``);
* ``min_cut``  — ``tnrank.mincut.min_cut`` on it: integer log-capacities, parallel bonds
  merged, pendant and degree-2 tensors eliminated, Boykov-Kolmogorov max-flow;
* ``dp``       — ``tnrank.mincut.mincut_bound``: the step-layer dynamic programme (no network);
* ``baseline`` — networkx's generic ``minimum_cut`` (default preflow-push) on the unreduced
  graph with float ``log2 dim`` capacities, the legs tied to a source and a sink;

with the bound each one finds (log2) and the ratio baseline / tnrank.

Run: ``python benchmarks/bench_mincut.py`` (``--quick`` for small cases, ``--no-baseline``).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import networkx as nx

from tnrank import Architecture, Partition
from tnrank.mincut import _mincut_dp, min_cut, mincut_bound
from tnrank.unroll import unroll

CASES = [(3, 2, 2, 64), (2, 2, 2, 256), (3, 3, 3, 64), (2, 3, 3, 256)]
QUICK = [(3, 2, 2, 24), (2, 2, 2, 64)]
GOAL_SECONDS = 10.0


def baseline(net, part: Partition) -> tuple[float, int]:
    """networkx minimum_cut on the raw graph; returns (seconds, exact bound of its cut)."""
    t0 = time.perf_counter()
    g = nx.Graph()
    src, snk = ("source",), ("sink",)
    start = set(part.start)
    for b in net.bonds.values():
        u, v = b.nodes
        cap = math.log2(b.dim) + (g[u][v]["capacity"] if g.has_edge(u, v) else 0.0)
        g.add_edge(u, v, capacity=cap)
    for leg in net.legs.values():
        g.add_edge(leg.name, leg.tensor, capacity=math.log2(leg.dim))
        g.add_edge(leg.name, src if leg.step in start else snk)  # no capacity: infinite
    _value, (reach, _rest) = nx.minimum_cut(g, src, snk)
    seconds = time.perf_counter() - t0
    side = {x: x in reach for x in g}
    bound = math.prod(b.dim for b in net.bonds.values() if side[b.nodes[0]] != side[b.nodes[1]])
    bound *= math.prod(leg.dim for leg in net.legs.values() if side[leg.name] != side[leg.tensor])
    return seconds, bound


def run_case(L: int, R: int, M: int, T: int, with_baseline: bool) -> bool:
    arch = Architecture.rac(L, R, M)
    part = Partition.parse("start-end", T)
    t0 = time.perf_counter()
    net = unroll(arch, T)
    t_unroll = time.perf_counter() - t0
    t0 = time.perf_counter()
    cut = min_cut(net, part)
    t_cut = time.perf_counter() - t0
    _mincut_dp.cache_clear()
    t0 = time.perf_counter()
    dp = mincut_bound(arch, part)
    t_dp = time.perf_counter() - t0
    total = t_unroll + t_cut
    ok = total < GOAL_SECONDS and dp == cut.bound
    print(f"RAC L={L} R={R} M={M} T={T}: {net.graph.number_of_nodes():,} nodes, "
          f"{net.graph.number_of_edges():,} edges, {len(net.legs):,} legs")
    print(f"  unroll {t_unroll:6.2f} s   min_cut {t_cut:6.2f} s   (together {total:.2f} s, goal "
          f"< {GOAL_SECONDS:.0f} s: {'met' if total < GOAL_SECONDS else 'MISSED'})")
    print(f"  min_cut bound 2^{cut.log2:.2f} ({len(cut.cut_edges)} cut edges); dp {t_dp * 1e3:.1f} ms, "
          f"bound 2^{math.log2(dp):.2f} ({'agrees' if dp == cut.bound else 'DISAGREES'})")
    if with_baseline:
        t_base, b_base = baseline(net, part)
        print(f"  baseline networkx minimum_cut (raw graph, float capacities) {t_base:6.2f} s, "
              f"bound 2^{math.log2(b_base):.2f} ({'agrees' if b_base == cut.bound else 'differs'}); "
              f"ratio baseline / min_cut {t_base / t_cut:.1f}x")
    sys.stdout.flush()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small cases only")
    parser.add_argument("--no-baseline", action="store_true", help="skip the networkx baseline")
    args = parser.parse_args()
    ok = True
    for case in QUICK if args.quick else CASES:
        ok &= run_case(*case, with_baseline=not args.no_baseline)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
