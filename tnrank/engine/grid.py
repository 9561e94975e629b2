"""Grid tensors and their matricizations, built by batched evaluation.

The grid tensor of a circuit on templates ``v^(1..n)`` is
``A[d_0, ..., d_{T-1}] = y(v^(d_0), ..., v^(d_{T-1}))``. With one-hot
templates (the default, ``F = I``) it is the circuit's coefficient tensor.
Its matricization for a partition ``(S, E)`` has rows indexed by the start
steps' templates and columns by the end steps' (lexicographic, earliest step
most significant); its rank is a lower bound on the separation rank.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import numpy as np

from tnrank.engine.cell_evaluation import CellValue
from tnrank.engine.evaluation import Circuit, FoldedLayer, State
from tnrank.engine.symbolic import cut_state_degree
from tnrank.errors import TnrankError
from tnrank.model.partition import Partition
from tnrank.model.weights import Weights
from tnrank.runtime.threads import blas_threads, get_threads

__all__ = [
    "grid_tensor",
    "grid_matrix",
    "matricize",
    "sample_matrix",
    "grid_size",
    "grid_bytes",
    "evaluation_bytes",
    "MAX_GRID_ENTRIES",
]

#: Largest number of entries of a full grid built by default (2**25 int64 entries
#: take 256 MiB, and the modular rank of such a matricization takes seconds).
MAX_GRID_ENTRIES = 2**25
# target number of elements of one working array (keeps arrays in cache-sized blocks)
_BLOCK = 2**15
# most entries of one block's states, all layers together (a deep circuit gets narrower blocks,
# so its working memory does not grow with its depth)
_STATE_BLOCK = 2**20
# fold an input-only layer across a start-end cut (FoldedLayer); off only to time the
# unfolded engine as a baseline (benchmarks/bench_core.py)
_FOLD = True

CountCallback = Callable[[int, int], None]


def _templates(circuit: Circuit, templates: np.ndarray | None) -> np.ndarray:
    M = circuit.arch.M
    if templates is None:
        eye = np.eye(M)
        return eye.astype(circuit.ar.dtype)
    arr = np.asarray(templates)
    if arr.ndim != 2 or arr.shape[0] != M or arr.shape[1] < 1:
        raise TnrankError(
            f"templates must be an array of shape (M, n) = ({M}, n) whose columns are the "
            f"template representation vectors, got shape {arr.shape}"
        )
    return circuit.prepare_inputs(arr.T, "templates").T


def grid_size(n_templates: int, partition: Partition) -> tuple[int, int]:
    """Shape of the matricization: ``(n^|S|, n^|E|)``."""
    return n_templates ** len(partition.start), n_templates ** len(partition.end)


def _workers() -> int:
    return max(1, min(get_threads(), 4))


def _sample_chunk(rows: int, widest: int, state_entries: int) -> int:
    """Columns of one block of a ``rows``-row sample matrix (:func:`sample_matrix`)."""
    return max(1, min(8 * _BLOCK // (max(1, rows) * widest),
                      _STATE_BLOCK // (max(1, rows) * max(1, state_entries))))


def evaluation_bytes(state_entries: int, widest: int, M: int, T: int, side: int,
                     itemsize: int) -> int:
    """Working memory of building a ``side × side`` sample matrix beyond the matrix itself.

    Counts the inputs of its rows and columns (the drawn halves and their per-step copies,
    ``3 · side · T · M`` elements), the states of the rows at the cut (``side ×`` the circuit's
    state entries) and the blocks the workers evaluate at once: for each (row, column) pair of
    a block, every layer's state before and after a step and a few arrays of the widest layer.
    A block holds at least one column, so this grows with the depth.

    Parameters
    ----------
    state_entries : int
        Entries of the state carried between steps, all layers together
        (:attr:`~tnrank.model.architecture.Architecture.state_size`).
    widest : int
        The widest layer, or ``M`` if that is larger.
    M : int
        Representation functions.
    T : int
        Sequence length.
    side : int
        Rows and columns of the sample.
    itemsize : int
        Bytes of one element (8 for int64 residues, 16 over GF(q²)).

    Returns
    -------
    int

    Examples
    --------
    >>> deep, shallow = (evaluation_bytes(s, 2, 2, 4, 1000, 8) for s in (2000, 4))
    >>> deep > shallow  # depth 1,000 against depth 2, width 2
    True
    """
    inputs = 3 * side * T * M
    rows = side * state_entries
    in_flight = min(side, _workers() * _sample_chunk(side, widest, state_entries))
    blocks = (2 * state_entries + 4 * widest) * side * in_flight
    return itemsize * (inputs + rows + blocks)


def grid_bytes(state_entries: int, n: int, partition: Partition, itemsize: int = 8) -> int:
    """Memory of :func:`grid_matrix`: the matricization, the prefix tree of the steps fixed per
    block (every prefix's state) and the blocks the workers evaluate at once.

    Examples
    --------
    >>> grid_bytes(6, 3, Partition.parse("start-end", 10)) >= 8 * 3**10
    True
    """
    rows, cols = grid_size(n, partition)
    c = _fixed_steps(n, partition.T, state_entries)
    prefixes = n**c * state_entries
    block = n ** (partition.T - c) * state_entries
    return itemsize * (rows * cols + 2 * prefixes + _workers() * 3 * block)


def _fixed_steps(n: int, T: int, width: int) -> int:
    """Steps fixed one assignment at a time per block of the full grid."""
    c = 0
    while c < T - 1 and n ** (T - c) * width > 8 * _BLOCK:
        c += 1
    return c


def _check_fits(total: int, max_entries: int, what: str) -> None:
    if total > max_entries:
        raise TnrankError(
            f"the full {what} has {total:,} entries ({total * 8 / 2**30:,.1f} GiB as int64), "
            f"more than the limit of {max_entries:,}; use the sampled mode "
            "(`grid='sampled'`) or raise `max_entries`"
        )


def grid_tensor(
    weights: Weights,
    T: int,
    templates: np.ndarray | None = None,
    max_entries: int = MAX_GRID_ENTRIES,
) -> np.ndarray:
    """The grid tensor ``A[d_0..d_{T-1}] = y(v^(d_0), ..., v^(d_{T-1}))``.

    Parameters
    ----------
    weights : Weights
        Float or modular weights.
    T : int
        Sequence length.
    templates : ndarray of shape (M, n), optional
        Template representation vectors as columns; default one-hot (``F = I``).
    max_entries : int
        Refuse grids with more entries than this.

    Returns
    -------
    ndarray of shape (n,) * T

    Examples
    --------
    >>> from tnrank import Architecture, random_weights, grid_tensor, PRIME
    >>> A = grid_tensor(random_weights(Architecture.rac(1, 2, 2), prime=PRIME), T=4)
    >>> A.shape
    (2, 2, 2, 2)
    """
    part = Partition(T, (0,)) if isinstance(T, int) and T >= 2 else None
    if part is None:
        if isinstance(T, bool) or not isinstance(T, int) or T < 1:
            raise TnrankError(f"sequence length T must be a whole number >= 1, got {T!r}")
        circuit = Circuit(weights)
        F = _templates(circuit, templates)
        return circuit.readout(circuit.run([F]))
    matrix = grid_matrix(weights, part, templates, max_entries)
    return matrix.reshape((matrix.shape[0],) * T)


def matricize(tensor: np.ndarray, partition: Partition | str | Sequence[int]) -> np.ndarray:
    """Matricize an order-``T`` tensor: start steps index rows, end steps columns.

    Parameters
    ----------
    tensor : ndarray of order T
    partition : Partition, str or sequence of int
        See :meth:`tnrank.model.partition.Partition.parse`.

    Returns
    -------
    ndarray of shape (prod of start dims, prod of end dims)
    """
    tensor = np.asarray(tensor)
    part = Partition.parse(partition, tensor.ndim)
    rows = math.prod(tensor.shape[t] for t in part.start)
    return np.transpose(tensor, part.start + part.end).reshape(rows, -1)


def grid_matrix(
    weights: Weights,
    partition: Partition,
    templates: np.ndarray | None = None,
    max_entries: int = MAX_GRID_ENTRIES,
    progress: CountCallback | None = None,
) -> np.ndarray:
    """The matricization of the full grid tensor, built block by block.

    Each time step gets its own broadcast axis, so the evaluation expands as a
    prefix tree (every prefix is computed once). The first steps are fixed
    one assignment at a time to keep working arrays small.

    Parameters
    ----------
    weights : Weights
    partition : Partition
    templates : ndarray of shape (M, n), optional
        Default one-hot.
    max_entries : int
        Refuse (with a message suggesting the sampled mode) larger grids.
    progress : callable(done, total), optional
        Called after each block.

    Returns
    -------
    ndarray of shape (n^|S|, n^|E|)
    """
    circuit = Circuit(weights)
    F = _templates(circuit, templates)
    M, n = F.shape
    T = partition.T
    rows, cols = grid_size(n, partition)
    _check_fits(rows * cols, max_entries, "grid")
    # fix the first c steps per block so a block's working arrays stay small
    c = _fixed_steps(n, T, circuit.arch.state_size)
    out = np.empty((rows, cols), dtype=circuit.ar.dtype)
    free = T - c
    expand = [F.reshape((M,) + (1,) * i + (n,) + (1,) * (free - i - 1)) for i in range(free)]
    s_rest = [t for t in partition.start if t >= c]
    e_rest = [t for t in partition.end if t >= c]
    order = [t - c for t in s_rest + e_rest]
    block_r, block_c = n ** len(s_rest), n ** len(e_rest)
    # states after every assignment of the first c steps, one prefix tree: (R, n, ..., n)
    prefixes = [F.reshape((M,) + (1,) * i + (n,) + (1,) * (c - i - 1)) for i in range(c)]
    heads = circuit.run(prefixes)
    shapes = [circuit.arch.layer_states(k) for k in range(circuit.arch.depth)]
    assignments = list(np.ndindex(*([n] * c))) if c else [()]

    def block_at(i: int) -> None:
        prefix = assignments[i]
        state = [None if h is None else _head(h, prefix, c, shapes[k]) for k, h in enumerate(heads)]
        block = circuit.readout(_run(circuit, expand, state, None, stop))
        block = np.broadcast_to(block, (n,) * free)
        block = np.transpose(block, order).reshape(block_r, block_c)
        r0 = c0 = 0
        for t, d in enumerate(prefix):
            if partition.side_of(t) == 0:
                r0 = r0 * n + d
            else:
                c0 = c0 * n + d
        out[r0 * block_r:(r0 + 1) * block_r, c0 * block_c:(c0 + 1) * block_c] = block

    stop = threading.Event()
    _in_parallel(block_at, range(len(assignments)), progress, stop)
    return out


def _head(h: np.ndarray | CellValue, prefix: tuple[int, ...], c: int,
          shapes: dict[str, tuple[int, ...]]) -> np.ndarray | CellValue:
    """One prefix's state out of the prefix tree (size-1 axes are broadcast steps)."""
    if isinstance(h, CellValue):
        return h.select(prefix[:c], shapes)
    batch = h.shape[1:]
    index = tuple(prefix[i] if batch[i] > 1 else 0 for i in range(min(c, len(batch))))
    return h[(slice(None),) + index]


def sample_matrix(
    weights: Weights,
    partition: Partition,
    row_inputs: np.ndarray,
    col_inputs: np.ndarray,
    progress: CountCallback | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """``[y(s_i ∪ e_j)]``: rows are start-side inputs, columns end-side inputs.

    Parameters
    ----------
    weights : Weights
    partition : Partition
    row_inputs : ndarray of shape (K_rows, |S|, M)
        Representation vectors for the start steps, one sequence per row.
    col_inputs : ndarray of shape (K_cols, |E|, M)
        Representation vectors for the end steps, one sequence per column.
    progress : callable(done, total), optional
    out : ndarray of shape (K_rows, K_cols), optional
        Where to write the matrix (a view into a larger buffer, say); int64
        for modular weights, complex128 for Gaussian weights, float64 for
        float weights.

    Returns
    -------
    ndarray of shape (K_rows, K_cols)
        ``out`` when given.

    Notes
    -----
    Steps before the first column step are computed once per row; the rest
    runs on (row, column) pairs in column blocks that fit in cache.
    """
    circuit = Circuit(weights)
    if 0 in partition.end:  # make the first step a row step, then transpose back
        return sample_matrix(weights, partition.swapped(), col_inputs, row_inputs, progress,
                             None if out is None else out.T).T
    rows = circuit.prepare_inputs(row_inputs, "row inputs")
    cols = circuit.prepare_inputs(col_inputs, "column inputs")
    S, E = partition.start, partition.end
    if rows.ndim != 3 or rows.shape[1] != len(S) or cols.ndim != 3 or cols.shape[1] != len(E):
        raise TnrankError(
            f"row inputs must have shape (K, {len(S)}, M) and column inputs (K, {len(E)}, M) "
            f"for this partition, got {rows.shape} and {cols.shape}"
        )
    Kr, Kc = rows.shape[0], cols.shape[0]
    pos = {t: i for i, t in enumerate(S)} | {t: i for i, t in enumerate(E)}
    first_col = E[0]
    row_v = [np.ascontiguousarray(rows[:, pos[t], :].T)[:, :, None] for t in S]  # (M, Kr, 1)
    state = circuit.run([row_v[pos[t]] for t in range(first_col)])
    # after the first column step every step is a column step (start-end): a layer linear
    # in its own state can be folded into small per-column matrices (FoldedLayer)
    fold = None
    affine = False
    if _FOLD and E == tuple(range(first_col, partition.T)):
        fold = circuit.foldable_layer()
        # y affine in the states at the cut (single cells linear in their own state): read every
        # entry off one product of the states with per-column coefficients
        affine = circuit.arch.has_cells and cut_state_degree(
            circuit.arch, partition.T - first_col) <= 1
    if affine:
        return _affine_sample(circuit, state, rows.shape[0], cols, E, pos, first_col,
                              partition.T, progress, out)
    dtype = circuit.ar.dtype
    if out is None:
        out = np.empty((Kr, Kc), dtype=dtype)
    elif out.shape != (Kr, Kc) or out.dtype != dtype:
        raise TnrankError(f"out must be a {dtype.__name__} array of shape {(Kr, Kc)}, got "
                          f"{out.dtype} {out.shape}")
    # a block holds (widest layer) x Kr x chunk entries per array, and every layer's state
    chunk = _sample_chunk(Kr, max(circuit.arch.widths + (circuit.arch.M,)), circuit.arch.state_size)

    def column_block(j0: int) -> None:
        j1 = min(Kc, j0 + chunk)
        col_v = {t: np.ascontiguousarray(cols[j0:j1, pos[t], :].T)[:, None, :] for t in E}
        steps = [col_v[t] if t in col_v else row_v[pos[t]] for t in range(first_col, partition.T)]
        folded = None if fold is None else circuit.fold(state, fold)
        block = circuit.readout(_run(circuit, steps, state, folded, stop), folded)
        out[:, j0:j1] = np.broadcast_to(block, (Kr, j1 - j0))

    stop = threading.Event()
    _in_parallel(column_block, range(0, Kc, chunk), progress, stop)
    return out


def _affine_sample(circuit: Circuit, state: State, Kr: int, cols: np.ndarray, E: tuple[int, ...],
                   pos: dict[int, int], first_col: int, T: int, progress: CountCallback | None,
                   out: np.ndarray | None) -> np.ndarray:
    """The sample matrix of a circuit whose output is affine in the states ``h`` at the cut:
    ``y(h, e_j) = d_j + Σ_z h_z c_{z,j}``. The end steps run once per column from each unit
    state and from zero (``Z + 1`` configurations instead of ``K_rows`` rows), giving ``d_j``
    and ``c_{z,j}`` exactly; every entry is then one product over the ``Z`` state entries.

    The end steps run on wide blocks of columns (their arrays have ``Z + 1`` rows, not
    ``K_rows``), so their per-operation overhead is shared by many entries; the entries are
    then written in cache-sized column blocks."""
    ar = circuit.ar
    Kc = cols.shape[0]
    if out is None:
        out = np.empty((Kr, Kc), dtype=ar.dtype)
    elif out.shape != (Kr, Kc) or out.dtype != ar.dtype:
        raise TnrankError(f"out must be a {ar.dtype.__name__} array of shape {(Kr, Kc)}, got "
                          f"{out.dtype} {out.shape}")
    H = circuit.state_entries(state)  # (Z, Kr, 1)
    H = np.ascontiguousarray(np.broadcast_to(H.reshape(H.shape[:1] + (-1,)), (H.shape[0], Kr)))
    basis, Z = circuit.basis_state()
    chunk = max(1, 2 * _BLOCK // max(Kr, 1))  # an entry block stays in cache while reduced
    # a few wide blocks per worker: the end steps' arrays stay small, (Z + 1) x block
    wide = max(chunk, min(_WIDE_COLUMNS, math.ceil(Kc / (4 * max(1, get_threads())))))
    group = getattr(ar, "group", None)

    def column_block(j0: int) -> None:
        j1 = min(Kc, j0 + wide)
        steps = [np.ascontiguousarray(cols[j0:j1, pos[t], :].T)[:, None, :] for t in E]
        y = circuit.readout(_run(circuit, steps, basis, None, stop))
        y = np.broadcast_to(y, (Z + 1, j1 - j0))
        const = np.ascontiguousarray(y[Z])
        coef = ar.add(np.ascontiguousarray(y[:Z]), circuit.negated(const)[None, :])
        for c0 in range(0, j1 - j0, chunk):
            c1 = min(j1 - j0, c0 + chunk)
            _affine_entries(ar, group, H, coef[:, c0:c1], const[c0:c1], out[:, j0 + c0:j0 + c1])

    stop = threading.Event()
    _in_parallel(column_block, range(0, Kc, wide), progress, stop)
    return out


#: Most columns whose end steps one block of an affine sample runs at once.
_WIDE_COLUMNS = 2048


def _affine_entries(ar: Any, group: int | None, H: np.ndarray, coef: np.ndarray,
                    const: np.ndarray, out: np.ndarray) -> None:
    """``out[i, j] = const[j] + Σ_z H[z, i] coef[z, j]``, reduced, written into ``out``: the
    products are summed unreduced up to ``group`` of them (the arithmetic's exact range, which
    leaves room for one reduced residue), so a block costs one reduction."""
    if H.shape[0] == 0:
        out[...] = const[None, :]
        return
    np.multiply(H[0][:, None], coef[0][None, :], out=out)
    tmp = np.empty(out.shape, dtype=out.dtype)
    pending = 1
    for z in range(1, H.shape[0]):
        if group is not None and pending == group:
            ar.reduce(out)
            pending = 1
        np.multiply(H[z][:, None], coef[z][None, :], out=tmp)
        out += tmp
        pending += 1
    out += const[None, :]
    if group is not None:
        ar.reduce(out)


class _StoppedError(Exception):
    """A block left unfinished because the computation was interrupted."""


def _run(circuit: Circuit, steps: Sequence[np.ndarray], state: State,
         folded: FoldedLayer | None, stop: threading.Event) -> State:
    """:meth:`Circuit.run` that gives up between two steps once ``stop`` is set (Ctrl-C in the
    caller: a block of thousands of steps ends within one step, not at its end)."""
    for v in steps:
        if stop.is_set():
            raise _StoppedError
        state = circuit.step(state, v, folded)
    return state


def _in_parallel(work: Callable[[int], None], items: range, progress: CountCallback | None,
                 stop: threading.Event) -> None:
    """Run independent blocks on all cores (numpy releases the GIL inside its loops).

    Ctrl-C cancels the blocks not yet started, sets ``stop`` so that the running ones end at
    their next step, and re-raises in the caller.
    """
    total = len(items)
    workers = min(get_threads(), 4, total)
    if workers <= 1:
        for done, item in enumerate(items, start=1):
            work(item)
            if progress is not None:
                progress(done, total)
        return
    # the blocks are the parallelism: BLAS inside them runs on one thread
    with blas_threads(1):
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            futures = [pool.submit(work, item) for item in items]
            for done, fut in enumerate(as_completed(futures), start=1):
                fut.result()
                if progress is not None:
                    progress(done, total)
        except BaseException:
            stop.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
