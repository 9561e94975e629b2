"""Adapter for Google's ``tensornetwork`` (0.4.6): the only module that imports it.

tnrank contracts with opt_einsum alone by default; this adapter executes the
same contractions with tensornetwork's ``Node``/``Edge`` API so results can be
cross-checked, and hands a tnrank network to users who want tensornetwork
objects. Swapping the library out means rewriting this file only.

Known pitfalls of 0.4.6 avoided here: ``ncon``'s cost check calls ``np.float``
(gone in numpy ≥ 1.24), ``contractors.custom`` passes ``memory_limit`` to
opt_einsum ≥ 3.4 path optimizers that no longer take it, and
``contractors.optimal`` searches all orders (factorial). Paths therefore come
from ``opt_einsum.contract_path`` and are executed pair by pair with
``tensornetwork.contract_between``, on freshly built nodes (contraction
consumes them).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import opt_einsum as oe

from tnrank.errors import TnrankError

__all__ = ["available", "contract_einsum", "to_tensornetwork"]


def _tn() -> Any:
    try:
        import tensornetwork as tn
    except Exception as exc:  # ImportError, or numpy incompatibilities at import time
        raise TnrankError(
            f"the tensornetwork backend is unavailable ({type(exc).__name__}: {exc}); use "
            "backend='opt_einsum'"
        ) from None
    return tn


def available() -> bool:
    """True when tensornetwork imports."""
    try:
        _tn()
    except TnrankError:
        return False
    return True


def _delta3(n: int, dtype: np.dtype) -> np.ndarray:
    d = np.zeros((n, n, n), dtype=dtype)
    idx = np.arange(n)
    d[idx, idx, idx] = 1
    return d


def contract_einsum(
    operands: Sequence[np.ndarray],
    subscripts: Sequence[Sequence[Hashable]],
    output: Sequence[Hashable],
    optimize: str = "greedy",
) -> np.ndarray:
    """Contract like ``einsum`` (labels may be any hashables) with tensornetwork.

    A label shared by more than two places (operand axes and the output) is
    a hyperedge; it is split into a chain of order-3 copy tensors, since a
    tensornetwork edge joins two axes.

    Parameters
    ----------
    operands : sequence of ndarray
    subscripts : sequence of sequences of labels, one per operand axis
    output : sequence of labels
    optimize : {"auto", "dp", "greedy"}
        opt_einsum path finder.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.arange(6.0).reshape(2, 3), np.ones((3, 2))
    >>> np.allclose(contract_einsum([a, b], [("i", "j"), ("j", "k")], ("i", "k")), a @ b)
    True
    """
    tn = _tn()
    ops = [np.asarray(op) for op in operands]
    subs = [list(s) for s in subscripts]
    places: dict[Hashable, list[tuple[int, int]]] = {}
    sizes: dict[Hashable, int] = {}
    for i, (op, sub) in enumerate(zip(ops, subs, strict=True)):
        if op.ndim != len(sub) or len(set(sub)) != len(sub):
            raise TnrankError(f"operand {i}: {op.ndim} axes but labels {sub!r}")
        for ax, label in enumerate(sub):
            places.setdefault(label, []).append((i, ax))
            sizes[label] = op.shape[ax]
    out = list(output)
    while True:  # sum out labels used once and not kept
        lone = next((w[0] for label, w in places.items() if len(w) == 1 and label not in out), None)
        if lone is None:
            break
        i, ax = lone
        ops[i] = ops[i].sum(axis=ax)
        del subs[i][ax]
        places = _reindex(subs)
    dtype = np.result_type(*ops) if ops else np.dtype(np.float64)
    nodes = [tn.Node(op, name=f"op{i}", backend="numpy") for i, op in enumerate(ops)]
    dangling: dict[Hashable, Any] = {}
    for label, where in places.items():
        ends = [nodes[i][ax] for i, ax in where]
        if label in out:
            ends.append(None)  # the output takes one end
        if len(ends) == 1:
            dangling[label] = ends[0]
            continue
        while len(ends) > 2:  # hyperedge: chain copy tensors
            delta = tn.Node(_delta3(sizes[label], dtype), name=f"copy-{label}", backend="numpy")
            nodes.append(delta)
            a, b = ends.pop(0), ends.pop(0)
            for end, ax in ((a, 0), (b, 1)):
                if end is None:
                    dangling[label] = delta[ax]
                else:
                    end ^ delta[ax]
            ends.insert(0, delta[2])
        a, b = ends
        if a is None or b is None:
            dangling[label] = b if a is None else a
        else:
            a ^ b
    for label in out:
        if label not in dangling:
            raise TnrankError(f"output label {label!r} does not occur in any operand")
    # path from opt_einsum over the node list, labelling each tensornetwork edge
    edge_ids: dict[int, str] = {}
    node_subs = []
    for node in nodes:
        node_subs.append("".join(edge_ids.setdefault(id(e), oe.get_symbol(len(edge_ids)))
                                 for e in node.edges))
    out_sub = "".join(edge_ids[id(dangling[label])] for label in out)
    shapes = [tuple(node.shape) for node in nodes]
    path, _info = oe.contract_path(",".join(node_subs) + "->" + out_sub, *shapes, shapes=True,
                                   optimize=optimize)
    work = list(nodes)
    for pair in path:
        if len(pair) == 1:
            continue
        a, b = sorted(pair, reverse=True)
        na, nb = work.pop(a), work.pop(b)
        work.append(tn.contract_between(na, nb, allow_outer_product=True))
    final = work[0]
    for extra in work[1:]:  # scalars left over
        final = tn.outer_product(final, extra)
    if out:
        final.reorder_edges([dangling[label] for label in out])
    return np.asarray(final.tensor)


def _reindex(subs: list[list[Hashable]]) -> dict[Hashable, list[tuple[int, int]]]:
    places: dict[Hashable, list[tuple[int, int]]] = {}
    for i, sub in enumerate(subs):
        for ax, label in enumerate(sub):
            places.setdefault(label, []).append((i, ax))
    return places


def to_tensornetwork(network: Any, tensors: Mapping[Hashable, np.ndarray]) -> tuple[dict, dict]:
    """A tnrank network as connected ``tensornetwork.Node`` objects.

    Parameters
    ----------
    network : TensorNetwork
    tensors : mapping node -> ndarray
        One tensor per tensor node, axes in the order of ``network.axes(node)``.

    Returns
    -------
    (nodes, legs)
        ``nodes`` maps each tensor node to its ``tensornetwork.Node``;
        ``legs`` maps each open leg's name to its dangling ``Edge``.

    Examples
    --------
    >>> import numpy as np
    >>> from tnrank.networks.examples import mps
    >>> net = mps(3, bond=2)
    >>> nodes, legs = to_tensornetwork(net, {n: np.ones(net.shape(n)) for n in net.tensors})
    >>> sorted(legs), nodes["A1"].shape
    (['x0', 'x1', 'x2'], (2, 2, 2))
    """
    tn = _tn()
    nodes = {n: tn.Node(arr, name=str(n), axis_names=[str(b) for b in network.axes(n)],
                        backend="numpy")
             for n, arr in zip(network.tensors, network.node_arrays(tensors), strict=True)}
    for bond in network.bonds.values():
        u, v = bond.nodes
        nodes[u][str(bond.name)] ^ nodes[v][str(bond.name)]
    legs = {leg.name: nodes[leg.tensor][leg.name] for leg in network.legs.values()}
    return nodes, legs
