"""Fixed, deterministic positions for drawing tensor networks (no matplotlib here).

Coordinates are in inches, ``x`` to the right and ``y`` up, so a drawing is the
layout at scale 1.

**Unrolled circuits** (:func:`tnrank.networks.unrolling.unroll`) follow the conventions of
Levine et al. (arXiv:1710.09431, Figs. 3-4): time runs left to right (step
``t`` in column ``t``), each layer reads the layer below it, open legs hang
below the weight that reads them, and the output sits at the top right. A
deep network is a tree of *rows*: a row is one copy of a layer's chain
``h^{0,l} -> ... -> h^{t,l}`` (copy tensors joined by ``W^H``); every bond from
a ``W^I`` to a lower layer starts a new row, the copy of the sub-network that
computes that state. A row's sub-networks are stacked below it, the one read at
the earliest step first; since that sub-network spans steps ``0..t`` only, the
bond rising from a later one passes it on the right, and no two bonds cross.
Each stacked sub-network lies on a shaded band, so copies read as copies.

A figure stays within about :data:`MAX_ASPECT` to 1, its header included. A deep
network's stack of copies, far taller than wide, is folded: the copies the top row
reads are set in columns side by side, and the bond to a copy in a later column runs
along a track above the copies (later copies on higher tracks, so no two bonds cross).
A long chain, far wider than tall, wraps onto lines like text; the bond across a line
break is drawn as two stubs, each marked with the state it carries.

**2-D grids** (PEPS; :func:`grid_positions`) are drawn on their lattice, neighbours
one lattice step apart.

**Other networks** get a layered layout: open legs at the bottom in step order,
tensors above them at their distance from the legs, each level ordered by the
mean position of its neighbours below.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tnrank.errors import TnrankError

if TYPE_CHECKING:
    from tnrank.model.architecture import Architecture
    from tnrank.networks.graph import TensorNetwork

__all__ = [
    "NodeBox",
    "EdgePath",
    "Band",
    "Layout",
    "network_layout",
    "cell_layout",
    "MAX_WIDTH",
    "MAX_HEIGHT",
    "MAX_TENSORS",
    "MAX_ASPECT",
    "SCALE",
    "grid_positions",
]

#: Widest drawing, in inches, that :func:`network_layout` accepts (wider or taller
#: drawings are unreadable on screen and in print).
MAX_WIDTH = 36.0
#: Tallest drawing, in inches, that :func:`network_layout` accepts.
MAX_HEIGHT = 40.0
#: Largest number of tensors drawn (beyond it, labels and boxes get lost).
MAX_TENSORS = 1500

#: Every layout is computed at a base size and enlarged by this factor, which sets the size
#: of the geometry relative to the type (:mod:`tnrank.presentation.draw` sizes its text for it).
SCALE = 1.1
#: The same for the folded cell, whose parts sit closer together.
CELL_SCALE = 1.3
#: Narrowest figure (inches): room for the title and the key.
MIN_WIDTH = 6.0

# geometry of unrolled networks (inches, before SCALE)
COLUMN = 0.86  # one time step
TO_WI = 0.33  # copy tensor to the W^I below it
LEG_END = 0.58  # copy tensor to the end of an open leg
PITCH_LEGS = 0.8  # row to row, when the upper row has open legs
PITCH = 0.66  # row to row otherwise
SIDE = 0.26  # offset of the 2nd, 3rd ... source bond of one W^I
LEFT = 1.3  # margin left of column 0 (row labels)
RIGHT = 0.85  # margin right of the last column (output)
BOTTOM = 0.15


@dataclass
class NodeBox:
    """Where and how one node is drawn.

    Attributes
    ----------
    name : str or int
        The network's node name.
    kind : str
        The node kind (``delta``, ``weight``, ``input``, ...).
    x, y : float
        Centre, in inches.
    label : str
        Text drawn on or beside the node (matplotlib mathtext).
    role, step, layer, copy
        Copied from the network.
    side : int or None
        0 start, 1 end (open legs only, when a partition is given).
    anchor : str
        Where an open leg's label goes: ``"right"`` of its end, ``"left"`` or ``"below"``.
    """

    name: Hashable
    kind: str
    x: float
    y: float
    label: str = ""
    role: str | None = None
    step: int | None = None
    layer: int | None = None
    copy: int | None = None
    side: int | None = None
    anchor: str = "below"


@dataclass
class EdgePath:
    """One bond (or open leg) as a polyline.

    Attributes
    ----------
    bond : str
        Bond name (the leg name for an open leg).
    nodes : tuple
        Its two nodes.
    dim : int
    points : list of (x, y)
        The polyline, from ``nodes[0]`` to ``nodes[1]``.
    leg : bool
        An open leg.
    layer : int or None
        Layer of the state the bond carries (for naming dimensions).
    gap : int or None
        A folded drawing breaks a few long bonds: segment ``points[gap] -> points[gap + 1]``
        is not drawn, and both stubs carry ``marker``, the name of what the bond carries.
    marker : str
        The text written at both ends of a broken bond.
    """

    bond: str
    nodes: tuple[Hashable, Hashable]
    dim: int
    points: list[tuple[float, float]]
    leg: bool = False
    layer: int | None = None
    gap: int | None = None
    marker: str = ""

    def drawn_segments(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """The segments drawn: all of them, less the gap of a broken bond."""
        return [(a, b) for i, (a, b) in enumerate(zip(self.points, self.points[1:], strict=False))
                if i != self.gap]

    def label_point(self) -> tuple[float, float, str]:
        """Where to write the dimension: ``(x, y, "h" | "v")`` at the middle of the longest segment."""
        best, at = -1.0, (self.points[0], self.points[-1])
        for a, b in self.drawn_segments():
            length = math.dist(a, b)
            if length > best + 1e-9:
                best, at = length, (a, b)
        (x0, y0), (x1, y1) = at
        orient = "h" if abs(x1 - x0) >= abs(y1 - y0) else "v"
        return (x0 + x1) / 2, (y0 + y1) / 2, orient


@dataclass
class Band:
    """A shaded rectangle behind one copy of a duplicated sub-network.

    ``level`` is the nesting depth (1 for the sub-networks the top row reads);
    ``label`` names the state the copy computes; it is written at ``label_at``,
    right of the copy's ``root`` (the copy tensor whose bond leaves the copy).
    """

    x0: float
    y0: float
    x1: float
    y1: float
    level: int
    index: int
    label: str = ""
    label_at: tuple[float, float] = (0.0, 0.0)
    root: Hashable = None


@dataclass
class Layout:
    """Positions of every node and the path of every bond of a drawing.

    Attributes
    ----------
    nodes : dict
        :class:`NodeBox` by node name.
    edges : list of EdgePath
    bands : list of Band
    row_labels : list of tuple
        ``(x, y, text)``: the layer names at the left of each row.
    width, height : float
        Size of the drawing in inches (without header).
    style : str
        ``"unrolled"``, ``"lattice"``, ``"layered"`` or ``"cell"``.
    rows : int
        Number of rows (copies of layer chains) of an unrolled drawing.
    folds : int
        How many times a drawing too tall or too wide was folded: the stack of copies
        set in ``folds + 1`` columns side by side, or a long chain wrapped onto
        ``folds + 1`` lines.
    """

    nodes: dict[Hashable, NodeBox] = field(default_factory=dict)
    edges: list[EdgePath] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    row_labels: list[tuple[float, float, str]] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    style: str = "unrolled"
    rows: int = 0
    folds: int = 0

    def shift(self, dx: float, dy: float) -> None:
        """Move everything by ``(dx, dy)``."""
        for n in self.nodes.values():
            n.x += dx
            n.y += dy
        for e in self.edges:
            e.points = [(x + dx, y + dy) for x, y in e.points]
        for b in self.bands:
            b.x0 += dx
            b.x1 += dx
            b.y0 += dy
            b.y1 += dy
            b.label_at = (b.label_at[0] + dx, b.label_at[1] + dy)
        self.row_labels = [(x + dx, y + dy, s) for x, y, s in self.row_labels]

    def scale(self, k: float) -> None:
        """Enlarge everything by ``k`` about the origin."""
        for n in self.nodes.values():
            n.x *= k
            n.y *= k
        for e in self.edges:
            e.points = [(x * k, y * k) for x, y in e.points]
        for b in self.bands:
            b.x0, b.x1, b.y0, b.y1 = b.x0 * k, b.x1 * k, b.y0 * k, b.y1 * k
            b.label_at = (b.label_at[0] * k, b.label_at[1] * k)
        self.row_labels = [(x * k, y * k, s) for x, y, s in self.row_labels]
        self.width *= k
        self.height *= k


# ---------------------------------------------------------------- labels
def _sup(text: str) -> str:
    return "{" + text + "}"


def state_label(t: int, layer: int) -> str:
    """``$h^{t,l}$`` with 1-based step and layer, as in the paper."""
    return f"$h^{_sup(f'{t + 1},{layer + 1}')}$"


def node_label(attrs: dict, name: Hashable) -> str:
    """The text drawn on a node of an unrolled network."""
    kind, role = attrs.get("kind"), attrs.get("role")
    if kind == "weight":
        return "$W^I$" if role == "input" else "$W^H$"
    if kind == "initial":
        return {"ones": "$1$", "zeros": "$0$", "state": "$h^0$"}.get(role, "")
    if kind == "output":
        return "$w^O$"
    if kind == "merge":
        return "+" if role == "additive" else "MI"
    if kind == "input":
        step = attrs.get("step")
        return f"$x^{_sup(str(step + 1))}$" if step is not None else ""
    if kind == "tensor":
        text = str(name)
        return text if len(text) <= 6 else ""
    return ""


# ---------------------------------------------------------------- unrolled circuits
def _is_unrolled(network: TensorNetwork) -> bool:
    g = network.graph
    if "out" not in g or g.nodes["out"].get("kind") != "output":
        return False
    for _n, a in g.nodes(data=True):
        if a["kind"] in ("input", "output"):
            continue
        if a["kind"] not in ("delta", "merge", "weight", "initial"):
            return False
        if a.get("step") is None or a.get("layer") is None or a.get("copy") is None:
            return False
    import networkx as nx  # networkx is loaded with the network already

    return nx.is_tree(g)


class _Tree:
    """The block tree of an unrolled network: blocks ``(step, layer, copy)``, their
    roots, their chain child (through ``W^H``) and their source children (through ``W^I``)."""

    def __init__(self, network: TensorNetwork) -> None:
        g = network.graph
        self.g = g
        parent: dict[Hashable, Hashable | None] = {"out": None}
        order = ["out"]
        for n in order:  # breadth-first from the output, neighbours in axis order
            for b in g.nodes[n]["axes"]:
                other = _other_end(network, b, n)
                if other not in parent:
                    parent[other] = n
                    order.append(other)
        self.parent = parent
        self.blocks: dict[tuple, list[Hashable]] = {}
        for n in order:
            a = g.nodes[n]
            if a["kind"] not in ("input", "output"):
                self.blocks.setdefault((a["step"], a["layer"], a["copy"]), []).append(n)
        self.root = {key: ns[0] for key, ns in self.blocks.items()}  # BFS: the root comes first
        self.children: dict[Hashable, list[tuple]] = {}  # node -> blocks hanging from it
        for key, root in self.root.items():
            self.children.setdefault(parent[root], []).append(key)

    def block_of(self, n: Hashable) -> tuple:
        a = self.g.nodes[n]
        return a["step"], a["layer"], a["copy"]

    def chain_child(self, key: tuple) -> tuple | None:
        for n in self.blocks[key]:
            a = self.g.nodes[n]
            if a["kind"] == "weight" and a["role"] == "hidden":
                for child in self.children.get(n, []):
                    if child[1] == key[1] and child[0] == key[0] - 1:
                        return child
        return None

    def source_children(self, key: tuple) -> list[tuple]:
        out = []
        chain = self.chain_child(key)
        for n in self.blocks[key]:
            out += [c for c in self.children.get(n, []) if c != chain]
        return out


def _other_end(network: TensorNetwork, bond: str, n: Hashable) -> Hashable:
    if bond in network.legs:
        leg = network.legs[bond]
        return leg.name if n != leg.name else leg.tensor
    u, v = network.bonds[bond].nodes
    return v if u == n else u


def _unrolled(network: TensorNetwork, T: int) -> Layout:
    tree = _Tree(network)
    g = network.graph
    lay = Layout(style="unrolled")
    names = {_layer_name(network, a["layer"]) for _, a in g.nodes(data=True) if a.get("layer") is not None}
    has_h0 = any(a.get("role") == "state" for _, a in g.nodes(data=True))
    x0 = max(LEFT, 0.35 + 0.068 * max(map(len, names), default=6) + COLUMN / 2 + 0.2) + 0.36 * has_h0
    X = [x0 + COLUMN * t for t in range(T)]
    y_cursor = [0.0]
    bands: list[Band] = []

    def has_legs(chain: list[tuple]) -> bool:
        return any(g.nodes[n]["kind"] == "input" for key in chain for b in tree.blocks[key]
                   for n in g.neighbors(b))

    def place_row(end: tuple, level: int) -> tuple[float, float]:
        """Place the row ending at block ``end`` and everything below it; return its
        root's y and the lowest y used."""
        chain = [end]
        while (nxt := tree.chain_child(chain[-1])) is not None:
            chain.append(nxt)
        chain.reverse()  # ascending step
        y = y_cursor[0]
        lay.rows += 1
        y_cursor[0] -= PITCH_LEGS if has_legs(chain) else PITCH
        layer = end[1]
        lay.row_labels.append((X[chain[0][0]] - COLUMN / 2 - 0.2 - 0.36 * has_h0, y,
                               _layer_name(network, layer)))
        low = y - (LEG_END if has_legs(chain) else TO_WI) - 0.1
        for key in chain:
            t = key[0]
            x = X[t]
            for n in tree.blocks[key]:
                a = g.nodes[n]
                kind, role = a["kind"], a["role"]
                if n == tree.root[key]:
                    pos = (x, y)
                elif kind == "weight" and role == "input":
                    pos = (x, y - TO_WI)
                elif kind == "weight":  # W^H, between this step and the previous
                    pos = (x - COLUMN / 2, y)
                elif kind == "initial" and role == "state":  # h0 feeds W^H at step 0
                    pos = (x - COLUMN / 2 - 0.36, y)
                else:  # "ones"/"zeros": the hidden term of step 0
                    pos = (x - COLUMN / 2, y)
                lay.nodes[n] = NodeBox(n, kind, pos[0], pos[1], node_label(a, n), role, a["step"],
                                       a["layer"], a["copy"])
            # sub-networks read at this step, stacked below
            for child in tree.source_children(key):
                top = y_cursor[0] + 0.18 - 0.03 * (level - 1)
                root_y, bottom = place_row(child, level + 1)
                low = min(low, bottom)
                inset = 0.06 * (level - 1)
                bands.append(Band(0.1 + inset, bottom + inset, X[child[0]] + 0.56 - inset, top, level,
                                  len(bands), state_label(child[0], child[1]),
                                  (X[child[0]] + 0.1, root_y), tree.root[child]))
        return y, low

    tops = tree.children.get("out", [])
    for key in tops:
        place_row(key, 1)
    lay.bands = bands
    moved: dict[Hashable, tuple[float, float]] = {}  # root of a moved copy -> (track y, old x)
    per_line = None
    if len(tops) == 1 and bands:
        moved = _fold_copies(lay, X)
    elif len(tops) == 1:
        per_line = _wrap_chain(lay, T, X)
    # the output, right of the end of its row
    out_attrs = g.nodes["out"]
    top_y = max(n.y for n in lay.nodes.values())
    end = lay.nodes[tree.root[tops[0]]] if len(tops) == 1 else None
    x_out = (end.x if end is not None else X[-1]) + COLUMN * 0.55
    y_out = (end.y if end is not None else top_y) + 0.32
    lay.nodes["out"] = NodeBox("out", "output", x_out, y_out, node_label(out_attrs, "out"),
                               out_attrs["role"], out_attrs["step"])
    # open legs hang below their W^I (point left when the W^I also reads a lower layer)
    for leg in network.legs.values():
        w = lay.nodes[leg.tensor]
        if tree.children.get(leg.tensor):
            x, y, anchor = w.x - 0.36, w.y, "left"
        else:
            x, y, anchor = w.x, w.y - (LEG_END - TO_WI), "right"
        lay.nodes[leg.name] = NodeBox(leg.name, "input", x, y, node_label(g.nodes[leg.name], leg.name),
                                      None, leg.step, None, leg.copy, anchor=anchor)
    # bonds
    for bond in network.bonds.values():
        u, v = bond.nodes
        edge = EdgePath(bond.name, (u, v), bond.dim, [], layer=_bond_layer(g, u, v))
        child = u if u in moved and tree.parent.get(u) == v else v if v in moved and tree.parent.get(v) == u \
            else None
        if child is not None:
            _route_moved(tree, lay, edge, child, *moved[child])
        elif _wrapped(lay, per_line, u, v):
            _route_wrapped(lay, edge, u, v)
        else:
            edge.points = _route(tree, lay, u, v)
        lay.edges.append(edge)
    for leg in network.legs.values():
        a, b = lay.nodes[leg.name], lay.nodes[leg.tensor]
        lay.edges.append(EdgePath(leg.name, (leg.name, leg.tensor), leg.dim,
                                  [(a.x, a.y), (b.x, b.y)], leg=True))
    xs = [n.x for n in lay.nodes.values()] + [b.x1 for b in bands]
    ys = [n.y for n in lay.nodes.values()] + [b.y0 for b in bands]
    lay.shift(0.0, -min(ys) + BOTTOM)
    lay.width = max(xs) + RIGHT
    lay.height = max(n.y for n in lay.nodes.values()) + 0.3
    return lay


