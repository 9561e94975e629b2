"""Known answers for custom architectures (derivations in docs/architecture-files.md).

Each claim is checked twice: against certified ranks (proved lower bounds
from exact modular ranks, so a wrong closed-form cap would be exposed by a
lower bound above it), and through the structural fact the derivation rests
on, computed directly with exact arithmetic.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from tnrank import PRIME, Architecture, Layer, Partition, Weights, certify, evaluate, random_weights
from tnrank.certification.bounds import state_degree_bound
from tnrank.engine.evaluation import Circuit
from tnrank.engine.grid import grid_tensor, matricize
from tnrank.files.architecture_file import load as load_architecture

GRAPHS = Path(__file__).resolve().parents[2] / "graphs"
rng = np.random.default_rng(2024)


def residues(*shape):
    return rng.integers(0, PRIME, size=shape)


# ------------------------------------------------------------- linear (additive) RNN

LINEAR = [
    (depth, initial, M, R, T)
    for depth, initial in itertools.product((1, 2, 3), ("zeros", "ones", "state"))
    for M, R, T in ((1, 1, 2), (2, 3, 4), (3, 2, 6), (3, 3, 8))
]


def additive(depth: int, M: int, R: int, initial: str, skip: bool = False) -> Architecture:
    layers = [Layer(R, ("input",) if k == 0 or not skip else (f"layer{k}", "input"), "additive")
              for k in range(depth)]
    return Architecture(M, layers, initial=initial)


@pytest.mark.parametrize("depth, initial, M, R, T", LINEAR)
def test_linear_rnn_separation_rank_is_exactly_two(depth, initial, M, R, T):
    rep = certify(additive(depth, M, R, initial, skip=depth % 2 == 0), T, float_check=False)
    assert rep.separation.exact and rep.separation.rank == 2
    assert rep.grid.exact and rep.grid.rank == min(2, M ** (T // 2))


def test_linear_rnn_output_is_start_part_plus_end_part():
    """y(s, e) - y(s, e0) - y(s0, e) + y(s0, e0) = 0 exactly: y = f(start) + g(end) (+ c)."""
    for arch in (load_architecture(GRAPHS / "linear_rnn.toml"), additive(3, 2, 3, "ones", True)):
        w = random_weights(arch, seed=5, prime=PRIME)
        s, s0, e, e0 = (residues(20, 3, arch.M) for _ in range(4))
        y = lambda a, b: evaluate(w, np.concatenate([a, b], axis=1))
        assert np.all((y(s, e) - y(s, e0) - y(s0, e) + y(s0, e0)) % PRIME == 0)
    rac = random_weights(Architecture.rac(1, 3, 2), seed=5, prime=PRIME)  # the identity can fail
    y = lambda a, b: evaluate(rac, np.concatenate([a, b], axis=1))
    assert np.any((y(s, e) - y(s, e0) - y(s0, e) + y(s0, e0)) % PRIME)


# ------------------------------------------------------- multiplicative integration

@pytest.mark.parametrize("M, R, T", [(2, 3, 4), (2, 3, 6), (3, 2, 8), (1, 3, 8), (3, 4, 4)])
def test_general_integration_rank_is_R_plus_one(M, R, T):
    arch = Architecture(M, [Layer(R, integration="general")])
    rep = certify(arch, T, float_check=False)
    assert rep.separation.lower <= R + 1
    if M ** (T // 2) > R:  # enough distinct start halves to span all R + 1 functions
        assert rep.separation.exact and rep.separation.rank == R + 1


def test_general_integration_output_is_affine_in_the_state_at_the_cut():
    arch = load_architecture(GRAPHS / "mi_rnn.toml")
    c = Circuit(random_weights(arch, seed=2, prime=PRIME))
    h1, h2 = residues(3, 1), residues(3, 1)
    lam = 987654321
    mix = (lam * h1 + (1 - lam) % PRIME * h2) % PRIME
    end = list(residues(3, 2, 1))
    y = lambda h: int(c.readout(c.run(end, [h]))[0])
    assert y(mix) == (lam * y(h1) + (1 - lam) * y(h2)) % PRIME


# ------------------------------------------------------------------ skip connections

SKIP_SWEEP = [(L, R, M, T) for L, R, M, T in itertools.product((2, 3), (1, 2, 3), (1, 2, 3), (4,))]
SKIP_SWEEP += [(2, 2, 2, 6), (3, 2, 2, 6), (2, 3, 3, 6)]


def with_skips(plain: Architecture) -> Architecture:
    layers = [ly if k == 0 else Layer(ly.width, (*ly.sources, "input"), ly.integration, ly.name)
              for k, ly in enumerate(plain.layers)]
    return Architecture(plain.M, layers)


@pytest.mark.parametrize("L, R, M, T", SKIP_SWEEP)
def test_raw_input_at_every_layer_never_lowers_the_rank(L, R, M, T):
    plain = Architecture.rac(L, R, M)
    skip = with_skips(plain)
    rp, rs = certify(plain, T, float_check=False), certify(skip, T, float_check=False)
    for a, b in ((rp.grid, rs.grid), (rp.separation, rs.separation)):
        assert b.lower >= a.lower
        if a.exact:
            assert b.lower >= a.rank


def test_plain_rac_is_the_skip_network_with_zero_input_columns():
    """The embedding behind the claim: zeroing W^I's input block recovers the plain RAC."""
    skip = load_architecture(GRAPHS / "skip_input.toml")
    plain = Architecture.rac(3, 3, 2)
    wp = random_weights(plain, seed=4, prime=PRIME)
    padded = [wp.input[0]] + [np.hstack([W, np.zeros((3, 2), dtype=np.int64)]) for W in wp.input[1:]]
    ws = Weights.from_arrays(skip, padded, wp.hidden, wp.output, prime=PRIME)
    x = residues(10, 6, 2)
    assert np.array_equal(evaluate(ws, x), evaluate(wp, x))


