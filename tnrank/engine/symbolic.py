r"""A circuit run on symbols: degrees and monomial supports instead of numbers.

The same layers the engine evaluates on numbers (the paper's integrations and compiled cells,
:class:`~tnrank.model.cell_program.Program`) are run here on values of an *algebra*, one value
per entry of every vector and matrix:

* :class:`MaxPlus` — degrees: ``-inf`` is a value that is identically zero, a sum takes the
  larger degree, a product adds them, a weight adds its own degree. An algebra may carry
  trailing axes (one degree per input, say) on which the same two rules apply.
* :class:`Supports` — monomial supports: per entry, the set of monomials (exponents over a
  list of variables, with a flag saying whether the coefficient depends on the inputs) that
  the value can contain; a sum takes the union, a product all sums of exponents. Sets are
  interned and every operation on a pair of sets is computed once; a budget on the work raises
  :class:`BudgetExceededError`.

Both are exact upper bounds on what a value contains (no cancellation is assumed). The proved
bounds built on them are in :mod:`tnrank.certification.degrees`; the engine uses
:func:`cut_state_degree` to see whether a sample matrix can be read off an affine function of
the states at the cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tnrank.errors import TnrankError
from tnrank.model.architecture import INPUT, Architecture
from tnrank.model.cell_program import Op, Program

__all__ = ["MaxPlus", "Supports", "BudgetExceededError", "SymbolicCell", "initial_values",
           "simulate", "output_value", "cut_variables", "cut_state_degree"]


class BudgetExceededError(Exception):
    """A monomial-support computation needed more work than its budget."""


# ---------------------------------------------------------------------------- algebras
class MaxPlus:
    """Degrees: ``-inf`` is zero, a sum is the maximum, a product the sum.

    Parameters
    ----------
    weight : ndarray
        The degree of one weight entry (trailing shape ``tail``).
    inputs : callable
        ``inputs(t)``: the degree of an input entry at step ``t``.
    tail : tuple of int
        Trailing axes of every value (``()`` for one degree per entry).
    """

    def __init__(self, weight: np.ndarray, inputs: Callable[[int], np.ndarray],
                 tail: tuple[int, ...] = ()) -> None:
        self.weight_degree = weight
        self.inputs = inputs
        self.tail = tail

    def zero(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.full(shape + self.tail, -np.inf)

    def const(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape + self.tail)

    def weight(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(self.weight_degree, shape + self.tail).copy()

    def input(self, t: int, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(self.inputs(t), shape + self.tail).copy()

    def union(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.maximum(a, b))

    def product(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(a + b)  # degrees are never +inf, so -inf stays -inf (zero)

    def union_reduce(self, a: np.ndarray, axis: int) -> np.ndarray:
        return np.asarray(np.max(a, axis=axis))

    def times_weight(self, a: np.ndarray) -> np.ndarray:
        return np.asarray(a + self.weight_degree)


class Supports:
    """Monomial supports: per entry, an interned set of (exponents, depends-on-end) pairs.

    Parameters
    ----------
    variables : int
        Number of variables (entries, or groups of entries, of the states at the cut).
    budget : int
        Most pairs of monomials combined, all products together; beyond it
        :class:`BudgetExceededError` is raised.
    """

    def __init__(self, variables: int, budget: int) -> None:
        self.n = variables
        self.budget = budget
        self.sets: list[frozenset[Any]] = [frozenset()]
        self.ids: dict[frozenset[Any], int] = {frozenset(): 0}
        self.memo: dict[tuple[str, int, int], int] = {}
        zero = (0,) * variables
        self.CONST = self.intern(frozenset({(zero, False)}))
        self.END = self.intern(frozenset({(zero, True)}))
        self.tail = ()

    def intern(self, s: frozenset[Any]) -> int:
        found = self.ids.get(s)
        if found is None:
            found = len(self.sets)
            self.sets.append(s)
            self.ids[s] = found
        return found

    def variable(self, v: int) -> int:
        """The set of the monomial ``z_v``."""
        return self.intern(frozenset({(tuple(int(i == v) for i in range(self.n)), False)}))

    def zero(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape, dtype=np.int64)

    def const(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.full(shape, self.CONST, dtype=np.int64)

    weight = const

    def input(self, t: int, shape: tuple[int, ...]) -> np.ndarray:
        return np.full(shape, self.END, dtype=np.int64)

    def _pairwise(self, kind: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = np.broadcast_arrays(a, b)
        if a.size == 0:
            return np.zeros(a.shape, dtype=np.int64)
        flat = np.stack([a.ravel(), b.ravel()], axis=1)
        pairs, inverse = np.unique(flat, axis=0, return_inverse=True)
        out = np.array([self._combine(kind, int(i), int(j)) for i, j in pairs], dtype=np.int64)
        return out[inverse.ravel()].reshape(a.shape)

    def _combine(self, kind: str, i: int, j: int) -> int:
        if i > j:
            i, j = j, i
        key = (kind, i, j)
        found = self.memo.get(key)
        if found is not None:
            return found
        A, B = self.sets[i], self.sets[j]
        if kind == "union":
            result = A | B
        else:
            self.budget -= len(A) * len(B)
            if self.budget < 0:
                raise BudgetExceededError
            result = frozenset((tuple(x + y for x, y in zip(ea, eb, strict=True)), fa or fb)
                               for ea, fa in A for eb, fb in B)
        found = self.intern(frozenset(result))
        self.memo[key] = found
        return found

    def union(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self._pairwise("union", a, b)

    def product(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self._pairwise("product", a, b)

    def union_reduce(self, a: np.ndarray, axis: int) -> np.ndarray:
        a = np.moveaxis(a, axis, 0)
        out = a[0]
        for part in a[1:]:
            out = self.union(out, part)
        return np.array(out, dtype=np.int64)

    def times_weight(self, a: np.ndarray) -> np.ndarray:
        return a


Algebra = Any  # MaxPlus or Supports


# ---------------------------------------------------------------------------- one program
def _run_program(program: Program, alg: Algebra, t: int, states: dict[str, np.ndarray],
                 x: np.ndarray, refs: dict[str, np.ndarray], upto: int | None = None,
                 values: list[Any] | None = None) -> list[Any]:
    """Values of the program's operations (the first ``upto``, default all) on symbols."""
    ops = program.ops
    values = values if values is not None else [None] * len(ops)
    start = next((i for i, v in enumerate(values) if v is None), len(ops))
    for i in range(start, len(ops) if upto is None else upto):
        values[i] = _run_op(program, ops[i], alg, [values[a] for a in ops[i].args], states, x, refs)
    return values


