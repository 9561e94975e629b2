"""Experiment settings, the results file, the tables and the plots (no PyTorch).

A results file is one JSON object (:mod:`tnrank.files.experiment_file`, read back by
``tnrank.load``): the settings that fix what a run means, the sweep (depths, task values,
seeds), the matched model sizes, the memoryless baselines and one record per finished run
(learning curve, test scores). Runs are saved as they finish, so an interrupted sweep resumes
where it stopped, and the tables and plots are redrawn from the file alone: this module reads
them out of the file, :mod:`tnrank.presentation.experiment_plot` draws them.
"""

from __future__ import annotations

import math
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tnrank.errors import TnrankError
from tnrank.experiments.budget import DEFAULT_INIT, DEFAULT_TOLERANCE
from tnrank.files.experiment_file import FORMAT as EXPERIMENT_FORMAT
from tnrank.files.experiment_file import SOLVED, load_experiment, save_experiment
from tnrank.presentation import experiment_plot
from tnrank.presentation.experiment_plot import FIGURE_WIDTH, TEXT_PT, Series

__all__ = [
    "ExperimentSpec",
    "EXPERIMENT_FORMAT",
    "SOLVED",
    "FIGURE_WIDTH",
    "TEXT_PT",
    "load_experiment_results",
    "save_experiment_results",
    "solved_values",
    "results_table",
    "plot_results",
    "results_figure",
    "VALUE_NAMES",
    "steps_to_solved",
    "seed_table",
    "capacity_search",
    "capacity_table",
    "plot_capacity",
    "capacity_figure",
]

#: What the swept value is called, per task.
VALUE_NAMES = {"copying": "B", "ses": "T"}
_LONG_NAMES = {"copying": "delay B", "ses": "sequence length T"}


@dataclass
class ExperimentSpec:
    """Everything that defines a sweep.

    Parameters
    ----------
    task : {"copying", "ses"}
    values : list of int
        Delays ``B`` (copying) or sequence lengths ``T`` (ses).
    depths, seeds : list of int
    cell : {"eurnn", "rac", "lstm"}
    m, n : int
        Symbols per block and alphabet size.
    macs : int
        MACs-per-step budget every depth is matched to.
    tolerance : float
        Accepted relative MAC mismatch.
    capacity : int
        EURNN capacity.
    representation : int
        RAC representation size ``M`` (0: the vocabulary size).
    train : dict
        ``tnrank.experiments.train.TrainConfig`` fields (without the device).
    rank_length : int
        Sequence length at which a trained RAC's Start-End rank is measured
        (0: no rank measurement).
    init : {"reference", "normal"}
        EURNN input-weight initialisation.
    sweep : {"values", "macs"}
        ``values``: every depth at the ``macs`` budget over the task values;
        ``macs``: per depth and value, the fewest MACs per step that solve
        (a search over the widths whose MACs lie in ``macs_range``).
    macs_range : list of int
        ``[low, high]`` MACs per step searched by the ``macs`` sweep.
    macs_ratio : float
        Least MAC ratio between consecutive candidates of the ``macs`` sweep.
    rule : {"best", "majority"}
        How seeds decide that a candidate of the ``macs`` sweep solves.
    """

    task: str
    values: list[int]
    depths: list[int]
    seeds: list[int]
    cell: str = "eurnn"
    m: int = 10
    n: int = 8
    macs: int = 1000
    tolerance: float = DEFAULT_TOLERANCE
    capacity: int = 2
    representation: int = 0
    train: dict[str, Any] = field(default_factory=dict)
    rank_length: int = 0
    init: str = DEFAULT_INIT
    sweep: str = "values"
    macs_range: list[int] = field(default_factory=list)
    macs_ratio: float = 1.0
    rule: str = "best"

    def settings(self) -> dict[str, Any]:
        """What must agree for a results file to be resumed (not the sweep lists)."""
        out = asdict(self)
        for key in ("values", "depths", "seeds"):
            out.pop(key)
        return out


