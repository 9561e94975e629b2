"""Interoperability: opt_einsum path optimizers, einsum export and quimb export, each checked by
contracting both ways (float against float, and exactly mod p against Python integers)."""

from __future__ import annotations

import numpy as np
import opt_einsum as oe
import pytest
from cell_archs import ARCHITECTURES as CELL_ARCHITECTURES

from tnrank import PRIME, Architecture, TnrankError, evaluate, random_weights
from tnrank.networks.circuit_tensors import evaluate_network, rac_tensors
from tnrank.networks.contraction import contract, random_tensors
from tnrank.networks.examples import binary_tree, lattice_2d, mps
from tnrank.networks.unrolling import unroll

NETWORKS = {
    "mps": lambda: mps(5, bond=3, phys=2),
    "tree": lambda: binary_tree(2, bond=3, phys=2),
    "peps": lambda: lattice_2d(2, 3, bond=2, phys=2),
    "rac": lambda: unroll(Architecture.rac(2, 2, 2), 2),
    "cell": lambda: unroll(CELL_ARCHITECTURES["gated matrix"], 2),
    "cell stack": lambda: unroll(CELL_ARCHITECTURES["several sources"], 1),
}


def _python_int_contraction(eq: str, arrays: list[np.ndarray], prime: int) -> np.ndarray:
    """Exact oracle: pairwise contractions (opt_einsum's greedy order) on Python integers,
    reduced once at the end."""
    full = np.asarray(oe.contract(eq, *(a.astype(object) for a in arrays), optimize="greedy"))
    return np.asarray(full % prime).astype(np.int64)


@pytest.mark.parametrize("name", sorted(NETWORKS))
@pytest.mark.parametrize("optimizer", [
    lambda: oe.RandomGreedy(max_repeats=8),
    lambda: oe.DynamicProgramming(search_outer=False),
    lambda: oe.RandomGreedy(max_repeats=4, minimize="size"),
    lambda: oe.paths.greedy,  # a plain function with the optimizer signature
])
def test_path_optimizer_objects_give_the_same_contraction(name, optimizer):
    net = NETWORKS[name]()
    floats = random_tensors(net, seed=1)
    expected = contract(net, floats, optimize="greedy")
    assert np.allclose(contract(net, floats, optimize=optimizer()), expected, rtol=1e-10, atol=1e-12)
    residues = random_tensors(net, seed=2, prime=PRIME)
    exact = contract(net, residues, prime=PRIME, optimize="greedy")
    assert np.array_equal(contract(net, residues, prime=PRIME, optimize=optimizer()), exact)


def test_explicit_paths_and_the_circuit_forward_pass():
    arch = Architecture.rac(2, 2, 3)
    net = unroll(arch, 4)
    w = random_weights(arch, seed=3, prime=PRIME)
    x = np.random.default_rng(3).integers(0, PRIME, size=(4, 4, 3))
    # a path found once by a random-greedy search, then reused as an explicit path
    y = evaluate_network(net, w, x, optimize=oe.RandomGreedy(max_repeats=4))
    assert np.array_equal(y, evaluate(w, x))
    eq, shapes, _arrays = net.to_einsum(rac_tensors(net, w))
    path, _ = oe.contract_path(eq, *shapes, shapes=True, optimize="greedy")
    tensors = rac_tensors(net, w)
    assert np.array_equal(contract(net, tensors, prime=PRIME, optimize=path),
                          contract(net, tensors, prime=PRIME))


def test_bad_optimizers_are_refused():
    net = mps(3)
    t = random_tensors(net)
    with pytest.raises(TnrankError, match="optimize must be one of .* got int"):
        contract(net, t, optimize=3)
    with pytest.raises(TnrankError, match="optimize 'optimal' is not allowed"):
        contract(net, t, optimize="optimal")
    with pytest.raises(TnrankError, match="explicit contraction path applies to the opt_einsum"):
        contract(net, t, optimize=[(0, 1), (0, 1)], backend="tensornetwork")


