"""The report types of certification: one rank's certified bounds, the runs behind them,
and the report of one architecture at one length and partition, with their JSON forms
(``to_dict``/``from_dict``, checked on reading).

The words of a report (its text, how each number was proved, its terms) are in
:mod:`~tnrank.certification.report_text`: :meth:`Report.format` and :meth:`Report.explain`
call it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tnrank.certification import report_fields as fields
from tnrank.certification.bounds import TheoremBound, theorem_bounds
from tnrank.certification.report_text import FAILURE_CONDITION, explain_report, format_report
from tnrank.engine.rank import FloatRank
from tnrank.errors import TnrankError
from tnrank.field import Field
from tnrank.formatting import format_bound, json_int
from tnrank.model.architecture import TOP_KEYS, Architecture
from tnrank.model.partition import Partition
from tnrank.safe_files import parse_json
from tnrank.version import __version__

__all__ = ["RunRecord", "RankResult", "TheoremCheck", "overall_verdict", "Report", "REPORT_FORMAT",
           "check_format", "architecture_summary"]

#: Value of the ``format`` key of a report's JSON form.
REPORT_FORMAT = "tnrank-report/1"


@dataclass(frozen=True)
class RunRecord:
    """One independent computation behind a rank: its field, seed, matrix side and rank.

    Attributes
    ----------
    field : Field
        GF(p), or GF(q²) as Gaussian integers modulo ``q``
        (:data:`~tnrank.field.GAUSSIAN_FIELD`); its characteristic is :attr:`prime` and its
        degree :attr:`field_degree` (the JSON form's keys).
    seed : int
        Seed of the weights and samples of this run.
    samples : int or None
        Side ``K`` of its matrix (None for a full grid).
    rank : int
        Exact rank of its matrix over the run's field (a proved lower bound).
    failure_bound : float or None
        Schwartz–Zippel bound ``(r+1)·D/|F|`` on the chance that this run shows rank
        ``r`` although the generic rank exceeds ``r`` (``|F|`` the field size); None when
        the run says nothing about saturation (its matrix had full rank).
    storage_bits : int
        Bits per stored real number of its matrix: 64, or 32 (float32 / complex64, widened
        tile by tile for the products; the same rank). Written to JSON only when 32.
    """

    field: Field
    seed: int
    samples: int | None
    rank: int
    failure_bound: float | None = None
    storage_bits: int = 64

    @property
    def prime(self) -> int:
        """The characteristic of the run's field (``p``, or ``q`` for GF(q²))."""
        return self.field.characteristic

    @property
    def field_degree(self) -> int:
        """1 for a run over GF(p), 2 for one over GF(q²)."""
        return self.field.degree

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; inverse of :meth:`from_dict`."""
        data = {"prime": self.prime, "field_degree": self.field_degree, "seed": self.seed,
                "samples": self.samples, "rank": self.rank, "failure_bound": self.failure_bound}
        if self.storage_bits != 64:
            data["storage_bits"] = self.storage_bits
        return data

    @classmethod
    def from_dict(cls, data: Any, what: str = "run") -> RunRecord:
        """The run written by :meth:`to_dict`.

        Raises
        ------
        TnrankError
            When a field is missing or of the wrong type or range (named with ``what``).
        """
        data = fields.mapping(data, what)
        try:
            field = Field(fields.whole(data["prime"], f"{what} prime", 2),
                          fields.whole(data.get("field_degree", 1), f"{what} field_degree", 1))
            bits = fields.whole(data.get("storage_bits", 64), f"{what} storage_bits")
            if bits not in (32, 64):
                raise TnrankError(f"{what} storage_bits must be 32 or 64, got {bits}")
            return cls(field, fields.whole(data["seed"], f"{what} seed"),
                       fields.optional_whole(data["samples"], f"{what} samples", 1),
                       fields.whole(data["rank"], f"{what} rank"),
                       fields.probability(data.get("failure_bound"), f"{what} failure_bound"), bits)
        except KeyError as exc:
            raise TnrankError(f"{what} has no {exc}") from None


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
        The characteristic of each run's field, in the order of :attr:`runs`: ``p`` for a
        run mod p, ``q`` for a run over GF(q²) (so a second entry is a confirmation's prime
        with ``confirm=True``, and otherwise the ``q`` of a run over GF(q²)).
    confirmations : tuple of int
        Ranks found by the runs after the first.
    float_estimate : FloatRank or None
        Float64 SVD rank of a same-shape matrix built with float weights.
    float_compared_to : int or None
        The exact rank it is compared with; ``float_agrees`` says whether
        they match.
    seconds : float
        Time taken; left out of ``==`` (the same result computed twice is equal).
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
    seconds: float = field(default=0.0, compare=False)
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
            fl = self.float_estimate.to_dict() | {"compared_to": self.float_compared_to,
                                                  "agrees": self.float_agrees}
        return {
            "quantity": self.quantity,
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
            # a bound of thousands of digits cannot be written (JSON readers refuse it), and no
            # computed rank comes near it
            "bounds": {k: v for k, v in self.bounds.items() if json_int(v) is not None},
            "samples": self.samples,
            "primes": list(self.primes),
            "confirmations": list(self.confirmations),
            "float": fl,
            "float_skipped": self.float_skipped,
            "seconds": round(self.seconds, 3),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Any, quantity: str | None = None) -> RankResult:
        """The result written by :meth:`to_dict`, checked: every field of its type and range,
        ``lower <= upper`` (unless the status says ``inconsistent``), the status the one the
        numbers give, ``upper`` the smallest of ``bounds`` and named by ``upper_source``.

        Parameters
        ----------
        data : dict
        quantity : str, optional
            ``"grid"`` or ``"separation"``; default the ``quantity`` key of ``data``
            (results written by tnrank 0.2.0 lack it: give the key they were stored under).

        Raises
        ------
        TnrankError
            Naming the first field that is missing, malformed or inconsistent.

        Examples
        --------
        >>> r = RankResult("separation", 2, 2, "min-cut", "exact", "sample 4×4 mod p",
        ...                bounds={"min-cut": 2, "state degree": 2})
        >>> RankResult.from_dict(r.to_dict()) == r
        True
        >>> RankResult.from_dict(r.to_dict() | {"lower": 99})
        Traceback (most recent call last):
        ...
        tnrank.errors.TnrankError: separation lower 99 > upper 2: a proved lower bound above ...
        """
        if not isinstance(data, dict):
            raise TnrankError(f"a rank result is a JSON object, got {type(data).__name__}")
        if quantity is None:
            quantity = data.get("quantity")
            if quantity is None:
                raise TnrankError("this rank result has no 'quantity' (written by tnrank 0.2.0); "
                                  "give `quantity` ('grid' or 'separation')")
        q = fields.choice(quantity, "quantity", fields.QUANTITIES)
        try:
            result = cls._checked(data, q)
        except KeyError as exc:
            raise TnrankError(f"{q} has no {exc}") from None
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            if isinstance(exc, TnrankError):
                raise
            raise TnrankError(f"{q}: malformed ({type(exc).__name__}: {exc})") from None
        return result

    @classmethod
    def _checked(cls, data: dict[str, Any], q: str) -> RankResult:
        lower = fields.whole(data["lower"], f"{q} lower")
        upper = fields.whole(data["upper"], f"{q} upper")
        status = fields.choice(data["status"], f"{q} status", fields.STATUSES)
        if lower > upper and status != "inconsistent":
            raise TnrankError(f"{q} lower {lower:,} > upper {upper:,}: a proved lower bound above a "
                              "proved upper bound")
        numbers = f"lower {fields.shown(lower)} and upper {fields.shown(upper)}"
        expected = "exact" if lower == upper else "inconsistent" if lower > upper else None
        if (expected or status) != status or (expected is None and status in ("exact", "inconsistent")):
            raise TnrankError(f"{q} status {status!r} does not match {numbers}")
        rank = lower if lower == upper else None
        if data.get("exact", lower == upper) != (lower == upper) or data.get("rank", rank) != rank:
            raise TnrankError(f"{q} rank {fields.shown(data.get('rank'))} and exact "
                              f"{data.get('exact')!r} do not match {numbers}")
        upper_source = fields.text(data["upper_source"], f"{q} upper_source")
        bounds = {fields.text(k, f"{q} bound name"): fields.whole(v, f"{q} bound {k!r}")
                  for k, v in fields.mapping(data.get("bounds", {}), f"{q} bounds").items()}
        if bounds and (bounds.get(upper_source) != upper or upper != min(bounds.values())):
            raise TnrankError(f"{q} upper {fields.shown(upper)} from {upper_source!r} is not the "
                              "smallest of its bounds ("
                              + ", ".join(f"{k} {fields.shown(v)}" for k, v in bounds.items()) + ")")
        fl = data.get("float")
        if fl is not None:
            fl = fields.mapping(fl, f"{q} float")
            fields.whole(fl.get("rank"), f"{q} float rank")
            for key in ("tol", "sigma_max", "sigma_min"):
                fields.number(fl.get(key), f"{q} float {key}")
        estimate = None if fl is None else FloatRank.from_dict(fl)
        skipped = data.get("float_skipped")
        return cls(
            quantity=q, lower=lower, upper=upper, upper_source=upper_source, status=status,
            lower_source=fields.text(data["lower_source"], f"{q} lower_source"),
            failure_bound=fields.probability(data.get("failure_bound"), f"{q} failure_bound"),
            bounds=bounds, samples=fields.optional_whole(data.get("samples"), f"{q} samples", 1),
            primes=tuple(fields.whole(p, f"{q} prime", 2)
                         for p in fields.items(data.get("primes", ()), f"{q} primes")),
            confirmations=tuple(fields.whole(r, f"{q} confirmation")
                                for r in fields.items(data.get("confirmations", ()), f"{q} confirmations")),
            float_estimate=estimate,
            float_compared_to=None if fl is None else fields.optional_whole(
                fl.get("compared_to"), f"{q} float compared_to"),
            seconds=fields.number(data.get("seconds", 0.0), f"{q} seconds"),
            notes=fields.texts(data.get("notes", []), f"{q} notes"),
            runs=[RunRecord.from_dict(r, f"{q} run {i}")
                  for i, r in enumerate(fields.items(data.get("runs", []), f"{q} runs"), 1)],
            float_skipped=None if skipped is None else fields.text(skipped, f"{q} float_skipped"),
        )

    def statement(self) -> str:
        """What is proved about this rank, and how likely the rest is, in one sentence.

        Examples
        --------
        >>> r = RankResult("separation", 56, 66, "state degree", "generic-whp", "sample 66×66 mod p",
        ...                failure_bound=2.1e-05)
        >>> print(r.statement())  # doctest: +NORMALIZE_WHITESPACE
        separation rank: 56 ≤ rank ≤ 66 proved (state degree bound), and rank = 56 for generic
        weights w.p. ≥ 1 - 2.1e-05
        """
        q = f"{self.quantity} rank"
        if self.status == "inconsistent":
            return (f"{q}: INCONSISTENT, the proved lower bound {self.lower:,} exceeds the "
                    f"{self.upper_source} bound {format_bound(self.upper)} (please report this)")
        if self.exact:
            return (f"{q} = {self.lower:,}, proved: lower = upper, lower from the "
                    f"{self.lower_source}, upper from the {self.upper_source} bound")
        head = (f"{q}: {self.lower:,} ≤ rank ≤ {format_bound(self.upper)} proved ({self.upper_source} bound)")
        if self.status == "generic-whp" and self.failure_bound is not None:
            return (f"{head}, and rank = {self.lower:,} for generic weights w.p. ≥ "
                    f"1 - {self.failure_bound:.1e}")
        return f"{head}; no value in between is claimed"

    def __repr__(self) -> str:
        value = f"= {self.lower:,}" if self.exact else f"in [{self.lower:,}, {format_bound(self.upper)}]"
        extra = f", w.p. ≥ 1 - {self.failure_bound:.1e}" if self.status == "generic-whp" and \
            self.failure_bound is not None else ""
        return (f"<RankResult {self.quantity} rank {value}, {self.status}{extra}; lower from "
                f"{self.lower_source}, upper from {self.upper_source}>")

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
    def from_dict(cls, data: Any) -> TheoremCheck:
        """The check written by :meth:`to_dict`, its fields checked (the verdict as written: a
        reader that has the certified rank recomputes it, see :meth:`recheck`).

        Raises
        ------
        TnrankError
            When a field is missing or of the wrong type, kind or verdict.
        """
        data = fields.mapping(data, "theorem check")
        try:
            bound = TheoremBound(fields.text(data["name"], "theorem name"),
                                 fields.choice(data["kind"], "theorem kind", fields.BOUND_KINDS),
                                 fields.whole(data["value"], "theorem value"),
                                 fields.text(data["statement"], "theorem statement"),
                                 fields.text(data["citation"], "theorem citation"))
            return cls(bound, fields.choice(data["verdict"], "theorem verdict", fields.THEOREM_VERDICTS))
        except KeyError as exc:
            raise TnrankError(f"theorem check has no {exc}") from None

    def recheck(self, separation: RankResult) -> TheoremCheck:
        """This bound's verdict recomputed from certified bounds on the separation rank.

        >>> from tnrank.certification.bounds import TheoremBound
        >>> bound = TheoremBound("Theorem 1 (depth 1)", "upper", 2, "sep ≤ min{R, M^(T/2)}")
        >>> lie = TheoremCheck(bound, "tight")
        >>> lie.recheck(RankResult("separation", 7, 7, "min-cut", "exact", "sample")).verdict
        'violated'
        """
        return TheoremCheck(self.bound, self.bound.verdict(separation.lower, separation.upper))


def overall_verdict(checks: Iterable[TheoremCheck]) -> str:
    """The worst verdict of ``checks`` (``violated`` > ``undecided`` > ``tight`` > ``holds``),
    or ``n/a`` when there is none."""
    verdicts = {c.verdict for c in checks}
    return next((v for v in ("violated", "undecided", "tight", "holds") if v in verdicts), "n/a")


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
    seconds: float = field(compare=False)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def T(self) -> int:
        """Sequence length."""
        return self.partition.T

    @property
    def verdict(self) -> str:
        """The worst theorem verdict (``violated`` > ``undecided`` > ``tight`` >
        ``holds``), or ``n/a`` when no theorem applies."""
        return overall_verdict(self.theorems)

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
            "settings": dict(self.settings),
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "report") -> Report:
        """The report written by :meth:`to_dict` (and by ``tnrank rank --json``), checked:
        every field of its type and range (:meth:`RankResult.from_dict`), the grid rank's
        lower bound not above the separation rank's upper bound, and the paper's bounds and
        their verdicts recomputed from the architecture and the certified numbers, never
        read from the file.

        Raises
        ------
        TnrankError
            When ``data`` is not a report, one of another format version, or a field is
            missing, malformed or inconsistent.
        """
        check_format(data, REPORT_FORMAT, "report", source)
        try:
            arch_data = {k: v for k, v in fields.mapping(data["architecture"], "architecture").items()
                         if k in TOP_KEYS}
            arch = Architecture.from_dict(arch_data, source=f"{source}: architecture")
            part_data = fields.mapping(data["partition"], "partition")
            part = Partition(fields.whole(data["T"], "T", 2),
                             tuple(fields.whole(s, "partition step")
                                   for s in fields.items(part_data["start"], "partition start")))
            grid_data = data.get("grid")
            grid = None if grid_data is None else RankResult.from_dict(grid_data, "grid")
            separation = RankResult.from_dict(data["separation"], "separation")
            if grid is not None and grid.lower > separation.upper:
                raise TnrankError(f"grid lower {grid.lower:,} > separation upper {separation.upper:,}"
                                  ": the grid rank never exceeds the separation rank")
            for t in fields.items(data.get("theorems", []), "theorems"):
                TheoremCheck.from_dict(t)  # checked; the bounds themselves are recomputed
            theorems = [TheoremCheck(b, b.verdict(separation.lower, separation.upper))
                        for b in theorem_bounds(arch, part)]
            note = data.get("theorems_note")
            return cls(
                architecture=arch, partition=part, grid=grid, separation=separation,
                theorems=theorems,
                applicability=None if note is None else fields.text(note, "theorems_note"),
                seed=fields.whole(data["seed"], "seed"), prime=fields.whole(data["prime"], "prime", 2),
                seconds=fields.number(data.get("seconds", 0.0), "seconds"),
                settings=dict(fields.mapping(data.get("settings") or {}, "settings")),
            )
        except TnrankError as exc:
            if str(exc).startswith(source):
                raise
            raise TnrankError(f"{source}: {exc}") from None
        except KeyError as exc:
            raise TnrankError(f"{source}: not a complete report (no {exc})") from None
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise TnrankError(f"{source}: not a complete report ({type(exc).__name__}: {exc})") from None

    @classmethod
    def from_json(cls, text: str, source: str = "report") -> Report:
        """The report in the text of :meth:`to_json`."""
        if not isinstance(text, (str, bytes, bytearray)):
            raise TnrankError(f"{source}: a report's JSON is text, got {type(text).__name__}")
        return cls.from_dict(parse_json(text, source=source), source=source)

    def to_json(self, indent: int | None = 2) -> str:
        """The report as one JSON object."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def format(self, terms: bool = True) -> str:
        """The report as readable text
        (:func:`~tnrank.certification.report_text.format_report`): a table, one sentence per
        rank, the runs behind every probability, and (unless ``terms`` is False) the meaning
        of each term used."""
        return format_report(self, terms)

    def explain(self, terms: bool = True) -> str:
        """How each number was proved: the matrix, prime, seed and rank of every run behind
        ``lower``, the bound behind ``upper``, and for ``generic-whp`` ranks the
        Schwartz–Zippel computation with its degree and condition.

        Parameters
        ----------
        terms : bool
            End with the meaning of each technical term used (default); False leaves them
            out, for a caller that prints several texts and their terms once
            (:func:`~tnrank.certification.report_text.terms_text`).

        Returns
        -------
        str
            Several paragraphs of text (:func:`~tnrank.certification.report_text.explain_report`).
        """
        return explain_report(self, terms)

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        ranks = "; ".join(f"{r.quantity} {r.lower:,}" + (" exact" if r.exact else
                                                          f"..{format_bound(r.upper)} {r.status}")
                          for r in (self.grid, self.separation) if r is not None)
        name = self.architecture.name or "architecture"
        return (f"<Report {name[:80]}, T={self.T}, {self.partition.name[:40]}: {ranks}; "
                f"verdict {self.verdict}>")


def check_format(data: Any, expected: str, what: str, source: str) -> None:
    """Refuse data that is not a JSON object of format ``expected``, naming the format
    this version of tnrank reads and what to do.

    Raises
    ------
    TnrankError
        For a non-object, a file without ``format`` (written before tnrank 0.2.0), a
        later version of the format (written by a newer tnrank), or another kind.

    Examples
    --------
    >>> check_format({"separation": {}}, REPORT_FORMAT, "report", "old.json")
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: old.json: this report has no 'format' key: it was written before
    tnrank 0.2.0, and tnrank ... reads format 'tnrank-report/1'; run the command again to write it anew
    """
    if not isinstance(data, dict):
        raise TnrankError(f"{source}: a {what} is a JSON object, got {type(data).__name__}")
    fmt = data.get("format")
    if fmt == expected:
        return
    if fmt is None:
        raise TnrankError(f"{source}: this {what} has no 'format' key: it was written before tnrank "
                          f"0.2.0, and tnrank {__version__} reads format {expected!r}; run the "
                          "command again to write it anew")
    family, _, version = expected.rpartition("/")
    if isinstance(fmt, str) and fmt.startswith(family + "/"):
        wrote = data.get("tnrank_version", "a later version")
        raise TnrankError(f"{source}: {what} format {fmt!r} (written by tnrank {wrote}) is not the "
                          f"{expected!r} that tnrank {__version__} reads; use that tnrank, or run "
                          "the command again with this one")
    raise TnrankError(f"{source}: format {fmt!r} is not a {what} ({expected!r})")


def architecture_summary(arch: Architecture) -> dict[str, Any]:
    """What a report says about an architecture beside its plain-dict form.

    >>> architecture_summary(Architecture.rac(2, 3, 2))["parameters"]
    36
    """
    return {"description": arch.describe(), "depth": arch.depth, "widths": list(arch.widths),
            "M": arch.M, "parameters": arch.parameter_count(), "macs_per_step": arch.macs_per_step()}
