"""Run a sweep: every depth at every task value and seed, MAC-matched, saved
run by run so an interrupted sweep resumes (PyTorch)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from tnrank.errors import TnrankError
from tnrank.experiments.budget import INITS, CellSpec, match_width, network_macs, network_params, width_ladder
from tnrank.experiments.capacity import RULES, seeds_solve, smallest_solving
from tnrank.experiments.cells import build_network
from tnrank.experiments.counting import count_step_macs
from tnrank.experiments.results import (
    EXPERIMENT_FORMAT,
    SOLVED,
    VALUE_NAMES,
    ExperimentSpec,
    hardware,
    load_experiment_results,
    save_experiment_results,
)
from tnrank.experiments.schedule import SCHEDULES
from tnrank.experiments.tasks import make_task
from tnrank.experiments.train import TrainConfig, train

__all__ = ["run_experiment", "prepare", "check_device", "steps_to"]

MessageCallback = Callable[[str], None]


def _cell_spec(spec: ExperimentSpec, task) -> CellSpec:
    rep = spec.representation or task.vocab
    return CellSpec(spec.cell, vocab=task.vocab, classes=task.classes, capacity=spec.capacity,
                    representation=rep)


def prepare(spec: ExperimentSpec) -> tuple[dict[int, Any], CellSpec, dict[int, int]]:
    """Validate the sweep before any training: the tasks, the cell and each depth's width."""
    if not spec.values:
        raise TnrankError(f"give at least one {VALUE_NAMES.get(spec.task, 'value')} to sweep")
    if not spec.depths or min(spec.depths) < 1:
        raise TnrankError("depths must be whole numbers >= 1, e.g. --depth 1 2 3")
    if not spec.seeds or min(spec.seeds) < 0:
        raise TnrankError("seeds must be whole numbers >= 0, e.g. --seeds 0 1 2")
    lr = spec.train.get("lr", 1e-3)
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise TnrankError(f"learning rate must be a positive number, got {lr}; e.g. --lr 1e-3")
    tasks = {v: make_task(spec.task, v, spec.m, spec.n) for v in spec.values}
    if spec.rank_length:
        if spec.cell != "rac":
            raise TnrankError(f"--rank measures a trained RAC's rank; add --cell rac (not {spec.cell})")
        if spec.rank_length < 2 or spec.rank_length % 2:
            raise TnrankError(f"--rank-T must be an even length >= 2, got {spec.rank_length}")
    if spec.init not in INITS:
        raise TnrankError(f"unknown initialisation {spec.init!r}; use one of {', '.join(INITS)}")
    schedule = spec.train.get("schedule", "plateau")
    if schedule not in SCHEDULES:
        raise TnrankError(f"unknown schedule {schedule!r}; use one of {', '.join(SCHEDULES)}")
    if spec.rule not in RULES:
        raise TnrankError(f"unknown seed rule {spec.rule!r}; use one of {', '.join(RULES)}")
    cell = _cell_spec(spec, next(iter(tasks.values())))
    if spec.sweep == "macs":
        if len(spec.macs_range) != 2:
            raise TnrankError("--sweep macs searches a MAC range: give --macs LOW HIGH, e.g. --macs 200 1300")
        for d in spec.depths:
            if not width_ladder(cell, d, spec.macs_range[0], spec.macs_range[1], spec.macs_ratio):
                raise TnrankError(
                    f"no width at depth {d} ({spec.cell}) has {spec.macs_range[0]:,}-{spec.macs_range[1]:,} "
                    f"MACs per step (its narrowest needs {network_macs(cell, d, cell.min_width):,}); "
                    "widen --macs")
        return tasks, cell, {}
    if spec.sweep != "values":
        raise TnrankError(f"unknown sweep {spec.sweep!r}; use values or macs")
    widths = {d: match_width(cell, d, spec.macs, spec.tolerance) for d in spec.depths}
    return tasks, cell, widths


