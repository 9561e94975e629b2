"""The layout of an architecture's folded recurrent cell: one step, the state fed back.

Each layer is a copy tensor (or merge) with its ``W^I`` below and its ``W^H`` to the right,
fed back by a loop marked ``t-1``; the input leg is at the bottom and the output at the top
right. Layers are stacked bottom to top in the order their sources allow, and sources other
than the layer just below (skip connections) run up lanes on the left.
"""

from __future__ import annotations

from tnrank.errors import TnrankError
from tnrank.model.architecture import INPUT, Architecture
from tnrank.presentation.layouts.base import CELL_SCALE, EdgePath, Layout, NodeBox, node_label

__all__ = ["cell_layout"]


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