def _apply_matrix(alg: Algebra, v: np.ndarray, rows: int, weights: int) -> np.ndarray:
    """``W @ v`` for a matrix ``W`` that mixes every entry of ``v``'s first axis."""
    mixed = alg.union_reduce(v, 0)
    for _ in range(weights):
        mixed = alg.times_weight(mixed)
    return np.broadcast_to(mixed, (rows,) + mixed.shape).copy()


def _run_op(program: Program, op: Op, alg: Algebra, args: list[Any], states: dict[str, np.ndarray],
            x: np.ndarray, refs: dict[str, np.ndarray]) -> np.ndarray:
    kind = op.kind
    if kind == "input":
        return x
    if kind == "state":
        return states[op.name]
    if kind == "ref":
        return refs[op.name]
    if kind == "weight":
        return alg.weight(op.shape)
    if kind == "const":
        return alg.zero(()) if op.value == 0 else alg.const(())
    if kind in ("add", "sub"):
        return _expand_union(alg, args[0], args[1], op)
    if kind == "neg":
        return args[0]
    if kind == "mul":
        a, b = _broadcastable(args[0], args[1], program, op, alg)
        return alg.product(a, b)
    if kind == "pow":
        out = args[0]
        for _ in range(op.value - 1):
            out = alg.product(out, args[0])
        return out
    if kind in ("apply", "apply_t"):
        w = program.weight(op.name)
        v = args[0]
        if w.structure == "identity":
            return v
        if w.structure == "diagonal":
            return alg.times_weight(v)
        return _apply_matrix(alg, v, op.shape[0], 2 if w.structure == "low rank" else 1)
    a, b = args[0], args[1]
    if kind == "outer":
        return alg.product(a[:, None], b[None, :])
    if kind == "rows":
        return alg.product(a[:, None], b)
    if kind == "cols":
        return alg.product(a[None, :], b)
    if kind == "matvec":
        return alg.union_reduce(alg.product(a, b[None, :]), 1)
    if kind == "vecmat":
        return alg.union_reduce(alg.product(a[:, None], b), 0)
    if kind == "dot":
        return alg.union_reduce(alg.product(a, b), 0)
    if kind == "bilinear":
        out = alg.times_weight(alg.product(alg.union_reduce(a, 0), alg.union_reduce(b, 0)))
        return np.broadcast_to(out, op.shape + out.shape).copy()
    raise ValueError(f"unknown operation {kind!r}")  # pragma: no cover


