"""Matrix ranks: exact over GF(p) or GF(q²) (the answer) and float SVD (an estimate).

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

from tnrank.engine.elimination import elimination_rank, float_residues, rank_memory
from tnrank.errors import TnrankError
from tnrank.field import Field, as_field
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


def rank_mod_p(matrix: np.ndarray, prime: int | Field, *, overwrite: bool = False,
               method: str = "auto") -> int:
    """Exact rank of an integer matrix over GF(p), or of a Gaussian integer matrix over GF(q²).

    The rank mod ``p`` of an integer matrix never exceeds its rank over the
    rationals, so it is a certified lower bound for that matrix; so is its rank over
    GF(q²), the Gaussian integers ``a + bi`` modulo a prime ``q ≡ 3 (mod 4)``, of a
    matrix of Gaussian integers. The default method is tnrank's float64 elimination
    (:mod:`tnrank.engine.elimination`): a recursive elimination whose work is float64
    matrix products with exact modular reduction, as fast as the machine's BLAS allows.

    Parameters
    ----------
    matrix : ndarray, 2-D
        Integer entries of any integer dtype (reduced mod ``p``, negatives
        included), or a float array holding integers below ``2**53`` in
        absolute value; over GF(q²) also a complex array whose parts are such integers.
    prime : int or Field
        The field: a prime ``p`` in ``[2, 2**31 - 1]`` for GF(p)
        (:func:`~tnrank.primes.check_prime`), or a :class:`~tnrank.field.Field` such as
        ``GF(q**2)`` (``q ≡ 3 mod 4`` below ``2**23``).
    overwrite : bool
        Allow a C-contiguous ``matrix`` of the working dtype (float64 over GF(p),
        complex128 over GF(q²)) to be used as the working buffer (no copy); its contents
        are destroyed.
    method : {"auto", "elimination", "flint"}
        ``"auto"`` and ``"elimination"`` run the float64 elimination;
        ``"flint"`` runs python-flint's ``nmod_mat.rank()`` (the reference, GF(p) only).

    Returns
    -------
    int

    Raises
    ------
    TnrankError
        For a modulus that is not a supported prime, a matrix that is not
        2-D or not integral, a complex matrix over GF(p), or one whose working memory
        would not fit (:func:`rank_memory`, checked before anything is allocated).

    Examples
    --------
    >>> import numpy as np
    >>> from tnrank.field import GF
    >>> rank_mod_p(np.array([[1, 2], [2, 4]]), 7)
    1
    >>> rank_mod_p(np.array([[1, 0], [0, 7]]), 7)   # 7 vanishes mod 7
    1
    >>> rank_mod_p(np.array([[1, 0], [0, 7]]), 7, method="flint")
    1
    >>> rank_mod_p(np.array([[1, 1j], [1j, -1]]), GF(7**2))   # row 2 = i · row 1 in GF(49)
    1
    """
    field = as_field(prime, name="modulus")
    if method not in RANK_METHODS:
        raise TnrankError(f"unknown rank method {method!r}; choose one of {', '.join(RANK_METHODS)}")
    if field.gaussian and method == "flint":
        raise TnrankError("python-flint's reference rank works over GF(p) only; use "
                          f"method='elimination' over {field.name}")
    arr = np.asarray(matrix)
    if arr.ndim != 2:
        raise TnrankError(f"rank needs a 2-D matrix, got shape {arr.shape}")
    if np.iscomplexobj(arr) and not field.gaussian:
        raise TnrankError(f"a complex matrix holds Gaussian integers, but the field is {field.name}; "
                          "compute its rank over GF(q²): prime=GF(q**2) with a prime q ≡ 3 mod 4 "
                          "(tnrank.field.GF)")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TnrankError(
            f"exact ranks need integer entries, got dtype {arr.dtype}; build the matrix from "
            "modular weights (random_weights(..., prime=PRIME))"
        )
    if 0 in arr.shape:
        return 0
    rows, cols = arr.shape
    in_place = (overwrite and arr.dtype == field.float_dtype() and arr.flags.c_contiguous
                and arr.flags.writeable)
    check_memory(
        rank_memory(rows, cols, field, in_place=in_place),
        f"the exact rank of a {rows} × {cols} {'Gaussian ' if field.gaussian else ''}matrix",
        "use a smaller matrix (fewer samples) or set TNRANK_MEMORY if more memory is free",
    )
    if rows > cols and not in_place:
        arr = arr.T  # the elimination splits columns: a wide matrix runs out of rows early
    work = float_residues(arr, field, overwrite=in_place)
    if method == "flint":
        import flint  # python-flint: the reference implementation

        p = field.characteristic
        if work.shape[0] > work.shape[1]:
            work = work.T
        ints = np.mod(work.astype(np.int64), p)
        del work
        return int(flint.nmod_mat(ints.tolist(), p).rank())
    return elimination_rank(work, field)


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