#: Longest side over shortest that a folded drawing aims at, its header included.
MAX_ASPECT = 2.0
#: Height (inches) set aside for a figure's title, lines and key when a drawing's aspect
#: ratio is judged.
HEADER = 1.7
TRACK = 0.12  # spacing of the bonds that run over to a folded column of copies
FOLD_GAP = 0.35  # between two columns of copies
LINE = 1.3  # one line of a wrapped chain to the next
INDENT = 0.3  # of the 2nd, 3rd ... line of a wrapped chain: room for the name of the state it continues


def _figure_aspect(width: float, height: float) -> float:
    """Aspect ratio of the figure a layout of this size (before :data:`SCALE`) makes."""
    w, h = max(width * SCALE, MIN_WIDTH), height * SCALE + HEADER
    return max(w / h, h / w)


def _inside(band: Band, x: float, y: float) -> bool:
    return band.x0 - 1e-9 <= x <= band.x1 + 1e-9 and band.y0 - 1e-9 <= y <= band.y1 + 1e-9


def _groups(heights: list[float], k: int) -> list[list[int]]:
    """Split consecutive items into at most ``k`` groups, the tallest group as short as possible."""
    def pack(cap: float) -> list[list[int]]:
        out: list[list[int]] = [[]]
        total = 0.0
        for i, h in enumerate(heights):
            if out[-1] and total + h > cap + 1e-9:
                out.append([])
                total = 0.0
            out[-1].append(i)
            total += h
        return out

    lo, hi = max(heights), sum(heights)
    for _ in range(40):
        mid = (lo + hi) / 2
        if len(pack(mid)) <= k:
            hi = mid
        else:
            lo = mid
    return pack(hi)


