"""Exact rank over GF(p) and GF(q²) at the speed of float64 matrix multiplication.

Why this module is written by hand: no Python library offers FFLAS-FFPACK style
modular elimination on numpy arrays. python-flint's ``nmod_mat`` is exact but
takes its input through Python lists and runs its own (slower) arithmetic;
galois and sympy work entry by entry. The method here is the one of FFLAS-FFPACK
(J.-G. Dumas, P. Giorgi and C. Pernet, "Dense linear algebra over word-size prime
fields: the FFLAS and FFPACK packages", ACM TOMS 35(3), 2008): residues are
stored as float64 integers, the elimination is recursive, and almost all of
its work is float64 matrix products (BLAS GEMM, threaded by numpy's BLAS) whose
exact integer results are reduced modulo ``p`` only when a sum could exceed
``2**53``.

The elimination (:func:`elimination_rank`) splits the columns in halves. The left
half is eliminated first; it returns its pivot rows ``R`` and the matrix ``X``
that writes every other row as a combination of the pivot rows on those
columns. The right half's remaining rows are then replaced by their Schur
complement ``A[rest, right] - X @ A[R, right]`` (one modular GEMM), and
eliminated the same way; ``rank = rank(left) + rank(Schur complement)``. Columns
without a pivot (zero or dependent) simply contribute nothing. At the leaves (a
few dozen columns) pivots are found by an int64 Gaussian elimination on a small
set of candidate rows, and the remaining rows are checked against them with one
more modular product, so no per-entry Python loop touches a large array.

Modular products. Stored residues are centred, ``|x| <= p // 2 + 3`` (the
rounding of the reduction allows the ``+ 3``). A product ``A @ B`` of inner
dimension ``k`` is exact in float64 when ``k * max|a| * max|b| < 2**53``:

* small primes (``p`` below about ``2**24``) need one GEMM per block of inner
  dimension ``k <= 2**53 / (p/2)**2`` (unbounded in practice for ``p < 2**20``);
* larger primes, up to :data:`~tnrank.primes.LARGEST_PRIME` ``= 2**31 - 1``
  (including tnrank's ``PRIME = 2**30 - 35``), split ``B`` into two limbs,
  ``B = B1 * 2**s + B0`` with ``|B0|, |B1|`` about ``sqrt(p / 2)``, and combine
  two GEMMs, ``A @ B = ((A @ B1) mod p) * 2**s + A @ B0``; for ``PRIME``
  (``s = 15``) each block may have an inner dimension up to 1021.

Every intermediate integer stays below ``2**53 - 2**32`` in absolute value, so
each floating-point operation is exact and the rank is exact, whatever the BLAS
summation order.

The same elimination runs over GF(q²) on complex128 matrices of Gaussian
residues modulo a prime ``q ≡ 3 (mod 4)`` below ``2**23``
(:class:`tnrank.field.Field` of degree 2): its products are complex GEMMs (``zgemm``), whose real
and imaginary parts are sums of ``2k`` integer products below ``q**2 / 4``
each, reduced every ``k <= 2**53 / (q**2 / 2)`` inner columns (512 for
:data:`~tnrank.primes.GAUSSIAN_PRIME`), and the reductions run on the float64
view of the parts. Only the leaves differ: their pivots are found in complex128
arithmetic, with ``(a + bi)⁻¹ = (a - bi) / (a² + b²)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tnrank.errors import TnrankError
from tnrank.field import Field
from tnrank.runtime.threads import blas_threads

__all__ = [
    "ONE_PRODUCT_PRIME_LIMIT",
    "rank_memory",
    "float_residues",
    "elimination_rank",
    "eliminate_panel",
    "subtract_product",
]

#: Primes below this use one float64 GEMM per block update (no limb split).
ONE_PRODUCT_PRIME_LIMIT = 2**24

# |every float intermediate| stays below this, so x - p * rint(x / p) is exact too
_EXACT = 2**53 - 2**32
# columns of a leaf of the recursion
_LEAF = 48
# extra candidate rows a leaf examines beyond its width
_EXTRA_CANDIDATES = 16
# elements per cache-sized block of the elementwise reductions
_CACHE_BLOCK = 1 << 15
# rows x columns of one GEMM output buffer
_GEMM_BLOCK = 1 << 22
# subproblems at most this wide run on one BLAS thread (small products gain nothing from more)
_SERIAL_COLUMNS = 192
# estimated cost of one reduction pass, in multiply-adds per entry (chooses the limb count)
_REDUCE_COST = 24


def rank_memory(rows: int, cols: int, field: Field | None = None, in_place: bool = False) -> int:
    """Peak working bytes of :func:`tnrank.engine.rank.rank_mod_p` on a ``rows × cols`` matrix
    over ``field`` (default: a prime field GF(p); the bytes do not depend on ``p``).

    Over GF(p): the float64 working copy, the largest pair of GEMM output buffers, the two
    limbs of the largest right operand, and an int64 copy made while reducing
    integer input (freed before the elimination starts). Over GF(q²): a complex128
    working copy (none ``in_place``), three real product buffers and the real parts of one
    block of the right operand.

    Examples
    --------
    >>> round(rank_memory(4096, 4096) / 2**20)     # MiB
    256
    """
    rows, cols = int(rows), int(cols)
    if rows <= 0 or cols <= 0:
        return 0
    m, n = min(rows, cols), max(rows, cols)
    if field is not None and field.gaussian:
        buffers = (3 * 8 * min(m * n, max(_GEMM_BLOCK, n)) + 3 * 8 * min(m, 1024) * n
                   + 2 * 8 * min(m * n, 1024 * m))
        return (0 if in_place else 16 * m * n) + buffers
    work = 8 * m * n
    gemm_out = 2 * 8 * min(m * n, max(_GEMM_BLOCK, n))
    limbs = 2 * 8 * min(m, n // 2 + 1) * (n // 2 + 1)
    convert = 8 * m * n  # int64 remainders before the float64 copy
    return work + max(convert, gemm_out + limbs)


class _Modulus:
    """Exact arithmetic of a field on float64 arrays of centred residues (complex128 arrays of
    Gaussian residues over GF(q²))."""

    def __init__(self, field: Field) -> None:
        self.field = field
        self.gaussian = field.gaussian
        self.dtype = field.float_dtype()
        self.p = field.characteristic
        self.h = self.p // 2 + 3  # bound on |stored residue|
        self.kmax1 = _EXACT // (self.h * self.h)
        self.shift = (self.h.bit_length() + 1) // 2
        self.scale = float(2**self.shift)
        limb = max(2 ** (self.shift - 1), (self.h >> self.shift) + 1)
        self.kmax2 = (_EXACT - 2**self.shift * self.h) // (self.h * limb)
        if self.gaussian:  # three real products of centred residues (submul); no limb split
            self.kmax2 = 0

    @staticmethod
    def parts(x: np.ndarray) -> np.ndarray:
        """The float64 view of the residues (a complex array's parts side by side)."""
        return x.view(np.float64) if x.dtype == np.complex128 else x

    # -- elementwise ---------------------------------------------------------------
    def reduce(self, x: np.ndarray) -> np.ndarray:
        """Reduce integers ``|x| <= 2**53 - 2**32`` in place to ``|x| <= p // 2 + 3``."""
        if x.size == 0:
            return x
        out, x = x, self.parts(x)
        if x.ndim == 1:
            x = x[None]
        rb = max(1, _CACHE_BLOCK // x.shape[1])
        tmp = np.empty((min(rb, x.shape[0]), x.shape[1]))
        for i in range(0, x.shape[0], rb):
            blk = x[i : i + rb]
            self.field.centre(blk, tmp[: blk.shape[0]])
        return out

    def _combine(self, C: np.ndarray, P: np.ndarray, P0: np.ndarray | None, last: bool) -> None:
        """``C -= (P mod p)`` or ``C -= (((P mod p) * 2**s + P0) mod p)``, cache-blocked.

        ``C`` is reduced too when ``last`` (otherwise it only grows by ``p // 2 + 3``).
        """
        C, P = self.parts(C), self.parts(P)
        rb = max(1, _CACHE_BLOCK // C.shape[1])
        tmp = np.empty((min(rb, C.shape[0]), C.shape[1]))
        for i in range(0, C.shape[0], rb):
            blk = P[i : i + rb]
            t = tmp[: blk.shape[0]]
            self.field.centre(blk, t)
            if P0 is not None:
                blk *= self.scale
                blk += P0[i : i + rb]
                self.field.centre(blk, t)
            cb = C[i : i + rb]
            cb -= blk
            if last:
                self.field.centre(cb, t)

    # -- products ------------------------------------------------------------------
    def _plan(self, k: int) -> tuple[int, list[tuple[int, int]]]:
        """Number of limbs (1 or 2) and the inner-dimension chunks for ``k``."""
        options = []
        for limbs, kmax in ((1, self.kmax1), (2, self.kmax2)):
            if limbs == 2 and self.gaussian:
                continue
            if kmax >= 1:
                chunks = -(-k // kmax)
                options.append((limbs * k + chunks * _REDUCE_COST * limbs, limbs, chunks))
        _, limbs, chunks = min(options)
        step = -(-k // chunks)
        return limbs, [(a, min(a + step, k)) for a in range(0, k, step)]

    def submul(self, C: np.ndarray, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """``C <- (C - A @ B) mod p`` in place, all centred residues (``C`` may be a view)."""
        rows, k = A.shape
        cols = B.shape[1]
        if rows == 0 or cols == 0:
            return C
        if k == 0:
            return self.reduce(C)
        if self.gaussian:
            return self._submul_gaussian(C, A, B)
        limbs, chunks = self._plan(k)
        parts: list[tuple[int, int, np.ndarray, np.ndarray | None]] = []
        for a, b in chunks:
            Bc = np.ascontiguousarray(B[a:b])
            if limbs == 1:
                parts.append((a, b, Bc, None))
            else:
                B1 = np.rint(Bc * (1.0 / self.scale))
                Bc = Bc - B1 * self.scale  # the low limb B0 (a new array: B is left as it was)
                parts.append((a, b, B1, Bc))
        rb = max(1, min(rows, _GEMM_BLOCK // cols))
        P = np.empty((rb, cols), dtype=self.dtype)
        P0 = np.empty((rb, cols) if limbs == 2 else (0, 0))  # the low limb's products
        for i in range(0, rows, rb):
            Ablk = A[i : i + rb]
            nb = Ablk.shape[0]
            for j, (a, b, Bhi, Blo) in enumerate(parts):
                Aa = Ablk[:, a:b]
                last = j == len(parts) - 1
                np.matmul(Aa, Bhi, out=P[:nb])
                if Blo is None:
                    self._combine(C[i : i + rb], P[:nb], None, last)
                else:
                    np.matmul(Aa, Blo, out=P0[:nb])
                    self._combine(C[i : i + rb], P[:nb], P0[:nb], last)
        return C

    def _submul_gaussian(self, C: np.ndarray, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """:meth:`submul` over GF(q²) with three real GEMMs per block (Gauss's trick):
        ``re = P0 - P1`` and ``im = P2 - P0 - P1`` with ``P0 = Ar Br``, ``P1 = Ai Bi`` and
        ``P2 = (Ar + Ai)(Br + Bi)``, the sums reduced mod q first, so that all three
        products sum terms below ``(q/2)**2`` and take the inner blocks of a real product."""
        rows, k = A.shape
        cols = B.shape[1]
        step = -(-k // -(-k // self.kmax1))
        rb = max(1, min(rows, _GEMM_BLOCK // cols))
        P0, P1, P2 = (np.empty((rb, cols)) for _ in range(3))
        cb = max(1, _CACHE_BLOCK // cols)
        tmp = np.empty((min(cb, rb), cols))
        for a in range(0, k, step):  # C grows by at most 3 (q // 2 + 3) per block until the last
            b = min(k, a + step)
            last = b == k
            Br, Bi = np.ascontiguousarray(B[a:b].real), np.ascontiguousarray(B[a:b].imag)
            Bs = self.reduce(Br + Bi)
            for i in range(0, rows, rb):
                Ablk = A[i : i + rb, a:b]
                nb = Ablk.shape[0]
                Ar, Ai = Ablk.real.copy(), Ablk.imag.copy()  # copies: Ar is summed in place
                np.matmul(Ar, Br, out=P0[:nb])
                np.matmul(Ai, Bi, out=P1[:nb])
                Ar += Ai
                np.matmul(self.reduce(Ar), Bs, out=P2[:nb])
                for r in range(0, nb, cb):  # cache-sized row blocks
                    p0, p1, p2 = P0[r : min(nb, r + cb)], P1[r : min(nb, r + cb)], P2[r : min(nb, r + cb)]
                    t = tmp[: p0.shape[0]]
                    for part in (p0, p1, p2):
                        self.field.centre(part, t)
                    p2 -= p0
                    p2 -= p1  # the imaginary part
                    p0 -= p1  # the real part
                    cv = C[i + r : i + r + p0.shape[0]]
                    cv.real -= p0
                    cv.imag -= p2
                    if last:
                        self.reduce(cv)
        return C

    def matmul(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """``(A @ B) mod p`` as a new array of centred residues."""
        C = np.zeros((A.shape[0], B.shape[1]), dtype=self.dtype)
        self.submul(C, A, B)
        np.negative(C, out=C)
        return C

    def centred(self, M: np.ndarray) -> np.ndarray:
        """int64 residues in ``[0, p)`` as float64 centred residues."""
        return self.field.centre(M.astype(np.float64))

    def to_int(self, F: np.ndarray) -> np.ndarray:
        """float64 centred residues as int64 residues in ``[0, p)``."""
        return np.mod(F.astype(np.int64), self.p)

    # -- small blocks (the leaves) -------------------------------------------------
    def echelon(self, S: np.ndarray) -> tuple[list[int], list[int]]:
        """Pivot rows and columns of a row echelon form of the residues ``S`` (not modified)."""
        if self.gaussian:
            return _echelon(np.array(S), self.field.inverse, self.reduce)
        return _echelon(self.to_int(S), self.field.inverse, self._int_reduce)

    def inverse(self, S: np.ndarray) -> np.ndarray:
        """Inverse of an invertible square block of residues, as residues."""
        if self.gaussian:
            return _inverse(np.array(S), self.field.inverse, self.reduce)
        return self.centred(_inverse(self.to_int(S), self.field.inverse, self._int_reduce))

    def _int_reduce(self, a: np.ndarray) -> np.ndarray:
        return a % self.p


# -- small exact helpers (a few dozen rows) ----------------------------------------
# ``inv`` inverts one non-zero residue (the field's inverse) and ``red`` reduces an array of
# residue products: int64 residues in [0, p) with %, or Gaussian residues with _Modulus.reduce.
_Inverse = Callable[[Any], int | complex]
_Reduce = Callable[[np.ndarray], np.ndarray]

def _echelon(M: np.ndarray, inv: _Inverse, red: _Reduce) -> tuple[list[int], list[int]]:
    """Pivot rows and columns of a row echelon form of the residues ``M`` (modified)."""
    c, w = M.shape
    active = np.ones(c, dtype=bool)
    rows: list[int] = []
    cols: list[int] = []
    for j in range(w):
        nz = np.flatnonzero((M[:, j] != 0) & active)
        if nz.size == 0:
            continue
        i = int(nz[0])
        rows.append(i)
        cols.append(j)
        active[i] = False
        others = nz[1:]
        if others.size and j + 1 < w:
            f = red(M[others, j] * inv(M[i, j]))
            M[others, j + 1 :] = red(M[others, j + 1 :] - f[:, None] * M[i, j + 1 :])
        if len(rows) == c:
            break
    return rows, cols


def _inverse(M: np.ndarray, inv: _Inverse, red: _Reduce) -> np.ndarray:
    """Inverse of an invertible square matrix of residues (Gauss–Jordan on ``[M | I]``)."""
    r = M.shape[0]
    A = np.concatenate([M, np.eye(r, dtype=M.dtype)], axis=1)
    for j in range(r):
        i = j + int(np.flatnonzero(A[j:, j] != 0)[0])
        if i != j:
            A[[i, j]] = A[[j, i]]
        A[j] = red(A[j] * inv(A[j, j]))
        f = A[:, j].copy()
        f[j] = 0
        A = red(A - f[:, None] * A[j])
    return A[:, r:]


# -- the elimination -----------------------------------------------------------------
def _leaf(W: np.ndarray, r0: int, c0: int, c1: int, F: _Modulus, need_x: bool) -> int:
    """Eliminate columns ``c0:c1`` of rows ``r0:`` (see :func:`_eliminate`) directly."""
    T = W[r0:, c0:c1]
    m, w = T.shape
    R = np.empty(0, dtype=np.intp)
    pc: list[int] = []
    rest = np.arange(m)
    X = None
    S = T
    while rest.size:
        nz = np.flatnonzero(np.any(S != 0, axis=1))
        if nz.size == 0:
            X = None if not R.size else X
            break
        want = w - len(pc) + _EXTRA_CANDIDATES
        if nz.size > want:  # spread the candidates over the nonzero rows
            nz = np.unique(nz[np.linspace(0, nz.size - 1, want).astype(np.intp)])
        rows, cols = F.echelon(S[nz])
        R = np.concatenate([R, rest[nz[rows]]])
        pc.extend(cols)
        rest = np.setdiff1d(rest, R, assume_unique=True)
        if not rest.size or (len(pc) == w and not need_x):
            X = None
            break
        pivot_cols = np.array(pc, dtype=np.intp)
        inv = F.inverse(T[np.ix_(R, pivot_cols)])
        X = F.matmul(T[np.ix_(rest, pivot_cols)], inv)
        if len(pc) == w:
            break
        S = np.ascontiguousarray(T[rest])
        F.submul(S, X, T[R])
    r = int(R.size)
    if r == 0:
        return 0
    # bring the pivot rows to positions r0 .. r0 + r - 1 (full rows: earlier X's move along)
    perm = list(range(m))
    pos = list(range(m))
    for i, row in enumerate(R.tolist()):
        j = pos[row]
        if j != i:
            other = perm[i]
            perm[i], perm[j] = row, other
            pos[row], pos[other] = i, j
    perm_arr = np.asarray(perm, dtype=np.intp)
    moved = np.flatnonzero(perm_arr != np.arange(m))
    if moved.size:
        W[r0 + moved] = W[r0 + perm_arr[moved]]
    if need_x and X is not None and r < m:
        order = np.searchsorted(rest, perm_arr[r:])
        W[r0 + r :, c0 : c0 + r] = X[order]
    return r


def _eliminate(W: np.ndarray, r0: int, c0: int, c1: int, F: _Modulus, need_x: bool) -> int:
    """Eliminate columns ``c0:c1`` of the rows ``r0:`` of ``W`` in place; return their rank ``r``.

    Afterwards rows ``r0 .. r0+r-1`` are the pivot rows (whole rows swapped,
    unchanged outside ``c0:c1``), and, when ``need_x``, ``W[r0+r:, c0:c0+r]``
    holds ``X`` with ``W[i, c0:c1] = X[i] @ W[pivot rows, c0:c1]`` for every
    other row ``i``, in the values the block had on entry. The Schur complement
    of any columns ``C`` right of ``c1`` is then ``W[r0+r:, C] - X @ W[r0:r0+r, C]``.
    """
    m = W.shape[0] - r0
    if m <= 0 or c1 <= c0:
        return 0
    if c1 - c0 <= _LEAF:
        return _leaf(W, r0, c0, c1, F, need_x)
    h = c0 + (c1 - c0) // 2
    if c1 - c0 <= _SERIAL_COLUMNS < 2 * (c1 - c0):  # the top of a small subproblem
        with blas_threads(1):
            return _split(W, r0, c0, h, c1, F, need_x)
    return _split(W, r0, c0, h, c1, F, need_x)


def _split(W: np.ndarray, r0: int, c0: int, h: int, c1: int, F: _Modulus, need_x: bool) -> int:
    """:func:`_eliminate` on the halves ``c0:h`` and ``h:c1``, then the Schur complement and X."""
    m = W.shape[0] - r0
    ra = _eliminate(W, r0, c0, h, F, True)
    if ra and m > ra:
        F.submul(W[r0 + ra :, h:c1], W[r0 + ra :, c0 : c0 + ra], W[r0 : r0 + ra, h:c1])
    rb = _eliminate(W, r0 + ra, h, c1, F, need_x)
    r = ra + rb
    if need_x and rb and m > r:
        if ra:  # X_a[rest] -= X_b @ X_a[pivots of the right half]
            F.submul(W[r0 + r :, c0 : c0 + ra], W[r0 + r :, h : h + rb], W[r0 + ra : r0 + r, c0 : c0 + ra])
        if c0 + ra != h:
            W[r0 + r :, c0 + ra : c0 + r] = W[r0 + r :, h : h + rb]
    return r


def _float_exact(arr: np.ndarray) -> bool:
    """Whether every entry of an integer array lies in ``[-2**52, 2**52]``."""
    if arr.dtype.itemsize < 8:
        return True
    return int(arr.min()) >= -(2**52) and int(arr.max()) <= 2**52


def float_residues(matrix: np.ndarray, field: Field, *, overwrite: bool = False) -> np.ndarray:
    """A C-contiguous copy of ``matrix`` as centred residues of ``field``, the working matrix of
    :func:`elimination_rank`: float64 for GF(p), complex128 for GF(q²) (``field.float_dtype()``).

    Parameters
    ----------
    matrix : ndarray, 2-D
        Integer dtype (any; negatives reduced), boolean, or float holding
        integers of absolute value below ``2**53``; over GF(q²) also complex with such
        integer parts (Gaussian integers).
    field : Field
        The field of the rank.
    overwrite : bool
        Reduce a C-contiguous ``matrix`` of the working dtype in place and return it.

    Raises
    ------
    TnrankError
        For non-integer, infinite or too large entries, complex entries over GF(p), and
        other dtypes.

    Examples
    --------
    >>> from tnrank.field import GF
    >>> float_residues(np.array([[1, 5, 6]]), GF(7)).tolist()
    [[1.0, -2.0, -1.0]]
    """
    arr = np.asarray(matrix)
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int8)
    if field.gaussian:
        return _gaussian_residues(arr, _Modulus(field), overwrite)
    if np.iscomplexobj(arr):
        raise TnrankError(f"a complex matrix holds Gaussian integers, but the field is {field.name}; "
                          "compute its rank over GF(q²) (`prime=GF(q**2)`, q ≡ 3 mod 4)")
    return _real_residues(arr, _Modulus(field), overwrite)


def _real_residues(arr: np.ndarray, F: _Modulus, overwrite: bool) -> np.ndarray:
    """:func:`float_residues` over GF(p)."""
    prime = F.p
    if np.issubdtype(arr.dtype, np.integer) and arr.size and _float_exact(arr):
        out = np.array(arr, dtype=np.float64, order="C")  # exact: |entries| <= 2**52
    elif np.issubdtype(arr.dtype, np.integer):
        if arr.dtype.kind == "u":
            work = np.remainder(arr.astype(np.uint64, copy=False), np.uint64(prime))
        else:
            work = np.remainder(arr.astype(np.int64, copy=False), np.int64(prime))
        out = np.empty(arr.shape, dtype=np.float64)
        np.copyto(out, work, casting="unsafe")
        del work
    elif np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(np.abs(arr) >= 2.0**53):
            raise TnrankError(
                "exact ranks need integer entries; this float matrix has entries that are infinite, "
                "NaN or not below 2**53 in absolute value (build it from modular weights)"
            )
        if not np.array_equal(arr, np.rint(arr)):
            raise TnrankError(
                f"exact ranks need integer entries, got non-integer values of dtype {arr.dtype}; build "
                "the matrix from modular weights (random_weights(..., prime=PRIME))"
            )
        if overwrite and arr.dtype == np.float64 and arr.flags.c_contiguous and arr.flags.writeable:
            out = arr
        else:
            out = np.array(arr, dtype=np.float64, order="C")
        np.fmod(out, float(prime), out=out)
    else:
        raise TnrankError(
            f"exact ranks need integer entries, got dtype {arr.dtype}; build the matrix from "
            "modular weights (random_weights(..., prime=PRIME))"
        )
    if out.ndim == 2 and out.size:
        F.reduce(out)
    return out


def _gaussian_residues(arr: np.ndarray, F: _Modulus, overwrite: bool) -> np.ndarray:
    """:func:`float_residues` over GF(q²): complex (or real) entries with integer parts."""
    if not (np.issubdtype(arr.dtype, np.number)):
        raise TnrankError(f"exact ranks need integer entries, got dtype {arr.dtype}")
    if overwrite and arr.dtype == np.complex128 and arr.flags.c_contiguous and arr.flags.writeable:
        out = arr
    else:
        out = np.array(arr, dtype=np.complex128, order="C")
    parts = out.view(np.float64).reshape(-1)
    step = 1 << 22  # checked and reduced block by block: no temporary of the matrix's size
    for i in range(0, parts.size, step):
        blk = parts[i : i + step]
        if not np.all(np.isfinite(blk)) or np.max(np.abs(blk), initial=0.0) >= 2.0**53:
            raise TnrankError("exact ranks need integer entries; this matrix has parts that are "
                              "infinite, NaN or not below 2**53 in absolute value")
        if not np.array_equal(blk, np.rint(blk)):
            raise TnrankError("exact ranks need Gaussian integer entries (integer real and "
                              "imaginary parts); build the matrix from Gaussian weights "
                              "(random_weights(..., prime=GF(q**2)))")
        np.fmod(blk, float(F.p), out=blk)
    if out.ndim == 2 and out.size:
        F.reduce(out)
    return out


def elimination_rank(work: np.ndarray, field: Field | int) -> int:
    """Rank over ``field`` of a C-contiguous matrix of its centred residues, destroying it.

    Parameters
    ----------
    work : ndarray, 2-D, C-contiguous
        Centred residues of ``field`` (:func:`float_residues`), in ``field.float_dtype()``
        (float64 over GF(p), complex128 over GF(q²)); used as working memory.
    field : Field or int
        The field; a whole number ``p`` means GF(p).

    Returns
    -------
    int

    Examples
    --------
    >>> import numpy as np
    >>> from tnrank.field import GF
    >>> elimination_rank(float_residues(np.array([[1, 2, 3], [2, 4, 6]]), GF(7)), GF(7))
    1
    """
    field = _working_field(work, field, "elimination_rank")
    if work.size == 0:
        return 0
    return _eliminate(work, 0, 0, work.shape[1], _Modulus(field), False)


def _working_field(work: np.ndarray, field: Field | int, what: str) -> Field:
    """``field`` (a whole number ``p`` meaning GF(p)), checked against the working array."""
    field = field if isinstance(field, Field) else Field(field)
    dtype = field.float_dtype()
    if work.ndim != 2 or not work.flags.c_contiguous or work.dtype != dtype:
        raise TnrankError(f"{what} over {field.name} needs a C-contiguous 2-D {dtype} array")
    return field


def eliminate_panel(work: np.ndarray, width: int, field: Field | int) -> int:
    """Eliminate the first ``width`` columns of ``work`` in place, keeping the multipliers.

    The panel step of a blocked elimination (:mod:`tnrank.engine.tiles`). ``work`` is a
    C-contiguous array of centred residues of ``field`` (``field.float_dtype()``: float64
    over GF(p), complex128 over GF(q²); a whole number ``p`` means GF(p)) with at least
    ``width`` columns. Afterwards, with ``r`` the returned rank of
    the first ``width`` columns, rows ``0 .. r-1`` are the pivot rows and ``work[r:, :r]``
    holds ``X`` with ``panel[i] = X[i] @ panel[pivot rows]`` for every other row ``i`` (the
    panel's values on entry). Rows move whole: columns right of ``width`` (a row label, say)
    travel with their rows and are not otherwise touched.

    Examples
    --------
    >>> from tnrank.field import GF
    >>> work = float_residues(np.array([[0, 0, 0], [1, 2, 1], [2, 4, 2]]), GF(7))  # last: labels
    >>> eliminate_panel(work, 2, GF(7))      # row 2 = 2 · row 1 on the first two columns
    1
    >>> work[:, 2].tolist(), (work[1:, 0] % 7).tolist()   # pivot row 1 first; X of rows 0, 2
    ([1.0, 0.0, 2.0], [0.0, 2.0])
    """
    field = _working_field(work, field, "eliminate_panel")
    width = min(int(width), work.shape[1])
    if work.size == 0 or width <= 0:
        return 0
    return _eliminate(work, 0, 0, width, _Modulus(field), True)


def subtract_product(C: np.ndarray, A: np.ndarray, B: np.ndarray, field: Field | int) -> np.ndarray:
    """``C <- (C - A @ B)`` in place over ``field``, all centred residues of its working dtype
    (float64 for GF(p), complex128 for GF(q²); a whole number ``p`` means GF(p)); ``C`` may be
    a view. Returns ``C``.

    The update of a blocked elimination's trailing tiles: float64 GEMMs reduced exactly, as in
    :func:`elimination_rank`.

    Examples
    --------
    >>> C = np.array([[3.0, 1.0]])
    >>> subtract_product(C, np.array([[2.0]]), np.array([[1.0, 3.0]]), 7).tolist()   # [1, -5] mod 7
    [[1.0, 2.0]]
    """
    field = field if isinstance(field, Field) else Field(field)
    if C.dtype != field.float_dtype():
        raise TnrankError(f"subtract_product over {field.name} needs {field.float_dtype()} arrays")
    return _Modulus(field).submul(C, A, B)