# ---------------------------------------------------------------------- bottleneck

def bottleneck_cap(widths: tuple[int, ...], T: int) -> int:
    """Start-End separation rank cap of a multiplicative stack whose lowest width-1
    layer is ``b``: ``∏_{l < b} C(R_l + n_l - 1, n_l)`` with
    ``n_l = C(T/2 + L - l - 1, L - l)`` (1-based ``l``).

    Derivation (docs/architecture-files.md, "A width-1 layer caps the rank"):
    layers ``b..L`` are rank-one streams ``h^t = σ_t c_t`` with ``c_t`` fixed
    (true for width 1, and kept by multiplicative layers:
    ``(W^I σ c) ⊙ (W^H σ' c') = σσ' (W^I c ⊙ W^H c')``). ``y`` reads the start
    only through the states at the cut and is homogeneous of degree ``n_l``
    in layer ``l``'s state; layer ``l`` contributes ``C(R_l + n_l - 1, n_l)``
    monomials, but a rank-one stream only one (every monomial of degree
    ``n_l`` is a multiple of ``σ^{n_l}``). The product over layers is the
    number of start functions ``y`` can use.
    """
    L = len(widths)
    b = widths.index(1) + 1 if 1 in widths else L + 1
    return math.prod(
        math.comb(widths[l - 1] + n - 1, n)
        for l in range(1, b)
        for n in [math.comb(T // 2 + L - l - 1, L - l)]
    )


CAP_SWEEP = [
    (w, M, T)
    for w in [(1, 3), (3, 1), (1, 3, 3), (3, 1, 3), (2, 1, 2), (3, 3, 1), (3, 1, 3, 3), (2, 2, 1, 2)]
    for M in (2, 3)
    for T in (2, 4, 6)
]


@pytest.mark.parametrize("widths, M, T", CAP_SWEEP)
def test_width_one_layer_caps_the_certified_rank(widths, M, T):
    arch = Architecture(M, list(widths))
    rep = certify(arch, T, grid="skip", float_check=False)
    cap = bottleneck_cap(widths, T)
    assert rep.separation.lower <= cap  # proved lower bound: the cap is never beaten
    assert state_degree_bound(arch, Partition.parse("start-end", T)) <= cap
    if widths[0] == 1:
        assert rep.separation.rank == 1  # y is a product of one function per step
    if widths.index(1) == 1 and M >= widths[0]:
        assert rep.separation.rank == cap  # the cap is attained


def test_bottleneck_caps_what_the_full_width_network_carries():
    full, narrow = Architecture(3, [3, 3, 3]), Architecture(3, [3, 1, 3])
    r_full = certify(full, 6, grid="skip", float_check=False).separation
    r_narrow = certify(narrow, 6, grid="skip", float_check=False).separation
    assert r_narrow.rank == bottleneck_cap((3, 1, 3), 6) == 28
    assert r_full.lower > 28


def test_layers_at_and_above_the_bottleneck_are_rank_one_streams():
    """The premise of the cap: over many start halves, h^{T/2, l} spans one direction for l >= b."""
    from oracle import rank_mod_p_naive

    arch = Architecture(3, [3, 1, 3, 3])
    c = Circuit(random_weights(arch, seed=9, prime=PRIME))
    starts = residues(3, 3, 12)  # 3 steps, M = 3, 12 start halves side by side
    states = c.run(list(starts))
    ranks = [rank_mod_p_naive(h.reshape(h.shape[0], -1).T, PRIME) for h in states]
    assert ranks == [3, 1, 1, 1]


# --------------------------------------------------------------- Tensor-Train view

def mps_grid(w: Weights, T: int) -> np.ndarray:
    """A[i_1..i_T] = w^T C_{i_T} W^H ... C_{i_2} W^H C_{i_1} b_0 with C_i = diag(W^I e_i),
    b_0 = W^H h^0: the Matrix Product State, contracted one entry at a time."""
    p = w.prime
    WI, WH, out = (np.asarray(a, dtype=object) for a in (w.input[0], w.hidden[0], w.output[0]))
    b0 = WH.dot(np.asarray(w.initial[0], dtype=object)) % p
    M = WI.shape[1]
    A = np.empty((M,) * T, dtype=object)
    for idx in itertools.product(range(M), repeat=T):
        v = WI[:, idx[0]] * b0 % p
        for i in idx[1:]:
            v = WI[:, i] * WH.dot(v) % p
        A[idx] = out.dot(v) % p
    return A


@pytest.mark.parametrize("T", [2, 4, 6])
def test_tt_rnn_grid_is_an_mps_of_bond_dimension_R(T):
    tt = load_architecture(GRAPHS / "tt_rnn.toml")
    w = random_weights(tt, seed=T, prime=PRIME)
    G = grid_tensor(w, T)
    assert np.array_equal(G.astype(object), mps_grid(w, T))
    R, M = tt.widths[0], tt.M
    rep = certify(tt, T)
    shallow = certify(load_architecture(GRAPHS / "shallow_rac.toml"), T)
    assert rep.separation.rank == rep.grid.rank == min(R, M ** (T // 2)) == shallow.separation.rank
    from oracle import rank_mod_p_naive

    assert rank_mod_p_naive(matricize(G, "start-end"), PRIME) == rep.grid.rank
