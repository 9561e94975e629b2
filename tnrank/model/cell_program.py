"""A cell checked against its input and turned into a program of typed operations.

:func:`compile_cell` reads a :class:`~tnrank.model.cell.Cell` once its input dimension is known
(the summed widths of the layer's sources) and either lists every problem of it or returns a
:class:`Program`: a list of :class:`Op` in an order where every operand comes first, each with
its shape, plus which operation gives each state's update and the layer's output. Equal
sub-expressions are computed once (an operation is identified by its kind, operands, weight
and constant). The evaluation engine, the degree bounds and the tensor networks all read the
same program; none of them reads the formulas.

Operations (``shape`` is ``()`` for a scalar, ``(n,)`` for a vector, ``(r, c)`` for a matrix):

===========  ========================  ==============================================
kind         operands                  value
===========  ========================  ==============================================
input        —                         ``x``, the layer's input at the step
state        —                         a state (``name``) at the previous step
ref          —                         another layer's state (``name`` = ``layer.state``) at this step
weight       —                         a dense weight (``name``) as a value
const        —                         the whole number ``value``
apply        v                         ``W @ v`` for the weight ``name`` (any structure)
apply_t      v                         ``v @ W`` = ``Wᵀ v``
mul          a, b                      elementwise ``a * b`` (or by a scalar)
add, sub     a, b                      ``a + b``, ``a - b`` (a scalar adds to every entry)
neg          a                         ``-a``
pow          a                         ``a ** value``, elementwise
outer        a, b                      ``a bᵀ``
matvec       S, v                      ``S @ v``
vecmat       v, S                      ``v @ S`` = ``Sᵀ v``
dot          a, b                      ``Σ a_i b_i``
rows, cols   g, S                      ``S`` with row ``i`` (column ``j``) times ``g_i`` (``g_j``)
bilinear     a, b                      ``Σ_jk T_ijk a_j b_k`` for the 3-way weight ``name``
===========  ========================  ==============================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from tnrank.formatting import did_you_mean, format_names
from tnrank.model.cell import MAX_CELL_NAMES, MAX_CELL_SIZE, RESERVED_NAMES, Cell, CellState
from tnrank.model.cell_syntax import Expr, parse_expression

__all__ = ["Op", "Program", "ResolvedWeight", "compile_cell", "OP_KINDS"]

#: Every kind of operation a program holds.
OP_KINDS = ("input", "state", "ref", "weight", "const", "apply", "apply_t", "mul", "add", "sub",
            "neg", "pow", "outer", "matvec", "vecmat", "dot", "rows", "cols", "bilinear")
#: Most operations in one compiled cell.
MAX_OPS = 10_000


@dataclass(frozen=True)
class Op:
    """One operation of a :class:`Program` (see the module's table).

    Attributes
    ----------
    kind : str
    args : tuple of int
        Indices of the operands in :attr:`Program.ops`.
    shape : tuple of int
    name : str
        The weight (tied weights resolved to the one holding the values), the state, or
        ``layer.state`` of a reference.
    value : int
        The constant, or the exponent of ``pow``.
    """

    kind: str
    args: tuple[int, ...] = ()
    shape: tuple[int, ...] = ()
    name: str = ""
    value: int = 0

    @property
    def size(self) -> int:
        """Number of entries of the value."""
        return math.prod(self.shape)


@dataclass(frozen=True)
class ResolvedWeight:
    """A weight that holds values: its dimensions as numbers, structure and rank."""

    shape: tuple[int, ...]
    structure: str = "dense"
    rank: int = 0

    @property
    def parameter_count(self) -> int:
        """Number of values: the full array, the diagonal, none, or ``rank · (rows + cols)``."""
        if self.structure == "diagonal":
            return self.shape[0]
        if self.structure == "identity":
            return 0
        if self.structure == "low rank":
            return self.rank * (self.shape[0] + self.shape[1])
        return math.prod(self.shape)

    def arrays(self) -> tuple[tuple[int, ...], ...]:
        """Shapes of the arrays holding the values: ``(W,)``, ``(diagonal,)``, none, or
        ``(U, V)``."""
        if self.structure == "diagonal":
            return ((self.shape[0],),)
        if self.structure == "identity":
            return ()
        if self.structure == "low rank":
            return ((self.shape[0], self.rank), (self.rank, self.shape[1]))
        return (self.shape,)


@dataclass(frozen=True)
class Program:
    """A compiled cell: typed operations, the update of each state and the output.

    Attributes
    ----------
    ops : tuple of Op
        Every operand before its uses. ``ops[:step_ops]`` are what the updates need; the rest
        only the output.
    updates : tuple of (str, int)
        Each state and the operation giving its new value.
    output : int
        The operation giving the layer's output (a vector, or a scalar read as one entry).
    states : tuple of (str, CellState)
    weights : tuple of (str, ResolvedWeight)
        The weights holding values (tied weights left out), in declaration order.
    ties : dict
        Tied weight -> the weight holding its values.
    x_dim : int
    step_ops : int
    """

    ops: tuple[Op, ...]
    updates: tuple[tuple[str, int], ...]
    output: int
    states: tuple[tuple[str, CellState], ...]
    weights: tuple[tuple[str, ResolvedWeight], ...]
    ties: dict[str, str] = field(default_factory=dict)
    x_dim: int = 0
    step_ops: int = 0

    @property
    def width(self) -> int:
        """Number of entries of the output."""
        return max(1, self.ops[self.output].size)

    @property
    def state_size(self) -> int:
        """Number of state entries."""
        return sum(s.size for _, s in self.states)

    def weight(self, name: str) -> ResolvedWeight:
        """The weight holding the values of ``name``."""
        return dict(self.weights)[self.ties.get(name, name)]

    def parameter_count(self) -> int:
        """Values of the weights (tied ones counted once) and of learned initial states."""
        return (sum(w.parameter_count for _, w in self.weights)
                + sum(s.size for _, s in self.states if s.initial == "state"))

    def macs_per_step(self) -> int:
        """Multiplications per step, output included: a dense ``W @ v`` costs ``W``'s size per
        column of ``v``, a diagonal one the size of the result, an elementwise product or
        outer product or gating the size of the result, a matrix times a vector the matrix's
        size, ``bilinear`` the size of its weight."""
        total = 0
        for op in self.ops:
            if op.kind in ("apply", "apply_t"):
                w = self.weight(op.name)
                cols = op.size // max(1, op.shape[0])
                if w.structure == "dense":
                    total += math.prod(w.shape) * cols
                elif w.structure == "diagonal":
                    total += op.size
                elif w.structure == "low rank":
                    total += w.parameter_count * cols
            elif op.kind in ("mul", "outer", "rows", "cols"):
                total += op.size
            elif op.kind == "pow":
                total += max(0, op.value - 1) * op.size
            elif op.kind in ("matvec", "dot"):
                total += self.ops[op.args[0]].size
            elif op.kind == "vecmat":
                total += self.ops[op.args[1]].size
            elif op.kind == "bilinear":
                total += math.prod(self.weight(op.name).shape)
        return total

    def refs(self) -> tuple[str, ...]:
        """The other layers' states the cell reads (``layer.state``), each once."""
        return tuple(dict.fromkeys(op.name for op in self.ops if op.kind == "ref"))


class _Value:
    """What compiling a sub-expression gives: its operation, or the weight it names."""

    __slots__ = ("index", "weight")

    def __init__(self, index: int | None = None, weight: str | None = None) -> None:
        self.index = index
        self.weight = weight


class _Compiler:
    def __init__(self, cell: Cell, x_dim: int, refs: Mapping[str, tuple[int, ...]],
                 layer_names: tuple[str, ...], own_name: str) -> None:
        self.cell = cell
        self.x_dim = x_dim
        self.refs = refs
        self.layer_names = layer_names
        self.own_name = own_name
        self.problems: list[str] = []
        self.ops: list[Op] = []
        self.index: dict[tuple, int] = {}
        self.states = cell.state
        self.terms = cell.terms
        self.term_trees: dict[str, Expr | None] = {}
        self.term_values: dict[str, _Value | None] = {}
        self.in_progress: list[str] = []
        self.weights: dict[str, ResolvedWeight] = {}
        self.ties: dict[str, str] = {}
        self.weight_uses: dict[str, list[tuple[tuple[int, ...], str, str]]] = {}
        self.used_weights: set[str] = set()
        self.used_terms: set[str] = set()
        self.updated: dict[str, int] = {}
        self.context = "update"

    # ------------------------------------------------------------------ names
    def check_names(self) -> None:
        cell = self.cell
        kinds: dict[str, list[str]] = {}
        for kind, names in (("state", cell.state), ("weight", cell.weights), ("term", cell.terms)):
            for name in names:
                kinds.setdefault(name, []).append(kind)
                if not name.isidentifier() or name.startswith("_"):
                    self.problems.append(f"{kind} name {name!r} is not a name; use letters, digits "
                                         "and underscores, starting with a letter")
                elif name in RESERVED_NAMES:
                    self.problems.append(f"{kind} name {name!r} is reserved (x is the input; "
                                         "outer, rows, cols and bilinear are functions)")
        for name, found in kinds.items():
            if len(found) > 1:
                self.problems.append(f"{name!r} names a {' and a '.join(found)}; give each its own "
                                     "name")
        total = len(kinds)
        if total > MAX_CELL_NAMES:
            self.problems.append(f"the cell has {total} states, weights and terms; at most "
                                 f"{MAX_CELL_NAMES} are allowed")
        for name in cell.update:
            if name not in cell.state:
                self.problems.append(f"update {name!r} is not a state{did_you_mean(name, list(cell.state))}"
                                     f" (states: {format_names([repr(n) for n in cell.state])})")
        for name in cell.state:
            if name not in cell.update:
                self.problems.append(f"state {name!r} is never written: give its formula in "
                                     f"update ({name} = \"...\")")

    def dimension(self, d: int | str, weight: str) -> int | None:
        if isinstance(d, int):
            return d
        if d == "x":
            return self.x_dim
        st = self.states.get(d)
        if st is not None and len(st.shape) == 1:
            return st.shape[0]
        vectors = [n for n, s in self.states.items() if len(s.shape) == 1]
        hint = (" (a matrix state's dimensions are written as numbers)" if st is not None
                else did_you_mean(d, ["x", *vectors]))
        self.problems.append(f"weight {weight!r}: dimension {d!r} is not \"x\" nor a vector "
                             f"state{hint}")
        return None

    def resolve_weights(self) -> None:
        declared = self.cell.weights
        for name, w in declared.items():
            if w.tied:
                target, seen = name, [name]
                while declared.get(target) is not None and declared[target].tied:
                    target = declared[target].tied
                    if target in seen:
                        self.problems.append(f"weight {name!r}: ties form a loop "
                                             f"({' -> '.join(seen + [target])})")
                        break
                    seen.append(target)
                else:
                    if target not in declared:
                        self.problems.append(f"weight {name!r} is tied to {target!r}, which is not a "
                                             f"weight{did_you_mean(target, list(declared))}")
                    else:
                        self.ties[name] = target
                continue
            dims = [self.dimension(d, name) for d in w.shape]
            if any(d is None for d in dims):
                continue
            self.weights[name] = ResolvedWeight(tuple(dims), w.structure, w.rank)  # type: ignore[arg-type]

    def weight_of(self, name: str) -> ResolvedWeight | None:
        return self.weights.get(self.ties.get(name, name))

    # ------------------------------------------------------------------ operations
    def add(self, kind: str, args: tuple[int, ...], shape: tuple[int, ...], name: str = "",
            value: int = 0) -> int:
        key = (kind, args, name, value)
        if kind in ("add", "mul", "dot") and args[0] > args[1]:  # commutative: one order
            key = (kind, (args[1], args[0]), name, value)
        found = self.index.get(key)
        if found is not None:
            return found
        if len(self.ops) >= MAX_OPS:
            raise _TooLargeError
        self.ops.append(Op(kind, key[1], shape, name, value))
        self.index[key] = len(self.ops) - 1
        return len(self.ops) - 1

    def shape(self, v: _Value) -> tuple[int, ...]:
        return self.ops[v.index].shape  # type: ignore[index]

    def fail(self, where: str, expr: Expr, message: str) -> None:
        self.problems.append(f"{where}: `{expr.source}`: {message}")

    def as_operand(self, v: _Value | None, where: str, expr: Expr) -> int | None:
        """The operation of a value; a weight becomes a value when it is dense."""
        if v is None:
            return None
        if v.index is not None:
            return v.index
        name = v.weight
        w = self.weight_of(name)  # type: ignore[arg-type]
        if w is None:
            return None
        if w.structure != "dense":
            self.fail(where, expr, f"{name} is a {w.structure} matrix: apply it with @ "
                                   f"({name} @ v), or declare it dense to use its entries")
            return None
        if len(w.shape) == 3:
            self.fail(where, expr, f"{name} is a 3-way tensor: use it as bilinear({name}, a, b)")
            return None
        return self.add("weight", (), w.shape, self.ties.get(name, name))  # type: ignore[arg-type]

    def expr(self, e: Expr, where: str) -> _Value | None:
        if e.kind == "name":
            return self.name(e, where)
        if e.kind == "ref":
            return self.ref(e, where)
        if e.kind == "const":
            return _Value(self.add("const", (), (), value=e.value))
        if e.kind == "neg":
            a = self.as_operand(self.expr(e.args[0], where), where, e.args[0])
            return None if a is None else _Value(self.add("neg", (a,), self.ops[a].shape))
        if e.kind == "**":
            a = self.as_operand(self.expr(e.args[0], where), where, e.args[0])
            if a is None:
                return None
            if e.value == 0:
                return _Value(self.add("const", (), (), value=1))
            if e.value == 1:
                return _Value(a)
            return _Value(self.add("pow", (a,), self.ops[a].shape, value=e.value))
        if e.kind == "@":
            return self.matmul(e, where)
        if e.kind in ("+", "-", "*"):
            return self.elementwise(e, where)
        return self.call(e, where)

    def name(self, e: Expr, where: str) -> _Value | None:
        name = e.text
        if name == "x":
            return _Value(self.add("input", (), (self.x_dim,)))
        if name in self.states:
            if self.context == "output":
                return _Value(self.updated[name]) if name in self.updated else None
            return _Value(self.add("state", (), self.states[name].shape, name))
        if name in self.cell.weights:
            self.used_weights.add(name)
            return _Value(weight=name) if self.weight_of(name) is not None else None
        if name in self.terms:
            return self.term(name, e, where)
        if name in FUNCTION_NAMES:
            self.fail(where, e, f"{name} is a function: call it as {name}(...)")
            return None
        known = ["x", *self.states, *self.cell.weights, *self.terms]
        self.fail(where, e, f"unknown name {name!r}{did_you_mean(name, known)} (names: "
                            f"{format_names([repr(n) for n in known])})")
        return None

    def term(self, name: str, e: Expr, where: str) -> _Value | None:
        self.used_terms.add(name)
        if name in self.in_progress:
            cycle = self.in_progress[self.in_progress.index(name):] + [name]
            self.problems.append(f"the terms form a cycle within one step: {' -> '.join(cycle)}; "
                                 "a term can use the previous state, not itself")
            return None
        if name in self.term_values:
            return self.term_values[name]
        tree = self.term_trees.get(name)
        value = None
        if tree is not None:
            self.in_progress.append(name)
            saved, self.context = self.context, "term"
            value = self.expr(tree, f"term {name}")
            self.context = saved
            self.in_progress.pop()
        self.term_values[name] = value
        return value

    def ref(self, e: Expr, where: str) -> _Value | None:
        layer, state = e.text.split(".", 1)
        if layer == self.own_name:
            self.fail(where, e, f"{layer} is this layer: write its state as {state}")
            return None
        if e.text in self.refs:
            return _Value(self.add("ref", (), self.refs[e.text], e.text))
        others = [n for n in self.layer_names if n != self.own_name]
        if layer not in others:
            self.fail(where, e, f"no layer is called {layer!r}{did_you_mean(layer, others)} "
                                f"(layers: {format_names([repr(n) for n in others])})")
        else:
            states = [r.split(".", 1)[1] for r in self.refs if r.startswith(layer + ".")]
            self.fail(where, e, f"layer {layer!r} has no state {state!r}{did_you_mean(state, states)}"
                                f" (its states: {format_names([repr(s) for s in states])})")
        return None

    def use_weight(self, name: str, implied: tuple[int, ...], where: str, e: Expr) -> None:
        self.weight_uses.setdefault(name, []).append((implied, where, e.source))

    def matmul(self, e: Expr, where: str) -> _Value | None:
        left, right = (self.expr(a, where) for a in e.args)
        if left is not None and left.weight is not None:
            w = self.weight_of(left.weight)
            v = self.as_operand(right, where, e.args[1])
            if w is None or v is None:
                return None
            if len(w.shape) != 2:
                what = "a 3-way tensor: use bilinear" if len(w.shape) == 3 else "not a matrix"
                self.fail(where, e, f"{left.weight} is {what}")
                return None
            vs = self.ops[v].shape
            if len(vs) not in (1, 2):
                self.fail(where, e, f"{left.weight} @ needs a vector or a matrix on its right, got a "
                                    "scalar; use * to scale")
                return None
            self.use_weight(left.weight, (vs[0],), where, e)
            if vs[0] != w.shape[1]:
                return None
            return _Value(self.add("apply", (v,), (w.shape[0],) + vs[1:], self.canonical(left.weight)))
        if right is not None and right.weight is not None:
            w = self.weight_of(right.weight)
            v = self.as_operand(left, where, e.args[0])
            if w is None or v is None:
                return None
            if len(w.shape) != 2:
                self.fail(where, e, f"{right.weight} is not a matrix")
                return None
            vs = self.ops[v].shape
            if len(vs) != 1:
                self.fail(where, e, f"@ {right.weight} needs a vector on its left (v @ W is Wᵀ v)")
                return None
            self.use_weight(right.weight, (-vs[0],), where, e)
            if vs[0] != w.shape[0]:
                return None
            return _Value(self.add("apply_t", (v,), (w.shape[1],), self.canonical(right.weight)))
        a = self.as_operand(left, where, e.args[0])
        b = self.as_operand(right, where, e.args[1])
        if a is None or b is None:
            return None
        sa, sb = self.ops[a].shape, self.ops[b].shape
        if len(sa) == 2 and len(sb) == 1 and sa[1] == sb[0]:
            return _Value(self.add("matvec", (a, b), (sa[0],)))
        if len(sa) == 1 and len(sb) == 2 and sa[0] == sb[0]:
            return _Value(self.add("vecmat", (a, b), (sb[1],)))
        if len(sa) == 1 and sa == sb:
            return _Value(self.add("dot", (a, b), ()))
        if len(sa) == 2 and len(sb) == 2:
            self.fail(where, e, "a product of two matrix values is not part of the cell language "
                                "(apply weights with W @ S, read a matrix with S @ v or v @ S)")
        elif not sa or not sb:
            self.fail(where, e, "@ needs vectors or matrices; scale by a scalar with *")
        else:
            self.fail(where, e, f"shapes {_shape_text(sa)} and {_shape_text(sb)} do not match for @")
        return None

    def canonical(self, weight: str) -> str:
        return self.ties.get(weight, weight)

    def elementwise(self, e: Expr, where: str) -> _Value | None:
        a = self.as_operand(self.expr(e.args[0], where), where, e.args[0])
        b = self.as_operand(self.expr(e.args[1], where), where, e.args[1])
        if a is None or b is None:
            return None
        sa, sb = self.ops[a].shape, self.ops[b].shape
        kind = {"+": "add", "-": "sub", "*": "mul"}[e.kind]
        if sa == sb or not sa or not sb:
            return _Value(self.add(kind, (a, b), sa or sb))
        if {len(sa), len(sb)} == {1, 2} and e.kind == "*":
            self.fail(where, e, "a vector times a matrix elementwise is ambiguous: gate the "
                                "matrix's rows with rows(g, S) or its columns with cols(g, S)")
        else:
            self.fail(where, e, f"shapes {_shape_text(sa)} and {_shape_text(sb)} differ; "
                                f"'{e.kind}' needs equal shapes (or a scalar)")
        return None

    def call(self, e: Expr, where: str) -> _Value | None:
        func = e.text
        if func == "bilinear":
            first = self.expr(e.args[0], where)
            if first is None:
                return None
            if first.weight is None:
                self.fail(where, e, "the first argument of bilinear is a 3-way weight")
                return None
            w = self.weight_of(first.weight)
            a = self.as_operand(self.expr(e.args[1], where), where, e.args[1])
            b = self.as_operand(self.expr(e.args[2], where), where, e.args[2])
            if w is None or a is None or b is None:
                return None
            if len(w.shape) != 3:
                self.fail(where, e, f"{first.weight} is not a 3-way tensor (shape "
                                    f"{_shape_text(w.shape)}); declare it with three dimensions")
                return None
            sa, sb = self.ops[a].shape, self.ops[b].shape
            if len(sa) != 1 or len(sb) != 1:
                self.fail(where, e, "bilinear(T, a, b) needs two vectors a and b")
                return None
            self.use_weight(first.weight, (sa[0], sb[0]), where, e)
            if (sa[0], sb[0]) != w.shape[1:]:
                return None
            return _Value(self.add("bilinear", (a, b), (w.shape[0],), self.canonical(first.weight)))
        a = self.as_operand(self.expr(e.args[0], where), where, e.args[0])
        b = self.as_operand(self.expr(e.args[1], where), where, e.args[1])
        if a is None or b is None:
            return None
        sa, sb = self.ops[a].shape, self.ops[b].shape
        if func == "outer":
            if len(sa) != 1 or len(sb) != 1:
                self.fail(where, e, "outer(a, b) needs two vectors")
                return None
            return _Value(self.add("outer", (a, b), (sa[0], sb[0])))
        axis = 0 if func == "rows" else 1
        if len(sa) != 1 or len(sb) != 2:
            self.fail(where, e, f"{func}(g, S) needs a vector g and a matrix S")
            return None
        if sa[0] != sb[axis]:
            self.fail(where, e, f"{func}: g has {sa[0]} entries but S has {sb[axis]} "
                                f"{'rows' if axis == 0 else 'columns'}")
            return None
        return _Value(self.add(func, (a, b), sb))

    # ------------------------------------------------------------------ weights used twice
    def check_weight_uses(self) -> None:
        for name, uses in self.weight_uses.items():
            w = self.weight_of(name)
            if w is None:
                continue
            implied = list(dict.fromkeys(u[0] for u in uses))
            if len(implied) > 1:
                shown = "; ".join(f"{_implied_text(name, w, imp)} in {where}: `{src}`"
                                  for imp, where, src in (next(u for u in uses if u[0] == i)
                                                          for i in implied[:3]))
                self.problems.append(f"weight {name!r} is used with two shapes ({shown}); a weight "
                                     f"has one shape (declared {_shape_text(w.shape)}): use a second "
                                     "weight")
                continue
            imp, where, src = uses[0]
            expected = _expected(w, imp)
            if imp != expected:
                self.problems.append(f"{where}: `{src}`: shape mismatch: {name} is "
                                     f"{_shape_text(w.shape)} but {_implied_text(name, w, imp)}")


def _expected(w: ResolvedWeight, implied: tuple[int, ...]) -> tuple[int, ...]:
    if len(implied) == 2:
        return w.shape[1:]
    if implied[0] < 0:
        return (-w.shape[0],)
    return (w.shape[1],)


def _implied_text(name: str, w: ResolvedWeight, implied: tuple[int, ...]) -> str:
    if len(implied) == 2:
        return f"bilinear({name}, a, b) gets vectors of {implied[0]} and {implied[1]} entries"
    if implied[0] < 0:
        return f"v @ {name} is given {-implied[0]} entries"
    return f"{name} @ v is given {implied[0]} entries"


def _shape_text(shape: tuple[int, ...]) -> str:
    if not shape:
        return "scalar"
    if len(shape) == 1:
        return f"vector of {shape[0]}"
    return "×".join(map(str, shape))


FUNCTION_NAMES = ("outer", "rows", "cols", "bilinear")


class _TooLargeError(Exception):
    pass


def compile_cell(cell: Cell, x_dim: int, refs: Mapping[str, tuple[int, ...]] | None = None,
                 layer_names: tuple[str, ...] = (), own_name: str = ""
                 ) -> tuple[Program | None, list[str]]:
    """Check a cell against its input and compile it.

    Parameters
    ----------
    cell : Cell
    x_dim : int
        Dimension of the layer's input ``x``.
    refs : mapping, optional
        ``"layer.state"`` -> shape, for every state of the other layers the cell may read.
    layer_names : tuple of str
        Every layer's name (for messages about unknown layers).
    own_name : str
        This layer's name.

    Returns
    -------
    (Program or None, list of str)
        The program when there are no problems, and every problem found (unknown names with
        the closest valid one, shape mismatches, weights used with two shapes, cycles among
        the terms, states no update writes, non-polynomial operations).

    Examples
    --------
    >>> cell = Cell(state={"h": 2}, weights={"A": (2, 3), "B": (2, 3)},
    ...             update={"h": "(A @ x) * h + B @ x"})
    >>> program, problems = compile_cell(cell, x_dim=3)
    >>> [op.kind for op in program.ops], program.width, problems
    (['input', 'apply', 'state', 'mul', 'apply', 'add'], 2, [])
    >>> compile_cell(cell, x_dim=4)[1]  # doctest: +NORMALIZE_WHITESPACE
    ['update h: `A @ x`: shape mismatch: A is 2×3 but A @ v is given 4 entries',
     'update h: `B @ x`: shape mismatch: B is 2×3 but B @ v is given 4 entries']
    """
    comp = _Compiler(cell, x_dim, refs or {}, layer_names, own_name)
    comp.check_names()
    comp.resolve_weights()
    for name, text in cell.terms.items():
        tree, problems = parse_expression(text, f"term {name}")
        comp.problems += problems
        comp.term_trees[name] = tree
    trees: dict[str, Expr | None] = {}
    for name, text in cell.update.items():
        tree, problems = parse_expression(text, f"update {name}")
        comp.problems += problems
        trees[name] = tree
    out_text = cell.output_expression
    out_tree = None
    if not out_text:
        comp.problems.append("the cell has no output: give output = \"...\" (a vector, such as "
                             "\"(C @ x) * h\"); it defaults to the state only when there is one "
                             "vector state")
    else:
        out_tree, problems = parse_expression(out_text, "output")
        comp.problems += problems
    try:
        for name, tree in trees.items():
            if tree is None or name not in cell.state:
                continue
            value = comp.as_operand(comp.expr(tree, f"update {name}"), f"update {name}", tree)
            if value is None:
                continue
            shape = comp.ops[value].shape
            want = cell.state[name].shape
            if shape != want:
                comp.problems.append(f"update {name}: `{tree.source}` is a {_shape_text(shape)}, but "
                                     f"state {name} is a {_shape_text(want)}")
                continue
            comp.updated[name] = value
        step_ops = len(comp.ops)
        comp.context = "output"
        output = None
        if out_tree is not None:
            output = comp.as_operand(comp.expr(out_tree, "output"), "output", out_tree)
            if output is not None and len(comp.ops[output].shape) > 1:
                comp.problems.append(f"output: `{out_tree.source}` is a "
                                     f"{_shape_text(comp.ops[output].shape)} matrix; the output is a "
                                     "vector (read a matrix state with a vector: q @ S or S @ q)")
                output = None
        for name, tree in comp.term_trees.items():  # unused terms are still checked
            if name not in comp.used_terms and tree is not None:
                comp.context = "term"
                comp.term(name, tree, f"term {name}")
                comp.problems.append(f"term {name!r} is never used; remove it or use it in an update "
                                     "or the output")
    except _TooLargeError:
        return None, comp.problems + [f"the cell compiles to more than {MAX_OPS:,} operations"]
    comp.check_weight_uses()
    for name in cell.weights:
        if name not in comp.used_weights and not any(t == name for t in comp.ties.values()):
            comp.problems.append(f"weight {name!r} is never used; remove it or use it in a formula")
    for name, st in cell.state.items():
        if any(d > MAX_CELL_SIZE for d in st.shape):
            comp.problems.append(f"state {name!r} is larger than {MAX_CELL_SIZE:,} entries per axis")
    if comp.problems or output is None:
        return None, comp.problems
    return _pruned(comp, step_ops, output), []


def _pruned(comp: _Compiler, step_ops: int, output: int) -> Program:
    """The program of the operations the updates and the output need, renumbered."""
    needed: set[int] = set()
    stack = list(comp.updated.values()) + [output]
    while stack:
        i = stack.pop()
        if i in needed:
            continue
        needed.add(i)
        stack.extend(comp.ops[i].args)
    step_needed: set[int] = set()
    stack = list(comp.updated.values())
    while stack:
        i = stack.pop()
        if i in step_needed:
            continue
        step_needed.add(i)
        stack.extend(comp.ops[i].args)
    order = sorted(step_needed) + sorted(needed - step_needed)
    new_index = {old: new for new, old in enumerate(order)}
    ops = tuple(Op(op.kind, tuple(new_index[a] for a in op.args), op.shape, op.name, op.value)
                for op in (comp.ops[i] for i in order))
    updates = tuple((name, new_index[i]) for name, i in comp.updated.items())
    weights = tuple((name, w) for name, w in comp.weights.items())
    states = tuple(comp.cell.state.items())
    return Program(ops, updates, new_index[output], states, weights, dict(comp.ties),
                   comp.x_dim, len(step_needed))
