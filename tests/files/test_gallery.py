"""Every file of the graphs/ gallery: well formed, evaluated, certified; the index is current."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from cell_oracle import CellOracle, sample_rank
from oracle import naive_output

import tnrank
from tnrank import PRIME, certify, evaluate, random_weights
from tnrank.cli import main
from tnrank.engine.symbolic import cut_state_degree
from tnrank.files.architecture_file import load as load_architecture

ROOT = Path(__file__).resolve().parents[2]
GRAPHS = ROOT / "graphs"
GALLERY = sorted(GRAPHS.glob("*.toml"))
IDS = [p.stem for p in GALLERY]

#: What the gallery must ship, by file: the paper's circuits and their variants, then today's
#: recurrences as polynomial cells.
REQUIRED = {"shallow_rac", "deep_rac_2", "deep_rac_3", "deep_rac_4", "wide_shallow_rac",
            "bottleneck", "skip_input", "linear_rnn", "mi_rnn", "tt_rnn"}
CELLS = {"lru", "mamba_s6", "rg_lru", "linear_attention", "retnet", "gla", "second_order_rnn",
         "multiplicative_lstm", "mamba_s6_stack", "linear_attention_stack"}
CELL_FILES = [GRAPHS / f"{name}.toml" for name in sorted(CELLS)]


def _reference(arch):
    """y for one sequence by the independent reading of the recurrence."""
    return (lambda w, seq, prime=None: CellOracle(w, prime).run(seq)) if arch.has_cells \
        else naive_output


def test_gallery_ships_every_required_architecture():
    assert REQUIRED | CELLS <= set(IDS)


@pytest.mark.parametrize("path", GALLERY, ids=IDS)
def test_each_file_says_what_question_it_answers(path):
    arch = load_architecture(path)
    assert arch.name and arch.reference
    assert arch.description.endswith("?") and len(arch.description) < 140


@pytest.mark.parametrize("path", GALLERY, ids=IDS)
def test_evaluation_float_and_exact_match_the_plain_recurrence(path):
    arch = load_architecture(path)
    rng = np.random.default_rng(1)
    x = rng.integers(-2, 3, size=(3, 5, arch.M))
    reference = _reference(arch)
    exact = random_weights(arch, seed=3, prime=PRIME)
    y = evaluate(exact, x)
    assert [int(v) for v in y] == [reference(exact, seq, PRIME) for seq in x]
    w = random_weights(arch, seed=3)
    assert np.allclose(evaluate(w, x), [reference(w, seq) for seq in x], rtol=1e-10, atol=0)


@pytest.mark.parametrize("path", GALLERY, ids=IDS)
def test_certify_at_small_T_is_consistent(path):
    arch = load_architecture(path)
    for spec in ("start-end", "interleaved"):
        rep = certify(arch, 4, spec)
        for res in (rep.grid, rep.separation):
            assert res.status != "inconsistent" and res.lower <= res.upper
            assert res.lower >= 1 and all(v >= res.lower for v in res.bounds.values())
        assert rep.grid.lower <= rep.separation.upper  # grid rank <= separation rank
        assert rep.grid.upper <= arch.M ** 2  # one-hot grid of T/2 = 2 start steps


def test_parameter_counts_match_hand_counts():
    """R·D + R² per layer (+4R general, +R explicit h^0) plus the output weights."""
    count = {p.stem: load_architecture(p).parameter_count() for p in GALLERY}
    M, R = 2, 3
    layer1, upper = R * M + R * R, R * R + R * R
    assert count["shallow_rac"] == layer1 + R == 18
    assert count["deep_rac_3"] == layer1 + 2 * upper + R == 54
    assert count["wide_shallow_rac"] == 6 * M + 36 + 6 == count["deep_rac_3"]  # same budget
    assert count["bottleneck"] == layer1 + (1 * R + 1) + (R * 1 + R * R) + R
    assert count["skip_input"] == layer1 + 2 * (R * (R + M) + R * R) + R
    assert count["mi_rnn"] == layer1 + 4 * R + R
    assert count["tt_rnn"] == layer1 + R + R


@pytest.mark.parametrize("path", CELL_FILES, ids=sorted(CELLS))
def test_cell_files_name_their_paper_and_polynomial_form_and_round_trip(path, tmp_path):
    arch = load_architecture(path)
    assert arch.has_cells
    assert "arXiv" in arch.reference or "1992" in arch.reference  # the source paper
    assert "polynomial form" in arch.reference  # the simplification that makes it a polynomial
    tnrank.save(tnrank.load(path), tmp_path / path.name)
    assert (tmp_path / path.name).read_bytes() == path.read_bytes()


def test_cells_are_sized_in_pairs_with_the_racs():
    """Every single-layer cell has the 18 weights of shallow_rac.toml (pairs at equal
    parameters); each state size is that of a RAC of the same depth (pairs at equal state)."""
    arch = {p.stem: load_architecture(p) for p in GALLERY}
    singles = [n for n in CELLS if arch[n].depth == 1]
    assert {arch[n].parameter_count() for n in singles} == {arch["shallow_rac"].parameter_count()}
    assert {n: arch[n].state_size for n in CELLS} == {
        "lru": 2, "mamba_s6": 2, "rg_lru": 2, "second_order_rnn": 2, "multiplicative_lstm": 2,
        "gla": 4, "linear_attention": 6, "retnet": 6, "mamba_s6_stack": 6, "linear_attention_stack": 8}
    assert arch["mamba_s6_stack"].state_size == arch["deep_rac_2"].state_size  # 3 + 3
    assert arch["linear_attention"].state_size == arch["wide_shallow_rac"].state_size  # 6


def test_stacks_have_exact_rac_partners_in_parameters_and_in_state():
    """Each two-layer stack has a depth-2 RAC file of exactly its parameter count and one of
    exactly its state size; the counts are checked against hand counts (a dense r × c map has
    r·c weights, a rank-1 one r + c; a RAC layer of width R on D inputs has R·D + R²)."""
    arch = {p.stem: load_architecture(p) for p in GALLERY}
    M = 2
    s6_first, s6_second = 4 * 3 * M, 3 * 3 * 3 + (3 + 3)  # A, B, U, C; the second A of rank 1
    attention = 3 * 2 * 2  # Q, K, V of shape 2 × (input of 2 entries)
    hand = {"mamba_s6_stack": s6_first + s6_second + 3, "linear_attention_stack": 2 * attention + 2,
            "deep_rac_2": (3 * M + 9) + (9 + 9) + 3, "deep_rac_2_wide": (4 * M + 16) + (16 + 16) + 4,
            "deep_rac_2_narrow": (2 * M + 4) + (3 * 2 + 9) + 3}
    assert {n: arch[n].parameter_count() for n in hand} == hand
    racs = [n for n in arch if not arch[n].has_cells and arch[n].depth == 2]
    for stack in ("mamba_s6_stack", "linear_attention_stack"):
        a = arch[stack]
        assert [n for n in racs if arch[n].parameter_count() == a.parameter_count()], stack
        assert [n for n in racs if arch[n].state_size == a.state_size], stack
    assert hand["mamba_s6_stack"] == hand["deep_rac_2_wide"] == 60
    assert hand["linear_attention_stack"] == hand["deep_rac_2_narrow"] == 26


@pytest.mark.parametrize("path", CELL_FILES, ids=sorted(CELLS))
def test_certified_ranks_of_cells_equal_an_independent_evaluation(path):
    """For T <= 6 the certified separation rank is the rank of [y(s_i, e_j)] with every entry
    evaluated by the independent oracle over the same prime (rank mod p by flint), and it never
    exceeds state + 1 where y is affine in the states at the cut."""
    arch = load_architecture(path)
    w = random_weights(arch, seed=11, prime=PRIME)
    for T in (2, 4, 6):
        res = certify(arch, T).separation
        assert res.status in ("exact", "generic-whp")
        assert sample_rank(w, T, PRIME, samples=res.lower + 2) == res.lower
        if cut_state_degree(arch, T - T // 2) <= 1:
            assert res.upper <= arch.state_size + 1


def test_index_is_generated_and_up_to_date(capsys, monkeypatch):
    """graphs/README.md is the output of the command it quotes: regenerate and compare."""
    index = (GRAPHS / "README.md").read_text(encoding="utf-8")
    command = "tnrank analyze graphs -T 2 4 6 --markdown"
    assert f"Generated by `{command}`" in index
    monkeypatch.chdir(ROOT)
    assert main(command.split()[1:] + ["-q"]) == 0
    out = capsys.readouterr().out
    assert out == index, "graphs/README.md is stale: run `" + command + " > graphs/README.md`"
    for p in GALLERY:
        assert f"[{p.name}]({p.name})" in index


def test_index_numbers_are_the_certified_ranks():
    """Spot-check the index against closed forms (independent of the renderer)."""
    index = (GRAPHS / "README.md").read_text(encoding="utf-8")
    sep = index.split("## Separation rank")[1].split("## Grid rank")[0]
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in sep.splitlines() if line.startswith("| [")}
    # Theorem 1, depth 1: min{R, M^(T/2)} for T = 2, 4, 6 with M = 2
    assert rows["[shallow_rac.toml](shallow_rac.toml)"] == [f"{min(3, 2 ** n)} exact" for n in (1, 2, 3)]
    assert rows["[wide_shallow_rac.toml](wide_shallow_rac.toml)"] == [f"{min(6, 2 ** n)} exact"
                                                                    for n in (1, 2, 3)]
    assert rows["[linear_rnn.toml](linear_rnn.toml)"] == ["2 exact", "2 exact", "2 exact"]
    assert rows["[tt_rnn.toml](tt_rnn.toml)"] == rows["[shallow_rac.toml](shallow_rac.toml)"]
    # the bottleneck's cap C(R_1 + n_1 - 1, n_1), n_1 = C(T/2 + 1, 2) (docs/architecture-files.md)
    for cell, n in zip(rows["[bottleneck.toml](bottleneck.toml)"], (1, 2, 3), strict=True):
        upper = int(cell.removesuffix(" exact").split("..")[-1])
        assert upper <= math.comb(3 + math.comb(n + 1, 2) - 1, math.comb(n + 1, 2))
