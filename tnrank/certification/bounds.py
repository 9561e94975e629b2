"""Closed-form bounds on Start-End ranks, each citing where it comes from.

Theorem 1 and the conjecture are from Levine, Sharir, Ziv & Shashua, *On the
Long-Term Memory of Deep Recurrent Networks* (arXiv:1710.09431), Sec. 4. The
degree bounds follow from the recurrence and hold for every weight setting and
every wiring tnrank accepts:

* **state degree** — for a prefix partition ``(0..k-1 | k..T-1)``, the output
  depends on the prefix only through the hidden states ``h^{k,l}`` and is a
  polynomial in them; the number of monomials it can use bounds the rank. For
  the paper's depth-``L`` RAC the output is homogeneous of degree
  ``n_l = C(T/2 + L - l - 1, L - l)`` in ``h^{T/2,l}``, giving
  ``∏_l C(R + n_l - 1, n_l)``.
* **input degree** — ``y`` is a polynomial in each ``v^t = f(x^t)`` of bounded
  degree, so either side's span of monomials bounds the rank (``M^{|S|}`` for a
  depth-1 RAC). On a grid each ``v^t`` takes only ``n`` template values, so a
  side contributes at most ``n`` per step (the **grid size** ``n^{|S|}``).

The state-degree count uses *effective* widths: a layer whose state is always
a scalar times an input-independent vector (a width-1 layer, or a
multiplicative layer fed by one such stream, or by the input when ``M = 1``)
has one monomial per degree, whatever its width. A width-1 bottleneck thus
caps the rank at ``∏_{l < b} C(R_l + n_l - 1, n_l)`` over the layers below it
(see docs/architecture-files.md).

An architecture with polynomial cells gets the same three bounds from running its layers on
symbols (:mod:`tnrank.certification.degrees`): the state-degree bound counts the monomials of
``y`` in the entries of every state at the cut, entry by entry where the work allows (so a
diagonal or gated update, which keeps the entries of a state apart, lowers the count), else
state by state, else from the largest degrees alone. A layer whose update is linear in its own
state gets ``N + 1`` this way (``N`` the state's entries).

* **affine state** — the closed form behind that count: when ``y`` is affine in the states at
  a prefix cut (each layer's update affine in its own previous state and its output read
  from that state alone, as a diagonal, selective or gated state-space layer or a
  linear-attention state), ``y = d(end) + Σ_z h_z(start) c_z(end)`` over the ``N`` state
  entries, so the rank is at most ``N + 1``: ``N + 1`` for a vector state of ``N`` entries,
  ``d_k d_v + 1`` for a ``d_k × d_v`` matrix state. Whether ``y`` is affine is read off the
  symbolic run's degree of ``y`` in the states (:func:`tnrank.engine.symbolic.cut_state_degree`).
  It is listed for architectures with cells; for the paper's layers Theorem 1 gives ``R``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tnrank.certification import degrees
from tnrank.engine.symbolic import cut_state_degree
from tnrank.model.architecture import INPUT, Architecture
from tnrank.model.partition import Partition

__all__ = [
    "theorem1_shallow_upper",
    "theorem1_deep_lower",
    "conjecture_lower",
    "reuse_count",
    "state_degree_bound",
    "input_degree_bound",
    "grid_size_bound",
    "total_degree",
    "cell_state_bound",
    "affine_state_bound",
    "upper_bounds",
    "TheoremBound",
    "theorem_bounds",
    "theorem_applicability",
]

PAPER = "Levine, Sharir, Ziv & Shashua, arXiv:1710.09431"


def _comb(n: int, k: int) -> int:
    return math.comb(n, k) if 0 <= k <= n else 0


def _half(T: int) -> int:
    if T < 2 or T % 2:
        raise ValueError(f"the Start-End bounds need an even T >= 2, got T={T}")
    return T // 2


def theorem1_shallow_upper(R: int, M: int, T: int) -> int:
    """Theorem 1, depth 1: the Start-End separation rank is at most ``min{R, M^{T/2}}``.

    Holds for all weights (Levine et al., arXiv:1710.09431, Theorem 1).

    >>> theorem1_shallow_upper(R=3, M=2, T=2)
    2
    """
    return min(R, int(M ** _half(T)))


def theorem1_deep_lower(R: int, M: int, T: int) -> int:
    """Theorem 1, depth 2: the Start-End separation rank is at least
    ``C(min{M, R} + T/2 - 1, T/2)`` for all weights but a set of measure zero
    (Levine et al., arXiv:1710.09431, Theorem 1).

    >>> theorem1_deep_lower(R=3, M=3, T=10)
    21
    """
    n = _half(T)
    return _comb(min(M, R) + n - 1, n)


def reuse_count(depth: int, T: int) -> int:
    """``n_L = C(T/2 + L - 2, L - 1)``: how many times the start summary of the
    first layer is reused on its way to the top of a depth-``L`` RAC
    (Levine et al., arXiv:1710.09431, Sec. 4.2)."""
    return _comb(_half(T) + depth - 2, depth - 1)


def conjecture_lower(depth: int, R: int, M: int, T: int) -> int:
    """Conjecture (depth ``L``): Start-End separation rank at least
    ``C(min{M, R} + n_L - 1, n_L)`` with ``n_L = C(T/2 + L - 2, L - 1)``
    (Levine et al., arXiv:1710.09431, Conjecture 1). For ``L = 2`` it is
    Theorem 1's bound.

    >>> conjecture_lower(depth=2, R=3, M=3, T=10) == theorem1_deep_lower(3, 3, 10)
    True
    """
    n = reuse_count(depth, T)
    return _comb(min(M, R) + n - 1, n)


# ---------------------------------------------------------------- degree profiles
_MAX_PROFILES = 4096
# a degree profile: (degree in the state of each layer at the cut, depends on the end inputs)
Profile = tuple[tuple[int, ...], bool]


def _merge_profiles(kind: str, a: set[Profile], b: set[Profile] | None,
                    const: Profile) -> set[Profile]:
    """Profiles of a layer's merge; a profile is (degree vector, depends-on-end flag)."""
    if b is None:
        b = {const}  # the all-ones initial hidden term: degree 0, no end dependence
    prod = {(tuple(x + y for x, y in zip(p[0], q[0], strict=False)), p[1] or q[1]) for p in a for q in b}
    if kind == "multiplicative":
        return prod
    if kind == "additive":
        return a | b
    return prod | a | b | {const}


