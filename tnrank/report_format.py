"""Plain-text tables for reports and sweeps."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .certify import RankResult, Report

#: The condition of every Schwartz–Zippel failure bound (also in the JSON report).
FAILURE_CONDITION = "Schwartz–Zippel, assuming the (r+1)-minor is not identically zero mod p"

__all__ = ["format_report", "format_report_html", "format_table"]


def format_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned text columns separated by two spaces."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _float_cell(res: RankResult) -> str:
    est = res.float_estimate
    if est is None:
        return "skipped" if res.float_skipped else "-"
    flag = "" if res.float_agrees else f"  DISAGREES (exact {res.float_compared_to})"
    return f"{est.rank} (tol {est.tol:.1e}){flag}"


def format_report(report: Report) -> str:
    """The report as a readable table with the provenance of every number."""
    arch, part = report.architecture, report.partition
    lines = [
        arch.describe(),
        f"T={part.T}, partition {part.name} (start {_steps(part.start)} | end {_steps(part.end)}), "
        f"seed {report.seed}, prime {report.prime}",
        "",
    ]
    rows = []
    for res in (report.grid, report.separation):
        if res is None:
            continue
        rows.append([
            res.quantity, res.lower, res.upper, res.upper_source, "yes" if res.exact else "no",
            res.rank if res.exact else "-", res.lower_source, _float_cell(res),
        ])
    lines.append(format_table(
        ["quantity", "lower", "upper", "upper source", "exact", "rank", "lower proved by",
         "float SVD rank"], rows))
    lines.append("")
    for res in (report.grid, report.separation):
        if res is None:
            continue
        bounds = ", ".join(f"{k} {v:,}" for k, v in res.bounds.items())
        lines.append(f"{res.quantity} bounds: {bounds}")
        if res.status == "generic-whp":
            lines.append(
                f"  {res.quantity} = {res.lower} for generic weights with probability ≥ "
                f"1 - {res.failure_bound:.1e} ({FAILURE_CONDITION}; product over "
                f"{_saturated_runs(res)} independent rank-deficient run(s))"
            )
            for run in res.runs:
                size = "full grid" if run.samples is None else f"{run.samples}×{run.samples}"
                bound = "-" if run.failure_bound is None else f"{run.failure_bound:.1e}"
                lines.append(f"    run: prime {run.prime}, seed {run.seed}, {size}, rank {run.rank}, "
                             f"bound {bound}")
        if res.float_skipped:
            lines.append(f"  {res.float_skipped}")
        for note in res.notes:
            lines.append(f"  note: {note}")
    lines.append("")
    if report.theorems:
        lines.append("paper's bounds (separation rank):")
        for check in report.theorems:
            b = check.bound
            sign = "≤" if b.kind == "upper" else "≥"
            lines.append(f"  {b.name}: {b.statement}; sep {sign} {b.value:,} -> {check.verdict}")
    else:
        lines.append(f"paper's bounds: {report.applicability}")
    lines.append(
        "proved: every lower (exact rank mod p of a computed matrix) and upper (closed form); "
        "exact = proved value; w.p. = holds with the stated probability; float SVD = estimate only"
    )
    return "\n".join(lines)


def _saturated_runs(res: RankResult) -> int:
    return sum(1 for run in res.runs if run.rank == res.lower and run.failure_bound is not None)


def format_report_html(report: Report) -> str:
    """The report as a small HTML table (what Jupyter shows for a :class:`~tnrank.certify.Report`).

    >>> from tnrank import Architecture, certify
    >>> page = format_report_html(certify(Architecture.rac(depth=2, width=2, M=2), T=4))
    >>> page.count("<tr>"), "<td>exact</td>" in page
    (3, True)
    """
    arch, part = report.architecture, report.partition
    esc = html.escape
    head = "".join(f"<th>{h}</th>" for h in ("quantity", "lower", "upper", "upper source", "status"))
    rows = []
    for res in (report.grid, report.separation):
        if res is None:
            continue
        cells = [res.quantity, f"{res.lower:,}", f"{res.upper:,}", res.upper_source, res.status]
        rows.append("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in cells) + "</tr>")
    checks = "".join(
        f"<li>{esc(c.bound.name)}: sep {'≤' if c.bound.kind == 'upper' else '≥'} {c.bound.value:,}"
        f" → <b>{esc(c.verdict)}</b></li>" for c in report.theorems)
    theorems = f"<ul>{checks}</ul>" if checks else f"<p>{esc(report.applicability or '')}</p>"
    return (
        '<div class="tnrank-report">'
        f"<p><b>{esc(arch.describe())}</b><br/>T = {part.T}, partition {esc(part.name)} "
        f"(start {esc(_steps(part.start))} | end {esc(_steps(part.end))}), seed {report.seed}, "
        f"prime {report.prime}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"{theorems}</div>"
    )


def _steps(steps: Sequence[int]) -> str:
    if len(steps) > 2 and list(steps) == list(range(steps[0], steps[-1] + 1)):
        return f"{steps[0]}..{steps[-1]}"
    return ",".join(map(str, steps))
