r"""Degrees of any architecture's output, cells included, by running it on symbols.

The degree bounds of :mod:`tnrank.certification.bounds` need three facts about the output
:math:`y`: its total degree in the weights and inputs (for the Schwartz–Zippel failure
bounds), the least and largest degree of each of its monomials in each input :math:`v^t` (the
input-degree and grid-size bounds), and which monomials of the states at a cut it can contain
(the state-degree bound). For the paper's three integrations they have closed recurrences in
that module; for a polynomial cell they follow from running the cell's program
(:class:`~tnrank.model.cell_program.Program`) on symbolic values instead of numbers
(:mod:`tnrank.engine.symbolic`). Two algebras serve:

* **max-plus degrees** — a value is an array of degrees, one per entry (:math:`-\infty` for a
  value that is identically zero); a sum takes the larger degree, a product adds them, a
  weight adds its own degree. The total degree is one such number per entry; the pair
  (least, largest) degree in every input is stored as :math:`(-\text{least}, \text{largest})`
  along a trailing axis of length :math:`2T`, so that the same two rules apply to it.
* **monomial supports** — a value is, per entry, the set of monomials in the states at the
  cut that it can contain (each with a flag saying whether its coefficient depends on the
  inputs after the cut); a sum takes the union, a product all sums of exponents. Entries
  are kept apart, so a diagonal or gated update, which never mixes the entries of a state,
  keeps each monomial in one entry's variables: structure lowers the count. Sets are interned
  and every operation on a pair of sets is computed once; a budget on the work falls back to
  coarser variables (one per state instead of one per entry), and then to degrees alone.

Both are exact upper bounds on what the polynomial contains (no cancellation is assumed), so
the counts they give are proved bounds for every weight setting.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tnrank.engine.symbolic import (
    BudgetExceededError,
    MaxPlus,
    Supports,
    SymbolicCell,
    cut_variables,
    initial_values,
    output_value,
    simulate,
)
from tnrank.model.architecture import Architecture

__all__ = ["total_degree_of", "input_degree_ranges_of", "state_monomial_bound",
           "boxed_state_bound"]


# ---------------------------------------------------------------------------- the bounds
def total_degree_of(arch: Architecture, T: int, random_inputs: bool) -> int:
    """Total degree of ``y`` in the weights (and, when ``random_inputs``, the inputs)."""
    alg = MaxPlus(np.array(1.0), lambda t: np.array(1.0 if random_inputs else 0.0))
    y = output_value(arch, alg, simulate(arch, alg, range(T), initial_values(arch, alg)))
    return 0 if not np.isfinite(y) else int(y)


def input_degree_ranges_of(arch: Architecture, T: int) -> list[tuple[int, int]]:
    """(least, largest) degree of ``y``'s monomials in each input ``v^t`` (``(0, 0)`` for an
    identically zero ``y``)."""
    def inputs(t: int) -> np.ndarray:
        e = np.zeros(2 * T)
        e[t] = -1.0  # minus the least degree
        e[T + t] = 1.0  # the largest degree
        return e

    alg = MaxPlus(np.zeros(2 * T), inputs, (2 * T,))
    y = output_value(arch, alg, simulate(arch, alg, range(T), initial_values(arch, alg)))
    if not np.all(np.isfinite(y)):
        return [(0, 0)] * T
    return [(int(-y[t]), int(y[T + t])) for t in range(T)]


def state_monomial_bound(arch: Architecture, cut: int, T: int, per_entry: bool,
                         budget: int = 2_000_000) -> int | None:
    """The number of monomials of ``y`` in the states after step ``cut - 1`` whose
    coefficients depend on the later inputs, plus one for all the others (a function of the
    start alone) and one for the state-free part (a function of the end alone): an upper
    bound on the rank across the cut.

    Parameters
    ----------
    arch : Architecture
    cut : int
        The first end step.
    T : int
    per_entry : bool
        One variable per state entry (structure-aware) or one per state.
    budget : int
        Most monomial pairs combined; None is returned beyond it.

    Returns
    -------
    int or None
    """
    layout, dims = cut_variables(arch, per_entry)
    zero_at_cut = _states_zero_at_cut(arch, cut)
    alg = Supports(len(dims), budget)
    values: list[Any] = []
    for k in range(arch.depth):
        entry = {}
        for name, var in layout[k].items():
            ids = np.vectorize(alg.variable, otypes=[np.int64])(var) if var.size else var
            entry[name] = alg.zero(var.shape) if zero_at_cut[k][name] else ids
        values.append(entry["h"] if arch.program(k) is None else SymbolicCell(entry, lambda: None))
    try:
        values = simulate(arch, alg, range(cut, T), values)
        y = output_value(arch, alg, values)
    except BudgetExceededError:
        return None
    return _count(alg.sets[int(y)], dims)


def _count(monomials: frozenset[Any], dims: list[int]) -> int:
    with_end = {e for e, f in monomials if f and any(e)}
    pure_start = {e for e, f in monomials if not f and any(e)} - with_end
    state_free = any(not any(e) for e, _ in monomials)
    total = sum(math.prod(math.comb(d + n - 1, n) for d, n in zip(dims, e, strict=True))
                for e in with_end)
    return total + int(bool(pure_start)) + int(state_free)


def _states_zero_at_cut(arch: Architecture, cut: int) -> list[dict[str, bool]]:
    """Which states are identically zero after step ``cut - 1`` (a state starting at zero
    that nothing ever makes nonzero)."""
    alg = MaxPlus(np.array(1.0), lambda t: np.array(1.0))
    values = simulate(arch, alg, range(cut), initial_values(arch, alg))
    out = []
    for k in range(arch.depth):
        v = values[k]
        if isinstance(v, SymbolicCell):
            out.append({n: bool(np.all(np.isneginf(a))) for n, a in v.states.items()})
        else:
            out.append({"h": bool(np.all(np.isneginf(v)))})
    return out


def boxed_state_bound(arch: Architecture, cut: int, T: int) -> int:
    """The coarse bound: every monomial up to ``y``'s largest degree in each state, plus one."""
    layout, dims = cut_variables(arch, per_entry=False)
    G = len(dims)
    alg = MaxPlus(np.zeros(G), lambda t: np.zeros(G), (G,))
    values: list[Any] = []
    for k in range(arch.depth):
        entry = {}
        for name, var in layout[k].items():
            e = np.zeros(var.shape + (G,))
            e[..., int(var.flat[0])] = 1.0
            entry[name] = e
        values.append(entry["h"] if arch.program(k) is None else SymbolicCell(entry, lambda: None))
    y = output_value(arch, alg, simulate(arch, alg, range(cut, T), values))
    degrees = [0 if not np.isfinite(d) else int(d) for d in y]
    return math.prod(math.comb(d + n, n) for d, n in zip(dims, degrees, strict=True)) + 1
