"""Upper bounds without ranks: the min-cut beside every closed-form bound (``tnrank bound``).

For a recurrent arithmetic circuit, :func:`bound_architecture` takes the min-cut
value from the dynamic programme over the step-layer blocks
(:func:`~tnrank.networks.mincut.min_cut_bound`) and builds the unrolled network only
when a minimum cut is to be listed (small networks by default). For a tensor
network of the user's, :func:`bound_network` runs max-flow on it and, on request,
computes the exact rank of its matricization with random cores. Both return a
:class:`BoundReport`, which prints as the command's table and has one JSON form
(:meth:`BoundReport.to_dict`, :meth:`BoundReport.from_dict`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from tnrank.certification import report_fields as fields
from tnrank.certification.bounds import TheoremBound, theorem_bounds, upper_bounds
from tnrank.certification.limits import check_bound_size
from tnrank.certification.report import check_format
from tnrank.errors import TnrankError
from tnrank.formatting import format_bound, format_steps, format_table, json_int
from tnrank.model.architecture import TOP_KEYS, Architecture
from tnrank.model.partition import Partition
from tnrank.networks.graph import TensorNetwork
from tnrank.networks.mincut import (
    MAX_BOUND_BITS,
    MinCut,
    min_cut,
    min_cut_bound,
    min_cut_log2,
    resolve_partition,
)
from tnrank.networks.unrolling import MAX_NODES, BlockPlan, unroll
from tnrank.primes import PRIME
from tnrank.safe_files import parse_json
from tnrank.version import __version__

__all__ = ["BoundReport", "bound_architecture", "bound_network", "BOUND_FORMAT", "LISTED_NODES"]

#: Value of the ``format`` key of a bound report's JSON form.
BOUND_FORMAT = "tnrank-bound/1"
#: Without ``cut_edges``, a minimum cut is listed for unrolled networks up to this many
#: nodes (building them and running max-flow takes well under a tenth of a second).
LISTED_NODES = 5_000
#: How the min-cut value was found when the network was not built.
DP_METHOD = "dynamic programme over the step-layer blocks (no network built)"
#: How it was found when it was.
FLOW_METHOD = "max-flow on the unrolled network"
_SHOWN_EDGES = 12
_NOTES = {"state degree": "degree of y in the hidden states at the cut",
          "affine state": "y affine in the states at the cut: state entries + 1",
          "input degree": "degree of y in the inputs of the smaller side",
          "grid size": "M^|S| rows, one per template sequence on the start"}


@dataclass
class BoundReport:
    """The min-cut and closed-form upper bounds of one circuit or network for one partition.

    Attributes
    ----------
    start, end : tuple of int
        The steps on each side.
    log2 : float
        log2 of the min-cut value.
    bound : int or None
        The min-cut value (None when it is too large to hold: see ``log2``).
    method : str
        How the min-cut value was found.
    cut : MinCut or None
        A minimum cut, when one was listed.
    architecture : Architecture or None
        The circuit (None for a network file).
    size : tuple of int or None
        Nodes, bonds and open legs of the unrolled network.
    copies : list of int or None
        Copies of each step's input in the unrolled network.
    grid, separation : dict
        Closed-form upper bounds on the grid and separation ranks, by name.
    theorems : list of TheoremBound
        The paper's bounds that apply.
    network : dict or None
        For a network file: its name, description and counts.
    rank : dict or None
        The exact matricization rank with random cores, when asked for.
    min_cut_note : str
        Why no min-cut was computed (an architecture the tensor networks do not cover);
        empty when it was.
    """

    start: tuple[int, ...]
    end: tuple[int, ...]
    log2: float
    bound: int | None
    method: str
    cut: MinCut | None = None
    architecture: Architecture | None = None
    size: tuple[int, int, int] | None = None
    copies: list[int] | None = None
    grid: dict[str, int] = field(default_factory=dict)
    separation: dict[str, int] = field(default_factory=dict)
    theorems: list[TheoremBound] = field(default_factory=list)
    network: dict[str, Any] | None = None
    rank: dict[str, Any] | None = None
    min_cut_note: str = ""

    @property
    def T(self) -> int:
        """Sequence length (number of steps)."""
        return len(self.start) + len(self.end)

    @property
    def partition(self) -> Partition:
        """The partition of the steps."""
        return Partition(self.T, self.start)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; inverse of :meth:`from_dict`. Integers of more than
        ``2**PRINTABLE_BITS`` are written as None beside their log2."""
        part = {"name": self.partition.name, "start": list(self.start), "end": list(self.end)}
        head = {"format": BOUND_FORMAT, "tnrank_version": __version__}
        if self.network is not None:
            mc = self.cut.to_dict() | {"method": self.method} if self.cut is not None else None
            return head | {"network": dict(self.network),
                           "partition": {"start": list(self.start), "end": list(self.end)}, "min_cut": mc,
                           "rank": self.rank}
        arch = self.architecture
        assert arch is not None
        if self.min_cut_note:
            mc = None
        elif self.cut is not None:
            mc = self.cut.to_dict() | {"method": self.method}
        else:
            mc = {"bound": json_int(self.bound), "log2": round(self.log2, 6), "cut_edges": None,
                  "start": list(self.start), "end": list(self.end), "side_sizes": None,
                  "method": self.method}
        nodes, bonds, legs = self.size or (None, None, None)
        return head | {
            "architecture": arch.to_dict() | {"summary": {"description": arch.describe(),
                                                          "depth": arch.depth,
                                                          "widths": list(arch.widths),
                                                          "M": arch.M}},
            "T": self.T,
            "partition": part,
            "network": {"nodes": nodes, "bonds": bonds, "legs": legs, "copies": self.copies},
            "min_cut": mc,
            **({"min_cut_note": self.min_cut_note} if self.min_cut_note else {}),
            "bounds": {"grid": {k: json_int(v) for k, v in self.grid.items()},
                       "separation": {k: json_int(v) for k, v in self.separation.items()}},
            "bounds_log2": {"grid": {k: round(math.log2(v), 6) for k, v in self.grid.items()},
                            "separation": {k: round(math.log2(v), 6)
                                           for k, v in self.separation.items()}},
            "theorems": [{"name": t.name, "kind": t.kind, "value": json_int(t.value),
                          "statement": t.statement, "citation": t.citation} for t in self.theorems],
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "bound report") -> BoundReport:
        """The report written by :meth:`to_dict` (and by ``tnrank bound --json``).

        Bounds written as None (too large for JSON integers) cannot be loaded back.
        """
        check_format(data, BOUND_FORMAT, "bound report", source)
        try:
            _check_fields(data)
        except TnrankError as exc:
            raise TnrankError(f"{source}: {exc}") from None
        except KeyError as exc:
            raise TnrankError(f"{source}: not a complete bound report (no {exc})") from None
        try:
            part, mc = data["partition"], data["min_cut"]
            start, end = tuple(part["start"]), tuple(part["end"])
            if "architecture" not in data:
                cut = None if mc is None else MinCut.from_dict(mc)
                return cls(start, end, cut.log2 if cut else 0.0, cut.bound if cut else None,
                           mc["method"] if mc else "max-flow", cut=cut, network=data["network"],
                           rank=data.get("rank"))
            arch_data = {k: v for k, v in data["architecture"].items() if k in TOP_KEYS}
            arch = Architecture.from_dict(arch_data, source=f"{source}: architecture")
            net = data["network"]
            note = data.get("min_cut_note", "") if mc is None else ""
            if mc is None:
                mc = {"log2": math.inf, "bound": None, "method": ""}
            cut = MinCut.from_dict(mc) if mc.get("cut_edges") is not None else None
            theorems = [TheoremBound(t["name"], t["kind"], _big(t["value"]), t["statement"],
                                     t["citation"]) for t in data["theorems"]]
            return cls(
                start, end, float(mc["log2"]), mc["bound"], mc["method"], cut=cut, min_cut_note=note,
                architecture=arch,
                size=None if net["nodes"] is None else (net["nodes"], net["bonds"], net["legs"]),
                copies=net["copies"],
                grid={k: _big(v) for k, v in data["bounds"]["grid"].items()},
                separation={k: _big(v) for k, v in data["bounds"]["separation"].items()},
                theorems=theorems,
            )
        except TnrankError as exc:
            if str(exc).startswith(source):
                raise
            raise TnrankError(f"{source}: {exc}") from None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
            raise TnrankError(f"{source}: not a complete bound report ({type(exc).__name__}: "
                              f"{exc})") from None

    def __eq__(self, other: object) -> bool:
        """Equal when their JSON forms are (so a report equals itself loaded back: the node sets
        of a cut's sides are not written, only its bonds)."""
        if not isinstance(other, BoundReport):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq

    # ------------------------------------------------------------------ text
    def format(self) -> str:
        """The report as ``tnrank bound`` prints it."""
        if self.network is not None:
            return self._format_network()
        arch = self.architecture
        assert arch is not None
        lines = [arch.describe(),
                 f"T={self.T}, partition {self.partition.name} "
                 f"(start {format_steps(self.start)} | end {format_steps(self.end)})"]
        nodes, bonds, legs = self.size or (0, 0, 0)
        if self.min_cut_note:
            lines.append(f"min-cut: not applied ({self.min_cut_note})")
        else:
            line = f"unrolled network: {nodes:,} nodes, {bonds:,} bonds, {legs:,} open legs"
            if self.copies is not None:
                line += f"; copies of x^t per step: {_show_copies(self.copies)}"
            lines.append(line)
        lines.append("")
        shown = f"2^{self.log2:,.1f}" if self.bound is None else format_bound(self.bound)
        lines += [format_table(*self.table()), ""]
        if self.min_cut_note:
            pass
        elif self.cut is not None:
            lines += [f"min-cut: {self.cut.describe()}", f"cut edges: {_edges(self.cut)}"]
        elif nodes <= MAX_NODES:
            lines.append(f"min-cut: {shown} (from the dynamic programme over the step-layer "
                         f"blocks; `cut_edges=True` lists a minimum cut of the {nodes:,}-node network)")
        else:
            lines.append(f"min-cut: {shown} (the network has {nodes:,} nodes: bound from the "
                         "step-layer dynamic programme, cut not listed)")
        cut_entry = [] if self.min_cut_note else [(self.log2, "min-cut", shown)]
        best_g = min([(math.log2(v), n, format_bound(v)) for n, v in self.grid.items()] + cut_entry)
        best_s = min([(math.log2(v), n, format_bound(v)) for n, v in self.separation.items()]
                     + cut_entry)
        lines.append(f"best upper bounds: grid rank ≤ {best_g[2]} ({best_g[1]}), separation rank ≤ "
                     f"{best_s[2]} ({best_s[1]})")
        return "\n".join(lines)

    def table(self) -> tuple[list[str], list[list[str]]]:
        """The header and rows of the table of bounds (empty rows for a network file)."""
        header = ["bound", "value", "log2", "applies to", "what"]
        if self.network is not None:
            return header, []
        shown = f"2^{self.log2:,.1f}" if self.bound is None else format_bound(self.bound)
        rows = [] if self.min_cut_note else [["min-cut", shown, f"{self.log2:,.2f}",
                                               "grid, separation",
                                               "tensor-network cut (every weight setting)"]]
        for name, value in self.separation.items():
            rows.append([name, format_bound(value), f"{math.log2(value):,.2f}", "grid, separation",
                         _NOTES.get(name, "")])
        for name, value in self.grid.items():
            if name not in self.separation:
                rows.append([name, format_bound(value), f"{math.log2(value):,.2f}", "grid",
                             _NOTES.get(name, "")])
        for tb in self.theorems:
            rows.append([tb.name, format_bound(tb.value), f"{math.log2(tb.value):,.2f}",
                         "separation", f"{tb.kind} bound: {tb.statement}"])
        return header, rows

    def _format_network(self) -> str:
        net, cut = self.network or {}, self.cut
        lines = [net.get("summary", net.get("name", "network")),
                 f"partition: start {format_steps(self.start)} | end {format_steps(self.end)}"]
        if cut is not None:
            lines += [f"min-cut: {cut.describe()} (log2 {cut.log2:.2f})",
                      f"cut edges: {_edges(cut)}"]
        if self.rank is not None:
            r = self.rank
            lines.append(f"matricization rank with random cores (exact mod {r['prime']}, seed "
                         f"{r['seed']}): {r['value']:,} (min-cut "
                         f"{format_bound(cut.bound) if cut else '-'})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        what = (self.network or {}).get("name") if self.network is not None else \
            (self.architecture.name if self.architecture is not None else "")
        shown = f"2^{self.log2:,.1f}" if self.bound is None or self.bound.bit_length() > 64 else \
            f"{self.bound:,}"
        return (f"<BoundReport {str(what or 'network')[:80]}, T={self.T}, "
                f"{self.partition.name[:40]}: min-cut {shown}>")

    def to_json(self, indent: int | None = 2) -> str:
        """The report as one JSON object (:meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, source: str = "bound report") -> BoundReport:
        """The report in the text of :meth:`to_json`."""
        return cls.from_dict(parse_json(text, source=source), source=source)


def bound_architecture(
    architecture: Architecture,
    T: int,
    partition: Partition | str = "start-end",
    cut_edges: bool | None = None,
) -> BoundReport:
    """The min-cut and every closed-form upper bound of a circuit at length ``T``.

    Parameters
    ----------
    architecture : Architecture
    T : int
    partition : Partition or str
    cut_edges : bool, optional
        Build the unrolled network and list a minimum cut (found by max-flow).
        Default: for networks of at most :data:`LISTED_NODES` nodes; otherwise the
        min-cut value alone, from the dynamic programme.

    Returns
    -------
    BoundReport

    Examples
    --------
    >>> from tnrank import Architecture
    >>> rep = bound_architecture(Architecture.rac(3, 2, 2), T=64, cut_edges=False)
    >>> round(rep.log2, 1), rep.method == DP_METHOD
    (560.0, True)
    """
    part = Partition.parse(partition, T)
    check_bound_size(architecture, part.T)
    grid_bounds = upper_bounds(architecture, part, "grid")
    separation_bounds = upper_bounds(architecture, part, "separation")
    theorems = theorem_bounds(architecture, part)
    try:
        plan = BlockPlan(architecture, T)
    except TnrankError as exc:
        if not architecture.has_cells:
            raise
        return BoundReport(part.start, part.end, math.inf, None, "", architecture=architecture,
                           min_cut_note=str(exc), grid=grid_bounds, separation=separation_bounds,
                           theorems=theorems)
    nodes, bonds, legs = plan.size()
    listed = nodes <= min(LISTED_NODES, MAX_NODES) if cut_edges is None else cut_edges
    if listed and nodes > MAX_NODES:
        raise TnrankError(f"listing the cut edges builds the unrolled network, which has {nodes:,} "
                          f"nodes, more than tnrank's limit of {MAX_NODES:,}; leave `cut_edges` unset "
                          "for the min-cut value alone (from the dynamic programme)")
    log2 = min_cut_log2(architecture, part)
    copies = plan.copies() if nodes <= MAX_NODES else None
    cut = None
    if listed:
        cut = min_cut(unroll(architecture, T), part)
        bound: int | None = cut.bound
    else:
        bound = min_cut_bound(architecture, part) if log2 <= MAX_BOUND_BITS else None
    return BoundReport(
        part.start, part.end, log2, bound, FLOW_METHOD if listed else DP_METHOD, cut=cut,
        architecture=architecture, size=(nodes, bonds, legs),
        copies=None if copies is None else [copies[t] for t in range(T)],
        grid=grid_bounds, separation=separation_bounds, theorems=theorems,
    )


def bound_network(
    network: TensorNetwork,
    partition: Partition | str = "start-end",
    rank: bool = False,
    seed: int = 0,
    prime: int = PRIME,
) -> BoundReport:
    """The min-cut of a tensor network for a bipartition of its open legs.

    Parameters
    ----------
    network : TensorNetwork
    partition : Partition or str
        Named partition, steps or leg names of the start side.
    rank : bool
        Also the exact rank of the matricization with random cores mod ``prime``.
    seed, prime : int
        Of the random cores.

    Examples
    --------
    >>> from tnrank.networks.examples import mps
    >>> rep = bound_network(mps(6, bond=3), rank=True)
    >>> rep.bound, rep.rank["value"]
    (3, 3)
    """
    start, end = resolve_partition(network, partition)
    cut = min_cut(network, start)
    info = None
    if rank:
        from tnrank.networks.contraction import matricization_rank  # opt_einsum on demand

        value = matricization_rank(network, start, seed=seed, prime=prime)
        info = {"value": value, "prime": prime, "seed": seed,
                "cores": "uniform random residues mod prime"}
    summary = {"name": network.name, "description": network.description,
               "tensors": len(network.tensors), "bonds": len(network.bonds),
               "legs": len(network.legs), "steps": len(network.steps),
               "summary": network.summary()}
    return BoundReport(start, end, cut.log2, cut.bound, "max-flow", cut=cut, network=summary,
                       rank=info)


def _check_fields(data: dict[str, Any]) -> None:
    """The types and ranges of a bound report's JSON fields (a tampered file is refused)."""
    part = fields.mapping(data["partition"], "partition")
    start = [fields.whole(s, "partition step") for s in fields.items(part["start"], "partition start")]
    end = [fields.whole(s, "partition step") for s in fields.items(part["end"], "partition end")]
    if Partition(len(start) + len(end), tuple(start)).end != tuple(end):
        raise TnrankError("partition: start and end do not split the steps 0..T-1")
    mc = data["min_cut"]
    if mc is not None:
        mc = fields.mapping(mc, "min_cut")
        if mc.get("bound") is not None:
            fields.whole(mc["bound"], "min_cut bound", 1)
        fields.number(mc["log2"], "min_cut log2")
        fields.text(mc["method"], "min_cut method")
        for i, edge in enumerate(fields.items(mc.get("cut_edges") or [], "min_cut cut_edges"), 1):
            edge = fields.mapping(edge, f"cut edge {i}")
            fields.text(edge["bond"], f"cut edge {i} bond")
            nodes = fields.texts(edge["nodes"], f"cut edge {i} nodes")
            if len(nodes) != 2:
                raise TnrankError(f"cut edge {i} nodes: a bond joins 2 nodes, got {len(nodes)}")
            fields.whole(edge["dim"], f"cut edge {i} dim", 1)
    net = fields.mapping(data["network"], "network")
    if "architecture" not in data:
        for key in ("name", "summary"):
            if key in net:
                fields.text(net[key], f"network {key}")
        if data.get("rank") is not None:
            rank = fields.mapping(data["rank"], "rank")
            for key in ("prime", "seed", "value"):
                fields.whole(rank[key], f"rank {key}")
        return
    fields.mapping(data["architecture"], "architecture")
    for key in ("nodes", "bonds", "legs"):
        if net.get(key) is not None:
            fields.whole(net[key], f"network {key}")
    if net.get("copies") is not None:
        for c in fields.items(net["copies"], "network copies"):
            fields.whole(c, "network copies")
    bounds = fields.mapping(data["bounds"], "bounds")
    for quantity in fields.QUANTITIES:
        for name, value in fields.mapping(bounds[quantity], f"bounds {quantity}").items():
            if value is not None:
                fields.whole(value, f"{quantity} bound {name!r}", 1)
    for t in fields.items(data["theorems"], "theorems"):
        t = fields.mapping(t, "theorem")
        fields.choice(t["kind"], "theorem kind", fields.BOUND_KINDS)
        if t["value"] is not None:
            fields.whole(t["value"], "theorem value", 1)
        for key in ("name", "statement", "citation"):
            fields.text(t[key], f"theorem {key}")


def _big(value: Any) -> int:
    if value is None:
        raise ValueError("a bound too large for JSON (written as None) cannot be loaded back")
    return int(value)


def _show_copies(copies: list[int]) -> str:
    if len(copies) > 8:
        return " ".join(map(str, copies[:4])) + " … " + " ".join(map(str, copies[-2:]))
    return " ".join(map(str, copies))


def _edges(cut: MinCut) -> str:
    shown = [f"{e.bond} (leg, dim {e.dim})" if e.leg else f"{e.nodes[0]}–{e.nodes[1]} (dim {e.dim})"
             for e in cut.cut_edges if e.dim > 1]
    if not shown:
        return "none"
    extra = len(shown) - _SHOWN_EDGES
    return ", ".join(shown[:_SHOWN_EDGES]) + (f", … and {extra} more" if extra > 0 else "")
