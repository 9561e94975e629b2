"""A cut's bound in named dimensions: every name stands for the dimension of the bonds it counts.

Oracles: the architecture's own numbers (``M``, each layer's width, + 1 when augmented) give
each name's value; the cut's edges give the dimensions to account for; the dynamic programme
over step-layer blocks (`min_cut_bound`) gives the product independently of the network.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import architectures, cell_architectures, partitions

import tnrank
from tnrank import Architecture, TnrankError, unroll
from tnrank.networks.dimensions import CutFormula, NamedDimension, cut_formula, dimension_names
from tnrank.networks.examples import lattice_2d, mps
from tnrank.networks.mincut import CutEdge, MinCut, min_cut, min_cut_bound
from tnrank.networks.unrolling import unrolled_size

GRAPHS = Path(__file__).resolve().parents[2] / "graphs"


def value(name: NamedDimension, arch: Architecture | None) -> int:
    """What a name stands for, by the architecture's numbers: M, R or R_l, a cell's state by
    its entries (|h|, or |layer.h| when there are several layers), or a number."""
    if arch is not None and name.symbol.startswith("|"):
        label = name.symbol.strip("|")
        layer, state = label.split(".", 1) if "." in label else (arch.layers[0].name, label)
        program = arch.program(arch.index(layer))
        return dict(program.states)[state].size + name.plus_one
    if arch is None or name.symbol not in ("M", "R"):
        assert name.layer is None and not name.plus_one
        return int(name.symbol)
    if name.symbol == "M":
        base = arch.M
    elif name.layer is None:
        assert len(set(arch.widths)) == 1  # a shared R only when every width agrees
        base = arch.widths[0]
    else:
        base = arch.widths[name.layer - 1]
    return base + name.plus_one


def check(formula: CutFormula, cut: MinCut, arch: Architecture | None) -> None:
    dims = Counter(e.dim for e in cut.cut_edges if e.dim > 1)
    named = Counter()
    for name, power in formula.factors:
        named[value(name, arch)] += power
    assert named == dims  # every cut bond of dimension > 1 is named once, by its own dimension
    assert formula.bound == cut.bound == math.prod(value(n, arch) ** p for n, p in formula.factors)
    assert len({n for n, _ in formula.factors}) == len(formula.factors)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arch=architectures(max_depth=3, max_width=3, max_M=3), T=st.integers(2, 5), data=st.data())
def test_names_stand_for_the_dimensions_they_count(arch, T, data):
    net = unroll(arch, T)
    part = data.draw(partitions(T))
    cut = min_cut(net, part)
    formula = cut_formula(cut, net)
    check(formula, cut, arch)
    assert formula.bound == min_cut_bound(arch, part)  # a second algorithm, without the network
    assert formula.text().endswith(f"= {tnrank.formatting.format_bound(cut.bound)}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.filter_too_much])
@given(arch=cell_architectures(), T=st.integers(2, 4), data=st.data())
def test_names_of_cells_stand_for_the_dimensions_they_count(arch, T, data):
    assume(unrolled_size(arch, T)[0] <= 1500)
    net = unroll(arch, T)
    assume(len(net.steps) == T)
    part = data.draw(partitions(T))
    cut = min_cut(net, part)
    formula = cut_formula(cut, net)
    check(formula, cut, arch)
    assert formula.bound == min_cut_bound(arch, part)


@pytest.mark.parametrize("path", sorted(GRAPHS.glob("*.toml")), ids=lambda p: p.stem)
def test_gallery_files(path):
    arch = tnrank.load(path)
    for T in (4, 6):
        net = unroll(arch, T)
        cut = min_cut(net, "start-end")
        check(cut_formula(cut, net), cut, arch)


@pytest.mark.parametrize(
    "build, T, text, math_text",
    [
        (lambda: Architecture.rac(2, 3, 3), 6, "R^4 = 81", "$R^{4}$ = 81"),
        (lambda: tnrank.load(GRAPHS / "bottleneck.toml"), 4, "M^2·R1 = 12", r"$M^{2} \cdot R_{1}$ = 12"),
        (lambda: tnrank.load(GRAPHS / "skip_input.toml"), 4, "(R+1)^6 = 4,096", "$(R+1)^{6}$ = 4,096"),
        (lambda: tnrank.load(GRAPHS / "mi_rnn.toml"), 4, "R+1 = 4", "$R+1$ = 4"),
        (lambda: Architecture.rac(1, 3, 3), 6, "R = 3", "$R$ = 3"),
    ],
)
def test_known_formulas(build, T, text, math_text):
    net = unroll(build(), T)
    formula = cut_formula(min_cut(net, "start-end"), net)
    assert (formula.text(), formula.text(math=True)) == (text, math_text)


def test_a_bond_between_layers_is_named_by_the_state_it_carries():
    """The bond from layer 2's W^I down to layer 1's copy tensor carries h^{t,1}: R1, not R2."""
    arch = Architecture(M=2, layers=[tnrank.Layer(2), tnrank.Layer(3)])
    net = unroll(arch, 4)
    cut = min_cut(net, [0, 1])
    assert any(not e.leg and {net.graph.nodes[n]["layer"] for n in e.nodes} == {0, 1} for e in cut.cut_edges)
    assert cut_formula(cut, net).text() == "R1^3 = 8"
    check(cut_formula(cut, net), cut, arch)


def test_networks_without_an_architecture_write_numbers():
    peps = lattice_2d(3, 3)
    cut = min_cut(peps, [0, 1, 2])
    assert dimension_names(peps) == {}
    assert cut_formula(cut, peps).text() == "2^3 = 8"
    check(cut_formula(cut, peps), cut, None)
    chain = mps(6, bond=3)
    assert cut_formula(min_cut(chain, "start-end"), chain).text() == "3"  # a single number


def test_disconnected_sides_and_a_cut_of_another_network():
    assert CutFormula((), 1).text() == "1 (the sides are disconnected) = 1"
    net = unroll(Architecture.rac(1, 2, 2), 4)
    alien = MinCut(2, (CutEdge("nowhere", ("a", "b"), 2),), (frozenset(), frozenset()), (0, 1), (2, 3))
    with pytest.raises(TnrankError, match="nowhere.*`network` does not have"):
        cut_formula(alien, net)
