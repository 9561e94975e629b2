"""Min-cut upper bounds on the ranks of tensor-network matricizations.

Split the steps of a network's open legs into a start side ``S`` and an end
side ``E``. Any set ``C`` of bonds whose removal disconnects every ``S`` leg
from every ``E`` leg factors the contraction as a sum over the joint values of
the bonds in ``C`` of (a tensor of the ``S`` legs) × (a tensor of the ``E``
legs): the matricization has rank at most ``∏_{b ∈ C} dim b``. A cut may
sever open legs too (a leg is a bond to its input).

**Why this bounds both ranks of a circuit.** ``y(v_1, …, v_T)`` is the
unrolled network contracted with ``v_t`` (augmented ``(v_t, 1)`` where the
network needs it, see :mod:`tnrank.networks.unrolling`) plugged into *every copy* of the
leg of step ``t``. Cutting ``C`` writes ``y = Σ_c g_c(v_S) h_c(v_E)`` with one
term per joint value ``c`` of the cut bonds, ``g_c`` the ``S`` part contracted
with the ``S`` vectors (all copies of a step lie on its side, a severed leg
contributing the coordinate ``v_t[i]`` as a factor of its own side) and
``h_c`` likewise. That is a separation of ``y`` as a polynomial in the
representation vectors with ``∏ dim`` terms, so the separation rank is at most
the min-cut; the grid matricization is ``[y(s_i, e_j)]`` on template inputs, a
restriction of that sum, so the grid rank is at most the min-cut as well.

Two algorithms:

* :func:`min_cut` works on any network: networkx max-flow on integer
  capacities ``round(2^40 · log2 dim)``, parallel bonds merged, pendant and
  degree-2 tensors eliminated first, open legs as finite edges to the
  source and sink. The product is recomputed exactly over the cut returned.
* :func:`min_cut_bound` gives the same number for an architecture without
  building its network: the unrolled network is a tree whose copies of one
  step-layer block are identical, so a dynamic programme over the ``T × L``
  blocks finds the exact minimum in exact integer arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tnrank.errors import TnrankError
from tnrank.formatting import format_bound, format_steps, json_int
from tnrank.model.architecture import Architecture
from tnrank.model.partition import Partition
from tnrank.networks.blocks import BlockNode
from tnrank.networks.graph import TensorNetwork
from tnrank.networks.unrolling import BlockPlan, unroll
from tnrank.primes import factorize
from tnrank.runtime.memory import paused_gc

__all__ = [
    "min_cut",
    "min_cut_bound",
    "min_cut_log2",
    "MinCut",
    "CutEdge",
    "resolve_partition",
    "METHODS",
    "SCALE",
    "MAX_BOUND_BITS",
]

#: Integer capacities are ``round(SCALE · log2 dim)``.
SCALE = 2**40
@dataclass(frozen=True)
class CutEdge:
    """A bond (or an open leg) crossing the cut."""

    bond: str
    nodes: tuple[Hashable, Hashable]
    dim: int
    leg: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; inverse of :meth:`from_dict`."""
        return {"bond": self.bond, "nodes": list(self.nodes), "dim": self.dim, "leg": self.leg}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CutEdge:
        """The edge written by :meth:`to_dict`."""
        return cls(data["bond"], tuple(data["nodes"]), int(data["dim"]), bool(data.get("leg", False)))


