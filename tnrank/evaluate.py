"""Batched forward evaluation of a recurrent arithmetic circuit (float64 or mod p).

The engine works on *steps*: a list of per-step input arrays of shape
``(M, *batch_t)`` whose batch shapes broadcast against each other. Plain
batched evaluation gives every step the same batch shape; grid tensors give
step ``t`` its own axis, so the batch grows into the whole grid as a prefix
tree; sampled matricizations give start steps a row axis and end steps a
column axis. One code path serves all three.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .architecture import INPUT
from .arithmetic import arithmetic_for
from .errors import TnrankError
from .weights import Weights, field_array

__all__ = ["evaluate", "Circuit"]

State = list  # one component-major array per layer (None before step 1 under "ones"/"zeros")


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
    >>> from tnrank.evaluate import Circuit
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
        self.ar = arithmetic_for(weights.prime)
        self.prime = weights.prime
        # W^I split by source, so differently shaped sources never get concatenated
        self._blocks: list[list[tuple[int | None, np.ndarray]]] = []
        for k, layer in enumerate(self.arch.layers):
            blocks, col = [], 0
            for src, dim in zip(layer.sources, self.arch.source_dims(k), strict=False):
                idx = None if src == INPUT else self.arch.index(src)
                blocks.append((idx, np.ascontiguousarray(weights.input[k][:, col:col + dim])))
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
        if self.arch.initial == "state":
            return list(self.weights.initial)
        return [None] * self.arch.depth

    def step(self, state: State, v: np.ndarray) -> State:
        """Advance every layer by one time step on input ``v`` of shape ``(M, *batch)``."""
        ar, new = self.ar, [None] * self.arch.depth
        for k in self.arch.order:
            layer = self.arch.layers[k]
            a = None
            for idx, W in self._blocks[k]:
                term = ar.matvec(W, v if idx is None else new[idx])
                a = term if a is None else ar.add(*_aligned(a, term))
            prev = state[k]
            b = None if prev is None else ar.matvec(self.weights.hidden[k], prev)
            if b is not None:
                a, b = _aligned(a, b)
            new[k] = self._merge(k, layer.integration, a, b)
        return new

    def _merge(self, k: int, kind: str, a: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        ar = self.ar
        if b is None:  # first step under the "ones" or "zeros" convention
            if self.arch.initial == "ones":
                b = ar.ones(a.shape[0]).reshape((-1,) + (1,) * (a.ndim - 1))
            elif kind == "additive":
                return a
            elif kind == "general":
                alpha, beta1, beta2, bias = self.weights.merge[k]
                return ar.add(ar.scale(beta1, a), bias.reshape((-1,) + (1,) * (a.ndim - 1)))
        if kind == "multiplicative":
            return a if b is None else ar.mul(a, b)
        if kind == "additive":
            return ar.add(a, b)
        alpha, beta1, beta2, bias = self.weights.merge[k]
        out = ar.add(ar.scale(alpha, ar.mul(a, b)), ar.scale(beta1, a))
        out = ar.add(out, ar.scale(beta2, b))
        return ar.add(out, bias.reshape((-1,) + (1,) * (out.ndim - 1)))

    def run(self, steps: Sequence[np.ndarray], state: State | None = None) -> State:
        """Apply :meth:`step` for each input in ``steps``, from ``state`` or the start."""
        state = self.initial_state() if state is None else state
        for v in steps:
            state = self.step(state, v)
        return state

    def readout(self, state: State) -> np.ndarray:
        """``y = Σ <w^O, h^{T,l}>`` over the output layers."""
        ar, y = self.ar, None
        for idx, w in self._out:
            if state[idx] is None:
                raise TnrankError("readout before any step; sequences need T >= 1")
            term = ar.matvec(w, state[idx])[0]
            y = term if y is None else ar.add(y, term)
        return y

    def prepare_inputs(self, values: np.ndarray, what: str = "inputs") -> np.ndarray:
        """Check input vectors (last axis M) and convert them to this circuit's arithmetic."""
        arr = field_array(values, self.prime, what)
        if arr.ndim == 0 or arr.shape[-1] != self.arch.M:
            raise TnrankError(
                f"{what} have last axis of length {arr.shape[-1] if arr.ndim else 0}, but the "
                f"architecture has M={self.arch.M} representation functions"
            )
        return arr


def _aligned(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pad the batch axes of the shorter operand on the right so both broadcast
    component-wise (a bare ``(R,)`` initial state against ``(R, *batch)``)."""
    if a.ndim < b.ndim:
        a = a.reshape(a.shape + (1,) * (b.ndim - a.ndim))
    elif b.ndim < a.ndim:
        b = b.reshape(b.shape + (1,) * (a.ndim - b.ndim))
    return a, b


def evaluate(weights: Weights, inputs: np.ndarray) -> np.ndarray:
    """Evaluate the circuit on a batch of sequences of representation vectors.

    Parameters
    ----------
    weights : Weights
        Float weights give float64 outputs; modular weights give exact
        residues modulo ``weights.prime`` (inputs must then be integers).
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
    return circuit.readout(circuit.run(steps))