def _broadcastable(a: np.ndarray, b: np.ndarray, program: Program, op: Op, alg: Algebra
                   ) -> tuple[np.ndarray, np.ndarray]:
    """A scalar operand gets the component axes of the result (the algebra's trailing axes
    stay last)."""
    tail = len(alg.tail)
    c = len(op.shape)
    if a.ndim - tail < c:
        a = a.reshape((1,) * (c - (a.ndim - tail)) + a.shape)
    if b.ndim - tail < c:
        b = b.reshape((1,) * (c - (b.ndim - tail)) + b.shape)
    return a, b


def _expand_union(alg: Algebra, a: np.ndarray, b: np.ndarray, op: Op) -> np.ndarray:
    tail = len(alg.tail)
    c = len(op.shape)
    if a.ndim - tail < c:
        a = a.reshape((1,) * (c - (a.ndim - tail)) + a.shape)
    if b.ndim - tail < c:
        b = b.reshape((1,) * (c - (b.ndim - tail)) + b.shape)
    out = alg.union(a, b)
    return np.broadcast_to(out, op.shape + tuple(alg.tail)).copy()


# ---------------------------------------------------------------------------- the circuit
class SymbolicCell:
    """A cell layer's symbolic value after a step: its states and its output."""

    def __init__(self, states: dict[str, np.ndarray],
                 output: Callable[[], np.ndarray | None]) -> None:
        self.states = states
        self._output = output  # None before the first step, when nothing reads the output
        self._value: np.ndarray | None = None

    def output(self) -> np.ndarray | None:
        if self._value is None:
            self._value = self._output()
        return self._value


def _emission(value: Any) -> np.ndarray | None:
    return value.output() if isinstance(value, SymbolicCell) else value


def initial_values(arch: Architecture, alg: Algebra) -> list[Any]:
    """Every layer's value before the first step: None for the three integrations (their
    first step applies the architecture's initial convention), a cell's initial states."""
    out: list[Any] = []
    for k in range(arch.depth):
        program = arch.program(k)
        if program is None:
            out.append(None)
            continue
        states = {}
        for name, st in program.states:
            if st.initial == "zeros":
                states[name] = alg.zero(st.shape)
            elif st.initial == "ones":
                states[name] = alg.const(st.shape)
            else:
                states[name] = alg.weight(st.shape)
        out.append(SymbolicCell(states, lambda: None))
    return out


