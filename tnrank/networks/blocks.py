r"""The nodes of one block of an unrolled circuit: a paper's layer at one step, or one operation
of a polynomial cell at one step.

:class:`~tnrank.networks.unrolling.BlockPlan` assembles an unrolled network from *blocks*, each
a small tree of nodes hanging from one bond to its consumer. A block is named by its step
``t``, its layer ``k`` and the value ``v`` it computes: ``v = 0`` for the state :math:`h^{t,k}`
of one of the paper's layers (a copy tensor or merge, its :math:`W^I` and :math:`W^H`), an
operation's index in the compiled :class:`~tnrank.model.cell_program.Program` of a cell, or
``("init", name)`` for a cell state's value before the first step. This module says what each
block holds; every other module reads these descriptions.

**One bond per value.** A cell's value — a scalar, a vector or a matrix — is carried by one bond
of dimension its number of entries, plus one when the network carries vectors augmented by a
constant 1 (a matrix :math:`S` as :math:`(\operatorname{vec} S, 1)`). Each operation is one
node whose tensor is the operation's multi-affine map on those vectors (a linear map is a matrix
node, an elementwise product a copy tensor :math:`\delta`, a sum a block tensor, as for the
paper's general integration; :mod:`tnrank.networks.cell_tensors` writes them out). Weights keep
their structure: a diagonal weight is a copy tensor joined to the vector of its diagonal, a
low-rank weight :math:`U V` two matrix nodes joined by a bond of its rank, the identity no node
at all. A matrix state carried on one bond costs :math:`rc + 1` where a cut crosses it, the
bound :math:`d_k d_v + 1` of a linear-attention state, where a row leg and a column leg would
cost :math:`(r + 1)(c + 1)` once the network carries the constant.

**Aliases are not blocks.** A cell's ``x`` read from one source, a state read at the next step,
another layer's state (``layer.h``) and an identity weight add no node: the consumer is joined
directly to the block that computes the value (:meth:`CellReader.target`). A value used twice
(the same state in two formulas, a term in two updates, ``h * h``) is read through two bonds,
each to its own copy of the block: the unrolled network stays a tree whose open legs are the
copies of the inputs.

Axes of a block's nodes, in the order of their tensors' axes:

``("up",)``
    the bond to the block's consumer (the first axis of the block's first node, its root);
``("loc", name, dim)``
    a bond between two nodes of the block (the first axis of every other node);
``("h", t, k, v)``
    a bond to a fresh copy of block ``(t, k, v)``;
``("x", t)``
    an open leg of step ``t``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from tnrank.model.architecture import INPUT, Architecture
from tnrank.model.cell_program import Program

__all__ = ["BlockNode", "CellReader", "rac_block", "cell_template", "at_step", "initial_block",
           "ALIASES"]

#: Operations of a cell program that add no node (see :meth:`CellReader.target`); an
#: ``apply`` of an identity weight and an ``input`` read from one source are aliases too.
ALIASES = ("state", "ref")

Axis = tuple
Target = Callable[[int, int], Axis]


class BlockNode(NamedTuple):
    """One node of a block.

    Attributes
    ----------
    key : str
        Unique within the block: the node is named ``<key>[<t>,<layer>]#<copy>``.
    kind, role : str
        The node's kind and role (:mod:`tnrank.networks.graph`).
    axes : tuple of tuple
        Its axes (see the module notes).
    attrs : tuple of (str, object)
        Further node attributes: for a cell, ``op`` (the operation's index) and ``part`` (which
        array of a structured weight: ``"U"``, ``"V"``, ``"d"``; empty otherwise), ``weight``
        and ``structure`` for a weight, ``value`` for a constant or a power, ``state`` for an
        initial value. The role of a cell's node is its operation (``apply``, ``mul``, ...).
    """

    key: str
    kind: str
    role: str
    axes: tuple[Axis, ...]
    attrs: tuple[tuple[str, Any], ...] = ()


def rac_block(arch: Architecture, k: int, t: int, dim: int, target: Target) -> tuple[BlockNode, ...]:
    """The block computing :math:`h^{t,k}` of one of the paper's layers: a copy tensor (or
    merge) joined to its ``W^I`` (reading the sources, ``target(layer, t)`` for another layer)
    and to its ``W^H`` (reading :math:`h^{t-1,k}`), or at ``t = 0`` to the initial term."""
    layer = arch.layers[k]
    kind = "delta" if layer.integration == "multiplicative" else "merge"
    a, b = ("loc", "a", dim), ("loc", "b", dim)
    nodes = [BlockNode(kind, kind, layer.integration, (("up",), a, b))]
    sources = tuple(("x", t) if s == INPUT else target(arch.index(s), t) for s in layer.sources)
    nodes.append(BlockNode("WI", "weight", "input", (a, *sources)))
    init = arch.initial
    if t > 0:
        nodes.append(BlockNode("WH", "weight", "hidden", (b, ("h", t - 1, k, 0))))
    elif init == "state":
        s = ("loc", "s", dim)
        nodes.append(BlockNode("WH", "weight", "hidden", (b, s)))
        nodes.append(BlockNode("h0", "initial", "state", (s,)))
    else:
        nodes.append(BlockNode(init, "initial", init, (b,)))
    return tuple(nodes)


class CellReader:
    """Where the values of an architecture's cells come from, step by step.

    Parameters
    ----------
    arch : Architecture
    """

    def __init__(self, arch: Architecture) -> None:
        self.arch = arch
        self.programs: dict[int, Program] = {}
        self.updates: dict[int, dict[str, int]] = {}
        for k in range(arch.depth):
            program = arch.program(k)
            if program is not None:
                self.programs[k] = program
                self.updates[k] = dict(program.updates)
        self._memo: dict[tuple[int, int, int], Axis] = {}

    def is_alias(self, k: int, i: int) -> bool:
        """Whether operation ``i`` of cell layer ``k`` adds no node (see the module notes)."""
        program = self.programs[k]
        op = program.ops[i]
        if op.kind in ALIASES:
            return True
        if op.kind == "input":
            return len(self.arch.layers[k].sources) == 1
        return op.kind in ("apply", "apply_t") and program.weight(op.name).structure == "identity"

    def output(self, k: int, t: int) -> Axis:
        """The axis reading what layer ``k`` passes on at step ``t``: its state, or a cell's
        output."""
        if k not in self.programs:
            return ("h", t, k, 0)
        return self.target(k, self.programs[k].output, t)

    def target(self, k: int, i: int, t: int) -> Axis:
        """The axis reading the value of operation ``i`` of cell layer ``k`` at step ``t``.

        An alias is followed to the block computing its value: a state to its update at the
        step before (its initial value at ``t = 0``), ``layer.state`` to that layer's update
        (or its state), ``x`` to its one source, ``I @ v`` to ``v``."""
        start = (k, i, t)
        found = self._memo.get(start)
        if found is not None:
            return found
        visited = [start]
        while True:
            op = self.programs[k].ops[i]
            if op.kind == "state":
                if t == 0:
                    axis: Axis = ("h", 0, k, ("init", op.name))
                    break
                i, t = self.updates[k][op.name], t - 1
            elif op.kind == "ref":
                name, state = op.name.split(".", 1)
                k = self.arch.index(name)
                if k not in self.programs:
                    axis = ("h", t, k, 0)
                    break
                i = self.updates[k][state]
            elif op.kind == "input" and self.is_alias(k, i):
                (source,) = self.arch.layers[k].sources
                if source == INPUT:
                    axis = ("x", t)
                    break
                k = self.arch.index(source)
                if k not in self.programs:
                    axis = ("h", t, k, 0)
                    break
                i = self.programs[k].output
            elif self.is_alias(k, i):  # an identity weight
                i = op.args[0]
            else:
                axis = ("h", t, k, i)
                break
            found = self._memo.get((k, i, t))
            if found is not None:
                axis = found
                break
            visited.append((k, i, t))
        for key in visited:
            self._memo[key] = axis
        return axis


def cell_template(reader: CellReader, k: int, i: int, extra: int) -> tuple[BlockNode, ...]:
    """The nodes computing operation ``i`` of cell layer ``k`` (not an alias) at any step: its
    node, or two for a diagonal or low-rank weight; ``extra`` is 1 when the network carries the
    constant 1 (every bond one longer), else 0. An operand is the axis ``("arg", j)`` (operation
    ``j``) and a source of a concatenated input ``("source", layer)`` (or ``("x",)``), resolved
    at each step by :func:`at_step`."""
    program = reader.programs[k]
    op = program.ops[i]
    up: Axis = ("up",)
    if op.kind == "input":  # several sources, concatenated
        parts = tuple(("x",) if s == INPUT else ("source", reader.arch.index(s))
                      for s in reader.arch.layers[k].sources)
        return (BlockNode(f"concat{i}", "tensor", "concat", (up, *parts), (("op", i), ("part", ""))),)
    operands = tuple(("arg", j) for j in op.args)
    attrs: tuple[tuple[str, Any], ...] = (("op", i), ("part", ""))
    if op.kind in ("apply", "apply_t"):
        w = program.weight(op.name)
        key = f"{op.kind}{i}:{op.name}"

        def part(name: str) -> tuple[tuple[str, Any], ...]:
            return (("op", i), ("part", name), ("weight", op.name), ("structure", w.structure))

        if w.structure == "dense":
            return (BlockNode(key, "weight", op.kind, (up, *operands), part("")),)
        columns = op.size // op.shape[0]  # > 1 when the weight is applied to a matrix
        if w.structure == "diagonal":
            d = ("loc", "d", w.shape[0] + extra)
            return (BlockNode(key, "delta", op.kind, (up, *operands, d), part("")),
                    BlockNode(f"{key}.d", "weight", op.kind, (d,), part("d")))
        inner = ("loc", "r", w.rank * columns + extra)  # low rank U V: the bond is its rank
        first, second = ("U", "V") if op.kind == "apply" else ("V", "U")
        return (BlockNode(f"{key}.{first}", "weight", op.kind, (up, inner), part(first)),
                BlockNode(f"{key}.{second}", "weight", op.kind, (inner, *operands), part(second)))
    if op.kind in ("bilinear", "weight"):
        return (BlockNode(f"{op.kind}{i}:{op.name}", "weight", op.kind, (up, *operands),
                          (*attrs, ("weight", op.name))),)
    if op.kind in ("pow", "const"):
        attrs = (*attrs, ("value", op.value))
    if op.kind == "pow":
        return (BlockNode(f"pow{i}", "delta", "pow", (up,) + operands * op.value, attrs),)
    kind = {"mul": "delta", "add": "merge", "sub": "merge"}.get(op.kind, "tensor")
    return (BlockNode(f"{op.kind}{i}", kind, op.kind, (up, *operands), attrs),)


def at_step(reader: CellReader, k: int, template: tuple[BlockNode, ...], t: int) -> tuple[BlockNode, ...]:
    """The nodes of a :func:`cell_template` at step ``t``, operands resolved to the blocks
    computing them."""
    out = []
    for node in template:
        axes = []
        for a in node.axes:
            tag = a[0]
            if tag == "arg":
                a = reader.target(k, a[1], t)
            elif tag == "source":
                a = reader.output(a[1], t)
            elif tag == "x":
                a = ("x", t)
            axes.append(a)
        out.append(BlockNode(node.key, node.kind, node.role, tuple(axes), node.attrs))
    return tuple(out)


def initial_block(reader: CellReader, k: int, state: str) -> tuple[BlockNode, ...]:
    """The block of a cell state's value before the first step: one vector node."""
    initial = dict(reader.programs[k].states)[state].initial
    return (BlockNode(f"init:{state}", "initial", initial, (("up",),), (("state", state),)),)
