r"""The tensors of a cell's operations in an unrolled network.

Every value of a cell is one bond (:mod:`tnrank.networks.blocks`): a value with ``n`` entries
(a matrix row by row) has dimension ``n``, or ``n + 1`` when the network carries the constant 1
(*augmented*: the vector :math:`\bar u = (u, 1)`, its last index :math:`\ell`). The tensor of an
operation, axes ``(result, operand, operand, ...)``, is its multi-affine map on those vectors:
contracting it with :math:`\bar a, \bar b` gives :math:`\overline{f(a, b)}`. With the constant,
every tensor also has the entry :math:`1` at :math:`(\ell, \ell, \dots)` (so that
:math:`\overline{f(a,b)}_\ell = 1`), and a sum reads each operand against the other's constant:

* ``apply`` ``W @ v``: :math:`\begin{pmatrix} W & 0 \\ 0 & 1 \end{pmatrix}` (``W ⊗ I`` on a
  matrix); a diagonal weight a copy tensor :math:`\delta` joined to :math:`(d, 1)`; a low-rank
  weight its two factors; ``bilinear`` the 3-way weight;
* ``mul`` :math:`a \odot b` and ``pow``: copy tensors of order 3 and ``k + 1`` (a scalar factor
  multiplies every entry);
* ``add``/``sub`` :math:`a \pm b`: :math:`G_{i,i,\ell} = 1`, :math:`G_{i,\ell,i} = \pm 1`
  (a scalar operand adds to every entry);
* ``outer``, ``matvec``, ``vecmat``, ``dot``, ``rows``, ``cols``: the copy tensors that place
  each product of entries; ``neg`` is :math:`-I`; ``concat`` stacks several sources, each read
  against the constants of the others;
* a constant, a weight used as a value and a state's initial value are vectors.

Without the constant (a cell with no sum) the same tensors are written without their last
index. Entries are float64, or residues mod p (``-1`` as ``p - 1``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from tnrank.errors import TnrankError
from tnrank.model.cell_program import Program

__all__ = ["operation_tensor", "initial_tensor"]


def _dims(shape: tuple[int, ...], extra: int) -> int:
    return math.prod(shape) + extra


def _flat(array: np.ndarray, extra: int, dtype: np.dtype) -> np.ndarray:
    """A value as its vector, augmented by the constant 1 when ``extra``."""
    flat = np.asarray(array, dtype=dtype).reshape(-1)
    return np.append(flat, np.ones(1, dtype=dtype)) if extra else flat


def _padded(matrix: np.ndarray, extra: int, dtype: np.dtype) -> np.ndarray:
    """``[[W, 0], [0, 1]]`` (with the constant), else ``W``; any number of axes."""
    matrix = np.asarray(matrix, dtype=dtype)
    if not extra:
        return matrix.copy()
    out = np.zeros(tuple(d + 1 for d in matrix.shape), dtype=dtype)
    out[tuple(slice(0, d) for d in matrix.shape)] = matrix
    out[tuple(d for d in matrix.shape)] = 1
    return out


def _with_columns(matrix: np.ndarray, columns: int) -> np.ndarray:
    """``W ⊗ I_columns``: ``W`` applied to each column of a matrix value stored row by row."""
    return np.kron(matrix, np.eye(columns, dtype=matrix.dtype)) if columns > 1 else matrix


def _placement(out_shape: tuple[int, ...], operand_shapes: list[tuple[int, ...]], extra: int,
               dtype: np.dtype, rule) -> np.ndarray:
    """A tensor of 0 and 1 whose entry ``(result, operand indices...)`` is 1 where ``rule``
    places the product of those operand entries in that entry of the result, plus the constant
    entry. ``rule(index)`` maps an index of the result (a tuple, one per axis) to the operands'
    indices (tuples)."""
    sizes = [_dims(out_shape, extra)] + [_dims(s, extra) for s in operand_shapes]
    t = np.zeros(sizes, dtype=dtype)
    for index in itertools.product(*(range(d) for d in out_shape)):
        flat = [np.ravel_multi_index(index, out_shape) if out_shape else 0]
        for sub, shape in zip(rule(index), operand_shapes, strict=True):
            flat.append(np.ravel_multi_index(sub, shape) if shape else 0)
        t[tuple(flat)] = 1
    if extra:
        t[tuple(d - 1 for d in sizes)] = 1
    return t


def _delta(order: int, n: int, dtype: np.dtype) -> np.ndarray:
    d = np.zeros((n,) * order, dtype=dtype)
    d[(np.arange(n),) * order] = 1
    return d


def operation_tensor(program: Program, i: int, part: str, arrays: dict[str, tuple[np.ndarray, ...]],
                     extra: int, dtype: np.dtype, prime: int | None, sources: tuple[int, ...] = ()
                     ) -> np.ndarray:
    """The tensor of a node of operation ``i`` of a compiled cell.

    Parameters
    ----------
    program : Program
    i : int
        The operation's index in ``program.ops``.
    part : str
        ``""`` for the operation's own node; ``"d"`` for the diagonal of a diagonal weight,
        ``"U"`` or ``"V"`` for a factor of a low-rank weight.
    arrays : dict
        The cell's weights (:attr:`tnrank.model.cell_weights.CellParameters.weights`).
    extra : int
        1 when the network carries the constant 1, else 0.
    dtype : numpy dtype
        float64, or int64 for residues.
    prime : int or None
        Entries are reduced mod ``prime`` when given.
    sources : tuple of int
        The dimensions of the layer's sources, for the ``input`` of a layer with several (their
        concatenation).
    """
    op = program.ops[i]
    shapes = [program.ops[j].shape for j in op.args]
    t = _tensor(program, op, shapes, part, arrays, extra, dtype, sources)
    return np.mod(t, prime) if prime is not None else t


def _tensor(program, op, shapes, part, arrays, extra, dtype, sources) -> np.ndarray:
    kind = op.kind
    if kind in ("apply", "apply_t"):
        w = program.weight(op.name)
        values = arrays[program.ties.get(op.name, op.name)]
        columns = op.size // op.shape[0]
        if w.structure == "dense":
            W = np.asarray(values[0], dtype=dtype)
            return _padded(_with_columns(W if kind == "apply" else W.T, columns), extra, dtype)
        if w.structure == "diagonal":
            if part == "d":
                return _flat(values[0], extra, dtype)
            n = w.shape[0]
            return _placement(op.shape, [op.shape, (n,)], extra, dtype, lambda ix: (ix, ix[:1]))
        U, V = (np.asarray(a, dtype=dtype) for a in values)
        factor = {"U": U, "V": V}[part]
        return _padded(_with_columns(factor if kind == "apply" else factor.T, columns), extra, dtype)
    if kind == "bilinear":
        return _padded(np.asarray(arrays[program.ties.get(op.name, op.name)][0], dtype=dtype),
                       extra, dtype)
    if kind == "weight":
        return _flat(arrays[op.name][0], extra, dtype)
    if kind == "const":
        return _flat(np.array([op.value]), extra, dtype)
    if kind in ("mul", "pow"):
        if kind == "pow" or shapes[0] == shapes[1]:
            return _delta(len(op.args) + 1 if kind == "mul" else op.value + 1,
                          _dims(op.shape, extra), dtype)
        return _placement(op.shape, shapes, extra, dtype,
                          lambda ix: tuple(ix if s else () for s in shapes))
    if kind in ("add", "sub"):
        return _sum(op.shape, shapes, -1 if kind == "sub" else 1, extra, dtype)
    if kind == "neg":
        return _padded(-np.eye(op.size, dtype=dtype), extra, dtype)
    if kind == "input":  # several sources, concatenated
        return _concat(list(sources), dtype)
    if kind == "outer":
        return _placement(op.shape, shapes, extra, dtype, lambda ix: ((ix[0],), (ix[1],)))
    if kind in ("matvec", "vecmat", "dot"):
        return _contraction(kind, shapes, extra, dtype)
    if kind == "rows":
        return _placement(op.shape, shapes, extra, dtype, lambda ix: ((ix[0],), ix))
    if kind == "cols":
        return _placement(op.shape, shapes, extra, dtype, lambda ix: ((ix[1],), ix))
    raise TnrankError(f"no tensor for the cell operation {kind!r}")  # pragma: no cover


def _sum(out_shape: tuple[int, ...], shapes: list[tuple[int, ...]], sign: int, extra: int,
         dtype: np.dtype) -> np.ndarray:
    """``a + sign · b`` on augmented vectors: each operand read against the other's constant."""
    if not extra:
        raise TnrankError("a sum of a cell needs the network's constant 1")  # pragma: no cover
    n = math.prod(out_shape)
    sizes = [n + 1] + [math.prod(s) + 1 for s in shapes]
    g = np.zeros(sizes, dtype=dtype)
    last = [d - 1 for d in sizes]
    for j, (shape, coefficient) in enumerate(zip(shapes, (1, sign), strict=True)):
        for e in range(n):
            index = list(last)
            index[0] = e
            index[1 + j] = e if shape else 0  # a scalar adds to every entry
            g[tuple(index)] += coefficient
    g[tuple(last)] = 1
    return g


