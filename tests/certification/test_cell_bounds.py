"""Degree bounds of cells: the symbolic run against the closed recurrences of the paper's
layers, against expansions of the polynomial, and structure lowering the state-degree bound."""

import numpy as np
import pytest
from cell_oracle import CellOracle
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import architectures

from tnrank import PRIME, Architecture, Cell, Layer, Partition, certify, random_weights
from tnrank.certification import bounds, degrees
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
