"""Test matrices for the tiled elimination, each with its rank from an independent reference.

Ranks over GF(p) come from python-flint's ``nmod_mat``; ranks over GF(q²) from the GF(q)-rank of
the regular representation (tests/oracle.py). The matrices are random, of known rank (products
of random factors, built with flint so no product overflows), with zero or repeated rows, all
zero, or one row or column; sides are mostly not multiples of the tile, and some tiles have
side 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import flint
import numpy as np
from oracle import rank_gaussian_regular

from tnrank.field import Field
from tnrank.primes import GAUSSIAN_PRIME, PRIME

#: GF(p) moduli: small, the largest 32-bit-storable kind, and tnrank's 30-bit default
PRIMES = [7, 65521, 16777213, PRIME]
KINDS = ("random", "product", "zero rows", "repeated rows", "zero", "thin")


@dataclass(frozen=True)
class Case:
    matrix: np.ndarray
    prime: int
    gaussian: bool
    tile: int
    bits: int
    rank: int  # from the reference

    @property
    def field(self) -> Field:
        return Field(self.prime, 2 if self.gaussian else 1)

    def __repr__(self) -> str:
        field = f"GF({self.prime}²)" if self.gaussian else f"GF({self.prime})"
        return f"Case({self.matrix.shape}, {field}, tile {self.tile}, {self.bits}-bit, rank {self.rank})"


def flint_rank(matrix: np.ndarray, p: int) -> int:
    if 0 in matrix.shape:
        return 0
    return int(flint.nmod_mat(np.mod(matrix, p).astype(np.int64).tolist(), p).rank())


def _product(rng, m, n, r, p):
    if r == 0:
        return np.zeros((m, n), dtype=np.int64)
    L = flint.nmod_mat(rng.integers(0, p, (m, r)).tolist(), p)
    R = flint.nmod_mat(rng.integers(0, p, (r, n)).tolist(), p)
    return np.array([[int(x) for x in row] for row in (L * R).tolist()], dtype=np.int64)


def _gaussian_product(rng, m, n, r, q):
    total = np.zeros((m, n), dtype=complex)
    for _ in range(r):  # one outer product at a time, reduced: exact in complex128
        a = rng.integers(0, q, m) + 1j * rng.integers(0, q, m)
        b = rng.integers(-3, 4, n) + 1j * rng.integers(-3, 4, n)
        total += np.outer(a, b)
        total = np.mod(total.real, q) + 1j * np.mod(total.imag, q)
    return total


def _matrix(kind, rng, m, n, p, gaussian):
    r = int(rng.integers(0, min(m, n) + 1))
    if gaussian:
        if kind == "random":
            return rng.integers(0, p, (m, n)) + 1j * rng.integers(0, p, (m, n))
        A = _gaussian_product(rng, m, n, r, p)
    else:
        if kind == "random":
            return rng.integers(0, p, (m, n))
        A = _product(rng, m, n, r, p)
    if kind == "zero rows":
        A[rng.random(m) < 0.5] = 0
    elif kind == "repeated rows":
        A = A[rng.integers(0, max(1, m // 3), m)]
    elif kind == "zero":
        A = A * 0
    return A


def cases(count: int, seed: int, max_side: int = 40, gaussian_share: float = 0.3) -> list[Case]:
    """``count`` cases with their reference ranks, reproducibly from ``seed``."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        gaussian = rng.random() < gaussian_share
        p = GAUSSIAN_PRIME if gaussian else PRIMES[int(rng.integers(0, len(PRIMES)))]
        if kind == "thin":
            side = int(rng.integers(1, max_side))
            m, n = (1, side) if rng.random() < 0.5 else (side, 1)
        else:
            m, n = (int(x) for x in rng.integers(1, max_side, 2))
        tile = 1 if i % 7 == 0 else int(rng.integers(2, 12))
        if tile == 1 and max(m, n) > 12:  # tiles of side 1: a step per column, kept small
            m, n = min(m, 12), min(n, 12)
        A = _matrix(kind, rng, m, n, p, gaussian)
        bits = 32 if gaussian or p < 2**24 else 64
        rank = rank_gaussian_regular(A, p) if gaussian else flint_rank(A, p)
        out.append(Case(A, p, gaussian, tile, bits, rank))
    return out
