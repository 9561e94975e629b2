"""The float64 modular elimination against python-flint, exact integer products and
rank identities."""

import tracemalloc

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tnrank.engine.elimination as E
from tnrank import PRIME, TnrankError
from tnrank.engine.elimination import rank_memory
from tnrank.engine.rank import rank_mod_p
from tnrank.field import GF
from tnrank.primes import LARGEST_PRIME, SECOND_PRIME, check_prime

SMALL_PRIMES = [2, 3, 5, 7, 251, 65521]
LARGE_PRIMES = [1048573, 16777213, SECOND_PRIME, PRIME, LARGEST_PRIME]
ALL_PRIMES = SMALL_PRIMES + LARGE_PRIMES


def flint_rank(A, p):
    """Reference: python-flint's nmod_mat on Python-integer residues."""
    rows = [[int(x) % p for x in row] for row in np.asarray(A).tolist()]
    if not rows or not rows[0]:
        return 0
    return int(flint.nmod_mat(rows, p).rank())


def low_rank(rng, m, n, r, p):
    """An m x n matrix of rank <= r mod p (generically = r): product of random factors (flint)."""
    if r == 0:
        return np.zeros((m, n), dtype=np.int64)
    L = flint.nmod_mat(rng.integers(0, p, (m, r)).tolist(), p)
    R = flint.nmod_mat(rng.integers(0, p, (r, n)).tolist(), p)
    return np.array([[int(x) for x in row] for row in (L * R).tolist()], dtype=np.int64)


@pytest.fixture(params=[None, 5], ids=["leaf48", "leaf5"])
def leaf(request, monkeypatch):
    """Run with the real leaf width and with a tiny one (deep recursion on small sizes)."""
    if request.param is not None:
        monkeypatch.setattr(E, "_LEAF", request.param)
    return request.param


# -- agreement with python-flint -------------------------------------------------------
@pytest.mark.parametrize("p", ALL_PRIMES)
def test_random_and_low_rank_agree_with_flint(p, leaf):
    rng = np.random.default_rng(p % 1000)
    shapes = [(1, 1), (1, 9), (9, 1), (7, 7), (40, 70), (70, 40), (97, 97), (130, 101)]
    for m, n in shapes:
        A = rng.integers(0, p, (m, n))
        assert rank_mod_p(A, p) == flint_rank(A, p), (m, n)
        r = int(rng.integers(0, min(m, n) + 1))
        B = low_rank(rng, m, n, r, p)
        got = rank_mod_p(B, p)
        assert got == flint_rank(B, p) and got <= r, (m, n, r)


