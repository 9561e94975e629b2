r"""Tensor networks as graphs: tensors with kinds, bonds with dimensions, open legs with steps.

A :class:`TensorNetwork` is a ``networkx.MultiGraph`` with bookkeeping.
Every tensor is a node; every bond is an edge whose key is the bond's name and
whose ``dim`` attribute is its dimension. Every *open leg* is a node of kind
``"input"`` joined to its tensor by one bond: contracting the network plugs a
vector into each input node. Legs carry a *step*: legs that share a step are
copies of one input (a deep recurrent network reads :math:`x^t` many times), and
bipartitions of a network split its steps.

Node attributes (``network.graph.nodes[n]``):

``kind``
    ``"input"`` (open leg), ``"weight"`` (:math:`W^I` or :math:`W^H`, or a cell's weight),
    ``"delta"`` (copy tensor of :math:`\odot`), ``"merge"`` (additive / general integration,
    a cell's sum), ``"initial"`` (initial vector), ``"output"`` (:math:`w^O`) or
    ``"tensor"`` (a user's tensor, or another operation of a cell: an outer product, a matrix
    times a vector, a gating).
``step``, ``layer``, ``copy``
    Time step (0-based), layer index (0-based) and which copy of a duplicated
    sub-network the node belongs to; None where they do not apply.
``role``
    Finer kind: ``"input"`` / ``"hidden"`` for weights, the integration for
    merges, ``"ones"`` / ``"zeros"`` / ``"state"`` for initial vectors; for a cell, the
    operation (``"apply"``, ``"mul"``, ``"add"``, ``"outer"``, ...; see
    :mod:`tnrank.networks.blocks`).
``axes``
    The node's bonds in the order of its tensor's axes.

The plain-dict form (:meth:`TensorNetwork.to_dict`, :meth:`TensorNetwork.from_dict`;
written as JSON or TOML by :mod:`tnrank.files.network_file`) lists nodes,
bonds with dimensions and open legs; legs are numbered by position and that
number is their step unless they give one::

    {"name": "mps-3",
     "nodes": ["A0", "A1", "A2"],
     "bonds": [["A0", "A1", 2], {"nodes": ["A1", "A2"], "dim": 2, "name": "b12"}],
     "legs":  [["A0", 2], ["A1", 2], {"node": "A2", "dim": 2, "name": "s2"}]}
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tnrank.errors import TnrankError, whole_number
from tnrank.formatting import format_steps

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["TensorNetwork", "Leg", "Bond", "KINDS", "NETWORK_FORMAT", "MAX_DIM", "MAX_FILE_ENTRIES"]

#: Node kinds; ``"input"`` nodes are open legs and are made by :meth:`TensorNetwork.add_leg`.
KINDS = ("input", "weight", "delta", "merge", "initial", "output", "tensor")
#: Largest bond dimension accepted (larger is almost surely a typo).
MAX_DIM = 2**31
#: Most entries (nodes, bonds and legs together) of a network read from a file, counted before
#: the network is built: building takes tens of microseconds per entry, so a file at this
#: limit loads in seconds (an unrolled depth-3 RAC at ``T = 64``, 189,473 nodes, fits).
MAX_FILE_ENTRIES = 600_000

_NODE_KEYS = {"name", "kind", "step", "layer", "copy", "role"}
_BOND_KEYS = {"nodes", "dim", "name"}
_LEG_KEYS = {"node", "dim", "name", "step", "copy"}
_TOP_KEYS = {"format", "name", "description", "nodes", "bonds", "legs"}
NETWORK_FORMAT = "tnrank-network/1"


@dataclass(frozen=True)
class Bond:
    """A bond between two tensors: its name, its two nodes and its dimension."""

    name: str
    nodes: tuple[Hashable, Hashable]
    dim: int


@dataclass(frozen=True)
class Leg:
    """An open leg.

    Attributes
    ----------
    name : str
        The leg's name; also the name of its ``"input"`` node and of its bond.
    tensor : str or int
        The tensor the leg belongs to.
    dim : int
        Dimension of the vectors plugged into it.
    step : int
        Which input it takes; legs sharing a step are copies of one input.
    copy : int or None
        Index of this copy among the legs of its step.
    """

    name: str
    tensor: Hashable
    dim: int
    step: int
    copy: int | None = None


def _check_dim(dim: object, what: str) -> int:
    return whole_number(dim, f"{what}: dimension", MAX_DIM)


def _check_name(name: object, what: str) -> Hashable:
    if isinstance(name, bool) or not isinstance(name, (str, int)):
        raise TnrankError(f"{what} must be a string or an integer, got {name!r}")
    if isinstance(name, str) and not name:
        raise TnrankError(f"{what} is empty; give it a name")
    return name


class TensorNetwork:
    """A tensor network: a networkx multigraph of tensors, bonds and open legs.

    Parameters
    ----------
    name, description : str
        Shown in summaries and saved with the network.

    Attributes
    ----------
    graph
        A ``networkx.MultiGraph``. Nodes are tensors and open legs (see the module notes for their
        attributes); edges are bonds, keyed by bond name, with ``dim``.
    info : dict
        Extra facts set by builders (for unrolled circuits: the
        architecture, ``T`` and whether vectors are augmented).

    Examples
    --------
    >>> from tnrank.networks.graph import TensorNetwork
    >>> net = TensorNetwork("two sites")
    >>> for n in ("A", "B"):
    ...     _ = net.add_node(n)
    >>> net.add_bond("A", "B", 3)
    'b0'
    >>> [leg.name for leg in (net.add_leg("A", 2), net.add_leg("B", 2))]
    ['x0', 'x1']
    >>> net.shape("A"), net.steps
    ((3, 2), (0, 1))
    """

    def __init__(self, name: str = "", description: str = "") -> None:
        self.name = name
        self.description = description
        import networkx  # imported on first use: `import tnrank` stays light

        self.graph: nx.MultiGraph = networkx.MultiGraph()
        self.info: dict[str, Any] = {}
        self._bonds: dict[str, Bond] = {}
        self._legs: dict[str, Leg] = {}
        self._step_dims: dict[int, int] = {}
        self._step_count: Counter[int] = Counter()

    # ------------------------------------------------------------------ building
    def add_node(
        self,
        node: Hashable,
        kind: str = "tensor",
        *,
        step: int | None = None,
        layer: int | None = None,
        copy: int | None = None,
        role: str | None = None,
    ) -> Hashable:
        """Add a tensor; its axes are the bonds and legs later attached, in order.

        Parameters
        ----------
        node : str or int
            Unique name.
        kind : str
            One of :data:`KINDS` other than ``"input"``.
        step, layer, copy, role
            Optional labels (see the module notes).

        Returns
        -------
        The node name.
        """
        node = _check_name(node, "node name")
        if kind not in KINDS or kind == "input":
            allowed = ", ".join(k for k in KINDS if k != "input")
            raise TnrankError(f"node {node!r}: kind {kind!r} is unknown; use one of {allowed} "
                              "(open legs are added with add_leg)")
        if node in self.graph:
            raise TnrankError(f"node {node!r} is defined twice; give every node its own name")
        for what, value in (("step", step), ("layer", layer), ("copy", copy)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise TnrankError(f"node {node!r}: {what} must be a whole number >= 0, got {value!r}")
        self.graph.add_node(node, kind=kind, step=step, layer=layer, copy=copy, role=role, axes=[])
        return node

    def add_bond(self, u: Hashable, v: Hashable, dim: int, name: str | None = None) -> str:
        """Join tensors ``u`` and ``v`` by a bond of dimension ``dim``.

        Parallel bonds (several between the same two tensors) are allowed.

        Returns
        -------
        str
            The bond's name (``"b<k>"`` unless given).
        """
        what = f"bond {name!r}" if name is not None else f"bond {u!r}-{v!r}"
        dim = _check_dim(dim, what)
        for end in (u, v):
            if end not in self.graph:
                raise TnrankError(f"{what} refers to unknown node {end!r}; define the node first")
            if self.graph.nodes[end]["kind"] == "input":
                raise TnrankError(f"{what} ends at open leg {end!r}; a leg belongs to one tensor only")
        if u == v:
            raise TnrankError(f"{what} joins node {u!r} to itself; traces are not supported")
        if name is None:
            name = f"b{len(self._bonds)}"
            while name in self._bonds or name in self._legs:
                name += "'"
        elif not isinstance(name, str) or not name:
            raise TnrankError(f"bond name must be a non-empty string, got {name!r}")
        if name in self._bonds or name in self._legs:
            raise TnrankError(f"bond name {name!r} is used twice; give every bond its own name")
        self._bonds[name] = Bond(name, (u, v), dim)
        self.graph.add_edge(u, v, key=name, dim=dim)
        self.graph.nodes[u]["axes"].append(name)
        self.graph.nodes[v]["axes"].append(name)
        return name

    def add_leg(
        self,
        node: Hashable,
        dim: int,
        name: str | None = None,
        step: int | None = None,
        copy: int | None = None,
    ) -> Leg:
        """Give tensor ``node`` an open leg of dimension ``dim``.

        Parameters
        ----------
        node : str or int
            The tensor.
        dim : int
        name : str, optional
            Default ``"x<position>"``.
        step : int, optional
            The input this leg takes; default its position among the legs.
            Legs with the same step are copies of one input and must have the
            same dimension.
        copy : int, optional
            Index among the copies of the step (default: how many came before).

        Returns
        -------
        Leg
        """
        position = len(self._legs)
        if name is None:
            name = f"x{position}"
        elif not isinstance(name, str) or not name:
            raise TnrankError(f"leg name must be a non-empty string, got {name!r}")
        dim = _check_dim(dim, f"leg {name!r}")
        if node not in self.graph:
            raise TnrankError(f"leg {name!r} refers to unknown node {node!r}; define the node first")
        if self.graph.nodes[node]["kind"] == "input":
            raise TnrankError(f"leg {name!r} is attached to open leg {node!r}; attach it to a tensor")
        if name in self.graph or name in self._legs or name in self._bonds:
            raise TnrankError(f"leg name {name!r} is already used by a node, leg or bond; rename it")
        step = position if step is None else step
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise TnrankError(f"leg {name!r}: step must be a whole number >= 0, got {step!r}")
        if step in self._step_dims and self._step_dims[step] != dim:
            raise TnrankError(
                f"leg {name!r} has dimension {dim} but other legs of step {step} have "
                f"{self._step_dims[step]}; copies of one input need one dimension"
            )
        copy = self._step_count[step] if copy is None else copy
        leg = Leg(name, node, dim, step, copy)
        self._legs[name] = leg
        self._step_dims[step] = dim
        self._step_count[step] += 1
        self.graph.add_node(name, kind="input", step=step, layer=None, copy=copy, role=None,
                            axes=[name])
        self.graph.add_edge(name, node, key=name, dim=dim)
        self.graph.nodes[node]["axes"].append(name)
        return leg

    def _bulk(self, nodes: list, bonds: list, legs: list) -> None:
        """Add pre-validated nodes ``(name, attrs)``, bonds ``(name, u, v, dim)`` and legs
        (:class:`Leg`) in one go; builders use this to stay fast on large networks."""
        for leg in legs:
            self._legs[leg.name] = leg
            self._step_dims.setdefault(leg.step, leg.dim)
            self._step_count[leg.step] += 1
        nodes = list(nodes) + [
            (leg.name, {"kind": "input", "step": leg.step, "layer": None, "copy": leg.copy,
                        "role": None, "axes": [leg.name]})
            for leg in legs
        ]
        edges = [(name, u, v, dim) for name, u, v, dim in bonds]
        self._bonds.update((name, Bond(name, (u, v), dim)) for name, u, v, dim in edges)
        edges += [(leg.name, leg.name, leg.tensor, leg.dim) for leg in legs]
        g = self.graph
        if type(g).__name__ == "MultiGraph" and g.number_of_nodes() == 0 and _plain_factories(g):
            # a fresh multigraph: fill networkx's documented dict-of-dict-of-dict-of-dict
            # structure directly (add_edges_from costs ~10 µs an edge on large networks)
            node, adj = g._node, g._adj
            for n, attrs in nodes:
                node[n] = attrs
                adj[n] = {}
            for name, u, v, dim in edges:
                keydict = adj[u].get(v)
                if keydict is None:
                    keydict = adj[u][v] = adj[v][u] = {}
                keydict[name] = {"dim": dim}
            import networkx

            clear = getattr(networkx, "_clear_cache", None)
            if clear is not None:
                clear(g)
        else:  # pragma: no cover - only for graphs with custom factories
            g.add_nodes_from(nodes)
            g.add_edges_from((u, v, name, {"dim": dim}) for name, u, v, dim in edges)

    # ------------------------------------------------------------------ inspection
    @property
    def tensors(self) -> list[Hashable]:
        """Tensor nodes (every node but the open legs), in insertion order."""
        return [n for n, k in self.graph.nodes(data="kind") if k != "input"]

    @property
    def bonds(self) -> dict[str, Bond]:
        """Bonds between tensors, by name (legs are in :attr:`legs`)."""
        return self._bonds

    @property
    def legs(self) -> dict[str, Leg]:
        """Open legs by name, in the order they were added."""
        return self._legs

    @property
    def steps(self) -> tuple[int, ...]:
        """The steps of the open legs, sorted."""
        return tuple(sorted(self._step_dims))

    def step_dim(self, step: int) -> int:
        """Dimension of the legs of ``step``."""
        if step not in self._step_dims:
            raise TnrankError(f"the network has no leg at step {step}; steps are "
                              f"{format_steps(self.steps, sep=', ')}")
        return self._step_dims[step]

    def legs_of(self, step: int) -> list[Leg]:
        """The copies of ``step``'s leg."""
        return [leg for leg in self._legs.values() if leg.step == step]

    def copies(self) -> dict[int, int]:
        """How many legs each step has (``T - t`` in a depth-2 RAC, 0-based ``t``)."""
        return {s: self._step_count[s] for s in self.steps}

    def axes(self, node: Hashable) -> tuple[str, ...]:
        """Bond (and leg) names of ``node`` in the order of its tensor's axes."""
        if node not in self.graph:
            raise TnrankError(f"unknown node {node!r}")
        return tuple(self.graph.nodes[node]["axes"])

    def dim(self, bond: str) -> int:
        """Dimension of a bond or leg, by name."""
        if bond in self._bonds:
            return self._bonds[bond].dim
        if bond in self._legs:
            return self._legs[bond].dim
        raise TnrankError(f"unknown bond {bond!r}")

    def shape(self, node: Hashable) -> tuple[int, ...]:
        """Shape of ``node``'s tensor."""
        return tuple(self.dim(b) for b in self.axes(node))

    def node_arrays(self, tensors: Mapping[Hashable, Any],
                    convert: Callable[[Any, str], Any] | None = None) -> list[Any]:
        """One array per tensor node, in the order of :attr:`tensors`, each checked against the
        dimensions of its bonds: the one check of user tensors before any contraction or export.

        Parameters
        ----------
        tensors : mapping node -> array
            Axes in the order of :meth:`axes`.
        convert : callable, optional
            ``convert(value, what)`` turns each value into an array (and checks its entries);
            default ``numpy.asarray``.

        Raises
        ------
        TnrankError
            For a node without a tensor, or a tensor of another shape.

        Examples
        --------
        >>> from tnrank.networks.examples import mps
        >>> net = mps(2, bond=3)
        >>> [a.shape for a in net.node_arrays({"A0": [[0, 0]] * 3, "A1": [[1, 1]] * 3})]
        [(3, 2), (3, 2)]
        >>> net.node_arrays({"A0": [[0, 0]] * 3, "A1": [[1, 1]] * 2})
        Traceback (most recent call last):
        ...
        tnrank.errors.TnrankError: tensor of node 'A1' has shape (2, 2), but its bonds need (3, 2)
        """
        if convert is None:
            import numpy as np  # the graph itself needs no numpy

            def convert(value: Any, _what: str) -> Any:
                return np.asarray(value)

        out = []
        for node in self.tensors:
            if node not in tensors:
                raise TnrankError(f"no tensor given for node {node!r}")
            arr = convert(tensors[node], f"tensor of node {node!r}")
            if arr.shape != self.shape(node):
                raise TnrankError(f"tensor of node {node!r} has shape {arr.shape}, but its bonds "
                                  f"need {self.shape(node)}")
            out.append(arr)
        return out

    def kinds(self) -> dict[str, int]:
        """How many nodes of each kind."""
        return dict(Counter(k for _, k in self.graph.nodes(data="kind")))

    def summary(self) -> str:
        """One line: name, counts of tensors, bonds, legs and steps, and kinds.

        >>> from tnrank.networks.examples import mps
        >>> mps(4, bond=3).summary()
        'mps-4: 4 tensors, 3 bonds, 4 open legs over 4 steps; tensor 4'
        """
        kinds = ", ".join(f"{k} {n}" for k, n in self.kinds().items() if k != "input")
        return (f"{self.name or 'network'}: {len(self.tensors)} tensors, {len(self._bonds)} bonds, "
                f"{len(self._legs)} open legs over {len(self._step_dims)} steps; {kinds}")

    def check_steps(self) -> tuple[int, ...]:
        """The steps, after checking they are ``0..n-1`` with none missing and ``n >= 2``."""
        steps = self.steps
        if steps != tuple(range(len(steps))):
            # the first gap, found without building range(largest step)
            missing = [next((i for i, s in enumerate(steps) if s != i), len(steps))] if steps else [0]
            raise TnrankError(
                f"leg steps must be numbered 0..n-1 with none missing; step {missing[0]} has no "
                "leg (give every leg a step, or leave steps out to number legs by position)"
            )
        if len(steps) < 2:
            raise TnrankError(f"the network has {len(steps)} step(s); a bipartition needs two or more")
        return steps

    def log2_size(self) -> float:
        """log2 of the number of entries of the full tensor over all open legs."""
        return sum(math.log2(leg.dim) for leg in self._legs.values())

    def __repr__(self) -> str:
        text = self.summary()
        return f"<TensorNetwork {text if len(text) <= 300 else text[:297] + '...'}>"

    # ------------------------------------------------------------------ export
    def to_einsum(self, tensors: Mapping[Hashable, Any]) -> tuple[str, list[tuple[int, ...]], list]:
        """The contraction as ``(equation, shapes, arrays)`` for any einsum engine
        (:func:`tnrank.networks.export.to_einsum`): one operand per tensor node, the open
        legs as the output in the order of :attr:`legs`."""
        from tnrank.networks.export import to_einsum  # opt_einsum on demand

        return to_einsum(self, tensors)

    def to_quimb(self, tensors: Mapping[Hashable, Any]) -> Any:
        """The network as a ``quimb.tensor.TensorNetwork`` with these tensors
        (:func:`tnrank.networks.export.to_quimb`; quimb is optional)."""
        from tnrank.networks.export import to_quimb  # optional

        return to_quimb(self, tensors)

    # ------------------------------------------------------------------ plain-dict form
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (the file format); inverse of :meth:`from_dict`."""
        nodes = []
        for n in self.tensors:
            attrs = self.graph.nodes[n]
            entry: dict[str, Any] = {"name": n}
            for key in ("kind", "step", "layer", "copy", "role"):
                value = attrs.get(key)
                if value is not None and not (key == "kind" and value == "tensor"):
                    entry[key] = value
            nodes.append(entry if len(entry) > 1 else n)
        bonds = [{"nodes": list(b.nodes), "dim": b.dim, "name": b.name} for b in self._bonds.values()]
        legs = []
        for leg in self._legs.values():
            entry = {"node": leg.tensor, "dim": leg.dim, "name": leg.name, "step": leg.step}
            if leg.copy is not None:
                entry["copy"] = leg.copy
            legs.append(entry)
        out: dict[str, Any] = {"format": NETWORK_FORMAT, "name": self.name}
        if self.description:
            out["description"] = self.description
        out.update(nodes=nodes, bonds=bonds, legs=legs)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "network") -> TensorNetwork:
        """Build a network from the file format (see the module notes).

        Every problem is reported in one line naming ``source`` and the entry.
        """
        if not isinstance(data, Mapping):
            raise TnrankError(f"{source}: expected an object with nodes, bonds and legs")
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise TnrankError(f"{source}: unknown key(s) {', '.join(map(repr, unknown))}; "
                              f"allowed are {', '.join(sorted(_TOP_KEYS))}")
        fmt = data.get("format", NETWORK_FORMAT)
        if fmt != NETWORK_FORMAT:
            raise TnrankError(f"{source}: format {fmt!r} is not {NETWORK_FORMAT!r}")
        for key in ("nodes", "legs"):
            if key not in data:
                raise TnrankError(f"{source}: the {key!r} list is missing")
        net = cls(str(data.get("name", "")), str(data.get("description", "")))
        lists = {k: data.get(k, []) for k in ("nodes", "bonds", "legs")}
        for key, value in lists.items():
            if not isinstance(value, list):
                raise TnrankError(f"{source}: {key!r} must be a list")
        entries = sum(len(value) for value in lists.values())
        if entries > MAX_FILE_ENTRIES:
            counts = ", ".join(f"{len(value):,} {key}" for key, value in lists.items())
            raise TnrankError(f"{source}: {entries:,} entries ({counts}), more than tnrank's limit "
                              f"of {MAX_FILE_ENTRIES:,} for a network file")
        for key, add in (("nodes", _add_node_entry), ("bonds", _add_bond_entry),
                         ("legs", _add_leg_entry)):
            for i, entry in enumerate(lists[key]):
                where = f"{source}: {key}[{i}]"
                try:
                    add(net, entry, where)
                except TnrankError as exc:
                    msg = str(exc)
                    raise TnrankError(msg if msg.startswith(source) else f"{where}: {msg}") from None
        isolated = [n for n in net.tensors if not net.graph.nodes[n]["axes"]]
        if isolated:
            raise TnrankError(f"{source}: node {isolated[0]!r} has no bonds and no legs; connect "
                              "it or remove it")
        if not net.legs:
            raise TnrankError(f"{source}: the network has no open legs; list them under 'legs'")
        return net

    # ------------------------------------------------------------------ comparison
    def same_structure(self, other: TensorNetwork) -> bool:
        """True when both networks have the same nodes (with attributes), bonds and legs."""
        if not isinstance(other, TensorNetwork):
            return False
        a, b = self.to_dict(), other.to_dict()
        return all(a[k] == b[k] for k in ("nodes", "bonds", "legs"))


def _add_node_entry(net: TensorNetwork, entry: Any, where: str) -> None:
    if isinstance(entry, Mapping):
        _check_keys(entry, _NODE_KEYS, where, required=("name",))
        net.add_node(entry["name"], entry.get("kind", "tensor"), step=entry.get("step"),
                     layer=entry.get("layer"), copy=entry.get("copy"), role=entry.get("role"))
    else:
        net.add_node(entry)


def _add_bond_entry(net: TensorNetwork, entry: Any, where: str) -> None:
    if isinstance(entry, Mapping):
        _check_keys(entry, _BOND_KEYS, where, required=("nodes", "dim"))
        ends, dim, name = entry["nodes"], entry["dim"], entry.get("name")
    elif isinstance(entry, list) and len(entry) == 3:
        ends, dim, name = entry[:2], entry[2], None
    else:
        raise TnrankError(f"{where}: write a bond as [node, node, dim] or "
                          "{nodes = [node, node], dim = d}")
    if not isinstance(ends, list) or len(ends) != 2:
        raise TnrankError(f"{where}: a bond joins exactly two nodes, got {ends!r}")
    net.add_bond(ends[0], ends[1], dim, name)


def _add_leg_entry(net: TensorNetwork, entry: Any, where: str) -> None:
    if isinstance(entry, Mapping):
        _check_keys(entry, _LEG_KEYS, where, required=("node", "dim"))
        net.add_leg(entry["node"], entry["dim"], entry.get("name"), entry.get("step"),
                    entry.get("copy"))
    elif isinstance(entry, list) and len(entry) == 2:
        net.add_leg(entry[0], entry[1])
    else:
        raise TnrankError(f"{where}: write a leg as [node, dim] or {{node = n, dim = d}}")


def _plain_factories(g: Any) -> bool:
    return all(
        getattr(g, f) is dict
        for f in ("node_dict_factory", "adjlist_outer_dict_factory", "adjlist_inner_dict_factory",
                  "edge_key_dict_factory", "edge_attr_dict_factory")
    )


def _check_keys(entry: Mapping, allowed: set[str], where: str, required: Iterable[str]) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise TnrankError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed are "
                          f"{', '.join(sorted(allowed))}")
    for key in required:
        if key not in entry:
            raise TnrankError(f"{where}: {key!r} is missing")
