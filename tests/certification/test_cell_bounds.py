"""Degree bounds of cells: the symbolic run against the closed recurrences of the paper's
layers, against expansions of the polynomial, and structure lowering the state-degree bound."""

import json
from pathlib import Path

import numpy as np
import pytest
from cell_oracle import CellOracle, sample_rank
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import architectures

from tnrank import PRIME, Architecture, Cell, Layer, Partition, certify, random_weights
from tnrank.certification import bounds, degrees
from tnrank.files.architecture_file import load as load_architecture
from tnrank.model.cell import CellState, CellWeight
from tnrank.networks.mincut import min_cut_bound

SELECTIVE = Cell(state={"h": 3}, weights={"A": ("h", "x"), "B": ("h", "x"), "C": ("h", "x")},
                 update={"h": "(A @ x) * h + B @ x"}, output="(C @ x) * h")
MATRIX = Cell(state={"S": (2, 2)}, weights={"Q": (2, "x"), "K": (2, "x"), "V": (2, "x"), "G": (2, "x")},
              update={"S": "rows(G @ x, S) + outer(K @ x, V @ x)"}, output="(Q @ x) @ S")
TWO_STATES = Cell(state={"h": 1, "c": 1}, weights={"A": ("h", "x"), "B": ("h", "h"), "F": ("h", "x")},
                  terms={"m": "(A @ x) * (B @ h)"},
                  update={"c": "(F @ x + m) * c + A @ x", "h": "m * c + F @ x"}, output="h")
CELLS = {"selective": SELECTIVE, "gated matrix": MATRIX, "two states": TWO_STATES}


def arch_of(cell, depth=1):
    layers = [Layer(cell=cell, name=f"l{k}") for k in range(depth)]
    return Architecture(M=2, layers=layers)