@pytest.mark.parametrize("p", [3, 65521, PRIME, LARGEST_PRIME])
def test_structured_rows_agree_with_flint(p, leaf):
    rng = np.random.default_rng(7)
    m, n = 120, 110
    base = rng.integers(0, p, (m, n))
    zero_rows = base.copy()
    zero_rows[rng.random(m) < 0.6] = 0
    repeated = base[rng.integers(0, 9, m)]  # rows repeated from 9 originals, scattered
    blocks = np.repeat(base[:5], m // 5, axis=0)  # long runs of equal rows
    dependent = base.copy()
    dependent[60:] = (3 * base[:60] + 5 * base[1:61]) % p
    near_ends = rng.choice([0, 1, 2, p - 1, p - 2, p - 3], size=(m, n))
    negative = base - rng.integers(0, 3, (m, n)) * p  # reduced mod p, negatives included
    zero_cols = base.copy()
    zero_cols[:, rng.random(n) < 0.5] = 0
    sparse = base * (rng.random((m, n)) < 0.02)
    for name, A in [
        ("zero rows", zero_rows), ("repeated", repeated), ("blocks", blocks),
        ("dependent", dependent), ("near 0 and p-1", near_ends), ("negative", negative),
        ("zero columns", zero_cols), ("sparse", sparse), ("all zero", 0 * base),
        ("all p-1", np.full((m, n), p - 1)),
    ]:
        for M in (A, A.T):
            assert rank_mod_p(M, p) == flint_rank(M, p), name


def test_block_boundaries_with_the_real_leaf():
    # sizes around multiples of the leaf width: several leaves, ragged last leaf
    rng = np.random.default_rng(3)
    for p in (251, 16777213, PRIME):
        for n in (E._LEAF - 1, E._LEAF, E._LEAF + 1, 2 * E._LEAF + 1, 5 * E._LEAF - 3):
            for r in (n, n - 1, n // 3):
                A = low_rank(rng, n + 3, n, r, p)
                assert rank_mod_p(A, p) == flint_rank(A, p), (p, n, r)


def test_leaves_that_need_several_rounds(monkeypatch):
    # no extra candidate rows: rank-deficient candidate sets force more rounds per leaf
    monkeypatch.setattr(E, "_EXTRA_CANDIDATES", 0)
    rng = np.random.default_rng(11)
    for p in (2, 7, PRIME):
        base = rng.integers(0, p, (12, 60))
        A = np.repeat(base, 20, axis=0)[rng.permutation(240)]  # 240 rows from 12 originals
        A[::17] = rng.integers(0, p, (A[::17].shape))
        assert rank_mod_p(A, p) == flint_rank(A, p)


def test_empty_shapes():
    for shape in [(0, 0), (0, 5), (5, 0)]:
        assert rank_mod_p(np.zeros(shape, dtype=np.int64), PRIME) == 0


def test_method_flint_is_the_reference():
    rng = np.random.default_rng(5)
    A = low_rank(rng, 30, 25, 11, PRIME)
    assert rank_mod_p(A, PRIME, method="flint") == rank_mod_p(A, PRIME) == 11
    with pytest.raises(TnrankError, match="unknown rank method"):
        rank_mod_p(A, PRIME, method="magma")


# -- input types -------------------------------------------------------------------------
def test_every_integer_dtype_is_reduced_exactly():
    rng = np.random.default_rng(2)
    p = PRIME
    big = rng.integers(-(2**63), 2**63 - 1, (20, 30), dtype=np.int64)
    ubig = rng.integers(0, 2**64 - 1, (20, 30), dtype=np.uint64, endpoint=True)
    for A in [big, ubig, big.astype(np.int32), big.astype(np.int8), ubig.astype(np.uint16),
              (big % 2).astype(bool)]:
        assert rank_mod_p(A, p) == flint_rank(A.astype(object), p), A.dtype
    # entries 2**40 + c agree with their residues
    A = rng.integers(0, 100, (15, 15)) + 2**40
    assert rank_mod_p(A, 101) == flint_rank(A, 101)


def test_float_input_holding_integers():
    rng = np.random.default_rng(4)
    A = low_rank(rng, 25, 30, 9, PRIME)
    F = A.astype(np.float64) - PRIME * rng.integers(0, 2**20, A.shape)  # |x| < 2**53
    assert rank_mod_p(F, PRIME) == 9
    assert rank_mod_p(F.astype(np.float32).astype(np.float64) * 0 + A, PRIME) == 9
    assert rank_mod_p(np.float32([[1, 2], [3, 6]]), 7) == 1


def test_overwrite_uses_the_buffer_and_leaves_others_alone():
    rng = np.random.default_rng(8)
    A = low_rank(rng, 60, 60, 23, PRIME)
    W = A.astype(np.float64)
    assert rank_mod_p(W, PRIME, overwrite=True) == 23
    assert not np.array_equal(W, A)  # consumed as working memory
    W2 = A.astype(np.float64)
    assert rank_mod_p(W2, PRIME) == 23 and np.array_equal(W2, A)  # copied by default
    tall = np.ascontiguousarray(low_rank(rng, 90, 40, 17, PRIME).astype(np.float64))
    assert rank_mod_p(tall, PRIME, overwrite=True) == 17


# -- the modular products ------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, 3, 1048573, 16777213, PRIME, LARGEST_PRIME])
def test_modular_products_are_exact_at_the_extremes(p):
    # entries of the largest magnitude and inner dimensions past the chunk limits
    F = E._Modulus(GF(p))
    rng = np.random.default_rng(1)
    k = 2500
    hi = p // 2
    A = rng.choice([-hi, hi, hi - 1, -hi + 1], size=(6, k)).astype(np.float64)
    B = rng.choice([-hi, hi, 1 - hi], size=(k, 5)).astype(np.float64)
    C = rng.choice([-hi, hi, 0], size=(6, 5)).astype(np.float64)
    want = (C.astype(np.int64).astype(object) - A.astype(np.int64).astype(object)
            @ B.astype(np.int64).astype(object)) % p
    got = F.submul(C.copy(), A, B)
    assert np.all(np.abs(got) <= F.h)
    assert np.array_equal(got.astype(np.int64) % p, want.astype(np.int64))


def test_limb_plan_matches_the_documented_ranges():
    assert E._Modulus(GF(1048573))._plan(8192)[0] == 1  # one product, one chunk
    assert len(E._Modulus(GF(1048573))._plan(8192)[1]) == 1
    limbs, chunks = E._Modulus(GF(PRIME))._plan(4096)
    assert limbs == 2 and max(b - a for a, b in chunks) <= 1022
    assert E._Modulus(GF(LARGEST_PRIME))._plan(1000)[0] == 2
    for k in (1, 48, 127, 4096):  # ONE_PRODUCT_PRIME_LIMIT: one product below 2**24
        assert E._Modulus(GF(16777213))._plan(k)[0] == 1 and 16777213 < E.ONE_PRODUCT_PRIME_LIMIT


# -- rank identities (property tests) ------------------------------------------------------
def _invertible(rng, n, p):
    """A random invertible matrix mod p: unit lower times upper with nonzero diagonal."""
    L = np.tril(rng.integers(0, p, (n, n)), -1) + np.eye(n, dtype=np.int64)
    U = np.triu(rng.integers(0, p, (n, n)), 1) + np.diag(rng.integers(1, p, n))
    return (L.astype(object) @ U.astype(object)) % p


@settings(max_examples=40, deadline=None)
@given(
    m=st.integers(1, 70), n=st.integers(1, 70), r=st.integers(0, 70),
    p=st.sampled_from([2, 3, 251, 16777213, PRIME, LARGEST_PRIME]), seed=st.integers(0, 2**32 - 1),
    leaf_width=st.sampled_from([3, 8, E._LEAF]),
)
def test_rank_identities(m, n, r, p, seed, leaf_width):
    rng = np.random.default_rng(seed)
    old = E._LEAF
    E._LEAF = leaf_width
    try:
        A = low_rank(rng, m, n, min(r, m, n), p)
        rank = rank_mod_p(A, p)
        assert rank <= min(r, m, n)
        assert rank_mod_p(A.T, p) == rank
        PAQ = ((_invertible(rng, m, p) @ A.astype(object)) % p @ _invertible(rng, n, p)) % p
        assert rank_mod_p(PAQ.astype(np.int64), p) == rank
        assert rank_mod_p(np.vstack([A, np.zeros((1, n), dtype=np.int64)]), p) == rank
    finally:
        E._LEAF = old


# -- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "p, message",
    [(91, "not a prime .91 = 7 × 13"), (1, "below the smallest"), (-7, "below the smallest"),
     (2**31, r"too large .*below 2\*\*31 = 2147483648"), (2147483659, "too large"), (True, "boolean"),
     (7.0, "not an integer"), ("7", "not an integer")],
)
def test_bad_moduli(p, message):
    with pytest.raises(TnrankError, match=message) as err:
        rank_mod_p(np.eye(2, dtype=np.int64), p)
    assert "tnrank.PRIME (1073741789)" in str(err.value)


def test_check_prime():
    assert check_prime(np.int64(PRIME)) == PRIME and type(check_prime(np.int64(7))) is int
    assert check_prime(LARGEST_PRIME) == LARGEST_PRIME and check_prime(2) == 2
    with pytest.raises(TnrankError, match="below the smallest allowed prime 1000"):
        check_prime(101, minimum=1000)


def test_bad_matrices():
    with pytest.raises(TnrankError, match="2-D"):
        rank_mod_p(np.ones((2, 2, 2), dtype=int), PRIME)
    with pytest.raises(TnrankError, match="integer entries"):
        rank_mod_p(np.array([[0.5, 1.0]]), PRIME)
    with pytest.raises(TnrankError, match="integer entries"):
        rank_mod_p(np.array([[np.nan, 1.0]]), PRIME)
    with pytest.raises(TnrankError, match="2\\*\\*53"):
        rank_mod_p(np.array([[2.0**60, 1.0]]), PRIME)
    with pytest.raises(TnrankError, match="integer entries"):
        rank_mod_p(np.array([["a", "b"]]), PRIME)


def test_too_large_is_refused_before_allocating(monkeypatch):
    monkeypatch.setenv("TNRANK_MEMORY", "64M")
    A = np.broadcast_to(np.int64(1), (4000, 4000))  # no memory behind it
    tracemalloc.start()
    try:
        with pytest.raises(TnrankError, match="4000 × 4000 matrix needs .* TNRANK_MEMORY"):
            rank_mod_p(A, PRIME)
        assert tracemalloc.get_traced_memory()[1] < 2**20
    finally:
        tracemalloc.stop()
    monkeypatch.setenv("TNRANK_MEMORY", "64G")
    assert rank_mod_p(A[:300, :200], PRIME) == 1


@pytest.mark.parametrize("shape", [(400, 300), (300, 400), (700, 64)])
def test_rank_memory_bounds_the_measured_peak(shape):
    rng = np.random.default_rng(6)
    A = rng.integers(0, PRIME, shape)
    tracemalloc.start()
    try:
        rank_mod_p(A, PRIME)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 8 * A.size <= peak <= rank_memory(*shape)
