import itertools

import numpy as np
import pytest
from oracle import naive_grid

import tnrank.grid as grid_module
from tnrank import (
    PRIME,
    Architecture,
    Layer,
    Partition,
    TnrankError,
    grid_matrix,
    grid_tensor,
    matricize,
    random_weights,
    sample_matrix,
)

ARCHS = [
    Architecture.rac(1, 2, 2),
    Architecture.rac(2, 2, 3),
    Architecture.rac(3, [2, 1, 2], 2),
    Architecture(M=2, layers=[Layer(2, integration="additive"), Layer(2, ("input", "layer1"), "general")],
                 initial="state"),
]


@pytest.mark.parametrize("arch", ARCHS, ids=lambda a: a.describe()[:40])
def test_grid_tensor_matches_sequence_by_sequence_evaluation(arch):
    w = random_weights(arch, seed=2, prime=PRIME)
    T = 4
    eye = np.eye(arch.M, dtype=np.int64)
    assert grid_tensor(w, T).tolist() == naive_grid(w, T, eye, PRIME).tolist()
    templates = np.random.default_rng(0).integers(0, PRIME, size=(arch.M, 3))
    assert grid_tensor(w, T, templates).tolist() == naive_grid(w, T, templates, PRIME).tolist()


@pytest.mark.parametrize("spec", ["start-end", "interleaved", "0,3,4", "1,2", "5"])
def test_grid_matrix_is_the_matricization_of_the_grid_tensor(spec, monkeypatch):
    arch = Architecture.rac(2, 2, 2)
    w = random_weights(arch, seed=4, prime=PRIME)
    part = Partition.parse(spec, 6)
    full = grid_tensor(w, 6)
    expected = matricize(full, part)
    assert np.array_equal(grid_matrix(w, part), expected)
    # force the block-by-block path (first steps fixed one assignment at a time)
    monkeypatch.setattr(grid_module, "_BLOCK", 2)
    assert np.array_equal(grid_matrix(w, part), expected)


def test_matricize_orders_rows_by_start_steps():
    A = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    m = matricize(A, "1")
    assert m.shape == (3, 8)
    assert m[2, 5] == A[1, 2, 1]  # column 5 = (d0, d2) = (1, 1)


@pytest.mark.parametrize("spec", ["start-end", "interleaved", "1,2,5"])
def test_sample_matrix_equals_grid_rows_and_columns(spec):
    arch = Architecture.rac(2, 3, 2)
    w = random_weights(arch, seed=7, prime=PRIME)
    part = Partition.parse(spec, 6)
    G = grid_matrix(w, part)
    eye = np.eye(2, dtype=np.int64)
    rows = np.array(list(itertools.product(range(2), repeat=len(part.start))))
    cols = np.array(list(itertools.product(range(2), repeat=len(part.end))))
    pick_r, pick_c = [5, 0, 3], [1, 6, 2, 7]
    Y = sample_matrix(w, part, eye[rows[pick_r]], eye[cols[pick_c]])
    assert np.array_equal(Y, G[np.ix_(pick_r, pick_c)])


def test_float_grid_matches_modular_grid_for_integer_weights():
    arch = Architecture.rac(2, 2, 2)
    wm = random_weights(arch, seed=1, prime=PRIME)
    small = random_weights(arch, seed=1, prime=5)  # residues in 0..4: exact in float64
    wf = small.to_float()
    Gf = grid_tensor(wf, 4)
    assert (np.round(Gf).astype(np.int64) % PRIME).tolist() == grid_tensor(small.reduced(PRIME), 4).tolist()
    assert wm.prime == PRIME


def test_too_large_full_grid_names_size_and_sampled_mode():
    w = random_weights(Architecture.rac(2, 2, 4), prime=PRIME)
    with pytest.raises(TnrankError, match=r"4,294,967,296 entries \(32.0 GiB.*sampled mode"):
        grid_matrix(w, Partition.parse("start-end", 16))


def test_bad_templates():
    w = random_weights(Architecture.rac(1, 2, 3), prime=PRIME)
    with pytest.raises(TnrankError, match="templates must be an array of shape"):
        grid_tensor(w, 3, templates=np.ones((2, 2)))
