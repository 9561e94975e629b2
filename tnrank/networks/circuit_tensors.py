"""The tensors of an unrolled circuit, and what contracting them computes.

:func:`rac_tensors` turns :class:`~tnrank.model.weights.Weights` into the tensor of
every node of ``unroll(architecture, T)``; contracting them
(:func:`~tnrank.networks.contraction.contract`) reproduces the circuit:
:func:`evaluate_network` equals :func:`tnrank.engine.evaluation.evaluate` and
:func:`contract_grid` equals :func:`tnrank.engine.grid.grid_tensor`, float or mod p.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from tnrank.engine.evaluation import Circuit
from tnrank.errors import TnrankError
from tnrank.model.architecture import Architecture
from tnrank.model.weights import Weights
from tnrank.networks.cell_tensors import initial_tensor, operation_tensor
from tnrank.networks.contraction import Optimize, contract
from tnrank.networks.graph import TensorNetwork

__all__ = ["rac_tensors", "evaluate_network", "contract_grid"]


def _architecture(network: TensorNetwork) -> Architecture:
    arch = network.info.get("architecture")
    if arch is None:
        raise TnrankError("this network was not unrolled from an architecture; use "
                          "tnrank.networks.unrolling.unroll(architecture, T)")
    return arch


def rac_tensors(network: TensorNetwork, weights: Weights) -> dict[Hashable, np.ndarray]:
    """The tensor of every node of an unrolled circuit, from its weights.

    Copies share arrays (no memory per copy). Augmented networks get the
    tensors described in :mod:`tnrank.networks.unrolling`; the operations of a cell, those of
    :mod:`tnrank.networks.cell_tensors`.

    Parameters
    ----------
    network : TensorNetwork
        From :func:`tnrank.networks.unrolling.unroll`.
    weights : Weights
        Float or modular weights of the same architecture.

    Returns
    -------
    dict node -> ndarray
    """
    arch = _architecture(network)
    if not isinstance(weights, Weights):
        raise TnrankError("rac_tensors needs a Weights object (see tnrank.random_weights)")
    if weights.architecture != arch:
        raise TnrankError("the weights belong to another architecture than the network")
    if weights.field is not None and weights.field.gaussian:
        raise TnrankError(f"tensor networks are contracted in float64 or mod p; weights over "
                          f"{weights.field.name} are not supported (use random_weights(..., prime=PRIME))")
    aug = bool(network.info["augmented"])
    dtype = np.float64 if weights.prime is None else np.int64
    made: dict[tuple, np.ndarray] = {}

    def pad(mat: np.ndarray) -> np.ndarray:  # [[W, 0], [0, 1]]
        out = np.zeros((mat.shape[0] + 1, mat.shape[1] + 1), dtype=dtype)
        out[:-1, :-1] = mat
        out[-1, -1] = 1
        return out

    def build(kind: str, role: str, k: int | None) -> np.ndarray:
        if kind == "output":
            outs = [np.asarray(w, dtype=dtype) for w in weights.output]
            if not aug:
                return outs[0]
            out_dims = [len(w) + 1 for w in outs]
            o = np.zeros(out_dims, dtype=dtype)
            for j, w in enumerate(outs):
                corner: list[int | slice] = [d - 1 for d in out_dims]
                corner[j] = slice(0, len(w))
                o[tuple(corner)] = w
            return o
        if k is None:
            raise TnrankError(f"the {kind} tensor of a {role} node needs its layer")
        layer = arch.layers[k]
        r = layer.width
        if kind == "delta":
            n = r + aug
            copy = np.zeros((n, n, n), dtype=dtype)
            copy[np.arange(n), np.arange(n), np.arange(n)] = 1
            return copy
        if kind == "merge":
            if layer.integration == "additive":
                alpha, beta1, beta2, bias = (np.zeros(r, dtype), np.ones(r, dtype), np.ones(r, dtype),
                                             np.zeros(r, dtype))
            else:
                merge = weights.merge[k]
                if merge is None:
                    raise TnrankError(f"layer {layer.name!r} has no merge weights")
                alpha, beta1, beta2, bias = (np.asarray(x, dtype=dtype) for x in merge)
            g = np.zeros((r + 1,) * 3, dtype=dtype)
            i = np.arange(r)
            g[i, i, i] = alpha
            g[i, i, r] = beta1
            g[i, r, i] = beta2
            g[i, r, r] = bias
            g[r, r, r] = 1
            return g
        if kind == "weight" and role == "hidden":
            w = np.asarray(weights.hidden[k], dtype=dtype)
            return pad(w) if aug else w
        if kind == "weight":
            w = np.asarray(weights.input[k], dtype=dtype)
            dims = arch.source_dims(k)
            if not aug:
                return w
            if len(dims) == 1:
                return pad(w)
            a = np.zeros((r + 1,) + tuple(d + 1 for d in dims), dtype=dtype)
            col = 0
            for j, d in enumerate(dims):
                # 'last' of each source is its dim
                idx: list[int | slice] = [slice(0, r)] + [dd for dd in dims]
                idx[1 + j] = slice(0, d)
                a[tuple(idx)] = w[:, col:col + d]
                col += d
            a[(r,) + tuple(dims)] = 1
            return a
        # initial vectors
        if role == "ones":
            return np.ones(r + aug, dtype=dtype)
        if role == "zeros":
            e = np.zeros(r + 1, dtype=dtype)
            e[-1] = 1
            return e
        initial = weights.initial[k]
        if initial is None:
            raise TnrankError(f"layer {layer.name!r} has no initial state")
        h0 = np.asarray(initial, dtype=dtype)
        return np.append(h0, np.ones(1, dtype=dtype)) if aug else h0

    def build_cell(k: int, what: int | str, part: str) -> np.ndarray:
        program, params = arch.program(k), weights.cell(k)
        if program is None or params is None:
            raise TnrankError(f"layer {arch.layers[k].name!r} is not a cell")
        cell_dtype = np.dtype(dtype)
        if isinstance(what, str):  # a state's value before the first step
            return initial_tensor(program, what, params.initial, int(aug), cell_dtype, weights.prime)
        return operation_tensor(program, what, part, params.weights, int(aug), cell_dtype,
                                weights.prime, arch.source_dims(k))

    tensors = {}
    for node, attrs in network.graph.nodes(data=True):
        kind = attrs["kind"]
        if kind == "input":
            continue
        if "op" in attrs or "state" in attrs:  # a node of a cell
            cell_key = (attrs["layer"], attrs.get("op", attrs.get("state")), attrs.get("part", ""))
            if cell_key not in made:
                made[cell_key] = build_cell(*cell_key)
            tensors[node] = made[cell_key]
            continue
        key = (kind, attrs["role"], attrs["layer"])
        if key not in made:
            made[key] = build(*key)
        tensors[node] = made[key]
    return tensors


def _leg_inputs(network: TensorNetwork, vectors: np.ndarray) -> np.ndarray:
    """Append the constant component to vectors of shape (n, M) for augmented legs."""
    if not network.info.get("augmented"):
        return vectors
    ones = np.ones((vectors.shape[0], 1), dtype=vectors.dtype)
    return np.concatenate([vectors, ones], axis=1)


def evaluate_network(
    network: TensorNetwork,
    weights: Weights,
    inputs: np.ndarray,
    *,
    optimize: Optimize = "auto",
    backend: str = "opt_einsum",
) -> np.ndarray:
    """``y`` for a batch of sequences, by contracting the unrolled network.

    Parameters
    ----------
    network : TensorNetwork
        ``unroll(weights.architecture, T)``.
    weights : Weights
        Float or modular.
    inputs : array_like, shape (..., T, M)
        As for :func:`tnrank.engine.evaluation.evaluate`.
    optimize, backend
        See :func:`contract`.

    Returns
    -------
    ndarray, shape (...)
        Equal to ``tnrank.evaluate(weights, inputs)`` (exactly, for modular weights).

    Examples
    --------
    >>> import numpy as np
    >>> from tnrank import Architecture, random_weights, evaluate, PRIME
    >>> from tnrank.networks.unrolling import unroll
    >>> arch = Architecture.rac(depth=2, width=2, M=2)
    >>> w = random_weights(arch, seed=0, prime=PRIME)
    >>> x = np.random.default_rng(0).integers(0, 9, size=(3, 5, 2))
    >>> bool(np.all(evaluate_network(unroll(arch, 5), w, x) == evaluate(w, x)))
    True
    """
    _architecture(network)
    circuit = Circuit(weights)
    arr = circuit.prepare_inputs(inputs)
    T = network.info["T"]
    if arr.ndim < 2 or arr.shape[-2] != T:
        raise TnrankError(f"inputs must have shape (..., T, M) with T={T} (the network's), got "
                          f"{np.shape(inputs)}")
    batch_shape = arr.shape[:-2]
    flat = arr.reshape((-1, T, arr.shape[-1]))
    vecs = {t: _leg_inputs(network, flat[:, t, :]) for t in range(T)}
    tensors = rac_tensors(network, weights)
    if not network.legs:  # a cell whose output reads no input: one number for every sequence
        y = contract(network, tensors, optimize=optimize, backend=backend, prime=weights.prime)
        return np.broadcast_to(y, batch_shape).copy()
    y = contract(network, tensors, vecs, batch=True, optimize=optimize, backend=backend,
                 prime=weights.prime)
    return y.reshape(batch_shape)


def contract_grid(
    network: TensorNetwork,
    weights: Weights,
    templates: np.ndarray | None = None,
    *,
    optimize: Optimize = "auto",
    backend: str = "opt_einsum",
) -> np.ndarray:
    """The grid tensor ``A[d_0, …, d_{T-1}]`` by contracting the unrolled network.

    Parameters
    ----------
    network : TensorNetwork
        ``unroll(weights.architecture, T)``.
    weights : Weights
    templates : ndarray of shape (M, n), optional
        Template vectors as columns; default one-hot.
    optimize, backend
        See :func:`contract`.

    Returns
    -------
    ndarray of shape (n,) * T
        Equal to :func:`tnrank.engine.grid.grid_tensor` (exactly, for modular weights).

    Examples
    --------
    >>> from tnrank import Architecture, random_weights, grid_tensor, PRIME
    >>> from tnrank.networks.unrolling import unroll
    >>> arch = Architecture.rac(depth=2, width=2, M=2)
    >>> w = random_weights(arch, seed=1, prime=PRIME)
    >>> bool((contract_grid(unroll(arch, 4), w) == grid_tensor(w, 4)).all())
    True
    """
    arch = _architecture(network)
    circuit = Circuit(weights)
    if templates is None:
        F = np.eye(arch.M, dtype=np.int64 if weights.prime is not None else np.float64)
    else:
        F = np.asarray(templates)
        if F.ndim != 2 or F.shape[0] != arch.M or F.shape[1] < 1:
            raise TnrankError(f"templates must have shape (M, n) = ({arch.M}, n), got {F.shape}")
        F = circuit.prepare_inputs(F.T, "templates").T
    rows = _leg_inputs(network, np.ascontiguousarray(F.T))
    T = network.info["T"]
    tensors = rac_tensors(network, weights)
    steps = network.steps
    grid = contract(network, tensors, dict.fromkeys(steps, rows) if steps else None,
                    optimize=optimize, backend=backend, prime=weights.prime)
    # steps without a leg (a cell whose output ignores them): the grid is constant along them
    shape = tuple(len(rows) if t in set(steps) else 1 for t in range(T))
    return np.broadcast_to(grid.reshape(shape), (len(rows),) * T).copy()


# ---------------------------------------------------------------- any network
