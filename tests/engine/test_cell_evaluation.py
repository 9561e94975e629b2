"""The batched cell engine against a direct numpy implementation of each operation's formula,
mod p and over the reals; grids and sample matrices of cells against an independent oracle."""

import numpy as np
import pytest
from cell_oracle import CellOracle, dense
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrank import PRIME, Architecture, Cell, Layer, Partition, evaluate, random_weights, sample_matrix
from tnrank.engine.grid import grid_matrix
from tnrank.model.cell import CellState, CellWeight

# (output formula, extra weights, the same formula in numpy on the values env and weights W)
OPERATIONS = {
    "linear map": ("A @ x", {"A": ("h", "x")}, lambda e, W: W["A"] @ e["x"]),
    "transposed map": ("x @ P", {"P": ("x", "h")}, lambda e, W: e["x"] @ W["P"]),
    "diagonal map": ("D @ h", {"D": CellWeight.diagonal("h")}, lambda e, W: W["D"] @ e["h"]),
    "identity": ("I @ h", {"I": CellWeight.identity("h")}, lambda e, W: e["h"]),
    "low rank map": ("L @ x", {"L": CellWeight.low_rank("h", "x", 1)}, lambda e, W: W["L"] @ e["x"]),
    "tied weights": ("A @ x + At @ x", {"A": ("h", "x"), "At": CellWeight.tied_to("A")},
                     lambda e, W: 2 * (W["A"] @ e["x"])),
    "elementwise product": ("h * (A @ x)", {"A": ("h", "x")}, lambda e, W: e["h"] * (W["A"] @ e["x"])),
    "sum and difference": ("h + A @ x - 2 * h", {"A": ("h", "x")},
                           lambda e, W: e["h"] + W["A"] @ e["x"] - 2 * e["h"]),
    "negation and constant": ("-h + 3", {}, lambda e, W: -e["h"] + 3),
    "power": ("h ** 3", {}, lambda e, W: e["h"] ** 3),
    "vector and scalar weights": ("b * h + g * h", {"b": ("h",), "g": ()},
                                  lambda e, W: W["b"] * e["h"] + W["g"] * e["h"]),
    "matrix times vector": ("(S @ (E @ x)) @ R", {"E": (3, "x"), "R": (2, "h")},
                            lambda e, W: (e["S"] @ (W["E"] @ e["x"])) @ W["R"]),
    "vector times matrix": ("((F @ x) @ S) @ P2", {"F": (2, "x"), "P2": (3, "h")},
                            lambda e, W: ((W["F"] @ e["x"]) @ e["S"]) @ W["P2"]),
    "dot product": ("(h @ h) * h", {}, lambda e, W: (e["h"] @ e["h"]) * e["h"]),
    "outer product": ("(outer(F @ x, E @ x) @ (E @ x)) @ R", {"F": (2, "x"), "E": (3, "x"), "R": (2, "h")},
                      lambda e, W: (np.outer(W["F"] @ e["x"], W["E"] @ e["x"]) @ (W["E"] @ e["x"])) @ W["R"]),
    "row gating": ("(rows(F @ x, S) @ (E @ x)) @ R", {"F": (2, "x"), "E": (3, "x"), "R": (2, "h")},
                   lambda e, W: ((W["F"] @ e["x"])[:, None] * e["S"] @ (W["E"] @ e["x"])) @ W["R"]),
    "column gating": ("(cols(E @ x, S) @ (E @ x)) @ R", {"E": (3, "x"), "R": (2, "h")},
                      lambda e, W: (((W["E"] @ e["x"])[None, :] * e["S"]) @ (W["E"] @ e["x"])) @ W["R"]),
    "weight on a matrix": ("((G @ S) @ (E @ x))", {"G": ("h", 2), "E": (3, "x")},
                           lambda e, W: (W["G"] @ e["S"]) @ (W["E"] @ e["x"])),
    "dense matrix weight elementwise": ("((Z * S) @ (E @ x)) @ R",
                                        {"Z": (2, 3), "E": (3, "x"), "R": (2, "h")},
                                        lambda e, W: ((W["Z"] * e["S"]) @ (W["E"] @ e["x"])) @ W["R"]),
    "bilinear": ("bilinear(T, h, x)", {"T": ("h", "h", "x")},
                 lambda e, W: np.array([sum(W["T"][i, j, k] * e["h"][j] * e["x"][k]
                                            for j in range(len(e["h"])) for k in range(len(e["x"])))
                                        for i in range(W["T"].shape[0])], dtype=object)),
}


