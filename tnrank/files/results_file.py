"""Results files of sweeps over ``(L, M, R, T)``: written as rows arrive, resumed, merged.

A results file (``tnrank sweep --json-file FILE``, ``tnrank verify --json-file FILE``) is
one JSON object::

    {"format": "tnrank-sweep",
     "config": {"depths": [...], "R": 2, "M": [2, 3], "T": [...], "partition": "start-end",
                "seed": 0, "prime": ..., "confirm": false, "grid": "auto",
                "max_entries": ..., "max_samples": ..., "float_check": true},
     "rows": [...],          # one per (L, M, R, T), in the order of the sweep
     "complete": true}

``M`` and ``R`` are one number when the sweep has one value (as in every file written
before they could be lists) and a list otherwise.

It is rewritten atomically after every finished row (:mod:`tnrank.safe_files`),
so a sweep killed at any moment keeps every row it finished; running the same
sweep again computes only the rows missing, and a sweep with more depths or
lengths extends the file. A file made with other settings is refused rather
than mixed, and so is a second process writing the same file.
:func:`merge_results` joins files of one sweep computed on different machines
(for example one depth each).
"""

from __future__ import annotations

import itertools
import json
import math
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Self

from tnrank.certification.certify import FAILURE_TARGET, MAX_SAMPLES
from tnrank.certification.fit import fit_results
from tnrank.certification.fit_report import FitReport
from tnrank.engine.grid import MAX_GRID_ENTRIES
from tnrank.errors import TnrankError
from tnrank.files.results_rows import check_analysis, check_sweep
from tnrank.primes import PRIME
from tnrank.safe_files import exclusive, parse_json, printable, read_text, write_json

__all__ = ["ANALYSIS_FORMAT", "AnalysisFile", "RESULTS_FORMAT", "GRID_KEYS", "load_results",
           "save_results", "check_json_name", "merge_results", "missing_points", "ordered", "check_results",
           "sweep_config", "ResultsFile", "SweepResults"]

#: Value of the ``format`` key of a results file.
RESULTS_FORMAT = "tnrank-sweep"
#: Value of the ``format`` key of an analysis results file (``tnrank analyze --json-file``).
ANALYSIS_FORMAT = "tnrank-analysis"
#: The keys of ``config`` that list the points of the sweep; the others are settings
#: every row shares, which files must agree on to be resumed or merged.
GRID_KEYS = ("depths", "M", "R", "T")

Key = tuple[int, int, int, int]  # (L, M, R, T)


def _listed(value: Any) -> list[Any]:
    """A config value of ``M`` or ``R`` as a list (one value is stored bare, as in older files;
    the ``R`` of an architecture of several widths is a label such as ``"3-1-3"``)."""
    return [value] if isinstance(value, (int, str)) else list(value)


def _stored(values: Iterable[Any]) -> Any:
    """One number for one value (the form of older files), else the list."""
    values = list(values)
    return values[0] if len(values) == 1 else values


def sweep_config(
    depths: Iterable[int],
    M: int | Iterable[int],
    R: int | str | Iterable[int | str],
    Ts: Iterable[int],
    *,
    partition: str = "start-end",
    seed: int = 0,
    prime: int = PRIME,
    confirm: bool = False,
    grid: str = "auto",
    max_entries: int = MAX_GRID_ENTRIES,
    max_samples: int | None = MAX_SAMPLES,
    float_check: bool | None = None,
    failure_target: float = FAILURE_TARGET,
) -> dict[str, Any]:
    """The ``config`` of a results file: the points and every setting that changes a number.

    Examples
    --------
    >>> c = sweep_config([1, 2], 2, 2, [2, 4])
    >>> c["depths"], c["T"], c["seed"], c["confirm"]
    ([1, 2], [2, 4], 0, False)
    """
    return {"depths": list(depths), "R": _stored(_listed(R)), "M": _stored(_listed(M)), "T": list(Ts),
            "partition": partition,
            "seed": seed, "prime": prime, "confirm": confirm, "grid": grid,
            "max_entries": max_entries, "max_samples": max_samples, "float_check": float_check,
            "failure_target": failure_target}


