"""Polynomial cells as tensor networks: contracting the unrolled network equals the engine's
evaluation (mod p and over the reals) for every operation, random cells and the gallery; the
dynamic programme, tnrank's max-flow and networkx's minimum_cut agree on the unrolled graph;
and the min-cut stays above certified ranks."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from cell_archs import ARCHITECTURES, ATTENTION, CELLS, GATED, PRODUCTS, S6
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import cell_architectures, partitions

import tnrank
from tnrank import PRIME, Architecture, Cell, Layer, Partition, certify, evaluate, random_weights
from tnrank.engine.grid import grid_tensor
from tnrank.model.cell import CellState, CellWeight
from tnrank.networks.circuit_tensors import contract_grid, evaluate_network, rac_tensors
from tnrank.networks.mincut import min_cut, min_cut_bound
from tnrank.networks.unrolling import needs_augmentation, unroll, unrolled_size

# one step reads the learned initial states h (n,) and S (2, 3); the output is the formula
OPERATIONS = {
    "linear map": ("A @ x", {"A": ("h", "x")}),
    "transposed map": ("x @ P", {"P": ("x", "h")}),
    "diagonal map": ("D @ h", {"D": CellWeight.diagonal("h")}),
    "identity": ("I @ h", {"I": CellWeight.identity("h")}),
    "low rank map": ("L @ x", {"L": CellWeight.low_rank("h", "x", 1)}),
    "transposed low rank map": ("h @ L", {"L": CellWeight.low_rank("h", "h", 1)}),
    "tied weights": ("A @ x + At @ x", {"A": ("h", "x"), "At": CellWeight.tied_to("A")}),
    "elementwise product": ("h * (A @ x)", {"A": ("h", "x")}),
    "sum and difference": ("h + A @ x - 2 * h", {"A": ("h", "x")}),
    "negation and constant": ("-h + 3", {}),
    "constant minus a vector": ("3 - h", {}),
    "power": ("h ** 3", {}),
    "a value used twice": ("h * h", {}),
    "vector and scalar weights": ("b * h + g * h", {"b": ("h",), "g": ()}),
    "matrix times vector": ("(S @ (E @ x)) @ R", {"E": (3, "x"), "R": (2, "h")}),
    "vector times matrix": ("((F @ x) @ S) @ P2", {"F": (2, "x"), "P2": (3, "h")}),
    "dot product": ("(h @ h) * h", {}),
    "outer product": ("(outer(F @ x, E @ x) @ (E @ x)) @ R", {"F": (2, "x"), "E": (3, "x"), "R": (2, "h")}),
    "row gating": ("(rows(F @ x, S) @ (E @ x)) @ R", {"F": (2, "x"), "E": (3, "x"), "R": (2, "h")}),
    "column gating": ("(cols(E @ x, S) @ (E @ x)) @ R", {"E": (3, "x"), "R": (2, "h")}),
    "weight on a matrix": ("(G @ S) @ (E @ x)", {"G": ("h", 2), "E": (3, "x")}),
    "diagonal weight on a matrix": ("((D @ S) @ (E @ x)) @ R",
                                    {"D": CellWeight.diagonal(2), "E": (3, "x"), "R": (2, "h")}),
    "low rank weight on a matrix": ("(L @ S) @ (E @ x)",
                                    {"L": CellWeight.low_rank("h", 2, 1), "E": (3, "x")}),
    "dense matrix weight elementwise": ("((Z * S) @ (E @ x)) @ R",
                                        {"Z": (2, 3), "E": (3, "x"), "R": (2, "h")}),
    "bilinear": ("bilinear(T, h, x)", {"T": ("h", "h", "x")}),
    "a scalar output": ("h @ (A @ x)", {"A": ("h", "x")}),
}

GALLERY = [p for p in sorted((Path(__file__).resolve().parents[2] / "graphs").glob("*.toml"))
           if tnrank.load(p).has_cells]


def _agrees(arch: Architecture, T: int, seed: int = 0, net=None) -> None:
    """Contraction equals evaluation, exactly mod p and to rounding over the reals."""
    net = net if net is not None else unroll(arch, T)
    rng = np.random.default_rng(seed)
    w = random_weights(arch, seed=seed, prime=PRIME)
    x = rng.integers(0, PRIME, size=(3, T, arch.M))
    assert np.array_equal(evaluate_network(net, w, x), evaluate(w, x))
    wf = random_weights(arch, seed=seed)
    xf = rng.standard_normal(size=(3, T, arch.M))
    assert np.allclose(evaluate_network(net, wf, xf), evaluate(wf, xf), rtol=1e-9, atol=1e-12)


def _one_step(expr: str, weights: dict, n: int, update: str) -> Architecture:
    extra = {"A0": ("h", "x")} if "A0" in update else {}
    cell = Cell(state={"h": CellState((n,), "state"), "S": CellState((2, 3), "state")},
                weights={**weights, **extra}, update={"h": update, "S": "S"}, output=expr)
    return Architecture(M=2, layers=[Layer(cell=cell, name="c")])


@pytest.mark.parametrize("name", sorted(OPERATIONS))
@pytest.mark.parametrize("update", ["h", "(A0 @ x) * h + h"], ids=["no sum", "a sum"])
def test_every_operation_contracts_to_the_engine(name, update):
    """With the state kept (a network of products, no constant) and with a sum in the update
    (every bond carrying the constant 1), one and three steps."""
    expr, weights = OPERATIONS[name]
    for n in (1, 2):
        arch = _one_step(expr, weights, n, update)
        for T in (1, 3):
            _agrees(arch, T, seed=T)


def test_a_broken_operation_is_caught():
    """The comparison above can fail: a diagonal weight's tensor replaced by a dense one."""
    arch = _one_step("(D @ h) * (A0 @ x) + h", {"D": CellWeight.diagonal("h")}, 2, "(A0 @ x) * h + h")
    net = unroll(arch, 2)
    w = random_weights(arch, seed=1, prime=PRIME)
    tensors = rac_tensors(net, w)
    node = next(n for n in net.tensors if n.startswith("apply") and net.graph.nodes[n]["part"] == "d")
    tensors[node] = tensors[node].copy()
    tensors[node][0] = (tensors[node][0] + 1) % PRIME
    from tnrank.networks.contraction import contract

    x = np.random.default_rng(1).integers(0, PRIME, size=(2, 2, 2))
    legs = {t: np.c_[x[:, t, :], np.ones(2, dtype=np.int64)] for t in range(2)}
    assert np.array_equal(contract(net, rac_tensors(net, w), legs, batch=True, prime=PRIME), evaluate(w, x))
    assert not np.array_equal(contract(net, tensors, legs, batch=True, prime=PRIME), evaluate(w, x))


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_architectures_with_cells_contract_to_the_engine_and_the_grid(name):
    arch = ARCHITECTURES[name]
    for T in (1, 2, 4):
        net = unroll(arch, T)
        _agrees(arch, T, seed=T, net=net)
        w = random_weights(arch, seed=T, prime=PRIME)
        assert np.array_equal(contract_grid(net, w), grid_tensor(w, T))
        assert unrolled_size(arch, T) == (net.graph.number_of_nodes(), net.graph.number_of_edges(),
                                          len(net.legs))
        assert nx.is_tree(net.graph)