def _new_data(spec: ExperimentSpec) -> dict[str, Any]:
    return {"format": EXPERIMENT_FORMAT, "task": spec.task, "settings": spec.settings(), "sweep": {},
            "models": {}, "baselines": {}, "runs": [], "hardware": hardware(),
            "torch": torch.__version__}


def run_experiment(
    spec: ExperimentSpec,
    out: str | Path | None = None,
    *,
    device: str = "cpu",
    threads: int = 1,
    fresh: bool = False,
    progress: MessageCallback | None = None,
    batched: bool = True,
) -> dict[str, Any]:
    """Train every run of the sweep not already in ``out``.

    With ``spec.sweep == "values"`` every (value, depth, seed) is trained at
    the ``spec.macs`` budget; with ``"macs"``, per value and depth, a binary
    search over the depth's widths finds the fewest MACs per step that solve
    (:mod:`tnrank.experiments.capacity`). The seeds of one (value, depth,
    width) cell train together (:func:`~tnrank.experiments.batched.train_batched`
    for EURNN when ``batched``), and the results file is rewritten after every
    cell, so an interrupted sweep loses at most the cell in progress.

    Parameters
    ----------
    spec : ExperimentSpec
    out : path, optional
        Results file; finished runs are written as they complete and reused
        when the same settings run again (unless ``fresh``).
    device : str
        Torch device (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...).
    threads : int
        CPU threads for torch (1 is fastest for these small per-step ops).
    fresh : bool
        Ignore and overwrite an existing results file.
    progress : callable(str), optional
        Receives one line per cell start, evaluation and result.
    batched : bool
        Train the seeds of a cell together with stacked parameters (EURNN
        only; ``False``: one network at a time, the reference loop).

    Returns
    -------
    dict
        The results (as saved).
    """
    say = progress or (lambda _msg: None)
    tasks, cell, widths = prepare(spec)
    dev = check_device(device)
    torch.set_num_threads(max(1, threads))
    data = _new_data(spec)
    if out is not None and Path(out).exists() and not fresh:
        old = load_experiment_results(out)
        if old["settings"] != data["settings"]:
            diff = _differences(old["settings"], data["settings"])
            raise TnrankError(
                f"{out} holds results made with other settings ({', '.join(diff)}); "
                "use another results file (--json-file), or --fresh to overwrite it"
            )
        data["runs"] = old["runs"]
        data["seconds"] = old.get("seconds", 0.0)
    data["sweep"] = {"values": list(spec.values), "depths": list(spec.depths), "seeds": list(spec.seeds)}
    per_step = tasks[spec.values[0]].per_step
    for d in spec.depths:
        if d in widths:
            data["models"][str(d)] = _model_sizes(cell, d, widths[d], per_step)
    for v, task in tasks.items():
        b = task.baseline()
        data["baselines"][str(v)] = {"accuracy": b.accuracy, "loss": b.loss, "task": task.describe()}
    config = TrainConfig(**spec.train, device=str(dev))
    if out is not None:
        save_experiment_results(out, data)
    ctx = _Context(spec, data, out, tasks, cell, config, say, batched and spec.cell == "eurnn")
    # the models trained with this file's settings are described above; macs sweeps keep their ladders
    started = time.perf_counter()
    if spec.sweep == "macs":
        low, high = spec.macs_range
        data["ladders"] = {str(d): [list(wm) for wm in width_ladder(cell, d, low, high, spec.macs_ratio)]
                           for d in spec.depths}
        say(f"{spec.task} with {spec.cell}: fewest MACs per step that solve, per depth and "
            f"{VALUE_NAMES[spec.task]}, searched over {spec.macs_range[0]:,}-{spec.macs_range[1]:,} "
            f"MACs/step; seeds {spec.seeds} decide by the {spec.rule!r} rule")
        for v in spec.values:
            for d in spec.depths:
                ladder = width_ladder(cell, d, low, high, spec.macs_ratio)
                say(f"  depth {d} {VALUE_NAMES[spec.task]}={v}: {len(ladder)} candidate widths "
                    f"({', '.join(f'{w}: {m:,}' for w, m in ladder)})")
                def solves(wm: tuple[int, int], v: int = v, d: int = d) -> bool:
                    return seeds_solve([r["solved"] for r in ctx.cell_runs(v, d, wm[0])], spec.rule)

                found = smallest_solving(ladder, solves)
                say(f"  depth {d} {VALUE_NAMES[spec.task]}={v}: fewest MACs/step solving: "
                    + (f"{found[1]:,} (width {found[0]})" if found else "none in the range"))
    else:
        todo = [(v, d, s) for v in spec.values for d in spec.depths for s in spec.seeds]
        done = {(r["value"], r["depth"], r["seed"]) for r in data["runs"]}
        say(f"{spec.task} with {spec.cell}: {len(todo)} runs, {len(done & set(todo))} already in "
            f"{out if out is not None else 'memory'}; MAC budget {spec.macs:,}/step (±{spec.tolerance:.0%})")
        for d in spec.depths:
            mdl = data["models"][str(d)]
            say(f"  depth {d}: width {mdl['width']}, {mdl['macs']:,} MACs/step "
                f"(instrumented {mdl['macs_counted']:,}), {mdl['params']:,} parameters")
        for v in spec.values:
            for d in spec.depths:
                ctx.cell_runs(v, d, widths[d])
    finished = {(r["value"], r["depth"], r["seed"]) for r in data["runs"]}
    data["complete"] = spec.sweep == "macs" or all(k in finished for k in _run_keys(spec))
    data["wall_seconds_this_call"] = round(time.perf_counter() - started, 1)
    if out is not None:
        save_experiment_results(out, data)
    return data