def _fold_copies(lay: Layout, X: list[float]) -> dict[Hashable, tuple[float, float]]:
    """Set the stack of copies the top row reads in columns side by side when the drawing is
    too tall for its width. The bond to a copy in the 2nd, 3rd ... column runs down from its
    ``W^I`` to a track above the copies, along it, and down to the copy's root; later copies
    take higher tracks, so no two bonds cross. Returns the moved roots with the height of
    their track and their x before the move."""
    outer = sorted((b for b in lay.bands if b.level == 1), key=lambda b: -b.y1)
    if len(outer) < 2:
        return {}
    xs = [n.x for n in lay.nodes.values()]
    top_row = max(n.y for n in lay.nodes.values())
    head = top_row + 0.6 - outer[0].y1  # the top row and the output above it
    heights = [outer[i].y1 - (outer[i + 1].y1 if i + 1 < len(outer) else outer[i].y0 - 0.05)
               for i in range(len(outer))]
    width0 = max(xs) + RIGHT

    def shape(k: int) -> tuple[float, list[list[int]]]:
        groups = _groups(heights, k)
        widths = [max(outer[i].x1 for i in grp) + FOLD_GAP for grp in groups]
        w = max(width0, sum(widths) + RIGHT)
        moved = sum(len(grp) for grp in groups[1:])
        h = head + TRACK * moved + max(sum(heights[i] for i in grp) for grp in groups) + BOTTOM
        return _figure_aspect(w, h), groups

    if shape(1)[0] <= MAX_ASPECT:
        return {}
    fits = [k for k in range(2, len(outer) + 1) if shape(k)[0] <= MAX_ASPECT]
    best = fits[0] if fits else min(range(1, len(outer) + 1), key=lambda k: (round(shape(k)[0], 6), k))
    groups = shape(best)[1]
    if len(groups) == 1:
        return {}
    lay.folds = len(groups) - 1
    # what lies on each outer band, found before anything moves
    members = []
    for b in outer:
        members.append(([n for n in lay.nodes.values() if _inside(b, n.x, n.y)],
                        [c for c in lay.bands if _inside(b, c.x0, c.y0) and _inside(b, c.x1, c.y1)],
                        [i for i, (x, y, _t) in enumerate(lay.row_labels) if _inside(b, x, y)]))
    n_moved = sum(len(grp) for grp in groups[1:])
    drop = TRACK * n_moved + 0.1 * bool(n_moved)
    moved: dict[Hashable, tuple[float, float]] = {}
    track = outer[0].y1 - drop + 0.08  # the first moved copy takes the lowest track
    dx = 0.0
    tops = [b.y1 for b in outer]  # before anything moves
    for j, grp in enumerate(groups):
        dy = tops[0] - tops[grp[0]] - drop
        for i in grp:
            nodes, inner, labels = members[i]
            if j:
                root = lay.nodes[outer[i].root]
                moved[outer[i].root] = (track, root.x)
                track += TRACK
            for n in nodes:
                n.x += dx
                n.y += dy
            for c in inner:
                c.x0, c.x1, c.y0, c.y1 = c.x0 + dx, c.x1 + dx, c.y0 + dy, c.y1 + dy
                c.label_at = (c.label_at[0] + dx, c.label_at[1] + dy)
            for k in labels:
                x, y, text = lay.row_labels[k]
                lay.row_labels[k] = (x + dx, y + dy, text)
        dx += max(outer[i].x1 for i in grp) + FOLD_GAP - 0.1
    return moved


