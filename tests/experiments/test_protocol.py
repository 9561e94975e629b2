"""The fair protocol: batched trainer == separate networks, best-checkpoint restore, the
plateau schedule, the reference initialisation and the capacity search."""

import itertools
import math

import numpy as np
import pytest

from tnrank.errors import TnrankError
from tnrank.experiments.capacity import seeds_solve, smallest_solving
from tnrank.experiments.schedule import PlateauSchedule

torch = pytest.importorskip("torch")  # the experiments extra; CI installs it

from tnrank.experiments.batched import (  # noqa: E402
    _losses_and_hits,
    recurrent_matrices,
    stack_networks,
    train_batched,
    unstack_network,
)
from tnrank.experiments.budget import CellSpec  # noqa: E402
from tnrank.experiments.cells import build_network  # noqa: E402
from tnrank.experiments.tasks import CopyingTask  # noqa: E402
from tnrank.experiments.train import TrainConfig, _loss_and_hits, loss_and_accuracy, train  # noqa: E402

TASK = CopyingTask(m=3, n=3, delay=3)
SPEC = CellSpec("eurnn", vocab=TASK.vocab, classes=TASK.classes, capacity=3)
TINY = dict(batch=16, validation_size=48, test_size=48)


def nets(depth, width, seeds, dtype=torch.float64, init="reference"):
    return [build_network(SPEC, depth, width, True, seed=s, init=init).to(dtype) for s in seeds]


@pytest.mark.parametrize("depth, width", [(1, 5), (2, 3), (3, 4)])
def test_stacked_forward_and_gradients_equal_each_network(depth, width):
    """Same loss and gradient as the reference StackedRNN, model by model (float64)."""
    models = nets(depth, width, [0, 1, 2], init="normal")
    x, y = (torch.as_tensor(a) for a in TASK.sample(8, np.random.default_rng(1)))
    params = {k: v.requires_grad_() for k, v in stack_networks(models).items()}
    losses, _, _ = _losses_and_hits(models[0], TASK, params, x, y)
    grads = torch.autograd.grad(losses.sum(), list(params.values()))
    for i, net in enumerate(models):
        loss, _, _ = _loss_and_hits(net, TASK, x, y)
        ref = torch.autograd.grad(loss, list(net.parameters()))
        assert abs(float(losses[i].detach()) - float(loss.detach())) < 1e-12
        for g, r in zip(grads, ref, strict=True):
            assert torch.allclose(g[i], r, atol=1e-12, rtol=0)


def test_recurrent_matrix_is_the_cells_unitary_in_real_form():
    net = nets(2, 5, [4])[0]
    params = stack_networks([net])
    for k, cell in enumerate(net.cells):
        U = cell.recurrent_matrix().detach()
        M = recurrent_matrices(net, params, k)[0]
        R = U.T
        expect = torch.cat([torch.cat([R.real, R.imag], 1), torch.cat([-R.imag, R.real], 1)], 0)
        assert torch.allclose(M, expect, atol=1e-12)


def test_batched_training_gives_the_losses_of_separate_runs():
    """Three seeds trained together == each trained alone by the one-network loop."""
    config = TrainConfig(steps=12, eval_every=1, lr=1e-3, **TINY)
    seeds = [0, 1, 2]
    together = train_batched(nets(2, 3, seeds), TASK, config, seeds)
    for s, res in zip(seeds, together, strict=True):
        alone = train(nets(2, 3, [s])[0], TASK, config, seed=s)
        for key in ("train_loss", "val_loss", "val_accuracy", "lr"):
            assert np.allclose(res.curve[key], alone.curve[key], atol=1e-9, rtol=0), key
        assert res.test_accuracy == alone.test_accuracy
        assert res.best_step == alone.best_step


def test_a_model_that_stops_early_leaves_the_others_unchanged():
    """Early stop drops a model from the stack; the remaining ones train on as if alone."""
    config = TrainConfig(steps=40, eval_every=5, lr=3e-2, stop_accuracy=0.5, **TINY)
    seeds = [0, 1, 2, 3]
    together = train_batched(nets(1, 5, seeds), TASK, config, seeds)
    assert len({r.steps_run for r in together}) > 1, "the case should stop seeds at different steps"
    for s, res in zip(seeds, together, strict=True):
        alone = train_batched(nets(1, 5, [s]), TASK, config, [s])[0]
        assert res.steps_run == alone.steps_run
        assert np.allclose(res.curve["val_loss"], alone.curve["val_loss"], atol=1e-9, rtol=0)


