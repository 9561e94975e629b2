"""Drawings of polynomial cells: the unrolled network (rows of step trees, copies on bands, the
cut), the folded cell (its operations, a loop per state) and `tnrank draw` on cell files.

Oracles: the network itself (nodes, bonds, legs, dimensions), the max-flow min-cut and the
dynamic programme for the cut, networkx components for the copies, plane geometry for overlaps
and crossings, and the compiled program for the folded drawing. Structure is checked, not pixels.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from cell_archs import ARCHITECTURES, CELLS

import tnrank
from tnrank import Architecture, Layer, min_cut, unroll
from tnrank.cli import main
from tnrank.networks.mincut import min_cut_bound
from tnrank.presentation.draw import draw_architecture, draw_cell, draw_network
from tnrank.presentation.layouts.network import network_layout
from tnrank.presentation.layouts.program import program_layout

GRAPHS = Path(__file__).resolve().parents[2] / "graphs"
SVG = "{http://www.w3.org/2000/svg}"
# one layer, each state read once per step: one chain, no copies
SINGLE = {name: ARCHITECTURES[name] for name in CELLS if name != "two states"}


def groups(svg_text):
    root = ET.fromstring(svg_text.encode())
    return [(set(el.get("class").split()), el.attrib) for el in root.iter(f"{SVG}g") if el.get("class")]


def _segments(layout):
    out = []
    for e in layout.edges:
        for a, b in e.drawn_segments():
            out.append((e, a, b))
    return out


def _cross(p1, p2, q1, q2) -> bool:
    def orient(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = orient(p1, p2, q1), orient(p1, p2, q2)
    d3, d4 = orient(q1, q2, p1), orient(q1, q2, p2)
    return d1 * d2 < -1e-9 and d3 * d4 < -1e-9


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_one_layer_reads_left_to_right_without_overlaps_or_crossings(name):
    """One cell layer over T = 4: one row (its state's chain), each step's nodes in its own
    column left of the next, open legs below their nodes, no two boxes on each other and no two
    bonds crossing."""
    net = unroll(SINGLE[name], 4)
    lay = network_layout(net)
    assert lay.style == "unrolled cells" and set(lay.nodes) == set(net.graph.nodes)
    assert lay.rows == 1 and not lay.bands
    tensors = [n for n in net.tensors if n != "out"]
    right = {t: max(lay.nodes[n].x for n in tensors if net.graph.nodes[n]["step"] == t) for t in range(4)}
    left = {t: min(lay.nodes[n].x for n in tensors if net.graph.nodes[n]["step"] == t) for t in range(4)}
    assert all(right[t] < left[t + 1] for t in range(3))  # time runs left to right
    for leg in net.legs.values():
        assert lay.nodes[leg.name].y < lay.nodes[leg.tensor].y
        assert lay.nodes[leg.name].x == lay.nodes[leg.tensor].x
    pts = np.array([(b.x, b.y) for b in lay.nodes.values() if b.kind != "input"])
    dist = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(dist, np.inf)
    assert dist.min() >= 0.25
    segs = _segments(lay)
    bad = [(e.bond, f.bond) for i, (e, a, b) in enumerate(segs) for f, c, d in segs[i + 1:]
           if not set(e.nodes) & set(f.nodes) and _cross(a, b, c, d)]
    assert not bad, bad[:4]


@pytest.mark.parametrize("name", ["stack", "two states", "several sources", "a RAC layer reading a cell"])
def test_each_copy_of_a_sub_network_lies_on_its_own_band(name):
    """A copy (the tree below a bond that starts a band, networkx) holds exactly the nodes drawn
    on its band; every node of the network is drawn."""
    net = unroll(ARCHITECTURES[name], 3)
    lay = network_layout(net)
    assert lay.bands and set(lay.nodes) == set(net.graph.nodes)
    tree = net.graph
    for band in lay.bands:
        depth = nx.shortest_path_length(tree, band.root, "out")
        parent = next(n for n in tree.neighbors(band.root) if nx.shortest_path_length(tree, n, "out") < depth)
        cut = tree.copy()
        cut.remove_edge(band.root, parent)
        copy = nx.node_connected_component(cut, band.root)
        inside = {n for n, p in lay.nodes.items() if band.x0 <= p.x <= band.x1 and band.y0 <= p.y <= band.y1}
        assert inside == copy


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_the_cut_is_drawn_with_its_bound_in_named_dimensions(name):
    """Every bond and leg is one SVG group with its dimension; the cut's groups are the bonds of
    min_cut, and their product is the dynamic programme's value."""
    arch = ARCHITECTURES[name]
    net = unroll(arch, 4)
    if len(net.steps) < 4:
        pytest.skip("an input never reaches the output")
    cut = min_cut(net, "start-end")
    drawing = draw_network(net, highlight=cut)
    gs = groups(drawing.svg())
    assert sorted(a["data-name"] for c, a in gs if "edge" in c) == sorted([*net.bonds, *net.legs])
    drawn = {a["data-name"]: a for c, a in gs if "edge" in c and "cut" in c}
    assert set(drawn) == {e.bond for e in cut.cut_edges}
    assert math.prod(int(a["data-dim"]) for a in drawn.values()) == min_cut_bound(arch, "start-end", T=4)
    assert drawing.bound_text.startswith("Start-End rank ≤ min-cut = ")


def test_states_are_named_by_their_entries():
    """A selective layer of 3 entries is cut at its state, |h| + 1 = 4; a 3 × 2 matrix state at
    |S| + 1 = 7; a two-layer stack names each layer's state."""
    for name, text in (("selective", "|h|+1 = 4"), ("linear attention", "|S|+1 = 7")):
        arch = ARCHITECTURES[name]
        d = draw_architecture(arch, 4, highlight=min_cut(arch, "start-end", T=4))
        assert d.bound_text == f"Start-End rank ≤ min-cut = {text}"
    arch = ARCHITECTURES["stack"]
    d = draw_architecture(arch, 2, highlight=min_cut(arch, "start-end", T=2))
    assert "|a.h|+1" in d.bound_text or "|b.h|+1" in d.bound_text


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_the_folded_cell_shows_every_operation_once_and_loops_each_state_back(name):
    arch = ARCHITECTURES[name]
    lay = program_layout(arch)
    loops = sorted(e.bond for e in lay.edges if e.bond.startswith("loop:"))
    expected = []
    for k, layer in enumerate(arch.layers):
        program = arch.program(k)
        states = [s for s, _ in program.states] if program is not None else ["h"]
        expected += [f"loop:{layer.name}.{s}" for s in states]
        if program is None:
            continue
        drawn = {n for n in lay.nodes if n.endswith(f"[{layer.name}]") and n.startswith("op")}
        concat = len(layer.sources) > 1  # the input of several sources is their concatenation
        shown = {i for i, op in enumerate(program.ops)
                 if op.kind not in ("state", "ref") and (op.kind != "input" or concat)
                 and not (op.kind in ("apply", "apply_t")
                          and program.weight(op.name).structure == "identity")}
        assert drawn == {f"op{i}[{layer.name}]" for i in shown}
        for name_, st in program.states:  # the loop carries the state's entries
            loop = next(e for e in lay.edges if e.bond == f"loop:{layer.name}.{name_}")
            assert loop.dim == st.size
    assert loops == sorted(expected)
    for e in lay.edges:  # an operand is drawn below the operation reading it
        if not e.bond.startswith("loop:") and e.nodes[1] != "out":
            assert lay.nodes[e.nodes[0]].y < lay.nodes[e.nodes[1]].y
    gs = groups(draw_cell(arch).svg())
    assert sum("recurrent" in c for c, _ in gs) == len(expected)


def _cell_files(tmp_path):
    files = [p for p in sorted(GRAPHS.glob("*.toml")) if tnrank.load(p).has_cells]
    if not files:  # the catalogue's cells, written as files
        for name in ("selective", "linear attention", "stack"):
            path = tmp_path / f"{name.replace(' ', '_')}.toml"
            tnrank.save(ARCHITECTURES[name], path)
            files.append(path)
    return files


def test_cli_draws_every_cell_file_with_its_cut_and_its_folded_cell(tmp_path, capsys):
    for path in _cell_files(tmp_path):
        arch = tnrank.load(path)
        T = 4 if tnrank.networks.unrolling.unrolled_size(arch, 4)[0] <= 1500 else 2
        out = tmp_path / f"{path.stem}.svg"
        assert main(["draw", str(path), "-T", str(T), "--cut", "-o", str(out)]) == 0, path
        line = capsys.readouterr().out
        assert "rank ≤ min-cut = " in line and line.strip().endswith(
            f"= {min_cut_bound(arch, 'start-end', T=T):,}")
        cut = [a for c, a in groups(out.read_text()) if "cut" in c and "edge" in c]
        assert math.prod(int(a["data-dim"]) for a in cut) == min_cut_bound(arch, "start-end", T=T)
        assert main(["draw", str(path), "--compact", "-o", str(tmp_path / "folded.png")]) == 0
        assert "folded cell" in capsys.readouterr().out


def test_a_mixed_architecture_draws_both_kinds_of_layer():
    arch = Architecture(M=2, layers=[Layer(cell=CELLS["selective"], name="s6"), Layer(2, sources=("s6",))])
    lay = program_layout(arch)
    assert {"delta[layer2]", "WI[layer2]", "WH[layer2]"} <= set(lay.nodes)
    d = draw_architecture(arch, 2)
    assert d.layout.style == "unrolled cells"
