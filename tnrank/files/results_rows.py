"""A sweep results file checked, not trusted: its configuration bounded and typed before any
point is listed, every row checked against the schema and the configuration, the certified
numbers checked against the closed-form bounds, and the verdicts recomputed.

:func:`check_sweep` is what every reader of a results file runs
(:func:`tnrank.files.results_file.load_results`, ``tnrank merge``, ``tnrank sweep --from``,
``tnrank.load``): a row that is malformed, outside the configuration, a repeat, or
inconsistent (a lower bound above an upper bound, a computed rank above a proved bound, a
verdict its numbers do not give) is refused with the row named::

    row 3 (L=1, M=2, R=2, T=2): separation lower 99 > upper 2: ...

The paper's bounds and each row's verdict are recomputed from the architecture, the length and
the certified numbers, and replace what the file says (a genuine file is unchanged).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from tnrank.certification import report_fields as fields
from tnrank.certification.bounds import theorem_bounds, upper_bounds
from tnrank.certification.certify import GRID_MODES
from tnrank.certification.report import RankResult, Report, TheoremCheck, overall_verdict
from tnrank.errors import TnrankError
from tnrank.model.architecture import MAX_DEPTH, MAX_WIDTH, Architecture
from tnrank.model.partition import MAX_T, NAMES, Partition

__all__ = ["MAX_AXIS_VALUES", "MAX_POINTS", "BOUND_BUDGET", "check_config",
           "check_sweep", "check_analysis"]

#: Most values one axis of a results file's configuration (depths, M, R, T) may list.
MAX_AXIS_VALUES = 1_000
#: Most points (the product of the axes' lengths) a results file's configuration may span.
MAX_POINTS = 1_000_000
#: Rows of depth × T up to this have their ranks checked against the closed-form upper bounds
#: (a few milliseconds each); beyond it only the paper's bounds are recomputed (the closed forms
#: grow with depth × T, and loading a file must stay fast).
BOUND_BUDGET = 500
_VERDICTS = (*fields.THEOREM_VERDICTS, "n/a")


def _axis(config: Mapping[str, Any], key: str, source: str) -> list[Any]:
    """One axis of the configuration as a list, its length checked before anything else."""
    value = config[key]
    if isinstance(value, (list, tuple)):
        if not value or len(value) > MAX_AXIS_VALUES:
            raise TnrankError(f"{source!r}: config {key!r} lists {len(value):,} values; a results file "
                              f"lists 1 to {MAX_AXIS_VALUES:,}")
        values = list(value)
    else:
        values = [value]
    if len(set(map(repr, values))) != len(values):
        raise TnrankError(f"{source!r}: config {key!r} lists a value twice")
    return values


def _bounded(value: Any, what: str, limit: int, minimum: int = 1) -> int:
    number = fields.whole(value, what, minimum)
    if number > limit:
        raise TnrankError(f"{what} = {fields.shown(number)} is larger than tnrank's limit of {limit:,}")
    return number


def _check_length(partition: str, T: int, what: str) -> None:
    """``T`` fits the partition, without building it (a named partition costs O(T) to build)."""
    name = partition.strip().lower()
    if name in NAMES["start-end"]:
        if T < 2 or T % 2:
            raise TnrankError(f"{what}: the start-end partition needs an even T >= 2, got T={T}")
    elif name in NAMES["interleaved"]:
        if T < 2:
            raise TnrankError(f"{what}: a partition needs T >= 2, got T={T}")
    else:
        Partition.parse(partition, T)


def check_config(config: Any, source: str) -> dict[str, list[Any]]:
    """The axes of a results file's configuration, checked: each a short list (at most
    :data:`MAX_AXIS_VALUES` values, :data:`MAX_POINTS` points in all, counted before any point
    is listed) of whole numbers in tnrank's ranges, every ``T`` one the partition accepts, and
    the settings of their types.

    Returns
    -------
    dict
        ``{"depths": [...], "M": [...], "R": [...], "T": [...]}``.

    Raises
    ------
    TnrankError
        Naming ``source`` and the first problem.

    Examples
    --------
    >>> check_config({"depths": list(range(1, 100_001)), "M": 2, "R": 2, "T": [2]}, "big.json")
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: 'big.json': config 'depths' lists 100,000 values; a results file ...
    """
    config = fields.mapping(config, f"{source!r}: config")
    axes = {key: _axis(config, key, source) for key in ("depths", "M", "R", "T")}
    points = math.prod(len(v) for v in axes.values())
    if points > MAX_POINTS:
        raise TnrankError(f"{source!r}: config spans {points:,} points; a results file holds at most "
                          f"{MAX_POINTS:,}")
    where = f"{source!r}: config"
    try:
        for key, limit in (("depths", MAX_DEPTH), ("M", MAX_WIDTH), ("T", MAX_T)):
            axes[key] = [_bounded(v, key, limit) for v in axes[key]]
        labelled = config.get("architecture") is not None
        axes["R"] = [fields.text(r, "R") if labelled and isinstance(r, str)
                     else _bounded(r, "R", MAX_WIDTH) for r in axes["R"]]
        partition = fields.text(config.get("partition", "start-end"), "partition")
        for T in axes["T"]:
            _check_length(partition, T, f"T = {T}")
        _check_settings(config)
    except TnrankError as exc:
        raise TnrankError(f"{where}: {exc}") from None
    return axes


def _check_settings(config: Mapping[str, Any]) -> None:
    for key in ("seed", "max_entries"):
        if key in config:
            fields.whole(config[key], key, 0 if key == "seed" else 1)
    if "prime" in config:
        fields.whole(config["prime"], "prime", 2)
    if config.get("max_samples") is not None:
        fields.whole(config["max_samples"], "max_samples", 1)
    for key in ("confirm", "float_check"):
        value = config.get(key)
        if value is not None and not isinstance(value, bool):
            raise TnrankError(f"{key} must be true, false or null, got {value!r}")
    if "grid" in config:
        fields.choice(config["grid"], "grid", GRID_MODES)
    if "failure_target" in config:
        p = fields.probability(config["failure_target"], "failure_target")
        if p is None or not 0 < p < 1:
            raise TnrankError(f"failure_target must be a probability in (0, 1), got {p!r}")


class _Rows:
    """Checks the rows of one file, reusing architectures, partitions and bounds across rows."""

    def __init__(self, config: Mapping[str, Any], axes: dict[str, list[Any]], source: str) -> None:
        self.source = source
        self.sets = {key: set(values) for key, values in axes.items()}
        self.partition = config.get("partition", "start-end")
        given = config.get("architecture")
        self.architecture = None if given is None else Architecture.from_dict(
            given, source=f"{source}: config architecture")
        self.archs: dict[tuple[Any, ...], Architecture] = {}
        self.seen: set[tuple[Any, ...]] = set()

    def arch(self, L: int, M: int, R: Any) -> Architecture:
        if self.architecture is not None:
            return self.architecture
        if (L, M, R) not in self.archs:
            self.archs[(L, M, R)] = Architecture.rac(L, R, M)
        return self.archs[(L, M, R)]

    def check(self, index: int, row: Any) -> None:
        where = f"row {index}"
        row = fields.mapping(row, where)
        try:
            L, M, T = (fields.whole(row[k], k, 1) for k in ("L", "M", "T"))
            R = row["R"] if isinstance(row["R"], str) else fields.whole(row["R"], "R", 1)
        except KeyError as exc:
            raise TnrankError(f"{where}: has no {exc}") from None
        except TnrankError as exc:
            raise TnrankError(f"{where}: {exc}") from None
        where = f"row {index} (L={L}, M={M}, R={R}, T={T})"
        try:
            self._check(row, (L, M, R, T))
        except KeyError as exc:
            raise TnrankError(f"{where}: has no {exc}") from None
        except TnrankError as exc:
            raise TnrankError(f"{where}: {exc}") from None

    def _check(self, row: dict[str, Any], key: tuple[Any, ...]) -> None:
        L, M, R, T = key
        outside = [f"{name}={value}" for name, value, axis in
                   (("L", L, "depths"), ("M", M, "M"), ("R", R, "R"), ("T", T, "T"))
                   if value not in self.sets[axis]]
        if outside:
            raise TnrankError(f"{', '.join(outside)} is outside the file's configuration")
        if key in self.seen:
            raise TnrankError("a second row for this point")
        self.seen.add(key)
        grid = None if row["grid"] is None else RankResult.from_dict(row["grid"], "grid")
        sep = RankResult.from_dict(row["separation"], "separation")
        for res in (grid, sep):
            if res is not None and res.lower > res.upper:
                raise TnrankError(f"{res.quantity} lower {res.lower:,} > upper {res.upper:,}: a "
                                  "proved lower bound above a proved upper bound")
        if grid is not None and grid.lower > sep.upper:
            raise TnrankError(f"grid lower {grid.lower:,} > separation upper {sep.upper:,}: the grid "
                              "rank never exceeds the separation rank")
        arch = self.arch(L, M, R)
        part = Partition.parse(self.partition, T)
        if arch.depth * T <= BOUND_BUDGET:
            for res in (grid, sep):
                if res is None:
                    continue
                for name, value in upper_bounds(arch, part, res.quantity).items():
                    if res.lower > value:
                        raise TnrankError(f"{res.quantity} lower {res.lower:,} exceeds the {name} "
                                          f"bound {fields.shown(value)}, a proved upper bound")
        for t in fields.items(row.get("theorems", []), "theorems"):
            TheoremCheck.from_dict(t)
        checks = [TheoremCheck(b, b.verdict(sep.lower, sep.upper)) for b in theorem_bounds(arch, part)]
        verdict = overall_verdict(checks)
        claimed = fields.choice(row["verdict"], "verdict", _VERDICTS)
        if claimed != verdict:
            raise TnrankError(f"verdict {claimed!r} in the file, but its numbers and the paper's "
                              f"bounds give {verdict!r}")
        row["theorems"] = [c.to_dict() for c in checks]


def check_sweep(data: dict[str, Any], source: str) -> None:
    """Check a results file's configuration and rows (see the module's description); the
    rows' paper's bounds are replaced by the recomputed ones.

    Raises
    ------
    TnrankError
        Naming ``source``, and the row (its index from 1 and its point) when a row is refused.
    """
    axes = check_config(data["config"], source)
    rows = fields.items(data["rows"], f"{source!r}: rows")
    if len(rows) > MAX_POINTS:
        raise TnrankError(f"{source!r} has {len(rows):,} rows; a results file holds at most "
                          f"{MAX_POINTS:,}")
    checker = _Rows(data["config"], axes, source)
    for index, row in enumerate(rows, 1):
        try:
            checker.check(index, row)
        except TnrankError as exc:
            raise TnrankError(f"{source!r}: {exc}") from None


def check_analysis(data: dict[str, Any], source: str) -> None:
    """Check the rows of an analysis results file (``tnrank analyze --json-file``): each row one
    of the configuration's files at one of its lengths, once, with a report that loads
    (:meth:`~tnrank.certification.report.Report.from_dict`: checked, its verdicts recomputed).

    Raises
    ------
    TnrankError
        Naming ``source`` and the row refused.
    """
    config = fields.mapping(data["config"], f"{source!r}: config")
    entries = fields.items(config.get("entries"), f"{source!r}: config entries")
    if len(entries) > MAX_AXIS_VALUES:
        raise TnrankError(f"{source!r}: config lists {len(entries):,} files; an analysis results file "
                          f"lists at most {MAX_AXIS_VALUES:,}")
    labels = {entry[0] for entry in entries if isinstance(entry, (list, tuple)) and entry
              and isinstance(entry[0], str)}
    lengths = set(_axis(config, "T", source))
    seen: set[tuple[str, int]] = set()
    for index, row in enumerate(fields.items(data["rows"], f"{source!r}: rows"), 1):
        where = f"{source!r}: row {index}"
        row = fields.mapping(row, where)
        try:
            label = fields.text(row["file"], "file")
            T = fields.whole(row["T"], "T", 2)
        except KeyError as exc:
            raise TnrankError(f"{where}: has no {exc}") from None
        except TnrankError as exc:
            raise TnrankError(f"{where}: {exc}") from None
        where = f"{where} ({label}, T={T})"
        if label not in labels or T not in lengths:
            raise TnrankError(f"{where}: outside the file's configuration")
        if (label, T) in seen:
            raise TnrankError(f"{where}: a second row for this file and length")
        seen.add((label, T))
        Report.from_dict(row["report"], source=where)