@dataclass(frozen=True)
class MinCut:
    """A minimum cut of a network between two sets of steps.

    Attributes
    ----------
    bound : int
        Product of the dimensions of the cut bonds: an upper bound on the
        rank of the matricization (and, for an unrolled circuit, on its grid
        and separation ranks).
    cut_edges : tuple of CutEdge
        The bonds and legs crossing the cut.
    sides : tuple of frozenset
        Nodes (tensors and open legs) on the start side and on the end side.
    start, end : tuple of int
        The steps on each side.
    """

    bound: int
    cut_edges: tuple[CutEdge, ...]
    sides: tuple[frozenset, frozenset]
    start: tuple[int, ...]
    end: tuple[int, ...]
    #: Sizes of the sides when the node sets were not kept (a cut read from JSON).
    side_sizes: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    @property
    def log2(self) -> float:
        """``log2(bound)``."""
        return math.log2(self.bound)

    def describe(self) -> str:
        """The cut in words: bonds and legs grouped by dimension.

        >>> from tnrank import Architecture
        >>> from tnrank.networks.unrolling import unroll
        >>> min_cut(unroll(Architecture.rac(1, 3, 2), 6), "start-end").describe()
        '3 = 1 bond of dim 3'
        """
        groups: dict[tuple[bool, int], int] = {}
        for e in self.cut_edges:
            if e.dim > 1:
                groups[(e.leg, e.dim)] = groups.get((e.leg, e.dim), 0) + 1
        parts = [f"{n} {'leg' if leg else 'bond'}{'s' if n > 1 else ''} of dim {d}"
                 for (leg, d), n in sorted(groups.items())]
        return f"{format_bound(self.bound)} = " + (" + ".join(parts) if parts else
                                                   "nothing (the sides are disconnected)")

    def __repr__(self) -> str:
        return (f"<MinCut {self.describe()[:200]}; start {format_steps(self.start)[:60]} | end "
                f"{format_steps(self.end)[:60]}>")

    def to_dict(self) -> dict[str, Any]:
        """``bound`` (None above ``2**PRINTABLE_BITS``), ``log2``, ``cut_edges`` (list of
        objects), ``start``, ``end`` and the number of nodes on each side; :meth:`from_dict`
        reads it back (the node sets themselves are not part of the JSON form)."""
        return {
            "bound": json_int(self.bound),
            "log2": round(self.log2, 6),
            "cut_edges": [e.to_dict() for e in self.cut_edges],
            "start": list(self.start),
            "end": list(self.end),
            "side_sizes": list(self.side_sizes) if self.side_sizes is not None and not any(self.sides)
            else [len(self.sides[0]), len(self.sides[1])],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "min-cut") -> MinCut:
        """The cut written by :meth:`to_dict`: bound, cut edges and steps (the JSON form
        leaves out the node sets, so ``sides`` is empty). A bound written as None (too
        large for JSON) is recomputed from the cut edges.

        >>> from tnrank.networks.examples import mps
        >>> cut = min_cut(mps(6, bond=3), "start-end")
        >>> back = MinCut.from_dict(cut.to_dict())
        >>> back.bound, back.cut_edges == cut.cut_edges, back.start
        (3, True, (0, 1, 2))
        """
        try:
            edges = tuple(CutEdge.from_dict(e) for e in data["cut_edges"])
            bound = int(data["bound"]) if data.get("bound") is not None else \
                math.prod(e.dim for e in edges)
            sizes = data.get("side_sizes")
            return cls(bound, edges, (frozenset(), frozenset()), tuple(data["start"]),
                       tuple(data["end"]), None if sizes is None else (int(sizes[0]), int(sizes[1])))
        except (KeyError, TypeError, ValueError) as exc:
            raise TnrankError(f"{source}: not a min-cut written by tnrank ({type(exc).__name__}: "
                              f"{exc})") from None


