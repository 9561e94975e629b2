r"""Unroll a recurrent arithmetic circuit into a tensor network.

**Depth 1** gives the Tensor Train (MPS) of Levine et al. (arXiv:1710.09431,
Sec. 3): one copy tensor :math:`\delta` per step joined by :math:`W^H` along the
chain, each reading its input through :math:`W^I`.

**Depth** :math:`L \ge 2`: a tensor network cannot copy a vector, so every *use* of a
hidden state :math:`h^{t,l}` (by the next step of its layer, by each layer that
reads it at step :math:`t`, by the output) gets its own copy of the whole
sub-network computing it. The network is a tree whose open legs are the copies
of the inputs: in a depth-2 RAC, input :math:`x^t` (1-based) appears
:math:`T - t + 1` times, and the number of nodes grows like :math:`\binom{T + L}{L}`.
Nodes carry the step :math:`t` and layer :math:`l` of the state they compute and the index of their copy.

**Sums.** Contraction is multilinear in the vectors plugged into the legs, but
additive and general integrations, several sources of one layer (concatenated,
so :math:`W^I [s_1; s_2] = W_1 s_1 + W_2 s_2`), several output layers and
``initial="zeros"`` are affine. For these architectures every vector :math:`u` is
carried *augmented* by a constant component, :math:`\bar u = (u, 1)`, and the legs
take :math:`\bar v = (v, 1)` (dimension :math:`M + 1`); with :math:`\ell` ("last")
the index of the constant component,

* a weight becomes :math:`\begin{pmatrix} W & 0 \\ 0 & 1 \end{pmatrix}`; several
  sources become one tensor
  :math:`A_{k i_1 \dots i_m} = \sum_j (W_j)_{k i_j} \prod_{j' \ne j} [i_{j'} = \ell]`
  with :math:`A_{\ell \ell \dots \ell} = 1`;
* the merge of :math:`\bar a` and :math:`\bar b` is one order-3 tensor :math:`G_{kij}`
  (output, :math:`a`, :math:`b`): :math:`G_{kkk} = \alpha_k`,
  :math:`G_{kk\ell} = \beta_{1,k}`, :math:`G_{k\ell k} = \beta_{2,k}`,
  :math:`G_{k\ell\ell} = \text{bias}_k`, :math:`G_{\ell\ell\ell} = 1`. :math:`a \odot b`
  is :math:`\alpha = 1` and the rest 0 — the copy tensor of dimension :math:`R + 1` —,
  :math:`a + b` is :math:`\beta_1 = \beta_2 = 1`;
* the initial hidden term is :math:`(1, \dots, 1)` (``ones``),
  :math:`(0, \dots, 0, 1)` (``zeros``) or
  :math:`\begin{pmatrix} W^H & 0 \\ 0 & 1 \end{pmatrix} (h^0, 1)` (``state``);
* several outputs read :math:`\sum_l \langle w^l, h^l \rangle` through one tensor
  :math:`O_{i_1 \dots i_n} = \sum_l w^l_{i_l} \prod_{l' \ne l} [i_{l'} = \ell]`.

**Cells.** A polynomial cell (:class:`~tnrank.model.cell.Cell`) is unrolled operation by
operation: each operation of its compiled program at each step is a block of one node (two for
a diagonal or low-rank weight), every value one bond, and a value used twice — a state read by
two formulas, a term in two updates — is read through two bonds from two copies of the
sub-network computing it (:mod:`tnrank.networks.blocks`). The network is augmented when a
formula has a sum; a cell of products and linear maps alone is multilinear in its legs.

Contracting the network with :math:`(v_t, 1)` at every copy of leg :math:`t`
reproduces :func:`tnrank.engine.evaluation.evaluate` exactly (tested for every kind of
architecture, and for cells of every operation, in ``tests/networks``).
"""

from __future__ import annotations

from collections.abc import Iterator

from tnrank.errors import TnrankError
from tnrank.model.architecture import Architecture
from tnrank.networks.blocks import BlockNode, CellReader, at_step, cell_template, initial_block, rac_block
from tnrank.networks.graph import Leg, TensorNetwork
from tnrank.runtime.memory import paused_gc

__all__ = ["unroll", "unrolled_size", "needs_augmentation", "BlockPlan", "MAX_NODES", "MAX_BLOCKS"]

