"""The report types of certification: one rank's certified bounds, the runs behind them,
and the report of one architecture at one length and partition, with their JSON forms
(``to_dict``/``from_dict``) and their text and HTML renderings."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

from tnrank.certification.bounds import TheoremBound
from tnrank.engine.rank import FloatRank
from tnrank.errors import TnrankError
from tnrank.formatting import format_steps, format_table
from tnrank.model.architecture import TOP_KEYS, Architecture
from tnrank.model.partition import Partition
from tnrank.version import __version__

__all__ = ["RunRecord", "RankResult", "TheoremCheck", "Report", "FAILURE_CONDITION", "REPORT_FORMAT",
           "architecture_summary",
           "format_report", "format_report_html"]

#: Value of the ``format`` key of a report's JSON form.
REPORT_FORMAT = "tnrank-report/1"
#: The condition of every Schwartz–Zippel failure bound (also in the JSON report).
FAILURE_CONDITION = "Schwartz–Zippel, assuming the (r+1)-minor is not identically zero mod p"


@dataclass(frozen=True)
class RunRecord:
    """One independent computation behind a rank: its modulus, seed, matrix side and rank.

    Attributes
    ----------
    prime : int
    seed : int
        Seed of the weights and samples of this run.
    samples : int or None
        Side ``K`` of its matrix (None for a full grid).
    rank : int
        Exact rank of its matrix modulo ``prime`` (a proved lower bound).
    failure_bound : float or None
        Schwartz–Zippel bound ``(r+1)·D/p`` on the chance that this run shows rank
        ``r`` although the generic rank exceeds ``r``; None when the run says
        nothing about saturation (its matrix had full rank).
    """

    prime: int
    seed: int
    samples: int | None
    rank: int
    failure_bound: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; inverse of :meth:`from_dict`."""
        return {"prime": self.prime, "seed": self.seed, "samples": self.samples,
                "rank": self.rank, "failure_bound": self.failure_bound}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        """The run written by :meth:`to_dict`."""
        return cls(int(data["prime"]), int(data["seed"]), data["samples"], int(data["rank"]),
                   data.get("failure_bound"))


