"""The words of the reports: a certified rank in a table cell, a report as readable text, and
how each of its numbers was proved.

Every table that shows certified ranks (``tnrank verify``, ``tnrank analyze`` comparisons and
their Markdown, sweep results in a notebook) writes a rank with :func:`rank_cell`, so a rank
reads the same wherever it appears. The status table of ``tnrank analyze --status``, which
labels each rank by the kind of statement it is, writes it with :func:`status_cell`.
:func:`format_report` (what :meth:`~tnrank.certification.report.Report.format` and
``tnrank rank`` print) and :func:`explain_report`
(:meth:`~tnrank.certification.report.Report.explain`) write one report; :func:`report_parts`
gives its pieces to other renderings (the HTML of a notebook).

The types these words describe, and their JSON forms, are in
:mod:`~tnrank.certification.report`, which imports this module; this one imports them only
for type checking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tnrank.certification.bounds import total_degree
from tnrank.certification.glossary import GLOSSARY, glossary_lines, terms_used
from tnrank.formatting import format_bound, format_steps, format_table

if TYPE_CHECKING:
    from tnrank.certification.report import RankResult, Report

__all__ = ["format_report", "explain_report", "explain_result", "terms_text", "REPORT_TERMS",
           "FAILURE_CONDITION", "report_parts", "ReportParts", "float_says_something", "rank_cell",
           "status_cell", "RANK_CELL_LEGEND"]

#: The condition of every Schwartz–Zippel failure bound (also in the JSON report).
FAILURE_CONDITION = ("Schwartz–Zippel, assuming the (r+1)-minor is not identically zero modulo "
                     "the run's prime")

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


# ---------------------------------------------------------------- text
def _size(samples: int | None) -> str:
    return "full grid" if samples is None else f"{samples}×{samples} sample"


def float_says_something(res: RankResult) -> bool:
    """Whether the float estimate of ``res`` disagrees with the modular rank it is compared with
    (an agreeing estimate adds nothing to a proved rank)."""
    return res.float_agrees is False


def _float_cell(res: RankResult) -> str:
    est = res.float_estimate
    if est is None:
        return "-"
    if res.float_agrees:
        return f"{est.rank} (agrees)"
    return f"{est.rank} (rank mod p: {res.float_compared_to})"


def _float_line(res: RankResult) -> str | None:
    est = res.float_estimate
    if est is None:
        return None
    agree = "agrees with" if res.float_agrees else "is below" if est.rank < (res.float_compared_to or 0) \
        else "differs from"
    return (f"  float64 SVD estimate {est.rank} {agree} the rank mod p {res.float_compared_to} of a "
            f"same-shape matrix: singular values run from {est.sigma_max:.1e} down to "
            f"{est.sigma_min:.1e}, and those above tol {est.tol:.1e} (σ_max·max(m, n)·ε) count")


def _runs_text(res: RankResult) -> int:
    return sum(1 for run in res.runs if run.rank == res.lower and run.failure_bound is not None)


@dataclass
class ReportParts:
    """What a report says, piece by piece, for its text (:func:`format_report`) and its HTML
    (:func:`tnrank.presentation.notebook.report_html`).

    Attributes
    ----------
    heading : list of str
        The architecture and the settings (two lines).
    header : list of str
        Columns of the rank table (with a float column only when an estimate disagrees).
    rows : list of list of str
        One row per rank.
    details : list of (str, str)
        ``(kind, text)`` per line under the table: ``statement`` (one per rank),
        ``probability``, ``run``, ``float``, ``skipped``, ``note``, ``bounds``.
    theorems : list of str
        One line per paper's bound, or the reason none applies.
    terms : list of (str, str)
        The technical terms used, in the order they first appear, with their meanings.
    """

    heading: list[str]
    header: list[str]
    rows: list[list[str]]
    details: list[tuple[str, str]]
    theorems: list[str]
    terms: list[tuple[str, str]] = field(default_factory=list)


def report_parts(report: Report) -> ReportParts:
    """The pieces of a report's text (see :class:`ReportParts`)."""
    arch, part = report.architecture, report.partition
    results = [r for r in (report.grid, report.separation) if r is not None]
    heading = [arch.describe(),
               f"T={part.T}, partition {part.name} "
               f"(start {format_steps(part.start)} | end {format_steps(part.end)}), "
               f"seed {report.seed}, prime p = {report.prime}"]
    with_float = any(float_says_something(r) for r in results)
    header = ["quantity", "lower", "upper", "status", "upper bound from", "lower proved by"]
    if with_float:
        header.append("float64 SVD (estimate)")
    rows = []
    for res in results:
        row = [res.quantity, f"{res.lower:,}", f"{format_bound(res.upper)}", res.status, res.upper_source,
               res.lower_source]
        if with_float:
            row.append(_float_cell(res))
        rows.append(row)
    details: list[tuple[str, str]] = []
    for res in results:
        details.append(("statement", res.statement()))
        if res.status == "generic-whp":
            target = report.settings.get("failure_target")
            goal = "" if target is None else f" (target {target:.0e})"
            details.append(("probability", f"probability: {FAILURE_CONDITION}; the product of the "
                            f"bounds of {_runs_text(res)} independent rank-deficient run(s){goal}:"))
            for run in res.runs:
                bound = "full rank, no bound" if run.failure_bound is None else \
                    f"failure bound {run.failure_bound:.1e}"
                details.append(("run", f"run: {run.field.label}, seed {run.seed}, "
                                f"{_size(run.samples)}, rank {run.rank}, {bound}"))
        if float_says_something(res):
            details.append(("float", (_float_line(res) or "").strip()))
        if res.float_skipped:
            details.append(("skipped", res.float_skipped))
        for note in res.notes:
            details.append(("note", f"note: {note}"))
    for res in results:
        bounds = ", ".join(f"{k} {format_bound(v)}" for k, v in res.bounds.items())
        details.append(("bounds", f"upper bounds ({res.quantity}): {bounds}"))
    if report.theorems:
        theorems = ["paper's bounds (separation rank):"]
        for check in report.theorems:
            b = check.bound
            sign = "≤" if b.kind == "upper" else "≥"
            theorems.append(f"{b.name}: {b.statement}; sep {sign} {format_bound(b.value)} -> {check.verdict}")
    else:
        theorems = [f"paper's bounds: {report.applicability}"]
    parts = ReportParts(heading, header, rows, details, theorems)
    text = _render_text(parts)
    parts.terms = [(t, GLOSSARY[t]) for t in terms_used(text, REPORT_TERMS)]
    return parts


