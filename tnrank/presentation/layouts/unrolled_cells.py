"""The layout of an unrolled network with polynomial cells: time left to right, each step's
formulas as a small tree, copies of duplicated sub-networks on bands below.

An unrolled cell (:mod:`tnrank.networks.blocks`) is a tree of operations. Its nodes are set in
*rows* as for the paper's circuits (:mod:`~tnrank.presentation.layouts.unrolled`): a row is one
copy of a layer's chain of steps, and within a row the nodes of one step form a small tree, root
at the top, operands below and open legs hanging at the bottom. The bond to the previous step of
the same layer (the state read again) leaves each step's tree on the left, so the chain reads
left to right like the paper's Tensor Train. Every other reading of a value — a state read twice
in one step, another layer's output or state — is a copy of the sub-network computing it: a row
of its own on a shaded band below, the copy read at the earliest step nearest, its bond running
down on the right of the bands above it. Steps are columns as wide as their widest tree, so time
lines up across rows.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tnrank.presentation.layouts.base import (
    BOTTOM,
    RIGHT,
    SCALE,
    Band,
    EdgePath,
    Layout,
    NodeBox,
    node_label,
)
from tnrank.presentation.layouts.unrolled import fold_copies

if TYPE_CHECKING:
    from tnrank.model.architecture import Architecture
    from tnrank.networks.graph import TensorNetwork

__all__ = ["has_cells", "unrolled_cells_layout"]

SLOT = 0.48  # one leaf of a step's tree (inches, before SCALE)
LEVEL = 0.46  # one level of a step's tree
LEG = 0.36  # an open leg below its node
GAP = 0.14  # between two steps' columns
ROW_GAP = 0.28  # between a row and the band below it
SIDE = 0.09  # spacing of several bonds running down from one node to bands


def has_cells(network: TensorNetwork) -> bool:
    """True for a network unrolled from an architecture with polynomial cells.

    >>> from tnrank import Architecture, Cell, Layer, unroll
    >>> cell = Cell(state={"h": 2}, weights={"A": ("h", "x")}, update={"h": "(A @ x) * h + A @ x"})
    >>> has_cells(unroll(Architecture(M=2, layers=[Layer(cell=cell)]), T=3))
    True
    """
    arch = network.info.get("architecture")
    return arch is not None and bool(arch.has_cells) and "out" in network.graph


@dataclass
class _Row:
    """One copy of a layer's chain: its nodes by step, the row it hangs from and where."""

    index: int
    level: int
    parent: int | None
    attach: Hashable | None  # the node of the parent row whose bond leads here
    root: Hashable
    groups: dict[int, list[Hashable]] = field(default_factory=dict)
    children: list[int] = field(default_factory=list)  # rows hanging below, in order
    y: float = 0.0


class _Plan:
    """The tree of an unrolled cell network cut into rows and step groups."""

    def __init__(self, network: TensorNetwork) -> None:
        g = network.graph
        self.network, self.g = network, g
        parent: dict[Hashable, Hashable | None] = {"out": None}
        order: list[Hashable] = ["out"]
        for n in order:  # breadth first from the output, neighbours in axis order
            for b in g.nodes[n]["axes"]:
                other = _other_end(network, b, n)
                if other not in parent:
                    parent[other] = n
                    order.append(other)
        self.parent = parent
        self.children: dict[Hashable, list[Hashable]] = {}
        for n in order[1:]:
            self.children.setdefault(parent[n], []).append(n)
        self.rows: list[_Row] = []
        self.row_of: dict[Hashable, int] = {}
        self.tops: list[int] = []
        for child in self.children.get("out", []):
            if g.nodes[child]["kind"] != "input":
                self.tops.append(self._new_row(child, None, None, 1))
        # assign every tensor to a row, parents first
        for n in order[1:]:
            if g.nodes[n]["kind"] == "input" or n in self.row_of:
                continue
            up = parent[n]
            row = self.rows[self.row_of[up]]
            a, b = g.nodes[n], g.nodes[up]
            if a["layer"] == b["layer"] and a["step"] == b["step"]:
                self._join(n, row.index)
            elif a["layer"] == b["layer"] and a["step"] < b["step"] and a["step"] not in row.groups:
                self._join(n, row.index)  # the chain continues to an earlier step
            else:
                row.children.append(self._new_row(n, row.index, up, row.level + 1))

    def _new_row(self, root: Hashable, parent: int | None, attach: Hashable | None, level: int) -> int:
        row = _Row(len(self.rows), level, parent, attach, root)
        self.rows.append(row)
        self._join(root, row.index)
        return row.index

    def _join(self, n: Hashable, row: int) -> None:
        self.row_of[n] = row
        self.rows[row].groups.setdefault(self.g.nodes[n]["step"], []).append(n)

    def in_group(self, n: Hashable) -> list[Hashable]:
        """The children of ``n`` in its own step group."""
        step, row = self.g.nodes[n]["step"], self.row_of[n]
        return [c for c in self.children.get(n, []) if self.row_of.get(c) == row
                and self.g.nodes[c]["step"] == step]

    def continues(self, n: Hashable) -> bool:
        """Whether the chain to an earlier step leaves from ``n`` or below it in its group."""
        row, step = self.row_of[n], self.g.nodes[n]["step"]
        for c in self.children.get(n, []):
            if self.row_of.get(c) == row and self.g.nodes[c]["step"] < step:
                return True
        return any(self.continues(c) for c in self.in_group(n))


