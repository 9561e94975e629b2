import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import naive_output
from strategies import architectures

from tnrank import PRIME, Architecture, TnrankError, Weights, evaluate, random_weights


@settings(max_examples=40, deadline=None)
@given(arch=architectures(), T=st.integers(1, 4), seed=st.integers(0, 10**6))
def test_batched_engine_matches_naive_recurrence_mod_p(arch, T, seed):
    w = random_weights(arch, seed=seed, prime=PRIME)
    x = np.random.default_rng(seed).integers(0, PRIME, size=(5, T, arch.M))
    y = evaluate(w, x)
    assert y.tolist() == [naive_output(w, seq, PRIME) for seq in x]


@settings(max_examples=25, deadline=None)
@given(arch=architectures(), T=st.integers(1, 4), seed=st.integers(0, 10**6))
def test_batched_engine_matches_naive_recurrence_in_float(arch, T, seed):
    w = random_weights(arch, seed=seed)
    x = np.random.default_rng(seed).standard_normal((4, T, arch.M))
    np.testing.assert_allclose(evaluate(w, x), [naive_output(w, s) for s in x], rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(arch=architectures(max_depth=2), T=st.integers(1, 4), seed=st.integers(0, 10**6))
def test_float_equals_modular_on_small_integer_weights(arch, T, seed):
    rng = np.random.default_rng(seed)
    ref = random_weights(arch, seed=seed, prime=PRIME)
    small = lambda a: None if a is None else rng.integers(-2, 3, size=a.shape)
    arrays = dict(
        input=[small(a) for a in ref.input], hidden=[small(a) for a in ref.hidden],
        output=[small(a) for a in ref.output], merge=[small(a) for a in ref.merge],
        initial=[small(a) for a in ref.initial] if arch.initial == "state" else None,
    )
    wf = Weights.from_arrays(arch, **arrays)
    wm = Weights.from_arrays(arch, **arrays, prime=PRIME)
    x = rng.integers(-2, 3, size=(6, T, arch.M))
    yf = evaluate(wf, x)
    assert np.all(np.abs(yf) < 2**53)  # exact integers in float64
    assert (np.round(yf).astype(np.int64) % PRIME).tolist() == evaluate(wm, x).tolist()


def test_batch_shapes_are_kept():
    w = random_weights(Architecture.rac(2, 2, 3), prime=PRIME)
    x = np.random.default_rng(1).integers(0, PRIME, size=(2, 4, 5, 3))
    assert evaluate(w, x).tolist() == [[naive_output(w, seq, PRIME) for seq in row] for row in x]


def test_wide_layers_use_grouped_products_exactly():
    # width 40 takes the grouped matrix-product path of the modular arithmetic
    arch = Architecture.rac(2, 40, 3)
    w = random_weights(arch, seed=3, prime=PRIME)
    x = np.random.default_rng(0).integers(0, PRIME, size=(3, 3, 3))
    assert evaluate(w, x).tolist() == [naive_output(w, s, PRIME) for s in x]


@pytest.mark.parametrize(
    "inputs, fragment",
    [
        (np.ones((2, 3, 4)), "last axis of length 4"),
        (np.full((2, 3, 3), 0.5), "non-integer values"),
        (np.ones(3), "shape \\(..., T, M\\)"),
        (np.array([["a", "b", "c"]]), "numeric"),
    ],
)
def test_bad_inputs(inputs, fragment):
    w = random_weights(Architecture.rac(1, 2, 3), prime=PRIME)
    with pytest.raises(TnrankError, match=fragment):
        evaluate(w, inputs)


def test_modular_reduce_and_combine_match_python_integers():
    from tnrank.engine.arithmetic import ModularArithmetic
    from tnrank.field import GF

    p = PRIME
    ar = ModularArithmetic(GF(p))
    rng = np.random.default_rng(0)
    x = rng.integers(-(2**62), 2**62, size=1000)
    assert ar.reduce(x.copy()).tolist() == [int(v) % p for v in x.tolist()]
    assert int(ar.reduce(np.array(-5))) == p - 5
    C = rng.integers(0, p, size=(3, 4, 1, 6))
    h = rng.integers(0, p, size=(4, 5, 1))
    got = ar.combine(C, h)
    want = [[[sum(int(C[r, c, 0, j]) * int(h[c, i, 0]) for c in range(4)) % p for j in range(6)]
             for i in range(5)] for r in range(3)]
    assert got.shape == (3, 5, 6) and got.tolist() == want