def hardware() -> dict[str, Any]:
    """Where the runs were made."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"processor": model, "cpus": os.cpu_count(), "system": platform.system(),
            "python": platform.python_version()}


def load_experiment_results(path: str | os.PathLike) -> dict[str, Any]:
    """Read a results file through the safe reader and check every field
    (:func:`tnrank.files.experiment_file.load_experiment`; the same as ``tnrank.load``).

    Raises
    ------
    TnrankError
        A missing file, a FIFO or device, a file too large or nested too deeply, or a field
        that is missing or wrong (named in the message).
    """
    return load_experiment(path)


def save_experiment_results(path: str | os.PathLike, data: dict[str, Any]) -> None:
    """Write atomically (a temporary file of its own, flushed to disk, renamed over the old one)."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create the folder of {str(p)!r} ({exc.strerror}); choose another results file"
        raise TnrankError(msg) from None
    save_experiment(p, data)


def _runs_at(data: dict[str, Any], depth: int, value: int) -> list[dict[str, Any]]:
    return [r for r in data["runs"] if r["depth"] == depth and r["value"] == value]


def solved_values(data: dict[str, Any], depth: int, rule: str = "majority") -> list[int]:
    """Values solved by ``depth``: at least half of its seeds (``majority``) or
    at least one (``best``, the paper's best-of-seeds) reached the threshold."""
    from tnrank.experiments.capacity import seeds_solve

    out = []
    for value in data["sweep"]["values"]:
        runs = _runs_at(data, depth, value)
        if runs and seeds_solve([r["solved"] for r in runs], rule):
            out.append(value)
    return out


def steps_to_solved(run: dict[str, Any]) -> int | None:
    """The first evaluation step at which the run's validation data accuracy reached 99%."""
    if "steps_to_99" in run:
        return run["steps_to_99"]
    for step, acc in zip(run["curve"]["step"], run["curve"]["val_accuracy"], strict=True):
        if acc is not None and acc >= SOLVED:
            return step
    return None


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    k = len(xs) // 2
    return xs[k] if len(xs) % 2 else (xs[k - 1] + xs[k]) / 2


def _steps_cell(runs: list[dict[str, Any]]) -> str:
    """Median steps to 99% over the seeds (unsolved seeds count as never), then each seed's."""
    steps = [steps_to_solved(r) for r in runs]
    ranked = [math.inf if s is None else s for s in steps]
    med = _median(ranked)
    per = "/".join("—" if s is None else str(s) for s in steps)
    return ("—" if math.isinf(med) else f"{med:g}") + f" ({per})"