def _contraction(kind: str, shapes: list[tuple[int, ...]], extra: int, dtype: np.dtype) -> np.ndarray:
    """``S @ v``, ``v @ S`` and ``a @ b``: a copy tensor on the summed index."""
    if kind == "matvec":
        (r, c), _ = shapes
        return _summed((r,), shapes, extra, dtype, lambda ix: [((ix[0], j), (j,)) for j in range(c)])
    if kind == "vecmat":
        _, (r, c) = shapes
        return _summed((c,), shapes, extra, dtype, lambda ix: [((i,), (i, ix[0])) for i in range(r)])
    (n,), _ = shapes
    return _summed((), shapes, extra, dtype, lambda ix: [((j,), (j,)) for j in range(n)])


def _summed(out_shape, shapes, extra, dtype, terms) -> np.ndarray:
    sizes = [_dims(out_shape, extra)] + [_dims(s, extra) for s in shapes]
    t = np.zeros(sizes, dtype=dtype)
    for index in itertools.product(*(range(d) for d in out_shape)):
        out = np.ravel_multi_index(index, out_shape) if out_shape else 0
        for subs in terms(index):
            t[(out, *(np.ravel_multi_index(sub, s) for sub, s in zip(subs, shapes, strict=True)))] = 1
    if extra:
        t[tuple(d - 1 for d in sizes)] = 1
    return t


def _concat(parts: list[int], dtype: np.dtype) -> np.ndarray:
    """Sources of ``parts`` entries stacked into one vector: each read against the constants
    of the others (several sources always carry the constant)."""
    total = sum(parts)
    sizes = [total + 1] + [p + 1 for p in parts]
    a = np.zeros(sizes, dtype=dtype)
    offset = 0
    for j, p in enumerate(parts):
        for e in range(p):
            index = [offset + e] + parts  # the constant of every other source
            index[1 + j] = e
            a[tuple(index)] = 1
        offset += p
    a[tuple([total] + parts)] = 1
    return a


def initial_tensor(program: Program, state: str, initial: dict[str, np.ndarray], extra: int,
                   dtype: np.dtype, prime: int | None) -> np.ndarray:
    """The vector of a cell state's value before the first step: zeros, ones or its learned
    value, augmented by the constant 1 when ``extra``."""
    st = dict(program.states)[state]
    if st.initial == "zeros":
        value = np.zeros(st.size, dtype=dtype)
    elif st.initial == "ones":
        value = np.ones(st.size, dtype=dtype)
    else:
        value = np.asarray(initial[state], dtype=dtype)
    out = _flat(value, extra, dtype)
    return np.mod(out, prime) if prime is not None else out
