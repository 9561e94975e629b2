"""One readable analysis of an architecture: what it is, what it costs, and its
certified ranks with every bound, where each bound comes from and which is tight.

This is what ``tnrank analyze FILE -T n`` prints; it adds to a certified
:class:`~tnrank.certification.certify.Report` the layer-by-layer description of the
architecture, its parameter and multiply-accumulate counts, and a table of
the upper bounds with their sources. A bound is *tight* when it equals the
certified lower bound: it then proves the rank exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tnrank.certification.report import RankResult, Report, architecture_summary
from tnrank.certification.report_text import format_report
from tnrank.formatting import format_table
from tnrank.model.architecture import Architecture

__all__ = [
    "BOUND_SOURCES",
    "BoundRow",
    "bound_rows",
    "architecture_dict",
    "analysis_dict",
    "format_architecture",
    "format_analysis",
]

#: Where each named upper bound comes from (shown beside its value).
BOUND_SOURCES = {
    "min-cut": "min-cut of the unrolled tensor network (tnrank.networks.mincut)",
    "state degree": "degree of y in the hidden states at the cut (bounds.state_degree_bound)",
    "affine state": "y affine in the states at the cut: state entries + 1 (bounds.affine_state_bound)",
    "input degree": "degree of y in each input v^t, smaller side (bounds.input_degree_bound)",
    "grid size": "M one-hot templates per step: at most M^|S| rows (bounds.grid_size_bound)",
}


@dataclass(frozen=True)
class BoundRow:
    """One upper bound on one certified rank.

    Attributes
    ----------
    quantity : str
        ``"grid"`` or ``"separation"``.
    name : str
        The bound's name (a key of :data:`BOUND_SOURCES` or a caller's own).
    value : int
    tight : bool
        The bound equals the certified lower bound, so the rank is exactly ``value``.
    best : bool
        The bound is the smallest one (the report's ``upper``).
    source : str
        Where the bound comes from.
    """

    quantity: str
    name: str
    value: int
    tight: bool
    best: bool
    source: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; inverse of :meth:`from_dict`."""
        return {"quantity": self.quantity, "name": self.name, "value": self.value,
                "tight": self.tight, "best": self.best, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BoundRow:
        """The row written by :meth:`to_dict`."""
        return cls(data["quantity"], data["name"], int(data["value"]), bool(data["tight"]),
                   bool(data["best"]), data["source"])


def bound_rows(report: Report) -> list[BoundRow]:
    """Every upper bound of the report, smallest first within each quantity.

    Examples
    --------
    >>> from tnrank import Architecture, certify
    >>> rows = bound_rows(certify(Architecture.rac(2, 2, 2), T=4))
    >>> [(r.name, r.value) for r in rows if r.quantity == "separation" and r.tight]
    [('state degree', 6), ('input degree', 6)]
    """
    rows = []
    for res in (report.grid, report.separation):
        if res is None:
            continue
        for name, value in sorted(res.bounds.items(), key=lambda kv: kv[1]):
            rows.append(BoundRow(
                res.quantity, name, int(value), value == res.lower, name == res.upper_source,
                BOUND_SOURCES.get(name, "supplied by the caller (extra_bounds of certify)"),
            ))
    return rows


def architecture_dict(arch: Architecture) -> dict[str, Any]:
    """The architecture's one JSON form (:meth:`Architecture.to_dict`, which
    :meth:`Architecture.from_dict` reads back) with, under ``summary``, what a report says
    about it and the weights of each layer."""
    summary = architecture_summary(arch) | {"layer_weights": arch.layer_parameter_counts()}
    return arch.to_dict() | {"summary": summary}


def analysis_dict(report: Report, label: str = "") -> dict[str, Any]:
    """The report's JSON form with the full architecture and the bounds table.

    Parameters
    ----------
    report : Report
    label : str
        Where the architecture came from (a file name), or empty.
    """
    out: dict[str, Any] = {"file": label or None}
    out.update(report.to_dict())
    out["architecture"] = architecture_dict(report.architecture)
    out["bounds"] = [row.to_dict() for row in bound_rows(report)]
    out["tight"] = {res.quantity: _tight_text(res, bound_rows(report))
                    for res in (report.grid, report.separation) if res is not None}
    return out


def format_architecture(arch: Architecture, label: str = "") -> str:
    """The architecture as text: name, question, reference, one row per layer, costs.

    Examples
    --------
    >>> print(format_architecture(Architecture.rac(2, 3, 2)))
    RAC L=2 R=3 M=2
      question   depth-2 recurrent arithmetic circuit
      reference  Levine et al., arXiv:1710.09431, Sec. 2
      M = 2 representation functions, initial state "ones", output reads layer2
    <BLANKLINE>
    layer   width  sources  integration     weights
    ------  -----  -------  --------------  -------
    layer1  3      input    multiplicative  15
    layer2  3      layer1   multiplicative  18
    output                                  3
    <BLANKLINE>
    parameters 36, multiply-accumulates per step 39
    """
    head = ": ".join(x for x in (label, arch.name) if x) or "architecture"
    lines = [head]
    if arch.description:
        lines.append(f"  question   {arch.description}")
    if arch.reference:
        lines.append(f"  reference  {arch.reference}")
    lines.append(f"  M = {arch.M} representation functions, initial state \"{arch.initial}\", "
                 f"output reads {', '.join(arch.output)}")
    lines.append("")
    rows: list[list[object]] = [
        [ly.name, ly.width, ", ".join(ly.sources), ly.integration, w]
        for ly, w in zip(arch.layers, arch.layer_parameter_counts(), strict=True)
    ]
    n_out = arch.parameter_count() - sum(arch.layer_parameter_counts())
    rows.append(["output", "", "", "", n_out])
    lines.append(format_table(["layer", "width", "sources", "integration", "weights"], rows))
    lines.append("")
    lines.append(f"parameters {arch.parameter_count():,}, multiply-accumulates per step "
                 f"{arch.macs_per_step():,}")
    return "\n".join(lines)


def _tight_text(res: RankResult, rows: list[BoundRow]) -> str:
    tight = [r.name for r in rows if r.quantity == res.quantity and r.tight]
    if tight:
        return f"{res.quantity} rank = {res.lower}, proved by the {' and '.join(tight)} bound"
    return f"{res.statement()}; no bound is tight"


def format_analysis(report: Report, label: str = "") -> str:
    """The architecture, the certified report and the table of bounds with their sources."""
    rows = bound_rows(report)
    table = format_table(
        ["quantity", "bound", "value", "tight", "source"],
        [[r.quantity, r.name, f"{r.value:,}", "tight" if r.tight else ("best" if r.best else ""),
          r.source] for r in rows],
    )
    lines = [format_architecture(report.architecture, label), "", format_report(report), "",
             "upper bounds and where they come from (tight = equals the certified lower bound):",
             table, ""]
    lines += [_tight_text(res, rows) for res in (report.grid, report.separation) if res is not None]
    return "\n".join(lines)