_INDENT = {"statement": "", "bounds": "", "run": "    "}


def _render_text(parts: ReportParts) -> str:
    lines = parts.heading + ["", format_table(parts.header, parts.rows), ""]
    lines += [_INDENT.get(kind, "  ") + text for kind, text in parts.details]
    lines += [""] + parts.theorems[:1] + ["  " + t for t in parts.theorems[1:]]
    return "\n".join(lines)


def format_report(report: Report, terms: bool = True) -> str:
    """The report as readable text: the ranks, one sentence per rank saying what is proved
    and how likely the rest is, the runs behind every probability, the paper's bounds, and
    (unless ``terms`` is False) the meaning of every technical term used.

    Examples
    --------
    >>> from tnrank import Architecture, certify
    >>> text = format_report(certify(Architecture.rac(depth=1, width=2, M=2), T=4))
    >>> print(text.split("\\n\\n")[2])
    grid rank = 2, proved: lower = upper, lower from the full grid 4×4 mod p, upper from the min-cut bound
    separation rank = 2, proved: lower = upper, lower from the grid rank (separation rank ≥ grid rank),
    upper from the min-cut bound
      note: exact from the grid rank: no sampling needed
    upper bounds (grid): state degree 2, input degree 4, grid size 4, min-cut 2
    upper bounds (separation): state degree 2, input degree 4, min-cut 2
    """
    parts = report_parts(report)
    body = _render_text(parts)
    if not parts.terms or not terms:
        return body
    width = max(len(t) for t, _ in parts.terms)
    return body + "\n\nterms:\n" + "\n".join(f"  {t.ljust(width)}  {m}" for t, m in parts.terms)


