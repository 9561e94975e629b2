"""Train several EURNN stacks of one shape at once, with stacked parameters (PyTorch).

Every parameter of ``S`` networks of the same depth and width (different seeds)
is held as one tensor with a leading model axis, so one forward pass, one
backward pass and one optimiser update serve all ``S``: the per-op overhead,
which dominates these small recurrent steps on a CPU, is paid once. The
models stay independent: each has its own training batches (its seed's
stream), gradient-norm clip, RMSProp state, learning-rate schedule, best
checkpoint and early stop, and a model that stops is dropped from the stack.

The forward pass runs layer by layer over the whole sequence (the input
projection of a layer is one matrix product over all time steps) and holds
each complex state as the real row ``[Re h, Im h]``; a layer's unitary
``U = D F_K ⋯ F_1`` is multiplied out once per pass (from the same rotation
parameters) and applied as one real ``2N × 2N`` matrix product per step. This
computes the same function as :class:`~tnrank.experiments.cells.StackedRNN`
in another order, with fewer, larger operations (on a CPU the per-op cost
dominates these small steps); it changes how the network is evaluated, not
the network, whose MACs per step are still those of the EURNN's
``O(NK)`` rotation form (:mod:`tnrank.experiments.budget`). Its losses
agree with separately trained networks to float tolerance (tested).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from tnrank.errors import TnrankError
from tnrank.experiments.cells import StackedRNN
from tnrank.experiments.schedule import Best, PlateauSchedule
from tnrank.experiments.train import TrainConfig, TrainResult

__all__ = ["stack_networks", "unstack_network", "recurrent_matrices", "batched_forward", "train_batched"]

Params = dict[str, torch.Tensor]


def _names(net: StackedRNN) -> list[str]:
    return [name for name, _ in net.named_parameters()]


def stack_networks(nets: Sequence[StackedRNN]) -> Params:
    """The parameters of ``nets`` (same cell, depth and width) stacked along a new first axis."""
    if not nets:
        raise TnrankError("give at least one network to stack")
    first = nets[0]
    if first.spec.cell != "eurnn":
        raise TnrankError(f"the batched trainer handles EURNN stacks, not {first.spec.cell}")
    for net in nets[1:]:
        if (net.spec, net.depth, net.width, net.per_step) != (first.spec, first.depth, first.width,
                                                               first.per_step):
            raise TnrankError("networks stacked together need the same cell, depth and width")
    states = [dict(net.named_parameters()) for net in nets]
    return {name: torch.stack([s[name].detach() for s in states]).clone() for name in _names(first)}


def unstack_network(template: StackedRNN, params: Params, index: int) -> StackedRNN:
    """A copy of ``template`` carrying model ``index`` of the stacked ``params``."""
    import copy

    net = copy.deepcopy(template)
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(params[name][index])
    return net


def recurrent_matrices(template: StackedRNN, params: Params, k: int) -> torch.Tensor:
    """The recurrence of layer ``k`` of every model as a real ``(S, 2N, 2N)`` matrix ``M``.

    A state ``h`` held as the row ``[Re h, Im h]`` moves to ``[Re Uh, Im Uh]``
    by ``[Re h, Im h] @ M``, where ``U = D F_K ⋯ F_1`` is the layer's unitary:
    ``M = [[Re R, Im R], [-Im R, Re R]]`` with ``R = Uᵀ``, obtained by applying
    the rotation layers (``d ⊙ h + o ⊙ h[p]``, as in
    :meth:`~tnrank.experiments.cells.EURNNCell.rotate`) to the identity.
    """
    cell = template.cells[k]
    omega = params[f"cells.{k}.omega"]
    S, N = omega.shape
    real = lambda t: torch.complex(t, torch.zeros_like(t))
    u = real(torch.eye(N, dtype=omega.dtype, device=omega.device)).expand(S, N, N)
    for j in range(cell.capacity):
        th, ph = params[f"cells.{k}.theta.{j}"], params[f"cells.{k}.phi.{j}"]
        c, s = torch.cos(th), torch.sin(th)
        e = torch.polar(torch.ones_like(ph), ph)
        rest = getattr(cell, f"rest{j}").to(th.device, th.dtype).expand(S, -1)
        zero = torch.zeros_like(rest)
        place = getattr(cell, f"place{j}").to(th.device)
        d = torch.cat([e * c, real(c), torch.complex(rest, zero)], dim=1)[:, place]
        o = torch.cat([-e * s, real(s), torch.complex(zero, zero)], dim=1)[:, place]
        u = d.unsqueeze(1) * u + o.unsqueeze(1) * u.index_select(2, getattr(cell, f"perm{j}").to(th.device))
    r = torch.polar(torch.ones_like(omega), omega).unsqueeze(1) * u  # row j: U e_j, so r = Uᵀ
    top = torch.cat([r.real, r.imag], dim=2)
    bottom = torch.cat([-r.imag, r.real], dim=2)
    return torch.cat([top, bottom], dim=1)


def batched_forward(template: StackedRNN, params: Params, symbols: torch.Tensor) -> torch.Tensor:
    """Logits of every stacked model.

    Parameters
    ----------
    template : StackedRNN
        Any one network of the stack (its shape and fixed index buffers are used).
    params : dict of tensors
        Stacked parameters (leading axis: ``S`` models).
    symbols : tensor
        ``(S, batch, T)`` symbols (each model its own batch) or ``(batch, T)``
        (the same batch for all).

    Returns
    -------
    tensor
        ``(S, batch, T, C)`` when per step, else ``(S, batch, C)``.
    """
    S = params["readout.weight"].shape[0]
    if symbols.dim() == 2:
        symbols = symbols.unsqueeze(0).expand(S, -1, -1)
    N = template.width
    steps = symbols.shape[-1]
    # one-hot input, as a dense product (cheaper to differentiate than a gather)
    layer_in = nn.functional.one_hot(symbols, template.spec.vocab).to(params["cells.0.input.weight"].dtype)
    for k in range(template.depth):
        w = params[f"cells.{k}.input.weight"]  # (S, 2N, D)
        zin = torch.bmm(layer_in.reshape(S, -1, layer_in.shape[-1]), w.transpose(1, 2))
        zin = zin.view(S, symbols.shape[1], steps, 2 * N).transpose(1, 2).contiguous()  # (S, T, batch, 2N)
        mat = recurrent_matrices(template, params, k)
        bias = params[f"cells.{k}.bias"].unsqueeze(1).unsqueeze(2)  # (S, 1, 1, N)
        h = None
        outs = []
        for x_t in zin.unbind(1):  # one backward op for all steps (indexing would zero-fill per step)
            z = x_t if h is None else torch.baddbmm(x_t, h, mat)
            z = z.view(S, -1, 2, N)
            # |z|, with a zero gradient at z = 0 as complex abs has (sqrt's would be infinite)
            r = (z * z).sum(2, keepdim=True).clamp_min(1e-30).sqrt()
            h = (z * (torch.relu(r + bias) / (r + 1e-6))).view(S, -1, 2 * N)  # modReLU
            outs.append(h)
        layer_in = torch.stack(outs, dim=2)  # (S, batch, T, 2N): [Re h, Im h]
    wr, br = params["readout.weight"], params["readout.bias"]
    if template.per_step:
        return torch.matmul(layer_in, wr.transpose(1, 2).unsqueeze(1)) + br[:, None, None, :]
    return torch.bmm(layer_in[:, :, -1], wr.transpose(1, 2)) + br[:, None, :]


def _losses_and_hits(template: StackedRNN, task, params: Params, x: torch.Tensor, y: torch.Tensor):
    """Per model: mean cross-entropy and scored hits (``S``-vectors) and the scored count."""
    logits = batched_forward(template, params, x)
    S = logits.shape[0]
    if y.dim() == logits.dim() - 2:
        y = y.unsqueeze(0).expand(S, *y.shape)
    C = logits.shape[-1]
    loss = nn.functional.cross_entropy(logits.reshape(-1, C), y.reshape(-1), reduction="none")
    loss = loss.view(S, -1).mean(1)
    if task.per_step:
        pred = logits[:, :, task.scored].argmax(-1)
        hits = (pred == y[:, :, task.scored]).flatten(1).sum(1)
        count = pred[0].numel()
    else:
        hits = (logits.argmax(-1) == y).sum(1)
        count = y.shape[1]
    return loss, hits, count


def _evaluate(template, task, params, x, y, device, chunk: int = 512):
    """Per-model mean loss and data accuracy on a fixed set (numpy arrays ``x, y``)."""
    S = params["readout.weight"].shape[0]
    loss = torch.zeros(S, dtype=torch.float64)
    hits = torch.zeros(S, dtype=torch.float64)
    count = 0
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            xb = torch.as_tensor(x[i:i + chunk], device=device)
            yb = torch.as_tensor(y[i:i + chunk], device=device)
            lo, h, c = _losses_and_hits(template, task, params, xb, yb)
            loss += lo.double().cpu() * len(xb)
            hits += h.double().cpu()
            count += c
    return (loss / len(x)).tolist(), (hits / count).tolist()


def train_batched(
    nets: Sequence[StackedRNN],
    task,
    config: TrainConfig,
    seeds: Sequence[int],
    progress: Callable[[int, dict], None] | None = None,
) -> list[TrainResult]:
    """Train the EURNN stacks ``nets`` (one shape) together; one result per network.

    Same protocol as :func:`tnrank.experiments.train.train`, model by model:
    RMSProp (``alpha = 0.9``, ``eps = 1e-8``), gradient norm clipped per model,
    the plateau schedule per model, evaluation every ``config.eval_every``
    steps, early stop at ``config.stop_accuracy`` and, when
    ``config.restore_best``, the best validation weights scored on the test set.

    Parameters
    ----------
    nets : sequence of StackedRNN
        Freshly built networks (same cell, depth, width); they are not modified.
    task : Task
    config : TrainConfig
    seeds : sequence of int
        The training-batch seed of each network.
    progress : callable(index, point), optional
        Called after each evaluation with the network's index and curve point.

    Returns
    -------
    list of TrainResult
    """
    if len(seeds) != len(nets):
        raise TnrankError(f"give one seed per network ({len(nets)} networks, {len(seeds)} seeds)")
    start = time.perf_counter()
    device = torch.device(config.device)
    template = nets[0]
    params = {k: v.to(device).requires_grad_() for k, v in stack_networks(nets).items()}
    square = {k: torch.zeros_like(v) for k, v in params.items()}
    names = list(params)
    val = task.fixed_set(config.validation_size, "validation")
    test = task.fixed_set(config.test_size, "test")
    streams = [task.batches(config.batch, s) for s in seeds]
    results = [TrainResult() for _ in nets]
    schedules = [PlateauSchedule(config.lr, config.patience, config.lr_factor, config.threshold,
                                 config.min_lr, enabled=config.schedule == "plateau") for _ in nets]
    best = [Best() for _ in nets]
    best_params: list[Params | None] = [None] * len(nets)
    final_params: list[Params | None] = [None] * len(nets)
    alive = list(range(len(nets)))  # original index of each row of the stack
    lr = torch.full((len(nets),), config.lr, device=device)
    running = torch.zeros(len(nets), dtype=torch.float64)
    n_running = 0
    alpha, eps = 0.9, 1e-8

    def take(rows: list[int]) -> None:
        nonlocal params, square, lr, running
        idx = torch.as_tensor(rows, device=device)
        params = {k: v.detach()[idx].clone().requires_grad_() for k, v in params.items()}
        square = {k: v[idx].clone() for k, v in square.items()}
        lr = lr[idx].clone()
        running = running[torch.as_tensor(rows)].clone()

    step = 0
    for step in range(1, config.steps + 1):
        batch = [next(streams[i]) for i in alive]
        xb = torch.as_tensor(np.stack([b[0] for b in batch]), device=device)
        yb = torch.as_tensor(np.stack([b[1] for b in batch]), device=device)
        loss, _, _ = _losses_and_hits(template, task, params, xb, yb)
        finite = torch.isfinite(loss.detach())
        stop_rows = []
        if not bool(finite.all()):
            for row in torch.nonzero(~finite).flatten().tolist():
                i = alive[row]
                results[i].diverged = True  # inf/nan: further steps cannot recover the weights
                final_params[i] = {k: v.detach()[row].clone() for k, v in params.items()}
                stop_rows.append(row)
        grads = torch.autograd.grad(torch.where(finite, loss, torch.zeros_like(loss)).sum(),
                                    [params[k] for k in names])
        with torch.no_grad():
            sq_norm = sum(g.reshape(g.shape[0], -1).pow(2).sum(1) for g in grads)
            coef = torch.clamp(config.clip / (sq_norm.sqrt() + 1e-6), max=1.0)
            coef = torch.where(finite, coef, torch.zeros_like(coef))
            for k, g in zip(names, grads, strict=True):
                shape = (-1,) + (1,) * (g.dim() - 1)
                g = g * coef.view(shape)
                sq = square[k]
                sq.mul_(alpha).addcmul_(g, g, value=1 - alpha)
                params[k].sub_(lr.view(shape) * g / (sq.sqrt() + eps))
        running += torch.where(finite, loss.detach(), torch.zeros_like(loss)).double().cpu()
        n_running += 1
        for i in alive:
            if not results[i].diverged:
                results[i].steps_run = step
        if step % config.eval_every == 0 or step == config.steps:
            v_loss, v_acc = _evaluate(template, task, params, val[0], val[1], device=device)
            for row, i in enumerate(alive):
                if results[i].diverged:
                    continue
                vl = v_loss[row] if math.isfinite(v_loss[row]) else float("inf")
                old_lr = schedules[i].lr
                new_lr = schedules[i].update(step, vl)
                c = results[i].curve
                c["step"].append(step)
                c["train_loss"].append(float(running[row]) / n_running)
                c["val_loss"].append(vl)
                c["val_accuracy"].append(v_acc[row])
                c["lr"].append(new_lr)
                if best[i].offer(step, v_acc[row], vl) and config.restore_best:
                    best_params[i] = {k: v.detach()[row].clone() for k, v in params.items()}
                if new_lr != old_lr:
                    lr[row] = new_lr
                if progress is not None:
                    progress(i, {k: v[-1] for k, v in c.items()}
                             | {"seconds": time.perf_counter() - start, "lr_before": old_lr})
                if v_acc[row] >= config.stop_accuracy:
                    results[i].stopped_early = step < config.steps
                    stop_rows.append(row)
            running.zero_()
            n_running = 0
        if stop_rows:
            for row in sorted(set(stop_rows)):
                i = alive[row]
                if final_params[i] is None:
                    final_params[i] = {k: v.detach()[row].clone() for k, v in params.items()}
            keep = [row for row in range(len(alive)) if row not in set(stop_rows)]
            alive = [alive[row] for row in keep]
            if not alive:
                break
            take(keep)
    for row, i in enumerate(alive):
        final_params[i] = {k: v.detach()[row].clone() for k, v in params.items()}
    finals = [p for p in final_params if p is not None]  # every model stopped or ran to the end
    chosen = [best if config.restore_best and best is not None else final
              for best, final in zip(best_params, finals, strict=True)]
    scored = {k: torch.stack([c[k] for c in chosen]) for k in names}
    t_loss, t_acc = _evaluate(template, task, scored, test[0], test[1], device=device)
    elapsed = time.perf_counter() - start
    for i, res in enumerate(results):
        res.test_loss, res.test_accuracy = t_loss[i], t_acc[i]
        res.best_step, res.best_val_accuracy = best[i].step, best[i].accuracy
        res.restored = bool(config.restore_best and best_params[i] is not None)
        res.lr_drops = list(schedules[i].drops)
        res.final_params = {k: v.cpu() for k, v in finals[i].items()}
        res.scored_params = {k: v.cpu() for k, v in chosen[i].items()}
        res.seconds = elapsed  # wall time of the whole batch (the models trained together)
    return results