@dataclass
class RankResult:
    """Certified bounds on one rank.

    Attributes
    ----------
    quantity : str
        ``"grid"`` or ``"separation"``.
    lower : int
        Proved lower bound: an exact modular rank actually computed.
    upper : int
        Proved upper bound: the smallest closed-form bound that applies.
    upper_source : str
        Which bound gave ``upper`` (``"state degree"``, ``"grid size"``,
        ``"input degree"``, ``"min-cut"``).
    exact : bool
        ``lower == upper``.
    rank : int or None
        The rank when exact.
    status : str
        ``exact``: proved. ``generic-whp``: ``lower`` is the generic value
        with probability at least ``1 - failure_bound`` (the computed matrix
        was rank-deficient, so sampling had saturated). ``lower-bound``:
        only ``lower <= rank <= upper`` is known.
    lower_source : str
        The matrix that proved ``lower``.
    failure_bound : float or None
        Schwartz–Zippel bound on the probability that the generic value
        exceeds ``lower`` (for ``generic-whp``).
    bounds : dict
        Every upper bound that applies, by name.
    samples : int or None
        Side ``K`` of the final sampled matrix (None for the full grid).
    primes : tuple of int
        Moduli used (the second confirms when ``confirm=True``).
    confirmations : tuple of int
        Ranks found by the confirmation runs.
    float_estimate : FloatRank or None
        Float64 SVD rank of a same-shape matrix built with float weights.
    float_compared_to : int or None
        The exact rank it is compared with; ``float_agrees`` says whether
        they match.
    seconds : float
    notes : list of str
    runs : list of RunRecord
        Every computation behind ``lower`` and ``failure_bound``: prime, seed,
        matrix side, rank and that run's bound. ``failure_bound`` is the
        product of the bounds of the runs that show the saturated rank.
    float_skipped : str or None
        Why no float estimate was made, when it was skipped for size.
    """

    quantity: str
    lower: int
    upper: int
    upper_source: str
    status: str
    lower_source: str
    failure_bound: float | None = None
    bounds: dict[str, int] = field(default_factory=dict)
    samples: int | None = None
    primes: tuple[int, ...] = ()
    confirmations: tuple[int, ...] = ()
    float_estimate: FloatRank | None = None
    float_compared_to: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    float_skipped: str | None = None

    @property
    def exact(self) -> bool:
        """True when the certified lower and upper bounds meet."""
        return self.lower == self.upper

    @property
    def rank(self) -> int | None:
        """The rank when it is proved exactly, else None."""
        return self.lower if self.exact else None

    @property
    def float_agrees(self) -> bool | None:
        """Whether the float estimate equals the exact rank of the same-shape matrix."""
        if self.float_estimate is None or self.float_compared_to is None:
            return None
        return self.float_estimate.rank == self.float_compared_to

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (keys ``lower``, ``upper``, ``upper_source``, ``exact``, ``rank``, ...)."""
        fl = None
        if self.float_estimate is not None:
            fl = {
                "rank": self.float_estimate.rank,
                "tol": self.float_estimate.tol,
                "sigma_max": self.float_estimate.sigma_max,
                "sigma_min": self.float_estimate.sigma_min,
                "compared_to": self.float_compared_to,
                "agrees": self.float_agrees,
            }
        return {
            "lower": self.lower,
            "upper": self.upper,
            "upper_source": self.upper_source,
            "exact": self.exact,
            "rank": self.rank,
            "status": self.status,
            "lower_source": self.lower_source,
            "failure_bound": self.failure_bound,
            "failure_condition": FAILURE_CONDITION if self.status == "generic-whp" else None,
            "runs": [r.to_dict() for r in self.runs],
            "bounds": dict(self.bounds),
            "samples": self.samples,
            "primes": list(self.primes),
            "confirmations": list(self.confirmations),
            "float": fl,
            "float_skipped": self.float_skipped,
            "seconds": round(self.seconds, 3),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], quantity: str) -> RankResult:
        """The result written by :meth:`to_dict` (``quantity`` is the key it was stored under)."""
        fl = data.get("float")
        estimate = None if fl is None else FloatRank(int(fl["rank"]), float(fl["tol"]),
                                                     float(fl["sigma_max"]), float(fl["sigma_min"]))
        return cls(
            quantity=quantity, lower=int(data["lower"]), upper=int(data["upper"]),
            upper_source=data["upper_source"], status=data["status"],
            lower_source=data["lower_source"], failure_bound=data.get("failure_bound"),
            bounds={k: int(v) for k, v in data.get("bounds", {}).items()},
            samples=data.get("samples"), primes=tuple(data.get("primes", ())),
            confirmations=tuple(data.get("confirmations", ())), float_estimate=estimate,
            float_compared_to=None if fl is None else fl.get("compared_to"),
            seconds=float(data.get("seconds", 0.0)), notes=list(data.get("notes", [])),
            runs=[RunRecord.from_dict(r) for r in data.get("runs", [])],
            float_skipped=data.get("float_skipped"),
        )

    def summary(self) -> str:
        """One line: the value or the interval, and how it is known."""
        if self.exact:
            return f"{self.lower} (exact: {self.lower_source} = {self.upper_source} bound)"
        text = f"{self.lower} ≤ rank ≤ {self.upper} ({self.upper_source})"
        if self.status == "generic-whp":
            text += f"; = {self.lower} w.p. ≥ 1 - {self.failure_bound:.1e}"
        return text


@dataclass(frozen=True)
class TheoremCheck:
    """A paper bound compared with the certified separation rank."""

    bound: TheoremBound
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; inverse of :meth:`from_dict`."""
        return {
            "name": self.bound.name,
            "kind": self.bound.kind,
            "value": self.bound.value,
            "statement": self.bound.statement,
            "citation": self.bound.citation,
            "verdict": self.verdict,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TheoremCheck:
        """The check written by :meth:`to_dict`."""
        bound = TheoremBound(data["name"], data["kind"], int(data["value"]), data["statement"],
                             data["citation"])
        return cls(bound, data["verdict"])


@dataclass
class Report:
    """Certified grid and separation ranks of one architecture at one ``T`` and partition."""

    architecture: Architecture
    partition: Partition
    grid: RankResult | None
    separation: RankResult
    theorems: list[TheoremCheck]
    applicability: str | None
    seed: int
    prime: int
    seconds: float

    @property
    def T(self) -> int:
        """Sequence length."""
        return self.partition.T

    @property
    def verdict(self) -> str:
        """The worst theorem verdict (``violated`` > ``undecided`` > ``tight`` >
        ``holds``), or ``n/a`` when no theorem applies."""
        verdicts = {c.verdict for c in self.theorems}
        for v in ("violated", "undecided", "tight", "holds"):
            if v in verdicts:
                return v
        return "n/a"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form with top-level ``grid`` and ``separation``; inverse of :meth:`from_dict`.

        ``architecture`` holds the architecture's own plain-dict form
        (:meth:`Architecture.to_dict`) and, under ``summary``, its one-line
        description, depth, widths, parameter count and multiply-adds per step.
        """
        arch = self.architecture
        return {
            "format": REPORT_FORMAT,
            "tnrank_version": __version__,
            "architecture": arch.to_dict() | {"summary": architecture_summary(arch)},
            "T": self.T,
            "partition": {"name": self.partition.name, "start": list(self.partition.start),
                          "end": list(self.partition.end)},
            "grid": None if self.grid is None else self.grid.to_dict(),
            "separation": self.separation.to_dict(),
            "theorems": [c.to_dict() for c in self.theorems],
            "theorems_note": self.applicability,
            "verdict": self.verdict,
            "seed": self.seed,
            "prime": self.prime,
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "report") -> Report:
        """The report written by :meth:`to_dict` (and by ``tnrank rank --json``).

        Raises
        ------
        TnrankError
            When ``data`` is not a report, or one of another format version.
        """
        if not isinstance(data, dict):
            raise TnrankError(f"{source}: a report is a JSON object, got {type(data).__name__}")
        fmt = data.get("format")
        if fmt != REPORT_FORMAT:
            raise TnrankError(f"{source}: format {fmt!r} is not a report of this version of tnrank "
                              f"({REPORT_FORMAT!r}); reports without a format were written before "
                              "tnrank 0.2 and cannot be loaded: run the command again")
        try:
            arch_data = {k: v for k, v in data["architecture"].items() if k in TOP_KEYS}
            arch = Architecture.from_dict(arch_data, source=f"{source}: architecture")
            part = Partition(int(data["T"]), tuple(data["partition"]["start"]))
            grid = data.get("grid")
            return cls(
                architecture=arch, partition=part,
                grid=None if grid is None else RankResult.from_dict(grid, "grid"),
                separation=RankResult.from_dict(data["separation"], "separation"),
                theorems=[TheoremCheck.from_dict(t) for t in data.get("theorems", [])],
                applicability=data.get("theorems_note"), seed=int(data["seed"]),
                prime=int(data["prime"]), seconds=float(data.get("seconds", 0.0)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise TnrankError(f"{source}: not a complete report ({type(exc).__name__}: {exc})") from None

    @classmethod
    def from_json(cls, text: str, source: str = "report") -> Report:
        """The report in the text of :meth:`to_json`."""
        from tnrank.files.safe import parse_json

        return cls.from_dict(parse_json(text, source=source), source=source)

    def to_json(self, indent: int | None = 2) -> str:
        """The report as one JSON object."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def format(self) -> str:
        """A readable multi-line table."""
        return format_report(self)

    def __str__(self) -> str:
        return self.format()

    def _repr_html_(self) -> str:
        """A small HTML table, shown by Jupyter."""
        return format_report_html(self)


def architecture_summary(arch: Architecture) -> dict[str, Any]:
    """What a report says about an architecture beside its plain-dict form.

    >>> architecture_summary(Architecture.rac(2, 3, 2))["parameters"]
    36
    """
    return {"description": arch.describe(), "depth": arch.depth, "widths": list(arch.widths),
            "M": arch.M, "parameters": arch.parameter_count(), "macs_per_step": arch.macs_per_step()}


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
        f"T={part.T}, partition {part.name} "
        f"(start {format_steps(part.start)} | end {format_steps(part.end)}), "
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
    """The report as a small HTML table (what Jupyter shows for a
    :class:`Report`).

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
        f"(start {esc(format_steps(part.start))} | end {esc(format_steps(part.end))}), seed {report.seed}, "
        f"prime {report.prime}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"{theorems}</div>"
    )
