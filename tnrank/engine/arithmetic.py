"""Array arithmetic in float64 or exactly in a finite field, on component-major arrays.

Vectors are stored component-major: an array of shape ``(n, *batch)`` holds a
batch of ``n``-vectors, so a matrix-vector product is a short loop of
scalar-times-array updates over contiguous arrays. The modular version keeps
residues in ``[0, p)`` as int64 with ``p < 2**30``: a product of two residues
is below ``2**60``, so eight of them can be summed before a reduction. The
Gaussian version computes in GF(q²) as Gaussian integers ``a + bi`` modulo a
prime ``q ≡ 3 (mod 4)``, stored as complex128 with centred integer parts: numpy's
complex products are then exact, and a reduction is the field's centred reduction
(:meth:`tnrank.field.Field.centre`) on the float64 view of the parts.
:func:`arithmetic_for` derives the arithmetic from a :class:`~tnrank.field.Field`.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import Protocol

import numpy as np

from tnrank.errors import TnrankError
from tnrank.field import Field
from tnrank.primes import MAX_PRIME

__all__ = [
    "Arithmetic", "FloatArithmetic", "ModularArithmetic", "GaussianArithmetic", "arithmetic_for",
]



class Arithmetic(Protocol):
    """Operations the circuit evaluation needs."""

    dtype: type

    def matvec(self, W: np.ndarray, x: np.ndarray, out: np.ndarray | None = None
               ) -> np.ndarray: ...

    def combine(self, C: np.ndarray, x: np.ndarray) -> np.ndarray: ...

    def mul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray: ...

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray: ...

    def scale(self, c: np.ndarray, a: np.ndarray) -> np.ndarray: ...

    def ones(self, n: int) -> np.ndarray: ...


# float64 elements per cache-sized pass of the Gaussian reduction
_BLOCK = 1 << 14

_scratch = threading.local()


#: Largest work array (elements) kept between calls; larger ones are allocated each time.
SCRATCH_LIMIT = 1 << 20


def scratch(slot: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A work array of ``shape`` kept per thread and per ``slot`` between calls: the quotients
    of a reduction and the products of a matrix-vector product need one each, and a fresh
    array per call costs the kernel's page faults, often more than the arithmetic. Its
    contents are undefined; a slot must not be in use twice at once. Arrays beyond
    :data:`SCRATCH_LIMIT` entries are not kept (a sample matrix's reduction would hold its
    size in memory)."""
    size = 1
    for n in shape:
        size *= n
    if size > SCRATCH_LIMIT:
        return np.empty(shape, dtype=dtype)
    arrays = _scratch.__dict__.setdefault("arrays", {})
    buf = arrays.get(slot)
    if buf is None or buf.size < size or buf.dtype != dtype:
        buf = np.empty(max(size, 1), dtype=dtype)
        arrays[slot] = buf
    return buf[:size].reshape(shape)


