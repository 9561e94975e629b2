"""``--explain``: how each number of a report was proved, in words.

Uses :meth:`Report.explain` when the library has it; otherwise the same account is
built here from the report's JSON form (its runs, bounds and theorem checks).
"""

from __future__ import annotations

from typing import Any

from tnrank.certification.report import Report
from tnrank.studies.analysis import BOUND_SOURCES

__all__ = ["explain"]


def explain(report: Report) -> str:
    """How each number of ``report`` was proved (``report.explain()`` when it exists).

    Examples
    --------
    >>> from tnrank import Architecture, certify
    >>> text = explain(certify(Architecture.rac(2, 2, 2), T=4))
    >>> print(text.splitlines()[0])
    How each number was proved (T=4, start-end partition):
    """
    method = getattr(report, "explain", None)
    if callable(method):
        return str(method())
    return explain_dict(report.to_dict())


def _runs(res: dict[str, Any]) -> list[str]:
    lines = []
    for i, run in enumerate(res.get("runs") or [], start=1):
        matrix = "the full grid" if run["samples"] is None else f"a {run['samples']}×{run['samples']} sample"
        line = (f"    run {i}: rank {run['rank']:,} of {matrix} modulo p = {run['prime']:,} "
                f"(weights and samples from seed {run['seed']})")
        if run.get("failure_bound") is not None:
            line += f"; Schwartz–Zippel bound (r+1)·D/p = {run['failure_bound']:.1e}"
        lines.append(line)
    return lines


def _lower_source(source: str) -> str:
    """How the lower bound was proved, from the report's ``lower_source``."""
    if source.endswith(" mod p"):
        return (f"the exact rank modulo p of the {source[:-len(' mod p')]} matrix built with integer "
                "weights. A nonzero minor modulo p is a nonzero integer minor, so the rank over the "
                "rationals, and the generic rank, is at least this.")
    if source.startswith("grid rank"):
        return ("the certified grid rank: the grid matrix is the separation's matricization "
                "evaluated at template inputs, so the separation rank is at least the grid rank.")
    return f"{source}."


def _quantity(name: str, res: dict[str, Any]) -> list[str]:
    lines = [f"{name} rank: {res['lower']:,} ≤ rank ≤ {res['upper']:,} ({res['status']})"]
    lines.append(f"  lower bound {res['lower']:,}: {_lower_source(res['lower_source'])}")
    lines += _runs(res)
    bounds = sorted((res.get("bounds") or {}).items(), key=lambda kv: kv[1])
    if bounds:
        lines.append(f"  upper bound {res['upper']:,}: the {res['upper_source']} bound, the smallest "
                     "that applies:")
        for bound, value in bounds:
            source = BOUND_SOURCES.get(bound, "supplied by the caller")
            lines.append(f"    {bound} = {value:,}: {source}")
    if res["exact"]:
        lines.append(f"  exact: the lower bound equals the {res['upper_source']} bound, so the rank is "
                     f"{res['lower']:,}")
    elif res["status"] == "generic-whp" and res.get("failure_bound") is not None:
        lines.append(f"  generic value {res['lower']:,} with probability ≥ 1 − {res['failure_bound']:.1e}: "
                     "each run above found a rank-deficient matrix, and a matrix of random weights "
                     "misses a higher generic rank with probability at most its Schwartz–Zippel "
                     "bound; independent runs multiply their bounds"
                     + (f" ({res['failure_condition']})" if res.get("failure_condition") else ""))
    else:
        lines.append("  not exact: no upper bound meets the lower bound, and the sample was not "
                     "saturated; only the interval is proved")
    return lines


def explain_dict(data: dict[str, Any]) -> str:
    """The account of :func:`explain` from a report's JSON form (``Report.to_dict()``)."""
    partition = data.get("partition") or {}
    lines = [f"How each number was proved (T={data['T']}, {partition.get('name', 'given')} partition):"]
    for key in ("grid", "separation"):
        if data.get(key) is not None:
            lines += _quantity(key, data[key])
    for check in data.get("theorems") or []:
        sign = "≤" if check["kind"] == "upper" else "≥"
        lines.append(f"{check['name']}: rank {sign} {check['value']:,} ({check['statement']}; "
                     f"{check['citation']}): {check['verdict']}")
    if data.get("theorems_note"):
        lines.append(f"paper's theorems: {data['theorems_note']}")
    return "\n".join(lines)