def _one_step_cell(expr, weights, n):
    """A cell whose learned initial states h (n,) and S (2, 3) are kept, and whose output is
    ``expr``: one step evaluates exactly the formula on x and the initial states."""
    return Cell(state={"h": CellState((n,), "state"), "S": CellState((2, 3), "state")},
                weights=weights, update={"h": "h", "S": "S"}, output=expr)


def _direct(weights, formula, x, prime):
    """y = w · formula(x, h0, S0) with numpy, entries as Python ints mod p or floats."""
    arch = weights.architecture
    conv = (lambda a: np.asarray(a).astype(object)) if prime is not None else \
        (lambda a: np.asarray(a, dtype=float))
    cell = arch.layers[0].cell
    W = {}
    for name in cell.weights:
        full = dense(weights, 0, name)
        W[name] = conv(full) if prime is None else conv(full)
        if prime is None:
            W[name] = np.asarray(full, dtype=float)
    params = weights.cell(0)
    env = {"x": conv(x), "h": conv(params.initial["h"]), "S": conv(params.initial["S"])}
    out = np.atleast_1d(formula(env, W))
    y = conv(weights.output[0]) @ out
    return int(y) % prime if prime is not None else float(y)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
@settings(max_examples=6, deadline=None)
@given(M=st.integers(1, 3), n=st.integers(1, 3), seed=st.integers(0, 10**6))
def test_each_operation_matches_its_formula_mod_p_and_in_float(name, M, n, seed):
    expr, weights, formula = OPERATIONS[name]
    arch = Architecture(M=M, layers=[Layer(cell=_one_step_cell(expr, weights, n))])
    x = np.random.default_rng(seed).integers(-3, 4, size=(4, 1, M))
    wm = random_weights(arch, seed=seed, prime=PRIME)
    assert evaluate(wm, x).tolist() == [_direct(wm, formula, s[0] % PRIME, PRIME) for s in x]
    wf = random_weights(arch, seed=seed)
    np.testing.assert_allclose(evaluate(wf, x), [_direct(wf, formula, s[0], None) for s in x],
                               rtol=1e-9, atol=1e-9)


GALLERY_LIKE = {
    "selective": Cell(state={"h": 2}, weights={"A": ("h", "x"), "B": ("h", "x"), "C": ("h", "x")},
                      update={"h": "(A @ x) * h + B @ x"}, output="(C @ x) * h"),
    "gated matrix": Cell(state={"S": (2, 2)}, weights={"Q": (2, "x"), "K": (2, "x"), "G": (2, "x")},
                         update={"S": "rows(G @ x, S) + outer(K @ x, K @ x)"}, output="(Q @ x) @ S"),
    "two states": Cell(state={"h": 2, "c": CellState((2,), "ones")},
                       weights={"A": ("h", "x"), "B": ("h", "h")},
                       terms={"m": "(A @ x) * (B @ h)"}, update={"c": "m * c + A @ x", "h": "c * m"},
                       output="h + c"),
}


def _stack(cell_a, cell_b=None):
    layers = [Layer(cell=cell_a, name="one")]
    if cell_b is not None:
        layers.append(Layer(cell=cell_b, name="two"))
    return Architecture(M=2, layers=layers)