#: Largest unrolled network built (nodes); about 1 GiB of networkx graph.
MAX_NODES = 2_000_000
#: Largest number of blocks (T × the blocks of one step: one per layer of the paper's kind, one
#: per operation of a cell) described or cut (seconds of work).
MAX_BLOCKS = 50_000
#: Operations of a cell that need vectors augmented by a constant 1 (a sum is affine).
AFFINE_OPERATIONS = ("add", "sub")


def needs_augmentation(arch: Architecture) -> bool:
    """True when the network must carry vectors augmented by a constant 1.

    The paper's RAC (multiplicative layers, one source each, one output
    layer, ``initial`` ``"ones"`` or ``"state"``) is multilinear in its legs
    and is unrolled without augmentation; so is a cell whose formulas have no sum.

    >>> from tnrank import Architecture
    >>> needs_augmentation(Architecture.rac(2, 3, 3))
    False
    """
    if len(arch.output) > 1:
        return True
    for k, layer in enumerate(arch.layers):
        if len(layer.sources) > 1:
            return True
        program = arch.program(k)
        if program is not None:
            if any(op.kind in AFFINE_OPERATIONS for op in program.ops):
                return True
        elif layer.integration != "multiplicative" or arch.initial == "zeros":
            return True
    return False


Block = tuple  # (t, k, v): step, layer, value (see tnrank.networks.blocks)


