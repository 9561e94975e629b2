"""Experiment results files (``tnrank experiment --json-file``): read through the safe reader,
checked field by field, written atomically.

A results file is one JSON object (``"format": "tnrank-experiment/1"``): the task, the
settings that fix what a run means, the sweep (``values``, ``depths``, ``seeds``), the matched
model sizes per depth, the memoryless baseline per value, one record per finished run (its
learning curve and test scores) and, for a capacity sweep, the candidate widths per depth.
:mod:`tnrank.experiments` trains the runs and draws the tables and plots; this module only
knows the file.

Nothing in a file is trusted: every field the tables, plots and resumption read is checked
(type, range, the lengths of the sweep's lists), and a run's ``solved`` must agree with its
test accuracy (solved exactly when it reaches :data:`SOLVED`). A file that fails is refused
with one line naming the file and the field (``runs[3].solved``).
"""

from __future__ import annotations

import contextlib
import math
import os
from typing import Any

from tnrank.errors import TnrankError
from tnrank.safe_files import parse_json, printable, read_text, write_json

__all__ = ["FORMAT", "SOLVED", "TASKS", "MAX_SWEEP_VALUES", "check_experiment", "load_experiment",
           "save_experiment"]

#: Value of the ``format`` key of an experiment results file.
FORMAT = "tnrank-experiment/1"
#: Test data accuracy at which a run counts as having solved its task.
SOLVED = 0.99
#: The tasks a results file can hold.
TASKS = ("copying", "ses")
#: Most entries of each list of the sweep (values, depths, seeds) and of a capacity ladder.
MAX_SWEEP_VALUES = 1000
_MOST = 2**53  # every count, size and step of a file: exact as a float, so means and plots work
_SWEEPS = ("values", "macs")
_RULES = ("best", "majority")