ARCHS = {name: _stack(c) for name, c in GALLERY_LIKE.items()}
ARCHS["stack"] = _stack(GALLERY_LIKE["selective"], GALLERY_LIKE["two states"])
ARCHS["reads a state"] = Architecture(M=2, layers=[
    Layer(cell=GALLERY_LIKE["selective"], name="one"),
    Layer(cell=Cell(state={"g": 2}, weights={"W": ("g", "x")}, update={"g": "(W @ x) * one.h + g"}),
          name="two", sources=("input",))], output=["one", "two"])


@pytest.mark.parametrize("name", sorted(ARCHS))
@pytest.mark.parametrize("prime", [PRIME, None])
def test_sequences_match_the_oracle(name, prime):
    arch = ARCHS[name]
    rng = np.random.default_rng(4)
    w = random_weights(arch, seed=5, prime=prime)
    if prime is None:
        x = rng.standard_normal((3, 5, arch.M))
        np.testing.assert_allclose(evaluate(w, x), [CellOracle(w).run(s) for s in x], rtol=1e-9)
    else:
        x = rng.integers(0, prime, size=(3, 5, arch.M))
        assert evaluate(w, x).tolist() == [CellOracle(w, prime).run(s) for s in x]


@pytest.mark.parametrize("name", sorted(ARCHS))
def test_grid_and_sample_matrices_match_the_oracle(name):
    arch = ARCHS[name]
    w = random_weights(arch, seed=1, prime=PRIME)
    oracle = CellOracle(w, PRIME)
    part = Partition.parse("start-end", 4)
    G = grid_matrix(w, part)
    eye = np.eye(arch.M, dtype=np.int64)
    for i, j in [(0, 0), (1, 2), (3, 3), (2, 1)]:
        seq = [eye[(i >> 1) & 1], eye[i & 1], eye[(j >> 1) & 1], eye[j & 1]]
        assert int(G[i, j]) == oracle.run(seq)
    rng = np.random.default_rng(2)
    rows = rng.integers(0, PRIME, size=(5, 2, arch.M))
    cols = rng.integers(0, PRIME, size=(4, 2, arch.M))
    Y = sample_matrix(w, part, rows, cols)
    assert Y.tolist() == [[oracle.run([*r, *c]) for c in cols] for r in rows]
    inter = Partition.parse("interleaved", 4)
    Yi = sample_matrix(w, inter, rows, cols)
    assert int(Yi[1, 2]) == oracle.run([rows[1][0], cols[2][0], rows[1][1], cols[2][1]])


def test_gaussian_evaluation_matches_the_oracle_in_each_component():
    """Over GF(q²) with real weights and inputs, the values are those mod q (imaginary part 0)."""
    from tnrank import Weights
    from tnrank.field import GF
    from tnrank.primes import GAUSSIAN_PRIME as q

    arch = ARCHS["stack"]
    w = random_weights(arch, seed=3, prime=q)
    # the same residues as Gaussian integers
    real = Weights.from_arrays(arch, [None, None], [None, None], list(w.output),
                               cells=[c.as_mapping() for c in w.cells], prime=GF(q, 2))
    x = np.random.default_rng(0).integers(0, q, size=(3, 4, 2))
    got = evaluate(real, x)
    want = [CellOracle(w, q).run(s) for s in x]
    assert [int(round(v.real)) % q for v in got] == want and all(v.imag == 0 for v in got)
    assert np.iscomplexobj(evaluate(random_weights(arch, seed=3, prime=GF(q, 2)), x))


def test_an_output_that_is_identically_zero_gives_zeros():
    cell = Cell(state={"h": 2}, weights={"A": ("h", "x")}, update={"h": "(A @ x) * h"})
    arch = Architecture(M=2, layers=[Layer(cell=cell)])
    y = evaluate(random_weights(arch, seed=0, prime=PRIME), np.ones((3, 4, 2), dtype=np.int64))
    assert y.tolist() == [0, 0, 0]