def _run_keys(spec: ExperimentSpec) -> list[tuple]:
    return [(v, d, s) for v in spec.values for d in spec.depths for s in spec.seeds]


def _model_sizes(cell: CellSpec, d: int, width: int, per_step: bool) -> dict[str, int]:
    probe = build_network(cell, d, width, per_step, seed=0)
    return {"width": width, "macs": network_macs(cell, d, width), "macs_counted": count_step_macs(probe),
            "params": network_params(cell, d, width),
            "params_counted": sum(p.numel() for p in probe.parameters())}


def steps_to(curve: dict, level: float = SOLVED) -> int | None:
    """The first evaluation step whose validation data accuracy reached ``level``."""
    for step, acc in zip(curve["step"], curve["val_accuracy"], strict=True):
        if acc is not None and acc >= level:
            return step
    return None


class _Context:
    """Trains the missing seeds of one (value, depth, width) cell and saves them."""

    def __init__(self, spec, data, out, tasks, cell, config, say, batched) -> None:
        self.spec, self.data, self.out, self.tasks, self.cell = spec, data, out, tasks, cell
        self.config, self.say, self.batched = config, say, batched

    def cell_runs(self, v: int, d: int, width: int) -> list[dict]:
        spec, data, say, config = self.spec, self.data, self.say, self.config
        have = {r["seed"]: r for r in data["runs"]
                if r["value"] == v and r["depth"] == d and r["width"] == width}
        missing = [s for s in spec.seeds if s not in have]
        if missing:
            task = self.tasks[v]
            base = task.baseline()
            macs, params = network_macs(self.cell, d, width), network_params(self.cell, d, width)
            name = VALUE_NAMES[spec.task]
            head = f"depth {d} {name}={v} width {width}"
            say(f"[{head}] seeds {missing}: {task.describe()}, {macs:,} MACs/step, {params:,} params"
                f"{', batched' if self.batched and len(missing) > 1 else ''}")
            nets = [build_network(self.cell, d, width, task.per_step, seed=s, init=spec.init)
                    for s in missing]

            def report(i: int, point: dict) -> None:
                before = point.get("lr_before", point["lr"])
                drop = f" (plateau: was {before:.0e})" if before != point["lr"] else ""
                say(f"    seed {missing[i]} step {point['step']}/{config.steps}: train loss "
                    f"{point['train_loss']:.4f}, val loss {point['val_loss']:.4f}, val data acc "
                    f"{100 * point['val_accuracy']:.1f}% (memoryless {100 * base.accuracy:.1f}%), "
                    f"lr {point['lr']:.0e}{drop}, {point['seconds']:.0f} s")

            if self.batched:
                from tnrank.experiments.batched import train_batched

                results = train_batched(nets, task, config, missing, progress=report)
                share = results[0].seconds / len(missing)
            else:
                results = []
                for i, (net, s) in enumerate(zip(nets, missing, strict=True)):
                    def progress(p: dict[str, Any], i: int = i) -> None:
                        report(i, p)

                    results.append(train(net, task, config, seed=s, progress=progress))
                share = None
            for net, s, res in zip(nets, missing, results, strict=True):
                run = {"value": v, "depth": d, "seed": s, "width": width, "macs": macs, "params": params,
                       "steps_run": res.steps_run, "stopped_early": res.stopped_early,
                       "diverged": res.diverged, "test_loss": _finite(res.test_loss),
                       "test_accuracy": res.test_accuracy, "solved": res.solved,
                       "steps_to_99": steps_to(res.curve), "best_step": res.best_step,
                       "best_val_accuracy": _finite(res.best_val_accuracy), "restored": res.restored,
                       "lr_drops": res.lr_drops,
                       "seconds": round(share if share is not None else res.seconds, 2),
                       "curve": {k: [_finite(x) for x in xs] for k, xs in res.curve.items()}}
                verdict = "solved" if res.solved else (
                    "diverged (inf/nan loss)" if res.diverged else "not solved")
                drops = f", lr drops at {res.lr_drops}" if res.lr_drops else ""
                say(f"  [{head}] seed {s}: test data acc {100 * res.test_accuracy:.1f}% (memoryless "
                    f"{100 * base.accuracy:.1f}%, weights of step {res.best_step}), {verdict} after "
                    f"{res.steps_run} steps{drops}")
                if spec.rank_length:
                    from tnrank.experiments.rank_check import trained_rank

                    rk = trained_rank(net.cpu(), spec.rank_length, seed=s)
                    run["rank"] = rk
                    gen = rk["generic"]["summary"] if rk["generic"] else "not computed"
                    tols = ", ".join(f"{p['tol']:.1e}" for p in rk["per_class"][:3])
                    say(f"    Start-End grid rank at T={rk['T']} ({rk['matrix']} {rk['shape'][0]}x"
                        f"{rk['shape'][1]}): trained {rk['trained_rank']} (float SVD, tol "
                        f"σmax·max(m,n)·eps = {tols}{'…' if len(rk['per_class']) > 3 else ''}); "
                        f"generic {gen}")
                data["runs"].append(run)
                have[s] = run
            data["seconds"] = round(data.get("seconds", 0.0) + sum(
                r["seconds"] for r in data["runs"][-len(missing):]), 1)
            if self.out is not None:
                save_experiment_results(self.out, data)
        return [have[s] for s in spec.seeds]


def _finite(x):
    """Floats that JSON can hold: inf and nan become None."""
    return x if not isinstance(x, float) or math.isfinite(x) else None


def _differences(old: dict, new: dict) -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b)
        elif a != b:
            out.append(f"{key} {a} -> {b}")
    return out


def check_device(name: str) -> torch.device:
    """The torch device called ``name``, or a one-line error saying what to use."""
    try:
        dev = torch.device(name)
    except (RuntimeError, ValueError):
        raise TnrankError(f"--device {name!r} is not a torch device; use cpu, cuda or cuda:N") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise TnrankError(f"--device {name}: this torch build sees no CUDA GPU; use --device cpu")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise TnrankError(f"--device {name!r} is not supported; use cpu or cuda")
    return dev