def state_degree_bound(arch: Architecture, partition: Partition) -> int | None:
    """Upper bound on the separation rank across a prefix cut, from the degree
    of ``y`` in the hidden states at the cut.

    The output is a sum of terms ``m(h^k) c(x_E)``, ``m`` a monomial in the
    states ``h^{k,l}`` after the prefix. Monomials whose coefficient depends on
    the end inputs count one term each; all end-independent terms form one
    function of the start, and all state-free terms one function of the end.
    For the paper's RAC this is ``∏_l C(R + n_l - 1, n_l)`` (see module notes).

    Parameters
    ----------
    arch : Architecture
    partition : Partition
        Must have one side equal to a prefix ``0..k-1``; otherwise None.

    Returns
    -------
    int or None

    Examples
    --------
    >>> from tnrank import Architecture, Partition
    >>> state_degree_bound(Architecture.rac(2, 3, 3), Partition.parse("start-end", 10))
    63
    """
    k = partition.prefix_length
    if k is None:
        return None
    if arch.has_cells:
        return cell_state_bound(arch, k, partition.T)
    L = arch.depth
    zero = (0,) * L
    const: Profile = (zero, False)
    prof: list[set[Profile]] = [{(tuple(int(g == l) for g in range(L)), False)} for l in range(L)]
    if arch.initial == "ones" and k == 0:  # pragma: no cover - partitions are never empty
        prof = [set() for _ in range(L)]
    boxed = False
    for _ in range(k, partition.T):
        new: dict[int, set[Profile]] = {}  # layer -> its profiles after this step
        for l in arch.order:
            layer = arch.layers[l]
            a: set[Profile] = set()
            for src in layer.sources:
                a |= {(zero, True)} if src == INPUT else new[arch.index(src)]
            new[l] = _merge_profiles(layer.integration, a, prof[l], const)
            if len(new[l]) > _MAX_PROFILES:
                boxed = True
                break
        if boxed:
            break
        prof = [new[l] for l in range(L)]
    if boxed:
        return _boxed_state_bound(arch, partition)
    out: set[Profile] = set()
    for name in arch.output:
        out |= prof[arch.index(name)]
    return _count_terms(arch, out)


