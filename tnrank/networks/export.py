"""Hand a tensor network to other libraries: an einsum equation with its operands, or quimb.

:func:`to_einsum` writes the contraction of a :class:`~tnrank.networks.graph.TensorNetwork`
with given tensors as one einsum equation (one letter per bond, the open legs as the
output in the order of ``network.legs``), the operands' shapes and the arrays, ready for
``opt_einsum.contract``, ``numpy.einsum`` (up to 52 distinct indices; beyond, the indices
are opt_einsum's Unicode letters), cotengra or any other einsum engine. :func:`to_quimb`
builds a ``quimb.tensor.TensorNetwork`` whose indices are tnrank's bond and leg names and
whose tags are its node names; quimb is not a dependency of tnrank and is imported only
here, on call.

Both are also methods of the network (:meth:`TensorNetwork.to_einsum`,
:meth:`TensorNetwork.to_quimb`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import opt_einsum as oe

from tnrank.errors import TnrankError

__all__ = ["to_einsum", "to_quimb"]


def _arrays(network: Any, tensors: Mapping[Hashable, Any]) -> list[np.ndarray]:
    if not isinstance(tensors, Mapping):
        raise TnrankError("give the tensors as a mapping node -> array (one per tensor node)")
    return network.node_arrays(tensors)


def to_einsum(network: Any, tensors: Mapping[Hashable, Any]) -> tuple[str, list[tuple[int, ...]],
                                                                      list[np.ndarray]]:
    """The network's contraction as an einsum equation, the operands' shapes and the arrays.

    Parameters
    ----------
    network : TensorNetwork
    tensors : mapping node -> array
        One array per tensor node, axes in the order of ``network.axes(node)``.

    Returns
    -------
    equation : str
        ``"ab,bcd,...->ad..."``: one operand per tensor node, in the order of
        ``network.tensors``, and one output index per open leg, in the order of
        ``network.legs``.
    shapes : list of tuple of int
        The operands' shapes (for ``opt_einsum.contract_path(..., shapes=True)``).
    arrays : list of ndarray
        The operands, in the same order (the given arrays, not copied).

    Examples
    --------
    >>> import numpy as np
    >>> import opt_einsum as oe
    >>> from tnrank.networks.examples import mps
    >>> net = mps(3, bond=2)
    >>> cores = {n: np.ones(net.shape(n)) for n in net.tensors}
    >>> eq, shapes, arrays = to_einsum(net, cores)
    >>> eq, shapes
    ('ab,acd,ce->bde', [(2, 2), (2, 2, 2), (2, 2)])
    >>> oe.contract(eq, *arrays).shape
    (2, 2, 2)
    """
    arrays = _arrays(network, tensors)
    symbols: dict[str, str] = {}

    def sym(name: str) -> str:
        if name not in symbols:
            symbols[name] = oe.get_symbol(len(symbols))
        return symbols[name]

    subs = ["".join(sym(b) for b in network.axes(node)) for node in network.tensors]
    out = "".join(sym(leg) for leg in network.legs)
    return ",".join(subs) + "->" + out, [a.shape for a in arrays], arrays


def to_quimb(network: Any, tensors: Mapping[Hashable, Any]) -> Any:
    """The network as a ``quimb.tensor.TensorNetwork`` (quimb must be installed).

    Every tensor becomes a ``quimb.tensor.Tensor`` whose indices are the names of its
    bonds and legs (``network.axes(node)``) and whose tag is its node name (as a
    string); the open legs are the network's outer indices, named as in ``network.legs``.

    Parameters
    ----------
    network : TensorNetwork
    tensors : mapping node -> array
        One array per tensor node, axes in the order of ``network.axes(node)``.

    Returns
    -------
    quimb.tensor.TensorNetwork

    Raises
    ------
    TnrankError
        When quimb is not installed (``pip install quimb``).
    """
    arrays = _arrays(network, tensors)
    try:
        import quimb.tensor as qtn  # optional, imported on call
    except ImportError:
        raise TnrankError("to_quimb needs quimb, which is not installed (pip install quimb); "
                          "to_einsum gives the same contraction without it") from None
    parts = [qtn.Tensor(arr, inds=tuple(network.axes(node)), tags={str(node)})
             for node, arr in zip(network.tensors, arrays, strict=True)]
    return qtn.TensorNetwork(parts)
