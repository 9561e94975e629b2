"""``tnrank bound``: the tensor-network min-cut beside every closed-form bound."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from ..bounds import theorem_bounds, upper_bounds
from ..errors import TnrankError
from ..examples import example_path
from ..mincut import (
    MAX_BOUND_BITS,
    PRINTABLE_BITS,
    MinCut,
    format_bound,
    min_cut,
    mincut_bound,
    mincut_log2,
    resolve_partition,
)
from ..network import TensorNetwork
from ..partition import Partition
from ..report_format import format_table
from ..unroll import MAX_NODES, _Layout, unroll
from ..weights import PRIME
from .common import add_rac_options, print_json, rac_from_args

_SHOWN_EDGES = 12


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bound",
        help="min-cut and closed-form upper bounds (a RAC, or your own network file)",
        description="Print the min-cut bound of a depth-L RAC's unrolled tensor network for a "
        "partition beside every closed-form bound (the value from a dynamic programme over the "
        "step-layer blocks; the network is built only to list the cut edges); or, with --network, "
        "min-cut bounds (and exact ranks with random cores) for a tensor network read from a JSON "
        "or TOML file.",
    )
    add_rac_options(p, required=False)
    p.add_argument("-q", "--quiet", action="store_true",
                   help="accepted for symmetry with the other commands (this one prints no progress)")
    p.add_argument("--network", metavar="FILE",
                   help="a network file (JSON/TOML) or a shipped example: mps-8, tree-8, peps-3x3")
    p.add_argument("--partition", "--legs", dest="partition", default="start-end",
                   help="start-end (default), interleaved, or the start side as steps (0-based) "
                   "or leg names, e.g. 0,2,5")
    p.add_argument("--rank", action="store_true",
                   help="with --network: also the exact matricization rank with random cores")
    p.add_argument("--seed", type=int, default=0, help="seed of the random cores (default 0)")
    p.add_argument("--cut-edges", action=argparse.BooleanOptionalAction, default=None,
                   help="for a RAC: build the unrolled network and list the edges of a minimum cut "
                   f"found by max-flow (default: for networks of at most {LISTED_NODES:,} nodes; "
                   "otherwise the min-cut value alone, from a dynamic programme without the network)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rac_opts = [o for o, v in (("-L", args.depth), ("-R", args.width), ("-M", args.M), ("-T", args.T))
                if v is not None]
    if args.network is not None:
        if rac_opts:
            raise TnrankError(f"give either --network or -L/-R/-M/-T, not both ({', '.join(rac_opts)} "
                              "given with --network)")
        if args.cut_edges is False:
            raise TnrankError("--no-cut-edges works with a RAC; the min-cut of a network file comes "
                              "from max-flow, which lists the cut")
        return _run_network(args)
    missing = [o for o in ("-L", "-R", "-M", "-T") if o not in rac_opts]
    if missing:
        raise TnrankError(f"missing {', '.join(missing)}; give -L -R -M -T for a RAC, or --network FILE")
    if args.rank:
        raise TnrankError("--rank works with --network; for a RAC use `tnrank rank` (certified ranks)")
    return _run_rac(args)


# ---------------------------------------------------------------- RAC
#: Without ``--cut-edges``/``--no-cut-edges``, the cut is listed for unrolled networks up to this
#: many nodes (building them and running max-flow takes well under a tenth of a second).
LISTED_NODES = 5_000

_DP = "dynamic programme over the step-layer blocks (no network built)"


def _run_rac(args: argparse.Namespace) -> int:
    arch = rac_from_args(args)
    part = Partition.parse(args.partition, args.T)
    layout = _Layout(arch, args.T)
    nodes, bonds, legs = layout.size()
    listed = nodes <= min(LISTED_NODES, MAX_NODES) if args.cut_edges is None else args.cut_edges
    if listed and nodes > MAX_NODES:
        raise TnrankError(f"--cut-edges builds the unrolled network, which has {nodes:,} nodes, more "
                          f"than tnrank's limit of {MAX_NODES:,}; leave --cut-edges out for the min-cut "
                          "value (from the dynamic programme)")
    log2 = mincut_log2(arch, part)
    cut: MinCut | None = None
    copies = _copies(layout) if nodes <= MAX_NODES else None
    if listed:
        cut = min_cut(unroll(arch, args.T), part)
        bound: int | None = cut.bound
    else:
        bound = mincut_bound(arch, part) if log2 <= MAX_BOUND_BITS else None
    grid = upper_bounds(arch, part, "grid")
    sep = upper_bounds(arch, part, "separation")
    theorems = theorem_bounds(arch, part)
    if args.json:
        print_json(_rac_json(arch, part, (nodes, bonds, legs), copies, cut, bound, log2, grid, sep,
                             theorems))
        return 0
    print(arch.describe())
    print(f"T={part.T}, partition {part.name} (start {_span(part.start)} | end {_span(part.end)})")
    line = f"unrolled network: {nodes:,} nodes, {bonds:,} bonds, {legs:,} open legs"
    if copies is not None:
        line += f"; copies of x^t per step: {_show_copies(copies)}"
    print(line)
    print()
    shown = _num(bound, log2)
    rows = [["min-cut", shown, f"{log2:,.2f}", "grid, separation",
             "tensor-network cut (every weight setting)"]]
    notes = {"state degree": "degree of y in the hidden states at the cut",
             "input degree": "degree of y in the inputs of the smaller side",
             "grid size": "M^|S| template rows (one per grid row)"}
    for name, value in sep.items():
        rows.append([name, format_bound(value), f"{math.log2(value):,.2f}", "grid, separation",
                     notes.get(name, "")])
    for name, value in grid.items():
        if name not in sep:
            rows.append([name, format_bound(value), f"{math.log2(value):,.2f}", "grid",
                         notes.get(name, "")])
    for tb in theorems:
        rows.append([tb.name, format_bound(tb.value), f"{math.log2(tb.value):,.2f}", "separation",
                     f"{tb.kind} bound: {tb.statement}"])
    print(format_table(["bound", "value", "log2", "applies to", "what"], rows))
    print()
    if cut is not None:
        print(f"min-cut: {cut.describe()}")
        print(f"cut edges: {_edges(cut)}")
    elif nodes <= MAX_NODES:
        print(f"min-cut: {shown} (from the dynamic programme over the step-layer blocks; --cut-edges "
              f"lists a minimum cut of the {nodes:,}-node network)")
    else:
        print(f"min-cut: {shown} (the network has {nodes:,} nodes: bound from the step-layer "
              "dynamic programme, cut not listed)")
    best_g = min([(math.log2(v), n, format_bound(v)) for n, v in grid.items()] + [(log2, "min-cut", shown)])
    best_s = min([(math.log2(v), n, format_bound(v)) for n, v in sep.items()] + [(log2, "min-cut", shown)])
    print(f"best upper bounds: grid rank ≤ {best_g[2]} ({best_g[1]}), separation rank ≤ "
          f"{best_s[2]} ({best_s[1]})")
    return 0


def _copies(layout: _Layout) -> dict[int, int]:
    """Copies of each step's leg in the unrolled network (``TensorNetwork.copies``), counted
    from the blocks without building it."""
    uses = layout.uses()
    return {t: sum(uses[t][k] * sum(a[0] == "x" for spec in layout.block(t, k) for a in spec.axes)
                   for k in range(layout.arch.depth))
            for t in range(layout.T)}


def _num(value: int | None, log2: float) -> str:
    return f"2^{log2:,.1f}" if value is None else format_bound(value)


def _printable(bounds: dict[str, int]) -> dict[str, int | None]:
    return {k: (v if v.bit_length() <= PRINTABLE_BITS else None) for k, v in bounds.items()}


def _rac_json(arch, part, size, copies, cut, bound, log2, grid, sep, theorems) -> dict[str, Any]:
    nodes, bonds, legs = size
    if cut is not None:
        mc = cut.to_dict() | {"method": "max-flow on the unrolled network"}
    else:
        mc = {"bound": None if bound is None or bound.bit_length() > PRINTABLE_BITS else bound,
              "log2": round(log2, 6), "cut_edges": None, "start": list(part.start),
              "end": list(part.end), "side_sizes": None, "method": _DP}
    return {
        "architecture": {"name": arch.name, "description": arch.describe(), "depth": arch.depth,
                         "widths": list(arch.widths), "M": arch.M},
        "T": part.T,
        "partition": {"name": part.name, "start": list(part.start), "end": list(part.end)},
        "network": {"nodes": nodes, "bonds": bonds, "legs": legs,
                    "copies": None if copies is None else [copies[t] for t in range(part.T)]},
        "min_cut": mc,
        "bounds": {"grid": _printable(grid), "separation": _printable(sep)},
        "bounds_log2": {"grid": {k: round(math.log2(v), 6) for k, v in grid.items()},
                        "separation": {k: round(math.log2(v), 6) for k, v in sep.items()}},
        "theorems": [{"name": t.name, "kind": t.kind, "value": t.value if t.value.bit_length() <=
                      PRINTABLE_BITS else None, "statement": t.statement, "citation": t.citation}
                     for t in theorems],
    }


# ---------------------------------------------------------------- networks
def _load(spec: str) -> TensorNetwork:
    if Path(spec).exists():
        return TensorNetwork.load(spec)
    try:
        path = example_path(spec)
    except TnrankError:
        raise TnrankError(f"network file {spec!r} does not exist (shipped examples: mps-8, tree-8, "
                          "peps-3x3)") from None
    return TensorNetwork.load(path)


def _run_network(args: argparse.Namespace) -> int:
    net = _load(args.network)
    start, end = resolve_partition(net, args.partition)
    cut = min_cut(net, start)
    rank = None
    if args.rank:
        from ..contract import matricization_rank  # noqa: PLC0415 - numpy and opt_einsum on demand

        rank = matricization_rank(net, start, seed=args.seed, prime=PRIME)
    if args.json:
        print_json({
            "network": {"name": net.name, "description": net.description, "tensors": len(net.tensors),
                        "bonds": len(net.bonds), "legs": len(net.legs), "steps": len(net.steps)},
            "partition": {"start": list(start), "end": list(end)},
            "min_cut": cut.to_dict() | {"method": "max-flow"},
            "rank": None if rank is None else {"value": rank, "prime": PRIME, "seed": args.seed,
                                               "cores": "uniform random residues mod prime"},
        })
        return 0
    print(net.summary())
    print(f"partition: start {_span(start)} | end {_span(end)}")
    print(f"min-cut: {cut.describe()} (log2 {cut.log2:.2f})")
    print(f"cut edges: {_edges(cut)}")
    if rank is not None:
        print(f"matricization rank with random cores (exact mod {PRIME}, seed {args.seed}): {rank:,} "
              f"(min-cut {format_bound(cut.bound)})")
    return 0


# ---------------------------------------------------------------- formatting
def _span(steps) -> str:
    steps = list(steps)
    if len(steps) > 2 and steps == list(range(steps[0], steps[-1] + 1)):
        return f"{steps[0]}..{steps[-1]}"
    return ",".join(map(str, steps))


def _show_copies(copies: dict[int, int]) -> str:
    values = [copies[t] for t in sorted(copies)]
    if len(values) > 8:
        return " ".join(map(str, values[:4])) + " … " + " ".join(map(str, values[-2:]))
    return " ".join(map(str, values))


def _edges(cut: MinCut) -> str:
    shown = [f"{e.bond} (leg, dim {e.dim})" if e.leg else f"{e.nodes[0]}–{e.nodes[1]} (dim {e.dim})"
             for e in cut.cut_edges if e.dim > 1]
    if not shown:
        return "none"
    extra = len(shown) - _SHOWN_EDGES
    return ", ".join(shown[:_SHOWN_EDGES]) + (f", … and {extra} more" if extra > 0 else "")
