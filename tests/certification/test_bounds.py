import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import monomial_count
from strategies import architectures

from tnrank import PRIME, Architecture, Layer, Partition, Weights, evaluate, random_weights
from tnrank.certification.bounds import (
    _input_degree_ranges,
    conjecture_lower,
    grid_size_bound,
    input_degree_bound,
    reuse_count,
    state_degree_bound,
    theorem1_deep_lower,
    theorem1_shallow_upper,
    theorem_bounds,
    total_degree,
)
from tnrank.engine.evaluation import Circuit
from tnrank.model.architecture import INPUT


@pytest.mark.parametrize("M, R, T", [(2, 2, 4), (3, 2, 6), (2, 3, 8), (4, 4, 6)])
def test_theorem1_counts_multisets(M, R, T):
    k = min(M, R)
    multisets = sum(1 for _ in itertools.combinations_with_replacement(range(k), T // 2))
    assert theorem1_deep_lower(R, M, T) == multisets
    assert theorem1_shallow_upper(R, M, T) == min(R, M ** (T // 2))


def test_conjecture_reduces_to_theorem_at_depth_two_and_counts_reuse():
    for M, R, T in [(2, 3, 4), (3, 3, 10), (4, 2, 8)]:
        assert conjecture_lower(2, R, M, T) == theorem1_deep_lower(R, M, T)
    # n_3 at T = 8: the depth-1 start summary feeds (T/2)(T/2 + 1)/2 = 10 top-layer products
    assert reuse_count(3, 8) == 10


@pytest.mark.parametrize("L, R, T", [(1, 3, 6), (2, 2, 8), (2, 3, 6), (3, 2, 6), (3, 3, 4), (4, 2, 4)])
def test_state_degree_bound_of_rac_is_the_product_of_monomial_counts(L, R, T):
    degrees = [math.comb(T // 2 + L - l - 1, L - l) for l in range(1, L + 1)]
    expected = math.prod(monomial_count(R, n) for n in degrees)
    assert state_degree_bound(Architecture.rac(L, R, 2), Partition.parse("start-end", T)) == expected


@pytest.mark.parametrize("L, R, T", [(2, 2, 6), (3, 2, 6), (3, 3, 4)])
def test_output_is_homogeneous_of_the_stated_degree_in_each_state(L, R, T):
    """Scaling h^{T/2,l} by λ scales y by λ^{n_l}: the premise of the degree bound."""
    arch = Architecture.rac(L, R, 3)
    w = random_weights(arch, seed=1, prime=PRIME)
    c = Circuit(w)
    rng = np.random.default_rng(0)
    xs = rng.integers(0, PRIME, size=(T, 3, 1))
    mid = c.run(list(xs[: T // 2]))
    for l in range(L):
        n_l = math.comb(T // 2 + L - l - 2, L - l - 1)
        lam = 12345
        scaled = [h if j != l else (h * lam) % PRIME for j, h in enumerate(mid)]
        y0 = c.readout(c.run(list(xs[T // 2:]), mid))[0]
        y1 = c.readout(c.run(list(xs[T // 2:]), scaled))[0]
        assert y1 == y0 * pow(lam, n_l, PRIME) % PRIME


def test_additive_rnn_state_bound_is_two():
    arch = Architecture(M=3, layers=[Layer(4, integration="additive")], initial="zeros")
    assert state_degree_bound(arch, Partition.parse("start-end", 8)) == 2


def test_input_and_grid_bounds_for_depth_one():
    arch = Architecture.rac(1, 9, 3)
    part = Partition.parse("0,1", 5)
    assert input_degree_bound(arch, part) == 3**2
    assert grid_size_bound(arch, part) == 3**2
    assert state_degree_bound(arch, Partition.parse("interleaved", 4)) is None


@settings(max_examples=30, deadline=None)
@given(arch=architectures(), T=st.integers(1, 5), seed=st.integers(0, 10**6))
def test_total_degree_bounds_the_degree_in_a_common_weight_scale(arch, T, seed):
    """y(λ·weights, λ·inputs) has degree ≤ total_degree in λ: its finite differences of
    that order plus one vanish."""
    D = total_degree(arch, T, random_inputs=True)
    w = random_weights(arch, seed=seed, prime=PRIME)
    x = np.random.default_rng(seed).integers(0, PRIME, size=(1, T, arch.M))
    values = []
    for lam in range(D + 2):
        scale = lambda a: None if a is None else (a * lam) % PRIME
        ws = Weights(arch, tuple(map(scale, w.input)), tuple(map(scale, w.hidden)),
                     tuple(map(scale, w.output)), tuple(map(scale, w.merge)),
                     tuple(map(scale, w.initial)), PRIME)
        values.append(int(evaluate(ws, (x * lam) % PRIME)[0]))
    diff = values
    for _ in range(D + 1):
        diff = [(b - a) % PRIME for a, b in zip(diff, diff[1:], strict=False)]
    assert diff == [0]


def test_total_degree_is_attained_by_the_rac():
    arch, T = Architecture.rac(2, 2, 2), 4
    D = total_degree(arch, T, random_inputs=True)
    w = random_weights(arch, seed=3, prime=PRIME)
    x = np.random.default_rng(3).integers(0, PRIME, size=(1, T, 2))
    lam = 7
    scale = lambda a: (a * lam) % PRIME
    ws = Weights(arch, tuple(map(scale, w.input)), tuple(map(scale, w.hidden)),
                 tuple(map(scale, w.output)), w.merge, w.initial, PRIME)
    # homogeneous: y(λW, λx) = λ^D y(W, x)
    assert evaluate(ws, (x * lam) % PRIME)[0] == evaluate(w, x)[0] * pow(lam, D, PRIME) % PRIME


def test_theorem_bounds_apply_to_the_standard_rac_only():
    part = Partition.parse("start-end", 6)
    assert [b.kind for b in theorem_bounds(Architecture.rac(1, 2, 2), part)] == ["upper"]
    assert [b.kind for b in theorem_bounds(Architecture.rac(2, 2, 2), part)] == ["lower"]
    assert theorem_bounds(Architecture.rac(2, [2, 3], 2), part) == []
    assert theorem_bounds(Architecture.rac(2, 2, 2), Partition.parse("interleaved", 6)) == []


def test_verdicts():
    from tnrank.certification.bounds import TheoremBound

    up = TheoremBound("u", "upper", 5, "")
    assert up.verdict(5, 5) == "tight" and up.verdict(3, 5) == "holds"
    assert up.verdict(6, 9) == "violated" and up.verdict(3, 9) == "undecided"
    lo = TheoremBound("l", "lower", 5, "")
    assert lo.verdict(5, 5) == "tight" and lo.verdict(7, 9) == "holds"
    assert lo.verdict(1, 4) == "violated" and lo.verdict(3, 9) == "undecided"


# --------------------------------------------------------------- degree ranges
def degree_ranges_step_by_step(arch, T) -> list[tuple[int, int]]:
    """The direct computation: every input v^t tracked at every step (O(T² · L))."""
    L = arch.depth
    lo: list[list[int] | None] = [None] * L  # per layer, per step t
    hi: list[list[int] | None] = [None] * L
    zero = [0] * T
    for t in range(T):
        unit = [int(s == t) for s in range(T)]
        nlo: list = [None] * L
        nhi: list = [None] * L
        for l in arch.order:
            layer = arch.layers[l]
            alo, ahi = None, None
            for src in layer.sources:
                slo, shi = (unit, unit) if src == INPUT else (nlo[arch.index(src)], nhi[arch.index(src)])
                alo = slo if alo is None else [min(x, y) for x, y in zip(alo, slo, strict=False)]
                ahi = shi if ahi is None else [max(x, y) for x, y in zip(ahi, shi, strict=False)]
            blo, bhi = (lo[l], hi[l]) if lo[l] is not None else (zero, zero)
            first_zero = lo[l] is None and arch.initial == "zeros"
            kind = layer.integration
            if kind == "multiplicative":
                nlo[l] = [x + y for x, y in zip(alo, blo, strict=False)]
                nhi[l] = [x + y for x, y in zip(ahi, bhi, strict=False)]
            elif kind == "additive":
                nlo[l] = alo if first_zero else [min(x, y) for x, y in zip(alo, blo, strict=False)]
                nhi[l] = ahi if first_zero else [max(x, y) for x, y in zip(ahi, bhi, strict=False)]
            else:
                nlo[l] = zero
                nhi[l] = [x + y for x, y in zip(ahi, bhi, strict=False)]
        lo, hi = nlo, nhi
    ylo, yhi = None, None
    for name in arch.output:
        i = arch.index(name)
        ylo = lo[i] if ylo is None else [min(x, y) for x, y in zip(ylo, lo[i], strict=False)]
        yhi = hi[i] if yhi is None else [max(x, y) for x, y in zip(yhi, hi[i], strict=False)]
    return list(zip(ylo, yhi, strict=False))  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(arch=architectures(max_depth=4), T=st.integers(1, 12))
def test_degree_ranges_follow_from_two_tracked_inputs(arch, T):
    """The O(T·L) shift argument agrees with tracking every input at every step."""
    assert _input_degree_ranges(arch, T) == degree_ranges_step_by_step(arch, T)
