"""Matrix ranks: exact over GF(p) (the answer) and float SVD (an estimate).

Grid entries of deep circuits span hundreds of orders of magnitude, so the
float rank of their matricizations is unreliable; it is reported beside the
exact rank, never instead of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tnrank.engine.elimination import (
    elimination_rank,
    rank_memory,
    residues_float64,
    residues_gaussian,
)
from tnrank.errors import TnrankError
from tnrank.primes import check_gaussian_prime, check_prime
from tnrank.runtime.memory import check_memory

__all__ = [
    "rank_mod_p",
    "rank_memory",
    "RANK_METHODS",
    "rank_float",
    "FloatRank",
    "MAX_FLOAT_SVD",
]

#: Largest min(rows, cols) for which :func:`rank_float` runs an SVD by default.
MAX_FLOAT_SVD = 2048

#: Accepted ``method`` values of :func:`rank_mod_p`.
RANK_METHODS = ("auto", "elimination", "flint")


def rank_mod_p(matrix: np.ndarray, prime: int, *, overwrite: bool = False, method: str = "auto") -> int:
    """Exact rank of an integer matrix over GF(``prime``), or of a Gaussian integer
    matrix over GF(p²), p = ``prime``.

    The rank mod ``p`` of an integer matrix never exceeds its rank over the
    rationals, so it is a certified lower bound for that matrix. A complex
    matrix with integer parts is read as Gaussian integers ``a + bi`` modulo a
    prime ``≡ 3 (mod 4)``, that is over the field GF(p²). The default
    method is tnrank's float64 elimination (:mod:`tnrank.engine.elimination`): a
    recursive elimination whose work is float64 matrix products with exact
    modular reduction, as fast as the machine's BLAS allows.

    Parameters
    ----------
    matrix : ndarray, 2-D
        Integer entries of any integer dtype (reduced mod ``prime``, negatives
        included), a float array holding integers below ``2**53`` in
        absolute value, or a complex array whose parts are such integers
        (Gaussian integers, rank over GF(p²)).
    prime : int
        A prime in ``[2, 2**31 - 1]`` (:func:`check_prime`); for a complex
        matrix a prime ``≡ 3 (mod 4)`` below ``2**23``
        (:func:`~tnrank.primes.check_gaussian_prime`).
    overwrite : bool
        Allow a C-contiguous float64 (or complex128) ``matrix`` to be used as
        the working buffer (no copy); its contents are destroyed.
    method : {"auto", "elimination", "flint"}
        ``"auto"`` and ``"elimination"`` run the float64 elimination;
        ``"flint"`` runs python-flint's ``nmod_mat.rank()`` (the reference).

    Returns
    -------
    int

    Raises
    ------
    TnrankError
        For a modulus that is not a supported prime, a matrix that is not
        2-D or not integral, or one whose working memory would not fit
        (:func:`rank_memory`, checked before anything is allocated).

    Examples
    --------
    >>> import numpy as np
    >>> rank_mod_p(np.array([[1, 2], [2, 4]]), 7)
    1
    >>> rank_mod_p(np.array([[1, 0], [0, 7]]), 7)   # 7 vanishes mod 7
    1
    >>> rank_mod_p(np.array([[1, 0], [0, 7]]), 7, method="flint")
    1
    >>> rank_mod_p(np.array([[1, 1j], [1j, -1]]), 7)   # row 2 = i · row 1 in GF(49)
    1
    """
    gaussian = np.iscomplexobj(matrix)
    p = check_gaussian_prime(prime) if gaussian else check_prime(prime)
    if method not in RANK_METHODS:
        raise TnrankError(f"unknown rank method {method!r}; choose one of {', '.join(RANK_METHODS)}")
    if gaussian and method == "flint":
        raise TnrankError("python-flint's reference rank works over GF(p) only; use "
                          "method='elimination' for Gaussian (complex) matrices")
    arr = np.asarray(matrix)
    if arr.ndim != 2:
        raise TnrankError(f"rank needs a 2-D matrix, got shape {arr.shape}")
    if not (gaussian or np.issubdtype(arr.dtype, np.integer)
            or np.issubdtype(arr.dtype, np.floating) or arr.dtype == np.bool_):
        raise TnrankError(
            f"exact ranks need integer entries, got dtype {arr.dtype}; build the matrix from "
            "modular weights (random_weights(..., prime=PRIME))"
        )
    if 0 in arr.shape:
        return 0
    rows, cols = arr.shape
    work_dtype = np.complex128 if gaussian else np.float64
    in_place = (overwrite and arr.dtype == work_dtype and arr.flags.c_contiguous
                and arr.flags.writeable)
    check_memory(
        rank_memory(rows, cols, gaussian=gaussian, in_place=in_place),
        f"the exact rank of a {rows} × {cols} {'Gaussian ' if gaussian else ''}matrix",
        "use a smaller matrix (fewer samples) or set TNRANK_MEMORY if more memory is free",
    )
    if rows > cols and not in_place:
        arr = arr.T  # the elimination splits columns: a wide matrix runs out of rows early
    residues = residues_gaussian if gaussian else residues_float64
    work = residues(arr, p, overwrite=in_place)
    if method == "flint":
        import flint  # python-flint: the reference implementation

        if work.shape[0] > work.shape[1]:
            work = work.T
        ints = np.mod(work.astype(np.int64), p)
        del work
        return int(flint.nmod_mat(ints.tolist(), p).rank())
    return elimination_rank(work, p)


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

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (``rank``, ``tol``, ``sigma_max``, ``sigma_min``); inverse of
        :meth:`from_dict`. A NaN or infinite value (a matrix with overflowed entries) is
        written as the string ``"nan"``, ``"inf"`` or ``"-inf"``, which JSON can hold."""
        return {"rank": self.rank, "tol": _json_float(self.tol),
                "sigma_max": _json_float(self.sigma_max), "sigma_min": _json_float(self.sigma_min)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FloatRank:
        """The estimate written by :meth:`to_dict`.

        >>> est = rank_float(np.diag([1.0, 1e-20]))
        >>> FloatRank.from_dict(est.to_dict()) == est
        True
        """
        try:
            return cls(int(data["rank"]), float(data["tol"]), float(data["sigma_max"]),
                       float(data["sigma_min"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise TnrankError(f"not a float rank estimate ({type(exc).__name__}: {exc}); it needs "
                              "rank, tol, sigma_max and sigma_min") from None


def _json_float(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)


def rank_float(matrix: np.ndarray, tol: float | None = None) -> FloatRank:
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
    >>> rank_float(np.outer([1.0, 2.0], [3.0, 4.0])).rank
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
