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

Contracting the network with :math:`(v_t, 1)` at every copy of leg :math:`t`
reproduces :func:`tnrank.engine.evaluation.evaluate` exactly (tested for every kind of
architecture in ``tests/test_contract.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tnrank.errors import TnrankError
from tnrank.model.architecture import INPUT, Architecture
from tnrank.networks.graph import Leg, TensorNetwork
from tnrank.runtime.memory import paused_gc

__all__ = ["unroll", "unrolled_size", "needs_augmentation", "BlockPlan", "MAX_NODES", "MAX_BLOCKS"]

#: Largest unrolled network built (nodes); about 1 GiB of networkx graph.
MAX_NODES = 2_000_000
#: Largest number of step-layer blocks (T × depth) described or cut (seconds of work).
MAX_BLOCKS = 50_000


def needs_augmentation(arch: Architecture) -> bool:
    """True when the network must carry vectors augmented by a constant 1.

    The paper's RAC (multiplicative layers, one source each, one output
    layer, ``initial`` ``"ones"`` or ``"state"``) is multilinear in its legs
    and is unrolled without augmentation.

    >>> from tnrank import Architecture
    >>> needs_augmentation(Architecture.rac(2, 3, 3))
    False
    """
    if arch.initial == "zeros" or len(arch.output) > 1:
        return True
    return any(ly.integration != "multiplicative" or len(ly.sources) > 1 for ly in arch.layers)


@dataclass(frozen=True)
class _Spec:
    """One node of a step-layer block. ``axes`` entries: ``("up",)`` the bond to
    the block's consumer, ``("loc", name)`` a bond inside the block, ``("h", t, k)``
    a bond to a fresh copy of block ``(t, k)``, ``("x", t)`` an open leg of step ``t``.
    The first axis of every node but the root links it to its parent."""

    key: str
    kind: str
    role: str
    axes: tuple[tuple, ...]


class BlockPlan:
    """The unrolled network described block by block, without building it.

    Block ``(t, k)`` is the sub-network computing ``h^{t,k}`` from the blocks it
    reads; :func:`unroll` instantiates one copy per use, and the min-cut
    dynamic programme of :mod:`tnrank.networks.mincut` visits each block once.
    """

    def __init__(self, arch: Architecture, T: int) -> None:
        if not isinstance(arch, Architecture):
            raise TnrankError("unroll needs an Architecture (e.g. Architecture.rac(depth, width, M))")
        if isinstance(T, bool) or not isinstance(T, int) or T < 1:
            raise TnrankError(f"sequence length T must be a whole number >= 1, got {T!r}")
        if arch.has_cells:
            raise TnrankError("cell layers are not unrolled into tensor networks yet (no unrolled "
                              "network, drawing or min-cut for them); their ranks and degree bounds "
                              "are certified without one")
        if T * arch.depth > MAX_BLOCKS:
            raise TnrankError(
                f"T × depth = {T:,} × {arch.depth:,} = {T * arch.depth:,} step-layer blocks, more "
                f"than tnrank's limit of {MAX_BLOCKS:,} for unrolled networks and their min-cut; "
                "use a smaller T"
            )
        self.arch, self.T = arch, T
        self.aug = needs_augmentation(arch)
        extra = int(self.aug)
        self.leg_dim = arch.M + extra
        self.hdim = tuple(w + extra for w in arch.widths)
        self.names = tuple(ly.name for ly in arch.layers)
        self.outputs = tuple(arch.index(o) for o in arch.output)
        self._cache: dict[tuple[int, int], tuple[_Spec, ...]] = {}

    def block(self, t: int, k: int) -> tuple[_Spec, ...]:
        """The nodes of block ``(t, k)`` (root first)."""
        if (t, k) not in self._cache:
            self._cache[(t, k)] = tuple(
                _Spec(s.key, s.kind, s.role, tuple(_at(a, t) for a in s.axes))
                for s in self._make(k, first=t == 0)
            )
        return self._cache[(t, k)]

    def _make(self, k: int, first: bool) -> tuple[_Spec, ...]:
        layer = self.arch.layers[k]
        kind = "delta" if layer.integration == "multiplicative" else "merge"
        specs = [_Spec(kind, kind, layer.integration, (("up",), ("loc", "a"), ("loc", "b")))]
        sources = tuple(("x", 0) if s == INPUT else ("h", 0, self.arch.index(s)) for s in layer.sources)
        specs.append(_Spec("WI", "weight", "input", (("loc", "a"),) + sources))
        init = self.arch.initial
        if not first:
            specs.append(_Spec("WH", "weight", "hidden", (("loc", "b"), ("h", -1, k))))
        elif init == "state":
            specs.append(_Spec("WH", "weight", "hidden", (("loc", "b"), ("loc", "s"))))
            specs.append(_Spec("h0", "initial", "state", (("loc", "s"),)))
        else:
            specs.append(_Spec(init, "initial", init, (("loc", "b"),)))
        return tuple(specs)

    def output_axes(self) -> tuple[tuple, ...]:
        """Axes of the output node: one bond to the last block of each output layer."""
        return tuple(("h", self.T - 1, k) for k in self.outputs)

    def dim_of(self, axis: tuple, k: int) -> int:
        """Dimension of an axis of a node of layer ``k``'s block."""
        tag = axis[0]
        if tag == "x":
            return self.leg_dim
        if tag == "h":
            return self.hdim[axis[2]]
        return self.hdim[k]

    def uses(self) -> list[list[int]]:
        """``uses[t][k]``: how many copies of block ``(t, k)`` the network holds."""
        T, L = self.T, self.arch.depth
        uses = [[0] * L for _ in range(T)]
        for k in self.outputs:
            uses[T - 1][k] += 1
        for t in range(T - 1, -1, -1):
            for k in reversed(self.arch.order):  # consumers before their sources
                if t + 1 < T:
                    uses[t][k] += uses[t + 1][k]
                for src in self.arch.layers[k].sources:
                    if src != INPUT:
                        uses[t][self.arch.index(src)] += uses[t][k]
        return uses

    def copies(self) -> dict[int, int]:
        """Copies of each step's input leg in the unrolled network (what
        :meth:`TensorNetwork.copies` counts), from the blocks without building it."""
        uses = self.uses()
        return {t: sum(uses[t][k] * sum(a[0] == "x" for spec in self.block(t, k) for a in spec.axes)
                       for k in range(self.arch.depth))
                for t in range(self.T)}

    def size(self) -> tuple[int, int, int]:
        """``(nodes, bonds, legs)`` of the unrolled network (legs included in nodes)."""
        uses = self.uses()
        nodes, legs = 1, 0
        for t in range(self.T):
            for k in range(self.arch.depth):
                n = uses[t][k]
                specs = self.block(t, k)
                nodes += n * len(specs)
                legs += n * sum(1 for s in specs for a in s.axes if a[0] == "x")
        nodes += legs
        return nodes, nodes - 1, legs


def _at(axis: tuple, t: int) -> tuple:
    """Resolve a block-relative axis (``("h", 0 or -1, k)``, ``("x", 0)``) at step ``t``."""
    if axis[0] == "h":
        return ("h", t + axis[1], axis[2])
    if axis[0] == "x":
        return ("x", t)
    return axis


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
        ``WI``, ``WH``, ``ones``, ``zeros``, ``h0``), the output ``out``, and
        the legs ``x<t>#<copy>``; steps are 0-based. ``network.info`` holds the
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
            f"(it grows like C(T + L, L)); use a smaller T, or tnrank.networks.mincut.min_cut_bound, which "
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
    names, hdim, m = layout.names, layout.hdim, layout.leg_dim
    node_rows: list = []
    bond_rows: list = []
    leg_rows: list[Leg] = []
    copies: dict[tuple[int, int], int] = {}
    leg_copies = [0] * layout.T
    counter = iter(range(10**15))
    stack: list[tuple[int, int, str, str]] = []  # (t, k, parent node, bond name)

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
        stack.append((axis[1], axis[2], node, bond))
        return bond

    out_axes = [attach(a, "out", {}) for a in layout.output_axes()]
    node_rows.append(("out", {"kind": "output", "step": layout.T - 1, "layer": None, "copy": None,
                              "role": "output", "axes": out_axes}))
    for t, k, parent, bond in _drain(stack):
        c = copies.get((t, k), 0)
        copies[(t, k)] = c + 1
        local: dict[str, str] = {}
        local_ends: dict[str, str] = {}
        for spec in layout.block(t, k):
            nid = f"{spec.key}[{t},{names[k]}]#{c}"
            axes = []
            for axis in spec.axes:
                if axis[0] == "up":
                    axes.append(bond)
                    bond_rows.append((bond, parent, nid, hdim[k]))
                    continue
                name = attach(axis, nid, local)
                axes.append(name)
                if axis[0] == "loc":
                    if name in local_ends:
                        bond_rows.append((name, local_ends[name], nid, hdim[k]))
                    else:
                        local_ends[name] = nid
            node_rows.append((nid, {"kind": spec.kind, "step": t, "layer": k, "copy": c,
                                    "role": spec.role, "axes": axes}))
    return node_rows, bond_rows, leg_rows


def _drain(stack: list) -> Iterator:
    while stack:
        yield stack.pop()
