r"""Network diagrams: unrolled circuits, their min-cuts, and folded recurrent cells.

Drawings follow the field's conventions (Levine et al., arXiv:1710.09431,
Figs. 3-4): time runs left to right, layers bottom to top, open legs hang at
the bottom labelled :math:`x^1, \dots, x^T` (start and end legs coloured apart),
weight matrices are boxes, copy tensors :math:`\delta` are dots and the output
:math:`w^O` is at the top right. Copies of a duplicated sub-network lie on shaded bands;
deep or long networks are folded to about 2:1 and 2-D grids drawn on their lattice (see
:mod:`tnrank.presentation.layouts` for the layouts). Labels are :data:`FONT` points, sized
for the docs' column (:func:`shown_size`).

A drawing is told what to highlight, as quimb's ``draw(highlight_inds=...)``: given a
:class:`~tnrank.networks.mincut.MinCut` (found by :func:`tnrank.networks.mincut.min_cut`), its
bonds are drawn thick and red and its bound is written on the figure in the network's named
dimensions (:func:`tnrank.networks.dimensions.cut_formula`); given bond names, those bonds are
drawn so. Nothing here computes a cut.

matplotlib is imported only when drawing. Files are reproducible byte for
byte (:func:`tnrank.presentation.plot.save_figure`), and SVG files are structured: every
node is one ``<g class="node …">`` and every bond one ``<g class="edge …">``
(``cut`` added for the bonds of a min-cut, ``highlight`` for bonds highlighted by name), with
the network's names in ``data-name`` attributes.
"""

from __future__ import annotations

import html
import io
import math
import os
import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tnrank.errors import TnrankError
from tnrank.formatting import format_names
from tnrank.model.partition import Partition
from tnrank.networks.dimensions import cut_formula
from tnrank.networks.graph import TensorNetwork
from tnrank.networks.mincut import MinCut
from tnrank.networks.unrolling import unroll
from tnrank.presentation.layouts.base import MIN_WIDTH, Layout
from tnrank.presentation.layouts.cell import cell_layout
from tnrank.presentation.layouts.network import check_drawable, network_layout
from tnrank.presentation.layouts.program import program_layout
from tnrank.presentation.plot import check_figure_path, save_figure
from tnrank.safe_files import atomic_write

if TYPE_CHECKING:
    from tnrank.model.architecture import Architecture

__all__ = ["Drawing", "draw_network", "draw_cell", "draw_architecture", "network_svg",
           "LABEL_ALL_BONDS", "COLORS", "FONT", "COLUMN_WIDTH", "shown_size"]

#: Every bond gets its dimension written on it up to this many tensors; larger
#: drawings name every dimension once, in the header's ``bond dimensions`` line.
LABEL_ALL_BONDS = 400
#: The colours of start and end legs (Okabe-Ito blue and orange), the cut, boxes and bands.
COLORS: dict[str, Any] = {  # a colour, or a pair of them for alternating bands
    "start": "#0072B2",
    "end": "#D55E00",
    "cut": "#CC0022",
    "bond": "#3a3a3a",
    "input-weight": "#DDEBF7",
    "hidden-weight": "#FCE9D9",
    "initial": "#EEEEEE",
    "output": "#E4F2E4",
    "cell-weight": "#E9E3F5",
    "band": ("#EEF3FA", "#F7F1E8"),
    "band-nested": ("#DCE6F2", "#EDE3D2"),
}
#: Type size of node labels, in points; bond dimensions and row names are a little smaller.
#: A drawing no wider than the docs' column (:data:`COLUMN_WIDTH`) shows at its drawn size,
#: so its labels read at about the 12 pt of the body text around it.
FONT = 11
#: Width of the docs' content column (inches at 96 px per inch: 753 px, docs/_static/tnrank.css).
COLUMN_WIDTH = 753 / 96
_KEY_COLUMN = 2.6


def shown_size(points: float, width: float) -> float:
    """The size, in points, that text of ``points`` has when a figure ``width`` inches wide is
    placed in the docs' column: figures wider than :data:`COLUMN_WIDTH` are shrunk to fit it
    (``max-width: 100%`` in docs/_static/tnrank.css), narrower ones show at their drawn size."""
    return points * min(1.0, COLUMN_WIDTH / width)


