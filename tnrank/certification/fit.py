"""Closed forms fitted to certified ranks: patterns, each with the evidence behind it.

:func:`fit_results` reads the rows of a sweep or verify results file (as
:meth:`SweepResults.fit <tnrank.files.results_file.SweepResults.fit>` does),
:func:`fit_sequence` takes values alone. Both search the family of
:mod:`tnrank.certification.forms` and return a
:class:`~tnrank.certification.fit_report.FitReport`. Only known values are fitted (proved,
generic w.h.p., or given); a value of which only an interval is proved is listed, and each
form's prediction there is compared with the interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

from tnrank.certification.fit_report import (
    COORDS,
    MIN_VALUES,
    Fit,
    FitReport,
    FitValue,
    Prediction,
    point_variables,
    same_point,
    varies,
)
from tnrank.certification.forms import fit_forms
from tnrank.errors import TnrankError
from tnrank.primes import PRIME

__all__ = ["fit_results", "fit_sequence"]


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TnrankError(f"{what} is {value!r}, not a whole number; a fit needs integer values")
    return value


def _row_value(row: Mapping[str, Any], quantity: str, where: str) -> FitValue | None:
    result = row.get(quantity)
    if result is None:
        return None
    if not isinstance(result, dict):
        raise TnrankError(f"{where}: {quantity!r} is not a rank result")
    lower = _whole(result.get("lower"), f"{where}: {quantity} lower bound")
    upper = result.get("upper")
    upper = None if upper is None else _whole(upper, f"{where}: {quantity} upper bound")
    status = result.get("status")
    if status not in ("exact", "generic-whp", "lower-bound", "inconsistent"):
        raise TnrankError(f"{where}: {quantity} status {status!r} is not exact, generic-whp, "
                          "lower-bound or inconsistent")
    bounds = {str(k): v for k, v in (result.get("bounds") or {}).items() if isinstance(v, int)
              and not isinstance(v, bool)}
    failure = result.get("failure_bound")
    return FitValue({k: row[k] for k in COORDS}, lower, upper, status,
                    float(failure) if isinstance(failure, (int, float)) else None, bounds)


def _selected(row: Mapping[str, Any], select: Mapping[str, Any]) -> bool:
    for key, wanted in select.items():
        if wanted is None:
            continue
        values = [wanted] if isinstance(wanted, (int, str)) else list(wanted)
        if row.get(key) not in values and str(row.get(key)) not in map(str, values):
            return False
    return True


def fit_results(
    data: Mapping[str, Any],
    *,
    quantity: str = "separation",
    depth: int | Sequence[int] | None = None,
    M: int | Sequence[int] | None = None,
    R: int | str | Sequence[int | str] | None = None,
    T: int | Sequence[int] | None = None,
    min_held_out: int = 2,
    source: str = "results",
) -> FitReport:
    """Closed forms fitted to the certified ranks of a sweep or verify results file.

    Parameters
    ----------
    data : mapping
        The results file's object (``config`` and ``rows``), e.g. a
        :class:`~tnrank.files.results_file.SweepResults`.
    quantity : {"separation", "grid"}
    depth, M, R, T : value or values, optional
        Keep only the rows with these coordinates. The rows kept must be of one
        architecture (one depth); ``M``, ``R`` and ``T`` may vary.
    min_held_out : int
        Values each form must predict beyond those it is fitted on (at least 1).
    source : str
        Where the values come from, for the report.

    Returns
    -------
    FitReport

    Raises
    ------
    TnrankError
        When the rows mix architectures, fewer than :data:`MIN_VALUES` values are known,
        or a value is not a whole number.

    Examples
    --------
    >>> from tnrank.studies.sweeps import sweep
    >>> report = fit_results(sweep([2], M=3, R=3, Ts=[2, 4, 6, 8]))
    >>> [f.form.text() for f in report.fits]
    ['state degree', 'R·C(R + n - 1, n)']
    >>> [(p.point["T"], int(p.value), p.verdict) for p in report.fits[0].predictions]
    [(10, 63, 'pattern')]
    """
    if quantity not in ("separation", "grid"):
        raise TnrankError(f"`quantity` must be 'separation' or 'grid', got {quantity!r}")
    if min_held_out < 1:
        raise TnrankError(f"`min_held_out` must be at least 1, got {min_held_out}")
    config = data.get("config") or {}
    select = {"L": depth, "M": M, "R": R, "T": T}
    values = []
    for number, row in enumerate(data.get("rows", []), start=1):
        if not isinstance(row, Mapping) or not all(k in row for k in COORDS):
            raise TnrankError(f"{source}: row {number} is not an object with L, M, R and T")
        if not _selected(row, select):
            continue
        where = f"{source}: L={row['L']} M={row['M']} R={row['R']} T={row['T']}"
        for key in ("L", "M", "T"):
            _whole(row[key], f"{where}: {key}")
        value = _row_value(row, quantity, where)
        if value is not None:
            values.append(value)
    depths = sorted({v.point["L"] for v in values})
    if len(depths) > 1:
        raise TnrankError(f"{source} holds ranks of several architectures (depths "
                          f"{', '.join(map(str, depths))}); fit one at a time: choose a depth "
                          f"(`depth`)")
    setting = {"L": depths[0] if depths else None, "architecture": config.get("architecture"),
               "file": config.get("file"), "partition": config.get("partition", "start-end"),
               "seed": config.get("seed", 0), "prime": config.get("prime", PRIME),
               "failure_target": config.get("failure_target")}
    return _fit(values, setting, quantity, min_held_out, source)


def fit_sequence(
    values: Sequence[int],
    *,
    T: int | Sequence[int] | None = None,
    R: int | Sequence[int] | None = None,
    M: int | Sequence[int] | None = None,
    bounds: Mapping[str, Sequence[int]] | None = None,
    min_held_out: int = 2,
) -> FitReport:
    """Closed forms fitted to integers given directly (each of kind ``given``).

    Parameters
    ----------
    values : sequence of int
    T, R, M : int or sequence of int, optional
        Where each value lies: one of them a sequence as long as ``values`` (the axis),
        the others one number each (or omitted). Without any sequence the values are
        taken at ``T = 2, 4, 6, ...`` (``n = 1, 2, 3, ...``).
    bounds : mapping of str to sequence of int, optional
        Upper bounds at each value, by name (as ``state degree``), for the families that
        use one.
    min_held_out : int

    Returns
    -------
    FitReport

    Raises
    ------
    TnrankError
        When fewer than :data:`MIN_VALUES` values are given, a value is not a whole number,
        or the lengths of ``values``, the axis and ``bounds`` differ.

    Examples
    --------
    >>> report = fit_sequence([1, 1, 2, 3, 5, 8, 13, 21])
    >>> [f.form.text() for f in report.fits]
    ['v(n) = v(n - 1) + v(n - 2)']
    >>> [int(p.value) for p in report.fits[0].predictions]
    [34]
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TnrankError(f"`values` must be a sequence of whole numbers, got {type(values).__name__}")
    for i, v in enumerate(values):
        try:
            ok = not isinstance(v, bool) and int(v) == v and not isinstance(v, float | Fraction)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise TnrankError(f"`values`[{i}] is {v!r}, not a whole number; a fit needs integers")
    count = len(values)
    axes = {k: x for k, x in (("T", T), ("R", R), ("M", M)) if x is not None and not isinstance(x, int)}
    if len(axes) > 1:
        raise TnrankError(f"give one sequence among `T`, `R` and `M` (the axis), not {len(axes)}")
    coords: dict[str, list[int]] = {}
    for key, given in (("T", T), ("R", R), ("M", M)):
        if given is None:
            continue
        coords[key] = [given] * count if isinstance(given, int) else [int(x) for x in given]
        if len(coords[key]) != count:
            raise TnrankError(f"`{key}` has {len(coords[key])} entries for {count} values")
    if "T" not in coords:  # the lengths 2, 4, 6, ... unless another axis is given
        coords["T"] = [2 * (i + 1) for i in range(count)] if not axes else [None] * count  # type: ignore[list-item]
    bounds = dict(bounds or {})
    for name, series in bounds.items():
        if len(series) != count:
            raise TnrankError(f"`bounds`[{name!r}] has {len(series)} entries for {count} values")
    fvalues = [FitValue({"L": None, "M": coords.get("M", [None] * count)[i],
                         "R": coords.get("R", [None] * count)[i], "T": coords["T"][i]},
                        int(values[i]), None, "given", None,
                        {name: int(series[i]) for name, series in bounds.items()})
               for i in range(count)]
    setting = {"L": None, "architecture": None, "partition": "start-end"}
    return _fit(fvalues, setting, "separation", min_held_out, "")


