"""Tables of committed sweep results, rendered from the results file at build time.

``{tnrank-results} results/sep-depth3-R2.json`` (a path relative to the page) reads a results
file with tnrank's own reader, takes the numbers ``tnrank sweep --from FILE --csv table.csv``
writes (one row per configuration, the separation rank), and shows them as a table with
readable numbers: thousands separators, failure bounds as ``2.9 × 10⁻¹⁰``, an empty value as a
dash. The table is the file, so it cannot drift from it; the page is rebuilt when the file
changes.
"""

from __future__ import annotations

import math
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

__all__ = ["COLUMNS", "format_value", "results_rows", "ResultsDirective", "setup"]

#: CSV column -> table heading, in the order shown.
COLUMNS = {
    "L": "L", "M": "M", "R": "R", "T": "T", "lower": "lower", "upper": "upper",
    "upper_source": "upper bound", "status": "status", "failure_bound": "failure bound",
    "theorem_value": "conjecture ≥", "verdict": "verdict",
}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_value(value: object) -> str:
    """A results value as the tables show it.

    >>> format_value(21009), format_value(2.937465480850111e-10), format_value(None), format_value("")
    ('21,009', '2.9 × 10⁻¹⁰', '—', '—')
    >>> format_value(0.071), format_value("state degree")
    ('7.1 × 10⁻²', 'state degree')
    """
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        exponent = math.floor(math.log10(abs(value))) if value else 0
        mantissa = value / 10**exponent
        if f"{mantissa:.1f}" == "10.0":
            mantissa, exponent = 1.0, exponent + 1
        return f"{mantissa:.1f} × 10{str(exponent).translate(_SUPERSCRIPT)}"
    return str(value)


def results_rows(path: str | Path, columns: list[str]) -> list[list[str]]:
    """The formatted ``columns`` of each separation-rank row of a sweep results file."""
    from tnrank.files.results_file import load_results
    from tnrank.studies.sweeps import csv_rows

    rows = csv_rows(load_results(path)["rows"], "separation")
    return [[format_value(row[name]) for name in columns] for row in rows]


class ResultsDirective(SphinxDirective):
    """``{tnrank-results} FILE``, option ``:columns:`` (CSV names, default: all but M, R)."""

    required_arguments = 1
    option_spec = {"columns": lambda text: [c.strip() for c in text.replace(",", " ").split()]}

    def run(self) -> list[nodes.Node]:
        path = (Path(self.env.srcdir) / Path(self.env.docname).parent / self.arguments[0]).resolve()
        self.env.note_dependency(str(path))
        columns = self.options.get("columns") or [c for c in COLUMNS if c not in ("M", "R")]
        unknown = [c for c in columns if c not in COLUMNS]
        if unknown:
            raise self.error(f"unknown column(s) {unknown}; choose from {list(COLUMNS)}")
        rows = results_rows(path, columns)
        table = nodes.table(classes=["tnrank-results"])
        group = nodes.tgroup(cols=len(columns))
        table += group
        group += [nodes.colspec(colwidth=1) for _ in columns]
        head, body = nodes.thead(), nodes.tbody()
        group += [head, body]
        for target, cells in ((head, [COLUMNS[c] for c in columns]), *((body, r) for r in rows)):
            row = nodes.row()
            for cell in cells:
                row += nodes.entry("", nodes.paragraph(text=cell))
            target += row
        return [table]


def setup(app):
    app.add_directive("tnrank-results", ResultsDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