def _route_moved(tree: _Tree, lay: Layout, edge: EdgePath, child: Hashable, y: float,
                 x_before: float) -> None:
    """Down from the reading W^I (beside it for a 2nd, 3rd ... source), along the copy's
    track, down to the root of the copy in its folded column."""
    parent = tree.parent[child]
    a, b = lay.nodes[parent], lay.nodes[child]
    kids = tree.children.get(parent, [])
    i = kids.index(tree.block_of(child))
    x_up = x_before if i == 0 or len(kids) == 1 else a.x + SIDE * i + 0.05
    pts = [(b.x, b.y), (b.x, y), (x_up, y), (x_up, a.y)] + ([(a.x, a.y)] if abs(x_up - a.x) > 1e-9 else [])
    if edge.nodes[0] != child:
        pts.reverse()
    edge.points = pts


def _wrap_chain(lay: Layout, T: int, X: list[float]) -> int | None:
    """Wrap a long single row onto lines of equal length when it is too wide for its height:
    the ``W^H`` bond between two lines is broken, both stubs named by the state it carries.
    Returns the number of steps per line (None when the row is not wrapped)."""
    height = 0.62 + LEG_END + BOTTOM  # the row, the output above it and open legs below
    right = max(n.x for n in lay.nodes.values()) - X[-1] + COLUMN * 0.55 + RIGHT

    def shape(lines: int) -> float:
        per = math.ceil(T / lines)
        return _figure_aspect(X[per - 1] + right + INDENT * (lines > 1), height + LINE * (lines - 1))

    if shape(1) <= MAX_ASPECT or (X[-1] + right) * SCALE <= MIN_WIDTH:  # already as narrow as a figure
        return None
    fits = [n for n in range(2, T + 1) if shape(n) <= MAX_ASPECT]
    lines = fits[0] if fits else min(range(1, T + 1), key=lambda n: (round(shape(n), 6), n))
    per = math.ceil(T / lines)
    lines = math.ceil(T / per)
    if lines == 1:
        return None
    lay.folds = lines - 1
    for n in lay.nodes.values():
        if n.step is None:
            continue
        line = n.step // per
        n.x -= X[line * per] - X[0] - INDENT * bool(line)
        n.y -= LINE * line
    return per