def seed_table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Per depth and value, over the seeds: how many solved, the best seed's and
    the median test data accuracy, the median steps to 99% validation accuracy
    (and each seed's, ``—`` for never) beside the same at the smallest value
    (the control, e.g. B = 0), and the learning-rate drops.

    Examples
    --------
    >>> run = lambda v, s, acc, steps: {"depth": 1, "value": v, "seed": s, "test_accuracy": acc,
    ...     "solved": acc >= 0.99, "steps_to_99": steps, "lr_drops": [], "curve": {}}
    >>> data = {"task": "copying", "sweep": {"values": [0, 80], "depths": [1], "seeds": [0, 1, 2]},
    ...         "models": {"1": {"width": 29}},
    ...         "runs": [run(0, 0, 1.0, 300), run(0, 1, 1.0, 500), run(0, 2, 0.995, 400),
    ...                  run(80, 0, 0.97, None), run(80, 1, 0.992, 900), run(80, 2, 0.98, None)]}
    >>> header, rows = seed_table(data)
    >>> dict(zip(header, rows[1]))  # doctest: +NORMALIZE_WHITESPACE
    {'depth': '1', 'width': '29', 'B': '80', 'seeds solved': '1/3', 'best seed': '99.2%',
     'median': '98.0%', 'steps to 99% (median; per seed)': '— (—/900/—)',
     'at B=0': '400 (300/500/400)', 'lr drops': '0/3'}
    """
    name = VALUE_NAMES[data["task"]]
    values = data["sweep"]["values"]
    control = min(values)
    header = ["depth", "width", name, "seeds solved", "best seed", "median",
              "steps to 99% (median; per seed)", f"at {name}={control}", "lr drops"]
    rows = []
    for depth in data["sweep"]["depths"]:
        base = sorted(_runs_at(data, depth, control), key=lambda r: r["seed"])
        for v in values:
            runs = sorted(_runs_at(data, depth, v), key=lambda r: r["seed"])
            if not runs:
                continue
            accs = [r["test_accuracy"] for r in runs]
            width = {str(r["width"]) for r in runs if "width" in r} or {
                str(data["models"].get(str(depth), {}).get("width", "?"))}
            rows.append([str(depth), "/".join(sorted(width)), str(v),
                         f"{sum(r['solved'] for r in runs)}/{len(runs)}", _pct(max(accs)),
                         _pct(_median(accs)), _steps_cell(runs), _steps_cell(base) if base else "·",
                         f"{sum(bool(r.get('lr_drops')) for r in runs)}/{len(runs)}"])
    return header, rows


def _pct(x: float) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{100 * x:.1f}%"


def results_table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows: per depth its width, MACs, parameters, the mean test data
    accuracy at every value (``✓`` when solved, i.e. at least half of the seeds
    reached 99%; with several seeds, how many did, as ``k/n``; ``·`` when not
    run; in parentheses the mean number of training steps run, which stops
    early once the validation data accuracy reaches 99.5%) and the largest
    value solved; a last row gives the memoryless baseline.

    Examples
    --------
    >>> data = {"task": "copying", "sweep": {"values": [0, 10], "depths": [1], "seeds": [0]},
    ...         "models": {"1": {"width": 30, "macs": 1290, "params": 2000}},
    ...         "baselines": {"0": {"accuracy": 0.125}, "10": {"accuracy": 0.125}},
    ...         "runs": [{"depth": 1, "value": 0, "seed": 0, "test_accuracy": 1.0, "solved": True,
    ...                   "steps_run": 600}]}
    >>> header, rows = results_table(data)
    >>> header[-1], rows[0][4:], rows[1][4:]
    ('largest B solved', ['100.0% ✓ (600)', '·', '0'], ['12.5%', '12.5%', ''])
    """
    name = VALUE_NAMES[data["task"]]
    values = data["sweep"]["values"]
    header = ["depth", "width", "MACs/step", "params"] + [f"{name}={v}" for v in values] + [
        f"largest {name} solved"]
    rows = []
    for depth in data["sweep"]["depths"]:
        model = data["models"].get(str(depth), {})
        cells = []
        solved = set(solved_values(data, depth))
        for v in values:
            runs = _runs_at(data, depth, v)
            if not runs:
                cells.append("·")
                continue
            acc = sum(r["test_accuracy"] for r in runs) / len(runs)
            steps = round(sum(r["steps_run"] for r in runs) / len(runs))
            share = f" {sum(r['solved'] for r in runs)}/{len(runs)}" if len(runs) > 1 else ""
            cells.append(_pct(acc) + (" ✓" if v in solved else "") + share + f" ({steps})")
        best = max(solved) if solved else None
        rows.append([str(depth), str(model.get("width", "?")), f"{model.get('macs', 0):,}",
                     f"{model.get('params', 0):,}", *cells, "—" if best is None else str(best)])
    base = [_pct(data["baselines"][str(v)]["accuracy"]) for v in values]
    rows.append(["memoryless", "", "", "", *base, ""])
    return header, rows


def plot_results(data: dict[str, Any], path: str | os.PathLike) -> Path:
    """Draw :func:`results_figure` to ``path``: SVG, PDF or PNG by its suffix, reproducible
    byte for byte, written atomically."""
    return experiment_plot.save_experiment_figure(results_figure(data), path)


def results_figure(data: dict[str, Any]) -> Any:
    """Two panels, one above the other: test data accuracy against the swept value per depth
    (with the memoryless baseline and the 99% line), and the validation learning curves at
    the largest value that every depth has run. A matplotlib Figure ``FIGURE_WIDTH`` wide,
    every label ``TEXT_PT``."""
    name = VALUE_NAMES[data["task"]]
    values = data["sweep"]["values"]
    depths = data["sweep"]["depths"]
    accuracy = []
    for depth in depths:
        xs, ys = [], []
        for v in values:
            runs = _runs_at(data, depth, v)
            if runs:
                xs.append(v)
                ys.append(sum(r["test_accuracy"] for r in runs) / len(runs))
        width = data["models"].get(str(depth), {}).get("width", "?")
        accuracy.append(Series(f"depth {depth} (width {width})", xs, ys))
    baseline = Series("memoryless", values, [data["baselines"][str(v)]["accuracy"] for v in values])
    common = [v for v in values if all(_runs_at(data, d, v) for d in depths)]
    curves, curves_title = [], None
    if common:
        v = common[-1]
        for depth in depths:
            run = sorted(_runs_at(data, depth, v), key=lambda r: r["seed"])[0]
            curves.append(Series(f"depth {depth}", run["curve"]["step"], run["curve"]["val_accuracy"]))
        curves_title = f"validation curves at {name}={v} (seed {run['seed']})"
    return experiment_plot.accuracy_figure(
        accuracy, baseline, curves, solved=SOLVED, x_label=_LONG_NAMES[data["task"]],
        title=f"{data['task']}: {data['settings']['cell']}, {data['settings']['macs']:,} MACs/step",
        curves_title=curves_title)


class _UntestedError(Exception):
    """A capacity candidate whose runs are not in the results file."""


def capacity_search(data: dict[str, Any], depth: int, value: int) -> tuple[list[int] | None, list[dict]]:
    """Replay the capacity sweep's binary search for ``(depth, value)`` from the results file.

    Returns
    -------
    found : list of int or None
        ``[width, macs]`` of the fewest-MAC candidate that solves (``None``:
        none in the range, or the search is unfinished).
    tested : list of dict
        Each candidate the search consults, in order: width, MACs, how many
        seeds solved and whether it counts as solving. The last entry has
        ``"missing": True`` when the search needs a candidate not yet trained.
    """
    from tnrank.experiments.capacity import seeds_solve, smallest_solving

    rule = data["settings"].get("rule", "best")
    seeds = data["sweep"]["seeds"]
    ladder = [tuple(wm) for wm in data.get("ladders", {}).get(str(depth), [])]
    tested: list[dict] = []

    def solves(wm):
        runs = [r for r in data["runs"] if r["depth"] == depth and r["value"] == value
                and r["width"] == wm[0] and r["seed"] in seeds]
        if len(runs) < len(seeds):
            tested.append({"width": wm[0], "macs": wm[1], "missing": True})
            raise _UntestedError
        ok = seeds_solve([r["solved"] for r in runs], rule)
        tested.append({"width": wm[0], "macs": wm[1], "solved": sum(r["solved"] for r in runs),
                       "seeds": len(runs), "solves": ok})
        return ok

    try:
        found = smallest_solving(ladder, solves)
    except _UntestedError:
        return None, tested
    return (list(found) if found else None), tested


def capacity_table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Per depth, the fewest MACs per step that solve each value (width in
    parentheses; ``>`` the range's top when none does; ``…`` while the search
    is unfinished), and a row per depth listing the candidates tested."""
    name = VALUE_NAMES[data["task"]]
    values = data["sweep"]["values"]
    header = ["depth"] + [f"{name}={v}" for v in values] + ["candidates tested (width: MACs, seeds solved)"]
    rows = []
    for depth in data["sweep"]["depths"]:
        cells, notes = [], []
        for v in values:
            found, tested = capacity_search(data, depth, v)
            if tested and tested[-1].get("missing"):
                cells.append("…")
            elif found is None:
                cells.append(f"> {data['settings']['macs_range'][1]:,}")
            else:
                cells.append(f"{found[1]:,} ({found[0]})")
            notes.append(f"{name}={v}: " + ", ".join(
                f"{t['width']}: {t['macs']:,} " + ("?" if t.get("missing") else f"{t['solved']}/{t['seeds']}")
                for t in sorted(tested, key=lambda t: t["macs"])))
        rows.append([str(depth), *cells, "; ".join(notes)])
    return header, rows


def plot_capacity(data: dict[str, Any], path: str | os.PathLike) -> Path:
    """Draw :func:`capacity_figure` to ``path``: SVG, PDF or PNG by its suffix, reproducible
    byte for byte, written atomically."""
    return experiment_plot.save_experiment_figure(capacity_figure(data), path)


def capacity_figure(data: dict[str, Any]) -> Any:
    """Fewest MACs per step that solve, against the swept value, one line per depth (open
    markers at the range's top: not solved within it). A matplotlib Figure
    ``FIGURE_WIDTH`` wide, every label ``TEXT_PT``."""
    lines = []
    for depth in data["sweep"]["depths"]:
        xs, ys, open_x = [], [], []
        for v in data["sweep"]["values"]:
            found, tested = capacity_search(data, depth, v)
            if tested and tested[-1].get("missing"):
                continue
            if found is None:
                open_x.append(v)
            else:
                xs.append(v)
                ys.append(found[1])
        lines.append(Series(f"depth {depth}", xs, ys, open_x))
    return experiment_plot.capacity_figure(
        lines, top=data["settings"]["macs_range"][1], x_label=_LONG_NAMES[data["task"]],
        title=f"{data['task']}: {data['settings']['cell']}, seeds decide by '{data['settings']['rule']}'")
