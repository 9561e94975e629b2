"""The layout of a 2-D grid (PEPS): tensors on their lattice, neighbours one lattice step apart.

A network is drawn as a lattice when its tensors carry ``row`` and ``col`` attributes, or
when its tensors and bonds form an ``r × c`` grid graph (:func:`grid_positions`). Open legs
point down and right from their tensor.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import TYPE_CHECKING

from tnrank.errors import TnrankError
from tnrank.presentation.layouts.base import BOTTOM, RIGHT, SCALE, EdgePath, Layout, NodeBox, node_label

if TYPE_CHECKING:
    from tnrank.networks.graph import TensorNetwork

__all__ = ["grid_positions", "lattice_layout", "MAX_GRID"]

PITCH_LATTICE = 1.15  # one lattice step
LATTICE_LEG = 0.4  # an open leg points down and right from its tensor
MAX_GRID = 400  # largest lattice recognised from the graph alone


def grid_positions(network: TensorNetwork) -> dict[Hashable, tuple[int, int]] | None:
    """``(row, column)`` of every tensor of a network that is a 2-D grid, else None.

    Positions come from ``row`` and ``col`` node attributes when every tensor has them;
    otherwise the tensors and their bonds are matched to an ``r × c`` grid graph (``r, c >= 2``,
    networkx's VF2++ isomorphism), and of the grid's symmetries the one that reads the
    tensors in their order row by row is kept (``lattice_2d``'s site ``s<r>.<c>`` lands on
    row ``r``, column ``c``). The positions are listed in the network's order of tensors, so a
    drawing does not depend on the order in which the matcher found them.

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
                    key = tuple(pos[t][0] * C + pos[t][1] for t in sorted(pos, key=order.__getitem__))
                    if best is None or key < best[0]:
                        best = (key, pos)
        assert best is not None
        return {t: best[1][t] for t in tensors}  # in the network's order, not the matcher's
    return None


def lattice_layout(network: TensorNetwork, grid: dict[Hashable, tuple[int, int]] | None = None) -> Layout:
    """Tensors on their lattice (row 0 at the top), one lattice step apart; open legs point
    down and right, several legs of one tensor fanned out.

    Parameters
    ----------
    network : TensorNetwork
    grid : dict, optional
        ``(row, column)`` of every tensor; default :func:`grid_positions`.

    Raises
    ------
    TnrankError
        When ``grid`` is not given and the network is not a 2-D grid.

    Examples
    --------
    >>> from tnrank.networks.examples import lattice_2d
    >>> lay = lattice_layout(lattice_2d(2, 3))
    >>> lay.style, lay.nodes["s0.0"].y > lay.nodes["s1.0"].y, lay.nodes["s0.0"].x < lay.nodes["s0.1"].x
    ('lattice', True, True)
    """
    if grid is None:
        grid = grid_positions(network)
        if grid is None:
            raise TnrankError(f"{network.name or 'the network'} is not a 2-D grid; draw it with "
                              "network_layout")
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
    lay.scale(SCALE)
    return lay
