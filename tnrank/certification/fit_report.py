"""The report of ``tnrank fit``: certified values, the closed forms that fit them, and the
evidence for each, with its JSON form and its text.

A :class:`FitReport` holds the values with the kind of each (**proved**, **generic w.h.p.**
with its Schwartz–Zippel failure bound, or a proved interval only, never fitted), every form
of :mod:`tnrank.certification.forms` that fits (:class:`Fit`: the values it was fitted on and
those it predicts exactly), each form's value at the first point not computed — a
**pattern**, never a theorem — and the values computed to check such predictions
(:class:`Check`). :mod:`tnrank.certification.fit` makes reports.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from tnrank.certification.bounds import upper_bounds
from tnrank.certification.forms import Form, format_number
from tnrank.errors import TnrankError
from tnrank.formatting import format_table
from tnrank.model.architecture import Architecture
from tnrank.model.partition import Partition
from tnrank.primes import PRIME
from tnrank.version import __version__

__all__ = ["FIT_FORMAT", "MIN_VALUES", "KNOWN", "COORDS", "FitValue", "Prediction", "Fit", "Check",
           "FitReport", "verdict", "same_point", "varies", "point_variables", "describe_setting",
           "certify_command", "architecture_at"]

#: Value of the ``format`` key of a fit report's JSON form.
FIT_FORMAT = "tnrank-fit/1"
#: Fewest known values a fit is attempted on.
MIN_VALUES = 3
#: Statuses whose value is known (and so may be fitted).
KNOWN = ("exact", "generic-whp", "given")
#: Coordinates of a point of a sweep.
COORDS = ("L", "M", "R", "T")


@dataclass(frozen=True)
class FitValue:
    """One value of the sequence and how it is known.

    Attributes
    ----------
    point : dict
        ``L``, ``M``, ``R`` (a number, or a label such as ``"3-1-3"``) and ``T``.
    lower, upper : int or None
        The proved bounds (``upper`` None for a value given without one).
    status : str
        ``exact`` (proved), ``generic-whp`` (``lower`` is the generic value with probability
        at least ``1 - failure_bound``), ``lower-bound`` (only the interval is proved; never
        fitted), ``inconsistent`` (never fitted) or ``given`` (a value passed in, not
        certified here).
    failure_bound : float or None
    bounds : dict
        The upper bounds at the point, by name.
    """

    point: dict[str, Any]
    lower: int
    upper: int | None
    status: str
    failure_bound: float | None = None
    bounds: dict[str, int] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        """Whether the value itself is known (proved, generic w.h.p. or given)."""
        return self.status in KNOWN

    @property
    def value(self) -> int | None:
        """The value when it is known, else None."""
        return self.lower if self.known else None

    def kind(self) -> str:
        """How the value is known, in words."""
        if self.status == "exact":
            return "proved"
        if self.status == "generic-whp":
            bound = "" if self.failure_bound is None else f" (failure ≤ {self.failure_bound:.1e})"
            return f"generic w.h.p.{bound}"
        if self.status == "given":
            return "given"
        interval = f"{self.lower:,}..{self.upper:,}" if self.upper is not None else f"≥ {self.lower:,}"
        if self.status == "lower-bound":
            return f"only {interval} proved: not fitted"
        return f"{self.status} ({interval}): not fitted"

    def shown(self) -> str:
        """The value for a table: the number, or the proved interval."""
        if self.known:
            return f"{self.lower:,}"
        return f"{self.lower:,}..{self.upper:,}" if self.upper is not None else f"≥ {self.lower:,}"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; inverse of :meth:`from_dict`."""
        return {"point": dict(self.point), "lower": self.lower, "upper": self.upper,
                "status": self.status, "failure_bound": self.failure_bound,
                "bounds": dict(self.bounds)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FitValue:
        """The value written by :meth:`to_dict`."""
        return cls(dict(data["point"]), int(data["lower"]),
                   None if data.get("upper") is None else int(data["upper"]), str(data["status"]),
                   data.get("failure_bound"), {k: int(v) for k, v in data.get("bounds", {}).items()})


def verdict(predicted: Fraction | None, known: FitValue) -> str:
    """What a certified value says about a predicted one.

    ``confirmed`` or ``refuted``, with how sure (``proved``, ``generic w.h.p.``), or
    ``undecided`` when only an interval around the prediction is proved.

    Examples
    --------
    >>> v = FitValue({"T": 22}, 1604, 1608, "generic-whp", 2e-7)
    >>> verdict(Fraction(1604), v), verdict(Fraction(1606), v), verdict(Fraction(1700), v)
    ('confirmed (generic w.h.p.)', 'refuted (generic w.h.p.)', 'refuted (proved)')
    """
    if predicted is None:
        return "no prediction"
    outside = predicted < known.lower or (known.upper is not None and predicted > known.upper)
    if known.status == "exact":
        return "confirmed (proved)" if predicted == known.lower else "refuted (proved)"
    if outside and known.status != "given":
        return "refuted (proved)"
    if known.status == "generic-whp":
        return "confirmed (generic w.h.p.)" if predicted == known.lower else "refuted (generic w.h.p.)"
    if known.status == "given":
        return "confirmed" if predicted == known.lower else "refuted"
    if predicted.denominator != 1:
        return "refuted (not a whole number)"
    return f"undecided (inside the proved {known.lower:,}..{known.upper:,})"


@dataclass(frozen=True)
class Prediction:
    """A form's value at a point: beyond the fitted values (a pattern), or where only an
    interval is proved.

    Attributes
    ----------
    point : dict
    value : Fraction or None
        None when the form cannot be evaluated there (a bound it needs is unknown).
    known : FitValue or None
        What is proved at the point, if anything.
    command : str or None
        The command that would certify the value.
    """

    point: dict[str, Any]
    value: Fraction | None
    known: FitValue | None = None
    command: str | None = None

    @property
    def verdict(self) -> str:
        """:func:`verdict` against the proved value, or ``pattern`` where nothing is proved."""
        return "pattern" if self.known is None else verdict(self.value, self.known)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; inverse of :meth:`from_dict`."""
        return {"point": dict(self.point), "value": _json_number(self.value),
                "known": None if self.known is None else self.known.to_dict(),
                "verdict": self.verdict, "command": self.command}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Prediction:
        """The prediction written by :meth:`to_dict`."""
        known = data.get("known")
        value = data.get("value")
        return cls(dict(data["point"]), None if value is None else Fraction(str(value)),
                   None if known is None else FitValue.from_dict(known), data.get("command"))


@dataclass(frozen=True)
class Fit:
    """One form that reproduces the values, with its evidence.

    Attributes
    ----------
    form : Form
    fitted : tuple of int
        Positions (in :attr:`FitReport.values`) of the values that fixed the form.
    predicted : tuple of int
        Positions of the later values, each equal to the form's value.
    skipped : tuple of int
        Positions of known values before the fitted ones, which the fit leaves out.
    alternatives : tuple of Form
        Other forms of the same family that fit the same values as well.
    predictions : tuple of Prediction
        The form's value at the first length not computed, and wherever only an
        interval is proved.
    """

    form: Form
    fitted: tuple[int, ...]
    predicted: tuple[int, ...]
    skipped: tuple[int, ...] = ()
    alternatives: tuple[Form, ...] = ()
    predictions: tuple[Prediction, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; inverse of :meth:`from_dict`."""
        return {"form": self.form.to_dict(), "fitted": list(self.fitted),
                "predicted": list(self.predicted), "skipped": list(self.skipped),
                "alternatives": [f.to_dict() for f in self.alternatives],
                "predictions": [p.to_dict() for p in self.predictions]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fit:
        """The fit written by :meth:`to_dict`."""
        return cls(Form.from_dict(data["form"]), tuple(data["fitted"]), tuple(data["predicted"]),
                   tuple(data.get("skipped", ())),
                   tuple(Form.from_dict(f) for f in data.get("alternatives", [])),
                   tuple(Prediction.from_dict(p) for p in data.get("predictions", [])))


@dataclass(frozen=True)
class Check:
    """A value computed to test the fits' predictions at one point.

    Attributes
    ----------
    value : FitValue
        The certified value at the point.
    predicted : tuple of (Fraction or None)
        Each fit's prediction there, in the order of :attr:`FitReport.fits`.
    """

    value: FitValue
    predicted: tuple[Fraction | None, ...]

    @property
    def verdicts(self) -> list[str]:
        """:func:`verdict` of each fit's prediction."""
        return [verdict(p, self.value) for p in self.predicted]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; inverse of :meth:`from_dict`."""
        return {"value": self.value.to_dict(), "predicted": [_json_number(p) for p in self.predicted],
                "verdicts": self.verdicts}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Check:
        """The check written by :meth:`to_dict`."""
        return cls(FitValue.from_dict(data["value"]),
                   tuple(None if p is None else Fraction(str(p)) for p in data["predicted"]))


@dataclass(frozen=True)
class FitReport:
    """Closed forms fitted to a sequence of certified values, with their evidence.

    Attributes
    ----------
    source : str
        Where the values come from (a file name, ``computed``, ``values``).
    quantity : str
        ``separation`` or ``grid``.
    setting : dict
        What the values are ranks of: ``L``, ``architecture`` (the plain-dict form of an
        architecture of its own, else None), ``file`` (its file, when known),
        ``partition``, and the certification settings ``seed``, ``prime`` and
        ``failure_target`` a check would use.
    axis : str or None
        The variable the values run along (``n`` = T/2, ``T``, ``R`` or ``M``); None when
        they vary along several.
    length : str
        ``n`` (Start-End: ``n = T/2``) or ``T``.
    values : tuple of FitValue
        In the order of the fit (along the axis).
    fits : tuple of Fit
        Simplest first; empty when nothing fits.
    min_held_out : int
        Values each form had to predict beyond those it was fitted on.
    checks : tuple of Check
        Values computed to test the predictions (``tnrank fit --check``).
    """

    source: str
    quantity: str
    setting: dict[str, Any]
    axis: str | None
    length: str
    values: tuple[FitValue, ...]
    fits: tuple[Fit, ...]
    min_held_out: int = 2
    checks: tuple[Check, ...] = ()

    # ---------------------------------------------------------------- predictions
    def next_points(self) -> list[dict[str, Any]]:
        """The first point beyond the known values: the next length of each ``(M, R)``, or the
        next ``R`` or ``M`` along those axes."""
        known = [v for v in self.values if v.known]
        if not known:
            return []
        along = "T" if self.axis in (None, "n", "T") else self.axis
        groups: dict[tuple[tuple[str, Any], ...], list[FitValue]] = {}
        for v in known:
            key = tuple((k, v.point[k]) for k in COORDS if k != along)
            groups.setdefault(key, []).append(v)
        step = self._step(along)
        points = []
        for key, members in groups.items():
            last = max(int(m.point[along]) for m in members)
            points.append(dict(key) | {along: last + step})
        return [{k: p[k] for k in COORDS} for p in points]

    def _step(self, along: str) -> int:
        xs = sorted({int(v.point[along]) for v in self.values if v.known})
        gaps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
        if along == "T" and self.setting.get("partition", "start-end") == "start-end":
            return 2
        return min(gaps) if gaps else 1

    def predicting(self, T: int) -> FitReport:
        """This report with each fit's pattern at length ``T`` (for every ``M`` and ``R`` of the
        values) in place of the first length not computed.

        Raises
        ------
        TnrankError
            When the values do not vary with ``T``, or ``T`` is not a length of the partition.
        """
        if not varies(self.values, "T"):
            raise TnrankError(f"`predict` gives a length T, and these values all have "
                              f"T = {self.values[0].point['T']}: nothing says how they change with T")
        if self.length == "n" and (T < 2 or T % 2):
            raise TnrankError(f"`predict` must be an even length T >= 2 (n = T/2), got {T}")
        points = [p | {"T": T} for p in self.next_points()]  # one per (M, R): T varies with them
        fits = []
        for fit in self.fits:
            kept = [p for p in fit.predictions if p.known is not None and p.known.point["T"] != T]
            fits.append(replace(fit, predictions=tuple(kept) + tuple(
                self.prediction(fit, p) for p in points)))
        return replace(self, fits=tuple(fits))

    def form_value(self, fit: Fit, point: Mapping[str, Any]) -> Fraction | None:
        """The fit's form at a point: with the bounds of the value there, or computed from the
        architecture, and for a recurrence the values before it (known, else predicted)."""
        known = next((v for v in self.values if same_point(v.point, point)), None)
        names = set() if fit.form.bound is None else {fit.form.bound}
        bounds = known.bounds if known is not None and names <= set(known.bounds) else \
            _bounds_at(self.setting, point, self.quantity, names)
        return fit.form.value(point_variables(point, self.length), bounds, self._earlier(fit, point))

    def prediction(self, fit: Fit, point: Mapping[str, Any]) -> Prediction:
        """The fit's value at a point, with what is proved there and the command that certifies it."""
        known = next((v for v in self.values if same_point(v.point, point)), None)
        return Prediction(dict(point), self.form_value(fit, point), known,
                          certify_command(self.setting, point))

    def _earlier(self, fit: Fit, point: Mapping[str, Any]) -> Callable[[int], Fraction | None] | None:
        """Values before a point along the axis: known, or predicted one step at a time."""
        if fit.form.family != "recurrence":
            return None
        along = "T" if self.axis in (None, "n", "T") else self.axis  # a recurrence has an axis
        scale = 2 if self.axis == "n" else 1
        same_group = [v for v in self.values if v.known and all(
            v.point[k] == point[k] for k in ("L", "M", "R", "T") if k != along)]
        cache: dict[int, Fraction | None] = {int(v.point[along]) // scale: Fraction(v.lower)
                                             for v in same_group}
        step = fit.form.step

        def earlier(x: int) -> Fraction | None:
            if x not in cache and cache and x > max(cache):
                for y in range(max(cache) + step, x + 1, step):  # one step at a time, upwards
                    here = dict(point) | {along: y * scale}
                    cache[y] = fit.form.value(point_variables(here, self.length), {}, cache.get)
            return cache.get(x)

        return earlier

    # ---------------------------------------------------------------- evidence
    def failure_bound(self, fit: Fit) -> float:
        """Union bound on the chance that a generic value the fit rests on is wrong."""
        return sum(self.values[i].failure_bound or 0.0 for i in (*fit.fitted, *fit.predicted)
                   if self.values[i].status == "generic-whp")

    def with_checks(self, checks: Sequence[Check]) -> FitReport:
        """This report with ``checks`` added."""
        return replace(self, checks=tuple(self.checks) + tuple(checks))

    # ---------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (``format``: :data:`FIT_FORMAT`); inverse of :meth:`from_dict`."""
        return {"format": FIT_FORMAT, "tnrank_version": __version__, "source": self.source,
                "quantity": self.quantity, "setting": dict(self.setting), "axis": self.axis,
                "length": self.length, "min_held_out": self.min_held_out,
                "values": [v.to_dict() for v in self.values],
                "fits": [f.to_dict() | {"failure_bound": self.failure_bound(f)} for f in self.fits],
                "checks": [c.to_dict() for c in self.checks]}

    def to_json(self, indent: int | None = 2) -> str:
        """The report as one JSON object (``tnrank fit --json``; :func:`tnrank.save` writes it)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Any, source: str = "fit report") -> FitReport:
        """The report written by :meth:`to_dict` (``tnrank fit --json``).

        Raises
        ------
        TnrankError
            When ``data`` is not a fit report of this format.
        """
        if not isinstance(data, dict) or data.get("format") != FIT_FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise TnrankError(f"{source} is not a tnrank fit report of format {FIT_FORMAT!r} "
                              f"(found {found!r}); write one with tnrank fit --json")
        try:
            return cls(str(data["source"]), str(data["quantity"]), dict(data["setting"]),
                       data.get("axis"), str(data.get("length", "n")),
                       tuple(FitValue.from_dict(v) for v in data["values"]),
                       tuple(Fit.from_dict(f) for f in data["fits"]),
                       int(data.get("min_held_out", 2)),
                       tuple(Check.from_dict(c) for c in data.get("checks", [])))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise TnrankError(f"{source}: not a complete fit report ({type(exc).__name__}: {exc})") \
                from None

    # ---------------------------------------------------------------- text
    def format(self) -> str:
        """The values with their kinds, every fit with its evidence and predictions, the checks."""
        lines = [self._title(), "", self._table(), ""]
        held = f"at least {self.min_held_out} later value{'s' if self.min_held_out != 1 else ''}"
        if not self.fits:
            known = sum(v.known for v in self.values)
            lines.append(f"no fit: no form of the family, fitted on the first of these {known} "
                         f"values, predicts {held} exactly")
        else:
            if len(self.fits) == 1:
                lines.append(f"1 form fits, fitted on its first values and predicting {held} "
                             "exactly: a pattern, not a theorem")
            else:
                lines.append(f"{len(self.fits)} forms fit, simplest first, each fitted on its first "
                             f"values and predicting {held} exactly: patterns, not theorems")
            for number, fit in enumerate(self.fits, start=1):
                lines += self._fit_lines(number, fit)
        if self.checks:
            lines += ["", *self._check_lines()]
        return "\n".join(lines)

    def _title(self) -> str:
        if self.setting.get("L") is None:
            what = "values given"
        else:
            what = f"{self.quantity} rank of {describe_setting(self.setting, self.values)}"
        if self.axis is None:
            along = "against " + ", ".join(k for k in ("M", "R", "T") if varies(self.values, k))
        else:
            along = "against T (n = T/2)" if self.axis == "n" else f"against {self.axis}"
        where = f"; values from {self.source}" if self.source else ""
        return f"{what[0].upper()}{what[1:]}, {along}{where}"

    def _label(self, point: Mapping[str, Any]) -> str:
        keys = [k for k in ("L", "M", "R", "T") if varies(self.values, k)] or ["T"]
        if self.axis in ("n", "T"):
            keys = ["T"]
        return " ".join(f"{k} = {point[k]}" if len(keys) == 1 else f"{k}={point[k]}" for k in keys)

    def _table(self) -> str:
        keys = [k for k in ("L", "M", "R", "T") if varies(self.values, k)] or ["T"]
        header = [*keys, *(["n"] if self.length == "n" else []), "value", "kind"]
        rows = [[*(v.point[k] for k in keys), *([int(v.point["T"]) // 2] if self.length == "n" else []),
                 v.shown(), v.kind()] for v in self.values]
        return format_table(header, rows)

    def _along(self) -> str:
        """The coordinate the predictions step along: ``T``, or ``R``/``M`` for those axes."""
        return self.axis if self.axis in ("R", "M") else "T"

    def _indices(self, positions: Sequence[int]) -> str:
        points = [self.values[i].point for i in positions]
        if self.axis is None:
            return "; ".join(self._label(p) for p in points[:3]) + \
                (f" and {len(points) - 3} more" if len(points) > 3 else "")
        along = self._along()
        xs = [int(p[along]) for p in points]
        if len(xs) > 2 and xs == list(range(xs[0], xs[-1] + 1, self._step(along))):
            return f"{along} = {xs[0]}..{xs[-1]}"
        return f"{along} = {', '.join(map(str, xs))}"

    def _fit_lines(self, number: int, fit: Fit) -> list[str]:
        form = fit.form
        count = len(fit.predicted)
        others = sum(v.known for v in self.values) - len(fit.fitted) - len(fit.skipped)
        if self.axis is None and count == others:
            predicts = f"predicts the other {count} values exactly"
        else:
            predicts = f"predicts {self._indices(fit.predicted)} exactly ({count} value{'s' * (count != 1)})"
        lines = [f"{number}. {form.text()}", f"   {form.describe()}",
                 f"   fitted on {self._indices(fit.fitted)}; {predicts}"]
        if fit.alternatives:
            lines.append("   equally: " + "; ".join(a.text() for a in fit.alternatives[:3])
                         + (f" and {len(fit.alternatives) - 3} more" if len(fit.alternatives) > 3 else ""))
        for i in fit.skipped:
            v = self.values[i]
            at = self.form_value(fit, v.point)
            gives = "cannot be evaluated" if at is None else f"gives {format_number(at)}"
            follows = "follows" if at == v.lower else f"does not follow ({v.lower:,}; the form {gives})"
            lines.append(f"   not fitted: {self._label(v.point)} {follows}")
        used = [self.values[i] for i in (*fit.fitted, *fit.predicted)]
        kinds = {k: sum(v.status == k for v in used) for k in KNOWN}
        parts = [f"{kinds[k]} {word}" for k, word in (("exact", "proved"), ("generic-whp", "generic w.h.p."),
                                                      ("given", "given")) if kinds[k]]
        tail = f"; all correct w.p. ≥ 1 - {self.failure_bound(fit):.1e} (union bound)" \
            if kinds["generic-whp"] else ""
        lines.append(f"   rests on {len(used)} values: {', '.join(parts)}{tail}")
        for p in fit.predictions:
            if p.known is not None:
                lines.append(f"   at {self._label(p.point)}: {_shown(p.value)}, {p.verdict}")
        return lines + self._pattern_lines(fit)

    def _pattern_lines(self, fit: Fit) -> list[str]:
        """``pattern at T = 22: 1,604`` and the command that certifies it."""
        patterns = [p for p in fit.predictions if p.known is None]
        if not patterns:
            return []
        along = self._along()
        lines = []
        for x in dict.fromkeys(p.point[along] for p in patterns):
            here = [p for p in patterns if p.point[along] == x]
            rest = [k for k in ("M", "R") if k != along and varies(self.values, k)]
            shown = ", ".join(_shown(p.value) + (f" ({' '.join(f'{k}={p.point[k]}' for k in rest)})"
                                                  if rest else "") for p in here)
            lines.append(f"   pattern at {along} = {x}: {shown}")
            if here[0].command:
                alike = f" (each {', '.join(rest)} alike)" if len(here) > 1 else ""
                lines.append(f"   certify: {here[0].command}{alike}")
        return lines

    def _check_lines(self) -> list[str]:
        keys = [k for k in ("M", "R") if varies(self.values, k)] + [self._along()]
        keys = list(dict.fromkeys(keys))
        header = [*keys, "value", "kind", *(f"fit {i}" for i in range(1, len(self.fits) + 1))]
        rows = [[*(c.value.point[k] for k in keys), c.value.shown(), c.value.kind(), *c.verdicts]
                for c in self.checks]
        return [f"check: the {self.quantity} rank at the predicted points, certified now", "",
                format_table(header, rows)]


# ---------------------------------------------------------------- helpers
def _json_number(x: Fraction | None) -> int | str | None:
    if x is None:
        return None
    return x.numerator if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def _shown(x: Fraction | None) -> str:
    return "unknown" if x is None else format_number(x)


def same_point(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all(a.get(k) == b.get(k) for k in COORDS)


def varies(values: Sequence[FitValue], key: str) -> bool:
    return len({str(v.point.get(key)) for v in values}) > 1


def point_variables(point: Mapping[str, Any], length: str) -> dict[str, int]:
    out = {k: point[k] for k in ("L", "M", "R", "T") if isinstance(point.get(k), int)}
    if length == "n" and "T" in out:
        out["n"] = out["T"] // 2
    return out


def describe_setting(setting: Mapping[str, Any], values: Sequence[FitValue] = ()) -> str:
    """``the depth-3 RAC, M = 2, R = 2`` or ``the architecture 'name'``."""
    if setting.get("architecture"):
        name = setting["architecture"].get("name") or setting.get("file")
        return f"the architecture {name!r}" if name else "the architecture of the results file"
    if setting.get("L") is None:
        return "the values given"
    fixed = [f"{k} = {values[0].point[k]}" for k in ("M", "R") if values and not varies(values, k)]
    return f"the depth-{setting['L']} RAC" + (", " + ", ".join(fixed) if fixed else "")


def certify_command(setting: Mapping[str, Any], point: Mapping[str, Any]) -> str | None:
    """The ``tnrank rank`` command that certifies the value at ``point``."""
    if setting.get("L") is None:
        return None
    if setting.get("architecture"):
        words = ["tnrank", "rank", str(setting.get("file") or "ARCHITECTURE.toml")]
    else:
        words = ["tnrank", "rank", "-L", str(setting["L"]), "-R", str(point["R"]), "-M", str(point["M"])]
    words += ["-T", str(point["T"])]
    if setting.get("partition", "start-end") != "start-end":
        words += ["--partition", str(setting["partition"])]
    if setting.get("seed", 0):
        words += ["--seed", str(setting["seed"])]
    if setting.get("prime", PRIME) != PRIME:
        words += ["--prime", str(setting["prime"])]
    return " ".join(words)


def architecture_at(setting: Mapping[str, Any], point: Mapping[str, Any]) -> Architecture:
    """The architecture whose rank is the value at ``point``."""
    if setting.get("architecture"):
        return Architecture.from_dict(setting["architecture"], source="results file: architecture")
    return Architecture.rac(int(setting["L"]), int(point["R"]), int(point["M"]))


def _bounds_at(setting: Mapping[str, Any], point: Mapping[str, Any], quantity: str,
               names: set[str]) -> dict[str, int]:
    """The upper bounds ``names`` at a point no row holds (computed from the architecture)."""
    if not names or setting.get("L") is None:
        return {}
    try:
        arch = architecture_at(setting, point)
        part = Partition.parse(setting.get("partition", "start-end"), int(point["T"]))
    except TnrankError:
        return {}
    found = dict(upper_bounds(arch, part, quantity))
    if "min-cut" in names:
        from tnrank.networks.mincut import min_cut_bound, min_cut_log2

        if min_cut_log2(arch, part) <= 4096:
            found["min-cut"] = min_cut_bound(arch, part)
    return {k: v for k, v in found.items() if k in names}
