"""What every layout produces: boxes for nodes, polylines for bonds, bands, and the shared sizes.

Coordinates are in inches, ``x`` to the right and ``y`` up, so a drawing is the layout at
scale 1. A layout is computed at a base size and enlarged by :data:`SCALE` (:data:`CELL_SCALE`
for the folded cell), which sets the size of the geometry relative to the type
(:mod:`tnrank.presentation.draw` sizes its text for it).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field

__all__ = [
    "NodeBox",
    "EdgePath",
    "Band",
    "Layout",
    "node_label",
    "cell_node_label",
    "state_label",
    "SCALE",
    "CELL_SCALE",
    "MIN_WIDTH",
    "LEFT",
    "RIGHT",
    "BOTTOM",
]

#: Every layout is computed at a base size and enlarged by this factor, which sets the size
#: of the geometry relative to the type (:mod:`tnrank.presentation.draw` sizes its text for it).
SCALE = 1.1
#: The same for the folded cell, whose parts sit closer together.
CELL_SCALE = 1.3
#: Narrowest figure (inches): room for the title and the key.
MIN_WIDTH = 6.0
#: Margin left of the first column (row labels), in inches before :data:`SCALE`.
LEFT = 1.3
#: Margin right of the last column (output), in inches before :data:`SCALE`.
RIGHT = 0.85
#: Margin below the lowest node, in inches before :data:`SCALE`.
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


def _math_name(name: str) -> str:
    return name.replace("_", r"\_")


#: What the node of a cell's operation shows (copy tensors are dots and show nothing).
OPERATION_LABELS = {"add": "+", "sub": "−", "neg": "−1", "outer": r"$\otimes$", "matvec": "@",
                    "vecmat": "@", "dot": r"$\cdot$", "rows": "rows", "cols": "cols",
                    "concat": "[ ; ]"}


def cell_node_label(attrs: dict) -> str:
    """The text drawn on a node of a cell's operation: its weight (``A``, ``Aᵀ`` for ``v @ A``,
    ``A_U``/``A_V`` for the factors of a low-rank weight), the sign of a sum, the symbol of an
    operation, a constant's value, ``h⁰`` for a learned initial state."""
    kind, role = attrs.get("kind"), attrs.get("role")
    if kind == "initial":
        state = _math_name(str(attrs.get("state", "h")))
        return {"ones": "$1$", "zeros": "$0$"}.get(str(role), f"${state}^0$")
    if kind == "weight":
        name = _math_name(str(attrs.get("weight", "")))
        part = attrs.get("part", "")
        if part in ("U", "V"):
            name += f"_{part}"
        return f"${name}^T$" if role == "apply_t" and part != "d" else f"${name}$"
    if role == "const":
        return str(attrs.get("value", ""))
    return OPERATION_LABELS.get(str(role), "")


def node_label(attrs: dict, name: Hashable) -> str:
    """The text drawn on a node of an unrolled network."""
    if "op" in attrs or "state" in attrs:
        return cell_node_label(attrs)
    kind, role = attrs.get("kind"), attrs.get("role")
    if kind == "weight":
        return "$W^I$" if role == "input" else "$W^H$"
    if kind == "initial":
        return {"ones": "$1$", "zeros": "$0$", "state": "$h^0$"}.get(str(role), "")
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
