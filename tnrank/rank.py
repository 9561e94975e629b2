"""Matrix ranks: exact over GF(p) (the answer) and float SVD (an estimate).

Grid entries of deep circuits span hundreds of orders of magnitude, so the
float rank of their matricizations is unreliable; it is reported beside the
exact rank, never instead of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import TnrankError

__all__ = ["rank_mod_p", "float_rank", "FloatRank", "MAX_FLOAT_SVD"]

#: Largest min(rows, cols) for which :func:`float_rank` runs an SVD by default.
MAX_FLOAT_SVD = 2048


def rank_mod_p(matrix: np.ndarray, prime: int) -> int:
    """Exact rank of an integer matrix over GF(``prime``) (python-flint).

    The rank mod ``p`` of an integer matrix never exceeds its rank over the
    rationals, so it is a certified lower bound for that matrix.

    Parameters
    ----------
    matrix : ndarray of integers, 2-D
    prime : int
        A prime modulus below 2**63.

    Returns
    -------
    int

    Examples
    --------
    >>> import numpy as np
    >>> rank_mod_p(np.array([[1, 2], [2, 4]]), 7)
    1
    >>> rank_mod_p(np.array([[1, 0], [0, 7]]), 7)   # 7 vanishes mod 7
    1
    """
    import flint  # imported here: python-flint is only needed for ranks

    arr = np.asarray(matrix)
    if arr.ndim != 2:
        raise TnrankError(f"rank needs a 2-D matrix, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TnrankError(
            f"exact ranks need integer entries, got dtype {arr.dtype}; build the matrix from "
            "modular weights (random_weights(..., prime=PRIME))"
        )
    if 0 in arr.shape:
        return 0
    if arr.shape[0] > arr.shape[1]:
        arr = arr.T  # flint's elimination is cheaper on wide matrices
    arr = np.mod(arr, prime)
    return int(flint.nmod_mat(arr.tolist(), int(prime)).rank())


@dataclass(frozen=True)
class FloatRank:
    """A float SVD rank and how it was decided.

    Attributes
    ----------
    rank : int
        Number of singular values above ``tol``.
    tol : float
        The threshold used: numpy's default ``σ_max · max(m, n) · eps`` unless
        given.
    sigma_max, sigma_min : float
        Largest and smallest singular values (the spread shows why float
        ranks fail here).
    """

    rank: int
    tol: float
    sigma_max: float
    sigma_min: float


def float_rank(matrix: np.ndarray, tol: float | None = None) -> FloatRank:
    """Float64 SVD rank with its tolerance stated.

    Parameters
    ----------
    matrix : ndarray, 2-D
    tol : float, optional
        Singular values above ``tol`` count. Default: numpy's
        ``σ_max · max(m, n) · eps`` (as in ``numpy.linalg.matrix_rank``).

    Returns
    -------
    FloatRank

    Examples
    --------
    >>> import numpy as np
    >>> float_rank(np.outer([1.0, 2.0], [3.0, 4.0])).rank
    1
    """
    arr = np.asarray(matrix, dtype=np.float64)
    if arr.ndim != 2:
        raise TnrankError(f"rank needs a 2-D matrix, got shape {arr.shape}")
    if 0 in arr.shape:
        return FloatRank(0, 0.0, 0.0, 0.0)
    if not np.all(np.isfinite(arr)):
        return FloatRank(0, float("nan"), float("inf"), float("nan"))
    sv = np.linalg.svd(arr, compute_uv=False)
    smax = float(sv[0])
    if tol is None:
        tol = smax * max(arr.shape) * np.finfo(np.float64).eps
    return FloatRank(int(np.sum(sv > tol)), float(tol), smax, float(sv[-1]))
