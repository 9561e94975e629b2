"""Exact rank of a matrix kept in tiles: 32-bit storage and a right-looking blocked elimination.

Why by hand: no library eliminates over GF(p) or GF(q²) in tiles (Dask's and SLATE's tiled
factorizations work in floating point, where these matrices' ranks are wrong). The work per
tile is tnrank's own exact kernels (:func:`~tnrank.engine.elimination.eliminate_panel`,
:func:`~tnrank.engine.elimination.subtract_product`), so the tiled elimination runs at the same
float64 GEMM speed as :func:`~tnrank.engine.elimination.elimination_rank`.

Storage. Every residue tnrank eliminates fits in 32 bits: the parts of a GF(q²) element are
below ``q / 2 < 2**22`` and a GF(p) residue below ``p``. float32 holds every integer of
absolute value up to ``2**24`` exactly, so a matrix over GF(q²) (``q < 2**23``) or over GF(p)
with ``p < 2**24`` is stored as centred residues in float32 or complex64 arrays (``bits=32``,
half the bytes of float64 and complex128), and widened to float64 / complex128 one tile at a
time for the products and reductions; nothing else changes, so every rank, and every failure
bound made from it, is the same. Larger primes need ``bits=64``.

Elimination. The matrix is eliminated one panel of :attr:`Layout.tile` columns at a time,
right-looking as in PLASMA and SLATE:

1. the panel — those columns of every row still in the matrix — is widened and eliminated by
   :func:`~tnrank.engine.elimination.eliminate_panel`, whose pivots are chosen among all its
   rows, across tiles: it returns the panel's rank ``r``, its ``r`` pivot rows, and for every
   other row the multipliers ``X`` with ``row = X @ pivot rows`` on the panel. A singular or
   zero diagonal tile needs nothing special: the pivots come from wherever they are;
2. every tile right of the panel, row block by row block, loses its pivot rows and becomes
   ``C - X U`` (``U`` the pivot rows' entries in the tile's columns), one exact modular product;
3. the panel and the pivot rows leave; what is left (rows compacted) is the next step's matrix.

With ``B`` the panel's pivot rows restricted to the panel (full row rank ``r``), the matrix is
row-equivalent to ``[[B, C], [0, S]]``, ``S`` the updated trailing matrix, so
``rank = r + rank(S)``: the rank is the sum of the panels' ranks.

The steps work on any 2-D array: in memory (:func:`tiled_rank`, updated in place), a
``numpy.memmap`` on disk (:mod:`tnrank.engine.spill`, one file per step, resumable) or, tile
by tile, futures on a Dask cluster (:mod:`tnrank.engine.cluster`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tnrank.engine.elimination import eliminate_panel, float_residues, subtract_product
from tnrank.errors import TnrankError
from tnrank.field import FLOAT32_EXACT, Field, as_field
from tnrank.formatting import format_duration
from tnrank.runtime.memory import check_memory
from tnrank.runtime.threads import blas_threads, get_threads

__all__ = [
    "DEFAULT_TILE",
    "MIN_TILE",
    "tile_for",
    "STORAGE_BITS",
    "FLOAT32_EXACT",
    "check_storage",
    "Layout",
    "MatrixSource",
    "ArraySource",
    "Panel",
    "StepStatus",
    "StepCallback",
    "StepClock",
    "eliminate_step",
    "update_tile",
    "fill",
    "eliminate",
    "tiled_rank",
    "step_work",
]

#: Largest default side of a tile: large enough that widening a tile costs little beside its
#: products (:func:`tile_for` picks smaller ones for smaller matrices).
DEFAULT_TILE = 2048
#: Smallest side :func:`tile_for` picks.
MIN_TILE = 256
#: Accepted storage widths (bits per real number).
STORAGE_BITS = (32, 64)
# entries of one GEMM output buffer of a modular product (elimination's _GEMM_BLOCK)
_PRODUCT_ENTRIES = 2**22
# inner dimension of one exact GF(q²) product block (for GAUSSIAN_PRIME; more for small primes)
_INNER_BLOCK = 512


def tile_for(side: int) -> int:
    """The default tile of a ``side × side`` matrix: an eighth of its side, between
    :data:`MIN_TILE` and :data:`DEFAULT_TILE` (the widened panel then stays near a quarter of
    the 32-bit matrix's bytes, and the products large enough for the machine's GEMM speed).

    >>> tile_for(1000), tile_for(8192), tile_for(39440)
    (256, 1024, 2048)
    """
    return int(min(DEFAULT_TILE, max(MIN_TILE, -(-int(side) // 8))))


def check_storage(field: Field, bits: object) -> int:
    """``bits`` if residues of ``field`` are stored exactly in floats of that width, else a
    :class:`~tnrank.errors.TnrankError` naming ``storage``.

    Examples
    --------
    >>> from tnrank.field import GF
    >>> check_storage(GF(5931559**2), 32), check_storage(GF(16777213), 32)
    (32, 32)
    >>> check_storage(GF(1073741789), 32)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: `storage` 32: 32-bit floats hold residues only below 2**24 = 16,777,216, ...
    """
    if isinstance(bits, bool) or bits not in STORAGE_BITS:
        raise TnrankError(f"`storage` {bits!r} is not a storage width; use 32 or 64 (bits)")
    if not field.fits(int(bits)):
        raise TnrankError(f"`storage` 32: 32-bit floats hold residues only below 2**24 = "
                          f"{FLOAT32_EXACT:,}, and the prime {field.characteristic:,} is larger; use "
                          "64-bit storage or a prime below 2**24")
    return int(bits)


@dataclass(frozen=True)
class Layout:
    """How a ``rows × cols`` matrix over ``field`` is stored and eliminated: ``bits`` per
    stored real number, ``tile`` rows and columns a tile.

    Examples
    --------
    >>> from tnrank.field import GF
    >>> lay = Layout(39440, 39440, GF(5931559**2), bits=32)
    >>> lay.storage_dtype, lay.tiles, round(lay.storage_bytes / 2**30, 1)
    (dtype('complex64'), (20, 20), 11.6)
    """

    rows: int
    cols: int
    field: Field
    bits: int = 32
    tile: int = DEFAULT_TILE

    def __post_init__(self) -> None:
        for name in ("rows", "cols"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise TnrankError(f"matrix {name} must be a whole number >= 0, got {value!r}")
        if isinstance(self.tile, bool) or not isinstance(self.tile, int | np.integer) or self.tile < 1:
            raise TnrankError(f"`tile` must be a whole number >= 1, got {self.tile!r}")
        if not isinstance(self.field, Field):
            raise TnrankError(f"a layout needs a Field (tnrank.field.GF), got {self.field!r}")
        check_storage(self.field, self.bits)

    @property
    def storage_dtype(self) -> np.dtype:
        """float32 / complex64 (32 bits) or float64 / complex128 (64 bits)."""
        return np.dtype(self.field.float_dtype(self.bits))

    @property
    def work_dtype(self) -> np.dtype:
        """The dtype of the products: float64 over GF(p), complex128 over GF(q²)."""
        return np.dtype(self.field.float_dtype(64))

    @property
    def tiles(self) -> tuple[int, int]:
        """Row blocks and column tiles."""
        return -(-self.rows // self.tile), -(-self.cols // self.tile)

    @property
    def storage_bytes(self) -> int:
        """Bytes of the stored matrix."""
        return self.rows * self.cols * self.storage_dtype.itemsize

    @property
    def panel_bytes(self) -> int:
        """Bytes of the widened panel (its columns and a row label) of the first step."""
        return self.rows * (min(self.tile, self.cols) + 1) * self.work_dtype.itemsize

    @property
    def working_bytes(self) -> int:
        """Peak bytes beside the stored matrix: the widened panel, and either the buffers of
        its elimination's products or, right of it, for each thread (row blocks are updated in
        parallel) a tile of multipliers, of pivot rows and of updated entries, the stored tile
        read, and the buffers of one modular product (three real GEMM outputs, the real parts
        of an inner block of its right operand and of its left operand)."""
        w = min(self.tile, self.cols)
        b = min(self.tile, self.rows)
        s = self.work_dtype.itemsize

        def products(rows: int) -> int:
            return (3 * 8 * min(_PRODUCT_ENTRIES, rows * w) + 3 * 8 * min(_INNER_BLOCK, w) * w
                    + 2 * 8 * rows * w)

        panel = products(self.rows // 2)
        if self.cols <= w:
            return self.panel_bytes + panel
        threads = min(get_threads(), self.tiles[0])
        per_thread = 3 * b * w * s + b * w * self.storage_dtype.itemsize + products(b)
        return self.panel_bytes + max(panel, threads * per_thread)

    @property
    def memory_bytes(self) -> int:
        """Peak bytes of :func:`tiled_rank`: the stored matrix and the working memory."""
        return self.storage_bytes + self.working_bytes

    def residues(self, block: np.ndarray) -> np.ndarray:
        """A C-contiguous copy of ``block`` as centred residues in :attr:`work_dtype`."""
        return float_residues(block, self.field)


class MatrixSource(Protocol):
    """Where a tiled elimination reads its matrix: any block of it, computed or sliced.

    ``block(r0, r1, c0, c1)`` returns rows ``r0:r1`` and columns ``c0:c1`` as integers (or
    Gaussian integers) of any numeric dtype; they are reduced as the tile is stored.
    ``part(r0, r1, c0, c1)`` is that block as a small source of its own (what a Dask worker
    receives to build one tile where it will be eliminated).
    """

    @property
    def shape(self) -> tuple[int, int]: ...

    def block(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray: ...

    def part(self, r0: int, r1: int, c0: int, c1: int) -> MatrixSource: ...


@dataclass(frozen=True)
class ArraySource:
    """A matrix already in memory as a source of blocks (its transpose when ``transposed``)."""

    matrix: np.ndarray
    transposed: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.matrix.shape
        return (cols, rows) if self.transposed else (rows, cols)

    def block(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        if self.transposed:
            return self.matrix[c0:c1, r0:r1].T
        return self.matrix[r0:r1, c0:c1]

    def part(self, r0: int, r1: int, c0: int, c1: int) -> ArraySource:
        return ArraySource(np.ascontiguousarray(self.block(r0, r1, c0, c1)))


@dataclass(frozen=True)
class StepStatus:
    """Where a tiled elimination stands after a finished step.

    Examples
    --------
    >>> str(StepStatus(3, 20, 6144, 33296, 33296, 60.0, 2400.0))
    'step 3/20: rank 6,144 so far, 33,296 × 33,296 left; about 40 min 00 s left'
    """

    step: int
    steps: int
    rank: int
    rows: int
    cols: int
    elapsed: float
    left: float | None

    def __str__(self) -> str:
        text = (f"step {self.step}/{self.steps}: rank {self.rank:,} so far, "
                f"{self.rows:,} × {self.cols:,} left")
        if self.left is not None and self.rows and self.cols:
            text += f"; about {format_duration(self.left)} left"
        return text


#: Receives the status after every finished elimination step.
StepCallback = Callable[[StepStatus], None]


def step_work(rows: int, cols: int, tile: int) -> float:
    """Multiply-adds of the steps that eliminate a ``rows × cols`` matrix of full rank in
    panels of ``tile`` columns (the panels' and the trailing updates'): the unit of the
    time-left estimates.

    >>> step_work(100, 100, 100) == 100 * 100 * 100
    True
    """
    total = 0.0
    while rows > 0 and cols > 0:
        w = min(tile, cols)
        total += float(rows) * w * w + float(max(0, rows - w)) * (cols - w) * w
        rows, cols = rows - w, cols - w
    return total


class StepClock:
    """Elapsed time and time left of an elimination, from the work done so far: :meth:`tick`
    after each step sends a :class:`StepStatus` to ``say``."""

    def __init__(self, rows: int, cols: int, tile: int, step: int, rank: int,
                 say: StepCallback | None) -> None:
        self.tile, self.say = tile, say
        self.steps = step + (-(-cols // tile) if rows else 0)  # at most: one per column panel
        self.total = step_work(rows, cols, tile)
        self.t0 = time.perf_counter()

    def tick(self, step: int, rank: int, rows: int, cols: int) -> None:
        if self.say is None:
            return
        elapsed = time.perf_counter() - self.t0
        left_work = step_work(rows, cols, self.tile)
        done = self.total - left_work
        left = elapsed * left_work / done if done > 0 else None
        self.say(StepStatus(step, max(self.steps, step), rank, rows, cols, elapsed, left))


@dataclass
class Panel:
    """An eliminated panel: its rank, pivot rows and the multipliers of the other rows.

    Attributes
    ----------
    rank : int
    pivots : ndarray of int
        Rows of the pivots, in the order of the columns of ``X``.
    others : ndarray of int
        The other rows, in the order of the rows of ``X``.
    work : ndarray
        The eliminated panel; ``X = work[rank:, :rank]``.
    """

    rank: int
    pivots: np.ndarray
    others: np.ndarray
    work: np.ndarray

    def __post_init__(self) -> None:
        self._order = np.argsort(self.others, kind="stable")
        self._sorted = self.others[self._order]

    @classmethod
    def eliminate(cls, panel: np.ndarray, field: Field) -> Panel:
        """Eliminate a ``rows × w`` panel (any float or complex dtype of centred residues)."""
        m, w = panel.shape
        work = np.empty((m, w + 1), dtype=field.float_dtype())
        work[:, :w] = panel
        work[:, w] = np.arange(m)  # row labels travel with their rows
        r = eliminate_panel(work, w, field)
        labels = np.rint(work[:, w].real).astype(np.intp)
        return cls(r, labels[:r].copy(), labels[r:].copy(), work)

    def kept(self, lo: int, hi: int) -> np.ndarray:
        """The rows in ``lo:hi`` that stay in the matrix (not pivots), in increasing order."""
        a, b = np.searchsorted(self._sorted, (lo, hi))
        return self._sorted[a:b]

    def multipliers(self, lo: int, hi: int) -> np.ndarray:
        """``X`` of the rows :meth:`kept` in ``lo:hi``, in their order (a C-contiguous copy)."""
        a, b = np.searchsorted(self._sorted, (lo, hi))
        return self.work[self.rank + self._order[a:b], : self.rank]

    def pivots_in(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions in :attr:`pivots` of the pivot rows in ``lo:hi``, and those rows."""
        where = np.flatnonzero((self.pivots >= lo) & (self.pivots < hi))
        return where, self.pivots[where]


