"""Task generators and MAC budgets of tnrank.experiments (no PyTorch needed)."""

import math

import numpy as np
import pytest

from tnrank.errors import TnrankError
from tnrank.experiments.budget import CellSpec, match_width, network_macs, network_params
from tnrank.experiments.tasks import CopyingTask, SimilarityTask, make_task


def test_copying_layout_by_hand():
    task = CopyingTask(m=3, n=5, delay=4)
    assert (task.length, task.vocab, task.classes) == (10, 7, 6)
    assert task.marker_position == 7  # m + B, 0-based
    x, y = task.sample(50, np.random.default_rng(1))
    for i in range(50):
        data = x[i, :3]
        assert set(data.tolist()) <= set(range(5))
        assert x[i, 7] == 6  # the marker
        assert np.all(np.delete(x[i, 3:], 4) == 5)  # blanks everywhere else after the data
        assert np.all(y[i, :7] == 5)  # blank targets up to the marker
        assert list(y[i, 7:]) == list(data)  # symbol k due at step m + B + k
        for k in range(3):
            assert y[i, 3 + 4 + k] == x[i, k]


def test_copying_symbols_are_uniform():
    x, _ = CopyingTask(m=10, n=4, delay=0).sample(4000, np.random.default_rng(0))
    freq = np.bincount(x[:, :10].ravel(), minlength=4) / 40000
    assert np.allclose(freq, 0.25, atol=0.01)


def test_copying_memoryless_baseline_by_hand():
    # paper sizes: m = 30, n = 32; blanks are free, each of the last m steps costs ln 32
    b = CopyingTask(m=30, n=32, delay=100).baseline()
    assert b.accuracy == pytest.approx(1 / 32)
    assert b.loss == pytest.approx(30 * math.log(32) / 160)
    assert CopyingTask(m=30, n=32, delay=0).baseline().loss == pytest.approx(math.log(32) / 2)


def test_memoryless_predictor_scores_the_baseline():
    # the best memoryless predictor (blank until the marker, then uniform) evaluated on data
    task = CopyingTask(m=4, n=6, delay=3)
    _, y = task.fixed_set(2000, "test")
    probs = np.zeros((task.length, task.classes))
    probs[: task.marker_position, task.blank] = 1.0
    probs[task.marker_position:, : task.n] = 1.0 / task.n
    ce = -np.mean(np.log(np.maximum(probs[np.arange(task.length), y], 1e-300)))
    assert ce == pytest.approx(task.baseline().loss)


def test_fixed_sets_are_fixed_and_distinct():
    task = CopyingTask(m=3, n=4, delay=2)
    a1, _ = task.fixed_set(64, "validation")
    a2, _ = task.fixed_set(64, "validation")
    t, _ = task.fixed_set(64, "test")
    assert np.array_equal(a1, a2) and not np.array_equal(a1, t)
    b1 = next(task.batches(16, seed=3))[0]
    b2 = next(task.batches(16, seed=3))[0]
    b3 = next(task.batches(16, seed=4))[0]
    assert np.array_equal(b1, b2) and not np.array_equal(b1, b3)


def test_ses_blocks_agreement_and_balance():
    task = SimilarityTask(T=12, m=4, n=3)
    x, y = task.fixed_set(300, "test")
    assert np.bincount(y).tolist() == [100, 100, 100]  # exactly balanced fixed set
    agree = (x[:, :4] == x[:, 6:10]).sum(axis=1)
    assert np.array_equal(agree, y * 2)  # 0, m/2 or m positions agree
    others = np.ones(12, bool)
    others[:4] = others[6:10] = False
    assert np.all(x[:, others] == 3)  # blanks outside the blocks
    _, labels = task.sample(6000, np.random.default_rng(0))
    assert np.allclose(np.bincount(labels) / 6000, 1 / 3, atol=0.02)
    b = task.baseline()
    assert (b.accuracy, b.loss) == (pytest.approx(1 / 3), pytest.approx(math.log(3)))


def test_ses_end_block_carries_no_class_information():
    # why the memoryless baseline is chance: block B alone is uniform for every class
    x, y = SimilarityTask(T=8, m=2, n=3).sample(30000, np.random.default_rng(2))
    for c in range(3):
        freq = np.bincount(x[y == c, 4:6].ravel(), minlength=3) / x[y == c, 4:6].size
        assert np.allclose(freq, 1 / 3, atol=0.015)


@pytest.mark.parametrize(
    "args, words",
    [((7, 2, 3), "even length T"), ((12, 8, 3), "more than T/2"), ((12, 3, 3), "must be even"),
     ((12, 2, 1), "alphabet size n")],
)
def test_ses_bad_input(args, words):
    with pytest.raises(TnrankError, match=words) as exc:
        SimilarityTask(*args)
    assert "\n" not in str(exc.value)


def test_copying_bad_input():
    with pytest.raises(TnrankError, match="delay B"):
        CopyingTask(m=3, n=4, delay=-1)
    with pytest.raises(TnrankError, match="unknown task"):
        make_task("adding", 10, 2, 2)


def test_macs_by_hand():
    # LSTM, V = 10, width 8, depth 2: layer 1 4*8*10 + 4*64 + 24; layer 2 4*64 + 4*64 + 24
    spec = CellSpec("lstm", vocab=10, classes=9)
    assert network_macs(spec, 2, 8) == (320 + 256 + 24) + (256 + 256 + 24)
    # EURNN, V = 6, N = 4, K = 3: 2*4*6 + 8*4*3 + 16 + 12
    assert network_macs(CellSpec("eurnn", vocab=6, classes=5, capacity=3), 1, 4) == 48 + 96 + 28
    # RAC, V = 5, M = 3, R = 2, depth 2: (15 + 6 + 4 + 2) + (4 + 4 + 2)
    assert network_macs(CellSpec("rac", vocab=5, classes=4, representation=3), 2, 2) == 27 + 10
    assert network_params(CellSpec("rac", vocab=5, classes=4, representation=3), 2, 2) == 15 + 6 + 4 + 8 + 8


def test_match_width_within_tolerance_and_errors():
    spec = CellSpec("eurnn", vocab=34, classes=33, capacity=2)
    for depth in (1, 2, 3, 4):
        w = match_width(spec, depth, 20000, 0.05)
        assert abs(network_macs(spec, depth, w) - 20000) <= 0.05 * 20000
        # nearest: neither neighbour is closer
        for other in (w - 1, w + 1):
            assert abs(network_macs(spec, depth, other) - 20000) >= abs(network_macs(spec, depth, w) - 20000)
    with pytest.raises(TnrankError, match="too small for depth 3") as exc:
        match_width(spec, 3, 200)
    assert "\n" not in str(exc.value) and "--macs" in str(exc.value)
    with pytest.raises(TnrankError, match="within 1%"):
        match_width(CellSpec("lstm", vocab=2, classes=2), 1, 50, 0.01)


def test_presets_are_valid_sweeps():
    from tnrank.experiments.presets import PRESETS

    for task, presets in PRESETS.items():
        for name, p in presets.items():
            tasks = [make_task(task, v, p["m"], p["n"]) for v in p["values"]]
            spec = CellSpec("eurnn", vocab=tasks[0].vocab, classes=tasks[0].classes, capacity=2)
            widths = [match_width(spec, d, p["macs"]) for d in p["depths"]]
            assert widths == sorted(widths, reverse=True), (task, name)  # deeper is narrower
    assert PRESETS["copying"]["paper"]["m"] == 30 and PRESETS["copying"]["paper"]["n"] == 32