def test_cotengra_hyper_optimizer_when_installed():
    ctg = pytest.importorskip("cotengra")
    net = lattice_2d(3, 3, bond=2, phys=2)
    t = random_tensors(net, seed=5)
    opt = ctg.HyperOptimizer(max_repeats=4, methods=["greedy"], progbar=False)
    assert np.allclose(contract(net, t, optimize=opt), contract(net, t, optimize="greedy"))
    residues = random_tensors(net, seed=5, prime=PRIME)
    opt = ctg.HyperOptimizer(max_repeats=4, methods=["greedy"], progbar=False)
    assert np.array_equal(contract(net, residues, prime=PRIME, optimize=opt),
                          contract(net, residues, prime=PRIME))


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_to_einsum_contracts_to_the_same_tensor(name):
    net = NETWORKS[name]()
    floats = random_tensors(net, seed=7)
    eq, shapes, arrays = net.to_einsum(floats)
    inputs, output = eq.split("->")
    assert len(inputs.split(",")) == len(net.tensors) == len(shapes) == len(arrays)
    assert len(output) == len(net.legs)
    assert shapes == [net.shape(n) for n in net.tensors]
    assert np.allclose(oe.contract(eq, *arrays), contract(net, floats), rtol=1e-10, atol=1e-12)
    # exactly mod p: tnrank's modular contraction against Python integers
    residues = random_tensors(net, seed=8, prime=PRIME)
    eq, _shapes, arrays = net.to_einsum(residues)
    assert np.array_equal(contract(net, residues, prime=PRIME),
                          _python_int_contraction(eq, arrays, PRIME))


@pytest.mark.parametrize("name", ["selective", "gated matrix", "two states", "stack"])
def test_exported_cells_evaluate_the_cell(name):
    """An unrolled cell exported with its weights' tensors, the inputs (v, 1) plugged into the
    legs by the einsum itself: the engine's y for each sequence (float; exactly mod p against
    Python integers)."""
    arch = CELL_ARCHITECTURES[name]
    T = 3
    net = unroll(arch, T)
    x = np.random.default_rng(4).integers(0, 50, size=(2, T, arch.M))
    for prime in (None, PRIME):
        w = random_weights(arch, seed=5, prime=prime)
        eq, _shapes, arrays = net.to_einsum(rac_tensors(net, w))
        inputs, output = eq.split("->")
        legs = list(net.legs.values())
        for b in range(len(x)):
            vectors = [np.append(x[b, leg.step], 1) for leg in legs]
            full = inputs + "," + ",".join(output) + "->"
            if prime is None:
                y = oe.contract(full, *arrays, *vectors)
                assert np.isclose(y, evaluate(w, x[b:b + 1])[0], rtol=1e-9)
            else:
                y = _python_int_contraction(full, [*arrays, *(v.astype(np.int64) for v in vectors)], prime)
                assert int(y) == int(evaluate(w, x[b:b + 1])[0])


def test_to_einsum_beyond_52_indices_and_bad_input():
    net = mps(40, bond=2, phys=2)  # 39 bonds + 40 legs = 79 indices
    t = random_tensors(net, seed=9)
    eq, _shapes, arrays = net.to_einsum(t)
    assert len(set(eq) - set(",->")) == 79
    vec = {s: np.ones((1, 2)) for s in range(40)}
    # contract the open legs with ones on both sides
    ones = [np.ones(2)] * 40
    inputs, output = eq.split("->")
    total = oe.contract(inputs + "," + ",".join(output) + "->", *arrays, *ones)
    assert np.isclose(total, contract(net, t, vec, batch=True)[0])
    with pytest.raises(TnrankError, match="no tensor given for node 'A0'"):
        net.to_einsum({})
    with pytest.raises(TnrankError, match="has shape"):
        net.to_einsum(t | {"A3": np.ones(2)})


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_to_quimb_contracts_to_the_same_tensor(name):
    pytest.importorskip("quimb")
    net = NETWORKS[name]()
    floats = random_tensors(net, seed=11)
    qtn = net.to_quimb(floats)
    assert set(qtn.outer_inds()) == set(net.legs)
    legs = list(net.legs)
    got = qtn.contract(output_inds=legs)
    assert np.allclose(got.data, contract(net, floats), rtol=1e-10, atol=1e-12)
    assert {str(n) for n in net.tensors} <= set(qtn.tags)


def test_to_quimb_without_quimb_names_the_package(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "quimb", None)
    monkeypatch.setitem(sys.modules, "quimb.tensor", None)
    net = mps(3)
    with pytest.raises(TnrankError, match="pip install quimb"):
        net.to_quimb(random_tensors(net))
