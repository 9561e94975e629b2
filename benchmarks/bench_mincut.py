"""Start-End min-cut of large unrolled RACs: tnrank against a plain networkx baseline.

Goal (issue 3): a depth-3 RAC at T = 64 and a depth-2 RAC at T = 256 in under 10 s each.

Per case it prints the size of the unrolled network, then

* ``unroll``   — building the network (``tnrank.networks.unrolling.unroll``);
* ``min_cut``  — ``tnrank.networks.mincut.min_cut`` on it: integer log-capacities, parallel bonds
  merged, pendant and degree-2 tensors eliminated, Boykov-Kolmogorov max-flow;
* ``dp``       — ``tnrank.networks.mincut.min_cut_bound``: the step-layer dynamic programme (no network);
* ``baseline`` — networkx's generic ``minimum_cut`` (default preflow-push) on the unreduced
  graph with float ``log2 dim`` capacities, the legs tied to a source and a sink;

with the bound each one finds (log2) and the ratio baseline / tnrank.

Then ``tnrank bound`` end to end (goal, issue 10: depth 3 at T = 64 well under a second), each
command a fresh ``python -m tnrank`` process, median of ``--repeat`` runs:

* ``bound`` and ``bound --json`` — the min-cut from the dynamic programme, no network built;
* ``bound --cut-edges`` — the network path (unroll, then max-flow to list the cut), which was the
  default before;
* ``--version`` — the interpreter and ``import tnrank`` alone, the floor of any command.

Then polynomial cells (goal, issue 21: the dynamic programme on long cells, T = 64..256, in the
tens of milliseconds like the RAC's): a selective (S6) layer, linear attention and a two-layer S6
stack, each against a RAC of the same depth and state size in the same run, best of
``--repeat`` runs with the cache cleared; at a small T the value is checked against max-flow on
the unrolled network.

Run: ``python benchmarks/bench_mincut.py`` (``--quick`` for small cases, ``--no-baseline``,
``--no-cli``, ``--no-cells``).
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import time

import networkx as nx

from tnrank import Architecture, Partition
from tnrank.networks.mincut import _min_cut_dp, min_cut, min_cut_bound, min_cut_log2
from tnrank.networks.unrolling import unroll

CASES = [(3, 2, 2, 64), (2, 2, 2, 256), (3, 3, 3, 64), (2, 3, 3, 256)]
QUICK = [(3, 2, 2, 24), (2, 2, 2, 64)]
GOAL_SECONDS = 10.0
CLI_CASES = [(3, 2, 2, 64)]
QUICK_CLI = [(3, 2, 2, 24)]
CLI_GOAL_SECONDS = 1.0


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
    _min_cut_dp.cache_clear()
    t0 = time.perf_counter()
    dp = min_cut_bound(arch, part)
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


def cli_seconds(argv: list[str], repeat: int) -> tuple[float, str]:
    """Median wall time of ``python -m tnrank <argv>`` over ``repeat`` fresh processes, and its output."""
    times, out = [], ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "tnrank", *argv], capture_output=True, text=True,
                             check=True).stdout
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def run_cli_case(L: int, R: int, M: int, T: int, repeat: int) -> bool:
    flags = ["bound", "-L", str(L), "-R", str(R), "-M", str(M), "-T", str(T)]
    t_floor, _ = cli_seconds(["--version"], repeat)
    t_dp, out_dp = cli_seconds(flags, repeat)
    t_json, _ = cli_seconds([*flags, "--json"], repeat)
    t_net, out_net = cli_seconds([*flags, "--cut-edges"], max(1, repeat // 2))
    # the reports agree but for the listed cut: same table, same value
    same = [x for x in out_dp.splitlines() if not x.startswith("min-cut: ")] == [
        x for x in out_net.splitlines() if not x.startswith(("min-cut: ", "cut edges: "))]
    met = max(t_dp, t_json) < CLI_GOAL_SECONDS
    print(f"tnrank bound -L {L} -R {R} -M {M} -T {T} (fresh processes, median of {repeat}):")
    print(f"  dynamic programme {t_dp:6.2f} s   --json {t_json:6.2f} s   (goal < {CLI_GOAL_SECONDS:.0f} s: "
          f"{'met' if met else 'MISSED'}; python -m tnrank --version alone {t_floor:.2f} s)")
    print(f"  --cut-edges (network + max-flow, the former default) {t_net:6.2f} s; ratio "
          f"{t_net / t_dp:.1f}x; reports {'agree' if same else 'DIFFER'} apart from the listed cut")
    sys.stdout.flush()
    return met and same


def _cell_cases() -> list[tuple[str, Architecture, Architecture]]:
    """(name, cell architecture, RAC of the same depth and state size)."""
    from tnrank import Cell, Layer

    def s6(n: int) -> Cell:
        return Cell(state={"h": n}, weights={w: ("h", "x") for w in "ABUC"},
                    update={"h": "(A @ x) * h + (B @ x) * (U @ x)"}, output="(C @ x) * h")

    attention = Cell(state={"S": (3, 2)}, weights={"Q": (3, "x"), "K": (3, "x"), "V": (2, "x")},
                     update={"S": "S + outer(K @ x, V @ x)"}, output="(Q @ x) @ S")
    stack = Architecture(M=2, layers=[Layer(cell=s6(3), name="a"), Layer(cell=s6(3), name="b")])
    return [("S6, state 3", Architecture(M=2, layers=[Layer(cell=s6(3))]), Architecture.rac(1, 3, 2)),
            ("linear attention, state 3x2", Architecture(M=2, layers=[Layer(cell=attention)]),
             Architecture.rac(1, 6, 2)),
            ("two-layer S6 stack, state 3+3", stack, Architecture.rac(2, 3, 2))]


def _dp_ms(arch: Architecture, part: Partition, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        _min_cut_dp.cache_clear()
        t0 = time.perf_counter()
        min_cut_log2(arch, part)
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)


def run_cells(Ts: list[int], repeat: int) -> bool:
    min_cut_log2(Architecture.rac(1, 2, 2), Partition.parse("start-end", 4))  # imports, once
    ok = True
    for name, cell, rac in _cell_cases():
        part = Partition.parse("start-end", 6)
        agree = min_cut_bound(cell, part) == min_cut(unroll(cell, 6), part).bound
        ok &= agree
        print(f"{name}: min-cut at T=6 {min_cut_bound(cell, part):,} "
              f"({'agrees' if agree else 'DISAGREES'} with max-flow on the network)")
        for T in Ts:
            part = Partition.parse("start-end", T)
            t_cell, t_rac = _dp_ms(cell, part, repeat), _dp_ms(rac, part, repeat)
            ok &= t_cell < 100
            print(f"  T={T:3d}: dp {t_cell:6.1f} ms (log2 {min_cut_log2(cell, part):.2f}); RAC L={rac.depth} "
                  f"R={rac.widths[0]} {t_rac:6.1f} ms; ratio cell / RAC {t_cell / t_rac:4.1f}")
    sys.stdout.flush()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small cases only")
    parser.add_argument("--no-baseline", action="store_true", help="skip the networkx baseline")
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end `tnrank bound` timings")
    parser.add_argument("--no-cells", action="store_true", help="skip the polynomial cells")
    parser.add_argument("--repeat", type=int, default=7, help="runs per command line (default 7)")
    args = parser.parse_args()
    ok = True
    if not args.no_cells:
        ok &= run_cells([64, 128] if args.quick else [64, 128, 256], args.repeat)
    for case in QUICK if args.quick else CASES:
        ok &= run_case(*case, with_baseline=not args.no_baseline)
    if not args.no_cli:
        for case in QUICK_CLI if args.quick else CLI_CASES:
            ok &= run_cli_case(*case, repeat=args.repeat)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