#: Most monomial pairs the state-by-state count of a cell architecture may combine (about a
#: second of work); the entry-by-entry count gets a tenth of it.
CELL_MONOMIAL_BUDGET = 2_000_000


def cell_state_bound(arch: Architecture, cut: int, T: int) -> int:
    """The state-degree bound of an architecture with cells across the cut before step ``cut``:
    the smallest of the monomial counts entry by entry (when within
    :data:`CELL_MONOMIAL_BUDGET`), state by state (likewise) and from the largest degrees.

    >>> from tnrank import Architecture, Cell, Partition
    >>> s6 = Cell(state={"h": 3}, weights={"A": (3, 2), "B": (3, 2), "C": (3, 2)},
    ...           update={"h": "(A @ x) * h + B @ x"}, output="(C @ x) * h")
    >>> cell_state_bound(Architecture(M=2, layers=[s6]), 4, 8)  # N + 1
    4
    """
    found = [degrees.boxed_state_bound(arch, cut, T)]
    for per_entry, budget in ((False, CELL_MONOMIAL_BUDGET), (True, CELL_MONOMIAL_BUDGET // 10)):
        value = degrees.state_monomial_bound(arch, cut, T, per_entry, budget)
        if value is not None:
            found.append(value)
    return min(found)


def affine_state_bound(arch: Architecture, partition: Partition) -> int | None:
    """``N + 1`` when ``y`` is affine in the states at the partition's prefix cut, ``N`` the
    number of state entries of every layer together; None when the partition is not a prefix
    cut or ``y`` has degree 2 or more in those states.

    After the cut ``y = d(end) + Σ_z h_z(start) c_z(end)``, a sum of ``N + 1`` products of a
    function of the start and one of the end, for every weight setting.

    Examples
    --------
    >>> from tnrank import Architecture, Cell, Partition
    >>> s6 = Cell(state={"h": 3}, weights={"A": ("h", "x"), "B": ("h", "x"), "C": ("h", "x")},
    ...           update={"h": "(A @ x) * h + B @ x"}, output="(C @ x) * h")
    >>> attention = Cell(state={"S": (3, 2)}, weights={"Q": (3, 2), "K": (3, 2), "V": (2, 2)},
    ...                  update={"S": "S + outer(K @ x, V @ x)"}, output="(Q @ x) @ S")
    >>> part = Partition.parse("start-end", 8)
    >>> [affine_state_bound(Architecture(M=2, layers=[c]), part) for c in (s6, attention)]
    [4, 7]
    >>> print(affine_state_bound(Architecture(M=2, layers=[s6, s6]), part))  # two layers: degree 2
    None
    """
    k = partition.prefix_length
    if k is None or cut_state_degree(arch, partition.T - k) > 1:
        return None
    return arch.state_size + 1


def _effective_widths(arch: Architecture) -> tuple[int, ...]:
    """Widths, with 1 for layers whose state is a scalar times a fixed vector.

    A width-1 layer has that form; so has a multiplicative layer whose sources
    are one such stream (or the input when ``M = 1``), by induction on ``t``:
    ``(W^I σ_t c_t) ⊙ (W^H σ'_{t-1} c'_{t-1}) = σ_t σ'_{t-1} (W^I c_t ⊙ W^H c'_{t-1})``.
    Every monomial of degree ``d`` in such a state is a multiple of ``σ^d``.
    """
    rank_one: dict[int, bool] = {}
    for l in arch.order:
        layer = arch.layers[l]
        sources = set(layer.sources)
        if layer.width == 1:
            rank_one[l] = True
        elif layer.integration == "multiplicative" and len(sources) == 1:
            src = sources.pop()
            rank_one[l] = arch.M == 1 if src == INPUT else rank_one[arch.index(src)]
        else:
            rank_one[l] = False
    return tuple(1 if rank_one[l] else layer.width for l, layer in enumerate(arch.layers))


def _count_terms(arch: Architecture, profiles: set[Profile]) -> int:
    widths = _effective_widths(arch)
    with_end = {d for d, f in profiles if f and any(d)}
    pure_start = {d for d, f in profiles if not f and any(d)} - with_end
    state_free = any(not any(d) for d, _ in profiles)
    total = sum(math.prod(_comb(r + n - 1, n) for r, n in zip(widths, d, strict=False)) for d in with_end)
    return total + int(bool(pure_start)) + int(state_free)


def _boxed_state_bound(arch: Architecture, partition: Partition) -> int:
    """Coarser bound when the profile sets grow too large: all monomials up to
    the maximal degree per layer, plus one pure-start term."""
    k = partition.prefix_length
    L = arch.depth
    top = [[int(g == l) for g in range(L)] for l in range(L)]
    for _ in range(k or 0, partition.T):  # called for prefix cuts (k is set)
        new: dict[int, list[int]] = {}  # layer -> its maximal degrees after this step
        for l in arch.order:
            layer = arch.layers[l]
            a = [0] * L
            for src in layer.sources:
                if src != INPUT:
                    a = [max(x, y) for x, y in zip(a, new[arch.index(src)], strict=False)]
            b = top[l]
            if layer.integration == "additive":
                new[l] = [max(x, y) for x, y in zip(a, b, strict=False)]
            else:
                new[l] = [x + y for x, y in zip(a, b, strict=False)]
        top = [new[l] for l in range(L)]
    deg = [0] * L
    for name in arch.output:
        deg = [max(x, y) for x, y in zip(deg, top[arch.index(name)], strict=False)]
    return math.prod(_comb(r + n, n) for r, n in zip(_effective_widths(arch), deg, strict=False)) + 1


def _input_degree_ranges(arch: Architecture, T: int) -> list[tuple[int, int]]:
    """(min, max) degree of ``y`` in each ``v^t``, in O(T · L) work.

    The recurrence is the same at every step, so the degree in ``v^s`` after
    ``t`` steps depends only on ``t - s`` once ``s >= 1``: the state before
    step ``s`` does not involve ``v^s``. Only step 0 can differ (a ``zeros``
    initial state drops the hidden term at the first step). So two inputs are
    tracked, ``v^0`` and ``v^1``, and the degree of ``y`` in ``v^s`` (``s >= 1``)
    is the degree in ``v^1`` of the same circuit read after ``T - s + 1`` steps.
    Architectures with cells are run on symbols over all ``T`` steps
    (:func:`tnrank.certification.degrees.input_degree_ranges_of`).
    """
    if arch.has_cells:
        return degrees.input_degree_ranges_of(arch, T)
    tracked = 2  # v^0 and v^1
    zero = [0] * tracked
    lo: dict[int, list[int]] = {}  # layer -> least degrees after the last step (none before)
    hi: dict[int, list[int]] = {}  # layer -> largest degrees
    out_at: list[tuple[tuple[int, int], tuple[int, int]]] = []  # y's degrees after step t
    for t in range(T):
        unit = [int(s == t) for s in range(tracked)]
        nlo: dict[int, list[int]] = {}
        nhi: dict[int, list[int]] = {}
        for l in arch.order:
            layer = arch.layers[l]
            ranges = [(unit, unit) if src == INPUT else (nlo[arch.index(src)], nhi[arch.index(src)])
                      for src in layer.sources]
            alo = [min(col) for col in zip(*(r[0] for r in ranges), strict=True)]
            ahi = [max(col) for col in zip(*(r[1] for r in ranges), strict=True)]
            blo, bhi = (lo[l], hi[l]) if l in lo else (zero, zero)
            first_zero = l not in lo and arch.initial == "zeros"
            kind = layer.integration
            if kind == "multiplicative":
                nlo[l] = [x + y for x, y in zip(alo, blo, strict=True)]
                nhi[l] = [x + y for x, y in zip(ahi, bhi, strict=True)]
            elif kind == "additive":
                nlo[l] = alo if first_zero else [min(x, y) for x, y in zip(alo, blo, strict=True)]
                nhi[l] = ahi if first_zero else [max(x, y) for x, y in zip(ahi, bhi, strict=True)]
            else:
                nlo[l] = zero
                nhi[l] = [x + y for x, y in zip(ahi, bhi, strict=True)]
        lo, hi = nlo, nhi
        outputs = [arch.index(name) for name in arch.output]
        ylo = [min(col) for col in zip(*(lo[i] for i in outputs), strict=True)]
        yhi = [max(col) for col in zip(*(hi[i] for i in outputs), strict=True)]
        out_at.append(((ylo[0], yhi[0]), (ylo[1], yhi[1])))
    first = out_at[T - 1][0]
    return [first] + [out_at[T - s][1] for s in range(1, T)]


def _monomials(M: int, lo: int, hi: int) -> int:
    """Number of monomials in ``M`` variables with degree in ``[lo, hi]``."""
    return _comb(M + hi, hi) - (_comb(M + lo - 1, lo - 1) if lo > 0 else 0)


def input_degree_bound(arch: Architecture, partition: Partition) -> int:
    """Upper bound on the separation rank from the degree of ``y`` in each input.

    ``y`` restricted to either side lies in the span of products of monomials
    in that side's ``v^t``, so the smaller side's count of such products
    bounds the rank. For a depth-1 RAC it is ``M^{min(|S|, |E|)}``.

    >>> from tnrank import Architecture, Partition
    >>> input_degree_bound(Architecture.rac(1, 9, 2), Partition.parse("start-end", 6))
    8
    """
    ranges = _input_degree_ranges(arch, partition.T)
    sides = [
        math.prod(_monomials(arch.M, *ranges[t]) for t in side)
        for side in (partition.start, partition.end)
    ]
    return min(sides)


def grid_size_bound(arch: Architecture, partition: Partition, n_templates: int | None = None) -> int:
    """Upper bound on the grid rank: each step contributes at most
    ``min(n, #monomials in v^t)`` on the smaller side (``n`` templates; ``n^{|S|}``
    for a RAC).

    >>> from tnrank import Architecture, Partition
    >>> grid_size_bound(Architecture.rac(2, 3, 3), Partition.parse("start-end", 10))
    243
    """
    n = arch.M if n_templates is None else n_templates
    ranges = _input_degree_ranges(arch, partition.T)
    sides = [
        math.prod(min(n, _monomials(arch.M, *ranges[t])) for t in side)
        for side in (partition.start, partition.end)
    ]
    return min(sides)


def total_degree(arch: Architecture, T: int, random_inputs: bool) -> int:
    """Total degree of ``y`` as a polynomial in all weights (and, when
    ``random_inputs``, the input vectors): the degree that enters the
    Schwartz–Zippel failure bounds of sampled ranks (for cells, from running the layers on
    degrees: :func:`tnrank.certification.degrees.total_degree_of`)."""
    if arch.has_cells:
        return degrees.total_degree_of(arch, T, random_inputs)
    deg: dict[int, int] = {}  # layer -> degree after the last step (none before the first)
    d_in = 1 if random_inputs else 0
    for _ in range(T):
        new: dict[int, int] = {}
        for l in arch.order:
            layer = arch.layers[l]
            a = 1 + max(d_in if s == INPUT else new[arch.index(s)] for s in layer.sources)
            if l not in deg:
                b = 2 if arch.initial == "state" else 0
            else:
                b = 1 + deg[l]
            if layer.integration == "multiplicative":
                new[l] = a + b
            elif layer.integration == "additive":
                new[l] = max(a, b)
            else:
                new[l] = 1 + a + b
        deg = new
    return 1 + max(deg[arch.index(o)] for o in arch.output)


def upper_bounds(arch: Architecture, partition: Partition, quantity: str) -> dict[str, int]:
    """Every closed-form upper bound that applies, by name.

    Parameters
    ----------
    arch : Architecture
    partition : Partition
    quantity : {"grid", "separation"}
        The grid rank is at most the separation rank, so grid bounds include
        the separation bounds and the grid size.

    Returns
    -------
    dict
        ``{"state degree": ..., "affine state": ..., "input degree": ..., "grid size": ...}``
        (keys present only when the bound applies).
    """
    bounds: dict[str, int] = {}
    sd = state_degree_bound(arch, partition)
    if sd is not None:
        bounds["state degree"] = sd
    affine = affine_state_bound(arch, partition) if arch.has_cells else None
    if affine is not None:
        bounds["affine state"] = affine
    bounds["input degree"] = input_degree_bound(arch, partition)
    if quantity == "grid":
        bounds["grid size"] = grid_size_bound(arch, partition)
    return bounds


# ---------------------------------------------------------------- theorem checks
@dataclass(frozen=True)
class TheoremBound:
    """A bound the paper states for the Start-End separation rank.

    Attributes
    ----------
    name : str
        ``"Theorem 1 (depth 1)"``, ``"Theorem 1 (depth 2)"`` or ``"Conjecture 1"``.
    kind : str
        ``upper``: the rank is at most ``value`` for all weights; ``lower``: at
        least ``value`` for generic weights.
    value : int
    statement : str
    citation : str
    """

    name: str
    kind: str
    value: int
    statement: str
    citation: str = PAPER

    def verdict(self, lower: int, upper: int | None) -> str:
        """``holds``, ``tight``, ``violated`` or ``undecided`` given certified
        bounds ``lower <= rank <= upper``."""
        if self.kind == "upper":
            if lower > self.value:
                return "violated"
            if upper is not None and upper <= self.value:
                return "tight" if lower == self.value else "holds"
            return "undecided"
        if upper is not None and upper < self.value:
            return "violated"
        if lower >= self.value:
            return "tight" if upper == self.value else "holds"
        return "undecided"


def theorem_applicability(arch: Architecture, partition: Partition) -> str | None:
    """None when the paper's results apply, else why they do not."""
    if not arch.is_standard_rac:
        return "not applicable: the paper's theorems cover the standard RAC only"
    if partition.name != "start-end":
        return "not applicable: the paper's theorems concern the Start-End partition"
    return None


def theorem_bounds(arch: Architecture, partition: Partition) -> list[TheoremBound]:
    """The paper's bounds that apply to this architecture and partition.

    Returns an empty list when they do not apply (see
    :func:`theorem_applicability`).

    >>> from tnrank import Architecture, Partition
    >>> [b.name for b in theorem_bounds(Architecture.rac(3, 2, 2), Partition.parse("start-end", 8))]
    ['Conjecture 1']
    """
    if theorem_applicability(arch, partition) is not None:
        return []
    L, R, M, T = arch.depth, arch.widths[0], arch.M, partition.T
    if L == 1:
        return [
            TheoremBound(
                "Theorem 1 (depth 1)", "upper", theorem1_shallow_upper(R, M, T),
                "sep ≤ min{R, M^(T/2)} for all weights",
            )
        ]
    if L == 2:
        return [
            TheoremBound(
                "Theorem 1 (depth 2)", "lower", theorem1_deep_lower(R, M, T),
                "sep ≥ C(min{M,R} + T/2 - 1, T/2) for generic weights",
            )
        ]
    return [
        TheoremBound(
            "Conjecture 1", "lower", conjecture_lower(L, R, M, T),
            f"sep ≥ C(min{{M,R}} + n_L - 1, n_L), n_L = C(T/2 + L - 2, L - 1) = {reuse_count(L, T)}",
        )
    ]

