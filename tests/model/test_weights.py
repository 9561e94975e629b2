import math

import numpy as np
import pytest

from tnrank import PRIME, Architecture, Layer, TnrankError, Weights, evaluate, random_weights
from tnrank.model.weights import witness_weights


def test_random_weights_are_seeded_and_shaped():
    arch = Architecture(M=2, layers=[Layer(3), Layer(2, ("input", "layer1"), "general")],
                        output=["layer1", "layer2"], initial="state")
    a, b = random_weights(arch, seed=5, prime=PRIME), random_weights(arch, seed=5, prime=PRIME)
    assert all(np.array_equal(x, y) for x, y in zip(a.input, b.input, strict=True))
    assert a.input[1].shape == (2, 5) and a.hidden[0].shape == (3, 3)
    assert a.merge[0] is None and a.merge[1].shape == (4, 2)
    assert [o.shape for o in a.output] == [(3,), (2,)]
    assert all(h.shape == (r,) for h, r in zip(a.initial, arch.widths, strict=True))
    assert a.input[0].dtype == np.int64 and a.input[0].min() >= 0 and a.input[0].max() < PRIME
    f = random_weights(arch, seed=5)
    assert f.prime is None and f.input[0].dtype == np.float64


def test_witness_has_identity_hidden_weights():
    w = witness_weights(Architecture.rac(3, 4, 2), seed=1, prime=PRIME)
    assert all(np.array_equal(h, np.eye(4)) for h in w.hidden)


def test_from_arrays_validates_shapes_and_values():
    arch = Architecture.rac(1, 2, 3)
    ok = Weights.from_arrays(arch, [np.ones((2, 3))], [np.eye(2)], np.ones(2), prime=7)
    # by hand: W^I v = (s, s) with s = sum(v), W^H = I, so h^T = (∏ s_t, ∏ s_t) and y = 2 ∏ s_t
    x = np.random.default_rng(0).integers(0, 7, size=(5, 4, 3))
    assert evaluate(ok, x).tolist() == [2 * math.prod(seq.sum(axis=1).tolist()) % 7 for seq in x]
    with pytest.raises(TnrankError, match=r"input weights W\^I of layer 'layer1' has shape \(3, 2\)"):
        Weights.from_arrays(arch, [np.ones((3, 2))], [np.eye(2)], np.ones(2))
    with pytest.raises(TnrankError, match="non-integer values"):
        Weights.from_arrays(arch, [np.full((2, 3), 0.5)], [np.eye(2)], np.ones(2), prime=7)
    with pytest.raises(TnrankError, match="inf or nan"):
        Weights.from_arrays(arch, [np.full((2, 3), np.nan)], [np.eye(2)], np.ones(2))
    with pytest.raises(TnrankError, match=r"too large .*below 2\*\*30.* so products stay inside int64"):
        Weights.from_arrays(arch, [np.ones((2, 3))], [np.eye(2)], np.ones(2), prime=2**31 - 1)
    with pytest.raises(TnrankError, match="2 hidden array"):
        Weights.from_arrays(arch, [np.ones((2, 3))], [np.eye(2)] * 2, np.ones(2))


def test_negative_integers_reduce_modulo_p():
    arch = Architecture.rac(1, 1, 1)
    w = Weights.from_arrays(arch, [[[-1]]], [[[1]]], [1], prime=7)
    assert w.input[0][0, 0] == 6
