"""Trainable cells: unitarity, vectorized rotations, MAC counts, RAC == tnrank, learning."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the experiments extra; CI installs it

from oracle import naive_grid, rank_mod_p_naive  # noqa: E402

from tnrank import PRIME, Architecture, Partition, Weights, evaluate  # noqa: E402
from tnrank.engine.grid import grid_matrix, matricize  # noqa: E402
from tnrank.experiments.budget import CellSpec, match_width, network_macs, network_params  # noqa: E402
from tnrank.experiments.cells import EURNNCell, build_network, rotation_layout  # noqa: E402
from tnrank.experiments.counting import count_step_macs  # noqa: E402
from tnrank.experiments.rank_check import trained_rank  # noqa: E402
from tnrank.experiments.tasks import CopyingTask, SimilarityTask  # noqa: E402
from tnrank.experiments.train import TrainConfig, loss_and_accuracy, train  # noqa: E402


def to_residues(a: np.ndarray | None, scale: int = 2**20) -> np.ndarray | None:
    """A float array rounded to multiples of 1/scale, as integers mod PRIME (times scale)."""
    return None if a is None else np.round(np.asarray(a) * scale).astype(np.int64) % PRIME


def integer_weights(w: Weights) -> Weights:
    """The circuit with every weight rounded by :func:`to_residues`, modulo PRIME."""
    def each(arrays):
        return tuple(map(to_residues, arrays))

    return Weights(w.architecture, each(w.input), each(w.hidden), each(w.output), each(w.merge),
                   each(w.initial), PRIME)


def dense_unitary(cell: EURNNCell) -> np.ndarray:
    """Reference: multiply out D F_K ... F_1, one explicit 2x2 rotation at a time."""
    N = cell.width
    U = np.eye(N, dtype=complex)
    for k, (a_idx, b_idx) in enumerate(rotation_layout(N, cell.capacity)):
        F = np.eye(N, dtype=complex)
        for j, (a, b) in enumerate(zip(a_idx, b_idx, strict=True)):
            th, ph = float(cell.theta[k][j].detach()), float(cell.phi[k][j].detach())
            F[a, a], F[a, b] = np.exp(1j * ph) * math.cos(th), -np.exp(1j * ph) * math.sin(th)
            F[b, a], F[b, b] = math.sin(th), math.cos(th)
        U = F @ U
    return np.diag(np.exp(1j * cell.omega.detach().numpy())) @ U


@pytest.mark.parametrize("width, capacity", [(2, 1), (5, 3), (8, 2), (9, 9), (16, 4)])
def test_eurnn_recurrent_matrix_is_unitary_and_matches_dense_reference(width, capacity):
    torch.manual_seed(width * 10 + capacity)
    cell = EURNNCell(3, width, capacity).double()
    U = cell.recurrent_matrix().detach().numpy()
    assert np.abs(U @ U.conj().T - np.eye(width)).max() < 1e-6
    assert np.abs(U - dense_unitary(cell)).max() < 1e-12
    # the vectorized layers on a batch of states equal the dense product
    h = torch.randn(7, width, dtype=torch.complex128)
    out = cell.rotate(h, cell.prepare()).detach().numpy()
    assert np.abs(out - h.numpy() @ dense_unitary(cell).T).max() < 1e-12


def test_eurnn_float32_unitary_to_1e6():
    torch.manual_seed(0)
    cell = EURNNCell(4, 64, 6)
    U = cell.recurrent_matrix().detach().numpy().astype(np.complex128)
    assert np.abs(U @ U.conj().T - np.eye(64)).max() < 1e-6


@pytest.mark.parametrize("cell", ["eurnn", "rac", "lstm"])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_mac_and_parameter_counts_equal_instrumented_counts(cell, depth):
    spec = CellSpec(cell, vocab=7, classes=6, capacity=depth + 1, representation=4)
    for width in (3, 10):
        net = build_network(spec, depth, width, per_step=True, seed=0)
        assert count_step_macs(net) == network_macs(spec, depth, width)
        assert sum(p.numel() for p in net.parameters()) == network_params(spec, depth, width)


def test_instrumented_counter_counts_a_known_product():
    from tnrank.experiments.counting import MacCounter

    a, b = torch.randn(3, 5), torch.randn(5, 2)
    z = torch.randn(4, dtype=torch.complex64)
    with MacCounter() as c:
        a @ b  # 3*5*2
        z * z  # 4 complex products = 16 real
        z * torch.randn(4)  # 2 per element
        a + a  # free
    assert c.macs == 30 + 16 + 8


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_trainable_rac_forward_equals_tnrank_evaluate(depth):
    spec = CellSpec("rac", vocab=5, classes=3, representation=4)
    rng = np.random.default_rng(depth)
    x = rng.integers(0, 5, size=(6, 7))
    net = build_network(spec, depth, 3, per_step=True, seed=depth).double()
    with torch.no_grad():
        logits = net(torch.as_tensor(x)).numpy()  # (batch, T, C)
    for c in range(3):
        weights, F = net.rac_weights(c)
        assert weights.architecture == Architecture.rac(depth, 3, 4)
        for t in (0, 3, 6):  # per-step outputs are the circuit on each prefix (W^H h^0 = 1)
            y = evaluate(weights, F.T[x[:, : t + 1]])
            np.testing.assert_allclose(logits[:, t, c], y, rtol=1e-10, atol=1e-12)


def test_trained_rank_matches_brute_force_grid():
    spec = CellSpec("rac", vocab=3, classes=2, representation=3)
    net = build_network(spec, 2, 2, per_step=False, seed=5).double()
    T = 4
    res = trained_rank(net, T, seed=0)
    # brute force: the network itself on all 3^4 sequences, start steps as rows, ranked by
    # numpy with numpy's tolerance written out
    seqs = np.array(np.meshgrid(*[range(3)] * T, indexing="ij")).reshape(T, -1).T
    with torch.no_grad():
        scores = net(torch.as_tensor(seqs)).numpy()
    for pc in res["per_class"]:
        grid = scores[:, pc["class"]].reshape(9, 9)
        sv = np.linalg.svd(grid, compute_uv=False)
        tol = sv[0] * 9 * np.finfo(np.float64).eps
        assert pc["tol"] == pytest.approx(tol) and pc["sigma_max"] == pytest.approx(sv[0])
        assert np.linalg.matrix_rank(grid, tol=tol) == pc["rank"]
        # an exact rank: the same network with its weights and representation rounded to
        # multiples of 2^-20 (integers mod p), grid entry by entry, textbook elimination
        w, F = net.rac_weights(pc["class"])
        exact = rank_mod_p_naive(matricize(naive_grid(integer_weights(w), T, to_residues(F), PRIME),
                                           "start-end"), PRIME)
        assert pc["rank"] == exact
    # tnrank's grid of the same weights agrees entrywise
    w, F = net.rac_weights(0)
    np.testing.assert_allclose(grid_matrix(w, Partition.parse("start-end", T), templates=F),
                               scores[:, 0].reshape(9, 9), rtol=1e-10, atol=1e-12)
    # the generic rank is the state-degree closed form C(R + T/2 - 1, T/2)·R for depth 2
    generic = math.comb(2 + T // 2 - 1, T // 2) * 2
    assert res["generic"]["exact"] and res["generic"]["lower"] == generic
    assert res["trained_rank"] == max(pc["rank"] for pc in res["per_class"]) <= generic


def test_tiny_copying_configuration_learns():
    torch.set_num_threads(1)
    task = CopyingTask(m=2, n=3, delay=3)
    spec = CellSpec("eurnn", vocab=task.vocab, classes=task.classes, capacity=2)
    width = match_width(spec, 1, 300, 0.2)
    net = build_network(spec, 1, width, per_step=True, seed=0)
    x, y = task.fixed_set(512, "test")
    before = loss_and_accuracy(net, task, x, y)[1]
    res = train(net, task, TrainConfig(steps=600, eval_every=50, batch=64), seed=0)
    assert res.test_accuracy >= 0.95 > before + 0.3  # it learned to copy, well above chance (1/3)
    assert res.curve["val_accuracy"][-1] >= 0.95


def test_tiny_similarity_configuration_learns():
    torch.set_num_threads(1)
    task = SimilarityTask(T=6, m=2, n=2)
    spec = CellSpec("lstm", vocab=task.vocab, classes=3)
    net = build_network(spec, 1, 12, per_step=False, seed=0)
    res = train(net, task, TrainConfig(steps=800, eval_every=50, batch=64, lr=1e-2), seed=0)
    assert res.test_accuracy >= 0.95  # chance is 1/3


def test_overflowing_rac_stops_as_diverged():
    task = CopyingTask(m=2, n=3, delay=40)
    spec = CellSpec("rac", vocab=task.vocab, classes=task.classes, representation=task.vocab)
    net = build_network(spec, 2, 4, per_step=True, seed=0)
    with torch.no_grad():
        for cell in net.cells:
            cell.w_hid.weight.mul_(1e4)  # products of 40+ such factors overflow float32
    res = train(net, task, TrainConfig(steps=50, eval_every=10), seed=0)
    assert res.diverged and res.steps_run == 0 and not res.solved  # stopped before any update