@settings(max_examples=40, deadline=None)
@given(arch=architectures(), T=st.sampled_from([2, 4, 6]))
def test_symbolic_degrees_equal_the_closed_recurrences_of_the_papers_layers(arch, T):
    """The symbolic run is a second algorithm for what bounds.py computes by recurrences."""
    for random_inputs in (True, False):
        assert degrees.total_degree_of(arch, T, random_inputs) == \
            bounds.total_degree(arch, T, random_inputs)
    assert degrees.input_degree_ranges_of(arch, T) == bounds._input_degree_ranges(arch, T)
    part = Partition.parse("start-end", T)
    cell_count = degrees.state_monomial_bound(arch, T // 2, T, per_entry=False)
    assert cell_count is None or cell_count >= bounds.state_degree_bound(arch, part)


def _scaled_degree(arch, T, scale_inputs):
    """deg_z y(z·w, z·x) (or y(z·w, x)) for random w, x: the total degree, by expansion."""
    import flint

    ctx = flint.nmod_mpoly_ctx.get(("z",), modulus=PRIME)
    (z,) = ctx.gens()
    w = random_weights(arch, seed=7, prime=PRIME)
    x = np.random.default_rng(7).integers(1, PRIME, size=(T, arch.M))
    seq = [[z * int(v) if scale_inputs else int(v) for v in step] for step in x]
    y = CellOracle(w, PRIME, weight_scale=z).run(seq)
    return y.degrees()[0] if not isinstance(y, int) else 0


@pytest.mark.parametrize("name", sorted(CELLS))
@pytest.mark.parametrize("depth", [1, 2])
def test_total_degree_is_the_degree_of_the_expanded_polynomial(name, depth):
    arch = arch_of(CELLS[name], depth)
    for T in (1, 2, 3):
        for scale_inputs in (True, False):
            assert degrees.total_degree_of(arch, T, scale_inputs) == \
                _scaled_degree(arch, T, scale_inputs)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_input_degree_ranges_are_those_of_the_expansion(name):
    import flint

    arch = arch_of(CELLS[name], 2)
    T, M = 4, arch.M
    names = tuple(f"x{t}_{m}" for t in range(T) for m in range(M))
    ctx = flint.nmod_mpoly_ctx.get(names, modulus=PRIME)
    gens = ctx.gens()
    y = CellOracle(random_weights(arch, seed=3, prime=PRIME), PRIME).run(
        [[gens[t * M + m] for m in range(M)] for t in range(T)])
    per_step = [[sum(e[t * M:(t + 1) * M]) for e in y.monoms()] for t in range(T)]
    assert degrees.input_degree_ranges_of(arch, T) == [(min(d), max(d)) for d in per_step]


@pytest.mark.parametrize("name", sorted(CELLS))
@pytest.mark.parametrize("depth", [1, 2])
def test_certified_ranks_respect_every_bound(name, depth):
    arch = arch_of(CELLS[name], depth)
    for T in (2, 4, 6):
        rep = certify(arch, T)
        for res in (rep.grid, rep.separation):
            assert res.status != "inconsistent" and res.lower <= min(res.bounds.values())
        assert rep.separation.bounds["min-cut"] == min_cut_bound(arch, "start-end", T=T)


@pytest.mark.parametrize("cell, size", [(SELECTIVE, 3), (MATRIX, 4)])
def test_a_layer_linear_in_its_own_state_has_rank_at_most_state_plus_one(cell, size):
    arch = arch_of(cell)
    for T in (2, 4, 6, 8, 10):
        part = Partition.parse("start-end", T)
        assert bounds.state_degree_bound(arch, part) <= size + 1
    assert certify(arch, 8).separation.rank == size + 1 if cell is SELECTIVE else True


def test_making_a_weight_diagonal_lowers_the_degree_bound():
    """h = (D h) ⊙ (E h) + B x: dense D, E mix every entry, so y's monomials in h at the cut are
    all of its degree; diagonal ones keep each entry apart, so only powers of single entries
    appear."""
    def cell(structure):
        W = CellWeight.diagonal("h") if structure == "diagonal" else CellWeight(("h", "h"))
        return Cell(state={"h": 3}, weights={"D": W, "E": W, "B": ("h", "x")},
                    update={"h": "(D @ h) * (E @ h) + B @ x"})

    for T, dense_count, diagonal_count in ((4, 8, 5), (6, 51, 11)):
        part = Partition.parse("start-end", T)
        dense = bounds.state_degree_bound(arch_of(cell("dense")), part)
        diagonal = bounds.state_degree_bound(arch_of(cell("diagonal")), part)
        assert (dense, diagonal) == (dense_count, diagonal_count)
        # and the certified ranks stay below each
        assert certify(arch_of(cell("diagonal")), T).separation.lower <= diagonal


def test_a_state_that_stays_zero_has_no_monomials():
    cell = Cell(state={"h": 2, "g": 2}, weights={"A": ("h", "x")},
                update={"h": "(A @ x) * h + A @ x", "g": "(A @ x) * g"}, output="h + g")
    arch = arch_of(cell)
    part = Partition.parse("start-end", 6)
    assert bounds.state_degree_bound(arch, part) == 3  # g is zero at the cut: h's 2 entries + 1


def test_learned_initial_states_count_as_weights():
    cell = Cell(state={"h": CellState((2,), "state")}, weights={"A": ("h", "x")},
                update={"h": "(A @ x) * h"})
    assert degrees.total_degree_of(arch_of(cell), 1, True) == 1 + 2 + 1  # w·((A x) ⊙ h0)


ROOT = Path(__file__).resolve().parents[2]
GALLERY_CELLS = sorted(p for p in (ROOT / "graphs").glob("*.toml") if load_architecture(p).has_cells)
#: The gallery cells whose certified ranks reach state + 1 in the findings ("Memory of modern
#: recurrences": the selective and gated vector layers and the second-order RNN).
ATTAINED = {"mamba_s6", "rg_lru", "second_order_rnn"}


@pytest.mark.parametrize("path", GALLERY_CELLS, ids=[p.stem for p in GALLERY_CELLS])
def test_the_affine_state_bound_holds_on_the_gallery_and_is_attained_where_the_findings_say(path):
    """Where it applies, N + 1 bounds the rank read off samples evaluated by the independent
    oracle, and equals it exactly for the cells the findings mark attained; where it does not
    apply, the oracle's rank exceeds N + 1 (so y cannot be affine in the states)."""
    arch = load_architecture(path)
    w = random_weights(arch, seed=5, prime=PRIME)
    N = arch.state_size
    for T in (2, 4, 6):
        part = Partition.parse("start-end", T)
        bound = bounds.affine_state_bound(arch, part)
        rank = sample_rank(w, T, PRIME, samples=N + 3)
        if bound is None:
            assert rank > N + 1, (path.stem, T)
            assert "affine state" not in bounds.upper_bounds(arch, part, "separation")
            continue
        assert bound == N + 1 and bounds.upper_bounds(arch, part, "separation")["affine state"] == bound
        assert rank <= bound and (rank == bound) == (path.stem in ATTAINED), (path.stem, T, rank)


def test_the_findings_table_marks_the_affine_state_bound_from_its_results_file():
    """The single layers' results file: the bound holds at every computed T, and a certified
    rank reaches it exactly for the cells marked attained."""
    data = json.loads((ROOT / "docs" / "results" / "modern-single.json").read_text())
    lowers: dict[str, list[int]] = {}
    for row in data["rows"]:
        lowers.setdefault(Path(row["file"]).stem, []).append(row["report"]["separation"]["lower"])
    for path in GALLERY_CELLS:
        if path.stem not in lowers:
            continue
        arch = load_architecture(path)
        bound = bounds.affine_state_bound(arch, Partition.parse("start-end", 8))
        if bound is None:
            continue
        assert max(lowers[path.stem]) <= bound
        assert (bound in lowers[path.stem]) == (path.stem in ATTAINED), path.stem


def test_the_affine_state_bound_is_a_closed_form_in_the_state_shape():
    """N + 1 for a selective vector state of N entries, d_k d_v + 1 for a linear-attention
    state; a second layer reading the first's output makes y quadratic and the form lapses."""
    part = Partition.parse("start-end", 6)
    for n in (1, 2, 4):
        s6 = Cell(state={"h": n}, weights={"A": ("h", "x"), "B": ("h", "x"), "C": ("h", "x")},
                  update={"h": "(A @ x) * h + B @ x"}, output="(C @ x) * h")
        assert bounds.affine_state_bound(arch_of(s6), part) == n + 1
        assert bounds.affine_state_bound(arch_of(s6), Partition.parse("interleaved", 6)) is None
    for dk, dv in ((1, 3), (3, 2), (2, 4)):
        attention = Cell(state={"S": (dk, dv)}, weights={"Q": (dk, "x"), "K": (dk, "x"), "V": (dv, "x")},
                         update={"S": "S + outer(K @ x, V @ x)"}, output="(Q @ x) @ S")
        assert bounds.affine_state_bound(arch_of(attention), part) == dk * dv + 1
    assert bounds.affine_state_bound(arch_of(TWO_STATES), part) is None


def test_degrees_of_a_term_only_the_output_reads_use_the_states_before_the_step():
    """``m`` reads the previous ``h``, which no update reads, and only the output reads ``m``:
    the symbolic run's total degree equals the degree of the expanded polynomial."""
    cell = Cell(state={"h": CellState((2,), "state")}, weights={"A": ("h", "x"), "B": ("h", "h")},
                terms={"m": "B @ h"}, update={"h": "A @ x"}, output="m * h")
    arch = arch_of(cell)
    for T in (1, 2, 3):
        assert degrees.total_degree_of(arch, T, random_inputs=True) == \
            _scaled_degree(arch, T, scale_inputs=True)
