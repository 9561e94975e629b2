"""Array arithmetic in float64 or exactly modulo a prime, on component-major arrays.

Vectors are stored component-major: an array of shape ``(n, *batch)`` holds a
batch of ``n``-vectors, so a matrix-vector product is a short loop of
scalar-times-array updates over contiguous arrays. The modular version keeps
residues in ``[0, p)`` as int64 with ``p < 2**30``: a product of two residues
is below ``2**60``, so eight of them can be summed before a reduction.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

__all__ = ["Arithmetic", "FloatArithmetic", "ModularArithmetic", "arithmetic_for", "MAX_PRIME"]

#: Largest modulus the modular arithmetic accepts (products stay inside int64).
MAX_PRIME = 2**30


class Arithmetic(Protocol):
    """Operations the circuit evaluation needs."""

    dtype: type

    def matvec(self, W: np.ndarray, x: np.ndarray) -> np.ndarray: ...

    def mul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray: ...

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray: ...

    def scale(self, c: np.ndarray, a: np.ndarray) -> np.ndarray: ...

    def ones(self, n: int) -> np.ndarray: ...


def _bcast(W: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Reshape a per-component vector to broadcast against ``(n, *batch)``."""
    return W.reshape(W.shape + (1,) * (a.ndim - 1))


class FloatArithmetic:
    """float64 arithmetic (BLAS matrix products)."""

    dtype = np.float64
    prime = None

    def matvec(self, W: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``W @ x`` over the leading (component) axis of ``x``."""
        return np.tensordot(W, x, axes=(1, 0))

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


class ModularArithmetic:
    """Exact arithmetic in GF(p) on int64 residues, ``p < 2**30``."""

    dtype = np.int64

    def __init__(self, prime: int) -> None:
        if not 2 <= prime < MAX_PRIME:
            raise ValueError(f"modulus {prime} outside [2, 2**30)")
        self.prime = int(prime)
        # products of residues are < p**2; this many fit in int64 before reducing
        self.group = max(1, (2**63 - 1 - self.prime) // ((self.prime - 1) ** 2 or 1))
        self.group = min(self.group, 1 << 20)

    def matvec(self, W: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``W @ x mod p`` over the leading (component) axis of ``x``."""
        p, g = self.prime, self.group
        rows, cols = W.shape
        if rows * cols > 1024:  # wide: grouped matrix products beat the Python loop
            flat = x.reshape(cols, -1)
            acc = np.zeros((rows, flat.shape[1]), dtype=np.int64)
            for c0 in range(0, cols, g):
                acc += np.matmul(W[:, c0:c0 + g], flat[c0:c0 + g]) % p
                acc %= p
            return acc.reshape((rows,) + x.shape[1:])
        out = np.empty((rows,) + x.shape[1:], dtype=np.int64)
        Wl = W.tolist()
        for r in range(rows):
            acc = None
            pending = 0
            for c in range(cols):
                w = Wl[r][c]
                if w == 0:
                    continue
                if acc is None:
                    acc = x[c] * w
                else:
                    if pending == g:
                        acc %= p
                        pending = 0
                    acc += x[c] * w
                pending += 1
            if acc is None:
                out[r] = 0
            else:
                np.remainder(acc, p, out=out[r, ...])
        return out

    def mul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = a * b
        out %= self.prime
        return out

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = a + b
        out %= self.prime
        return out

    def scale(self, c: np.ndarray, a: np.ndarray) -> np.ndarray:
        return self.mul(_bcast(c, a), a)

    def ones(self, n: int) -> np.ndarray:
        return np.ones(n, dtype=np.int64)

    def __repr__(self) -> str:
        return f"ModularArithmetic({self.prime})"


def arithmetic_for(prime: int | None) -> FloatArithmetic | ModularArithmetic:
    """float64 arithmetic for ``prime=None``, else arithmetic modulo ``prime``."""
    return FloatArithmetic() if prime is None else ModularArithmetic(prime)
