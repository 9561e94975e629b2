"""Rich display in Jupyter: reports as HTML, architectures and networks as pictures.

The model, the networks and the certification know nothing of notebooks; when
``import tnrank`` runs inside IPython (a notebook or a console), :func:`register`
tells IPython's display formatters how to show tnrank's objects, by type name, so
that nothing here (nor any drawing code) is imported until an object is displayed.

=========================  =================================================================
object                     shown as
=========================  =================================================================
``Architecture``           a table of its layers and weights beside its folded cell (SVG)
``Report``                 everything the text report says: the ranks, one sentence per rank,
                           the runs, the bounds, the paper's bounds, how each number was
                           proved (folded), and the meaning of each term
``RankResult``             its sentence, its fields and its runs
``MinCut``                 its bound and the bonds it cuts
``BoundReport``            the ``tnrank bound`` table
``TensorNetwork``          its drawing (SVG)
``SweepResults``           one row per point: certified ranks, the paper's bound, the verdict
=========================  =================================================================

Every function here returns a string and can be called outside a notebook (the tests
parse their output).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = ["register", "FORMATTERS", "architecture_html", "report_html", "rank_result_html",
           "min_cut_html", "bound_report_html", "sweep_html", "svg_inline"]

_STYLE = ("<style>.tnrank table{border-collapse:collapse;margin:4px 0}"
          ".tnrank td,.tnrank th{padding:2px 8px;text-align:left;border-bottom:1px solid #ddd}"
          ".tnrank .terms dt{font-weight:bold}.tnrank .run{margin-left:2em}</style>")


def _e(value: object) -> str:
    return html.escape(str(value))


def _table(header: Sequence[object], rows: Iterable[Sequence[object]], cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _terms(terms: Sequence[tuple[str, str]]) -> str:
    if not terms:
        return ""
    items = "".join(f"<dt>{_e(t)}</dt><dd>{_e(m)}</dd>" for t, m in terms)
    return f'<details><summary>terms</summary><dl class="terms">{items}</dl></details>'


def svg_inline(svg: str) -> str:
    """SVG text fit for an HTML page: without its XML declaration and doctype.

    >>> svg_inline('<?xml version="1.0"?>\\n<!DOCTYPE svg>\\n<svg></svg>')
    '<svg></svg>'
    """
    return re.sub(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", "", svg)


# ---------------------------------------------------------------- architectures
def architecture_html(arch: Any, picture: bool = True) -> str:
    """An architecture as HTML: name, question and reference, a table of its layers
    (width, sources, integration, weights), its parameter count, and its folded cell
    (:func:`tnrank.presentation.draw.draw_cell`) as inline SVG.

    Parameters
    ----------
    arch : Architecture
    picture : bool
        Include the folded-cell drawing (needs matplotlib).
    """

    weights = arch.layer_parameter_counts()
    rows = [[ly.name, ly.width, ", ".join(ly.sources), ly.integration, f"{w:,}"]
            for ly, w in zip(arch.layers, weights, strict=True)]
    rows.append(["output", "", ", ".join(arch.output), "", f"{arch.parameter_count() - sum(weights):,}"])
    facts = [f"M = {arch.M} representation functions", f'initial state "{arch.initial}"',
             f"{arch.parameter_count():,} parameters",
             f"{arch.macs_per_step():,} multiply-accumulates per step"]
    lines = [f"<b>{_e(arch.name or 'architecture')}</b>"]
    if arch.description:
        lines.append(_e(arch.description))
    if arch.reference:
        lines.append(f"<i>{_e(arch.reference)}</i>")
    text = (f"<p>{'<br/>'.join(lines)}</p><p>{_e(', '.join(facts))}</p>"
            + _table(["layer", "width", "sources", "integration", "weights"], rows, "layers"))
    cell = ""
    if picture:
        cell = _cell_svg(arch)
    if not cell:
        return f'<div class="tnrank tnrank-architecture">{_STYLE}{text}</div>'
    return (f'<div class="tnrank tnrank-architecture">{_STYLE}<div style="display:flex;gap:16px;'
            f'align-items:flex-start"><div>{text}</div><div class="cell">{cell}</div></div></div>')


def _cell_svg(arch: Any) -> str:
    from tnrank.errors import TnrankError
    from tnrank.presentation.draw import draw_cell  # matplotlib on display

    try:
        drawing = draw_cell(arch)
    except TnrankError:
        return ""
    svg = drawing.svg()
    drawing.figure.clear()
    return svg_inline(svg)


# ---------------------------------------------------------------- reports
def report_html(report: Any) -> str:
    """A certified report as HTML: everything :meth:`Report.format` says (the table, one
    sentence per rank, the runs, the float estimate when it disagrees, the notes, the
    bounds, the paper's bounds, the terms) and, folded, :meth:`Report.explain`."""
    from tnrank.certification.report_text import report_parts

    parts = report_parts(report)
    out = [f'<div class="tnrank tnrank-report">{_STYLE}',
           f"<p><b>{_e(parts.heading[0])}</b><br/>{_e(parts.heading[1])}</p>",
           _table(parts.header, parts.rows, "ranks")]
    for kind, text in parts.details:
        if kind == "statement":
            out.append(f'<p class="statement"><b>{_e(text)}</b></p>')
        else:
            out.append(f'<div class="{kind}">{_e(text)}</div>')
    out.append(f"<p>{_e(parts.theorems[0])}</p>")
    if len(parts.theorems) > 1:
        out.append('<ul class="theorems">' + "".join(f"<li>{_e(t)}</li>" for t in parts.theorems[1:])
                   + "</ul>")
    explain = report.explain().split("\n\nterms:\n")[0]
    out.append(f"<details><summary>how each number was proved</summary><pre>{_e(explain)}</pre>"
               "</details>")
    out.append(_terms(parts.terms))
    out.append("</div>")
    return "".join(out)


def rank_result_html(result: Any) -> str:
    """One certified rank as HTML: its sentence, its fields and its runs."""
    fields = [["lower", f"{result.lower:,}"], ["upper", f"{result.upper:,}"],
              ["status", result.status], ["upper bound from", result.upper_source],
              ["lower proved by", result.lower_source]]
    if result.failure_bound is not None:
        fields.append(["failure bound", f"{result.failure_bound:.1e}"])
    fields.append(["upper bounds", ", ".join(f"{k} {v:,}" for k, v in result.bounds.items())])
    if result.float_estimate is not None:
        est = result.float_estimate
        fields.append(["float64 SVD (estimate)", f"{est.rank} (tol {est.tol:.1e}; rank mod p "
                                                 f"{result.float_compared_to})"])
    runs = [[r.field.symbol, r.prime, r.seed,
             "full grid" if r.samples is None else f"{r.samples}×{r.samples}",
             r.rank, "-" if r.failure_bound is None else f"{r.failure_bound:.1e}"]
            for r in result.runs]
    notes = "".join(f'<div class="note">note: {_e(n)}</div>' for n in result.notes)
    return (f'<div class="tnrank tnrank-rank">{_STYLE}<p><b>{_e(result.statement())}</b></p>'
            + _table(["", ""], fields, "fields")
            + (_table(["field", "prime", "seed", "matrix", "rank", "failure bound"], runs, "runs")
               if runs else "")
            + notes + "</div>")


def min_cut_html(cut: Any) -> str:
    """A minimum cut as HTML: its bound, its sides and every bond it cuts."""
    from tnrank.formatting import format_steps

    rows = [[e.bond, "open leg" if e.leg else f"{e.nodes[0]} – {e.nodes[1]}", e.dim]
            for e in cut.cut_edges]
    return (f'<div class="tnrank tnrank-mincut">{_STYLE}<p><b>min-cut {_e(cut.describe())}</b>'
            f"<br/>start steps {_e(format_steps(cut.start))} | end steps "
            f"{_e(format_steps(cut.end))}; log2 {cut.log2:.2f}</p>"
            + _table(["bond", "between", "dim"], rows, "cut") + "</div>")


def bound_report_html(report: Any) -> str:
    """A bound report as HTML: what ``tnrank bound`` prints, its table of bounds as a table."""
    from tnrank.formatting import format_table

    text = report.format()
    header, rows = report.table()
    if not rows:
        return "".join([f'<div class="tnrank tnrank-bound">{_STYLE}<p>',
                        "<br/>".join(_e(line) for line in text.splitlines()), "</p></div>"])
    before, _, after = text.partition(format_table(header, rows))
    paragraphs = ["<br/>".join(_e(line) for line in block.strip().splitlines())
                  for block in (before, after)]
    return (f'<div class="tnrank tnrank-bound">{_STYLE}<p>{paragraphs[0]}</p>'
            + _table(header, rows, "bounds") + f"<p>{paragraphs[1]}</p></div>")


def _rank_cell(res: dict[str, Any] | None, quantity: str) -> str:
    from tnrank.certification.report import RankResult
    from tnrank.certification.report_text import rank_cell

    return rank_cell(None if res is None else RankResult.from_dict(res, quantity), probability=True)


def sweep_html(results: Any) -> str:
    """Sweep results as HTML: one row per point, its certified ranks, the paper's bound and
    the verdict, under the sweep's settings."""
    rows = []
    for r in results.rows:
        paper = "; ".join(f"{t['name']} {'≤' if t['kind'] == 'upper' else '≥'} {t['value']:,}"
                          for t in r.get("theorems", []))
        rows.append([r["L"], r["M"], r["R"], r["T"], _rank_cell(r.get("grid"), "grid"),
                     _rank_cell(r.get("separation"), "separation"), paper or "-", r.get("verdict", "-")])
    settings = ", ".join(f"{k} {v}" for k, v in results.config.items()
                         if k not in ("depths", "M", "R", "T", "architecture"))
    return (f'<div class="tnrank tnrank-sweep">{_STYLE}<p><b>{_e(repr(results))}</b><br/>'
            f"{_e(settings)}</p>"
            + _table(["L", "M", "R", "T", "grid rank", "separation rank", "paper's bound",
                      "verdict"], rows, "sweep") + "</div>")


def _network_svg(network: Any) -> str | None:
    from tnrank.presentation.draw import network_svg  # matplotlib on display

    return network_svg(network)


#: (module, class name) -> list of (MIME type, function returning that representation or None)
FORMATTERS: dict[tuple[str, str], list[tuple[str, Callable[[Any], Any]]]] = {
    ("tnrank.networks.graph", "TensorNetwork"): [("image/svg+xml", _network_svg)],
    ("tnrank.model.architecture", "Architecture"): [("text/html", architecture_html)],
    ("tnrank.certification.report", "Report"): [("text/html", report_html)],
    ("tnrank.certification.report", "RankResult"): [("text/html", rank_result_html)],
    ("tnrank.networks.mincut", "MinCut"): [("text/html", min_cut_html)],
    ("tnrank.certification.bound_report", "BoundReport"): [("text/html", bound_report_html)],
    ("tnrank.files.results_file", "SweepResults"): [("text/html", sweep_html)],
}


def register(shell: Any) -> None:
    """Register every formatter of :data:`FORMATTERS` with an IPython shell.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell
        ``get_ipython()``; anything with ``display_formatter.formatters`` (a MIME type
        missing from it is skipped).
    """
    formatters = shell.display_formatter.formatters
    for (module, name), entries in FORMATTERS.items():
        for mime, func in entries:
            if mime in formatters:
                formatters[mime].for_type_by_name(module, name, func)
