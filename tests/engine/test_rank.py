import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import rank_mod_p_naive

from tnrank import PRIME, TnrankError, rank_mod_p
from tnrank.engine.rank import rank_float


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(1, 12), n=st.integers(1, 12), r=st.integers(0, 12), seed=st.integers(0, 10**6),
    p=st.sampled_from([2, 3, 7, 101, PRIME]),
)
def test_flint_rank_matches_textbook_elimination(m, n, r, seed, p):
    rng = np.random.default_rng(seed)
    A = (rng.integers(0, 5, (m, r)) @ rng.integers(0, 5, (r, n))) if r else np.zeros((m, n), int)
    assert rank_mod_p(A, p) == rank_mod_p_naive(A, p)


def test_rank_mod_p_is_at_most_rational_rank():
    A = np.array([[1, 0], [0, 7]])
    assert rank_mod_p(A, 7) == 1 and rank_mod_p(A, 11) == 2 and np.linalg.matrix_rank(A) == 2


def test_float_rank_states_numpys_default_tolerance():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((30, 6)) @ rng.standard_normal((6, 40))
    fr = rank_float(A)
    assert fr.rank == np.linalg.matrix_rank(A) == 6
    sv = np.linalg.svd(A, compute_uv=False)
    assert fr.tol == pytest.approx(sv[0] * 40 * np.finfo(float).eps)
    assert rank_float(A, tol=sv[0] * 2).rank == 0


def test_float_rank_fails_where_exact_rank_does_not():
    # a Vandermonde matrix on far-apart nodes: full rank exactly, not in float64
    nodes = np.arange(1, 25)
    V = np.vander(nodes, increasing=True).astype(object)
    assert rank_mod_p(np.vander(nodes, increasing=True) % PRIME, PRIME) == 24
    assert rank_float(np.array(V, dtype=float)).rank < 24


def test_bad_rank_inputs():
    with pytest.raises(TnrankError, match="integer entries"):
        rank_mod_p(np.ones((2, 2)) * 0.5, PRIME)
    with pytest.raises(TnrankError, match="2-D"):
        rank_mod_p(np.ones(3, dtype=int), PRIME)
    assert rank_mod_p(np.zeros((0, 3), dtype=int), PRIME) == 0