def _key_columns(width: float, entries: int) -> int:
    return max(1, min(entries, int((width - 0.3) // _KEY_COLUMN)))


def _header_height(width: float, lines: int, entries: int) -> float:
    rows = math.ceil(entries / _key_columns(width, entries)) if entries else 0
    return 0.45 + 0.27 * lines + 0.22 * rows


@dataclass
class Drawing:
    """A drawn network: the matplotlib figure, its layout, and the SVG structure.

    Attributes
    ----------
    figure
        The matplotlib figure.
    layout : Layout
        Positions of nodes and paths of bonds, in inches
        (:class:`tnrank.presentation.layouts.base.Layout`).
    cut : MinCut or None
        The cut drawn, if one was given (:class:`tnrank.networks.mincut.MinCut`).
    bound_text : str
        The bound written on the figure (empty without a cut).
    """

    figure: Any
    layout: Layout
    cut: MinCut | None = None
    bound_text: str = ""
    _attrs: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the figure; the format (``.svg``, ``.png``, ``.pdf``) follows the suffix.

        SVG files get ``class`` and ``data-*`` attributes on every node and bond group.
        """
        if Path(path).suffix.lower() == ".svg":
            p = check_figure_path(path)
            atomic_write(p, self.svg())
            return p
        return save_figure(self.figure, path)

    def svg(self) -> str:
        """The SVG text, with the same bytes :meth:`save` writes."""
        import matplotlib

        buf = io.StringIO()
        with matplotlib.rc_context({"svg.hashsalt": "tnrank", "svg.fonttype": "path"}):
            self.figure.savefig(buf, format="svg", metadata={"Date": None, "Creator": "tnrank"})
        return self._annotate(buf.getvalue())

    def _repr_svg_(self) -> str:
        return self.svg()

    def _annotate(self, text: str) -> str:
        def add(match: re.Match) -> str:
            gid = match.group(1)
            attrs = self._attrs.get(gid)
            if attrs is None:
                return match.group(0)
            extra = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())
            return f'<g id="{gid}"{extra}>'

        return re.sub(r'<g id="(tn-[a-z]+-\d+)">', add, text)


# ---------------------------------------------------------------- helpers
def _mpl():
    import matplotlib  # drawing only: `import tnrank` stays free of matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure


def _side_of(partition: Partition | None, step: int | None) -> int | None:
    if partition is None or step is None:
        return None
    return partition.side_of(step)


# ---------------------------------------------------------------- drawing a layout
class _Canvas:
    """A figure whose axes are in inches, with gid-tagged artists."""

    def __init__(self, width: float, height: float, header: float) -> None:
        Figure = _mpl()
        self.width, self.height = width, height + header
        self.fig = Figure(figsize=(self.width, self.height))
        ax = self.fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, self.width)
        ax.set_ylim(0, self.height)
        ax.set_axis_off()
        self.ax = ax
        self.attrs: dict[str, dict[str, str]] = {}
        self.counter: Counter[str] = Counter()

    def fit_width(self, artists: list) -> None:
        """Widen the figure (keeping every position) so that ``artists`` fit."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(self.fig).get_renderer()
        right = max(a.get_window_extent(renderer).x1 for a in artists) / self.fig.dpi
        if right + 0.15 > self.width:
            self.width = math.ceil((right + 0.15) * 10) / 10
            self.fig.set_size_inches(self.width, self.height)
            self.ax.set_xlim(0, self.width)

    def gid(self, what: str, **attrs: Any) -> str:
        gid = f"tn-{what}-{self.counter[what]}"
        self.counter[what] += 1
        self.attrs[gid] = {k.replace("_", "-"): str(v) for k, v in attrs.items() if v is not None}
        return gid


def _render(
    canvas: _Canvas,
    layout: Layout,
    highlighted: Collection[str],
    mark: str,
    label_bonds: bool,
    partition: Partition | None,
) -> None:
    """Draw ``layout`` on the canvas; the bonds and legs named in ``highlighted`` thick and red,
    their SVG groups with the class ``mark`` (``cut`` or ``highlight``)."""
    from matplotlib.patches import Rectangle

    ax = canvas.ax
    outer = 0
    for band in layout.bands:
        gid = canvas.gid("band", **{"class": f"band level{band.level}"})
        style: dict[str, Any]
        if band.level == 1:  # the copies the top row reads: alternating tints
            style = {"facecolor": COLORS["band"][outer % 2], "edgecolor": "#c3cedb", "lw": 0.6}
            outer += 1
        else:  # copies inside a copy: lighter panels with a dashed rim
            style = {"facecolor": (1, 1, 1, 0.55), "edgecolor": "#9aa8b8", "lw": 0.6, "ls": (0, (3, 2))}
        ax.add_patch(Rectangle((band.x0, band.y0), band.x1 - band.x0, band.y1 - band.y0,
                               zorder=0 + 0.1 * band.level, gid=gid, **style))
        if band.label:
            ax.text(*band.label_at, band.label, ha="left", va="center", fontsize=FONT - 0.5,
                    color="#4a5a70", zorder=1, gid=canvas.gid("bandlabel", **{"class": "band-label"}))
    for x, y, text in layout.row_labels:
        ax.text(x, y, text, ha="right", va="center", fontsize=FONT - 0.5, color="#666666",
                zorder=1, gid=canvas.gid("rowlabel", **{"class": "row-label"}))
    for e in layout.edges:
        is_cut = e.bond in highlighted
        classes = ["edge", "leg" if e.leg else "bond"]
        color = COLORS["bond"]
        if e.leg:
            step = layout.nodes[e.nodes[0]].step
            side = _side_of(partition, step)
            if side is not None:
                classes.append("start" if side == 0 else "end")
                color = COLORS["start" if side == 0 else "end"]
        if is_cut:
            classes.append(mark)
        if e.bond.startswith("loop:"):
            classes.append("recurrent")
        gid = canvas.gid("edge", **{"class": " ".join(classes), "data_name": e.bond,
                                    "data_nodes": f"{e.nodes[0]}|{e.nodes[1]}", "data_dim": e.dim})
        pts = list(e.points)
        if e.gap is not None:  # a broken bond: two stubs, each marked with what it carries
            pts.insert(e.gap + 1, (math.nan, math.nan))
            _stub_markers(canvas, e)
        xs, ys = zip(*pts, strict=True)
        ax.plot(xs, ys, "-", color=COLORS["cut"] if is_cut else color, lw=2.6 if is_cut else 0.9,
                solid_capstyle="round", solid_joinstyle="round", zorder=4 if is_cut else 2, gid=gid)
        if e.bond.startswith("loop:"):  # an arrow into the box the loop returns to
            (xa, ya), (xb, yb) = e.points[-2], e.points[-1]
            if abs(xb - xa) >= abs(yb - ya):
                xb += 0.13 if xa > xb else -0.13
            else:
                yb += 0.11 if ya > yb else -0.11
            ax.annotate("", xy=(xb, yb), xytext=(xa, ya + 0.0001),
                        arrowprops={"arrowstyle": "-|>", "color": color, "lw": 0.9,
                                    "shrinkA": 0, "shrinkB": 0, "mutation_scale": 7}, zorder=2)
            top = e.points[2]
            ax.text(top[0] - 0.05, top[1] + 0.03, "$t-1$", ha="right", va="bottom",
                    fontsize=FONT - 1, color="#555555", zorder=3)
        if label_bonds or is_cut:
            _dim_label(canvas, layout, e, mark if is_cut else "")
    for n in layout.nodes.values():
        side = _side_of(partition, n.step) if n.kind == "input" else None
        n.side = side
        classes = ["node", n.kind] + ([n.role] if n.role and n.role != n.kind else [])
        if side is not None:
            classes.append("start" if side == 0 else "end")
        gid = canvas.gid("node", **{"class": " ".join(classes), "data_name": n.name,
                                    "data_step": n.step, "data_layer": n.layer, "data_copy": n.copy})
        if n.kind == "delta":
            ax.plot([n.x], [n.y], "o", ms=8.6, color="black", zorder=7, gid=gid)  # one SVG marker def
        elif n.kind == "input":  # the label of an open leg, right of its end
            color = "#222222" if side is None else COLORS["start" if side == 0 else "end"]
            if n.anchor == "right":
                ax.text(n.x + 0.035, n.y + 0.035, n.label, ha="left", va="center", fontsize=FONT,
                        color=color, zorder=7, gid=gid)
            elif n.anchor == "left":
                ax.text(n.x - 0.03, n.y, n.label, ha="right", va="center", fontsize=FONT,
                        color=color, zorder=7, gid=gid)
            else:
                ax.text(n.x, n.y - 0.02, n.label, ha="center", va="top", fontsize=FONT, color=color,
                        zorder=7, gid=gid)
        else:
            weight = {"input": "input-weight", "hidden": "hidden-weight"}.get(str(n.role), "cell-weight")
            fill = {"weight": COLORS[weight],
                    "initial": COLORS["initial"], "output": COLORS["output"]}.get(n.kind, "white")
            box = "circle,pad=0.18" if n.kind in ("merge", "tensor") else "square,pad=0.28"
            ax.text(n.x, n.y, n.label or " ", ha="center", va="center", fontsize=FONT - 0.5,
                    zorder=7, gid=gid, bbox={"boxstyle": box, "facecolor": fill,
                                             "edgecolor": "#222222", "linewidth": 0.7})


def _stub_markers(canvas: _Canvas, e: Any) -> None:
    """Name what a broken bond carries at both of its free ends."""
    ends = ((e.points[e.gap], e.points[e.gap - 1]), (e.points[e.gap + 1], e.points[e.gap + 2]))
    for (x, y), (xn, _yn) in sorted(ends, key=lambda end: end[0][0] < end[1][0]):
        out = x > xn  # the stub leaves its line to the right: the text follows it
        canvas.ax.text(x + (0.05 if out else -0.05), y, f"{e.marker} →", ha="left" if out else "right",
                       va="center", fontsize=FONT - 1, color="#4a5a70", zorder=6,
                       gid=canvas.gid("marker", **{"class": "continued", "data_name": e.bond}))


def _dim_label(canvas: _Canvas, layout: Layout, e: Any, mark: str) -> None:
    """Write a bond's dimension beside it: above a horizontal bond, right of a vertical one,
    left of an open leg hanging down (its name is on the right); bold and red, and its SVG
    group classed ``mark``, for a highlighted bond."""
    is_cut = bool(mark)
    x, y, orient = e.label_point()
    if e.gap is not None:  # a broken bond: above the stub that leaves its line
        first, second = (e.points[e.gap - 1], e.points[e.gap]), (e.points[e.gap + 2], e.points[e.gap + 1])
        (xa, ya), (xb, yb) = first if first[1][0] > first[0][0] else second
        x, y, orient = (xa + xb) / 2, (ya + yb) / 2, "h"
    elif e.leg and layout.style == "lattice":  # below the leg, near its free end
        (xa, ya), (xb, yb) = e.points[0], e.points[-1]
        x, y, orient = xb + 0.7 * (xa - xb) - 0.05, yb + 0.7 * (ya - yb) - 0.03, "left"
    elif e.leg and layout.style == "unrolled":
        (xa, ya), (xb, yb) = e.points[0], e.points[-1]
        if abs(xa - xb) > abs(ya - yb):  # pointing left
            x, y, orient = (xa + xb) / 2 - 0.04, ya, "h"
        else:
            x, y, orient = xa - 0.085, ya + 0.045, "left"
    elif orient == "v" and len(e.points) == 2:  # a short vertical bond: away from its box
        boxes = [layout.nodes[n].kind not in ("delta", "input") for n in e.nodes]
        if boxes[0] != boxes[1]:
            away = e.points[1 if boxes[0] else 0][1]
            y += 0.025 * (1 if away > y else -1)
    kw: dict[str, Any] = {"fontsize": FONT - 0.5 if is_cut else FONT - 1.5, "zorder": 6,
                          "color": COLORS["cut"] if is_cut else "#666666",
                          "fontweight": "bold" if is_cut else "normal",
                          "gid": canvas.gid("dim", **{"class": "dim" + (f" {mark}" if is_cut else ""),
                                                      "data_name": e.bond, "data_dim": e.dim})}
    if orient == "h":
        canvas.ax.text(x, y + 0.035, str(e.dim), ha="center", va="bottom", **kw)
    elif orient == "v":
        canvas.ax.text(x + 0.045, y, str(e.dim), ha="left", va="center", **kw)
    else:
        canvas.ax.text(x + 0.045, y, str(e.dim), ha="right", va="center", **kw)


def _header(canvas: _Canvas, title: str, lines: Iterable[tuple[str, str]], key: list[tuple]) -> None:
    """Title, coloured text lines and a key of symbols at the top of the figure; the
    figure widens when a line would not fit."""
    from matplotlib.lines import Line2D

    ax = canvas.ax
    y = canvas.height - 0.12
    artists = [ax.text(0.15, y, title, ha="left", va="top", fontsize=FONT + 2.5, fontweight="bold",
                       gid=canvas.gid("title", **{"class": "title"}))]
    y -= 0.32
    for text, color in lines:
        artists.append(ax.text(0.15, y, text, ha="left", va="top", fontsize=FONT + 1, color=color,
                               linespacing=1.3, gid=canvas.gid("bound", **{"class": "bound"})))
        y -= 0.27 * (text.count("\n") + 1)
    if key:
        handles = [Line2D([], [], **style, label=label) for label, style in key]
        legend = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.1, y),
                           bbox_transform=ax.transData, ncol=_key_columns(canvas.width, len(handles)),
                           fontsize=FONT, frameon=False, handlelength=1.8, columnspacing=1.2,
                           borderaxespad=0.0, handletextpad=0.5)
        legend.set_gid(canvas.gid("key", **{"class": "key"}))
        artists.append(legend)
    canvas.fit_width(artists)


def _cell_key_rows(layout: Layout) -> list[tuple]:
    """The symbols of a network with cells: a copy tensor, a sum, a weight, the operations."""
    roles = {n.role for n in layout.nodes.values()}
    kinds = {n.kind for n in layout.nodes.values()}
    key: list[tuple] = []
    if "delta" in kinds:
        key.append(("copy tensor δ (⊙, a diagonal weight)", {"marker": "o", "color": "black", "lw": 0,
                                                              "markersize": 5}))
    if "merge" in kinds:
        text = "sum (+, −)" if roles.isdisjoint({"additive", "general"}) else "sum or merge (+, −, MI)"
        key.append((text, {"marker": "o", "color": "#222222", "lw": 0, "markerfacecolor": "white",
                           "markersize": 7}))
    if "weight" in kinds:
        box = {"marker": "s", "color": "#222222", "lw": 0, "markersize": 8, "markeredgewidth": 0.7}
        key.append(("weight (a linear map; $A^T$: v @ A)", box | {"markerfacecolor": COLORS["cell-weight"]}))
        if "input" in roles:
            key.append(("$W^I$, $W^H$ of a RAC layer", box | {"markerfacecolor": COLORS["input-weight"]}))
    named = {"outer": "⊗ outer", "matvec": "@ matrix times vector", "vecmat": "@ matrix times vector",
             "dot": "· dot", "rows": "rows gating", "cols": "cols gating", "neg": "−1 negation",
             "concat": "[ ; ] sources", "const": "a constant"}
    shown = list(dict.fromkeys(text for role, text in named.items() if role in roles))
    if shown:
        key.append(("operation: " + ", ".join(shown), {"marker": "o", "color": "#222222", "lw": 0,
                                                        "markerfacecolor": "white", "markersize": 9}))
    initial = {n.role for n in layout.nodes.values() if n.kind == "initial"}
    if initial:
        values = {"ones": "1", "zeros": "0", "state": "learned"}
        listed = ", ".join(values[r] for r in ("ones", "zeros", "state") if r in initial)
        key.append((f"initial state ({listed})", {"marker": "s", "color": "#222222", "lw": 0,
                                                  "markersize": 8, "markeredgewidth": 0.7,
                                                  "markerfacecolor": COLORS["initial"]}))
    return key


def _key_rows(layout: Layout, partition: Partition | None, mark: str, kinds: set[str]) -> list[tuple]:
    if layout.style == "unrolled cells":
        rows = _cell_key_rows(layout)
        if partition is not None:
            rows.append(("start inputs", {"color": COLORS["start"], "lw": 1.5}))
            rows.append(("end inputs", {"color": COLORS["end"], "lw": 1.5}))
        if mark:
            rows.append(("min-cut bond" if mark == "cut" else "highlighted bond",
                         {"color": COLORS["cut"], "lw": 2.6}))
        if layout.bands:
            rows.append(("copy of a sub-network (the value it computes)",
                         {"marker": "s", "lw": 0, "markersize": 9, "markerfacecolor": COLORS["band"][0],
                          "markeredgecolor": "#c9d3df"}))
        return rows
    key: list[tuple] = []
    if "delta" in kinds:
        key.append(("copy tensor δ (⊙)", {"marker": "o", "color": "black", "lw": 0, "markersize": 5}))
    if "merge" in kinds:
        key.append(("merge: + additive, MI general", {"marker": "o", "color": "#222222", "lw": 0,
                                                      "markerfacecolor": "white", "markersize": 7}))
    if "weight" in kinds:
        box = {"marker": "s", "color": "#222222", "lw": 0, "markersize": 8, "markeredgewidth": 0.7}
        key.append(("$W^I$ input weight", box | {"markerfacecolor": COLORS["input-weight"]}))
        key.append(("$W^H$ hidden weight", box | {"markerfacecolor": COLORS["hidden-weight"]}))
    roles = {n.role for n in layout.nodes.values() if n.kind == "initial"}
    if roles:
        text = {"ones": "1", "zeros": "0", "state": "$h^0$"}
        shown = ", ".join(text[r] for r in ("ones", "zeros", "state") if r in roles)
        key.append((f"initial hidden term ({shown})", {"marker": "s", "color": "#222222", "lw": 0,
                                                       "markersize": 8, "markeredgewidth": 0.7,
                                                       "markerfacecolor": COLORS["initial"]}))
    if partition is not None:
        key.append(("start inputs", {"color": COLORS["start"], "lw": 1.5}))
        key.append(("end inputs", {"color": COLORS["end"], "lw": 1.5}))
    if mark:
        key.append(("min-cut bond" if mark == "cut" else "highlighted bond",
                    {"color": COLORS["cut"], "lw": 2.6}))
    if layout.bands:
        key.append(("copy of a sub-network ($h^{t,l}$ it computes)", {"marker": "s", "lw": 0, "markersize": 9,
                                             "markerfacecolor": COLORS["band"][0],
                                             "markeredgecolor": "#c9d3df"}))
    return key


def _dims_line(network: TensorNetwork, layout: Layout) -> str:
    """``bond dimensions: R = 3 (hidden), M = 3 (inputs)``, or the distinct dimensions."""
    arch = network.info.get("architecture")
    if arch is not None and arch.has_cells:
        return _cell_dims_line(arch, bool(network.info.get("augmented")))
    if arch is not None:
        aug = network.info.get("augmented")
        plus = " + 1" if aug else ""
        if len(set(arch.widths)) == 1:
            hidden = f"R{plus} = {arch.widths[0] + int(bool(aug))}"
        else:
            hidden = ", ".join(f"$R_{{{k + 1}}}${plus} = {w + int(bool(aug))}"
                               for k, w in enumerate(arch.widths))
        text = f"bond dimensions: {hidden} (hidden states), M{plus} = {arch.M + int(bool(aug))} (inputs)"
        if aug:
            text += "\n(the + 1: every vector carries a constant 1)"
        return text
    dims = sorted({e.dim for e in layout.edges if not e.leg})
    legs = sorted({e.dim for e in layout.edges if e.leg})
    return (f"bond dimensions: {', '.join(map(str, dims)) or '-'}; "
            f"leg dimensions: {', '.join(map(str, legs)) or '-'}")


def _cell_dims_line(arch: Architecture, aug: bool) -> str:
    """``bond dimensions: |h| + 1 = 3 (state), M + 1 = 3 (inputs); ...``: a cell's states by
    their entries, the paper's layers by their widths."""
    plus, one = (" + 1", 1) if aug else ("", 0)
    parts = []
    for k, layer in enumerate(arch.layers):
        program = arch.program(k)
        if program is None:
            parts.append(f"R{k + 1}{plus} = {layer.width + one} ({layer.name})")
            continue
        for state, st in program.states:
            label = f"{layer.name}.{state}" if arch.depth > 1 else state
            parts.append(f"|{label}|{plus} = {st.size + one}")
    text = (f"bond dimensions: {', '.join(parts)} (states), M{plus} = {arch.M + one} (inputs), "
            f"other values: entries{plus}")
    if aug:
        text += "\n(the + 1: every value carries a constant 1)"
    return text


# ---------------------------------------------------------------- public
def _resolve(network: TensorNetwork, partition: Partition | str | Iterable[int] | None,
             cut: MinCut | None) -> Partition | None:
    """The partition whose legs are coloured apart: the one given, else the cut's, else
    start-end when the number of steps is even."""
    T = len(network.steps)
    if cut is not None:
        if sorted(cut.start + cut.end) != list(range(T)) or T < 2:
            raise TnrankError(f"the cut in `highlight` splits steps {format_names(cut.start, 6)} | "
                              f"{format_names(cut.end, 6)}, not the {T} steps of the network; give "
                              "the cut of this network")
        of_cut = Partition(T, cut.start)
        if partition is None:
            return of_cut
    elif partition is None:
        return Partition.parse("start-end", T) if T >= 2 and T % 2 == 0 else None
    if T < 2:
        raise TnrankError(f"the network has {T} step(s); a partition needs two or more")
    part = Partition.parse(partition, T, legs={name: leg.step for name, leg in network.legs.items()})
    if cut is not None and part != of_cut:
        raise TnrankError("`partition` and the cut in `highlight` split the steps differently; leave "
                          "`partition` out to colour the inputs by the cut's sides")
    return part


def _highlighted(network: TensorNetwork, highlight: MinCut | Iterable[str] | None) -> set[str]:
    """The names of the bonds and legs to highlight, each checked against the network."""
    if highlight is None:
        return set()
    names = [e.bond for e in highlight.cut_edges] if isinstance(highlight, MinCut) else \
        ([highlight] if isinstance(highlight, str) else list(highlight))
    unknown = [n for n in names if n not in network.bonds and n not in network.legs]
    if unknown:
        raise TnrankError(f"`highlight` names {format_names(unknown, 4)}, not a bond or leg of "
                          f"{network.name or 'the network'}; give a cut of this network or its bond names")
    return set(names)


def draw_network(
    network: TensorNetwork,
    path: str | os.PathLike | None = None,
    *,
    partition: Partition | str | Iterable[int] | None = None,
    highlight: MinCut | Iterable[str] | None = None,
    bond_labels: bool | None = None,
    title: str | None = None,
) -> Drawing:
    """Draw a tensor network, optionally with a cut or some bonds highlighted.

    Parameters
    ----------
    network : TensorNetwork
        An unrolled circuit (:func:`tnrank.networks.unrolling.unroll`) or any network.
    path : path, optional
        Also write the figure there (``.svg``, ``.png`` or ``.pdf``).
    partition : Partition, str or iterable of int, optional
        Colours start and end legs apart; default the sides of the cut in ``highlight``, else
        ``"start-end"`` when the number of steps is even.
    highlight : MinCut or iterable of str, optional
        A cut of this network (:func:`tnrank.networks.mincut.min_cut`): its bonds are drawn
        thick and red (SVG class ``cut``) and its bound is written on the figure in the
        network's named dimensions (:func:`tnrank.networks.dimensions.cut_formula`). Or the
        names of bonds and legs to draw so (SVG class ``highlight``), with no bound.
    bond_labels : bool, optional
        Write every bond's dimension beside it; default when the network has at most
        :data:`LABEL_ALL_BONDS` tensors (the header's ``bond dimensions`` line names
        every dimension always, and highlighted bonds are always labelled).
    title : str, optional
        Default: the network's name.

    Returns
    -------
    Drawing

    Raises
    ------
    TnrankError
        When the network is too large to draw legibly (see
        :func:`tnrank.presentation.layouts.network.network_layout`), ``highlight`` names what
        the network does not have, ``partition`` disagrees with the cut's sides, or the path
        cannot be written.

    Examples
    --------
    >>> from tnrank import Architecture, unroll
    >>> from tnrank.networks.mincut import min_cut
    >>> net = unroll(Architecture.rac(depth=2, width=3, M=3), T=6)
    >>> drawing = draw_network(net, highlight=min_cut(net, "start-end"))
    >>> drawing.bound_text
    'Start-End rank ≤ min-cut = R^4 = 81'
    >>> draw_network(net, highlight=["b0"]).svg().count('class="edge bond highlight"')
    1
    """
    if not isinstance(network, TensorNetwork):
        raise TnrankError("draw_network needs a TensorNetwork (see tnrank.networks.unrolling.unroll)")
    if path is not None:
        check_figure_path(path)
    cut = highlight if isinstance(highlight, MinCut) else None
    highlighted = _highlighted(network, highlight)
    part = _resolve(network, partition, cut)
    layout = network_layout(network)
    mark = "cut" if cut is not None else "highlight" if highlighted else ""
    lines: list[tuple[str, str]] = []
    bound_text = ""
    if cut is not None:
        assert part is not None
        name = {"start-end": "Start-End rank", "interleaved": "interleaved rank"}.get(part.name, "rank")
        formula = cut_formula(cut, network)
        bound_text = f"{name} ≤ min-cut = {formula.text()}"
        lines.append((f"{name} ≤ min-cut = {formula.text(math=True)}", COLORS["cut"]))
    lines.append((_dims_line(network, layout), "#333333"))
    if part is not None:
        lines.append((f"start side: {_steps_text(part.start)}   end side: {_steps_text(part.end)}",
                      "#333333"))
    kinds = {n.kind for n in layout.nodes.values()}
    key = _key_rows(layout, part, mark, kinds)
    width = max(layout.width, MIN_WIDTH)
    header = _header_height(width, sum(text.count("\n") + 1 for text, _ in lines), len(key))
    canvas = _Canvas(width, layout.height, header)
    if bond_labels is None:
        bond_labels = len(network.tensors) <= LABEL_ALL_BONDS
    _render(canvas, layout, highlighted, mark, bond_labels, part)
    _header(canvas, title if title is not None else (network.name or "tensor network"), lines, key)
    drawing = Drawing(canvas.fig, layout, cut, bound_text, canvas.attrs)
    if path is not None:
        drawing.save(path)
    return drawing


def _steps_text(steps: tuple[int, ...]) -> str:
    """1-based input names: ``x^1..x^3`` or a list."""
    ones = [s + 1 for s in steps]
    if len(ones) > 2 and ones == list(range(ones[0], ones[-1] + 1)):
        return f"$x^{{{ones[0]}}} \\ldots x^{{{ones[-1]}}}$"
    return ", ".join(f"$x^{{{s}}}$" for s in ones)


def draw_cell(
    architecture: Architecture,
    path: str | os.PathLike | None = None,
    *,
    title: str | None = None,
) -> Drawing:
    """Draw the folded recurrent cell of an architecture: one step, with the
    hidden state fed back through ``W^H`` (a loop marked ``t-1``); for an architecture with
    polynomial cells, the graph of each cell's operations with a loop from each state's update
    back to the state (:mod:`tnrank.presentation.layouts.program`).

    Small enough to sit inline in a text; every bond carries its dimension.

    Examples
    --------
    >>> from tnrank import Architecture
    >>> d = draw_cell(Architecture.rac(depth=3, width=2, M=4))
    >>> sorted(n.name for n in d.layout.nodes.values() if n.kind == "delta")
    ['delta[layer1]', 'delta[layer2]', 'delta[layer3]']
    """
    layout = program_layout(architecture) if getattr(architecture, "has_cells", False) \
        else cell_layout(architecture)
    if path is not None:
        check_figure_path(path)
    canvas = _Canvas(max(layout.width, 2.6), layout.height, 0.42)
    _render(canvas, layout, set(), "", True, None)
    name = title if title is not None else (architecture.name or "recurrent cell")
    canvas.ax.text(0.12, canvas.height - 0.1, name, ha="left", va="top", fontsize=FONT + 1,
                   fontweight="bold", gid=canvas.gid("title", **{"class": "title"}))
    canvas.ax.text(0.12, canvas.height - 0.3, "folded cell, one step", ha="left", va="top",
                   fontsize=FONT, color="#555555")
    drawing = Drawing(canvas.fig, layout, None, "", canvas.attrs)
    if path is not None:
        drawing.save(path)
    return drawing


def draw_architecture(
    architecture: Architecture,
    T: int | None = None,
    path: str | os.PathLike | None = None,
    *,
    partition: Partition | str | Iterable[int] | None = None,
    highlight: MinCut | Iterable[str] | None = None,
    compact: bool = False,
    title: str | None = None,
) -> Drawing:
    """Draw an architecture: unrolled over ``T`` steps (:func:`draw_network`), or its
    folded cell (``compact``, :func:`draw_cell`).

    The size is checked before the network is built
    (:func:`tnrank.presentation.layouts.network.check_drawable`), so an oversized request
    fails at once with a one-line :class:`~tnrank.errors.TnrankError`. ``highlight`` is a cut
    of the unrolled network (:func:`tnrank.networks.mincut.min_cut` of the architecture and
    ``T``) or bond names, as for :func:`draw_network`.

    Examples
    --------
    >>> from tnrank import Architecture
    >>> from tnrank.networks.mincut import min_cut
    >>> arch = Architecture.rac(2, 3, 3)
    >>> draw_architecture(arch, T=6, highlight=min_cut(arch, "start-end", T=6)).bound_text
    'Start-End rank ≤ min-cut = R^4 = 81'
    >>> draw_architecture(Architecture.rac(3, 2, 2), T=12)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: RAC L=3 R=2 M=2, T=12 is too large to draw legibly: ...
    """
    if compact:
        if highlight is not None:
            raise TnrankError("`highlight` needs the unrolled network; leave out `compact=True`")
        return draw_cell(architecture, path, title=title)
    check_drawable(architecture, T)
    assert T is not None
    if path is not None:
        check_figure_path(path)
    return draw_network(unroll(architecture, T), path, partition=partition, highlight=highlight, title=title)


def network_svg(network: TensorNetwork, **options: Any) -> str | None:
    """SVG text of :func:`draw_network` (for notebooks); None when the network is too
    large to draw legibly."""
    try:
        drawing = draw_network(network, **options)
    except TnrankError:
        return None
    text = drawing.svg()
    drawing.figure.clear()
    return text