def _bcast(W: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Reshape a per-component vector to broadcast against ``(n, *batch)``."""
    return W.reshape(W.shape + (1,) * (a.ndim - 1))


class FloatArithmetic:
    """float64 arithmetic (BLAS matrix products)."""

    dtype = np.float64
    field = None
    prime = None

    def matvec(self, W: np.ndarray, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``W @ x`` over the leading (component) axis of ``x`` (``out`` is not used)."""
        return np.tensordot(W, x, axes=(1, 0))

    def combine(self, C: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``out[r] = Σ_c C[r, c] ⊙ x[c]`` with broadcasting coefficient arrays ``C[r, c]``."""
        out: np.ndarray = C[:, 0] * x[0]
        for c in range(1, C.shape[1]):
            out = out + C[:, c] * x[c]
        return out

    def mul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a * b

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def scale(self, c: np.ndarray, a: np.ndarray) -> np.ndarray:
        return _bcast(c, a) * a

    def ones(self, n: int) -> np.ndarray:
        return np.ones(n, dtype=np.float64)

    def __repr__(self) -> str:
        return "FloatArithmetic()"


class _Residues(ABC):
    """What the modular and the Gaussian arithmetic share: everything but the reduction and
    the matrix product, written on :attr:`dtype`, :meth:`reduce` and :attr:`group` (how many
    products may be summed before a reduction)."""

    dtype: type
    group: int

    @abstractmethod
    def reduce(self, x: np.ndarray) -> np.ndarray:
        """Reduce residue sums in place (when writeable) and return them."""

    def grouped_matvec(self, W: np.ndarray, x: np.ndarray, out: np.ndarray | None = None
                       ) -> np.ndarray:
        """``W @ x`` (reduced) over the leading axis of ``x`` as matrix products of at most
        :attr:`group` columns, each reduced before it is added (into ``out``, a contiguous
        array of the result's shape, when given)."""
        rows, cols = W.shape
        flat = x.reshape(cols, -1)
        target = None if out is None else out.reshape(rows, -1)
        acc = self.reduce(np.matmul(W[:, :self.group], flat[:self.group], out=target))
        for c0 in range(self.group, cols, self.group):
            part = self.reduce(np.matmul(W[:, c0:c0 + self.group], flat[c0:c0 + self.group]))
            acc = self.reduce(np.add(acc, part, out=acc))
        return acc.reshape((rows,) + x.shape[1:])

    def combine(self, C: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``out[r] = Σ_c C[r, c] ⊙ x[c] (reduced)`` with broadcasting coefficient arrays ``C[r, c]``
        (the matrix-vector product whose matrix entries vary over the batch)."""
        rows, cols = C.shape[:2]
        shape = np.broadcast_shapes(C.shape[2:], x.shape[1:])
        out: np.ndarray = np.empty((rows,) + shape, dtype=self.dtype)
        tmp: np.ndarray = scratch("products", shape, self.dtype)
        for r in range(rows):
            acc = out[r, ...]
            for c in range(cols):
                if c == 0:
                    np.multiply(C[r, c], x[c], out=acc)
                    continue
                if c % self.group == 0:
                    self.reduce(acc)
                np.multiply(C[r, c], x[c], out=tmp)
                acc += tmp
            self.reduce(acc)
        return out

    def mul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.reduce(a * b)

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.reduce(a + b)

    def scale(self, c: np.ndarray, a: np.ndarray) -> np.ndarray:
        return self.mul(_bcast(c, a), a)

    def ones(self, n: int) -> np.ndarray:
        return np.ones(n, dtype=self.dtype)


class ModularArithmetic(_Residues):
    """Exact arithmetic in GF(p) on int64 residues, ``p < 2**30``."""

    dtype = np.int64

    def __init__(self, field: Field) -> None:
        if field.degree != 1 or not field.characteristic < MAX_PRIME:
            raise TnrankError(f"the int64 evaluation computes in GF(p) with p < 2**30, not in "
                              f"{field.name}")
        self.field = field
        self.prime = field.characteristic
        # products of residues are < p**2; this many fit in int64 before reducing
        self.group = max(1, (2**63 - 1 - self.prime) // ((self.prime - 1) ** 2 or 1))
        self.group = min(self.group, 1 << 20)

    def reduce(self, x: np.ndarray) -> np.ndarray:
        """``x mod p`` in place for int64 ``x`` (any sign), returned.

        ``x - (x // p) * p``: numpy divides by a scalar with a precomputed
        multiplier, which is about twice as fast as its ``%``.
        """
        if not isinstance(x, np.ndarray) or not x.flags.writeable:
            return np.remainder(x, self.prime)
        if x.ndim == 0:
            x[...] = x % self.prime
            return x
        q = np.floor_divide(x, self.prime, out=scratch("quotients", x.shape, np.int64))
        q *= self.prime
        np.subtract(x, q, out=x)
        return x

    def matvec(self, W: np.ndarray, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``W @ x mod p`` over the leading (component) axis of ``x`` (into ``out``, an array of
        the result's shape, when given)."""
        g = self.group
        rows, cols = W.shape
        if rows * cols > 1024:  # wide: grouped matrix products beat the Python loop
            return self.grouped_matvec(W, x, out)
        if out is None:
            out = np.empty((rows,) + x.shape[1:], dtype=np.int64)
        tmp = scratch("products", x.shape[1:], np.int64)
        Wl = W.tolist()
        for r in range(rows):
            acc = out[r, ...]
            pending = 0
            for c in range(cols):
                w = Wl[r][c]
                if w == 0:
                    continue
                if pending == 0:
                    np.multiply(x[c], w, out=acc)
                else:
                    if pending == g:
                        self.reduce(acc)
                        pending = 0
                    np.multiply(x[c], w, out=tmp)
                    acc += tmp
                pending += 1
            if pending == 0:
                acc[...] = 0
            else:
                self.reduce(acc)
        return out

    def __repr__(self) -> str:
        return f"ModularArithmetic({self.field!r})"


class GaussianArithmetic(_Residues):
    """Exact arithmetic in GF(q²) on complex128 Gaussian residues, ``q ≡ 3 (mod 4)``, ``q < 2**23``.

    Stored parts are centred, ``|re|, |im| <= q // 2 + 1``; the real or imaginary part
    of a product is then below ``q**2 / 2 < 2**45``, so up to :attr:`group` products are
    summed exactly in float64 before a reduction.
    """

    dtype = np.complex128

    def __init__(self, field: Field) -> None:
        if field.degree != 2:
            raise TnrankError(f"the complex128 evaluation computes in GF(q²), not in {field.name}")
        self.field = field
        self.prime = field.characteristic
        h = self.prime // 2 + 1
        self.group = max(1, min(1 << 20, (2**53 - 2**32) // (2 * h * h)))

    def reduce(self, x: np.ndarray) -> np.ndarray:
        """Centred residues of the integer parts of ``x`` (in place when writeable), returned."""
        if not isinstance(x, np.ndarray) or not x.flags.writeable or x.dtype != np.complex128:
            x = np.array(x, dtype=np.complex128)
        if x.ndim == 0 or x.strides[-1] != 16:  # no contiguous last axis: part by part
            self.field.centre(x.real)
            self.field.centre(x.imag)
            return x
        v = x.view(np.float64)
        flat = v.reshape(-1) if v.flags.c_contiguous else None
        if flat is None or flat.size <= _BLOCK:
            self.field.centre(v, scratch("quotients", v.shape, np.float64))
            return x
        # cache-sized passes: four sweeps over one block at a time
        tmp = scratch("quotients", (_BLOCK,), np.float64)
        for i in range(0, flat.size, _BLOCK):
            blk = flat[i:i + _BLOCK]
            self.field.centre(blk, tmp[:blk.size])
        return x

    def matvec(self, W: np.ndarray, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``W @ x mod q`` over the leading (component) axis of ``x``: complex GEMMs (one pass
        over ``x``, faster here than the scalar updates of :class:`ModularArithmetic`), into
        ``out`` (a contiguous array of the result's shape) when given."""
        return self.grouped_matvec(W, x, out)

    def __repr__(self) -> str:
        return f"GaussianArithmetic({self.field!r})"


def arithmetic_for(field: Field | None) -> FloatArithmetic | ModularArithmetic | GaussianArithmetic:
    """The arithmetic of a field: float64 for ``None``, int64 residues for GF(p), complex128
    Gaussian residues for GF(q²).

    >>> from tnrank.field import GF
    >>> arithmetic_for(None), arithmetic_for(GF(7)), arithmetic_for(GF(7**2))
    (FloatArithmetic(), ModularArithmetic(GF(7)), GaussianArithmetic(GF(7**2)))
    """
    if field is None:
        return FloatArithmetic()
    return GaussianArithmetic(field) if field.gaussian else ModularArithmetic(field)
