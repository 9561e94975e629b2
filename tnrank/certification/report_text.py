"""The words of the reports: one certified rank in a table cell.

Every table that shows certified ranks (``tnrank verify``, ``tnrank analyze`` comparisons and
their Markdown, sweep results in a notebook) writes a rank with :func:`rank_cell`, so a rank
reads the same wherever it appears. The status table of ``tnrank analyze --status``, which
labels each rank by the kind of statement it is, writes it with :func:`status_cell`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tnrank.formatting import format_bound

if TYPE_CHECKING:
    from tnrank.certification.report import RankResult

__all__ = ["rank_cell", "status_cell", "RANK_CELL_LEGEND"]

#: What the cells of :func:`rank_cell` mean, for the line under a table of them.
RANK_CELL_LEGEND = ("n exact = exact rank (certified lower bound = proved upper bound); lo..hi = "
                    "certified bounds that do not meet")


def rank_cell(result: RankResult | None, *, probability: bool = False) -> str:
    """One certified rank in a table cell.

    Parameters
    ----------
    result : RankResult or None
        None (a rank not computed, such as the grid rank of a partition without one) is shown
        as ``-``.
    probability : bool
        For a ``generic-whp`` rank, add the generic value and its Schwartz–Zippel bound (where a
        cell has room for it, as in HTML).

    Returns
    -------
    str
        ``"56 exact"`` when the proved bounds meet, ``"22..56"`` when they do not
        (thousands separated; an astronomically large upper bound as a power of two).

    Examples
    --------
    >>> from tnrank.certification.report import RankResult
    >>> rank_cell(RankResult("separation", 56, 56, "state degree", "exact", "sample 64×64 mod p"))
    '56 exact'
    >>> whp = RankResult("separation", 1022, 1024, "min-cut", "generic-whp", "sample 1024×1024",
    ...                  failure_bound=2.1e-05)
    >>> rank_cell(whp), rank_cell(None)
    ('1,022..1,024', '-')
    >>> rank_cell(whp, probability=True)
    '1,022..1,024 (= 1,022 w.p. ≥ 1 - 2.1e-05)'
    """
    if result is None:
        return "-"
    if result.exact:
        return f"{result.lower:,} exact"
    text = f"{result.lower:,}..{format_bound(result.upper)}"
    if result.status == "inconsistent":
        return f"{text} inconsistent"
    if probability and result.status == "generic-whp" and result.failure_bound is not None:
        text += f" (= {result.lower:,} w.p. ≥ 1 - {result.failure_bound:.1e})"
    return text


def status_cell(result: RankResult | None) -> str:
    """One certified rank labelled by the kind of statement it is: ``"56"`` proved exact,
    ``"501*"`` the generic value with high probability (the table shows its failure bound
    beside the row), ``"≥28,675"`` a certified lower bound only; ``-`` for None.

    >>> from tnrank import Architecture, certify
    >>> status_cell(certify(Architecture.rac(3, 2, 2), T=6).separation)
    '52*'
    """
    if result is None:
        return "-"
    if result.exact:
        return f"{result.lower:,}"
    if result.status == "generic-whp" and result.failure_bound is not None:
        return f"{result.lower:,}*"
    return f"≥{result.lower:,}"
