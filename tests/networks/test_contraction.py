"""Contraction of unrolled circuits and of user networks against independent oracles."""

from __future__ import annotations

import numpy as np
import pytest
from tn_archs import ARCHITECTURES

from tnrank import PRIME, Architecture, TnrankError, evaluate, grid_tensor, random_weights
from tnrank.model.weights import Weights
from tnrank.networks.backend import contract_einsum
from tnrank.networks.circuit_tensors import contract_grid, evaluate_network, rac_tensors
from tnrank.networks.contraction import contract, matricization_rank, random_tensors
from tnrank.networks.examples import binary_tree, lattice_2d, mps
from tnrank.networks.graph import TensorNetwork
from tnrank.networks.mincut import min_cut
from tnrank.networks.unrolling import unroll

NAMES = sorted(ARCHITECTURES)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("T", [1, 2, 4])
def test_contraction_equals_evaluation_mod_p(name, T):
    arch = ARCHITECTURES[name]
    net = unroll(arch, T)
    w = random_weights(arch, seed=T, prime=PRIME)
    x = np.random.default_rng(T).integers(0, PRIME, size=(2, 3, T, arch.M))
    y = evaluate_network(net, w, x)
    assert y.shape == (2, 3)
    assert np.array_equal(y, evaluate(w, x))


