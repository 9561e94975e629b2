"""The layout of an unrolled circuit: time left to right, each layer reading the layer below.

Unrolled circuits (:func:`tnrank.networks.unrolling.unroll`) follow the conventions of
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
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import TYPE_CHECKING

from tnrank.networks.dimensions import bond_layer
from tnrank.presentation.layouts.base import (
    BOTTOM,
    LEFT,
    MIN_WIDTH,
    RIGHT,
    SCALE,
    Band,
    EdgePath,
    Layout,
    NodeBox,
    node_label,
    state_label,
)

if TYPE_CHECKING:
    from tnrank.networks.graph import TensorNetwork

__all__ = ["is_unrolled", "unrolled_layout", "fold_copies", "MAX_ASPECT", "HEADER"]

# geometry of unrolled networks (inches, before SCALE)
COLUMN = 0.86  # one time step
TO_WI = 0.33  # copy tensor to the W^I below it
LEG_END = 0.58  # copy tensor to the end of an open leg
PITCH_LEGS = 0.8  # row to row, when the upper row has open legs
PITCH = 0.66  # row to row otherwise
SIDE = 0.26  # offset of the 2nd, 3rd ... source bond of one W^I

#: Longest side over shortest that a folded drawing aims at, its header included.
MAX_ASPECT = 2.0
#: Height (inches) set aside for a figure's title, lines and key when a drawing's aspect
#: ratio is judged.
HEADER = 1.7
TRACK = 0.12  # spacing of the bonds that run over to a folded column of copies
FOLD_GAP = 0.35  # between two columns of copies
LINE = 1.3  # one line of a wrapped chain to the next
INDENT = 0.3  # of the 2nd, 3rd ... line of a wrapped chain: room for the name of the state it continues


def is_unrolled(network: TensorNetwork) -> bool:
    """True when ``network`` is an unrolled circuit: an output ``out``, every other tensor a
    copy tensor, merge, weight or initial term carrying its step, layer and copy (the node
    attributes :func:`tnrank.networks.unrolling.unroll` sets), and the whole a tree.

    >>> from tnrank import Architecture, unroll
    >>> from tnrank.networks.examples import mps
    >>> is_unrolled(unroll(Architecture.rac(depth=2, width=2, M=2), T=4)), is_unrolled(mps(4))
    (True, False)
    """
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
        order: list[Hashable] = ["out"]
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


def unrolled_layout(network: TensorNetwork) -> Layout:
    """Positions for an unrolled circuit (:func:`is_unrolled`): one row per copy of a layer's
    chain, copies on bands, folded into columns or wrapped onto lines when the figure would be
    more than about :data:`MAX_ASPECT` times taller than wide or wider than tall.

    Examples
    --------
    >>> from tnrank import Architecture, unroll
    >>> lay = unrolled_layout(unroll(Architecture.rac(depth=2, width=3, M=3), T=4))
    >>> lay.style, lay.rows, len(lay.bands)     # the layer-2 chain and 4 copies of layer 1's
    ('unrolled', 5, 4)
    """
    T = max(network.steps) + 1 if network.legs else 1
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
        moved = fold_copies(lay)
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
        edge = EdgePath(bond.name, (u, v), bond.dim, [], layer=bond_layer(network, u, v))
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
    lay.scale(SCALE)
    return lay


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


def fold_copies(lay: Layout) -> dict[Hashable, tuple[float, float]]:
    """Set the stack of copies the top row reads (the bands of level 1) in columns side by side
    when the drawing is too tall for its width. The bond to a copy in the 2nd, 3rd ... column
    runs down from its reader to a track above the copies, along it, and down to the copy's
    root; later copies take higher tracks, so no two bonds cross. Returns the moved roots with
    the height of their track and their x before the move."""
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
    step_a, step_b = a.step, b.step
    assert step_a is not None and step_b is not None  # wrapped bonds join two steps
    if step_a > step_b:
        a, b, step_a = b, a, step_b
    stub = 0.3
    pts = [(a.x, a.y), (a.x + stub, a.y), (b.x - stub, b.y), (b.x, b.y)]
    if edge.nodes[0] != a.name:
        pts.reverse()
    edge.points = pts
    edge.gap = 1
    edge.marker = state_label(step_a, a.layer or 0)


def _layer_name(network: TensorNetwork, layer: int) -> str:
    arch = network.info.get("architecture")
    if arch is not None and 0 <= layer < arch.depth:
        return arch.layers[layer].name
    return f"layer{layer + 1}"


def _route(tree: _Tree, lay: Layout, u: Hashable, v: Hashable) -> list[tuple[float, float]]:
    """Straight, except bonds from a W^I to its 2nd, 3rd ... source and from the output."""
    a, b = lay.nodes[u], lay.nodes[v]
    # orient parent -> child
    if tree.parent.get(v) != u:
        a, b = b, a
    kids = tree.children.get(a.name, [])
    child_block = tree.block_of(b.name) if b.kind not in ("input", "output") else None
    if a.kind == "output":
        assert child_block is not None  # the output's children are blocks
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