REUSE = Cell(state={"h": 2, "c": 2},
             weights={"A": ("h", "x"), "B": ("h", "h"), "D": CellWeight.diagonal("h"),
                      "I": CellWeight.identity("h")},
             terms={"m": "(A @ x) * (B @ h)", "u": "m * m + D @ c", "v": "I @ (m + c)"},
             update={"c": "(u - m) * c + A @ x", "h": "-(u * (D @ h)) + m + A @ x + v * h"},
             output="h * c + u * v + (m + c)")


@pytest.mark.parametrize("prime", [PRIME, None])
def test_results_written_into_operands_leave_weights_inputs_and_states_alone(prime):
    """Values read once take their readers' results in place: the weights, the inputs and
    the states a later step reads keep their values, so evaluating again gives the same
    outputs, which equal the oracle's."""
    arch = Architecture(M=2, layers=[Layer(cell=REUSE)])
    w = random_weights(arch, seed=3, prime=prime)
    rng = np.random.default_rng(8)
    x = rng.integers(0, PRIME, size=(4, 5, 2)) if prime else rng.standard_normal((4, 5, 2))
    before = ([a.copy() for arrays in w.cell(0).weights.values() for a in arrays], x.copy())
    first, second = evaluate(w, x), evaluate(w, x)
    after = [a for arrays in w.cell(0).weights.values() for a in arrays]
    assert all(np.array_equal(a, b) for a, b in zip(before[0], after, strict=True))
    assert np.array_equal(before[1], x) and np.array_equal(first, second)
    if prime is None:
        np.testing.assert_allclose(first, [CellOracle(w).run(s) for s in x], rtol=1e-9)
    else:
        assert first.tolist() == [CellOracle(w, prime).run(s) for s in x]
    part = Partition.parse("start-end", 4)
    rows, cols = x[:, :2], x[:, 2:4]
    if prime is not None:  # a sample matrix: states carried over from the start rows
        assert sample_matrix(w, part, rows, cols).tolist() == [
            [CellOracle(w, prime).run(np.concatenate([r, c])) for c in cols] for r in rows]


@pytest.mark.parametrize("prime", [PRIME, None])
def test_a_constant_update_of_a_zero_state_fills_the_state(prime):
    """``B @ h + 2`` from h = 0 makes every entry of h equal 2 after the first step (the
    constant is a scalar, the state a vector): the next step's map reads both entries."""
    cell = Cell(state={"h": 2}, weights={"B": ("h", "h"), "T": ("h", "h", "h")},
                update={"h": "B @ h + 2"}, output="bilinear(T, h, h) + B @ h")
    arch = Architecture(M=2, layers=[Layer(cell=cell)])
    w = random_weights(arch, seed=2, prime=prime)
    x = np.random.default_rng(1).integers(0, 5, size=(3, 3, 2))
    if prime is None:
        np.testing.assert_allclose(evaluate(w, x), [CellOracle(w).run(s) for s in x], rtol=1e-9)
    else:
        assert evaluate(w, x).tolist() == [CellOracle(w, prime).run(s) for s in x]


def test_a_term_only_the_output_reads_sees_the_states_before_the_step():
    """``m`` reads the previous ``h``, which no update reads, and only the output reads ``m``:
    the output, computed after the update, still reads the state the step started from."""
    cell = Cell(state={"h": CellState((2,), "state")}, weights={"A": ("h", "x"), "B": ("h", "h")},
                terms={"m": "B @ h"}, update={"h": "A @ x"}, output="m * h")
    arch = Architecture(M=2, layers=[Layer(cell=cell)])
    w = random_weights(arch, seed=6, prime=PRIME)
    x = np.random.default_rng(2).integers(0, PRIME, size=(3, 3, 2))
    assert evaluate(w, x).tolist() == [CellOracle(w, PRIME).run(s) for s in x]