def _other_end(network: TensorNetwork, bond: str, n: Hashable) -> Hashable:
    if bond in network.legs:
        leg = network.legs[bond]
        return leg.name if n != leg.name else leg.tensor
    u, v = network.bonds[bond].nodes
    return v if u == n else u


def _group_shape(plan: _Plan, root: Hashable) -> tuple[dict[Hashable, tuple[float, int]], int, int]:
    """Positions of a step group's tree relative to its left edge: x in slots, depth in levels
    (the operand carrying the chain to the earlier step first, so that bond leaves on the
    left); the group's width in slots and its depth."""
    pos: dict[Hashable, tuple[float, int]] = {}
    next_slot = [0]
    deepest = [0]

    def place(n: Hashable, depth: int) -> float:
        kids = sorted(plan.in_group(n), key=lambda c: not plan.continues(c))
        deepest[0] = max(deepest[0], depth)
        if not kids:
            x = float(next_slot[0])
            next_slot[0] += 1
        else:
            xs = [place(c, depth + 1) for c in kids]
            x = (xs[0] + xs[-1]) / 2
        pos[n] = (x, depth)
        return x

    place(root, 0)
    return pos, next_slot[0], deepest[0]


def _band_label(arch: Architecture, attrs: dict) -> str:
    """What a copy computes: a state at its step (``h^3``), a layer's output, an operation."""
    k, t = attrs["layer"], attrs["step"]
    if "state" in attrs:
        return f"${attrs['state']}^0$"
    program = arch.program(k)
    name = arch.layers[k].name
    if program is None:
        return f"$h^{{{t + 1},{k + 1}}}$"
    op = int(attrs["op"])
    for state, i in program.updates:
        if i == op:
            return f"{name}: ${state}^{{{t + 1}}}$"
    if op == program.output:
        return f"{name}: output at {t + 1}"
    return f"{name}: {program.ops[op].kind} at {t + 1}"


