"""Run a sweep: every depth at every task value and seed, MAC-matched, saved
run by run so an interrupted sweep resumes (PyTorch)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ..errors import TnrankError
from .budget import CellSpec, match_width, network_macs, network_params
from .cells import build_network
from .counting import count_step_macs
from .results import FORMAT, VALUE_NAMES, ExperimentSpec, hardware, load_results, save_results
from .tasks import make_task
from .train import TrainConfig, train

__all__ = ["run_experiment", "prepare", "check_device"]

Progress = Callable[[str], None]


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
    cell = _cell_spec(spec, next(iter(tasks.values())))
    widths = {d: match_width(cell, d, spec.macs, spec.tolerance) for d in spec.depths}
    return tasks, cell, widths


def _new_data(spec: ExperimentSpec) -> dict[str, Any]:
    return {"format": FORMAT, "task": spec.task, "settings": spec.settings(), "sweep": {},
            "models": {}, "baselines": {}, "runs": [], "hardware": hardware(),
            "torch": torch.__version__}


def run_experiment(
    spec: ExperimentSpec,
    out: str | Path | None = None,
    *,
    device: str = "cpu",
    threads: int = 1,
    fresh: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train every (value, depth, seed) of the sweep not already in ``out``.

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
        Receives one line per run start, evaluation and result.

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
        old = load_results(out)
        if old["settings"] != data["settings"]:
            diff = _differences(old["settings"], data["settings"])
            raise TnrankError(
                f"{out} holds results made with other settings ({', '.join(diff)}); "
                "use another --out, or --fresh to overwrite it"
            )
        data["runs"] = old["runs"]
    data["sweep"] = {"values": list(spec.values), "depths": list(spec.depths), "seeds": list(spec.seeds)}
    name = VALUE_NAMES[spec.task]
    for d in spec.depths:
        probe = build_network(cell, d, widths[d], tasks[spec.values[0]].per_step, seed=0)
        data["models"][str(d)] = {
            "width": widths[d],
            "macs": network_macs(cell, d, widths[d]),
            "macs_counted": count_step_macs(probe),
            "params": network_params(cell, d, widths[d]),
            "params_counted": sum(p.numel() for p in probe.parameters()),
        }
    for v, task in tasks.items():
        b = task.baseline()
        data["baselines"][str(v)] = {"accuracy": b.accuracy, "loss": b.loss, "task": task.describe()}
    config = TrainConfig(**spec.train, device=str(dev))
    todo = [(v, d, s) for v in spec.values for d in spec.depths for s in spec.seeds]
    done = {(r["value"], r["depth"], r["seed"]) for r in data["runs"]}
    if out is not None:
        save_results(out, data)
    say(f"{spec.task} with {spec.cell}: {len(todo)} runs, {len(done & set(todo))} already in "
        f"{out if out is not None else 'memory'}; MAC budget {spec.macs:,}/step (±{spec.tolerance:.0%})")
    for d in spec.depths:
        mdl = data["models"][str(d)]
        say(f"  depth {d}: width {mdl['width']}, {mdl['macs']:,} MACs/step "
            f"(instrumented {mdl['macs_counted']:,}), {mdl['params']:,} parameters")
    started = time.perf_counter()
    for i, (v, d, s) in enumerate(todo, start=1):
        if (v, d, s) in done:
            continue
        task, mdl = tasks[v], data["models"][str(d)]
        base = task.baseline()
        head = f"[{i}/{len(todo)}] depth {d} {name}={v} seed {s}"
        say(f"{head}: {task.describe()}, width {mdl['width']}, {mdl['macs']:,} MACs/step, "
            f"{mdl['params']:,} params")
        net = build_network(cell, d, widths[d], task.per_step, seed=s)

        def report(point: dict, head: str = head, base=base) -> None:
            say(f"    step {point['step']}/{config.steps}: train loss {point['train_loss']:.4f}, "
                f"val loss {point['val_loss']:.4f}, val data acc {100 * point['val_accuracy']:.1f}% "
                f"(memoryless {100 * base.accuracy:.1f}%), lr {point['lr']:.0e}, {point['seconds']:.0f} s")

        res = train(net, task, config, seed=s, progress=report)
        run = {"value": v, "depth": d, "seed": s, "width": mdl["width"], "macs": mdl["macs"],
               "params": mdl["params"], "steps_run": res.steps_run, "stopped_early": res.stopped_early,
               "diverged": res.diverged, "test_loss": _finite(res.test_loss),
               "test_accuracy": res.test_accuracy, "solved": res.solved,
               "seconds": round(res.seconds, 2),
               "curve": {k: [_finite(x) for x in xs] for k, xs in res.curve.items()}}
        verdict = "solved" if res.solved else ("diverged (inf/nan loss)" if res.diverged else "not solved")
        say(f"  {head}: test data acc {100 * res.test_accuracy:.1f}% (memoryless "
            f"{100 * base.accuracy:.1f}%), loss {res.test_loss:.4f} (memoryless {base.loss:.4f}), "
            f"{verdict} after {res.steps_run} steps, {res.seconds:.0f} s")
        if spec.rank_length:
            from .rank_check import trained_rank

            rk = trained_rank(net.cpu(), spec.rank_length, seed=s)
            run["rank"] = rk
            gen = rk["generic"]["summary"] if rk["generic"] else "not computed"
            tols = ", ".join(f"{p['tol']:.1e}" for p in rk["per_class"][:3])
            say(f"    Start-End grid rank at T={rk['T']} ({rk['matrix']} {rk['shape'][0]}x{rk['shape'][1]}): "
                f"trained {rk['trained_rank']} (float SVD, tol σmax·max(m,n)·eps = {tols}"
                f"{'…' if len(rk['per_class']) > 3 else ''}); generic {gen}")
        data["runs"].append(run)
        data["seconds"] = round(data.get("seconds", 0.0) + res.seconds, 1)
        if out is not None:
            save_results(out, data)
    data["complete"] = all((v, d, s) in {(r["value"], r["depth"], r["seed"]) for r in data["runs"]}
                           for v, d, s in todo)
    data["wall_seconds_this_call"] = round(time.perf_counter() - started, 1)
    if out is not None:
        save_results(out, data)
    return data


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


