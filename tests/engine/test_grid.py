import itertools

import numpy as np
import pytest
from oracle import naive_grid

import tnrank.engine.grid as grid_module
from tnrank import (
    PRIME,
    Architecture,
    Layer,
    Partition,
    TnrankError,
    grid_tensor,
    matricize,
    random_weights,
    sample_matrix,
)
from tnrank.engine.grid import grid_matrix
from tnrank.primes import SECOND_PRIME

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


def test_float_grid_and_modular_grids_reduce_the_exact_integer_grid():
    arch = Architecture.rac(2, 2, 2)
    small = random_weights(arch, seed=1, prime=5)  # residues in 0..4: exact in float64
    eye = np.eye(2, dtype=np.int64)
    # brute force with Python integers: a Mersenne prime far above every entry never reduces
    exact = naive_grid(small, 4, eye, 2**127 - 1)
    assert PRIME < max(exact.flat) < 2**53  # reduction mod PRIME matters; float64 is exact
    assert np.array_equal(grid_tensor(small.to_float(), 4), exact.astype(np.float64))
    for p in (PRIME, SECOND_PRIME):
        assert grid_tensor(small.reduced(p), 4).tolist() == (exact % p).tolist()


def test_too_large_full_grid_names_size_and_sampled_mode():
    w = random_weights(Architecture.rac(2, 2, 4), prime=PRIME)
    with pytest.raises(TnrankError, match=r"4,294,967,296 entries \(32.0 GiB.*sampled mode"):
        grid_matrix(w, Partition.parse("start-end", 16))


def test_bad_templates():
    w = random_weights(Architecture.rac(1, 2, 3), prime=PRIME)
    with pytest.raises(TnrankError, match="templates must be an array of shape"):
        grid_tensor(w, 3, templates=np.ones((2, 2)))


FOLDABLE = [
    Architecture.rac(1, 3, 2),
    Architecture.rac(2, 3, 2),
    Architecture.rac(3, [2, 3, 2], 3),
    # the input-only layer feeds two layers and the output: every consumer of the folded state
    Architecture(M=2, layers=[Layer(2), Layer(3, ("input", "layer1"), "general"),
                              Layer(2, ("layer1", "layer2"), "additive")],
                 output=("layer1", "layer3")),
    Architecture(M=2, layers=[Layer(2), Layer(2, ("layer1",))], initial="state"),
]


@pytest.mark.parametrize("arch", FOLDABLE, ids=lambda a: a.describe()[:40])
@pytest.mark.parametrize("prime", [PRIME, None])
def test_sample_matrix_with_a_folded_layer_matches_sequence_by_sequence(arch, prime):
    # start-end samples fold the input-only layer into per-column matrices; the naive
    # recurrence (Python numbers, one sequence at a time) is the reference
    from oracle import naive_output

    part = Partition.parse("start-end", 6)
    w = random_weights(arch, seed=3, prime=prime)
    rng = np.random.default_rng(4)
    if prime is None:
        rows, cols = rng.standard_normal((5, 3, arch.M)), rng.standard_normal((4, 3, arch.M))
    else:
        rows, cols = rng.integers(0, prime, (5, 3, arch.M)), rng.integers(0, prime, (4, 3, arch.M))
    Y = sample_matrix(w, part, rows, cols)
    expected = np.array([[naive_output(w, np.concatenate([s, e]), prime) for e in cols] for s in rows])
    if prime is None:
        assert np.allclose(Y, expected, rtol=1e-9, atol=0)
    else:
        assert Y.tolist() == expected.tolist()


def test_sample_matrix_writes_into_a_given_view():
    arch = Architecture.rac(2, 2, 2)
    w = random_weights(arch, seed=1, prime=PRIME)
    part = Partition.parse("start-end", 4)
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, PRIME, (3, 2, 2)), rng.integers(0, PRIME, (5, 2, 2))
    buffer = np.full((6, 8), -1, dtype=np.int64)
    got = sample_matrix(w, part, rows, cols, out=buffer[1:4, 2:7])
    assert np.shares_memory(got, buffer)
    assert np.array_equal(buffer[1:4, 2:7], sample_matrix(w, part, rows, cols))
    assert (buffer[0] == -1).all() and (buffer[:, :2] == -1).all()
    swapped = Partition.parse("2,3", 4)  # the first step is an end step: computed transposed
    buffer[...] = -1
    sample_matrix(w, swapped, rows, cols, out=buffer[:3, :5])
    assert np.array_equal(buffer[:3, :5], sample_matrix(w, swapped, rows, cols))
    with pytest.raises(TnrankError, match="out must be"):
        sample_matrix(w, part, rows, cols, out=np.empty((3, 4), dtype=np.int64))