def _wrapped(lay: Layout, per: int | None, u: Hashable, v: Hashable) -> bool:
    if per is None:
        return False
    su, sv = lay.nodes[u].step, lay.nodes[v].step
    return su is not None and sv is not None and su // per != sv // per


def _route_wrapped(lay: Layout, edge: EdgePath, u: Hashable, v: Hashable) -> None:
    """A bond between two lines of a wrapped chain: a stub right of the line's last copy
    tensor and one left of the next line's first ``W^H``, both marked with the state."""
    a, b = lay.nodes[u], lay.nodes[v]
    if a.step > b.step:
        a, b = b, a
    stub = 0.3
    pts = [(a.x, a.y), (a.x + stub, a.y), (b.x - stub, b.y), (b.x, b.y)]
    if edge.nodes[0] != a.name:
        pts.reverse()
    edge.points = pts
    edge.gap = 1
    edge.marker = state_label(a.step, a.layer or 0)


def _layer_name(network: TensorNetwork, layer: int) -> str:
    arch = network.info.get("architecture")
    if arch is not None and 0 <= layer < arch.depth:
        return arch.layers[layer].name
    return f"layer{layer + 1}"


def _bond_layer(g, u: Hashable, v: Hashable) -> int | None:
    """The layer of the state a bond carries: the lower-level end's layer."""
    lu, lv = g.nodes[u].get("layer"), g.nodes[v].get("layer")
    if lu is None:
        return lv
    if lv is None:
        return lu
    return min(lu, lv)


def _route(tree: _Tree, lay: Layout, u: Hashable, v: Hashable) -> list[tuple[float, float]]:
    """Straight, except bonds from a W^I to its 2nd, 3rd ... source and from the output."""
    a, b = lay.nodes[u], lay.nodes[v]
    # orient parent -> child
    if tree.parent.get(v) != u:
        a, b = b, a
    kids = tree.children.get(a.name, [])
    child_block = tree.block_of(b.name) if b.kind not in ("input", "output") else None
    if a.kind == "output":
        i = kids.index(child_block)
        x = a.x + SIDE * i
        pts = [(b.x, b.y), (x, b.y), (x, a.y)] + ([(a.x, a.y)] if i else [])
    elif child_block in kids and len(kids) > 1 and child_block != kids[0]:
        i = kids.index(child_block)
        x = a.x + SIDE * i + 0.05
        pts = [(b.x, b.y), (x, b.y), (x, a.y), (a.x, a.y)]
    else:
        pts = [(b.x, b.y), (a.x, a.y)]
    if (b.name, a.name) != (u, v):
        pts.reverse()
    return pts


