"""The layout of any other network: open legs at the bottom, tensors in levels above them.

Open legs sit at the bottom in step order; each tensor sits at its distance (in bonds) from
the nearest tensor with an open leg, and each level is ordered by the mean position of its
neighbours below. A bond between two tensors of one level that would run through others is
drawn as an arc.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from tnrank.presentation.layouts.base import BOTTOM, LEFT, RIGHT, SCALE, EdgePath, Layout, NodeBox, node_label

if TYPE_CHECKING:
    from tnrank.networks.graph import TensorNetwork

__all__ = ["layered_layout"]

def layered_layout(network: TensorNetwork) -> Layout:
    """Positions for any network: open legs at the bottom in step order, tensors in levels
    above them by their distance from the legs.

    Examples
    --------
    >>> from tnrank.networks.examples import binary_tree
    >>> lay = layered_layout(binary_tree(2))
    >>> lay.style, lay.nodes["n0.0"].y > lay.nodes["n1.0"].y > lay.nodes["n2.0"].y
    ('layered', True)
    """
    g = network.graph
    lay = Layout(style="layered")
    legs = sorted(network.legs.values(), key=lambda leg: (leg.step, leg.copy or 0, leg.name))
    step_x = 0.65
    leg_x: dict[Hashable, float] = {leg.name: LEFT + step_x * i for i, leg in enumerate(legs)}
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
    lay.scale(SCALE)
    return lay