def _points(config: dict[str, Any]) -> list[Key]:
    return list(itertools.product(config["depths"], _listed(config["M"]), _listed(config["R"]),
                                  config["T"]))


def _key(row: dict[str, Any]) -> Key:
    return (row["L"], row["M"], row["R"], row["T"])


def _grid(config: dict[str, Any]) -> dict[str, list[int]]:
    return {k: _listed(config[k]) for k in GRID_KEYS}


def _settings(config: dict[str, Any]) -> dict[str, Any]:
    # files written before failure_target existed used the same default repetitions
    return {"failure_target": FAILURE_TARGET} | {k: v for k, v in config.items() if k not in GRID_KEYS}


def missing_points(data: dict[str, Any]) -> list[Key]:
    """The ``(L, M, R, T)`` points of the sweep with no row yet, in the sweep's order."""
    done = {_key(r) for r in data["rows"]}
    return [p for p in _points(data["config"]) if p not in done]


class SweepResults(dict):
    """The results of a sweep: the results file's JSON object (a ``dict``: ``format``,
    ``config``, ``rows``, ``complete``), with a short repr and, in Jupyter, a table.

    Examples
    --------
    >>> from tnrank.studies.sweeps import sweep
    >>> res = sweep([1, 2], M=2, R=2, Ts=[4])
    >>> res
    <SweepResults L 1, 2 × M 2 × R 2 × T 4: 2 of 2 points (complete)>
    >>> [(r["L"], r["separation"]["rank"]) for r in res.rows]
    [(1, 2), (2, 6)]
    """

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One row per computed point (``L``, ``M``, ``R``, ``T``, ``grid``, ``separation``, ...)."""
        return self["rows"]

    @property
    def config(self) -> dict[str, Any]:
        """The points and the settings of the sweep."""
        return self["config"]

    def fit(self, *, quantity: str = "separation", depth: int | Sequence[int] | None = None,
            M: int | Sequence[int] | None = None, R: int | str | Sequence[int | str] | None = None,
            T: int | Sequence[int] | None = None, min_held_out: int = 2) -> FitReport:
        """Closed forms fitted to these ranks, each with its evidence and its prediction of the
        first ``T`` not computed (:func:`~tnrank.certification.fit.fit_results`; ``tnrank fit``).

        ``depth``, ``M``, ``R`` and ``T`` keep only the rows with those values.

        Examples
        --------
        >>> from tnrank.studies.sweeps import sweep
        >>> report = sweep([3], M=2, R=2, Ts=[4, 6, 8, 10, 12]).fit()
        >>> fit = report.fits[0]
        >>> fit.form.text(), [report.values[i].point["T"] for i in fit.predicted]
        ('state degree - 4', [8, 10, 12])
        >>> [(p.point["T"], int(p.value), p.verdict) for p in fit.predictions]
        [(14, 460, 'pattern')]
        """
        return fit_results(self, quantity=quantity, depth=depth, M=M, R=R, T=T,
                           min_held_out=min_held_out, source=repr(self))

    def __repr__(self) -> str:
        config = self.get("config", {})
        try:
            points = str(math.prod(len(_listed(config[k])) for k in GRID_KEYS))
            axes = " × ".join(f"{name} {_few(_listed(config[key]))}"
                              for name, key in (("L", "depths"), ("M", "M"), ("R", "R"), ("T", "T")))
        except (KeyError, TypeError):
            points, axes = "?", "?"
        state = "complete" if self.get("complete") else "incomplete"
        return f"<SweepResults {axes}: {len(self.get('rows', []))} of {points} points ({state})>"


def _few(values: list[Any]) -> str:
    """``1, 2, 3`` or, for many values, ``1, 2, 3, …, 99, 100 (100 values)``."""
    if len(values) <= 8:
        return ", ".join(map(str, values))
    return (", ".join(map(str, values[:3])) + ", …, " + ", ".join(map(str, values[-2:]))
            + f" ({len(values):,} values)")


def ordered(data: dict[str, Any]) -> SweepResults:
    """Rows in the order of the sweep; ``complete`` when every point has one."""
    order = {p: i for i, p in enumerate(_points(data["config"]))}
    data["rows"].sort(key=lambda r: order.get(_key(r), len(order)))
    data["complete"] = not missing_points(data)
    return data if isinstance(data, SweepResults) else SweepResults(data)


def load_results(path: str | os.PathLike) -> SweepResults:
    """Read a results file written by ``tnrank sweep`` or ``tnrank verify`` (``--json-file``).

    Raises
    ------
    TnrankError
        When the file is missing, not JSON, or not a sweep results file.
    """
    label = printable(os.fspath(path))
    text = read_text(path, "a sweep results file (.json)")
    return SweepResults(check_results(parse_json(text, source=f"results file {label}"), source=label))


def check_results(data: Any, source: str = "results") -> dict[str, Any]:
    """``data`` when it is a sweep results object (format, settings and a list of rows), its
    configuration and every row checked and the rows' paper's bounds and verdicts recomputed
    (:func:`~tnrank.files.results_rows.check_sweep`).

    Raises
    ------
    TnrankError
        Naming ``source`` and what is missing, or the first row refused and why.
    """
    if (not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT
            or not isinstance(data.get("rows"), list)):
        raise TnrankError(f"{source!r} is not a tnrank sweep results file (write one with --json-file)")
    if not isinstance(data.get("config"), dict) or not all(k in data["config"] for k in GRID_KEYS):
        raise TnrankError(f"{source!r} has no sweep settings (\"config\" with {', '.join(GRID_KEYS)})")
    if not all(isinstance(r, dict) and all(k in r for k in ("L", "M", "R", "T")) for r in data["rows"]):
        raise TnrankError(f"{source!r}: every row must be an object with L, M, R and T")
    check_sweep(data, source)
    return data


def save_results(path: str | os.PathLike, data: dict[str, Any]) -> None:
    """Write a results file atomically (rows in the order of the sweep).

    Raises
    ------
    TnrankError
        When ``path`` does not end in ``.json`` (a results file is JSON), or cannot be written.
    """
    check_json_name(path, "a sweep results file")
    write_json(path, ordered(data))


def check_json_name(path: str | os.PathLike, what: str) -> None:
    """Refuse to write JSON under a name that says otherwise (``table.csv``, ``plot.svg``).

    >>> check_json_name("table.csv", "a sweep results file")
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: a sweep results file is written as JSON; name the file *.json, not 'table.csv'
    """
    if Path(os.fspath(path)).suffix.lower() != ".json":
        raise TnrankError(f"{what} is written as JSON; name the file *.json, not "
                          f"{printable(os.fspath(path))!r}")


def _differences(a: dict[str, Any], b: dict[str, Any], where_a: str, where_b: str) -> list[str]:
    """``["seed 0 in a.json, 1 in b.json"]``: the keys on which two configs differ."""
    keys = list(dict.fromkeys([*a, *b]))

    def show(d: dict[str, Any], k: str) -> str:
        if k not in d:
            return "not recorded"
        if isinstance(d[k], dict) and "name" in d[k]:  # an architecture: its name, not its layers
            return json.dumps(d[k]["name"], ensure_ascii=False)
        text = json.dumps(d[k], ensure_ascii=False)
        return text if len(text) <= 80 else text[:77] + "..."

    return [f"{k} {show(a, k)} {where_a}, {show(b, k)} {where_b}" for k in keys
            if k not in a or k not in b or a[k] != b[k]]


def _without_timings(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _without_timings(v) for k, v in obj.items() if k != "seconds"}
    if isinstance(obj, list):
        return [_without_timings(v) for v in obj]
    return obj


def merge_results(parts: Sequence[dict[str, Any]], names: Sequence[str] | None = None) -> dict[str, Any]:
    """Join the results files of one sweep computed in parts (different machines, depths, ``T``).

    Parameters
    ----------
    parts : sequence of dict
        Loaded results files; their settings (everything but the depths and
        ``T`` lists) must agree.
    names : sequence of str, optional
        File names, for the messages.

    Returns
    -------
    dict
        A results file whose depths and ``T`` are the sorted unions of the
        parts', with every row once; ``complete`` when every point has a row.

    Raises
    ------
    TnrankError
        When settings differ, or two parts disagree on a point (timings aside).

    Examples
    --------
    >>> def part(L):
    ...     return {"format": RESULTS_FORMAT, "config": sweep_config([L], 2, 2, [4]),
    ...             "rows": [{"L": L, "M": 2, "R": 2, "T": 4}]}
    >>> a, b = part(1), part(2)
    >>> merged = merge_results([a, b])
    >>> merged["config"]["depths"], len(merged["rows"]), merged["complete"]
    ([1, 2], 2, True)
    """
    if not parts:
        raise TnrankError("nothing to merge; give at least one results file")
    names = list(names) if names is not None else [f"part {i + 1}" for i in range(len(parts))]
    first = _settings(parts[0]["config"])
    for name, data in zip(names[1:], parts[1:], strict=True):
        diff = _differences(first, _settings(data["config"]), f"in {names[0]}", f"in {name}")
        if diff:
            raise TnrankError(f"{names[0]} and {name} were made with other settings ({'; '.join(diff)}); "
                              "only parts of one sweep can be merged")
    config = dict(parts[0]["config"])
    for key in GRID_KEYS:
        values = sorted({v for data in parts for v in _listed(data["config"][key])})
        config[key] = _stored(values) if key in ("M", "R") else values
    rows: dict[Key, dict[str, Any]] = {}
    origin: dict[Key, str] = {}
    for name, data in zip(names, parts, strict=True):
        for row in data["rows"]:
            row_key = _key(row)
            if row_key in rows:
                if _without_timings(rows[row_key]) != _without_timings(row):
                    raise TnrankError(f"{origin[row_key]} and {name} disagree on L={row_key[0]} "
                                      f"M={row_key[1]} R={row_key[2]} T={row_key[3]}; "
                                      "they cannot come from one sweep")
                continue
            rows[row_key], origin[row_key] = row, name
    return ordered({"format": RESULTS_FORMAT, "config": config, "rows": list(rows.values()),
                     "complete": False})


class RowsFile(ABC):
    """A JSON results file written row by row: locked while a run writes it, resumed when the
    same run starts again, rewritten atomically after every row.

    Subclasses say how to read an existing file (:meth:`read`), which of its rows a resumed
    run keeps (:meth:`resumable`) and how to save (:meth:`save`).

    Parameters
    ----------
    path : path-like
    config : dict
        The points and the settings of the run.
    fmt : str
        The file's ``format`` value.
    """

    def __init__(self, path: str | os.PathLike, config: dict[str, Any], fmt: str) -> None:
        check_json_name(path, "a results file (--json-file)")
        self.path = Path(path)
        self.config = config
        self.data: dict[str, Any] = {"format": fmt, "config": config, "rows": [], "complete": False}
        self._lock = exclusive(self.path, "results file (--json-file)")

    def __enter__(self) -> Self:
        if not self.path.resolve().parent.is_dir():
            raise TnrankError(f"directory of {str(self.path)!r} does not exist; create it or choose "
                              "another path")
        self._lock.__enter__()
        try:
            if self.path.exists():
                self.data["rows"] = self.resumable(self.read())
            self.save()
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self._lock.__exit__(*exc)

    @abstractmethod
    def read(self) -> dict[str, Any]:
        """The existing file's object (checked)."""

    @abstractmethod
    def resumable(self, old: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows of an existing file that this run keeps (or an error saying why none)."""

    @abstractmethod
    def save(self) -> None:
        """Rewrite the file atomically."""

    def add(self, row: dict[str, Any]) -> None:
        """Store one finished row and rewrite the file atomically."""
        self.data["rows"].append(row)
        self.save()


class ResultsFile(RowsFile):
    """The results file of a running sweep: locked, checked against the settings, saved per row.

    Use it as a context manager; :meth:`add` stores one finished row.

    Parameters
    ----------
    path : path-like
    config : dict
        From :func:`sweep_config`. An existing file must have been made with
        the same settings, and its depths and lengths must be among this
        sweep's; its rows are kept and :attr:`missing` lists the rest.

    Raises
    ------
    TnrankError
        When another process writes the file, or it holds another sweep.
    """

    def __init__(self, path: str | os.PathLike, config: dict[str, Any]) -> None:
        super().__init__(path, config, RESULTS_FORMAT)

    def read(self) -> dict[str, Any]:
        return load_results(self.path)

    def save(self) -> None:
        save_results(self.path, self.data)

    def resumable(self, old: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows of an existing file, when it holds part of this sweep."""
        diff = _differences(_settings(old["config"]), _settings(self.config), "there", "here")
        if diff:
            raise TnrankError(
                f"{self.path} holds a sweep made with other settings ({'; '.join(diff)}); give the "
                "same options to resume it, or write to another file"
            )
        old_grid, grid = _grid(old["config"]), _grid(self.config)
        cut = _differences(old_grid, grid, "there", "here")
        if any(not set(old_grid[k]) <= set(grid[k]) for k in GRID_KEYS):
            raise TnrankError(
                f"{self.path} holds points this sweep leaves out ({'; '.join(cut)}); a results file "
                "is extended, never cut: give those values too, or write to another file"
            )
        return list(old["rows"])

    @property
    def missing(self) -> list[Key]:
        """``(L, M, R, T)`` points with no row yet."""
        return missing_points(self.data)


class AnalysisFile(RowsFile):
    """The results file of ``tnrank analyze``: one report per (file, ``T``), saved as each finishes.

    The file is one JSON object ``{"format": "tnrank-analysis", "config": config,
    "rows": [{"file": label, "T": T, "report": {...}}, ...], "complete": bool}``,
    rewritten atomically after every report and locked while a run writes it. An
    existing file is resumed only when its ``config`` (the architectures, lengths
    and every setting that changes a number) is this run's, and every row checked
    (:func:`~tnrank.files.results_rows.check_analysis`).

    Parameters
    ----------
    path : path-like
    config : dict
        With ``entries`` (a list of ``[label, architecture dict]``), ``T`` and the settings.

    Raises
    ------
    TnrankError
        When another process writes the file, or it holds another analysis.

    Examples
    --------
    >>> import os, tempfile
    >>> from tnrank import Architecture, certify
    >>> path = os.path.join(tempfile.mkdtemp(), "a.json")
    >>> config = {"entries": [["a.toml", {"M": 2}]], "T": [4, 6], "seed": 0}
    >>> report = certify(Architecture.rac(1, 2, 2), 4).to_dict()
    >>> with AnalysisFile(path, config) as results:
    ...     results.add({"file": "a.toml", "T": 4, "report": report})
    >>> with AnalysisFile(path, config) as results:
    ...     results.done, results.data["complete"]
    ({('a.toml', 4)}, False)
    >>> with AnalysisFile(path, dict(config, seed=1)):
    ...     pass
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: ...a.json holds an analysis made with other settings (seed 0 there, 1 ...
    """

    def __init__(self, path: str | os.PathLike, config: dict[str, Any]) -> None:
        super().__init__(path, config, ANALYSIS_FORMAT)

    def read(self) -> dict[str, Any]:
        label = printable(os.fspath(self.path))
        data = parse_json(read_text(self.path, "an analysis results file (.json)"),
                          source=f"results file {label}")
        if (not isinstance(data, dict) or data.get("format") != ANALYSIS_FORMAT
                or not isinstance(data.get("config"), dict) or not isinstance(data.get("rows"), list)
                or not all(isinstance(r, dict) and {"file", "T", "report"} <= set(r) for r in data["rows"])):
            raise TnrankError(f"{label!r} is not a tnrank analysis results file (write one with "
                              "tnrank analyze --json-file); choose another path")
        check_analysis(data, label)
        return data

    def resumable(self, old: dict[str, Any]) -> list[dict[str, Any]]:
        diff = _differences(old["config"], self.config, "there", "here")
        if diff:
            shown = [d if len(d) < 200 else d[:200] + "..." for d in diff]
            raise TnrankError(f"{self.path} holds an analysis made with other settings "
                              f"({'; '.join(shown)}); give the same files and options to resume it, "
                              "or write to another file")
        return list(old["rows"])

    @property
    def done(self) -> set[tuple[str, int]]:
        """``(file, T)`` of the reports already saved."""
        return {(r["file"], r["T"]) for r in self.data["rows"]}

    def save(self) -> None:
        total = len(self.config["entries"]) * len(self.config["T"])
        self.data["complete"] = len(self.done) == total
        write_json(self.path, self.data)