# ---------------------------------------------------------------- any network
def _layered(network: TensorNetwork) -> Layout:
    g = network.graph
    lay = Layout(style="layered")
    legs = sorted(network.legs.values(), key=lambda leg: (leg.step, leg.copy or 0, leg.name))
    step_x = 0.65
    leg_x = {leg.name: LEFT + step_x * i for i, leg in enumerate(legs)}
    tensors = network.tensors
    # levels: distance from the nearest tensor with a leg
    level: dict[Hashable, int] = {}
    frontier = [t for t in tensors if any(g.nodes[n]["kind"] == "input" for n in g.neighbors(t))]
    for t in frontier:
        level[t] = 1
    while frontier:
        nxt = []
        for t in frontier:
            for n in g.neighbors(t):
                if g.nodes[n]["kind"] != "input" and n not in level:
                    level[n] = level[t] + 1
                    nxt.append(n)
        frontier = nxt
    for t in tensors:
        level.setdefault(t, 1)
    x: dict[Hashable, float] = dict(leg_x)
    rank = {t: i for i, t in enumerate(tensors)}
    by_level: dict[int, list[Hashable]] = {}
    for t in tensors:
        by_level.setdefault(level[t], []).append(t)
    for lv in sorted(by_level):
        for t in by_level[lv]:
            below = [x[n] for n in g.neighbors(t) if n in x and (n in leg_x or level.get(n, 0) < lv)]
            x[t] = sum(below) / len(below) if below else LEFT
        row = sorted(by_level[lv], key=lambda t: (x[t], rank[t]))
        for i in range(1, len(row)):  # keep neighbours apart, then recentre
            x[row[i]] = max(x[row[i]], x[row[i - 1]] + step_x)
    level_y = 0.75
    for leg in legs:
        lay.nodes[leg.name] = NodeBox(leg.name, "input", leg_x[leg.name], 0.0,
                                      node_label(g.nodes[leg.name], leg.name), None, leg.step, None,
                                      leg.copy)
    for t in tensors:
        a = g.nodes[t]
        lay.nodes[t] = NodeBox(t, a["kind"], x[t], level_y * level[t] - 0.25, node_label(a, t),
                               a.get("role"), a.get("step"), a.get("layer"), a.get("copy"))
    order = {t: i for i, t in enumerate(sorted(tensors, key=lambda t: (level[t], x[t])))}
    for bond in network.bonds.values():
        u, v = bond.nodes
        a, b = lay.nodes[u], lay.nodes[v]
        pts = [(a.x, a.y), (b.x, b.y)]
        if abs(a.y - b.y) < 1e-9 and abs(order[u] - order[v]) > 1:  # would run through others: arc
            lift = 0.12 + 0.06 * abs(order[u] - order[v])
            pts = [(a.x + (b.x - a.x) * s, a.y + lift * 4 * s * (1 - s)) for s in
                   (0, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 1)]
        lay.edges.append(EdgePath(bond.name, (u, v), bond.dim, pts))
    for leg in legs:
        a, b = lay.nodes[leg.name], lay.nodes[leg.tensor]
        lay.edges.append(EdgePath(leg.name, (leg.name, leg.tensor), leg.dim,
                                  [(a.x, a.y), (b.x, b.y)], leg=True))
    lay.shift(0.0, BOTTOM + 0.2)
    lay.width = max(n.x for n in lay.nodes.values()) + RIGHT
    top = max(max(n.y for n in lay.nodes.values()), max(y for e in lay.edges for _, y in e.points))
    lay.height = top + 0.35
    return lay


# ---------------------------------------------------------------- 2-D lattices
PITCH_LATTICE = 1.15  # one lattice step
LATTICE_LEG = 0.4  # an open leg points down and right from its tensor
MAX_GRID = 400  # largest lattice recognised from the graph alone


def grid_positions(network: TensorNetwork) -> dict[Hashable, tuple[int, int]] | None:
    """``(row, column)`` of every tensor of a network that is a 2-D grid, else None.

    Positions come from ``row`` and ``col`` node attributes when every tensor has them;
    otherwise the tensors and their bonds are matched to an ``r × c`` grid graph (``r, c >= 2``,
    networkx's VF2++ isomorphism), and of the grid's symmetries the one that reads the
    tensors in their order row by row is kept (``lattice_2d``'s site ``s<r>.<c>`` lands on
    row ``r``, column ``c``).

    >>> from tnrank.networks.examples import lattice_2d, mps
    >>> grid_positions(lattice_2d(2, 3))["s1.2"]
    (1, 2)
    >>> grid_positions(mps(6)) is None                # a chain is not drawn as a lattice
    True
    """
    import networkx as nx  # networkx is loaded with the network already

    g = network.graph
    tensors = network.tensors
    attrs = [(g.nodes[t].get("row"), g.nodes[t].get("col")) for t in tensors]
    if all(isinstance(r, int) and isinstance(c, int) for r, c in attrs):
        if len(set(attrs)) == len(attrs):
            return dict(zip(tensors, attrs, strict=True))
        return None
    n = len(tensors)
    if n < 4 or n > MAX_GRID:
        return None
    simple = nx.Graph()
    simple.add_nodes_from(tensors)
    pairs = [b.nodes for b in network.bonds.values()]
    simple.add_edges_from(pairs)
    if simple.number_of_edges() != len(pairs) or not nx.is_connected(simple):
        return None  # a double bond or a self-loop, or two pieces: not a grid
    for rows in range(2, math.isqrt(n) + 1):
        if n % rows:
            continue
        cols = n // rows
        if simple.number_of_edges() != rows * (cols - 1) + cols * (rows - 1):
            continue
        match = nx.vf2pp_isomorphism(simple, nx.grid_2d_graph(rows, cols))
        if match is None:
            continue
        order = {t: i for i, t in enumerate(tensors)}
        best = None
        for transpose in (False, True):
            for flip_r in (False, True):
                for flip_c in (False, True):
                    R, C = (cols, rows) if transpose else (rows, cols)
                    pos = {}
                    for t, (i, j) in match.items():
                        i, j = (j, i) if transpose else (i, j)
                        pos[t] = (R - 1 - i if flip_r else i, C - 1 - j if flip_c else j)
                    key = tuple(pos[t][0] * C + pos[t][1] for t in sorted(pos, key=order.get))
                    if best is None or key < best[0]:
                        best = (key, pos)
        assert best is not None
        return best[1]
    return None