#: The glossary terms a report explains (in the order of their first appearance).
REPORT_TERMS = ("grid", "separation", "mod p", "GF(q²)", "exact", "generic-whp", "lower-bound", "w.p.",
                "Schwartz–Zippel", "state degree", "input degree", "grid size", "min-cut",
                "float64 SVD", "tol", "holds", "tight", "undecided", "violated")


# ---------------------------------------------------------------- explanation
def _degree(report: Report, res: RankResult) -> int:
    sampled = res.quantity == "separation" and res.lower_source.startswith("sample")
    return total_degree(report.architecture, report.T, random_inputs=sampled)


def _lower_how(report: Report, res: RankResult) -> list[str]:
    src = res.lower_source
    if src.startswith("grid rank"):
        return [f"  lower {res.lower:,}: the separation rank is at least the grid rank (the grid "
                "matricization is [y(s_i, e_j)] on template inputs, a restriction of any "
                "separation), and the grid rank is proved above"]
    if res.quantity == "grid":
        what = ("the start-end matricization of the full grid tensor" if res.samples is None else
                f"{res.samples:,} random start template sequences × {res.samples:,} end ones of the "
                "grid tensor")
        matrix = f"{what} (one-hot templates)"
    else:
        matrix = (f"the {res.samples:,}×{res.samples:,} matrix [y(s_i, e_j)] on random start halves "
                  "s_i and end halves e_j (random residues), grown 64, 128, ... until its rank "
                  "reached the upper bound or fell below its side")
    out = [f"  lower {res.lower:,}: the rank mod p of {matrix}, with random integer weights "
           "drawn from the seed; a rank mod p is at most the rational rank, and the rank at "
           "particular weights is at most the generic rank, so it is proved whatever the draw"]
    if any(run.field.gaussian for run in res.runs):
        out.append("    runs over GF(q²) draw weights (and inputs) as Gaussian integers a + bi mod q "
                   "(q ≡ 3 mod 4, a field of q² elements): a minor that is non-zero there is a "
                   "non-zero integer polynomial, so their ranks are proved lower bounds too")
    for i, run in enumerate(res.runs, 1):
        bound = "" if run.failure_bound is None else f", failure bound {run.failure_bound:.1e}"
        out.append(f"    run {i}: {run.field.label}, seed {run.seed}, {_size(run.samples)}, "
                   f"rank {run.rank}{bound}")
    return out


def _upper_how(res: RankResult) -> list[str]:
    others = ", ".join(f"{k} {format_bound(v)}" for k, v in sorted(res.bounds.items(), key=lambda kv: kv[1])
                       if k != res.upper_source)
    meaning = GLOSSARY.get(res.upper_source, "given")
    line = f"  upper {format_bound(res.upper)}: the {res.upper_source} bound ({meaning})"
    return [line, f"    the smallest of the bounds that apply; the others: {others or 'none'}"]