def simulate(arch: Architecture, alg: Algebra, steps: Sequence[int], values: list[Any]) -> list[Any]:
    """Advance every layer over ``steps`` on symbols, from ``values`` (:func:`initial_values`,
    or the states at a cut); returns the values after the last step."""
    for t in steps:
        new: list[Any] = [None] * arch.depth
        for k in arch.order:
            layer = arch.layers[k]
            program = arch.program(k)
            parts = [alg.input(t, (arch.M,)) if s == INPUT else _emission(new[arch.index(s)])
                     for s in layer.sources]
            if program is not None:
                new[k] = _cell_step(arch, program, alg, t, values[k], parts, new)
                continue
            a = None
            for part in parts:
                if part is None:  # a source's output read before it has one
                    raise TnrankError(f"layer {layer.name!r} read a source with no value; please "
                                      "report this")
                term = _apply_matrix(alg, part, layer.width, 1)
                a = term if a is None else alg.union(a, term)
            prev = values[k]
            if prev is None:
                if arch.initial == "ones":
                    b = alg.const((layer.width,))
                elif arch.initial == "zeros":
                    b = alg.zero((layer.width,))
                else:  # W^H h^0 with learned h^0
                    b = _apply_matrix(alg, alg.weight((layer.width,)), layer.width, 1)
            else:
                b = _apply_matrix(alg, prev, layer.width, 1)
            if layer.integration == "multiplicative":
                new[k] = alg.product(a, b)
            elif layer.integration == "additive":
                new[k] = alg.union(a, b)
            else:  # alpha * a * b + beta1 * a + beta2 * b + bias
                out = alg.times_weight(alg.product(a, b))
                out = alg.union(out, alg.times_weight(a))
                out = alg.union(out, alg.times_weight(b))
                new[k] = alg.union(out, alg.weight((layer.width,)))
        values = new
    return values


def _cell_step(arch: Architecture, program: Program, alg: Algebra, t: int, previous: SymbolicCell,
               parts: list[Any], new: list[Any]) -> SymbolicCell:
    x = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
    refs = {}
    for ref in program.refs():
        name, st = ref.split(".", 1)
        value = new[arch.index(name)]
        refs[ref] = value.states[st] if isinstance(value, SymbolicCell) else value
    values = _run_program(program, alg, t, previous.states, x, refs, upto=program.step_ops)
    states = {name: values[i] for name, i in program.updates}

    def output() -> np.ndarray:  # a term only the output reads may read the previous states
        done = _run_program(program, alg, t, previous.states, x, refs, values=values)
        out = done[program.output]
        return out.reshape((1,) + out.shape) if not program.ops[program.output].shape else out

    return SymbolicCell(states, output)


def output_value(arch: Architecture, alg: Algebra, values: list[Any]) -> np.ndarray:
    """``y = Σ <w^O, output>`` over the output layers, on symbols (one entry)."""
    y = None
    for name in arch.output:
        out = _emission(values[arch.index(name)])
        term = alg.times_weight(alg.union_reduce(out, 0))
        y = term if y is None else alg.union(y, term)
    return y  # type: ignore[return-value]


def cut_variables(arch: Architecture, per_entry: bool) -> tuple[list[Any], list[int]]:
    """The variables at a cut: for each layer, state name -> an array of variable indices per
    entry (one variable per entry, or one per state; a paper layer's state is ``h``), and each
    variable's number of entries."""
    import math

    layout: list[Any] = []
    dims: list[int] = []
    for k in range(arch.depth):
        program = arch.program(k)
        shapes = ({"h": (arch.layers[k].width,)} if program is None
                  else {name: st.shape for name, st in program.states})
        entry = {}
        for name, shape in shapes.items():
            size = math.prod(shape)
            if per_entry:
                entry[name] = np.arange(len(dims), len(dims) + size).reshape(shape)
                dims += [1] * size
            else:
                entry[name] = np.full(shape, len(dims))
                dims.append(size)
        layout.append(entry)
    return layout, dims


def cut_state_degree(arch: Architecture, steps: int) -> int:
    """The largest degree of ``y``, after ``steps`` steps from a cut, in all the states at the
    cut together (0 when it does not depend on them; ``-1`` when ``y`` is zero).

    >>> from tnrank import Architecture
    >>> cut_state_degree(Architecture.rac(1, 3, 2), 4), cut_state_degree(Architecture.rac(2, 3, 2), 4)
    (1, 5)
    """
    alg = MaxPlus(np.array(0.0), lambda t: np.array(0.0))
    values: list[Any] = []
    for k in range(arch.depth):
        program = arch.program(k)
        if program is None:
            values.append(np.ones((arch.layers[k].width,)))
        else:
            values.append(SymbolicCell({name: np.ones(st.shape) for name, st in program.states},
                                       lambda: None))
    y = output_value(arch, alg, simulate(arch, alg, range(steps), values))
    return int(y) if np.isfinite(y) else -1