def _lattice(network: TensorNetwork, grid: dict[Hashable, tuple[int, int]]) -> Layout:
    """Tensors on their lattice (row 0 at the top), one lattice step apart; open legs point
    down and right, several legs of one tensor fanned out."""
    g = network.graph
    lay = Layout(style="lattice")
    rows = max(r for r, _ in grid.values()) + 1
    x0, y0 = 0.6, BOTTOM + LATTICE_LEG + 0.45
    for t, (r, c) in grid.items():
        a = g.nodes[t]
        lay.nodes[t] = NodeBox(t, a["kind"], x0 + PITCH_LATTICE * c, y0 + PITCH_LATTICE * (rows - 1 - r),
                               node_label(a, t), a.get("role"), a.get("step"), a.get("layer"), a.get("copy"))
    for bond in network.bonds.values():
        u, v = bond.nodes
        a, b = lay.nodes[u], lay.nodes[v]
        lay.edges.append(EdgePath(bond.name, (u, v), bond.dim, [(a.x, a.y), (b.x, b.y)]))
    by_tensor: dict[Hashable, list] = {}
    for leg in network.legs.values():
        by_tensor.setdefault(leg.tensor, []).append(leg)
    for t, legs in by_tensor.items():
        w = lay.nodes[t]
        for i, leg in enumerate(legs):
            angle = math.radians(-45 - 25 * (i - (len(legs) - 1) / 2))
            reach = LATTICE_LEG * math.sqrt(2)
            x, y = w.x + reach * math.cos(angle), w.y + reach * math.sin(angle)
            lay.nodes[leg.name] = NodeBox(leg.name, "input", x, y, node_label(g.nodes[leg.name], leg.name),
                                          None, leg.step, None, leg.copy, anchor="right")
            lay.edges.append(EdgePath(leg.name, (leg.name, t), leg.dim, [(x, y), (w.x, w.y)], leg=True))
    lay.width = max(n.x for n in lay.nodes.values()) + RIGHT
    lay.height = max(n.y for n in lay.nodes.values()) + 0.45
    return lay


def network_layout(network: TensorNetwork) -> Layout:
    """Positions for drawing ``network``.

    Unrolled circuits (with the node attributes :func:`~tnrank.networks.unrolling.unroll`
    sets) get the time-by-layer layout, folded into columns or lines when it would be more
    than about :data:`MAX_ASPECT` times taller than wide or wider than tall; 2-D grids
    (:func:`grid_positions`, e.g. PEPS) are drawn on their lattice; other networks get the
    layered layout.

    Raises
    ------
    TnrankError
        When the drawing would exceed :data:`MAX_TENSORS` tensors or
        :data:`MAX_WIDTH` × :data:`MAX_HEIGHT` inches.

    Examples
    --------
    >>> from tnrank import Architecture, unroll
    >>> lay = network_layout(unroll(Architecture.rac(depth=2, width=3, M=3), T=4))
    >>> lay.style, lay.rows                     # the layer-2 chain and 4 copies of layer 1's
    ('unrolled', 5)
    >>> x = {n: box.x for n, box in lay.nodes.items()}
    >>> x["delta[0,layer2]#0"] < x["delta[1,layer2]#0"] < x["delta[2,layer2]#0"]
    True
    """
    n_tensors = len(network.tensors)
    if n_tensors == 0:
        raise TnrankError(f"{network.name or 'the network'} has no tensors; there is nothing to draw")
    if n_tensors > MAX_TENSORS:
        raise TnrankError(_too_large(network, f"{n_tensors:,} tensors (more than {MAX_TENSORS:,})"))
    if _is_unrolled(network):
        T = max(network.steps) + 1 if network.legs else 1
        lay = _unrolled(network, T)
    elif (grid := grid_positions(network)) is not None:
        lay = _lattice(network, grid)
    else:
        lay = _layered(network)
    lay.scale(SCALE)
    if lay.width > MAX_WIDTH or lay.height > MAX_HEIGHT:
        raise TnrankError(_too_large(network, f"a {lay.width:.1f} × {lay.height:.1f} inch drawing "
                                     f"(more than {MAX_WIDTH:.0f} × {MAX_HEIGHT:.0f})"))
    return lay


def _too_large(network: TensorNetwork, what: str) -> str:
    return (f"{network.name or 'the network'} is too large to draw legibly: {what}; draw the "
            "folded cell with `compact=True`, or use a smaller `T`")