def update_tile(tile: np.ndarray, X: np.ndarray, U: np.ndarray, field: Field) -> np.ndarray:
    """``tile - X @ U`` reduced, widened to float64 / complex128 (``tile`` is not modified)."""
    T = np.array(tile, dtype=field.float_dtype(), order="C")
    if X.shape[1]:
        subtract_product(T, X, U, field)
    return T


def eliminate_step(src: np.ndarray, layout: Layout,
                   destination: Callable[[int, int], np.ndarray]) -> tuple[int, np.ndarray | None]:
    """One step of the tiled elimination of the trailing matrix ``src`` (any 2-D array of
    centred residues: in memory, a memmap, a view).

    Parameters
    ----------
    src : ndarray
        The ``m × n`` matrix left after the steps before (not modified unless
        ``destination`` returns a view of it, see below).
    layout : Layout
        Field, storage and tile side.
    destination : callable(rows, cols) -> ndarray
        Where the next trailing matrix goes; it may be a view of the same memory whose
        rows start no lower than ``src``'s and whose columns are ``src``'s from the panel's
        width on (the in-memory elimination updates in place: tiles are read before their
        rows are overwritten).

    Returns
    -------
    (int, ndarray or None)
        The panel's rank and the next trailing matrix: ``src`` without its panel when the
        rank is 0 (nothing to update), None when nothing is left.
    """
    m, n = src.shape
    w = min(layout.tile, n)
    if m == 0 or n == 0:
        return 0, None
    panel = Panel.eliminate(src[:, :w], layout.field)
    r = panel.rank
    if r == 0:
        return 0, (src[:, w:] if n > w else None)
    if r == m or n == w:
        return r, None
    dst = destination(m - r, n - w)
    b = layout.tile
    # (rows in src, kept rows' positions among them, first row in dst)
    blocks: list[tuple[int, int, np.ndarray, int]] = []
    row = 0
    for lo in range(0, m, b):
        hi = min(m, lo + b)
        kept = panel.kept(lo, hi)
        if kept.size:
            blocks.append((lo, hi, kept - lo, row))
        row += kept.size
    threads = min(get_threads(), len(blocks))
    # row blocks in parallel, one BLAS thread each (small products gain nothing from more);
    # each group of blocks is read and updated before any of it is written back, so an update
    # in place never overwrites rows that a block of the group has still to read
    with ThreadPoolExecutor(threads) if threads > 1 else nullcontext() as pool, \
            blas_threads(1) if threads > 1 else nullcontext():
        for c0 in range(w, n, b):  # column tiles outermost: U is read before its rows move
            c1 = min(n, c0 + b)
            U = np.array(src[panel.pivots, c0:c1], dtype=layout.work_dtype, order="C")

            def update(block: tuple[int, int, np.ndarray, int], c0: int = c0, c1: int = c1,
                       U: np.ndarray = U) -> np.ndarray:
                lo, hi, kept, _row = block
                tile = src[lo:hi, c0:c1]
                if kept.size < hi - lo:
                    tile = tile[kept]
                return update_tile(tile, panel.multipliers(lo, hi), U, layout.field)

            for g in range(0, len(blocks), max(1, threads)):
                group = blocks[g : g + max(1, threads)]
                done = pool.map(update, group) if pool is not None else map(update, group)
                for (_lo, _hi, kept, row), T in zip(group, list(done), strict=True):
                    dst[row : row + kept.size, c0 - w : c1 - w] = T
    return r, dst


