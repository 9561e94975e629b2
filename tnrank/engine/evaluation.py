"""Batched forward evaluation of a recurrent arithmetic circuit (float64, GF(p) or GF(q²)).

The engine works on *steps*: a list of per-step input arrays of shape
``(M, *batch_t)`` whose batch shapes broadcast against each other. Plain
batched evaluation gives every step the same batch shape; grid tensors give
step ``t`` its own axis, so the batch grows into the whole grid as a prefix
tree; sampled matricizations give start steps a row axis and end steps a
column axis. One code path serves all three.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from tnrank.engine.arithmetic import arithmetic_for
from tnrank.engine.cell_evaluation import CellRunner, CellValue
from tnrank.errors import TnrankError
from tnrank.model.architecture import INPUT, cell_references
from tnrank.model.weights import Weights, field_array

__all__ = ["evaluate", "Circuit", "FoldedLayer"]

#: One layer's value at a step: a component-major array (None before step 1 under
#: "ones"/"zeros"), or a CellValue for a cell layer.
LayerValue = np.ndarray | CellValue | None
#: Every layer's value at a step.
State = list[LayerValue]
_T = TypeVar("_T")


class Circuit:
    """A circuit with its weights, ready to step: the evaluation engine.

    Parameters
    ----------
    weights : Weights
        Float or modular weights; the arithmetic follows them.

    Examples
    --------
    >>> import numpy as np
    >>> from tnrank import Architecture, random_weights
    >>> from tnrank.engine.evaluation import Circuit
    >>> c = Circuit(random_weights(Architecture.rac(1, 2, 2), seed=0))
    >>> v = np.eye(2)                       # two inputs, component-major (M, batch)
    >>> c.readout(c.run([v, v])).shape      # y for the sequences (e1, e1), (e2, e2)
    (2,)
    """

    def __init__(self, weights: Weights) -> None:
        if not isinstance(weights, Weights):
            raise TnrankError("evaluation needs a Weights object (see tnrank.random_weights)")
        self.weights = weights
        self.arch = weights.architecture
        self.ar = arithmetic_for(weights.field)
        self.field = weights.field
        # W^I split by source, so differently shaped sources never get concatenated
        self._blocks: list[list[tuple[int | None, np.ndarray]]] = []
        # cell layers run their compiled programs
        self._cells: list[CellRunner | None] = []
        for k, layer in enumerate(self.arch.layers):
            program = self.arch.program(k)
            self._cells.append(None if program is None else CellRunner(
                program, _present(weights.cell(k), "a cell layer's arrays"), self.ar, weights.field))
            if program is not None:
                self._blocks.append([])
                continue
            blocks: list[tuple[int | None, np.ndarray]] = []
            col = 0
            W_in = _present(weights.input[k], "input weights")
            for src, dim in zip(layer.sources, self.arch.source_dims(k), strict=False):
                idx = None if src == INPUT else self.arch.index(src)
                blocks.append((idx, np.ascontiguousarray(W_in[:, col:col + dim])))
                col += dim
            self._blocks.append(blocks)
        self._out = [
            (self.arch.index(name), w.reshape(1, -1))
            for name, w in zip(self.arch.output, weights.output, strict=True)
        ]

    # ------------------------------------------------------------------ engine
    def initial_state(self) -> State:
        """The state before step 0: ``None`` per layer for the ``ones``/``zeros``
        conventions, else the explicit ``h^{0,l}``."""
        state: State
        if self.arch.initial == "state":
            state = list(self.weights.initial)
        else:
            state = [None] * self.arch.depth
        for k, runner in enumerate(self._cells):
            if runner is not None:
                state[k] = runner.start()
        return state

    def step(self, state: State, v: np.ndarray, folded: FoldedLayer | None = None) -> State:
        """Advance every layer by one time step on input ``v`` of shape ``(M, *batch)``.

        With ``folded``, that layer is advanced as a matrix on its start state
        (:class:`FoldedLayer`) and its slot in the state stays ``None``.
        """
        ar = self.ar
        new: State = [None] * self.arch.depth
        for k in self.arch.order:
            layer = self.arch.layers[k]
            if folded is not None and k == folded.layer:
                folded.advance(v)
                continue
            runner = self._cells[k]
            if runner is not None:
                new[k] = self._cell_step(k, runner, _cell(state[k]), v, new)
                continue
            a: np.ndarray | None = None
            for idx, W in self._blocks[k]:
                if folded is not None and idx == folded.layer:
                    term = folded.apply(W)
                else:
                    source = v if idx is None else _present(self._output_of(new, idx), "a source")
                    term = ar.matvec(W, source)
                a = term if a is None else ar.add(*_aligned(a, term))
            a = _present(a, "a layer's input")  # every layer has a source
            prev = _array(state[k])
            b = (None if prev is None else
                 ar.matvec(_present(self.weights.hidden[k], "hidden weights"), prev))
            if b is not None:
                a, b = _aligned(a, b)
            new[k] = self._merge(k, layer.integration, a, b)
        return new

    def _output_of(self, state: State, k: int) -> np.ndarray | None:
        """What layer ``k`` passes on at a step: its state, or a cell's output."""
        value = state[k]
        return value.output() if isinstance(value, CellValue) else value

    def _cell_step(self, k: int, runner: CellRunner, previous: CellValue, v: np.ndarray,
                   new: State) -> CellValue:
        """One step of the cell layer ``k``: its input is its sources concatenated."""
        parts = [v if src == INPUT else self._output_of(new, self.arch.index(src))
                 for src in self.arch.layers[k].sources]
        x = parts[0] if len(parts) == 1 else _concatenated(parts, self.arch.source_dims(k))
        refs: dict[str, np.ndarray | None] = {}
        for ref in runner.program.refs():
            name, st = ref.split(".", 1)
            value = new[self.arch.index(name)]
            refs[ref] = value.states[st] if isinstance(value, CellValue) else value
        return runner.step(previous, x, refs)

    def _merge(self, k: int, kind: str, a: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        ar = self.ar
        if b is None:  # first step under the "ones" or "zeros" convention
            if self.arch.initial == "ones":
                b = ar.ones(a.shape[0]).reshape((-1,) + (1,) * (a.ndim - 1))
            elif kind == "additive":
                return a
            elif kind == "general":
                alpha, beta1, beta2, bias = _present(self.weights.merge[k], "merge weights")
                return ar.add(ar.scale(beta1, a), bias.reshape((-1,) + (1,) * (a.ndim - 1)))
        if kind == "multiplicative":
            return a if b is None else ar.mul(a, b)
        b = _present(b, "a hidden term")  # the zeros convention returned above for the others
        if kind == "additive":
            return ar.add(a, b)
        alpha, beta1, beta2, bias = _present(self.weights.merge[k], "merge weights")
        out = ar.add(ar.scale(alpha, ar.mul(a, b)), ar.scale(beta1, a))
        out = ar.add(out, ar.scale(beta2, b))
        return ar.add(out, bias.reshape((-1,) + (1,) * (out.ndim - 1)))

    def run(self, steps: Sequence[np.ndarray], state: State | None = None,
            folded: FoldedLayer | None = None) -> State:
        """Apply :meth:`step` for each input in ``steps``, from ``state`` or the start."""
        state = self.initial_state() if state is None else state
        for v in steps:
            state = self.step(state, v, folded)
        return state

    def foldable_layer(self) -> int | None:
        """A layer whose state is linear in its previous state once the inputs are fixed
        (multiplicative, fed by the input alone), or None.

        Across a cut after which every step's input is on one side, such a layer's state
        is a matrix (depending on that side only) times its state at the cut, so its
        products with weight matrices can be formed on small matrices first
        (:class:`FoldedLayer`).
        """
        read_by_cells = {name for layer in self.arch.layers if layer.cell is not None
                         for name in (*layer.sources, *cell_references(layer))}
        for k, layer in enumerate(self.arch.layers):
            if (layer.integration == "multiplicative" and layer.sources == (INPUT,)
                    and layer.name not in read_by_cells):
                return k
        return None

    def state_shapes(self) -> list[dict[str, tuple[int, ...]]]:
        """Each layer's states and their shapes (``h`` for the paper's layers)."""
        return [self.arch.layer_states(k) for k in range(self.arch.depth)]

    def state_entries(self, state: State) -> np.ndarray:
        """Every entry of every layer's state, stacked: shape ``(Z, *batch)`` (zeros for a state
        that is identically zero); the order of :meth:`basis_state`."""
        parts: list[tuple[int, np.ndarray | None]] = []
        batch: tuple[int, ...] = ()
        for k, shapes in enumerate(self.state_shapes()):
            value = state[k]
            for name, shape in shapes.items():
                array = value.states[name] if isinstance(value, CellValue) else value
                size = int(np.prod(shape))
                if array is None:
                    parts.append((size, None))
                    continue
                flat = array.reshape((size,) + array.shape[len(shape):])
                parts.append((size, flat))
                if flat.ndim - 1 > len(batch):
                    batch = flat.shape[1:]
        out = []
        for size, entries in parts:
            if entries is None:
                out.append(np.zeros((size,) + batch, dtype=self.ar.dtype))
            else:
                entries = entries.reshape(entries.shape + (1,) * (len(batch) + 1 - entries.ndim))
                out.append(np.broadcast_to(entries, (size,) + np.broadcast_shapes(entries.shape[1:],
                                                                                   batch)))
        return np.concatenate(out, axis=0)

    def basis_state(self) -> tuple[State, int]:
        """The states at a cut set to each unit vector in turn and then to zero: every state
        array gets a batch axis of ``Z + 1`` configurations (and one axis of length 1), ``Z`` the
        number of state entries; returns the state and ``Z``."""
        shapes = self.state_shapes()
        Z = sum(int(np.prod(shape)) for layer in shapes for shape in layer.values())
        basis = np.zeros((Z, Z + 1), dtype=self.ar.dtype)
        basis[np.arange(Z), np.arange(Z)] = 1
        state: State = []
        row = 0
        for k, layer in enumerate(shapes):
            arrays: dict[str, np.ndarray | None] = {}
            for name, shape in layer.items():
                size = int(np.prod(shape))
                arrays[name] = np.ascontiguousarray(basis[row:row + size]).reshape(shape + (Z + 1, 1))
                row += size
            state.append(CellValue(arrays) if self._cells[k] is not None else arrays["h"])
        return state, Z

    def negated(self, a: np.ndarray) -> np.ndarray:
        """``-a`` in this circuit's arithmetic."""
        minus_one = field_array(np.asarray(-1), self.field, "-1")
        return self.ar.mul(minus_one, a)

    def fold(self, state: State, k: int) -> FoldedLayer:
        """Start folding layer ``k`` (see :meth:`foldable_layer`) from ``state``."""
        return FoldedLayer(self, k, _present(_array(state[k]), "the folded layer's state"))

    def readout(self, state: State, folded: FoldedLayer | None = None) -> np.ndarray:
        """``y = Σ <w^O, h^{T,l}>`` over the output layers."""
        ar, y = self.ar, None
        for idx, w in self._out:
            if folded is not None and idx == folded.layer:
                term = folded.apply(w)[0]
                y = term if y is None else ar.add(*_aligned(y, term))
                continue
            h = state[idx]
            if isinstance(h, CellValue):
                value = h.output()
                if value is None:  # the cell's output is identically zero
                    continue
            elif h is None:
                raise TnrankError("readout before any step; sequences need T >= 1")
            else:
                value = h
            term = ar.matvec(w, value)[0]
            y = term if y is None else ar.add(*_aligned(y, term))
        if y is None:
            return np.zeros((), dtype=ar.dtype)
        return y

    def prepare_inputs(self, values: np.ndarray, what: str = "inputs") -> np.ndarray:
        """Check input vectors (last axis M) and convert them to this circuit's arithmetic."""
        arr = field_array(values, self.weights.field, what)
        if arr.ndim == 0 or arr.shape[-1] != self.arch.M:
            raise TnrankError(
                f"{what} have last axis of length {arr.shape[-1] if arr.ndim else 0}, but the "
                f"architecture has M={self.arch.M} representation functions"
            )
        return arr


class FoldedLayer:
    """A multiplicative input-only layer carried as matrices on its state at a cut.

    After the cut, ``h^{t} = diag(W^I v^t) W^H h^{t-1} = A_t h^{cut}`` with
    ``A_t`` depending on the inputs after the cut alone. For a sampled
    matricization the inputs after the cut vary along the column axis and
    ``h^{cut}`` along the row axis, so ``A_t`` costs ``R^3`` per column, and a
    consumer's product ``W h^{t} = (W A_t) h^{cut}`` costs what one matrix-vector
    product costs, while the layer's own hidden product, its merge and their
    reductions are never formed on (row, column) pairs.

    Parameters
    ----------
    circuit : Circuit
    layer : int
        Index of the folded layer (:meth:`Circuit.foldable_layer`).
    h_cut : ndarray of shape (R, *row_batch)
        The layer's state at the cut.
    """

    def __init__(self, circuit: Circuit, layer: int, h_cut: np.ndarray) -> None:
        self.circuit = circuit
        self.layer = layer
        self.h_cut = h_cut
        self.A: np.ndarray | None = None  # (R, R, *column_batch); None means the identity
        self._W_in = circuit._blocks[layer][0][1]
        self._W_h = _present(circuit.weights.hidden[layer], "hidden weights")

    def advance(self, v: np.ndarray) -> None:
        """One step on the column-side input ``v`` of shape ``(M, *column_batch)``."""
        ar = self.circuit.ar
        u = ar.matvec(self._W_in, v)  # (R, *column_batch)
        u = u.reshape(u.shape[:1] + (1,) + u.shape[1:])
        if self.A is None:
            WA = self._W_h.reshape(self._W_h.shape + (1,) * (u.ndim - 2))
        else:
            WA = ar.matvec(self._W_h, self.A)
        self.A = ar.mul(*_aligned(u, WA))

    def apply(self, W: np.ndarray) -> np.ndarray:
        """``W h^{t}`` as ``(W A_t) h^{cut}``: shape ``(rows of W, *batch)``."""
        ar = self.circuit.ar
        if self.A is None:
            return ar.matvec(W, self.h_cut)
        C = ar.matvec(W, self.A)  # (rows, R, *column_batch)
        return ar.combine(C, self.h_cut)


def _aligned(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pad the batch axes of the shorter operand on the right so both broadcast
    component-wise (a bare ``(R,)`` initial state against ``(R, *batch)``)."""
    if a.ndim < b.ndim:
        a = a.reshape(a.shape + (1,) * (b.ndim - a.ndim))
    elif b.ndim < a.ndim:
        b = b.reshape(b.shape + (1,) * (a.ndim - b.ndim))
    return a, b


def _concatenated(parts: list[np.ndarray | None], dims: tuple[int, ...]) -> np.ndarray | None:
    """Vectors ``(d_i, *batch_i)`` stacked along the components, batches broadcast (a part
    that is identically zero, None, becomes zeros)."""
    arrays = [p for p in parts if p is not None]
    if not arrays:
        return None
    batch_ndim = max(a.ndim - 1 for a in arrays)
    padded = [a.reshape(a.shape + (1,) * (batch_ndim + 1 - a.ndim)) for a in arrays]
    batch = np.broadcast_shapes(*(a.shape[1:] for a in padded))
    out, it = [], iter(padded)
    for part, d in zip(parts, dims, strict=True):
        out.append(np.zeros((d, *batch), dtype=arrays[0].dtype) if part is None
                   else np.broadcast_to(next(it), (d, *batch)))
    return np.concatenate(out, axis=0)


def evaluate(weights: Weights, inputs: np.ndarray) -> np.ndarray:
    """Evaluate the circuit on a batch of sequences of representation vectors.

    Parameters
    ----------
    weights : Weights
        Float weights give float64 outputs; weights in a finite field give its exact
        elements (``weights.field``; inputs must then be integers, or Gaussian integers
        over GF(q²)).
    inputs : array_like, shape (..., T, M)
        ``inputs[..., t, :]`` is ``f(x^t)`` for step ``t`` (0-based).

    Returns
    -------
    ndarray, shape (...)
        ``y`` for each sequence.

    Examples
    --------
    >>> import numpy as np
    >>> from tnrank import Architecture, random_weights, evaluate, PRIME
    >>> arch = Architecture.rac(depth=2, width=3, M=3)
    >>> x = np.random.default_rng(0).integers(0, 5, size=(4, 6, 3))
    >>> y_mod = evaluate(random_weights(arch, seed=0, prime=PRIME), x)
    >>> y_mod.shape, y_mod.dtype
    ((4,), dtype('int64'))
    """
    circuit = Circuit(weights)
    arr = circuit.prepare_inputs(inputs)
    if arr.ndim < 2 or arr.shape[-2] < 1:
        raise TnrankError(
            f"inputs must have shape (..., T, M) with T >= 1, got shape {np.shape(inputs)}"
        )
    steps = [np.moveaxis(arr[..., t, :], -1, 0) for t in range(arr.shape[-2])]
    return np.broadcast_to(circuit.readout(circuit.run(steps)), arr.shape[:-2]).copy()


def _present(value: _T | None, what: str) -> _T:
    """``value``, which the architecture and the order of the computation guarantee (``what``
    names it): a check of that."""
    if value is None:
        raise TnrankError(f"an evaluation found no {what} where one is needed; please report this")
    return value


def _array(value: LayerValue) -> np.ndarray | None:
    """The state of a layer that is not a cell."""
    if isinstance(value, CellValue):
        raise TnrankError("a cell layer's value was read as an array; please report this")
    return value


def _cell(value: LayerValue) -> CellValue:
    """The value of a cell layer."""
    if not isinstance(value, CellValue):
        raise TnrankError("a layer's array was read as a cell's value; please report this")
    return value