def _probability_how(report: Report, res: RankResult) -> list[str]:
    D = _degree(report, res)
    r = res.lower
    saturated = [run for run in res.runs if run.rank == r and run.failure_bound is not None]
    target = report.settings.get("failure_target")
    goal = "" if target is None else f" (target {target:.0e})"
    sizes = ", ".join(sorted({"|F| = q² for a run over GF(q²)" if run.field.gaussian else
                              "|F| = p for a run mod p" for run in saturated}))
    minor = (f"If the generic rank exceeded {r}, a {r + 1}×{r + 1} minor would be a non-zero "
             f"polynomial of degree ≤ (r+1)·D = {r + 1}·{D:,} in the random weights and inputs "
             f"(D = {D:,}, the total degree of y)")
    if len(saturated) == 1:
        text = (f"  probability: one run showed rank {r} on a matrix of side > {r}. {minor}, and it "
                f"would vanish at the run's random point with probability ≤ (r+1)·D/|F| "
                f"(Schwartz–Zippel; {sizes}) = {res.failure_bound:.1e}{goal}")
    else:
        factors = " × ".join(f"{run.failure_bound:.1e}" for run in saturated)
        text = (f"  probability: {len(saturated)} independent runs showed rank {r} on matrices of "
                f"side > {r}. {minor}, and each run would show it vanish with probability ≤ "
                f"(r+1)·D/|F| (Schwartz–Zippel; {sizes}); the runs are independent, so the chance "
                f"all do is at most {factors} = {res.failure_bound:.1e}{goal}")
    return [text, f"    condition: {FAILURE_CONDITION}"]


def explain_result(report: Report, res: RankResult) -> str:
    """How each number of one rank was proved: the matrix and runs behind ``lower``, the
    bound behind ``upper``, and for ``generic-whp`` the Schwartz–Zippel computation."""
    lines = [res.statement()]
    lines += _lower_how(report, res)
    lines += _upper_how(res)
    if res.status == "exact":
        lines.append(f"  exact: lower = upper = {res.lower:,}")
    elif res.status == "generic-whp" and res.failure_bound is not None:
        lines += _probability_how(report, res)
    elif res.status == "lower-bound":
        lines.append("  between lower and upper nothing is claimed: "
                     + (res.notes[-1] if res.notes else "no saturated sample"))
    if res.float_estimate is not None:
        lines.append((_float_line(res) or "") + "; an estimate only, never used as a bound")
    return "\n".join(lines)


def terms_text(*texts: str) -> str:
    """``terms:`` and the meaning of each glossary term the ``texts`` use, once, in the order
    of first use: the ending of several reports printed together with ``terms=False``.

    >>> print(terms_text("rank 3 w.p. ≥ 0.99", "3 w.p. ≥ 0.9 (state degree bound)"))
    terms:
      w.p.          with probability
      state degree  upper bound: ...
    """
    lines = glossary_lines("\n\n".join(texts), REPORT_TERMS)
    return "terms:\n" + "\n".join(lines) if lines else ""


def explain_report(report: Report, terms: bool = True) -> str:
    """How every number of a report was proved (what
    :meth:`~tnrank.certification.report.Report.explain` returns), ending with the meaning of
    the terms it and the report's text use (with ``terms`` False, without them)."""
    head = (f"{report.architecture.describe()}\nT={report.T}, partition {report.partition.name}: "
            f"how each number was proved (prime p = {report.prime}, seed {report.seed})")
    parts = [head]
    for res in (report.grid, report.separation):
        if res is not None:
            parts.append(explain_result(report, res))
    if report.theorems:
        sep = report.separation
        checks = [f"paper's bounds, compared with {sep.lower:,} ≤ separation rank ≤ "
                  f"{format_bound(sep.upper)}:"]
        for c in report.theorems:
            b = c.bound
            sign = "≤" if b.kind == "upper" else "≥"
            checks.append(f"  {b.name} ({b.citation}): {b.statement}; sep {sign} {format_bound(b.value)} -> "
                          f"{c.verdict}")
        parts.append("\n".join(checks))
    elif report.applicability:
        parts.append(f"paper's bounds: {report.applicability}")
    # the terms of the report's text too, so that text and explanation printed together need
    # one list of terms (tnrank rank --explain)
    glossary = glossary_lines("\n\n".join([*parts, _render_text(report_parts(report))]), REPORT_TERMS)
    if report.settings:
        parts.append("settings: " + ", ".join(f"{k}={v}" for k, v in report.settings.items()))
    body = "\n\n".join(parts)
    return body + ("\n\nterms:\n" + "\n".join(glossary) if glossary and terms else "")
