"""``tnrank fit``: closed forms fitted to a results file, or to ranks computed first, and their
predictions checked by computing the next value.

The forms and the report are those of :mod:`tnrank.certification.fit`; this module finds the
values (a sweep or verify results file, an analysis results file, or a sweep it runs) and
certifies the predicted values for ``--check``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tnrank.certification.certify import certify
from tnrank.certification.fit import fit_results
from tnrank.certification.fit_report import (
    COORDS,
    MIN_VALUES,
    Check,
    FitReport,
    FitValue,
    architecture_at,
)
from tnrank.errors import TnrankError
from tnrank.files.formats import load
from tnrank.files.results_file import ANALYSIS_FORMAT, RESULTS_FORMAT, check_results
from tnrank.formatting import printable
from tnrank.model.architecture import Architecture
from tnrank.safe_files import parse_json, read_text
from tnrank.studies.sweeps import sweep
from tnrank.studies.verification import width_label

__all__ = ["fit", "read_values", "check_predictions"]


def read_values(path: str | os.PathLike, entry: str | None = None) -> dict[str, Any]:
    """The rows of a results file in the form of a sweep's (``config``, ``rows``).

    A sweep or verify results file is returned as it is; the rows of an analysis results
    file (``tnrank analyze --json-file``) become rows ``L``, ``M``, ``R`` (the width, or the
    widths joined), ``T`` of its one architecture (``entry`` chooses among several).

    Raises
    ------
    TnrankError
        When the file is not a results file, or holds several architectures and ``entry``
        does not choose one.
    """
    label = printable(os.fspath(path))
    data = parse_json(read_text(path, "a results file (.json)"), source=f"results file {label}")
    fmt = data.get("format") if isinstance(data, dict) else None
    if fmt == RESULTS_FORMAT:
        return check_results(data, source=label)
    if fmt == ANALYSIS_FORMAT:
        return _analysis_rows(data, label, entry)
    what = f"format {fmt!r}" if isinstance(fmt, str) else "no tnrank results"
    raise TnrankError(f"{label} holds {what}; give a results file of tnrank sweep, verify or "
                      "analyze (--json-file), or an architecture file with -T")


def _analysis_rows(data: dict[str, Any], label: str, entry: str | None) -> dict[str, Any]:
    config = data.get("config")
    if not isinstance(config, dict) or not isinstance(config.get("entries"), list) \
            or not isinstance(data.get("rows"), list):
        raise TnrankError(f"{label!r} is not a complete analysis results file (config entries "
                          "and rows)")
    entries = {str(e[0]): e[1] for e in config["entries"] if isinstance(e, list) and len(e) == 2}
    names = list(entries)
    if entry is not None:
        if entry not in entries:
            raise TnrankError(f"{label} has no architecture {entry!r}; it holds {', '.join(names)}")
        names = [entry]
    elif len(names) > 1:
        raise TnrankError(f"{label} holds ranks of several architectures ({', '.join(names)}); fit "
                          "one at a time: choose it with `architecture`")
    if not names:
        raise TnrankError(f"{label} holds no architecture")
    arch = Architecture.from_dict(entries[names[0]], source=f"{label}: {names[0]}")
    rows = []
    for row in data["rows"]:
        if not isinstance(row, dict) or row.get("file") != names[0]:
            continue
        report = row.get("report") or {}
        rows.append({"L": arch.depth, "M": arch.M, "R": width_label(arch), "T": row.get("T"),
                     "grid": report.get("grid"), "separation": report.get("separation")})
    return {"format": RESULTS_FORMAT, "rows": rows,
            "config": {"architecture": arch.to_dict(), "file": names[0],
                       **{k: config[k] for k in ("partition", "seed", "prime", "failure_target")
                          if k in config}}}


def fit(
    source: str | os.PathLike | None = None,
    *,
    depths: Sequence[int] | None = None,
    M: Sequence[int] | None = None,
    R: Sequence[int] | None = None,
    T: Sequence[int] | None = None,
    architecture: str | None = None,
    quantity: str = "separation",
    min_held_out: int = 2,
    predict: int | None = None,
    check: bool = False,
    progress: Callable[[str], None] | None = None,
    **certify_options: Any,
) -> FitReport:
    """Closed forms fitted to certified ranks: the report of ``tnrank fit``.

    Parameters
    ----------
    source : path-like, optional
        A results file of ``tnrank sweep``, ``verify`` or ``analyze`` (``--json-file``):
        ``depths``, ``M``, ``R`` and ``T`` then keep only the rows with those values. An
        architecture file (TOML) is swept over ``T`` first. Without ``source``, the RAC of
        one depth is swept over every ``M``, ``R`` and ``T`` given, then fitted.
    depths, M, R, T : sequences of int, optional
    architecture : str, optional
        The architecture of an analysis results file to fit (its file name there).
    quantity : {"separation", "grid"}
    min_held_out : int
        Values each form must predict exactly beyond those it is fitted on.
    predict : int, optional
        Predict the value at this ``T`` (for every ``M`` and ``R``) instead of at the first
        ``T`` not computed.
    check : bool
        Certify the value at the predicted point and compare (:func:`check_predictions`).
    progress : callable, optional
        Progress lines of the computations.
    **certify_options
        Passed to :func:`tnrank.certify` for the values computed first. A check certifies
        with the settings of the values' results file (seed, prime, partition, failure
        target).

    Returns
    -------
    FitReport

    Raises
    ------
    TnrankError
        Before any computation, for values of several architectures, missing lengths, or
        fewer than three values to fit.
    """
    if predict is not None and (isinstance(predict, bool) or not isinstance(predict, int) or predict < 1):
        raise TnrankError(f"`predict` must be a length T >= 1, got {predict!r}")
    path = None if source is None else Path(os.fspath(source))
    computing = path is None or path.suffix.lower() == ".toml"  # a Start-End sweep, run here
    if computing and predict is not None and predict % 2:
        raise TnrankError(f"`predict` must be an even length T >= 2 (n = T/2), got {predict}")
    label = "a sweep computed now" if source is None else printable(os.fspath(source))
    if path is not None and path.suffix.lower() == ".toml":
        arch = load(path, kind="architecture")
        if not T:
            raise TnrankError(f"give the lengths to compute for {label} with `T`")
        _refuse_selection(depths, M, R, f"an architecture file ({label})")
        _enough_points(len(set(T)))
        data: Mapping[str, Any] = sweep([arch.depth], arch.M, 1, list(T), architecture=arch,
                                        progress=progress, **certify_options)
        data["config"]["file"] = label
        selection: dict[str, Any] = {}
    elif path is not None:
        data = read_values(path, architecture)
        selection = {"depth": depths, "M": M, "R": R, "T": T}
    else:
        missing = [f"`{k}`" for k, v in (("depths", depths), ("M", M), ("R", R), ("T", T)) if not v]
        if missing:
            raise TnrankError(f"give a results file, or {', '.join(missing)} to compute first")
        if len(set(depths)) > 1:  # type: ignore[arg-type]
            raise TnrankError(f"a fit is of one architecture; give one depth, not "
                              f"{', '.join(map(str, depths))}")  # type: ignore[arg-type]
        _enough_points(len(set(M)) * len(set(R)) * len(set(T)))  # type: ignore[arg-type]
        data = sweep(list(depths), list(M), list(R), list(T), progress=progress,  # type: ignore[arg-type]
                     **certify_options)
        selection = {}
    report = fit_results(data, quantity=quantity, min_held_out=min_held_out, source=label,
                         **selection)
    if predict is not None:
        report = report.predicting(predict)
    if check and report.fits:  # with no fit the report says so; there is nothing to check
        report = check_predictions(report, progress=progress)
    return report


def _enough_points(count: int) -> None:
    """Refuse, before computing, a sweep of fewer points than a fit needs."""
    if count < MIN_VALUES:
        raise TnrankError(f"a fit needs at least {MIN_VALUES} values; these settings give {count} "
                          "point" + "s" * (count != 1) + "; give more lengths `T`")


def _refuse_selection(depths: Any, M: Any, R: Any, what: str) -> None:
    given = [k for k, v in (("depths", depths), ("M", M), ("R", R)) if v]
    if given:
        raise TnrankError(f"{what} fixes the architecture; drop {', '.join(f'`{k}`' for k in given)}")


def check_predictions(report: FitReport, *, progress: Callable[[str], None] | None = None,
                      **certify_options: Any) -> FitReport:
    """Certify the value at each point the fits predict and record what it says of each fit.

    The points are those of the report's patterns (the first length not computed, or the
    ``predict`` length); the certification uses the report's seed, prime, partition and
    failure target unless ``certify_options`` give others.

    Raises
    ------
    TnrankError
        When the report has no fit, or its values are not ranks of a known architecture.
    """
    if not report.fits:
        raise TnrankError("nothing to check: no form fits these values")
    if report.setting.get("L") is None:
        raise TnrankError("nothing to check: the values were given, not ranks of an architecture")
    points = [p.point for p in report.fits[0].predictions if p.known is None] or \
        [p.point for p in report.fits[0].predictions]
    options = {k: report.setting[k] for k in ("seed", "prime", "failure_target")
               if report.setting.get(k) is not None}
    options |= {"grid": "auto" if report.quantity == "grid" else "skip"} | certify_options
    checks = []
    for point in points:
        if progress is not None:
            progress(f"checking {' '.join(f'{k}={point[k]}' for k in COORDS)}")
        result = certify(architecture_at(report.setting, point), int(point["T"]),
                         report.setting.get("partition", "start-end"), progress=progress, **options)
        rank = result.grid if report.quantity == "grid" else result.separation
        if rank is None:
            raise TnrankError(f"the {report.quantity} rank was not computed at T={point['T']}")
        value = FitValue(dict(point), rank.lower, rank.upper, rank.status, rank.failure_bound,
                         dict(rank.bounds))
        predicted = tuple(next((p.value for p in fit.predictions if p.point == point), None)
                          for fit in report.fits)
        checks.append(Check(value, predicted))
    return report.with_checks(checks)