def fill(store: np.ndarray, source: MatrixSource, layout: Layout, r0: int = 0,
         done: Callable[[int], None] | None = None) -> None:
    """Write ``source``'s rows from ``r0`` on into ``store`` (residues, narrowed to its dtype),
    tile by tile; ``done(rows)`` after each block of :attr:`Layout.tile` rows."""
    rows, cols = store.shape
    b = layout.tile
    for lo in range(r0, rows, b):
        hi = min(rows, lo + b)
        for c0 in range(0, cols, b):
            c1 = min(cols, c0 + b)
            store[lo:hi, c0:c1] = layout.residues(source.block(lo, hi, c0, c1))
        if done is not None:
            done(hi)


def eliminate(store: np.ndarray, layout: Layout, *, rank: int = 0, step: int = 0,
              on_step: Callable[[int, int, np.ndarray | None], np.ndarray | None] | None = None,
              destination: Callable[[np.ndarray, int, int], np.ndarray] | None = None,
              progress: StepCallback | None = None) -> int:
    """Eliminate the trailing matrix ``store`` step by step; the rank (plus ``rank``).

    ``destination(src, rows, cols)`` gives each step's output (default: in place, a view of
    ``src``'s memory); ``on_step(step, rank, next)`` runs after each finished step and may
    return the array to continue from (the spilled elimination commits a checkpoint there).
    """
    src: np.ndarray | None = store
    rows0, cols0 = store.shape
    clock = StepClock(rows0, cols0, layout.tile, step, rank, progress)
    while src is not None and src.size:
        def place(rows: int, cols: int, here: np.ndarray = src) -> np.ndarray:
            if destination is None:
                return here[:rows, here.shape[1] - cols :]
            return destination(here, rows, cols)
        r, nxt = eliminate_step(src, layout, place)
        rank, step = rank + r, step + 1
        if on_step is not None:
            nxt = on_step(step, rank, nxt)
        src = nxt
        clock.tick(step, rank, *(src.shape if src is not None else (0, 0)))
    return rank


