"""Training and evaluation of one network on one task (PyTorch).

RMSProp (``alpha = 0.9``), batches of 128, gradient norm clipped at 1, and
the learning rate divided by 10 when the validation loss has not improved by
1% for ``patience`` evaluations (:class:`~tnrank.experiments.schedule.PlateauSchedule`).
A run stops early once the validation data accuracy reaches
``stop_accuracy``; the weights of its best validation point (highest
validation data accuracy) are restored before the test (``restore_best``),
and it is *solved* when the fixed test set's data accuracy reaches
:data:`SOLVED`. This is the one-network-at-a-time loop; several networks of
one shape train faster together in :mod:`tnrank.experiments.batched`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from tnrank.errors import TnrankError
from tnrank.experiments.cells import StackedRNN
from tnrank.experiments.results import SOLVED
from tnrank.experiments.schedule import SCHEDULES, Best, PlateauSchedule
from tnrank.experiments.train_config import TrainConfig

__all__ = ["TrainConfig", "TrainResult", "train", "loss_and_accuracy", "SOLVED"]



@dataclass
class TrainResult:
    """Learning curve and final scores of one run."""

    curve: dict[str, list] = field(default_factory=lambda: {
        "step": [], "train_loss": [], "val_loss": [], "val_accuracy": [], "lr": []})
    steps_run: int = 0
    stopped_early: bool = False
    diverged: bool = False
    test_loss: float = float("nan")
    test_accuracy: float = float("nan")
    seconds: float = 0.0
    best_step: int = 0
    best_val_accuracy: float = float("nan")
    restored: bool = False
    lr_drops: list[int] = field(default_factory=list)
    final_params: dict | None = None
    scored_params: dict | None = None

    @property
    def solved(self) -> bool:
        return bool(self.test_accuracy >= SOLVED)


def _loss_and_hits(net: StackedRNN, task, x: torch.Tensor, y: torch.Tensor):
    logits = net(x)
    if task.per_step:
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        pred = logits[:, task.scored].argmax(-1)
        hits = (pred == y[:, task.scored]).sum()
        count = pred.numel()
    else:
        loss = nn.functional.cross_entropy(logits, y)
        hits = (logits.argmax(-1) == y).sum()
        count = y.numel()
    return loss, hits, count


def loss_and_accuracy(net: StackedRNN, task, x: np.ndarray, y: np.ndarray, device: str = "cpu",
                     chunk: int = 512) -> tuple[float, float]:
    """Mean loss and data accuracy of ``net`` on a fixed set ``(x, y)``."""
    net.eval()
    total_loss, hits, count = 0.0, 0, 0
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            xb = torch.as_tensor(x[i:i + chunk], device=device)
            yb = torch.as_tensor(y[i:i + chunk], device=device)
            loss, h, c = _loss_and_hits(net, task, xb, yb)
            total_loss += float(loss) * len(xb)
            hits += int(h)
            count += c
    net.train()
    return total_loss / len(x), hits / count


def train(
    net: StackedRNN,
    task,
    config: TrainConfig,
    seed: int,
    progress: Callable[[dict], None] | None = None,
) -> TrainResult:
    """Train ``net`` on ``task`` with seeded batches; evaluate on the fixed sets.

    ``progress`` receives the latest curve point after every evaluation.
    KeyboardInterrupt propagates (the caller keeps finished runs).
    """
    start = time.perf_counter()
    device = config.device
    net.to(device)
    val = task.fixed_set(config.validation_size, "validation")
    test = task.fixed_set(config.test_size, "test")
    if config.schedule not in SCHEDULES:
        raise TnrankError(f"unknown schedule {config.schedule!r}; use one of {', '.join(SCHEDULES)}")
    opt = torch.optim.RMSprop(net.parameters(), lr=config.lr, alpha=0.9)
    sched = PlateauSchedule(config.lr, config.patience, config.lr_factor, config.threshold,
                            config.min_lr, enabled=config.schedule == "plateau")
    best, best_state = Best(), None
    result = TrainResult()
    batches = task.batches(config.batch, seed)
    running, n_running = 0.0, 0
    for step in range(1, config.steps + 1):
        xb, yb = next(batches)
        xb = torch.as_tensor(xb, device=device)
        yb = torch.as_tensor(yb, device=device)
        loss, _, _ = _loss_and_hits(net, task, xb, yb)
        if not torch.isfinite(loss):
            result.diverged = True  # inf/nan: further steps cannot recover the weights
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), config.clip)
        opt.step()
        running += float(loss.detach())
        n_running += 1
        result.steps_run = step
        if step % config.eval_every == 0 or step == config.steps:
            v_loss, v_acc = loss_and_accuracy(net, task, val[0], val[1], device=device)
            if not np.isfinite(v_loss):
                v_loss = float("inf")
            old_lr = opt.param_groups[0]["lr"]
            for group in opt.param_groups:
                group["lr"] = sched.update(step, v_loss)
            if best.offer(step, v_acc, v_loss) and config.restore_best:
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            c = result.curve
            c["step"].append(step)
            c["train_loss"].append(running / n_running)
            c["val_loss"].append(v_loss)
            c["val_accuracy"].append(v_acc)
            c["lr"].append(opt.param_groups[0]["lr"])
            running, n_running = 0.0, 0
            if progress is not None:
                progress({k: v[-1] for k, v in c.items()}
                         | {"seconds": time.perf_counter() - start, "lr_before": old_lr})
            if v_acc >= config.stop_accuracy:
                result.stopped_early = step < config.steps
                break
    result.final_params = {k: v.detach().clone() for k, v in net.state_dict().items()}
    if best_state is not None:
        net.load_state_dict(best_state)  # the network is left holding the weights it is scored with
        result.restored = True
    result.best_step, result.best_val_accuracy = best.step, best.accuracy
    result.lr_drops = list(sched.drops)
    result.test_loss, result.test_accuracy = loss_and_accuracy(net, task, test[0], test[1], device=device)
    result.seconds = time.perf_counter() - start
    return result