# ---------------------------------------------------------------- the folded cell
def cell_layout(architecture: Architecture) -> Layout:
    """Positions for the folded recurrent cell of an architecture (one step).

    Each layer is a copy tensor (or merge) with its ``W^I`` below and its
    ``W^H`` to the right, fed back by a loop marked ``t-1``; the input leg is
    at the bottom and the output at the top right. Layers are stacked bottom
    to top in the order their sources allow.

    Nodes are named ``delta[<layer>]``, ``WI[<layer>]``, ``WH[<layer>]``,
    ``x`` and ``out``; bonds ``b:<node>-<node>``.

    >>> from tnrank import Architecture
    >>> lay = cell_layout(Architecture.rac(depth=2, width=3, M=3))
    >>> lay.nodes["x"].y < lay.nodes["WI[layer1]"].y < lay.nodes["delta[layer2]"].y < lay.nodes["out"].y
    True
    """
    from tnrank.model.architecture import INPUT, Architecture

    if not isinstance(architecture, Architecture):
        raise TnrankError("the folded cell needs an Architecture (e.g. Architecture.rac(depth, width, M))")
    arch = architecture
    lay = Layout(style="cell")
    level = {k: i for i, k in enumerate(arch.order)}
    lanes = sum(1 for k, ly in enumerate(arch.layers) for src in ly.sources
                if (src == INPUT and level[k] > 0)
                or (src != INPUT and level[arch.index(src)] != level[k] - 1))
    longest = max(len(ly.name) for ly in arch.layers)
    x0 = 0.4 + 0.068 * longest + 0.25 + 0.14 * (lanes + 1) * bool(lanes)
    gap = 1.05
    y_of = {k: 0.95 + gap * level[k] for k in range(arch.depth)}
    lay.nodes["x"] = NodeBox("x", "input", x0, 0.3, "$x^t$")
    for k, layer in enumerate(arch.layers):
        y = y_of[k]
        kind = "delta" if layer.integration == "multiplicative" else "merge"
        d, wi, wh = f"delta[{layer.name}]", f"WI[{layer.name}]", f"WH[{layer.name}]"
        lay.nodes[d] = NodeBox(d, kind, x0, y, node_label({"kind": kind, "role": layer.integration}, d),
                               layer.integration, None, k)
        lay.nodes[wi] = NodeBox(wi, "weight", x0, y - 0.3, "$W^I$", "input", None, k)
        lay.nodes[wh] = NodeBox(wh, "weight", x0 + 0.5, y, "$W^H$", "hidden", None, k)
        r = layer.width
        lay.edges.append(EdgePath(f"b:{wi}-{d}", (wi, d), r, [(x0, y - 0.3), (x0, y)], layer=k))
        lay.edges.append(EdgePath(f"b:{wh}-{d}", (wh, d), r, [(x0 + 0.5, y), (x0, y)], layer=k))
        loop = [(x0, y), (x0, y + 0.2), (x0 + 0.82, y + 0.2), (x0 + 0.82, y), (x0 + 0.5, y)]
        lay.edges.append(EdgePath(f"loop:{layer.name}", (d, wh), r, loop, layer=k))
    # sources: straight up from the layer just below; other sources (skips) run up lanes on the
    # left, shorter spans nearer the column, entering their W^I at staggered heights
    xin = lay.nodes["x"]
    skips: list[tuple[float, float, int, str, int]] = []  # (from y, to y, layer, source, entry)
    for k, layer in enumerate(arch.layers):
        wi = f"WI[{layer.name}]"
        y = y_of[k] - 0.3
        entry = 0
        for src in layer.sources:
            if src == INPUT and level[k] == 0:
                lay.edges.append(EdgePath(f"b:x-{wi}", ("x", wi), arch.M, [(xin.x, xin.y), (x0, y)],
                                          leg=True))
            elif src != INPUT and level[arch.index(src)] == level[k] - 1:
                j = arch.index(src)
                lay.edges.append(EdgePath(f"b:delta[{src}]-{wi}", (f"delta[{src}]", wi), arch.widths[j],
                                          [(x0, y_of[j]), (x0, y)], layer=j))
            else:
                y_from = xin.y + 0.12 if src == INPUT else y_of[arch.index(src)] + 0.38
                skips.append((y_from, y, k, src, entry))
                entry += 1
    lane_spans: list[list[tuple[float, float]]] = []
    for y_from, y_to, k, src, entry in sorted(skips, key=lambda s: (s[1] - s[0], s[2])):
        lane = next((i for i, spans in enumerate(lane_spans)
                     if all(y_to + 0.05 < a or y_from - 0.05 > b for a, b in spans)), len(lane_spans))
        if lane == len(lane_spans):
            lane_spans.append([])
        lane_spans[lane].append((y_from, y_to))
        xl = x0 - 0.24 - 0.14 * lane
        n_entries = sum(1 for sk in skips if sk[2] == k)
        y_in = y_to + 0.06 * (entry - (n_entries - 1) / 2)
        wi = f"WI[{arch.layers[k].name}]"
        if src == INPUT:
            pts = [(xin.x, xin.y), (xin.x, y_from), (xl, y_from), (xl, y_in), (x0, y_in)]
            lay.edges.append(EdgePath(f"b:x-{wi}", ("x", wi), arch.M, pts, leg=True))
        else:
            j = arch.index(src)
            pts = [(x0, y_of[j]), (x0, y_from), (xl, y_from), (xl, y_in), (x0, y_in)]
            lay.edges.append(EdgePath(f"b:delta[{src}]-{wi}", (f"delta[{src}]", wi), arch.widths[j], pts,
                                      layer=j))
    top = max(y_of.values())
    lay.nodes["out"] = NodeBox("out", "output", x0 + 1.25, top + 0.55, "$w^O$", "output")
    for i, name in enumerate(arch.output):
        k = arch.index(name)
        d = f"delta[{name}]"
        yd = y_of[k]
        if yd == top:
            pts = [(x0, yd), (x0, top + 0.55), (x0 + 1.25, top + 0.55)]
        else:
            xr = x0 + 1.1 + 0.14 * i
            pts = [(x0, yd), (x0, yd + 0.38), (xr, yd + 0.38), (xr, top + 0.55)]
        lay.edges.append(EdgePath(f"b:{d}-out", (d, "out"), arch.widths[k], pts, layer=k))
    label_x = x0 - 0.22 - 0.14 * (len(lane_spans) + 1) * bool(lane_spans)
    lay.row_labels = [(label_x, y_of[k], arch.layers[k].name) for k in range(arch.depth)]
    lay.width = x0 + 1.7
    lay.height = top + 0.85
    lay.scale(CELL_SCALE)
    return lay
