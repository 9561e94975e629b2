"""Network diagrams: SVG structure, the min-cut overlay, layout conventions, determinism, CLI.

Oracles: the network itself (its nodes, bonds, legs and dimensions), the max-flow min-cut
(`min_cut`) and the dynamic programme over step-layer blocks (`min_cut_bound`) for the cut, the
tree structure of the unrolled network (networkx components) for the copies, and plane geometry
for overlaps and crossings. Structure is checked, not pixels.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from tnrank import Architecture, Layer, Partition, TensorNetwork, TnrankError, min_cut, unroll
from tnrank.cli import main
from tnrank.files.architecture_file import load
from tnrank.formatting import format_bound
from tnrank.networks.examples import binary_tree, lattice_2d, mps
from tnrank.networks.mincut import min_cut_bound
from tnrank.networks.unrolling import unrolled_size
from tnrank.presentation.draw import (
    LABEL_ALL_BONDS,
    draw_architecture,
    draw_cell,
    draw_network,
    network_svg,
)
from tnrank.presentation.layouts import network as network_module
from tnrank.presentation.layouts import unrolled as unrolled_module
from tnrank.presentation.layouts.cell import cell_layout
from tnrank.presentation.layouts.lattice import grid_positions
from tnrank.presentation.layouts.network import network_layout

GRAPHS = Path(__file__).resolve().parents[2] / "graphs"
SVG = "{http://www.w3.org/2000/svg}"


def rac(L, R, M):
    return Architecture.rac(L, R, M)


def two_outputs():
    return Architecture(M=2, layers=[Layer(2), Layer(3, sources=("layer1", "input"))],
                        output=["layer1", "layer2"], initial="state", name="two outputs")


ARCHS = {
    "depth1": (lambda: rac(1, 3, 3), 6),
    "depth2": (lambda: rac(2, 3, 3), 6),
    "depth3": (lambda: rac(3, 2, 2), 5),
    "skip": (lambda: load(GRAPHS / "skip_input.toml"), 4),
    "bottleneck": (lambda: load(GRAPHS / "bottleneck.toml"), 4),
    "mi": (lambda: load(GRAPHS / "mi_rnn.toml"), 5),
    "two-outputs": (two_outputs, 4),
}


def groups(svg_text):
    """(classes, attributes) of every <g> carrying a class."""
    root = ET.fromstring(svg_text.encode())
    return [(set(el.get("class").split()), el.attrib) for el in root.iter(f"{SVG}g") if el.get("class")]


@pytest.fixture(scope="module", params=list(ARCHS))
def case(request):
    build, T = ARCHS[request.param]
    arch = build()
    return arch, T, unroll(arch, T)


# ---------------------------------------------------------------- SVG structure
def test_svg_has_one_group_per_node_and_per_bond(case):
    _arch, _T, net = case
    gs = groups(draw_network(net).svg())
    nodes = [a["data-name"] for c, a in gs if "node" in c]
    edges = [a for c, a in gs if "edge" in c]
    assert sorted(nodes) == sorted(map(str, net.graph.nodes))
    assert sorted(a["data-name"] for a in edges) == sorted([*net.bonds, *net.legs])
    for a in edges:
        assert int(a["data-dim"]) == net.dim(a["data-name"])
        u, v = a["data-nodes"].split("|")
        assert net.graph.has_edge(u, v, key=a["data-name"])
    kinds = {a["data-name"]: c for c, a in gs if "node" in c}
    for n, kind in net.graph.nodes(data="kind"):
        assert kind in kinds[str(n)]


def test_start_and_end_legs_are_coloured_apart(case):
    _arch, T, net = case
    part = Partition.parse("start-end" if T % 2 == 0 else "0,1", T)
    gs = groups(draw_network(net, partition=part).svg())
    for c, a in gs:
        if "leg" in c:
            step = net.legs[a["data-name"]].step
            assert ("start" in c, "end" in c) == (step in part.start, step in part.end)


@pytest.mark.parametrize("spec", ["start-end", "interleaved", "0,2"])
def test_cut_edges_carry_the_highlight_class_and_match_min_cut(case, spec):
    arch, T, net = case
    if spec == "start-end" and T % 2:
        spec = "0,1"
    part = Partition.parse(spec, T)
    drawing = draw_network(net, partition=part, highlight=min_cut(net, part))
    gs = groups(drawing.svg())
    cut = {a["data-name"]: a for c, a in gs if "edge" in c and "cut" in c}
    expected = min_cut(net, list(part.start))
    assert set(cut) == {e.bond for e in expected.cut_edges}
    assert {frozenset(a["data-nodes"].split("|")) for a in cut.values()} == {
        frozenset(map(str, e.nodes)) for e in expected.cut_edges}
    # a second algorithm: the dynamic programme over step-layer blocks, without the network
    bound = min_cut_bound(arch, part)
    assert math.prod(int(a["data-dim"]) for a in cut.values()) == bound
    assert drawing.bound_text.endswith(f"= {format_bound(bound)}")
    assert len([1 for c, _ in gs if "bound" in c]) == 3  # the bound, the dimensions, the sides


def _extents(drawing):
    """Window extents of every label, box and dot of a drawing, by gid (matplotlib's renderer)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    fig = drawing.figure
    ax = fig.axes[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    out = []
    for t in ax.texts:
        gid = t.get_gid() or ""
        if gid.startswith(("tn-dim", "tn-node", "tn-rowlabel", "tn-bandlabel", "tn-marker")):
            patch = t.get_bbox_patch()
            if patch is not None:
                t.update_bbox_position_size(renderer)
            out.append((gid, (patch or t).get_window_extent(renderer)))
    for line in ax.lines:  # copy tensors: round markers
        if (line.get_gid() or "").startswith("tn-node") and line.get_marker() == "o":
            x, y = ax.transData.transform((line.get_xdata()[0], line.get_ydata()[0]))
            r = line.get_markersize() / 2 * fig.dpi / 72
            out.append((line.get_gid(), Bbox([[x - r, y - r], [x + r, y + r]])))
    return out


@pytest.mark.parametrize("name", [*ARCHS, "peps"])
def test_every_bond_keeps_its_size_label_clear_of_the_rest(name):
    """Per-bond labels (not a legend): every bond and open leg of dimension > 1 has one label
    in the SVG with its own dimension, and no label sits on another label, a box or a dot
    (more than 1.5 px at 100 dpi)."""
    if name == "peps":
        net = lattice_2d(3, 3)
        cut = {"partition": [0, 1, 2], "highlight": min_cut(net, [0, 1, 2])}
    else:
        build, T = ARCHS[name]
        net = unroll(build(), T)
        cut = {"highlight": min_cut(net, "start-end")} if T % 2 == 0 else {}
    assert len(net.tensors) <= LABEL_ALL_BONDS
    drawing = draw_network(net, **cut)
    labels = [a for c, a in groups(drawing.svg()) if "dim" in c]
    named = Counter(a["data-name"] for a in labels)
    wanted = {name: net.dim(name) for name in [*net.bonds, *net.legs] if net.dim(name) > 1}
    assert set(wanted) <= set(named) and max(named.values()) == 1
    assert all(int(a["data-dim"]) == net.dim(a["data-name"]) for a in labels)
    boxes = _extents(drawing)
    bad = [(g1, g2) for g1, b1 in boxes if g1.startswith("tn-dim") for g2, b2 in boxes if g2 != g1
           and min(b1.x1, b2.x1) - max(b1.x0, b2.x0) > 1.5 and min(b1.y1, b2.y1) - max(b1.y0, b2.y0) > 1.5]
    assert not bad, bad[:5]


def test_large_drawings_name_every_dimension_in_the_header():
    """Beyond LABEL_ALL_BONDS tensors the header's dimensions line names every layer width
    and the input dimension, by the architecture's numbers."""
    arch = load(GRAPHS / "bottleneck.toml")
    net = unroll(arch, 8)
    assert len(net.tensors) > LABEL_ALL_BONDS
    drawing = draw_network(net)
    assert not [1 for c, _ in groups(drawing.svg()) if "dim" in c]
    line = next(t.get_text() for t in drawing.figure.axes[0].texts if t.get_text().startswith("bond dim"))
    for k, width in enumerate(arch.widths):
        assert f"$R_{{{k + 1}}}$ = {width}" in line
    assert f"M = {arch.M}" in line
    assert {net.dim(b) for b in net.bonds} | {net.dim(leg) for leg in net.legs} == {*arch.widths, arch.M}


def test_bound_is_written_in_named_dimensions():
    d = draw_architecture(rac(2, 3, 3), 6, highlight=min_cut(rac(2, 3, 3), "start-end", T=6))
    assert d.bound_text == "Start-End rank ≤ min-cut = R^4 = 81"
    bottleneck = load(GRAPHS / "bottleneck.toml")
    d = draw_architecture(bottleneck, 4, highlight=min_cut(bottleneck, "start-end", T=4))
    assert d.bound_text == f"Start-End rank ≤ min-cut = M^2·R1 = {2 ** 2 * 3}"


def test_the_drawing_highlights_what_it_is_told():
    """Bond names are drawn as given (class ``highlight``, no bound); a cut brings its own
    sides; a cut of another network, unknown names, or a partition that disagrees with the
    cut are refused naming the parameter."""
    net = unroll(rac(2, 2, 2), 4)
    chosen = sorted(net.bonds)[:3] + [sorted(net.legs)[0]]
    d = draw_network(net, highlight=chosen)
    gs = groups(d.svg())
    assert sorted(a["data-name"] for c, a in gs if "edge" in c and "highlight" in c) == sorted(chosen)
    assert not [1 for c, _ in gs if "cut" in c] and d.cut is None and d.bound_text == ""
    assert "highlighted bond" in {t.get_text() for t in d.figure.axes[0].get_legend().get_texts()}
    interleaved = min_cut(net, "interleaved")
    d = draw_network(net, highlight=interleaved)  # the legs are coloured by the cut's sides
    assert d.bound_text.startswith("interleaved rank ≤ min-cut = ")
    starts = {a["data-name"] for c, a in groups(d.svg()) if "leg" in c and "start" in c}
    assert starts == {leg.name for leg in net.legs.values() if leg.step in interleaved.start}
    with pytest.raises(TnrankError, match="`partition` and the cut in `highlight`"):
        draw_network(net, partition="start-end", highlight=interleaved)
    with pytest.raises(TnrankError, match="`highlight` names nowhere"):
        draw_network(net, highlight=["nowhere"])
    with pytest.raises(TnrankError, match="`highlight` names"):  # a cut of a longer network
        draw_network(net, highlight=min_cut(unroll(rac(2, 2, 2), 6), "start-end"))
    with pytest.raises(TnrankError, match="not the 4 steps"):  # same bonds, other steps
        draw_network(unroll(rac(1, 2, 2), 4), highlight=min_cut(unroll(rac(1, 2, 2), 6), "start-end"))
    with pytest.raises(TnrankError, match="leave out `compact=True`"):
        draw_architecture(rac(2, 2, 2), 4, highlight=chosen, compact=True)


# ---------------------------------------------------------------- layout conventions
def unfolded(net, monkeypatch):
    """The layout drawn without folding (the aspect and size limits lifted)."""
    monkeypatch.setattr(unrolled_module, "MAX_ASPECT", math.inf)
    for limit in ("MAX_WIDTH", "MAX_HEIGHT"):
        monkeypatch.setattr(network_module, limit, math.inf)
    lay = network_layout(net)
    monkeypatch.undo()
    return lay


def test_positions_follow_the_conventions(case, monkeypatch):
    _arch, _T, net = case
    g, pos = net.graph, unfolded(net, monkeypatch).nodes
    column: dict[int, set[float]] = {}
    for n, a in g.nodes(data=True):
        if a["kind"] in ("delta", "merge") or (a["kind"] == "weight" and a["role"] == "input"):
            column.setdefault(a["step"], set()).add(round(pos[n].x, 9))
    assert all(len(xs) == 1 for xs in column.values())  # one column per step
    xs = [next(iter(column[t])) for t in sorted(column)]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # time runs left to right
    for n, a in g.nodes(data=True):
        if a["kind"] == "weight" and a["role"] == "hidden" and a["step"] > 0:  # W^H between t-1 and t
            assert xs[a["step"] - 1] < pos[n].x < xs[a["step"]]
    for bond in net.bonds.values():  # a W^I sits above the copy of the lower layer it reads
        u, v = bond.nodes
        if "out" in (u, v) or g.nodes[u]["layer"] == g.nodes[v]["layer"]:
            continue
        reader, source = (u, v) if g.nodes[u]["role"] == "input" else (v, u)
        assert pos[source].y < pos[reader].y
    for leg in net.legs.values():  # open legs hang at the bottom of their block
        assert pos[leg.name].y <= pos[leg.tensor].y + 1e-9
        w = g.nodes[leg.tensor]
        merge = [m for m in g.neighbors(leg.tensor) if g.nodes[m]["kind"] in ("delta", "merge")
                 and (g.nodes[m]["step"], g.nodes[m]["layer"], g.nodes[m]["copy"]) ==
                 (w["step"], w["layer"], w["copy"])]
        assert len(merge) == 1 and pos[leg.name].y < pos[merge[0]].y
    top_right = pos["out"]
    assert top_right.x == max(p.x for p in pos.values()) and top_right.y == max(p.y for p in pos.values())


def test_depth1_is_one_row_with_every_input_at_the_bottom(monkeypatch):
    net = unroll(rac(1, 3, 3), 8)
    pos = unfolded(net, monkeypatch).nodes
    legs = [pos[leg] for leg in net.legs]
    assert len({round(p.y, 9) for p in legs}) == 1
    assert legs[0].y == min(p.y for p in pos.values())
    assert [p.x for p in sorted(legs, key=lambda p: p.step)] == sorted(p.x for p in legs)


@pytest.mark.parametrize("T", [8, 13, 40])
def test_a_long_chain_wraps_onto_lines_read_like_text(T):
    """Lines top to bottom, steps left to right on each: reading them in order gives
    x^1 ... x^T; each line break is one broken W^H bond, its two stubs named by the state."""
    net = unroll(rac(1, 2, 2), T)
    lay = network_layout(net)
    legs = sorted((lay.nodes[name] for name in net.legs), key=lambda p: (-round(p.y, 6), p.x))
    lines = sorted({round(p.y, 6) for p in legs}, reverse=True)
    assert lay.folds == len(lines) - 1 >= 1
    assert [p.step for p in legs] == list(range(T))  # read like text
    per = math.ceil(T / len(lines))
    assert [sum(round(p.y, 6) == y for p in legs) for y in lines] == [per] * (len(lines) - 1) + [
        T - per * (len(lines) - 1)]
    broken = [e for e in lay.edges if e.gap is not None]
    assert len(broken) == len(lines) - 1
    g = net.graph
    for e in broken:
        u, v = e.nodes
        assert {g.nodes[u]["kind"], g.nodes[v]["kind"]} == {"delta", "weight"}
        before = min(g.nodes[u]["step"], g.nodes[v]["step"])
        assert e.marker == f"$h^{{{before + 1},1}}$" and (before + 1) % per == 0


def _segments(layout):
    segs, owners = [], []
    for i, e in enumerate(layout.edges):
        for a, b in e.drawn_segments():
            segs.append((*a, *b))
            owners.append(i)
    return np.array(segs), np.array(owners)


def _orient(ax, ay, bx, by, cx, cy):
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


def test_no_two_nodes_overlap_and_no_bonds_cross(case):
    """The copies are laid out, not tangled: boxes keep apart and bonds never cross or run
    along each other (only bonds sharing a node meet, at that node)."""
    _arch, _T, net = case
    lay = network_layout(net)
    pts = np.array([(n.x, n.y) for n in lay.nodes.values() if n.kind != "input"])
    dist = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(dist, np.inf)
    assert dist.min() >= 0.25
    _assert_no_crossings(lay)


def _assert_no_crossings(lay):
    S, owner = _segments(lay)
    ends = [set(e.nodes) for e in lay.edges]
    i, j = np.triu_indices(len(S), k=1)
    keep = np.array([not (ends[owner[a]] & ends[owner[b]]) for a, b in zip(i, j, strict=True)])
    i, j = i[keep], j[keep]
    p, q = S[i], S[j]
    o1 = _orient(p[:, 0], p[:, 1], p[:, 2], p[:, 3], q[:, 0], q[:, 1])
    o2 = _orient(p[:, 0], p[:, 1], p[:, 2], p[:, 3], q[:, 2], q[:, 3])
    o3 = _orient(q[:, 0], q[:, 1], q[:, 2], q[:, 3], p[:, 0], p[:, 1])
    o4 = _orient(q[:, 0], q[:, 1], q[:, 2], q[:, 3], p[:, 2], p[:, 3])
    eps = 1e-9
    crossing = (o1 * o2 < -eps) & (o3 * o4 < -eps)
    collinear = (np.abs(o1) < eps) & (np.abs(o2) < eps)
    lo = np.maximum(np.minimum(p[:, 0], p[:, 2]), np.minimum(q[:, 0], q[:, 2]))
    hi = np.minimum(np.maximum(p[:, 0], p[:, 2]), np.maximum(q[:, 0], q[:, 2]))
    loy = np.maximum(np.minimum(p[:, 1], p[:, 3]), np.minimum(q[:, 1], q[:, 3]))
    hiy = np.minimum(np.maximum(p[:, 1], p[:, 3]), np.maximum(q[:, 1], q[:, 3]))
    overlapping = collinear & (hi - lo > -eps) & (hiy - loy > -eps) & ((hi - lo) + (hiy - loy) > 1e-6)
    bad = np.flatnonzero(crossing | overlapping)
    assert not bad.size, [(lay.edges[owner[i[k]]].bond, lay.edges[owner[j[k]]].bond) for k in bad[:5]]


ASPECTS = [(1, 2), (1, 6), (1, 12), (1, 24), (1, 40), (2, 2), (2, 6), (2, 10), (2, 14),
           (3, 2), (3, 4), (3, 6), (3, 8), (4, 4), (4, 5)]


@pytest.mark.parametrize("L, T", ASPECTS, ids=[f"L{L}-T{T}" for L, T in ASPECTS])
def test_figures_stay_within_about_two_to_one(L, T, monkeypatch):
    """The whole figure (header, key and drawing) is at most 2.2 times wider than tall or
    taller than wide, where the unfolded drawing of a deep or long network is not."""
    net = unroll(rac(L, 2, 2), T)
    drawing = draw_network(net, bond_labels=False)
    w, h = drawing.figure.get_size_inches()
    assert max(w / h, h / w) <= 2.2, (w, h)
    if (L, T) in ((1, 24), (1, 40), (3, 6), (3, 8), (4, 5)):  # these need folding
        assert drawing.layout.folds >= 1
        lay = unfolded(net, monkeypatch)
        assert max(lay.width / lay.height, lay.height / lay.width) > 2.5


@pytest.mark.parametrize("L, T, R", [(3, 6, 2), (3, 8, 2), (4, 5, 2), (1, 20, 3)])
def test_folding_moves_whole_copies_and_keeps_bonds_apart(L, T, R, monkeypatch):
    """A folded drawing is the unfolded one cut into pieces, each moved rigidly: every copy
    of a sub-network the top row reads (a component of the tree once its bond to the top row
    is cut, networkx) moves as one, so what it looks like inside is unchanged; and no two
    bonds cross or overlap."""
    net = unroll(rac(L, R, R), T)
    folded, flat = network_layout(net), unfolded(net, monkeypatch)
    assert folded.folds >= 1
    move = {n: (round(folded.nodes[n].x - flat.nodes[n].x, 6), round(folded.nodes[n].y - flat.nodes[n].y, 6))
            for n in net.graph if n != "out"}
    if folded.bands:
        assert len(set(move.values())) <= folded.folds + 2  # the top row, then one move per column
        for band in (b for b in flat.bands if b.level == 1):
            tree = net.graph.copy()
            depth = nx.shortest_path_length(tree, band.root, "out")
            parent = next(n for n in tree.neighbors(band.root)
                          if nx.shortest_path_length(tree, n, "out") < depth)
            tree.remove_edge(band.root, parent)
            assert len({move[n] for n in nx.node_connected_component(tree, band.root)}) == 1
    else:  # a wrapped chain: one move per line, every step of a line moved alike
        assert len(set(move.values())) == folded.folds + 1
    _assert_no_crossings(folded)
    assert not [e for e in folded.edges if e.gap is not None] or not folded.bands


def test_each_copy_of_a_sub_network_lies_on_its_own_band():
    arch, T = rac(3, 2, 2), 5
    net = unroll(arch, T)
    lay = network_layout(net)
    tree = net.graph
    assert sum(b.level == 1 for b in lay.bands) == T  # one copy of layer 2's network per step
    assert sum(b.level == 2 for b in lay.bands) == T * (T + 1) // 2  # and of layer 1's inside them
    for band in lay.bands:
        depth = nx.shortest_path_length(tree, band.root, "out")
        parent = next(n for n in tree.neighbors(band.root) if nx.shortest_path_length(tree, n, "out") < depth)
        cut = tree.copy()
        cut.remove_edge(band.root, parent)
        copy = nx.node_connected_component(cut, band.root)
        inside = {n for n, p in lay.nodes.items()
                  if band.x0 <= p.x <= band.x1 and band.y0 <= p.y <= band.y1}
        assert inside == copy


def test_the_folded_cell_stacks_layers_and_loops_each_state_back():
    for arch in (rac(3, 2, 4), load(GRAPHS / "skip_input.toml"), two_outputs()):
        lay = cell_layout(arch)
        pos = lay.nodes
        names = [ly.name for ly in arch.layers]
        assert set(pos) == {"x", "out"} | {f"{w}[{n}]" for n in names for w in ("delta", "WI", "WH")}
        ys = [pos[f"delta[{arch.layers[k].name}]"].y for k in arch.order]
        assert ys == sorted(ys) and pos["x"].y < min(ys) < max(ys) < pos["out"].y
        loops = [e for e in lay.edges if e.bond.startswith("loop:")]
        assert sorted(e.bond for e in loops) == sorted(f"loop:{n}" for n in names)
        for e in lay.edges:  # every bond carries its dimension: M from the input, R_l from layer l
            assert e.dim == (arch.M if "x" in e.nodes else arch.widths[e.layer])
        reads = sum(len(ly.sources) for ly in arch.layers)
        assert len(lay.edges) == 3 * arch.depth + reads + len(arch.output)
        gs = groups(draw_cell(arch).svg())
        assert sum("recurrent" in c for c, _ in gs) == arch.depth


def test_other_networks_have_their_legs_at_the_bottom_in_step_order():
    for net in (mps(6), binary_tree(3)):
        pos = network_layout(net).nodes
        assert network_layout(net).style == "layered"
        legs = sorted(net.legs.values(), key=lambda leg: leg.step)
        assert [pos[leg.name].x for leg in legs] == sorted(pos[leg.name].x for leg in legs)
        assert max(pos[leg.name].y for leg in legs) < min(pos[t].y for t in net.tensors)
    peps = lattice_2d(3, 3)
    gs = groups(draw_network(peps, partition=[0, 1, 2], highlight=min_cut(peps, [0, 1, 2])).svg())
    assert {a["data-name"] for c, a in gs if "cut" in c and "edge" in c} == {
        e.bond for e in min_cut(peps, [0, 1, 2]).cut_edges}


def shuffled_grid(rows, cols, seed):
    """A rows x cols grid whose tensors have arbitrary names and come in random order."""
    rng = np.random.default_rng(seed)
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    names = {cells[i]: f"t{k}" for k, i in enumerate(rng.permutation(len(cells)))}
    net = TensorNetwork(f"grid {rows}x{cols}")
    for k in rng.permutation(len(cells)):
        net.add_node(names[cells[k]])
    pairs = [((r, c), (r, c + 1)) for r, c in cells if c + 1 < cols]
    pairs += [((r, c), (r + 1, c)) for r, c in cells if r + 1 < rows]
    for k in rng.permutation(len(pairs)):
        a, b = pairs[k]
        net.add_bond(names[a], names[b], 2 + k % 3)
    for k, cell in enumerate(cells):
        net.add_leg(names[cell], 2, name=f"x{k}")
    return net


@pytest.mark.parametrize("net", [lattice_2d(3, 3), lattice_2d(2, 5), lattice_2d(4, 3),
                                 shuffled_grid(3, 4, 1), shuffled_grid(5, 5, 2)],
                         ids=["peps-3x3", "peps-2x5", "peps-4x3", "shuffled-3x4", "shuffled-5x5"])
def test_two_dimensional_grids_are_drawn_on_their_lattice(net):
    """Bonded tensors sit exactly one lattice step apart, along a row or a column, and
    tensors that share no bond sit farther apart (the network's bonds are the oracle)."""
    lay = network_layout(net)
    assert lay.style == "lattice"
    pos = {t: np.array([lay.nodes[t].x, lay.nodes[t].y]) for t in net.tensors}
    bonded = {frozenset(b.nodes) for b in net.bonds.values()}
    steps = {round(float(np.abs(pos[u] - pos[v]).sum()), 9) for u, v in map(tuple, bonded)}
    assert len(steps) == 1
    step = steps.pop()
    for u, v in map(tuple, bonded):
        d = np.abs(pos[u] - pos[v])
        assert min(d) < 1e-9 and math.isclose(max(d), step)  # one step along a row or a column
    tensors = net.tensors
    for i, u in enumerate(tensors):
        for v in tensors[i + 1:]:
            if frozenset((u, v)) not in bonded:
                assert np.hypot(*(pos[u] - pos[v])) > step * 1.4  # a diagonal at least
    xs = sorted({round(p[0], 9) for p in pos.values()})
    ys = sorted({round(p[1], 9) for p in pos.values()})
    assert len(xs) * len(ys) == len(tensors)  # the tensors fill a rectangle of lattice points
    for leg in net.legs.values():  # each open leg hangs below its tensor
        assert lay.nodes[leg.name].y < lay.nodes[leg.tensor].y


def test_lattice_drawings_do_not_depend_on_string_hashing():
    """A grid found by graph matching is drawn the same in every interpreter: the matcher's
    order (which follows Python's string hashing, PYTHONHASHSEED) does not reach the SVG."""
    peps = lattice_2d(2, 4)  # no row/col attributes: matched to a grid graph
    assert list(grid_positions(peps)) == peps.tensors
    code = ("import hashlib; from tnrank.networks.examples import lattice_2d; "
            "from tnrank.presentation.draw import draw_network; "
            "print(hashlib.sha256(draw_network(lattice_2d(2, 4)).svg().encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "4")}
    assert len(digests) == 1


def test_lattice_positions_follow_the_sites_and_other_graphs_are_not_grids():
    peps = lattice_2d(3, 4)
    assert grid_positions(peps) == {f"s{r}.{c}": (r, c) for r in range(3) for c in range(4)}
    lay = network_layout(peps)
    assert lay.nodes["s0.0"].y > lay.nodes["s1.0"].y and lay.nodes["s0.0"].x < lay.nodes["s0.1"].x
    ring = TensorNetwork("ring")  # a 2 x 3 grid closed into a ring of 6: a cycle, not a grid
    for k in range(6):
        ring.add_node(f"r{k}")
    for k in range(6):
        ring.add_bond(f"r{k}", f"r{(k + 1) % 6}", 2)
    extra = lattice_2d(3, 3)
    extra.add_bond("s0.0", "s1.1", 2)  # one diagonal too many
    for net in (mps(9), binary_tree(3), ring, extra):
        assert grid_positions(net) is None
        assert network_layout(net).style == "layered"
    placed = mps(6)  # row and column attributes put any network on a lattice
    for k, t in enumerate(placed.tensors):
        placed.graph.nodes[t].update(row=k // 3, col=k % 3)
    assert grid_positions(placed) == {t: (k // 3, k % 3) for k, t in enumerate(placed.tensors)}
    assert network_layout(placed).style == "lattice"


# ---------------------------------------------------------------- files
def test_same_input_same_bytes(tmp_path):
    net = unroll(rac(2, 2, 3), 4)
    cut = min_cut(net, "start-end")
    for suffix in (".svg", ".png", ".pdf"):
        a = draw_network(net, tmp_path / f"a{suffix}", highlight=cut)
        other = unroll(rac(2, 2, 3), 4)
        b = draw_network(other, tmp_path / f"b{suffix}", highlight=min_cut(other, "start-end"))
        assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()
        del a, b
    assert (tmp_path / "a.svg").read_text() == draw_network(net, highlight=cut).svg()
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"


def test_too_large_networks_are_refused_with_a_hint():
    for arch, T in ((rac(3, 2, 2), 12), (rac(1, 2, 2), 600), (rac(4, 2, 2), 40)):
        with pytest.raises(TnrankError, match="too large to draw legibly") as err:
            draw_architecture(arch, T)
        assert "`compact=True`" in str(err.value) and "smaller `T`" in str(err.value)
        assert "\n" not in str(err.value)
    assert network_svg(unroll(rac(3, 2, 2), 12)) is None
    with pytest.raises(TnrankError, match="nothing to draw"):
        draw_network(TensorNetwork("empty"))


def test_the_largest_depth_three_network_is_drawn_whole_with_its_min_cut():
    L, R, T = 3, 2, 8
    arch = rac(L, R, 2)
    d = draw_architecture(arch, T, highlight=min_cut(arch, "start-end", T=T))  # the largest depth 3 drawn
    kinds: dict[str, int] = {}
    for box in d.layout.nodes.values():
        kinds[box.kind] = kinds.get(box.kind, 0) + 1
    # closed forms: layer l (1 = bottom) at step t (0-based) is copied C(T-1-t+L-l, L-l) times
    # (once for every path up to the output); each copy is a copy tensor with its W^I and,
    # after step 0, its W^H, or at step 0 the all-ones initial state
    copies = {(l, t): math.comb(T - 1 - t + L - l, L - l) for l in range(1, L + 1) for t in range(T)}
    blocks = sum(copies.values())
    first = sum(copies[l, 0] for l in range(1, L + 1))
    assert kinds == {"delta": blocks, "weight": 2 * blocks - first, "initial": first,
                     "input": math.comb(T + L - 1, L), "output": 1}
    assert [sum(b.kind == "input" and b.step == t for b in d.layout.nodes.values())
            for t in range(T)] == [copies[1, t] for t in range(T)]
    nodes, edges, legs = unrolled_size(arch, T)
    assert len(d.layout.nodes) == nodes and len(d.layout.edges) == edges
    assert sum(e.leg for e in d.layout.edges) == legs == math.comb(T + L - 1, L)
    # the cut drawn is a minimum: the dynamic programme over blocks finds the same value
    bound = min_cut_bound(arch, "start-end", T=T)
    assert d.cut.bound == math.prod(e.dim for e in d.cut.cut_edges) == bound
    assert d.bound_text.endswith(f"= {format_bound(bound)}")


class _Formatter:
    def __init__(self):
        self.by_name = {}

    def for_type_by_name(self, module, name, func):
        self.by_name[(module, name)] = func


def test_networks_and_reports_display_themselves_in_notebooks(monkeypatch):
    import types

    import tnrank

    formatters = {"image/svg+xml": _Formatter()}
    shell = types.SimpleNamespace(display_formatter=types.SimpleNamespace(formatters=formatters))
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    tnrank._register_notebook_display()  # what `import tnrank` does inside IPython
    net = unroll(rac(2, 2, 2), 4)
    show = formatters["image/svg+xml"].by_name[(type(net).__module__, type(net).__name__)]
    svg = show(net)
    assert svg.startswith("<?xml") and sum("node" in c for c, _ in groups(svg)) == net.graph.number_of_nodes()
    # reports, architectures and cuts: tests/presentation/test_notebook.py


def test_drawing_modules_do_not_import_matplotlib_until_drawing():
    code = ("import sys, tnrank.presentation.draw, tnrank.presentation.layouts.network, tnrank.cli.draw; "
            "print('matplotlib' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


# ---------------------------------------------------------------- command line
def test_cli_draws_with_the_cut(tmp_path, capsys):
    out = tmp_path / "net.svg"
    assert main(["draw", "-L", "2", "-R", "3", "-M", "3", "-T", "6", "-o", str(out), "--cut"]) == 0
    assert capsys.readouterr().out.strip() == (
        f"{out}: RAC L=2 R=3 M=3, T=6: 103 nodes; Start-End rank ≤ min-cut = R^4 = 81")
    cut = [a for c, a in groups(out.read_text()) if "cut" in c and "edge" in c]
    assert len(cut) == 4 and all(a["data-dim"] == "3" for a in cut)


def test_cli_draws_files_cells_and_formats(tmp_path, capsys):
    assert main(["draw", str(GRAPHS / "deep_rac_2.toml"), "-T", "4", "-o", str(tmp_path / "a.pdf")]) == 0
    assert (tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
    assert main(["draw", "-L", "3", "-R", "2", "-M", "2", "--compact", "-o", str(tmp_path / "c.png")]) == 0
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    tree = ["draw", "--network", "tree-8", "--legs", "0,1,2", "--cut"]
    assert main([*tree, "-o", str(tmp_path / "t.svg")]) == 0
    assert "rank ≤ min-cut = 2·3 = 6" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["-L", "2", "-R", "3", "-M", "3", "-T", "6", "-o", "/nonexistent-dir/x.svg"], "does not exist"),
        (["-L", "2", "-R", "3", "-M", "3", "-T", "6", "-o", "x.gif"], "cannot tell the figure format"),
        (["-L", "3", "-R", "2", "-M", "2", "-T", "12", "-o", "x.svg"], "too large to draw legibly"),
        (["-L", "3", "-R", "2", "-M", "2", "-T", "40", "-o", "x.svg"], "use a smaller -T"),
        (["-L", "2", "-R", "3", "-M", "3", "-o", "x.svg"], "give -T"),
        (["-L", "2", "-R", "3", "-T", "4", "-o", "x.svg"], "missing -M"),
        (["-L", "2", "-R", "3", "-M", "3", "--compact", "--cut", "-o", "x.svg"], "leave out --compact"),
        ([str(GRAPHS / "deep_rac_2.toml"), "-L", "2", "-T", "4", "-o", "x.svg"], "not both"),
        (["--network", "mps-8", "-T", "4", "-o", "x.svg"], "leave out -T"),
        (["-L", "2", "-R", "3", "-M", "3", "-T", "5", "--cut", "-o", "x.svg"], "needs an even T"),
    ],
)
def test_cli_errors_are_one_line(args, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["draw", *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and err.startswith("tnrank draw: error:")
    assert not list(tmp_path.iterdir())


def test_analyze_draws_the_network_it_reports(tmp_path, capsys):
    fig = tmp_path / "deep.svg"
    assert main(["analyze", str(GRAPHS / "deep_rac_2.toml"), "-T", "6", "-q", "-o", str(fig)]) == 0
    assert "min-cut" in capsys.readouterr().out
    arch = load(GRAPHS / "deep_rac_2.toml")
    cut = [a for c, a in groups(fig.read_text()) if "cut" in c and "edge" in c]
    assert math.prod(int(a["data-dim"]) for a in cut) == min_cut_bound(arch, "start-end", T=6)
    # several T: -o plots the certified ranks against T instead of drawing one network
    plot = tmp_path / "ranks.svg"
    assert main(["analyze", str(GRAPHS / "deep_rac_2.toml"), "-T", "4", "6", "-q", "-o", str(plot)]) == 0
    assert "<svg" in plot.read_text()