# ---------------------------------------------------------------- partitions
def resolve_partition(
    network: TensorNetwork,
    start: Partition | str | Iterable[int | str],
    end: Iterable[int | str] | None = None,
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The steps on each side of a bipartition of ``network``'s open legs.

    Parameters
    ----------
    network : TensorNetwork
    start : Partition, str or iterable
        ``"start-end"`` (first half of the steps), ``"interleaved"``, a
        comma-separated list or an iterable of steps and/or leg names (a leg
        name stands for its step).
    end : iterable, optional
        The other side; default every step not in ``start``.

    Returns
    -------
    (start steps, end steps), each sorted.

    Examples
    --------
    >>> from tnrank.networks.examples import mps
    >>> resolve_partition(mps(6), "x0,x1,4")
    ((0, 1, 4), (2, 3, 5))
    """
    if not isinstance(network, TensorNetwork):
        raise TnrankError("min-cut needs a TensorNetwork (see tnrank.unroll or tnrank.load)")
    n = len(network.check_steps())
    legs = {name: leg.step for name, leg in network.legs.items()}
    chosen = Partition.parse(start, n, legs=legs).start
    if end is None:
        taken = set(chosen)
        return chosen, tuple(t for t in range(n) if t not in taken)
    items = [tok.strip() for tok in end.split(",") if tok.strip()] if isinstance(end, str) else list(end)
    other = [legs[i] if isinstance(i, str) and i in legs else i for i in items]
    both = sorted(set(chosen) & {o for o in other if isinstance(o, int)})
    if both:
        leg = network.legs_of(both[0])[0].name
        raise TnrankError(f"step {both[0]} (leg {leg}) is listed on both sides; list each step on "
                          "one side")
    other_part = Partition.parse(other, n, legs=legs)  # checks range and repeats
    neither = sorted(set(range(n)) - set(chosen) - set(other_part.start))
    if neither:
        raise TnrankError(f"step(s) {', '.join(map(str, neither))} are on neither side; list every "
                          "step, or leave the end side out to take the rest")
    return chosen, other_part.start


# ---------------------------------------------------------------- max-flow min-cut
_SOURCE = ("tnrank", "start-terminal")
_SINK = ("tnrank", "end-terminal")


class _Reduced:
    """A simple graph of merged bonds, shrunk by eliminating pendant and degree-2
    tensors; every edge remembers the original bonds it stands for."""

    def __init__(self) -> None:
        self.adj: dict[Hashable, dict[Hashable, int]] = {_SOURCE: {}, _SINK: {}}
        # what cutting an edge costs: (exact product of dims, number of same-step bonds)
        self.cost: list[tuple[int, int]] = []
        self.log: list[tuple] = []

    def new_edge(self, u: Hashable, v: Hashable, cost: tuple[int, int]) -> None:
        old = self.adj[u].get(v)
        if old is not None:  # parallel: merge into one edge whose cut costs both
            cost = (cost[0] * self.cost[old][0], cost[1] + self.cost[old][1])
        eid = len(self.cost)
        self.cost.append(cost)
        self.adj[u][v] = eid
        self.adj[v][u] = eid

    def eliminate(self) -> None:
        adj = self.adj
        queue = [x for x, nbrs in adj.items() if len(nbrs) <= 2 and x not in (_SOURCE, _SINK)]
        while queue:
            x = queue.pop()
            nbrs = adj.get(x)
            if nbrs is None or len(nbrs) > 2:
                continue
            del adj[x]
            if not nbrs:
                self.log.append(("free", x))
                continue
            touched: tuple[Hashable, ...]
            if len(nbrs) == 1:
                (u,) = nbrs
                del adj[u][x]
                self.log.append(("leaf", x, u))
                touched = (u,)
            else:
                (u, e1), (v, e2) = nbrs.items()
                del adj[u][x]
                del adj[v][x]
                self.log.append(("series", x, u, v, e1, e2))
                self.new_edge(u, v, min(self.cost[e1], self.cost[e2]))
                touched = (u, v)
            for y in touched:
                if y not in (_SOURCE, _SINK) and len(adj[y]) <= 2:
                    queue.append(y)

    def side_of_removed(self, side: dict[Hashable, int]) -> None:
        """Place every eliminated tensor consistently with the cut (reverse order)."""
        for entry in reversed(self.log):
            if entry[0] == "free":
                side[entry[1]] = 0
            elif entry[0] == "leaf":
                side[entry[1]] = side[entry[2]]
            else:
                _, x, u, v, e1, e2 = entry
                if side[u] == side[v]:
                    side[x] = side[u]
                else:  # the cheaper of the two edges is cut: x sits with the other end
                    side[x] = side[v] if self.cost[e1] <= self.cost[e2] else side[u]


#: How :func:`min_cut_bound` finds the value: ``auto`` (the dynamic programme for an
#: architecture, max-flow for a network), ``dynamic-programme`` or ``max-flow``.
METHODS = ("auto", "dynamic-programme", "max-flow")


def min_cut(
    network: TensorNetwork | Architecture,
    start: Partition | str | Iterable[int | str],
    end: Iterable[int | str] | None = None,
    *,
    T: int | None = None,
) -> MinCut:
    """Minimum cut between the open legs of two sets of steps, found by max-flow.

    The one entry point for cuts: give a network, or an architecture and ``T`` (it is
    unrolled first). For the value alone, :func:`min_cut_bound` takes the same arguments
    and, for an architecture, needs no network at all.

    Parameters
    ----------
    network : TensorNetwork or Architecture
    start : Partition, str or iterable
        Start-side steps (see :func:`resolve_partition`).
    end : iterable, optional
        End-side steps; default the rest.
    T : int, optional
        Sequence length, for an architecture.

    Returns
    -------
    MinCut
        ``bound`` is the exact product of the dimensions of the returned cut
        edges. The cut minimizes ``Σ round(2^40 log2 dim)`` (ties go to cuts
        through fewer bonds inside one step): it is exactly minimal whenever
        the minimum is below ``2^40`` divided by the number of bonds and legs,
        and minimal up to that rounding otherwise. Sides that are not
        connected give bound 1.

    Examples
    --------
    >>> from tnrank import Architecture
    >>> from tnrank.networks.unrolling import unroll
    >>> cut = min_cut(unroll(Architecture.rac(depth=2, width=3, M=3), T=6), "start-end")
    >>> cut.bound, cut.describe()
    (81, '81 = 4 bonds of dim 3')
    >>> from tnrank.networks.examples import lattice_2d
    >>> min_cut(lattice_2d(3, 3, bond=2), [0, 1, 2]).bound     # first row of a 3x3 PEPS
    8
    >>> min_cut(Architecture.rac(depth=2, width=3, M=3), "start-end", T=6).bound
    81
    """
    if isinstance(network, Architecture):
        if T is None:
            T = start.T if isinstance(start, Partition) else None
        if T is None:
            raise TnrankError("give `T` to cut an architecture (it is unrolled over T steps)")
        network = unroll(network, T)
    elif T is not None and T != len(network.steps):
        raise TnrankError(f"the network has {len(network.steps)} steps, but T={T} was given")
    import networkx as nx  # on first use: the dynamic programme needs no graph library
    from networkx.algorithms.flow import boykov_kolmogorov

    s_steps, e_steps = resolve_partition(network, start, end)
    side_of_step = dict.fromkeys(s_steps, 0) | dict.fromkeys(e_steps, 1)
    graph = network.graph
    with paused_gc():
        red = _Reduced()
        for n in network.tensors:
            red.adj[n] = {}
        bonds = list(network.bonds.values())
        step = dict(graph.nodes(data="step"))
        for b in bonds:
            if b.dim > 1:
                u, v = b.nodes
                red.new_edge(u, v, (b.dim, int(step[u] is not None and step[u] == step[v])))
        for leg in network.legs.values():
            if leg.dim > 1:
                terminal = _SOURCE if side_of_step[leg.step] == 0 else _SINK
                red.new_edge(leg.tensor, terminal, (leg.dim, int(step[leg.tensor] == leg.step)))
        red.eliminate()
        # ties between equal products go to cuts through fewer bonds joining nodes of one
        # step (for unrolled circuits: cuts along the time boundary rather than inside a step)
        weight = len(bonds) + len(network.legs) + 1
        flow = nx.Graph()
        flow.add_nodes_from(red.adj)
        flow.add_edges_from(
            (u, v, {"capacity": round(SCALE * math.log2(red.cost[e][0])) * weight + red.cost[e][1]})
            for u, nbrs in red.adj.items() for v, e in nbrs.items()
        )
        _value, (reach, _rest) = nx.minimum_cut(flow, _SOURCE, _SINK, flow_func=boykov_kolmogorov)
        side = {x: (0 if x in reach else 1) for x in red.adj}
        red.side_of_removed(side)
        for leg in network.legs.values():
            side[leg.name] = side_of_step[leg.step]
        cut: list[CutEdge] = []
        for b in bonds:
            if side[b.nodes[0]] != side[b.nodes[1]]:
                cut.append(CutEdge(b.name, b.nodes, b.dim))
        for leg in network.legs.values():
            if side[leg.tensor] != side[leg.name]:
                cut.append(CutEdge(leg.name, (leg.name, leg.tensor), leg.dim, leg=True))
        start_nodes = frozenset(x for x in graph if side[x] == 0)
        end_nodes = frozenset(x for x in graph if side[x] == 1)
    bound = math.prod(e.dim for e in cut)
    return MinCut(bound, tuple(cut), (start_nodes, end_nodes), s_steps, e_steps)


# ---------------------------------------------------------------- architectures
#: Largest min-cut (in bits) that :func:`min_cut_bound` writes out as an integer.
MAX_BOUND_BITS = 2**24


def min_cut_bound(
    architecture: Architecture | TensorNetwork,
    partition: Partition | str,
    T: int | None = None,
    *,
    method: str = "auto",
) -> int:
    """The min-cut value of an architecture unrolled over ``T`` steps (or of a network).

    With an architecture, ``method="auto"`` (or ``"dynamic-programme"``) finds it
    without building the network; ``"max-flow"`` unrolls it and runs :func:`min_cut`
    (the two agree: the tests check it). With a network, max-flow is the method.

    Every copy of a step-layer block is the same tree hanging from one bond,
    so the cheapest way to cut a copy given the side of its root depends on
    the block only: a dynamic programme over the ``T × L`` blocks gives the
    minimum over all cuts of the unrolled tree, exactly (products are kept as
    exponents of primes, compared by their logarithms and, on near-ties,
    as integers). It equals ``min_cut(unroll(architecture, T), partition).bound``
    and bounds both the grid rank and the separation rank (see the module
    notes). Results are cached.

    Parameters
    ----------
    architecture : Architecture or TensorNetwork
    partition : Partition or str
        A :class:`~tnrank.model.partition.Partition`, or a specification with ``T``.
    T : int, optional
        Sequence length, when ``partition`` is a string.
    method : {"auto", "dynamic-programme", "max-flow"}

    Returns
    -------
    int
        Raises :class:`~tnrank.errors.TnrankError` beyond ``2**MAX_BOUND_BITS``;
        :func:`min_cut_log2` has no limit.

    Examples
    --------
    >>> from tnrank import Architecture, Partition
    >>> min_cut_bound(Architecture.rac(1, 3, 2), Partition.parse("start-end", 8))   # min{R, M^(T/2)}
    3
    >>> min_cut_bound(Architecture.rac(3, 2, 2), "start-end", T=64).bit_length() - 1
    560
    >>> min_cut_bound(Architecture.rac(2, 3, 2), "start-end", T=8, method="max-flow")
    162
    """
    if method not in METHODS:
        raise TnrankError(f"min-cut method {method!r} is unknown; use one of {', '.join(METHODS)}")
    if isinstance(architecture, TensorNetwork):
        if method == "dynamic-programme":
            raise TnrankError("the dynamic programme works on an architecture's block plan; a "
                              "network's min-cut comes from max-flow (`method='max-flow'`)")
        return min_cut(architecture, partition, T=T).bound
    if method == "max-flow":
        arch, part = _arch_part(architecture, partition, T)
        return min_cut(arch, part).bound
    dp = _min_cut_dp(*_arch_part(architecture, partition, T))
    bits = dp.log2()
    if bits > MAX_BOUND_BITS:
        raise TnrankError(f"the min-cut is 2^{bits:,.1f}, too large to write out as an integer; use "
                          "tnrank.networks.mincut.min_cut_log2")
    return dp.exact()


def min_cut_log2(architecture: Architecture, partition: Partition | str, T: int | None = None) -> float:
    """``log2`` of :func:`min_cut_bound`, for any size.

    >>> from tnrank import Architecture
    >>> round(min_cut_log2(Architecture.rac(6, 3, 5), "start-end", T=200))
    152756538
    """
    return _min_cut_dp(*_arch_part(architecture, partition, T)).log2()


def _arch_part(architecture: Architecture, partition: Partition | str, T: int | None):
    if not isinstance(architecture, Architecture):
        raise TnrankError("min_cut_bound needs an Architecture (e.g. Architecture.rac(depth, width, M))")
    if isinstance(partition, Partition):
        if T is not None and T != partition.T:
            raise TnrankError(f"partition is for T={partition.T}, but T={T} was asked for")
        return architecture, partition
    if T is None:
        raise TnrankError("give T with a partition written as text, or pass a Partition")
    return architecture, Partition.parse(partition, T)


class _Product:
    """A product of prime powers: exponents over a list of primes; its log2 and value."""

    __slots__ = ("exps", "primes")

    def __init__(self, exps: tuple[int, ...], primes: tuple[int, ...]) -> None:
        self.exps, self.primes = exps, primes

    def log2(self) -> float:
        return math.fsum(e * math.log2(p) for p, e in zip(self.primes, self.exps, strict=True))

    def exact(self) -> int:
        return math.prod(p**e for p, e in zip(self.primes, self.exps, strict=True))


#: Largest unrolled network (log2 of its number of bonds) whose min-cut is computed: beyond it
#: the logarithms of products of its dimensions would pass the range of a float.
MAX_NETWORK_BITS = 900


class _Arith:
    """Exact products of bond dimensions with fast comparisons.

    A product is a pair ``(log2, packed)``: its logarithm, accumulated as products are formed
    (for ordering), and its exponents over the primes of the dimensions packed into one
    integer, ``width`` bits each, so that a product of products is a sum of integers. No
    exponent reaches ``2**width``: ``width`` is chosen from the number of bonds a product can
    span. Logarithms that differ by less than a part in 10⁹ are compared exactly, by the
    exponents.
    """

    def __init__(self, dims: set[int], bonds: int) -> None:
        if bonds.bit_length() > MAX_NETWORK_BITS:
            raise TnrankError(f"the unrolled network has about 2^{bonds.bit_length() - 1:,} bonds; "
                              "its min-cut is too large to compute (copies of duplicated "
                              "sub-networks grow exponentially with T here): use a smaller T")
        self.primes = tuple(sorted({p for d in dims for p in factorize(d)}))
        self.width = (32 * bonds).bit_length() + 1  # a dimension below 2^31 has < 32 prime factors
        self.mask = (1 << self.width) - 1
        self.of = {d: (math.log2(d), sum(factorize(d).get(p, 0) << (self.width * j)
                                         for j, p in enumerate(self.primes))) for d in dims}

    def exps(self, a: tuple[float, int]) -> tuple[int, ...]:
        return tuple((a[1] >> (self.width * j)) & self.mask for j in range(len(self.primes)))

    def result(self, a: tuple[float, int]) -> _Product:
        return _Product(self.exps(a), self.primes)

    def min(self, a: tuple[float, int], b: tuple[float, int]) -> tuple[float, int]:
        if a[1] == b[1]:
            return a
        gap = a[0] - b[0]
        if abs(gap) > 1e-9 * max(1.0, a[0], b[0]):
            return a if gap < 0 else b
        # a near-tie between different products: decide with integers
        num = math.prod(p ** (x - y) for p, x, y in zip(self.primes, self.exps(a), self.exps(b),
                                                        strict=True) if x > y)
        den = math.prod(p ** (y - x) for p, x, y in zip(self.primes, self.exps(a), self.exps(b),
                                                        strict=True) if y > x)
        return a if num <= den else b


@lru_cache(maxsize=512)
def _min_cut_dp(arch: Architecture, part: Partition) -> _Product:
    with paused_gc():  # many small objects: keep the collector off a large live heap
        return _dynamic_programme(arch, part)


def _dynamic_programme(arch: Architecture, part: Partition) -> _Product:
    """The minimum over all cuts of the unrolled tree, block by block: ``best[block]`` is the
    cheapest cut of one copy of the block's subtree with its root on the start side (0) or the
    end side (1); a bond to a child block is either kept (the child's root on the same side)
    or cut (its dimension paid, the child's root on the other side)."""
    layout = BlockPlan(arch, part.T)
    side = [part.side_of(t) for t in range(part.T)]
    _nodes, bonds, _legs = layout.size()
    ar = _Arith({layout.leg_dim, *layout.dims.values(), *layout.local_dims()}, bonds)
    of, smaller = ar.of, ar.min
    dim_of = {key: of[d] for key, d in layout.dims.items()}  # (layer, value) -> its product
    leg = of[layout.leg_dim]
    best: dict[tuple, tuple[tuple[float, int], tuple[float, int]]] = {}

    def costs(node, children: dict) -> tuple[tuple[float, int], tuple[float, int]]:
        """The cheapest cut of the subtree of ``node`` with ``node`` on side 0 and on side 1."""
        l0, p0, l1, p1 = 0.0, 0, 0.0, 0
        for axis in node.axes[1:]:
            tag = axis[0]
            if tag == "x":
                if side[axis[1]]:
                    l0, p0 = l0 + leg[0], p0 + leg[1]
                else:
                    l1, p1 = l1 + leg[0], p1 + leg[1]
                continue
            if tag == "h":
                c0, c1 = best[axis[1:]]
                d = dim_of[axis[2:]]
            else:
                c0, c1 = costs(children[axis[1]], children)
                d = of[axis[2]]
            a = smaller(c0, (c1[0] + d[0], c1[1] + d[1]))  # this node on side 0
            b = smaller(c1, (c0[0] + d[0], c0[1] + d[1]))  # on side 1
            l0, p0, l1, p1 = l0 + a[0], p0 + a[1], l1 + b[0], p1 + b[1]
        return (l0, p0), (l1, p1)

    block = layout.block
    for key in layout.order():
        nodes = block(*key)
        best[key] = costs(nodes[0], {n.axes[0][1]: n for n in nodes[1:]} if len(nodes) > 1 else {})
    ends = costs(BlockNode("out", "output", "output", (("up",), *layout.output_axes())), {})
    return ar.result(smaller(*ends))