class _FieldError(Exception):
    """A field of the file that is not what the format says (its place and the problem)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")


def _show(value: Any) -> str:
    try:
        text = printable(repr(value))
    except ValueError:  # an integer of more digits than Python prints
        return "a number of more than 4,300 digits"
    return text if len(text) <= 40 else text[:37] + "..."


def _field(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise _FieldError(f"{where}.{key}" if where else key, "missing")
    return obj[key]


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _FieldError(where, f"expected an object, found {_show(value)}")
    return value


def _list(value: Any, where: str, most: int | None = None) -> list[Any]:
    if not isinstance(value, list):
        raise _FieldError(where, f"expected a list, found {_show(value)}")
    if most is not None and len(value) > most:
        raise _FieldError(where, f"{len(value):,} entries, more than the {most:,} a sweep can have")
    return value


def _whole(value: Any, where: str, least: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= _MOST:
        raise _FieldError(where, f"expected a whole number from {least} to 2**53, found {_show(value)}")
    return value


def _number(value: Any, where: str, low: float | None = None, high: float | None = None) -> float:
    """A number (NaN allowed: a diverged run's score) within ``[low, high]``."""
    number = math.inf
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        with contextlib.suppress(OverflowError):
            number = float(value)
    if math.isinf(number) or (not math.isnan(number) and (
            (low is not None and number < low) or (high is not None and number > high))):
        bounds = "" if low is None else f" in [{low:g}, {high:g}]"
        raise _FieldError(where, f"expected a number{bounds}, found {_show(value)}")
    return number


def _choice(value: Any, where: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _FieldError(where, f"expected one of {', '.join(choices)}, found {_show(value)}")
    return value


def _check_settings(settings: dict[str, Any], task: str) -> None:
    if settings.get("task", task) != task:
        raise _FieldError("settings.task", f"{_show(settings['task'])} differs from the file's task {task!r}")
    if not isinstance(_field(settings, "cell", "settings"), str):
        raise _FieldError("settings.cell", f"expected a name, found {_show(settings['cell'])}")
    _whole(_field(settings, "macs", "settings"), "settings.macs", 1)
    _choice(settings.get("rule", "best"), "settings.rule", _RULES)
    if _choice(settings.get("sweep", "values"), "settings.sweep", _SWEEPS) == "macs":
        _field(settings, "rule", "settings")
        span = _list(_field(settings, "macs_range", "settings"), "settings.macs_range")
        if len(span) != 2 or _whole(span[0], "settings.macs_range[0]", 1) > _whole(
                span[1], "settings.macs_range[1]", 1):
            raise _FieldError("settings.macs_range", f"expected [low, high] MACs, found {_show(span)}")


def _check_sweep(sweep: dict[str, Any]) -> None:
    for key, least in (("values", 0), ("depths", 1), ("seeds", 0)):
        items = _list(_field(sweep, key, "sweep"), f"sweep.{key}", MAX_SWEEP_VALUES)
        if not items:
            raise _FieldError(f"sweep.{key}", "empty")
        for i, item in enumerate(items):
            _whole(item, f"sweep.{key}[{i}]", least)


def _check_models(models: dict[str, Any], baselines: dict[str, Any], values: list[int]) -> None:
    for depth, model in models.items():
        where = f"models[{_show(depth)}]"
        _object(model, where)
        for key in ("width", "macs", "params"):
            if key in model:
                _whole(model[key], f"{where}.{key}", 1 if key == "width" else 0)
    for value in values:
        base = _object(_field(baselines, str(value), "baselines"), f"baselines.{value}")
        _number(_field(base, "accuracy", f"baselines.{value}"), f"baselines.{value}.accuracy", 0, 1)


def _check_curve(curve: dict[str, Any], where: str) -> None:
    steps = _list(_field(curve, "step", where), f"{where}.step")
    scores = _list(_field(curve, "val_accuracy", where), f"{where}.val_accuracy")
    if len(steps) != len(scores):
        raise _FieldError(where, f"{len(steps)} steps but {len(scores)} validation accuracies")
    for i, (step, score) in enumerate(zip(steps, scores, strict=True)):
        _whole(step, f"{where}.step[{i}]")
        if score is not None:
            _number(score, f"{where}.val_accuracy[{i}]", 0, 1)


def _check_rank(rank: dict[str, Any], where: str) -> None:
    _whole(_field(rank, "T", where), f"{where}.T", 2)
    if not isinstance(_field(rank, "matrix", where), str):
        raise _FieldError(f"{where}.matrix", f"expected a description, found {_show(rank['matrix'])}")
    shape = _list(_field(rank, "shape", where), f"{where}.shape")
    if len(shape) != 2:
        raise _FieldError(f"{where}.shape", f"expected [rows, columns], found {_show(shape)}")
    for i, size in enumerate(shape):
        _whole(size, f"{where}.shape[{i}]")
    _whole(_field(rank, "trained_rank", where), f"{where}.trained_rank")
    classes = _list(_field(rank, "per_class", where), f"{where}.per_class")
    if not classes:
        raise _FieldError(f"{where}.per_class", "empty")
    for i, entry in enumerate(classes):
        _number(_field(_object(entry, f"{where}.per_class[{i}]"), "tol", f"{where}.per_class[{i}]"),
                f"{where}.per_class[{i}].tol", 0, math.inf)
    generic = _field(rank, "generic", where)
    if generic is not None and not isinstance(
            _field(_object(generic, f"{where}.generic"), "summary", f"{where}.generic"), str):
        raise _FieldError(f"{where}.generic.summary", f"expected text, found {_show(generic['summary'])}")


def _check_run(run: dict[str, Any], where: str, capacity: bool) -> None:
    _whole(_field(run, "value", where), f"{where}.value")
    _whole(_field(run, "depth", where), f"{where}.depth", 1)
    _whole(_field(run, "seed", where), f"{where}.seed")
    if capacity or "width" in run:
        _whole(_field(run, "width", where), f"{where}.width", 1)
    _whole(_field(run, "steps_run", where), f"{where}.steps_run")
    accuracy = _number(_field(run, "test_accuracy", where), f"{where}.test_accuracy", 0, 1)
    solved = _field(run, "solved", where)
    if not isinstance(solved, bool):
        raise _FieldError(f"{where}.solved", f"expected true or false, found {_show(solved)}")
    if solved != (accuracy >= SOLVED):
        raise _FieldError(f"{where}.solved", f"says {str(solved).lower()} but test_accuracy {accuracy:g} is "
                   f"{'at least' if accuracy >= SOLVED else 'below'} {SOLVED:g}")
    if run.get("steps_to_99") is not None:
        _whole(run["steps_to_99"], f"{where}.steps_to_99")
    if "lr_drops" in run:
        _list(run["lr_drops"], f"{where}.lr_drops")
    _check_curve(_object(_field(run, "curve", where), f"{where}.curve"), f"{where}.curve")
    if run.get("rank") is not None:
        _check_rank(_object(run["rank"], f"{where}.rank"), f"{where}.rank")


def _check_ladders(ladders: dict[str, Any]) -> None:
    for depth, ladder in ladders.items():
        where = f"ladders[{_show(depth)}]"
        for i, pair in enumerate(_list(ladder, where, MAX_SWEEP_VALUES)):
            if not isinstance(pair, list) or len(pair) != 2:
                raise _FieldError(f"{where}[{i}]", f"expected [width, MACs], found {_show(pair)}")
            _whole(pair[0], f"{where}[{i}][0]", 1)
            _whole(pair[1], f"{where}[{i}][1]", 1)


def check_experiment(data: Any, source: str = "results") -> dict[str, Any]:
    """``data`` when it is a well-formed experiment results object.

    Parameters
    ----------
    data : object
        A parsed results file.
    source : str
        The file's name, for messages.

    Returns
    -------
    dict
        ``data`` itself.

    Raises
    ------
    TnrankError
        One line naming ``source`` and the first field that is missing or wrong.

    Examples
    --------
    >>> run = {"value": 0, "depth": 1, "seed": 0, "steps_run": 40, "test_accuracy": 0.5,
    ...        "solved": True, "curve": {"step": [], "val_accuracy": []}}
    >>> check_experiment({"format": FORMAT, "task": "copying",
    ...                   "settings": {"cell": "eurnn", "macs": 200},
    ...                   "sweep": {"values": [0], "depths": [1], "seeds": [0]}, "models": {},
    ...                   "baselines": {"0": {"accuracy": 0.125}}, "runs": [run]}, "r.json")
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: r.json: runs[0].solved: says true but test_accuracy 0.5 is below 0.99; ...
    """
    label = printable(source)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TnrankError(f"{label!r} is not a tnrank experiment results file (format {FORMAT})")
    try:
        task = _choice(_field(data, "task", ""), "task", TASKS)
        settings = _object(_field(data, "settings", ""), "settings")
        _check_settings(settings, task)
        sweep = _object(_field(data, "sweep", ""), "sweep")
        _check_sweep(sweep)
        _check_models(_object(_field(data, "models", ""), "models"),
                      _object(_field(data, "baselines", ""), "baselines"), sweep["values"])
        capacity = settings.get("sweep", "values") == "macs"
        for i, run in enumerate(_list(_field(data, "runs", ""), "runs")):
            _check_run(_object(run, f"runs[{i}]"), f"runs[{i}]", capacity)
        _check_ladders(_object(data.get("ladders", {}), "ladders"))
        if "seconds" in data:
            _number(data["seconds"], "seconds", 0, math.inf)
    except _FieldError as exc:
        raise TnrankError(f"{label}: {exc}; is it the file tnrank experiment wrote?") from None
    return data


def load_experiment(path: str | os.PathLike) -> dict[str, Any]:
    """Read and check an experiment results file.

    The safe reader refuses anything but a regular file (a FIFO never blocks, a link to a
    device is refused), a file over its size limit and nesting too deep; then
    :func:`check_experiment` checks every field.

    Raises
    ------
    TnrankError
        For a missing, special, oversized or malformed file, naming what is wrong.
    """
    label = printable(os.fspath(path))
    text = read_text(path, "an experiment results file (.json)")
    return check_experiment(parse_json(text, source=f"results file {label}"), source=label)


def save_experiment(path: str | os.PathLike, data: dict[str, Any]) -> None:
    """Write a results object atomically (a temporary file of its own, flushed to disk, renamed
    over the old one): an interrupted write leaves the old file or the new one, never a part.

    Raises
    ------
    TnrankError
        When the file cannot be written (a full disk, a special file at ``path``).
    """
    write_json(path, data, indent=1)