def _networkx_cut(net, start: set[int]) -> int:
    """networkx's minimum_cut (preflow-push) on the unrolled graph: parallel bonds merged into
    one edge of summed log2 capacity, each leg a finite edge to its tensor and an infinite one
    to the source or sink; the exact product over the cut it returns."""
    g = nx.Graph()
    for b in net.bonds.values():
        u, v = b.nodes
        g.add_edge(u, v, capacity=math.log2(b.dim) + (g[u][v]["capacity"] if g.has_edge(u, v) else 0.0))
    for leg in net.legs.values():
        g.add_edge(leg.name, leg.tensor, capacity=math.log2(leg.dim))
        g.add_edge(leg.name, "source" if leg.step in start else "sink")
    _value, (reach, _rest) = nx.minimum_cut(g, "source", "sink")
    crossing = [b.dim for b in net.bonds.values() if (b.nodes[0] in reach) != (b.nodes[1] in reach)]
    crossing += [leg.dim for leg in net.legs.values() if (leg.name in reach) != (leg.tensor in reach)]
    return math.prod(crossing)


def _partitions(T: int):
    parts = [Partition.parse("interleaved", T), Partition(T, (0,)), Partition(T, (T - 1,))]
    if T % 2 == 0:
        parts.append(Partition.parse("start-end", T))
    return parts


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_the_three_min_cuts_agree(name):
    """The dynamic programme over blocks, tnrank's max-flow and networkx's minimum_cut."""
    arch = ARCHITECTURES[name]
    for T in (2, 3, 4, 5):
        net = unroll(arch, T)
        if len(net.steps) < T:  # some input never reaches the output: no partition of the legs
            continue
        for part in _partitions(T):
            flow = min_cut(net, part)
            assert min_cut_bound(arch, part) == flow.bound == _networkx_cut(net, set(part.start)), \
                (T, part)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.filter_too_much])