@pytest.mark.parametrize("name", NAMES)
def test_contraction_equals_evaluation_float(name):
    arch = ARCHITECTURES[name]
    T = 4
    net = unroll(arch, T)
    w = random_weights(arch, seed=3)
    x = np.random.default_rng(3).standard_normal((5, T, arch.M))
    expected = evaluate(w, x)
    for optimize in ("auto", "greedy"):
        assert np.allclose(evaluate_network(net, w, x, optimize=optimize), expected, rtol=1e-9, atol=1e-12)
    assert np.allclose(evaluate_network(net, w, x, backend="tensornetwork"), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name, T", [("rac-1", 3), ("rac-2", 2), ("additive", 3), ("state", 1)])
def test_dp_paths_on_small_networks(name, T):
    arch = ARCHITECTURES[name]
    net = unroll(arch, T)
    w = random_weights(arch, seed=4, prime=PRIME)
    x = np.random.default_rng(4).integers(0, 9, size=(3, T, arch.M))
    assert np.array_equal(evaluate_network(net, w, x, optimize="dp"), evaluate(w, x))
    with pytest.raises(TnrankError, match="optimize='dp'"):
        evaluate_network(unroll(arch, 12), random_weights(arch), np.ones((1, 12, arch.M)), optimize="dp")


def _small_integer_weights(arch: Architecture, seed: int) -> Weights:
    rng = np.random.default_rng(seed)
    w = random_weights(arch, seed=seed)
    draw = lambda a: None if a is None else rng.integers(-2, 3, size=np.shape(a)).astype(float)
    return Weights.from_arrays(
        arch, [draw(a) for a in w.input], [draw(a) for a in w.hidden], [draw(a) for a in w.output],
        [draw(a) for a in w.merge], [draw(a) for a in w.initial] if arch.initial == "state" else None,
    )


@pytest.mark.parametrize("name", NAMES)
def test_small_integer_weights_are_exact_in_float(name):
    arch = ARCHITECTURES[name]
    T = 3
    w = _small_integer_weights(arch, seed=7)
    x = np.random.default_rng(7).integers(-2, 3, size=(6, T, arch.M)).astype(float)
    y = evaluate_network(unroll(arch, T), w, x)
    assert np.array_equal(y, evaluate(w, x))  # integers far below 2**53: no rounding anywhere


@pytest.mark.parametrize("name", ["rac-1", "rac-3", "skip", "zeros", "mixed-state"])
def test_grid_by_contraction_equals_grid_by_evaluation(name):
    arch = ARCHITECTURES[name]
    T = 3
    net = unroll(arch, T)
    w = random_weights(arch, seed=5, prime=PRIME)
    assert np.array_equal(contract_grid(net, w), grid_tensor(w, T))
    templates = np.random.default_rng(5).integers(0, 100, size=(arch.M, 3))
    assert np.array_equal(contract_grid(net, w, templates), grid_tensor(w, T, templates))
    wf = random_weights(arch, seed=5)
    assert np.allclose(contract_grid(net, wf, backend="tensornetwork"), grid_tensor(wf, T))


def test_open_legs_against_einsum():
    net = mps(4, bond=3, phys=2)
    rng = np.random.default_rng(0)
    t = random_tensors(net, rng)
    full = contract(net, t)
    expected = np.einsum("ap,abq,bcr,cs->pqrs", t["A0"], t["A1"], t["A2"], t["A3"])
    assert np.allclose(full, expected)
    assert np.allclose(contract(net, t, backend="tensornetwork"), expected)
    # plugging vectors: grid and batch modes
    vecs = {s: rng.standard_normal((2, 2)) for s in range(4)}
    grid = contract(net, t, vecs)
    assert np.allclose(grid, np.einsum("pqrs,ip,jq,kr,ls->ijkl", expected, *vecs.values()))
    batch = contract(net, t, vecs, batch=True)
    assert np.allclose(batch, np.einsum("pqrs,ip,iq,ir,is->i", expected, *vecs.values()))


def test_modular_contraction_is_exact():
    net = lattice_2d(2, 3, bond=3, phys=2)
    t = random_tensors(net, seed=1, prime=PRIME)
    got = contract(net, t, prime=PRIME)
    # oracle: numpy einsum on Python integers (exact, no reduction until the end)
    letters = {}
    for node in net.tensors:
        for bond in net.axes(node):
            letters.setdefault(bond, "abcdefghijklmnopqrstuvwxyz"[len(letters)])
    eq = ",".join("".join(letters[b] for b in net.axes(n)) for n in net.tensors)
    eq += "->" + "".join(letters[leg] for leg in net.legs)
    full = np.einsum(eq, *(t[n].astype(object) for n in net.tensors)) % PRIME
    assert got.dtype == np.int64
    assert np.array_equal(got, full.astype(np.int64))


def test_tn_backend_with_hyperedges():
    rng = np.random.default_rng(2)
    a, b, c = rng.standard_normal((3, 4)), rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    # 'i' is shared by three operands and the output; 'k' by two operands and the output
    got = contract_einsum([a, b, c], [("i", "j"), ("j", "i"), ("i", "k")], ("i", "k"))
    assert np.allclose(got, np.einsum("ij,ji,ik->ik", a, b, c))
    got = contract_einsum([a, b], [("i", "j"), ("j", "k")], ())
    assert np.allclose(got, np.einsum("ij,jk->", a, b))


@pytest.mark.parametrize("seed", range(6))
def test_generic_mps_and_tree_ranks_equal_min_cut(seed):
    rng = np.random.default_rng(seed)
    nets = [
        mps(int(rng.integers(4, 8)), bond=int(rng.integers(1, 5)), phys=int(rng.integers(2, 4))),
        binary_tree(int(rng.integers(1, 4)), bond=int(rng.integers(1, 6)), phys=2),
    ]
    for net in nets:
        n = len(net.steps)
        for _ in range(3):
            start = [s for s in range(n) if rng.random() < 0.5] or [0]
            if len(start) == n:
                start = start[1:]
            assert matricization_rank(net, start, seed=seed) == min_cut(net, start).bound


def _random_network(rng: np.random.Generator, loops: bool) -> TensorNetwork:
    import networkx as nx

    n = int(rng.integers(2, 7))
    g = (nx.gnp_random_graph(n, 0.5, seed=int(rng.integers(10**6))) if loops
         else nx.random_labeled_tree(n, seed=int(rng.integers(10**6))))
    net = TensorNetwork()
    for i in range(n):
        net.add_node(f"t{i}")
    for u, v in g.edges():
        net.add_bond(f"t{u}", f"t{v}", int(rng.integers(1, 4)))
    for i in range(n):
        if not net.axes(f"t{i}") or rng.random() < 0.6:
            net.add_leg(f"t{i}", int(rng.integers(1, 4)))
    while len(net.legs) < 2:
        net.add_leg("t0", 2)
    return net


@pytest.mark.parametrize("loops", [False, True])
def test_random_networks_rank_against_min_cut(loops):
    rng = np.random.default_rng(11 if loops else 12)
    for trial in range(40):
        net = _random_network(rng, loops)
        n = len(net.steps)
        start = list(range(int(rng.integers(1, n))))
        rank = matricization_rank(net, start, seed=trial)
        cut = min_cut(net, start).bound
        if loops:  # with loops the cut is an upper bound
            assert rank <= cut
        else:  # on trees random cores reach it
            assert rank == cut


def test_rac_tensors_share_arrays():
    arch = ARCHITECTURES["rac-2"]
    net = unroll(arch, 5)
    t = rac_tensors(net, random_weights(arch))
    assert t["WH[3,layer1]#0"] is t["WH[1,layer1]#3"]


def test_bad_input():
    net = mps(3)
    t = random_tensors(net)
    with pytest.raises(TnrankError, match="optimize 'optimal'"):
        contract(net, t, optimize="optimal")
    with pytest.raises(TnrankError, match="backend 'cupy'"):
        contract(net, t, backend="cupy")
    with pytest.raises(TnrankError, match="opt_einsum backend"):
        contract(net, t, prime=PRIME, backend="tensornetwork")
    with pytest.raises(TnrankError, match="no tensor given for node 'A1'"):
        contract(net, {"A0": t["A0"], "A2": t["A2"]})
    with pytest.raises(TnrankError, match="has shape"):
        contract(net, t | {"A1": np.ones((2, 2))})
    with pytest.raises(TnrankError, match="no input vectors for step"):
        contract(net, t, {0: np.ones((1, 2))})
    with pytest.raises(TnrankError, match="must have shape"):
        contract(net, t, {s: np.ones((1, 3)) for s in range(3)})
    with pytest.raises(TnrankError, match="same number of rows"):
        contract(net, t, {0: np.ones((1, 2)), 1: np.ones((2, 2)), 2: np.ones((1, 2))}, batch=True)
    with pytest.raises(TnrankError, match="integers"):
        contract(net, t, prime=PRIME)
    with pytest.raises(TnrankError, match="not unrolled"):
        rac_tensors(net, random_weights(Architecture.rac(1, 2, 2)))
    arch = Architecture.rac(1, 2, 2)
    rac = unroll(arch, 3)
    with pytest.raises(TnrankError, match="another architecture"):
        rac_tensors(rac, random_weights(Architecture.rac(1, 3, 2)))
    with pytest.raises(TnrankError, match="T=3"):
        evaluate_network(rac, random_weights(arch), np.ones((2, 4, 2)))
    with pytest.raises(TnrankError, match="full tensor has"):
        matricization_rank(mps(30), "start-end")
    big = mps(14, bond=8, phys=4)
    with pytest.raises(TnrankError, match="intermediate tensor"):
        contract(big, random_tensors(big))