class BlockPlan:
    """The unrolled network described block by block, without building it.

    Block ``(t, k, v)`` is the sub-network computing value ``v`` of layer ``k`` at step ``t``
    (:mod:`tnrank.networks.blocks`): the state :math:`h^{t,k}` of one of the paper's layers
    (``v = 0``), or an operation of a cell. :func:`unroll` instantiates one copy per use, and
    the min-cut dynamic programme of :mod:`tnrank.networks.mincut` visits each block once.
    """

    def __init__(self, arch: Architecture, T: int) -> None:
        if not isinstance(arch, Architecture):
            raise TnrankError("unroll needs an Architecture (e.g. Architecture.rac(depth, width, M))")
        if isinstance(T, bool) or not isinstance(T, int) or T < 1:
            raise TnrankError(f"sequence length T must be a whole number >= 1, got {T!r}")
        self.reader = CellReader(arch)
        self._ops = {k: tuple(i for i in range(len(p.ops)) if not self.reader.is_alias(k, i))
                     for k, p in self.reader.programs.items()}
        per_step = sum(len(self._ops[k]) if k in self._ops else 1 for k in range(arch.depth))
        if T * per_step > MAX_BLOCKS:
            what = ("depth", "step-layer blocks") if not self._ops else \
                ("blocks of one step (a cell's operations)", "blocks")
            raise TnrankError(
                f"T × {what[0]} = {T:,} × {per_step:,} = {T * per_step:,} {what[1]}, more than "
                f"tnrank's limit of {MAX_BLOCKS:,} for unrolled networks and their min-cut; use a "
                "smaller T"
            )
        self.arch, self.T = arch, T
        self.aug = needs_augmentation(arch)
        self.extra = extra = int(self.aug)
        self.leg_dim = arch.M + extra
        self.hdim = tuple(w + extra for w in arch.widths)
        self.names = tuple(ly.name for ly in arch.layers)
        self.outputs = tuple(arch.index(o) for o in arch.output)
        self._cache: dict[tuple[int, int, object], tuple[BlockNode, ...]] = {}
        self._templates: dict[tuple[int, object], tuple[BlockNode, ...]] = {
            (k, i): cell_template(self.reader, k, i, extra) for k, ops in self._ops.items() for i in ops}
        #: Dimension of the bond carrying each value ``(k, v)`` (:meth:`value_dim`).
        self.dims: dict[tuple[int, object], int] = {(k, 0): self.hdim[k] for k in range(arch.depth)
                                                    if k not in self._ops}
        for k, program in self.reader.programs.items():
            self.dims.update({(k, i): op.size + extra for i, op in enumerate(program.ops)})
            self.dims.update({(k, ("init", name)): st.size + extra for name, st in program.states})
        self._order: list[Block] | None = None
        self._uses: dict[Block, int] | None = None

    def order(self) -> list[Block]:
        """Every block, each after the blocks it reads: step by step, layers in
        ``architecture.order``, a cell's initial values first and its operations in the
        program's order."""
        if self._order is None:
            out: list[Block] = []
            for t in range(self.T):
                for k in self.arch.order:
                    if k not in self._ops:
                        out.append((t, k, 0))
                        continue
                    if t == 0:
                        out += [(0, k, ("init", name)) for name, _ in self.reader.programs[k].states]
                    out += [(t, k, i) for i in self._ops[k]]
            self._order = out
        return self._order

    def local_dims(self) -> set[int]:
        """Dimensions of the bonds inside blocks (a diagonal's vector, a low rank)."""
        out = {self.hdim[k] for k in range(self.arch.depth) if k not in self._ops}
        out |= {a[2] for nodes in self._templates.values() for node in nodes for a in node.axes
                if a[0] == "loc"}
        return out

    def block(self, t: int, k: int, v: object = 0) -> tuple[BlockNode, ...]:
        """The nodes of block ``(t, k, v)`` (root first)."""
        key = (t, k, v)
        found = self._cache.get(key)
        if found is None:
            if k not in self._ops:
                found = rac_block(self.arch, k, t, self.hdim[k], self.reader.output)
            elif isinstance(v, tuple):
                found = initial_block(self.reader, k, v[1])
            else:
                found = at_step(self.reader, k, self._templates[(k, v)], t)
            self._cache[key] = found
        return found

    def output_axes(self) -> tuple[tuple, ...]:
        """Axes of the output node: one bond to what each output layer passes on at the last
        step."""
        return tuple(self.reader.output(k, self.T - 1) for k in self.outputs)

    def value_dim(self, k: int, v: object) -> int:
        """Dimension of the bond carrying value ``v`` of layer ``k``."""
        return self.dims[(k, v)]

    def dim_of(self, axis: tuple, k: int, v: object = 0) -> int:
        """Dimension of an axis of a node of block ``(·, k, v)``."""
        tag = axis[0]
        if tag == "x":
            return self.leg_dim
        if tag == "h":
            return self.value_dim(axis[2], axis[3])
        if tag == "loc":
            return axis[2]
        return self.value_dim(k, v)

    def uses(self) -> dict[Block, int]:
        """How many copies of each block the network holds (blocks nothing reads left out)."""
        if self._uses is not None:
            return self._uses
        uses: dict[Block, int] = {}
        for axis in self.output_axes():
            if axis[0] == "h":
                uses[axis[1:]] = uses.get(axis[1:], 0) + 1
        for key in reversed(self.order()):  # consumers before the blocks they read
            n = uses.get(key)
            if not n:
                continue
            for node in self.block(*key):
                for axis in node.axes:
                    if axis[0] == "h":
                        uses[axis[1:]] = uses.get(axis[1:], 0) + n
        self._uses = uses
        return uses

    def copies(self) -> dict[int, int]:
        """Copies of each step's input leg in the unrolled network (what
        :meth:`TensorNetwork.copies` counts), from the blocks without building it."""
        out = dict.fromkeys(range(self.T), 0)
        for axis in self.output_axes():
            if axis[0] == "x":
                out[axis[1]] += 1
        for key, n in self.uses().items():
            for node in self.block(*key):
                for axis in node.axes:
                    if axis[0] == "x":
                        out[axis[1]] += n
        return out

    def size(self) -> tuple[int, int, int]:
        """``(nodes, bonds, legs)`` of the unrolled network (legs included in nodes)."""
        nodes, legs = 1, sum(axis[0] == "x" for axis in self.output_axes())
        for key, n in self.uses().items():
            block = self.block(*key)
            nodes += n * len(block)
            legs += n * sum(axis[0] == "x" for node in block for axis in node.axes)
        nodes += legs
        return nodes, nodes - 1, legs


def unrolled_size(architecture: Architecture, T: int) -> tuple[int, int, int]:
    """Nodes, bonds and open legs of ``unroll(architecture, T)``, without building it.

    >>> from tnrank import Architecture
    >>> unrolled_size(Architecture.rac(3, 2, 2), 64)
    (189473, 189472, 45760)
    """
    return BlockPlan(architecture, T).size()