def test_best_checkpoint_is_restored_before_the_test():
    """A run whose final weights are worse than its best: the test scores the best ones."""
    config = TrainConfig(steps=60, eval_every=5, lr=0.3, schedule="none", stop_accuracy=2.0, **TINY)
    template = nets(1, 5, [0])[0]
    res = train_batched([template], TASK, config, [0])[0]
    val, test = TASK.fixed_set(48, "validation"), TASK.fixed_set(48, "test")
    best_net = unstack_network(template, {k: v[None] for k, v in res.scored_params.items()}, 0)
    final_net = unstack_network(template, {k: v[None] for k, v in res.final_params.items()}, 0)
    _, best_val = loss_and_accuracy(best_net, TASK, *val)
    _, final_val = loss_and_accuracy(final_net, TASK, *val)
    assert final_val < best_val, "the case should end below its best validation accuracy"
    assert res.restored and res.best_step < 60
    assert best_val == pytest.approx(res.best_val_accuracy) == max(res.curve["val_accuracy"])
    assert res.test_accuracy == pytest.approx(loss_and_accuracy(best_net, TASK, *test)[1])
    # the one-network loop restores the same way, and without restore scores the final weights
    alone = train(nets(1, 5, [0])[0], TASK, config, seed=0)
    assert alone.best_step == res.best_step
    off = train_batched([template], TASK, TrainConfig(**{**config.__dict__, "restore_best": False}), [0])[0]
    assert not off.restored
    assert off.test_accuracy == pytest.approx(loss_and_accuracy(final_net, TASK, *test)[1])


def test_plateau_schedule_fires_on_a_synthetic_plateau():
    s = PlateauSchedule(1e-3, patience=3, threshold=0.01)
    losses = [2.0, 1.5, 1.0] + [0.999] * 7 + [0.5, 0.5, 0.5]
    lrs = [s.update(100 * (i + 1), v) for i, v in enumerate(losses)]
    # best 1.0 at step 300; 0.999 is < 1% better: 400-600 wait and 600 drops, 700-900 again;
    # 0.5 at 1100 is progress, and 1200-1300 are too few evaluations for another drop
    assert s.drops == [600, 900]
    assert lrs[4] == pytest.approx(1e-3) and lrs[5] == pytest.approx(1e-4)
    assert lrs[8] == pytest.approx(1e-5) and lrs[-1] == pytest.approx(1e-5)
    off = PlateauSchedule(1e-3, patience=3, enabled=False)
    assert {off.update(i, 1.0) for i in range(10)} == {1e-3} and off.drops == []


def test_schedule_fires_in_training_and_is_logged():
    """A learning rate too small to move the weights: the validation loss is flat, so it drops."""
    config = TrainConfig(steps=40, eval_every=5, lr=1e-12, patience=2, min_lr=1e-15, **TINY)
    seen, alone = [], []
    for res, points in ((train_batched(nets(1, 5, [0]), TASK, config, [0],
                                       progress=lambda i, p: seen.append(p))[0], seen),
                        (train(nets(1, 5, [0])[0], TASK, config, seed=0, progress=alone.append), alone)):
        assert res.lr_drops == [15, 25, 35]
        # the progress points say when the rate dropped (the runner prints them as "plateau")
        assert [p["step"] for p in points if p["lr_before"] != p["lr"]] == [15, 25, 35]
        assert res.curve["lr"][2] == pytest.approx(1e-13) and res.curve["lr"][-1] == pytest.approx(1e-15)


def test_reference_initialisation_draws_small_uniform_input_weights():
    net = build_network(SPEC, 2, 8, True, seed=3, init="reference")
    for cell in net.cells:
        w = cell.input.weight.detach()
        assert w.abs().max() <= 0.01 and w.abs().max() > 0.009
    normal = build_network(SPEC, 2, 8, True, seed=3, init="normal")
    assert normal.cells[1].input.weight.detach().std() == pytest.approx(1 / math.sqrt(16), rel=0.2)
    with pytest.raises(TnrankError, match="initialisation"):
        build_network(SPEC, 1, 4, True, seed=0, init="zeros")


def test_capacity_search_finds_the_smallest_solving_candidate():
    for n in range(0, 20):
        for threshold in range(n + 1):  # candidates >= threshold solve; threshold n: none does
            calls = []
            found = smallest_solving(list(range(n)), lambda c: calls.append(c) or c >= threshold)
            assert found == (threshold if threshold < n else None)
            assert len(calls) == len(set(calls)) <= math.ceil(math.log2(n + 1))


def test_capacity_search_when_seeds_disagree():
    # per candidate (cheapest first), which of three seeds solved
    outcomes = [(0, 0, 0), (0, 1, 0), (1, 0, 1), (1, 1, 1), (1, 1, 0)]
    pick = lambda rule: smallest_solving(range(len(outcomes)), lambda c: seeds_solve(outcomes[c], rule))
    assert pick("best") == 1  # one seed is enough: the paper's best-of-seeds
    assert pick("majority") == 2
    # brute force over every 3-candidate pattern: the answer always solves and, unless it is the
    # first candidate, the candidate before it was tested and failed (the documented guarantee)
    for pattern in itertools.product([False, True], repeat=3):
        tested = {}
        found = smallest_solving([0, 1, 2], lambda c, p=pattern: tested.setdefault(c, p[c]))
        if found is None:
            assert tested.get(2) is False
        else:
            assert pattern[found] and (found == 0 or tested.get(found - 1) is False)
    with pytest.raises(TnrankError, match="rule"):
        seeds_solve([True], "all")
