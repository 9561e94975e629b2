"""The capacity question: the fewest MACs per step with which a depth solves a delay (no PyTorch).

For one depth and one delay the candidates are that depth's widths, ordered
by MACs per step (:func:`tnrank.experiments.budget.width_ladder`). Whether a
candidate *solves* is decided over its seeds by a rule:

* ``best`` (default, the paper's rule): at least one seed reaches 99% test
  data accuracy;
* ``majority``: at least half of the seeds do.

:func:`smallest_solving` is a binary search: it assumes that a network that
solves keeps solving with more MACs. Training noise can break that
assumption (seeds disagree, so a candidate can fail between two that
solve); the search then returns a candidate that solves and whose tested
smaller neighbour failed, which need not be the smallest solving candidate.
Every candidate it tested, and how each seed did, is kept in the results
file and printed, so such a case shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from tnrank.errors import TnrankError

__all__ = ["RULES", "seeds_solve", "smallest_solving"]

#: How seeds decide whether a candidate solves.
RULES = ("best", "majority")

C = TypeVar("C")


def seeds_solve(solved: Sequence[bool], rule: str = "best") -> bool:
    """Whether a candidate solves, given which of its seeds solved.

    Examples
    --------
    >>> seeds_solve([False, True, False]), seeds_solve([False, True, False], "majority")
    (True, False)
    >>> seeds_solve([True, False], "majority")
    True
    """
    if rule not in RULES:
        raise TnrankError(f"unknown seed rule {rule!r}; use one of {', '.join(RULES)}")
    if not solved:
        return False
    if rule == "best":
        return any(solved)
    return 2 * sum(bool(s) for s in solved) >= len(solved)


def smallest_solving(candidates: Sequence[C], solves: Callable[[C], bool]) -> C | None:
    """The first candidate (in the given order) for which ``solves`` holds, by binary search.

    Parameters
    ----------
    candidates : sequence
        Ordered by cost, cheapest first.
    solves : callable
        The solve predicate; called at most ``ceil(log2(len + 1))`` times,
        never twice on one candidate. Assumed monotone (see the module).

    Returns
    -------
    candidate or None
        ``None`` when the last candidate does not solve (or there is none).

    Examples
    --------
    >>> calls = []
    >>> smallest_solving(list(range(100)), lambda c: calls.append(c) or c >= 37), len(calls)
    (37, 7)
    >>> smallest_solving([1, 2, 3], lambda c: False) is None
    True
    """
    lo, hi = 0, len(candidates)
    while lo < hi:
        mid = (lo + hi) // 2
        if solves(candidates[mid]):
            hi = mid
        else:
            lo = mid + 1
    return candidates[lo] if lo < len(candidates) else None