def tiled_rank(matrix: np.ndarray | MatrixSource, field: Field | int, *, bits: int = 32,
               tile: int = DEFAULT_TILE, progress: StepCallback | None = None) -> int:
    """Exact rank of a matrix over ``field``, stored in ``bits``-bit floats and eliminated in
    tiles, in memory.

    Parameters
    ----------
    matrix : ndarray or MatrixSource
        Integer entries (any dtype; negatives reduced), over GF(q²) also complex entries with
        integer parts (Gaussian integers), or a source of blocks (a sample built tile by tile).
    field : Field or int
        GF(p) (a whole number ``p`` means GF(p)) or GF(q²); with ``bits=32`` over GF(p), ``p``
        below ``2**24``.
    bits : {32, 64}
        Bits of each stored real number (float32 / complex64 or float64 / complex128).
    tile : int
        Rows and columns of a tile.
    progress : callable(StepStatus), optional
        Called after every elimination step.

    Returns
    -------
    int

    Raises
    ------
    TnrankError
        For a prime that 32-bit storage cannot hold, or a matrix whose storage and working
        memory (:attr:`Layout.memory_bytes`) would not fit, before anything is allocated.

    Examples
    --------
    >>> import numpy as np
    >>> from tnrank.field import GF
    >>> A = np.array([[1, 2, 3], [2, 4, 6], [0, 1, 1]])
    >>> tiled_rank(A, 7, tile=1), tiled_rank(1j * A, GF(7**2), tile=2)
    (2, 2)
    """
    source: MatrixSource
    if isinstance(matrix, np.ndarray) or not hasattr(matrix, "block"):
        source = ArraySource(np.asarray(matrix))
    else:
        source = matrix
    field = as_field(field, name="modulus")
    rows, cols = source.shape
    layout = Layout(rows, cols, field, bits, tile)
    if rows == 0 or cols == 0:
        return 0
    check_memory(layout.memory_bytes, f"the tiled exact rank of a {rows:,} × {cols:,} matrix",
                 "store it on disk (`spill`), use a smaller matrix, or set TNRANK_MEMORY if more "
                 "memory is free")
    store = np.empty((rows, cols), dtype=layout.storage_dtype)
    fill(store, source, layout)
    return eliminate(store, layout, progress=progress)

