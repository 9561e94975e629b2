"""Exact arithmetic over GF(q²): Gaussian integers a + bi modulo a prime q ≡ 3 (mod 4).

The references are independent of the engine: ranks over GF(q²) are read off the GF(q)-rank of
the regular representation [[A, -B], [B, A]] (python-flint), and circuit outputs are computed
one sequence at a time with pairs of Python integers (tests/oracle.py).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import naive_output_gaussian, rank_gaussian_regular

from tnrank import (
    Architecture,
    Layer,
    Partition,
    TnrankError,
    Weights,
    evaluate,
    random_weights,
    rank_mod_p,
)
from tnrank.engine.grid import sample_matrix
from tnrank.field import GF
from tnrank.primes import GAUSSIAN_PRIME, MAX_GAUSSIAN_PRIME, check_gaussian_prime

# both ends of the supported range: tiny fields and the largest prime 3 mod 4 below 2**23
PRIMES = [3, 7, 11, 19, 43, 10007, GAUSSIAN_PRIME, 8_388_587]


def _centred(x: np.ndarray, q: int) -> np.ndarray:
    return np.where(x > q // 2, x - q, x)


def _gaussian(rng: np.random.Generator, shape, q: int) -> np.ndarray:
    """Uniform Gaussian residues with centred parts (exact to multiply in complex128)."""
    return _centred(rng.integers(0, q, shape), q) + 1j * _centred(rng.integers(0, q, shape), q)


def _reduce(z: np.ndarray, q: int) -> np.ndarray:
    return np.mod(np.rint(z.real), q) + 1j * np.mod(np.rint(z.imag), q)


def _product(rng, m, n, r, q):
    """A product of m × r and r × n Gaussian factors, reduced mod q (rank ≤ r)."""
    if r == 0:
        return np.zeros((m, n), dtype=complex)
    L, R = _gaussian(rng, (m, r), q), _gaussian(rng, (r, n), q)
    total = np.zeros((m, n), dtype=complex)
    for j in range(r):  # one outer product at a time: every part stays far below 2**53
        total = _reduce(total + np.outer(L[:, j], R[j]), q)
    return total


def _make(kind: str, rng, m: int, n: int, r: int, q: int) -> np.ndarray:
    if kind == "random":
        return _reduce(_gaussian(rng, (m, n), q), q)
    if kind == "product":
        return _product(rng, m, n, min(r, m, n), q)
    A = _product(rng, m, n, min(r, m, n), q) if kind != "extremes" else None
    if kind == "zero rows":
        A[rng.integers(0, m, size=max(1, m // 3))] = 0
    elif kind == "repeated rows":
        A[m // 2:] = A[: m - m // 2]
    elif kind == "dependent rows":  # the last row is a GF(q²) combination of the first two
        if m >= 3:
            c, d = _gaussian(rng, 2, q)
            A[-1] = _reduce(c * A[0] + d * A[1 % m], q)
    elif kind == "extremes":  # parts at 0, ±1, ±q/2 and q - 1
        values = np.array([0, 1, -1, q // 2, -(q // 2), q - 1])
        A = values[rng.integers(0, 6, (m, n))] + 1j * values[rng.integers(0, 6, (m, n))]
    return A


KINDS = ["random", "product", "zero rows", "repeated rows", "dependent rows", "extremes"]


@settings(max_examples=220, deadline=None)
@given(
    m=st.integers(1, 40), n=st.integers(1, 40), r=st.integers(0, 40), seed=st.integers(0, 10**6),
    q=st.sampled_from(PRIMES), kind=st.sampled_from(KINDS),
)
def test_gaussian_rank_matches_the_regular_representation(m, n, r, seed, q, kind):
    A = _make(kind, np.random.default_rng(seed), m, n, r, q)
    assert rank_mod_p(A, GF(q, 2)) == rank_gaussian_regular(A, q)


@pytest.mark.parametrize("q", [7, GAUSSIAN_PRIME, 8_388_587])
@pytest.mark.parametrize("m, n, r", [(300, 300, 300), (257, 300, 199), (300, 130, 77),
                                     (1, 500, 1), (500, 1, 1), (120, 1100, 120)])
def test_gaussian_rank_through_the_recursion(m, n, r, q):
    # large enough for the blocked elimination (leaves of 48 columns, Schur complements) and,
    # at 1100 columns, for inner dimensions split into several exact products
    rng = np.random.default_rng(m * n + r)
    A = _product(rng, m, n, r, q)
    assert rank_mod_p(A, GF(q, 2)) == rank_gaussian_regular(A, q)
    if q > 10**6:  # a product of generic factors has rank r except with probability < 1e-4
        assert rank_mod_p(A, GF(q, 2)) == r


@pytest.mark.parametrize("q", [7, GAUSSIAN_PRIME])
@pytest.mark.parametrize("m, n, r", [(2, 100, 1), (3, 120, 1), (2, 300, 2), (4, 97, 3)])
def test_a_multiplier_of_one_entry_is_not_overwritten(m, n, r, q):
    # a leaf of two rows and one pivot has a 1 × 1 multiplier X, whose real part (a contiguous
    # view) the Gaussian product once summed in place with its imaginary part: rank 2 for these
    # rank-1 matrices
    rng = np.random.default_rng(m * n + r)
    A = _product(rng, m, n, r, q)
    assert rank_mod_p(A, GF(q, 2)) == rank_gaussian_regular(A, q)


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 30), n=st.integers(1, 30), r=st.integers(0, 30), seed=st.integers(0, 10**6),
       q=st.sampled_from([7, 43, GAUSSIAN_PRIME]))
def test_gaussian_rank_invariances(m, n, r, seed, q):
    rng = np.random.default_rng(seed)
    A = _product(rng, m, n, r, q)
    k = rank_mod_p(A, GF(q, 2))
    assert rank_mod_p(A.T, GF(q, 2)) == k
    assert rank_mod_p(np.vstack([A, np.zeros((1, n))]), GF(q, 2)) == k
    assert rank_mod_p(_reduce(1j * A, q), GF(q, 2)) == k
    # P A Q with invertible P and Q (unit triangular factors are invertible over any field)
    P = np.tril(_gaussian(rng, (m, m), q), -1) + np.eye(m)
    Q = np.triu(_gaussian(rng, (n, n), q), 1) + np.eye(n)
    PA = np.zeros((m, n), dtype=complex)
    for j in range(m):
        PA = _reduce(PA + np.outer(P[:, j], A[j]), q)
    PAQ = np.zeros((m, n), dtype=complex)
    for j in range(n):
        PAQ = _reduce(PAQ + np.outer(PA[:, j], Q[j]), q)
    assert rank_mod_p(PAQ, GF(q, 2)) == k


@pytest.mark.parametrize("q", [3, 43, GAUSSIAN_PRIME])
def test_an_integer_matrix_has_the_same_rank_over_gf_q_and_gf_q2(q):
    # a field extension does not change the rank of a matrix over the smaller field
    rng = np.random.default_rng(q)
    A = rng.integers(0, 4, (60, 9)) @ rng.integers(0, 4, (9, 70))
    assert rank_mod_p(A.astype(complex), GF(q, 2)) == rank_mod_p(A, q) == rank_mod_p(A, GF(q**2))


def test_gaussian_moduli_outside_the_range_are_refused_in_one_line():
    A = np.eye(3, dtype=complex)
    with pytest.raises(TnrankError, match="not 3 mod 4"):
        rank_mod_p(A, GF(13, 2))
    with pytest.raises(TnrankError, match="not 3 mod 4"):
        GF(13**2)
    with pytest.raises(TnrankError, match="not below 2\\*\\*23"):
        rank_mod_p(A, GF(MAX_GAUSSIAN_PRIME + 15, 2))
    with pytest.raises(TnrankError, match="not a prime"):
        rank_mod_p(A, GF(15, 2))
    with pytest.raises(TnrankError, match="neither a prime p nor the square"):
        GF(15**2)
    with pytest.raises(TnrankError, match="GF\\(p\\) only"):
        rank_mod_p(A, GF(7, 2), method="flint")
    with pytest.raises(TnrankError, match="integer"):
        rank_mod_p(np.array([[0.5 + 1j]]), GF(7, 2))
    # a complex matrix over a prime field is refused, not read as Gaussian integers
    with pytest.raises(TnrankError, match="complex matrix holds Gaussian integers.*GF\\(7\\)"):
        rank_mod_p(A, 7)
    assert check_gaussian_prime(GAUSSIAN_PRIME) == GAUSSIAN_PRIME


@pytest.mark.parametrize("depth, width, M, integration", [(1, 2, 2, "multiplicative"),
                                                          (3, 2, 3, "multiplicative"),
                                                          (2, 3, 2, "additive")])
def test_gaussian_evaluation_matches_pairs_of_python_integers(depth, width, M, integration):
    arch = Architecture(M=M, layers=[Layer(width, integration=integration)] * depth)
    q = GAUSSIAN_PRIME
    w = random_weights(arch, seed=5, prime=GF(q, 2))
    rng = np.random.default_rng(1)
    x = rng.integers(0, q, (7, 5, M)) + 1j * rng.integers(0, q, (7, 5, M))
    got = evaluate(w, x)
    assert got.dtype == np.complex128
    for i in range(7):
        re, im = naive_output_gaussian(w, x[i], q)
        assert (int(got[i].real) % q, int(got[i].imag) % q) == (re, im)


def test_real_gaussian_weights_reduce_to_arithmetic_mod_q():
    # weights and inputs with zero imaginary parts: GF(q²) arithmetic restricted to GF(q)
    arch = Architecture.rac(2, 3, 2)
    q = 10007
    w = random_weights(arch, seed=2, prime=q)
    wg = Weights.from_arrays(arch, w.input, w.hidden, w.output, prime=GF(q, 2))
    x = np.random.default_rng(3).integers(0, q, (20, 6, 2))
    mod_q = evaluate(w, x)
    gauss = evaluate(wg, x)
    assert np.all(gauss.imag == 0)
    assert np.array_equal(np.mod(gauss.real.astype(np.int64), q), mod_q)


def test_gaussian_sample_matrix_entries_match_the_recurrence():
    arch = Architecture.rac(2, 2, 2)
    q = GAUSSIAN_PRIME
    part = Partition.parse("start-end", 6)
    w = random_weights(arch, seed=0, prime=GF(q, 2))
    rng = np.random.default_rng(4)
    rows = rng.integers(0, q, (5, 3, 2)) + 1j * rng.integers(0, q, (5, 3, 2))
    cols = rng.integers(0, q, (4, 3, 2)) + 1j * rng.integers(0, q, (4, 3, 2))
    Y = sample_matrix(w, part, rows, cols)
    for i in range(5):
        for j in range(4):
            re, im = naive_output_gaussian(w, np.concatenate([rows[i], cols[j]]), q)
            assert (int(Y[i, j].real) % q, int(Y[i, j].imag) % q) == (re, im)


def test_gaussian_weights_are_checked():
    arch = Architecture.rac(1, 2, 2)
    with pytest.raises(TnrankError, match="not 3 mod 4"):
        random_weights(arch, prime=GF(13, 2))
    w = random_weights(arch, seed=0, prime=GF(GAUSSIAN_PRIME, 2))
    parts = np.concatenate([a.view(np.float64).ravel() for a in w.input + w.hidden + w.output])
    assert np.all(parts == np.rint(parts)) and np.max(np.abs(parts)) <= GAUSSIAN_PRIME // 2
    with pytest.raises(TnrankError, match="no float form"):
        w.to_float()
