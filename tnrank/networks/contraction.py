"""Contract tensor networks: attach tensors, plug vectors into the open legs.

Contraction paths come from ``opt_einsum.contract_path`` with ``"auto"``,
``"dp"`` or ``"greedy"`` (never an exhaustive search on a large network), or from
any opt_einsum path optimizer object (``opt_einsum.RandomGreedy()``,
``opt_einsum.DynamicProgramming()``, cotengra's ``HyperOptimizer``) or explicit path.
Float tensors are contracted by opt_einsum (or by tensornetwork through
:mod:`tnrank.networks.backend`); residues modulo a prime are contracted pair by pair
along the same path with exact int64 arithmetic (operands split into 15-bit
halves, so no product or sum leaves int64).

The tensors of an unrolled circuit (from its weights) are in
:mod:`tnrank.networks.circuit_tensors`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import opt_einsum as oe

from tnrank.engine.rank import rank_mod_p
from tnrank.errors import TnrankError
from tnrank.formatting import format_bound
from tnrank.model.partition import Partition
from tnrank.networks.graph import TensorNetwork
from tnrank.networks.mincut import resolve_partition
from tnrank.primes import PRIME

__all__ = [
    "contract",
    "random_tensors",
    "matricization_rank",
    "OPTIMIZERS",
    "BACKENDS",
    "MAX_INTERMEDIATE",
    "DP_LIMIT",
    "TREE_PATH_FROM",
]

#: Path finders accepted by name (opt_einsum names); path optimizer objects are accepted too.
OPTIMIZERS = ("auto", "dp", "greedy")
#: What ``optimize`` may be: a name of :data:`OPTIMIZERS`, an opt_einsum ``PathOptimizer``
#: (or any callable with its signature), or an explicit path (a list of index tuples).
Optimize = Any
#: Contraction engines.
BACKENDS = ("opt_einsum", "tensornetwork")
#: Largest intermediate tensor (entries) a contraction may create.
MAX_INTERMEDIATE = 2**26
#: Most tensors whose contraction :func:`matricization_rank` accepts (a chain of 10,000 takes
#: about two seconds; the path search and the contraction grow faster than the network).
MAX_CONTRACTED_TENSORS = 10_000
#: Most operands (tensors and plugged vectors) the ``"dp"`` path search accepts: its
#: search over connected sub-networks grows exponentially (33 operands take seconds).
DP_LIMIT = 20
#: With ``optimize="auto"``, a network that is a tree (an unrolled circuit) with more operands
#: than this is contracted leaves first, along the tree, without a path search.
TREE_PATH_FROM = 64
_LOW = 15  # residues < 2**30 are split into two 15-bit halves


def contract(
    network: TensorNetwork,
    tensors: Mapping[Hashable, np.ndarray],
    inputs: Mapping[int, np.ndarray] | None = None,
    *,
    batch: bool = False,
    optimize: Optimize = "auto",
    backend: str = "opt_einsum",
    prime: int | None = None,
) -> np.ndarray:
    """Contract a network.

    Parameters
    ----------
    network : TensorNetwork
    tensors : mapping node -> ndarray
        A tensor for every tensor node, axes ordered as ``network.axes(node)``.
    inputs : mapping step -> ndarray of shape (n, dim), optional
        Row ``i`` of ``inputs[t]`` is a vector plugged into *every* copy of
        step ``t``'s leg. Without inputs the legs stay open and the result
        has one axis per leg, in the order of ``network.legs``.
    batch : bool
        With inputs: False gives one axis per step (the grid, shape
        ``(n_0, n_1, …)``); True pairs the rows (all ``n`` equal), shape ``(n,)``.
    optimize : {"auto", "dp", "greedy"}, PathOptimizer or list of tuple
        opt_einsum path finder; ``"auto"`` searches small contractions
        thoroughly and uses ``"greedy"`` beyond 14 operands, or contracts a tree (an unrolled
        circuit) leaves first beyond :data:`TREE_PATH_FROM`; ``"dp"`` is
        refused beyond :data:`DP_LIMIT` operands. Any opt_einsum path
        optimizer object (``opt_einsum.RandomGreedy()``,
        ``opt_einsum.DynamicProgramming()``, ``cotengra.HyperOptimizer()``),
        any callable with the same signature, or an explicit contraction
        path (pairs of operand positions, as ``opt_einsum.contract_path``
        returns) is used as given: its cost is the caller's choice.
    backend : {"opt_einsum", "tensornetwork"}
        tensornetwork works on float tensors only.
    prime : int, optional
        Tensors and inputs are residues modulo ``prime`` (below 2**30); the
        result is exact.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from tnrank.networks.examples import mps
    >>> net = mps(3, bond=2)
    >>> T = {n: np.ones(net.shape(n)) for n in net.tensors}
    >>> contract(net, T).shape
    (2, 2, 2)
    >>> contract(net, T, {t: np.ones((1, 2)) for t in range(3)}, batch=True)
    array([32.])
    >>> import opt_einsum as oe
    >>> contract(net, T, optimize=oe.RandomGreedy(max_repeats=4)).sum()
    np.float64(32.0)
    """
    if not isinstance(network, TensorNetwork):
        raise TnrankError("contract needs a TensorNetwork")
    optimize = _check_optimize(optimize)
    if backend not in BACKENDS:
        raise TnrankError(f"backend {backend!r} is unknown; use one of {', '.join(BACKENDS)}")
    if prime is not None and backend != "opt_einsum":
        raise TnrankError("modular contraction runs on the opt_einsum backend; drop backend= or prime=")
    operands, subs, out = _equation(network, tensors, inputs, batch, prime)
    sym: dict[Hashable, str] = {}
    for label in [x for s in subs for x in s] + list(out):
        if label not in sym:
            sym[label] = oe.get_symbol(len(sym))
    eq = ",".join("".join(sym[x] for x in s) for s in subs) + "->" + "".join(sym[x] for x in out)
    if isinstance(optimize, str) and optimize == "dp" and len(operands) > DP_LIMIT:
        raise TnrankError(
            f"optimize='dp' searches exponentially many orders; this contraction has {len(operands)} "
            f"operands (limit {DP_LIMIT}); use optimize='auto' or 'greedy'"
        )
    shapes = [op.shape for op in operands]
    if (isinstance(optimize, str) and optimize == "auto" and backend == "opt_einsum"
            and len(operands) > TREE_PATH_FROM):
        pairs = _tree_pairs(network, inputs is not None)
        if pairs is not None:
            return _contract_pairs(pairs, operands, subs, out, prime)
    path, info = oe.contract_path(eq, *shapes, shapes=True, optimize=optimize)
    if info.largest_intermediate > MAX_INTERMEDIATE:
        raise TnrankError(
            f"contracting this network needs an intermediate tensor of {int(info.largest_intermediate):,} "
            f"entries, more than the limit of {MAX_INTERMEDIATE:,}; use a smaller network or fewer inputs"
        )
    if backend == "tensornetwork":
        from tnrank.networks.backend import contract_einsum

        if not (isinstance(optimize, str) or callable(optimize)):
            raise TnrankError("an explicit contraction path applies to the opt_einsum backend; the "
                              "tensornetwork backend adds copy tensors and finds its own path")
        return contract_einsum(operands, subs, out, optimize=optimize)
    if prime is None:
        return np.asarray(oe.contract(eq, *operands, optimize=path))
    return _contract_mod(info.contraction_list, operands, prime)


def _tree_pairs(network: TensorNetwork, legs: bool) -> list[tuple[int, int]] | None:
    """For a network that is a tree (every unrolled circuit), the pairs of operands to contract
    one after the other, folding each node into its parent, leaves first: no intermediate is
    larger than a node with its bonds (and the batch), and the order costs linear time where a
    path search over thousands of operands costs seconds. Operands are numbered as
    :func:`_equation` lists them (the tensors, then one vector per leg when ``legs``), and each
    result takes the next number (opt_einsum's "SSA" form). None when the network is not a
    tree."""
    import networkx as nx

    g = network.graph
    if not nx.is_tree(g):
        return None
    position = {node: i for i, node in enumerate(network.tensors)}
    if legs:
        for t in network.steps:
            for leg in network.legs_of(t):
                position[leg.name] = len(position)
    root = network.tensors[0]
    order = [root]
    parent: dict[Hashable, Hashable] = {root: root}
    for node in order:  # breadth first: every node after its parent
        for other in g.neighbors(node):
            if other not in parent and other in position:
                parent[other] = node
                order.append(other)
    current = dict(position)  # the number of the result a node has gathered so far
    pairs: list[tuple[int, int]] = []
    for node in reversed(order[1:]):
        up = parent[node]
        pairs.append((current[node], current[up]))
        current[up] = len(position) + len(pairs) - 1
    return pairs


def _contract_pairs(pairs: list[tuple[int, int]], operands: list[np.ndarray], subs: list[tuple],
                    out: tuple, prime: int | None) -> np.ndarray:
    """Contract operands pair by pair (``pairs`` in the form of :func:`_tree_pairs`): the
    labels two operands share and the output lacks are summed (each bond joins exactly two)."""
    arrays: dict[int, np.ndarray] = dict(enumerate(operands))  # the operands not contracted yet
    labels: list[tuple] = [tuple(s) for s in subs]
    keep = set(out)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for a, b in pairs:
        la, lb = labels[a], labels[b]
        summed = (set(la) & set(lb)) - keep
        result = tuple(dict.fromkeys(x for x in la + lb if x not in summed))
        sizes = dict(zip(la, arrays[a].shape, strict=True)) | dict(zip(lb, arrays[b].shape, strict=True))
        if math.prod(sizes[x] for x in result) > MAX_INTERMEDIATE:
            raise TnrankError(
                f"contracting this network needs an intermediate tensor of "
                f"{math.prod(sizes[x] for x in result):,} entries, more than the limit of "
                f"{MAX_INTERMEDIATE:,}; use a smaller network or fewer inputs")
        distinct = tuple(dict.fromkeys(la + lb))
        if len(distinct) > len(letters):
            raise TnrankError("a pairwise contraction has more than 52 indices; the network is "
                              "too densely connected to contract this way")
        symbol = {x: letters[i] for i, x in enumerate(distinct)}
        eq = ("".join(symbol[x] for x in la) + "," + "".join(symbol[x] for x in lb) + "->"
              + "".join(symbol[x] for x in result))
        A, B = arrays.pop(a), arrays.pop(b)
        arrays[len(labels)] = np.einsum(eq, A, B) if prime is None else _einsum_mod(eq, [A, B], prime)
        labels.append(result)
    ((last, final),) = arrays.items()
    return np.transpose(final, [labels[last].index(x) for x in out])


class _FunctionOptimizer(oe.paths.PathOptimizer):
    """A plain function ``f(inputs, output, size_dict, memory_limit)`` as an opt_einsum
    path optimizer (opt_einsum reads any other non-string as an explicit path)."""

    def __init__(self, function: Any) -> None:
        self.function = function

    def __call__(self, inputs, output, size_dict, memory_limit=None):
        return self.function(inputs, output, size_dict, memory_limit)


def _check_optimize(optimize: object) -> Optimize:
    """What opt_einsum accepts for ``optimize``; unknown names and objects that are
    neither optimizers nor paths are refused."""
    if isinstance(optimize, str):
        if optimize not in OPTIMIZERS:
            raise TnrankError(f"optimize {optimize!r} is not allowed; use one of "
                              f"{', '.join(OPTIMIZERS)}, an opt_einsum path optimizer object "
                              "(exhaustive searches by name are factorial in the network size)")
        return optimize
    if isinstance(optimize, oe.paths.PathOptimizer):  # opt_einsum's and cotengra's optimizers
        return optimize
    if callable(optimize):
        return _FunctionOptimizer(optimize)
    if isinstance(optimize, (list, tuple)) and all(
            isinstance(step, (list, tuple)) and all(isinstance(i, (int, np.integer))
                                                    and not isinstance(i, bool) for i in step)
            for step in optimize):
        return [tuple(int(i) for i in step) for step in optimize]
    raise TnrankError(f"optimize must be one of {', '.join(OPTIMIZERS)}, an opt_einsum path "
                      f"optimizer (e.g. opt_einsum.RandomGreedy()) or a path, got "
                      f"{type(optimize).__name__}")


def _equation(network, tensors, inputs, batch, prime):
    """Operands, their labels and the output labels of a contraction."""
    dtype = np.float64 if prime is None else np.int64
    arrays = network.node_arrays(tensors, lambda value, what: _as_array(value, what, prime))
    operands = [arr.astype(dtype, copy=False) for arr in arrays]
    subs: list[tuple] = [tuple(("bond", b) for b in network.axes(node)) for node in network.tensors]
    if inputs is None:
        return operands, subs, tuple(("bond", leg) for leg in network.legs)
    steps = network.check_steps() if len(network.steps) > 1 else network.steps
    missing = [t for t in steps if t not in inputs]
    if missing:
        raise TnrankError(f"no input vectors for step(s) {', '.join(map(str, missing[:8]))}; give one "
                          "array (n, dim) per step")
    rows = set()
    for t in steps:
        arr = _as_array(inputs[t], f"inputs of step {t}", prime)
        dim = network.step_dim(t)
        if arr.ndim != 2 or arr.shape[1] != dim:
            raise TnrankError(f"inputs of step {t} must have shape (n, {dim}), got {arr.shape}")
        rows.add(arr.shape[0])
        row = ("batch",) if batch else ("row", t)
        for leg in network.legs_of(t):
            operands.append(arr.astype(dtype, copy=False))
            subs.append((row, ("bond", leg.name)))
    if batch and len(rows) > 1:
        raise TnrankError(f"batched inputs need the same number of rows at every step, got {sorted(rows)}")
    out = (("batch",),) if batch else tuple(("row", t) for t in steps)
    return operands, subs, out


def _as_array(value: object, what: str, prime: int | None) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception:
        raise TnrankError(f"{what}: cannot read as an array") from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TnrankError(f"{what} must be real numbers, got dtype {arr.dtype}")
    if prime is None:
        return arr.astype(np.float64, copy=False)
    if not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise TnrankError(f"{what} must be integers for modular contraction")
    return np.mod(arr.astype(np.int64), prime)


def _contract_mod(contraction_list, operands: list[np.ndarray], prime: int) -> np.ndarray:
    """Execute an opt_einsum contraction list exactly modulo ``prime``."""
    ops = list(operands)
    for inds, _removed, einsum_str, _remaining, _blas in contraction_list:
        parts = [ops.pop(i) for i in inds]
        ops.append(_einsum_mod(einsum_str, parts, prime))
    (result,) = ops
    return result


def _einsum_mod(einsum_str: str, parts: Sequence[np.ndarray], p: int) -> np.ndarray:
    letters: dict[str, str] = {}
    for ch in einsum_str:
        if ch not in ",->" and ch not in letters:
            if len(letters) == 52:
                raise TnrankError("a pairwise contraction has more than 52 indices; the network is "
                                  "too densely connected for modular contraction")
            letters[ch] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[len(letters)]
    eq = "".join(letters.get(ch, ch) for ch in einsum_str)
    inputs, output = eq.split("->")
    summed = {ch for ch in inputs if ch not in ",-" and ch not in output}
    sizes: dict[str, int] = {}
    for sub, arr in zip(inputs.split(","), parts, strict=True):
        sizes.update(zip(sub, arr.shape, strict=True))
    terms = math.prod(sizes[ch] for ch in summed)
    if terms >= 2**32:
        raise TnrankError("a pairwise contraction sums over more than 2**32 terms; modular "
                          "contraction cannot keep it exact in int64")
    if len(parts) == 1:
        return np.einsum(eq, parts[0]) % p
    a, b = parts
    mask = (1 << _LOW) - 1
    a_hi, a_lo, b_hi, b_lo = a >> _LOW, a & mask, b >> _LOW, b & mask
    hh = np.einsum(eq, a_hi, b_hi) % p
    mid = (np.einsum(eq, a_hi, b_lo) + np.einsum(eq, a_lo, b_hi)) % p
    ll = np.einsum(eq, a_lo, b_lo) % p
    return (hh * ((1 << (2 * _LOW)) % p) % p + mid * (1 << _LOW) % p + ll) % p


# ---------------------------------------------------------------- circuits
def random_tensors(
    network: TensorNetwork, seed: int | np.random.Generator | None = 0, prime: int | None = None
) -> dict[Hashable, np.ndarray]:
    """Random cores for every tensor node: standard normal, or uniform residues mod ``prime``."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if prime is None:
        return {n: rng.standard_normal(network.shape(n)) for n in network.tensors}
    return {n: rng.integers(0, prime, size=network.shape(n), dtype=np.int64) for n in network.tensors}


def matricization_rank(
    network: TensorNetwork,
    start: Partition | str | Iterable[int | str],
    end: Iterable[int | str] | None = None,
    *,
    seed: int = 0,
    prime: int = PRIME,
    max_entries: int = 2**24,
    optimize: Optimize = "auto",
) -> int:
    """Exact rank (mod ``prime``) of a matricization of the network with random cores.

    The network is contracted with uniform random residues as cores; rows are
    indexed by the legs of the start steps, columns by the rest. The rank mod
    ``prime`` of these integer cores is a certified lower bound on the rank for
    generic real cores, which the min-cut bounds from above.

    Parameters
    ----------
    network : TensorNetwork
    start, end
        The bipartition (see :func:`tnrank.networks.mincut.resolve_partition`).
    seed, prime
        Random cores and modulus.
    max_entries : int
        Refuse networks whose full tensor has more entries.
    optimize : str, PathOptimizer or path
        Path finder (see :func:`contract`).

    Returns
    -------
    int

    Examples
    --------
    >>> from tnrank.networks.examples import mps
    >>> matricization_rank(mps(6, bond=3), "start-end")
    3
    """
    if isinstance(network, TensorNetwork) and len(network.tensors) > MAX_CONTRACTED_TENSORS:
        raise TnrankError(f"the network has {len(network.tensors):,} tensors; exact matricization "
                          f"ranks contract at most {MAX_CONTRACTED_TENSORS:,} (the min-cut needs no "
                          "contraction)")
    s_steps, _e_steps = resolve_partition(network, start, end)
    entries = math.prod(leg.dim for leg in network.legs.values())
    if entries > max_entries:
        raise TnrankError(f"the full tensor has {format_bound(entries)} entries, more than "
                          f"{max_entries:,}; exact matricization ranks need a smaller network (the "
                          "min-cut needs no tensor)")
    full = contract(network, random_tensors(network, seed, prime), optimize=optimize, prime=prime)
    legs = list(network.legs.values())
    start_steps = set(s_steps)
    rows = [i for i, leg in enumerate(legs) if leg.step in start_steps]
    cols = [i for i, leg in enumerate(legs) if leg.step not in start_steps]
    n_rows = math.prod(legs[i].dim for i in rows)
    matrix = np.transpose(full, rows + cols).reshape(n_rows, -1)
    return rank_mod_p(matrix, prime)