def unrolled_cells_layout(network: TensorNetwork) -> Layout:
    """Positions for an unrolled network with cells (:func:`has_cells`): rows of step trees,
    time left to right, copies on bands.

    Examples
    --------
    >>> from tnrank import Architecture, Cell, Layer, unroll
    >>> s6 = Cell(state={"h": 2}, weights={"A": ("h", "x"), "B": ("h", "x"), "C": ("h", "x")},
    ...           update={"h": "(A @ x) * h + B @ x"}, output="(C @ x) * h")
    >>> lay = unrolled_cells_layout(unroll(Architecture(M=2, layers=[Layer(cell=s6)]), T=3))
    >>> lay.style, lay.rows, len(lay.bands)          # one chain, no copies
    ('unrolled cells', 1, 0)
    >>> xs = [lay.nodes[f"add5[{t},layer1]#0"].x for t in range(3)]   # the state h^1, h^2, h^3
    >>> xs == sorted(xs)                                                  # left to right
    True
    """
    plan = _Plan(network)
    g = network.graph
    arch = network.info["architecture"]
    T = max((a["step"] for _, a in g.nodes(data=True) if a.get("step") is not None), default=0) + 1
    lay = Layout(style="unrolled cells")
    # each step group's tree, and the width of each step's column
    shapes: dict[tuple[int, int], tuple[dict, int, int]] = {}
    width = [1] * T
    for row in plan.rows:
        for step, nodes in row.groups.items():
            root = next(n for n in nodes if plan.row_of.get(plan.parent[n]) != row.index
                        or g.nodes[plan.parent[n]]["step"] != step)
            shapes[(row.index, step)] = _group_shape(plan, root)
            width[step] = max(width[step], shapes[(row.index, step)][1])
    names = [arch.layers[g.nodes[plan.rows[i].root]["layer"]].name for i in plan.tops]
    margin = 0.3 + 0.068 * max(map(len, names), default=4)  # room for the row's name
    x0 = [margin]
    for t in range(1, T):
        x0.append(x0[-1] + SLOT * width[t - 1] + GAP)
    has_legs = {row.index: any(n2 in network.legs for nodes in row.groups.values() for n in nodes
                               for n2 in plan.children.get(n, [])) for row in plan.rows}
    cursor = [0.0]
    bands: list[Band] = []
    row_low: dict[int, float] = {}  # the lowest y of each row's own nodes

    def place_row(index: int) -> float:
        """Place a row and the rows below it; return the lowest y used."""
        row = plan.rows[index]
        row.y = cursor[0]
        depth = max(shapes[(index, s)][2] for s in row.groups)
        low = row.y - LEVEL * depth - (LEG if has_legs[index] else 0.0) - 0.12
        row_low[index] = low
        cursor[0] = low - ROW_GAP
        lay.rows += 1
        for step, (pos, _slots, _depth) in ((s, shapes[(index, s)]) for s in row.groups):
            for n, (slot, level) in pos.items():
                a = g.nodes[n]
                lay.nodes[n] = NodeBox(n, a["kind"], x0[step] + SLOT * (slot + 0.5), row.y - LEVEL * level,
                                       node_label(a, n), a.get("role"), a["step"], a["layer"], a["copy"])
        for child in sorted(row.children, key=lambda c: max(plan.rows[c].groups)):
            top = cursor[0] + 0.16 - 0.03 * (row.level - 1)
            bottom = place_row(child)
            low = min(low, bottom)
            crow = plan.rows[child]
            last = max(crow.groups)
            inset = 0.06 * (row.level - 1)
            bands.append(Band(0.1 + inset, bottom + inset, x0[last] + SLOT * width[last] + 0.1 - inset, top,
                              row.level, len(bands), _band_label(arch, g.nodes[crow.root]),
                              (0.18 + inset, top - 0.14), crow.root))
        return low

    for top in plan.tops:
        place_row(top)
    lay.bands = bands
    # the output, above and right of its rows' roots
    roots = [lay.nodes[plan.rows[i].root] for i in plan.tops]
    out_attrs = g.nodes["out"]
    x_out = max([r.x for r in roots] + [x0[-1] + SLOT * width[-1] - SLOT / 2]) + 0.38
    y_out = max(r.y for r in roots) + 0.42 if roots else 0.4
    lay.nodes["out"] = NodeBox("out", "output", x_out, y_out, node_label(out_attrs, "out"),
                               out_attrs["role"], out_attrs["step"])
    # open legs hang below their node
    for leg in network.legs.values():
        w = lay.nodes[leg.tensor]
        lay.nodes[leg.name] = NodeBox(leg.name, "input", w.x, w.y - LEG,
                                      node_label(g.nodes[leg.name], leg.name), None, leg.step, None,
                                      leg.copy, anchor="right")
    # the bonds down to copies: from their reader, below its row, to a lane right of the
    # reader's step (lower copies on lanes further right), down the lane and left into the
    # copy's root; the rightmost readers cross below their row first
    lanes: dict[Hashable, tuple[float, float]] = {}  # root of a copy -> (lane x, y below the row)
    for row in plan.rows:
        kids = [plan.rows[c] for c in row.children]
        per_column: dict[int, int] = {}
        for crow in kids:  # in the order the copies were stacked, top to bottom
            step = g.nodes[crow.attach]["step"]
            j = per_column.get(step, 0)
            per_column[step] = j + 1
            lanes[crow.root] = (x0[step] + SLOT * width[step] + 0.16 + SIDE * j, 0.0)
        spacing = min(0.045, 0.11 / max(1, len(kids)))
        for i, crow in enumerate(sorted(kids, key=lambda r: -lay.nodes[r.attach].x)):
            lanes[crow.root] = (lanes[crow.root][0], row_low[row.index] + 0.03 - spacing * (i + 1))
    before = {n: (box.x, box.y) for n, box in lay.nodes.items()}
    moved = fold_copies(lay) if len(plan.tops) == 1 else {}
    lay.folds = len({round(b.x0, 3) for b in bands if b.level == 1}) - 1 if moved else 0
    for root, (lane, below) in list(lanes.items()):  # nested copies moved with their reader
        attach = plan.rows[plan.row_of[root]].attach
        dx, dy = lay.nodes[attach].x - before[attach][0], lay.nodes[attach].y - before[attach][1]
        lanes[root] = (lane + dx, below + dy)
    right_of: dict[Hashable, float] = {}  # a moved copy's root -> the lane right of its column
    columns: dict[float, list[Band]] = {}
    for band in bands:
        if band.level == 1 and band.root in moved:
            columns.setdefault(round(band.x0, 6), []).append(band)
    for column in columns.values():
        column.sort(key=lambda b: -b.y1)
        edge_x = max(b.x1 for b in column) + 0.08
        for k, band in enumerate(column):
            right_of[band.root] = edge_x + SIDE * k
    for bond in network.bonds.values():
        u, v = bond.nodes
        child, up = (u, v) if plan.parent.get(u) == v else (v, u)
        a, b = lay.nodes[up], lay.nodes[child]
        edge = EdgePath(bond.name, (u, v), bond.dim, [], layer=g.nodes[child].get("layer"))
        if up == "out":
            pts = [(b.x, b.y), (b.x, a.y), (a.x, a.y)] if abs(b.x - a.x) > 1e-9 else [(b.x, b.y), (a.x, a.y)]
        elif child in lanes:  # a copy on a band
            lane, below = lanes[child]
            if child in moved:  # in a folded column: up its own lane, along its track above the copies
                track, _x = moved[child]
                xr = right_of[child]
                pts = [(b.x, b.y), (xr, b.y), (xr, track), (lane, track), (lane, below), (a.x, below),
                       (a.x, a.y)]
            else:
                pts = [(b.x, b.y), (lane, b.y), (lane, below), (a.x, below), (a.x, a.y)]
        elif g.nodes[child]["step"] != g.nodes[up]["step"]:  # the chain, from the previous step
            pts = [(b.x, b.y), (a.x, b.y), (a.x, a.y)] if abs(a.y - b.y) > 1e-9 else [(b.x, b.y), (a.x, a.y)]
        else:
            pts = [(b.x, b.y), (a.x, a.y)]
        if edge.nodes[0] != child:
            pts.reverse()
        edge.points = pts
        lay.edges.append(edge)
    for leg in network.legs.values():
        a, b = lay.nodes[leg.name], lay.nodes[leg.tensor]
        lay.edges.append(EdgePath(leg.name, (leg.name, leg.tensor), leg.dim, [(a.x, a.y), (b.x, b.y)],
                                  leg=True))
    lay.row_labels = [(margin - 0.2, plan.rows[i].y,
                       arch.layers[g.nodes[plan.rows[i].root]["layer"]].name) for i in plan.tops]
    xs = [n.x for n in lay.nodes.values()] + [b.x1 for b in bands]
    ys = [n.y for n in lay.nodes.values()] + [b.y0 for b in bands]
    lay.shift(0.0, -min(ys) + BOTTOM + 0.1)
    lay.width = max(xs) + RIGHT
    lay.height = max(n.y for n in lay.nodes.values()) + 0.3
    lay.scale(SCALE)
    return lay