def _fit(values: list[FitValue], setting: dict[str, Any], quantity: str, min_held_out: int,
         source: str) -> FitReport:
    known = [v for v in values if v.known]
    if len(known) < MIN_VALUES:
        partial = len(values) - len(known)
        why = f" ({partial} more with only an interval proved)" if partial else ""
        raise TnrankError(f"a fit needs at least {MIN_VALUES} known values; "
                          f"{source or 'the sequence given'} has {len(known)}{why}")
    varying = [k for k in ("M", "R", "T") if varies(known, k)]
    start_end = setting.get("partition", "start-end") == "start-end"
    length = "n" if start_end and all(isinstance(v.point["T"], int) and v.point["T"] > 0
                                      and v.point["T"] % 2 == 0 for v in values) else "T"
    if len(varying) == 1:
        axis: str | None = ("n" if length == "n" else "T") if varying[0] == "T" else varying[0]
        if axis in ("R", "M") and not all(isinstance(v.point[axis], int) for v in values):
            axis = None
    else:
        axis = None if varying else ("n" if length == "n" else "T")
    along = "T" if axis in ("n", "T") else axis
    order = sorted(range(len(values)), key=lambda i: _sort_key(values[i].point, along))
    values = [values[i] for i in order]
    usable = [i for i, v in enumerate(values) if v.known]
    variables = [point_variables(values[i].point, length) for i in usable]
    found = fit_forms(variables, [values[i].bounds for i in usable], [values[i].lower for i in usable],
                      axis=axis, length=length, min_held_out=min_held_out)
    report = FitReport(source, quantity, setting, axis, length, tuple(values), (), min_held_out)
    fits = []
    for f in found:
        fit = Fit(f.form, tuple(usable[i] for i in f.fitted), tuple(usable[i] for i in f.predicted),
                  tuple(usable[i] for i in range(f.start)), f.alternatives)
        fits.append(replace(fit, predictions=tuple(_predictions(report, fit))))
    return replace(report, fits=tuple(fits))


def _sort_key(point: Mapping[str, Any], along: str | None) -> tuple[Any, ...]:
    def key(k: str) -> tuple[int, Any]:
        x = point.get(k)
        return (0, x) if isinstance(x, int) else (1, str(x))

    first = (key(along),) if along else ()
    return first + tuple(key(k) for k in ("M", "R", "T") if k != along)


def _predictions(report: FitReport, fit: Fit) -> list[Prediction]:
    """At every point where only an interval is proved, and at the first point not computed."""
    out = [report.prediction(fit, v.point) for v in report.values if not v.known]
    seen = [p.point for p in out]
    for point in report.next_points():
        if not any(same_point(point, s) for s in seen):
            out.append(report.prediction(fit, point))
    return out