@given(arch=cell_architectures(), T=st.integers(1, 4), data=st.data())
def test_random_cells(arch, T, data):
    assume(unrolled_size(arch, T)[0] <= 1500)
    net = unroll(arch, T)
    _agrees(arch, T, seed=T, net=net)
    if len(net.steps) == T >= 2:
        part = data.draw(partitions(T))
        cut = min_cut(net, part)
        assert cut.bound == min_cut_bound(arch, part) == _networkx_cut(net, set(part.start))


def _certified_below_the_cut(arch: Architecture, Ts=(2, 4, 6)) -> None:
    for T in Ts:
        rep = certify(arch, T, float_check=False)
        bound = min_cut_bound(arch, "start-end", T=T)
        assert rep.separation.bounds["min-cut"] == bound
        assert rep.separation.lower <= bound and rep.grid.lower <= bound
        assert rep.separation.status != "inconsistent"


@pytest.mark.parametrize("name", sorted(CELLS))
def test_the_min_cut_bounds_certified_ranks(name):
    _certified_below_the_cut(ARCHITECTURES[name])


@pytest.mark.parametrize("path", GALLERY, ids=[p.stem for p in GALLERY])
def test_gallery_cells(path):
    arch = tnrank.load(path)
    for T in (1, 2, 3, 4):
        net = unroll(arch, T)
        _agrees(arch, T, seed=T, net=net)
        for part in _partitions(T) if T >= 2 else ():
            assert min_cut(net, part).bound == min_cut_bound(arch, part) == \
                _networkx_cut(net, set(part.start))
    _certified_below_the_cut(arch)


def test_a_layer_linear_in_its_state_is_cut_at_its_state():
    """The min-cut of a single layer whose update is linear in its own state is the state's
    bond: N + 1 for a selective layer of N entries, d_k d_v + 1 for linear attention."""
    for cell, expected in ((S6, 3 + 1), (ATTENTION, 3 * 2 + 1), (GATED, 2 * 2 + 1)):
        arch = Architecture(M=2, layers=[Layer(cell=cell)])
        for T in (4, 8, 64, 256):
            assert min_cut_bound(arch, "start-end", T=T) == expected
    rep = certify(Architecture(M=2, layers=[Layer(cell=S6)]), 8, float_check=False).separation
    assert (rep.rank, rep.status, rep.upper_source) == (4, "exact", "min-cut")  # closed by the cut


def test_structure_of_the_unrolled_cell():
    """A diagonal weight is a copy tensor joined to its diagonal, a low-rank weight two nodes
    joined by a bond of its rank, the identity no node; a state read twice in one step is two
    copies of its sub-network; a cell of products needs no constant."""
    cell = Cell(state={"h": 3}, weights={"D": CellWeight.diagonal("h"), "L": CellWeight.low_rank("h", "x", 2),
                                         "I": CellWeight.identity("h")},
                update={"h": "(D @ h) * (I @ h) + L @ x"})
    arch = Architecture(M=2, layers=[Layer(cell=cell, name="c")])
    net = unroll(arch, 3)
    assert net.info["augmented"]
    g = net.graph
    for t in range(3):
        here = [n for n in net.tensors if g.nodes[n]["step"] == t]
        diag = [n for n in here if g.nodes[n].get("structure") == "diagonal"]
        assert sorted(g.nodes[n]["kind"] for n in diag) == sorted(["delta", "weight"] * 2 ** (2 - t))
        low = {n for n in here if g.nodes[n].get("structure") == "low rank"}
        inner = [b.dim for b in net.bonds.values() if set(b.nodes) <= low]
        assert inner == [2 + 1] * 2 ** (2 - t)  # the rank, plus the constant
    assert not any(":I" in str(n) for n in net.tensors)
    # h^{t-1} is read by D and by I: 2^(T-1-t) copies of the block of step t
    assert net.copies() == {0: 4, 1: 2, 2: 1}
    assert not needs_augmentation(Architecture(M=2, layers=[Layer(cell=PRODUCTS)]))
    assert unroll(Architecture(M=2, layers=[Layer(cell=ATTENTION)]), 2).shape("out") == (2 + 1,)
    state_bonds = {b.dim for b in unroll(Architecture(M=2, layers=[Layer(cell=ATTENTION)]), 2).bonds.values()}
    assert 3 * 2 + 1 in state_bonds  # the matrix state on one bond


def test_min_cut_of_a_network_too_large_to_count_is_refused():
    """Copies that grow exponentially with T: the min-cut is refused with a one-line error
    instead of overflowing."""
    cell = Cell(state={"h": 1}, weights={"A": ("h", "x")}, update={"h": "(h * h) * (A @ x) + A @ x"})
    arch = Architecture(M=1, layers=[Layer(cell=cell)])
    assert min_cut_bound(arch, "start-end", T=8) >= 1
    with pytest.raises(tnrank.TnrankError, match="too large to compute"):
        min_cut_bound(arch, "start-end", T=1200)