def unroll(architecture: Architecture, T: int) -> TensorNetwork:
    """The tensor network of an architecture over ``T`` steps.

    Parameters
    ----------
    architecture : Architecture
        Any architecture the core accepts (widths, sources, integrations,
        outputs, initial states).
    T : int
        Sequence length.

    Returns
    -------
    TensorNetwork
        Nodes are named ``<what>[<t>,<layer>]#<copy>`` (``delta``, ``merge``,
        ``WI``, ``WH``, ``ones``, ``zeros``, ``h0``; for a cell, the operation and its index
        in the program, such as ``mul3`` or ``apply1:A``, and ``init:<state>``), the output
        ``out``, and the legs ``x<t>#<copy>``; steps are 0-based. ``network.info`` holds the
        ``architecture``, ``T`` and ``augmented`` (legs take ``(v, 1)``).

    Examples
    --------
    >>> from tnrank import Architecture
    >>> from tnrank.networks.unrolling import unroll
    >>> mps = unroll(Architecture.rac(depth=1, width=3, M=2), T=4)
    >>> mps.copies()
    {0: 1, 1: 1, 2: 1, 3: 1}
    >>> deep = unroll(Architecture.rac(depth=2, width=3, M=2), T=4)
    >>> deep.copies()                      # x^t appears T - t + 1 times (1-based t)
    {0: 4, 1: 3, 2: 2, 3: 1}
    >>> deep.graph.nodes["delta[1,layer1]#2"]
    {'kind': 'delta', 'step': 1, 'layer': 0, 'copy': 2, 'role': 'multiplicative', 'axes': [...]}
    """
    layout = BlockPlan(architecture, T)
    nodes, _bonds, _legs = layout.size()
    if nodes > MAX_NODES:
        raise TnrankError(
            f"the unrolled network has {nodes:,} nodes, more than tnrank's limit of {MAX_NODES:,} "
            f"(copies of sub-networks grow quickly with T: like C(T + L, L) for a depth-L RAC); use a "
            "smaller T, or tnrank.networks.mincut.min_cut_bound, which "
            "computes the min-cut without building the network"
        )
    arch = layout.arch
    net = TensorNetwork(
        name=f"{arch.name or 'architecture'}, T={T}",
        description=f"{arch.describe()} unrolled over T={T} steps",
    )
    net.info.update(architecture=arch, T=T, augmented=layout.aug)
    with paused_gc():
        node_rows, bond_rows, leg_rows = _build(layout)
        net._bulk(node_rows, bond_rows, leg_rows)
    return net


def _build(layout: BlockPlan) -> tuple[list, list, list[Leg]]:
    """Instantiate every block copy depth-first from the output."""
    names, m = layout.names, layout.leg_dim
    node_rows: list = []
    bond_rows: list = []
    leg_rows: list[Leg] = []
    copies: dict[Block, int] = {}
    leg_copies = [0] * layout.T
    counter = iter(range(10**15))
    stack: list[tuple[int, int, object, str, str]] = []  # (t, k, v, parent node, bond name)

    def attach(axis: tuple, node: str, local: dict[str, str]) -> str:
        tag = axis[0]
        if tag == "loc":
            if axis[1] not in local:
                local[axis[1]] = f"b{next(counter)}"
            return local[axis[1]]
        if tag == "x":
            t = axis[1]
            c = leg_copies[t]
            leg_copies[t] += 1
            leg = Leg(f"x{t}#{c}", node, m, t, c)
            leg_rows.append(leg)
            return leg.name
        bond = f"b{next(counter)}"
        stack.append((axis[1], axis[2], axis[3], node, bond))
        return bond

    out_axes = [attach(a, "out", {}) for a in layout.output_axes()]
    node_rows.append(("out", {"kind": "output", "step": layout.T - 1, "layer": None, "copy": None,
                              "role": "output", "axes": out_axes}))
    for t, k, v, parent, bond in _drain(stack):
        c = copies.get((t, k, v), 0)
        copies[(t, k, v)] = c + 1
        local: dict[str, str] = {}
        local_ends: dict[str, str] = {}
        for spec in layout.block(t, k, v):
            nid = f"{spec.key}[{t},{names[k]}]#{c}"
            axes = []
            for axis in spec.axes:
                if axis[0] == "up":
                    axes.append(bond)
                    bond_rows.append((bond, parent, nid, layout.value_dim(k, v)))
                    continue
                name = attach(axis, nid, local)
                axes.append(name)
                if axis[0] == "loc":
                    if name in local_ends:
                        bond_rows.append((name, local_ends[name], nid, axis[2]))
                    else:
                        local_ends[name] = nid
            node_rows.append((nid, {"kind": spec.kind, "step": t, "layer": k, "copy": c,
                                    "role": spec.role, "axes": axes, **dict(spec.attrs)}))
    return node_rows, bond_rows, leg_rows


def _drain(stack: list) -> Iterator:
    while stack:
        yield stack.pop()
