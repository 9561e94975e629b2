import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import naive_grid, rank_mod_p_naive
from strategies import architectures, partitions

from tnrank import PRIME, Architecture, Layer, Partition, TnrankError, certify, random_weights, rank_mod_p
from tnrank.certification.bounds import _input_degree_ranges, _monomials, theorem1_deep_lower
from tnrank.engine.grid import grid_matrix, matricize
from tnrank.model.weights import witness_weights
from tnrank.primes import SECOND_PRIME


def separation_oracle(arch, part, seed=0, prime=PRIME):
    """Separation rank by a second algorithm: the grid on n random templates, with n at least
    the number of monomials each input can carry, equals the separation rank (each step's
    evaluation map on n generic points is injective)."""
    n = max(_monomials(arch.M, *rng_) for rng_ in _input_degree_ranges(arch, part.T))
    templates = np.random.default_rng([seed, 9]).integers(0, prime, size=(arch.M, n))
    w = random_weights(arch, seed=seed, prime=prime)
    return rank_mod_p(grid_matrix(w, part, templates), prime)


@pytest.mark.parametrize("M, R, T", [(2, 2, 4), (2, 3, 6), (3, 2, 8), (3, 3, 6), (2, 5, 8), (4, 3, 4)])
def test_depth_one_rank_is_min_R_and_M_to_the_half(M, R, T):
    rep = certify(Architecture.rac(1, R, M), T, confirm=True)
    expected = min(R, M ** (T // 2))
    for res in (rep.grid, rep.separation):
        assert res.exact and res.rank == expected
    assert rep.grid.confirmations == (expected,)
    assert rep.verdict == "tight"


@pytest.mark.parametrize("M, T", [(2, 2), (2, 6), (2, 10), (3, 4), (3, 8), (4, 6)])
def test_witness_weights_give_exactly_the_multiset_count(M, T):
    arch = Architecture.rac(2, M, M)
    part = Partition.parse("start-end", T)
    expected = math.comb(M + T // 2 - 1, T // 2)
    for seed, prime in ((0, PRIME), (1, SECOND_PRIME)):
        G = grid_matrix(witness_weights(arch, seed=seed, prime=prime), part)
        assert rank_mod_p(G, prime) == expected


@pytest.mark.parametrize("M, R, T", [(2, 2, 8), (2, 3, 6), (3, 2, 6), (3, 3, 10), (4, 2, 6)])
def test_depth_two_generic_rank_between_theorem_and_every_upper_bound(M, R, T):
    rep = certify(Architecture.rac(2, R, M), T, confirm=True)
    bound = theorem1_deep_lower(R, M, T)
    for res in (rep.grid, rep.separation):
        assert res.lower >= bound
        assert all(res.lower <= v for v in res.bounds.values())
        assert res.lower == max((res.lower, *res.confirmations))
    assert rep.theorems[0].verdict in ("holds", "tight")


@pytest.mark.parametrize(
    "arch, spec, T",
    [
        (Architecture.rac(2, 2, 2), "start-end", 4),
        (Architecture.rac(2, 2, 2), "interleaved", 4),
        (Architecture.rac(3, 2, 2), "start-end", 4),
        (Architecture.rac(2, 3, 2), "0,3", 4),
        (Architecture(M=2, layers=[Layer(2, integration="general"), 2]), "start-end", 4),
        (Architecture(M=2, layers=[Layer(2), Layer(2, ("input", "layer1"))], initial="state"),
         "start-end", 4),
    ],
)
def test_separation_rank_agrees_with_a_second_algorithm(arch, spec, T):
    part = Partition.parse(spec, T)
    rep = certify(arch, T, part, confirm=True)
    truth = separation_oracle(arch, part)
    assert rep.separation.lower <= truth <= rep.separation.upper
    if rep.separation.status in ("exact", "generic-whp"):
        assert rep.separation.lower == truth


def test_sampled_grid_reaches_the_full_grid_rank():
    arch = Architecture.rac(2, 2, 2)
    full = certify(arch, 8, grid="full")
    sampled = certify(arch, 8, grid="sampled")
    # the grid by brute force (entry by entry, textbook elimination); it reaches the state-degree
    # bound C(R + T/2 - 1, T/2)·R of depth 2
    G = naive_grid(random_weights(arch, seed=3, prime=PRIME), 8, np.eye(2, dtype=np.int64), PRIME)
    truth = rank_mod_p_naive(matricize(G, "start-end"), PRIME)
    assert truth == math.comb(2 + 4 - 1, 4) * 2
    assert full.grid.rank == sampled.grid.rank == truth
    assert sampled.grid.lower_source.startswith("sampled")


def test_sampled_separation_grows_until_saturation():
    # depth 2, M=2, R=3, T=8: the state-degree bound (45) is not reached; the 64x64 sample is
    # rank-deficient, so the value holds with high probability only
    rep = certify(Architecture.rac(2, 3, 2), 8, confirm=True)
    sep = rep.separation
    assert sep.status == "generic-whp" and not sep.exact and sep.rank is None
    assert sep.lower < sep.samples and 0 < sep.failure_bound < 1e-3
    assert sep.confirmations == (sep.lower,)


def test_report_json_has_the_documented_keys():
    rep = certify(Architecture.rac(2, 2, 2), 6)
    data = json.loads(rep.to_json())
    for key in ("grid", "separation"):
        assert {"lower", "upper", "upper_source", "exact", "rank"} <= set(data[key])
    assert data["separation"]["exact"] is True and data["T"] == 6
    # depth 2, M = R = 2, T = 6: the state-degree bound C(R + T/2 - 1, T/2)·R and M^(T/2)
    assert data["separation"]["rank"] == math.comb(2 + 3 - 1, 3) * 2
    assert data["grid"]["rank"] == 2**3
    sep = data["separation"]
    assert sep["lower"] == sep["upper"] == min(sep["bounds"].values())


@pytest.mark.parametrize("L, R, M, T, exact", [
    (2, 3, 3, 10, math.comb(3 + 5 - 1, 5) * 3),  # the state-degree bound C(R+T/2-1, T/2)·R
    (1, 3, 3, 6, 3),  # Theorem 1, depth 1: min(R, M^(T/2))
])
def test_float_estimate_is_an_svd_of_the_float_grid_flagged_against_the_exact_rank(L, R, M, T, exact):
    arch, part = Architecture.rac(L, R, M), Partition.parse("start-end", T)
    rep = certify(arch, T)
    res = rep.grid
    # the same-shape matrix with float weights of the same seed, ranked by numpy's SVD with
    # the tolerance written out
    Gf = grid_matrix(random_weights(arch, seed=0), part)
    sv = np.linalg.svd(Gf, compute_uv=False)
    tol = sv[0] * max(Gf.shape) * np.finfo(np.float64).eps
    est = res.float_estimate
    assert est.rank == np.linalg.matrix_rank(Gf, tol=tol) == int(np.sum(sv > tol))
    assert est.tol == pytest.approx(tol) and est.sigma_max == pytest.approx(sv[0])
    # the exact rank it is compared with, by python-flint on another prime's integer grid
    G = grid_matrix(random_weights(arch, seed=1, prime=SECOND_PRIME), part)
    assert rank_mod_p(G, SECOND_PRIME, method="flint") == exact == res.float_compared_to
    assert res.float_agrees == (np.linalg.matrix_rank(Gf, tol=tol) == exact)
    assert json.loads(json.dumps(res.to_dict()))["float"]["agrees"] == res.float_agrees
    assert (f"{res.float_estimate.rank} (rank mod p: {exact})" in rep.format()) == (not res.float_agrees)


def test_float_svd_misses_most_of_the_rank_of_a_deep_grid():
    # why tnrank ranks exactly: the grid's entries span dozens of orders of magnitude, and
    # the float rank (compared above with numpy's) falls far below the exact 63
    res = certify(Architecture.rac(2, 3, 3), 10).grid
    assert res.rank == 63 and res.float_agrees is False
    assert res.float_estimate.rank < 63 * 3 // 4
    assert res.float_estimate.sigma_min < 1e-30 * res.float_estimate.sigma_max


@settings(max_examples=25, deadline=None)
@given(data=st.data(), arch=architectures(max_depth=2, max_width=2, max_M=2), T=st.integers(2, 5))
def test_certified_bounds_are_consistent(data, arch, T):
    part = data.draw(partitions(T))
    rep = certify(arch, T, part, max_samples=128, float_check=False)
    for res in (rep.grid, rep.separation):
        assert res.lower <= res.upper
        assert res.exact == (res.lower == res.upper)
    assert rep.grid.lower <= arch.M ** min(len(part.start), len(part.end))
    assert rep.grid.lower <= rep.separation.upper


@settings(max_examples=20, deadline=None)
@given(arch=architectures(max_depth=2, max_width=3, max_M=3), seed=st.integers(0, 10**6))
def test_grid_rank_is_unchanged_under_relabeling_templates(arch, seed):
    part = Partition.parse("start-end", 4)
    w = random_weights(arch, seed=seed, prime=PRIME)
    perm = np.random.default_rng(seed).permutation(arch.M)
    base = rank_mod_p(grid_matrix(w, part), PRIME)
    relabeled = np.eye(arch.M, dtype=np.int64)[:, perm]
    assert rank_mod_p(grid_matrix(w, part, relabeled), PRIME) == base


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"T": 7}, "needs an even T"),
        ({"T": 1}, "T must be a whole number >= 2"),
        ({"T": 6, "partition": "0,0"}, "more than once"),
        ({"T": 6, "grid": "huge"}, "grid mode 'huge' is unknown"),
        ({"T": 6, "max_samples": 0}, "max_samples must be a positive"),
        ({"T": 6, "max_entries": -1}, "max_entries must be a positive"),
        ({"T": 6, "max_entries": 2.5}, "max_entries must be a positive"),
        ({"T": 6, "confirm": "x"}, "confirm must be True or False"),
        ({"T": 40, "grid": "full"}, "sampled mode"),
    ],
)
def test_bad_certify_input(kwargs, fragment):
    with pytest.raises(TnrankError, match=fragment):
        certify(Architecture.rac(2, 2, 2), **kwargs)


def test_saturated_values_repeat_until_the_failure_target():
    # depth 3, M = R = 2, T = 8: the sample saturates at 106 < 110 (the state-degree bound);
    # each run's Schwartz-Zippel bound (r+1)·D/|F| is recomputed here from the total degree
    # and the field size (p for a GF(p) run, q² for a GF(q²) run)
    from tnrank.certification.bounds import total_degree

    arch = Architecture.rac(3, 2, 2)
    part = Partition.parse("start-end", 8)
    D = total_degree(arch, 8, random_inputs=True)
    # 1e-6: the GF(q²) last stage alone meets it; 1e-20 needs three GF(q²) runs
    # (107·404/q² ≈ 1.2e-9 each, and 1.5e-18 > 1e-20 after two)
    for target, saturated_runs in ((1e-6, 1), (1e-20, 3)):
        sep = certify(arch, 8, part, grid="skip", float_check=False, failure_target=target).separation
        assert sep.status == "generic-whp" and sep.lower == 106 < sep.upper == 110
        runs = [r for r in sep.runs if r.failure_bound is not None]
        assert len(runs) == saturated_runs and len({r.seed for r in runs}) == len(runs)
        for run in runs:
            assert run.rank == 106 and run.samples >= 107 and run.field_degree == 2
            assert run.failure_bound == pytest.approx(107 * D / run.prime**2)
        # the GF(p) stages before the last one had full rank and carry no bound
        assert all(r.rank == r.samples and r.field_degree == 1 for r in sep.runs if r not in runs)
        assert sep.failure_bound == pytest.approx(math.prod(r.failure_bound for r in runs))
        assert sep.failure_bound <= target
        # the runs stop as soon as the product reaches the target
        assert math.prod(r.failure_bound for r in runs[:-1]) > target


def test_a_saturated_gf_p_stage_is_confirmed_over_gf_q2():
    # widths (3, 1, 3), M = 2, T = 8: the state-degree bound is 66 but the first GF(p)
    # stage (64 × 64) already saturates at 56; one GF(q²) run of side 57 then confirms it
    arch = Architecture(M=2, layers=[3, 1, 3])
    sep = certify(arch, 8, grid="skip", float_check=False).separation
    first, *confirm = sep.runs
    assert (first.field_degree, first.samples, first.rank) == (1, 64, 56) and sep.upper == 66
    D = _total_degree(arch, 8)
    assert first.failure_bound == pytest.approx(57 * D / first.prime)
    assert [(r.field_degree, r.samples, r.rank) for r in confirm] == [(2, 57, 56)]
    assert confirm[0].failure_bound == pytest.approx(57 * D / confirm[0].prime ** 2)
    assert sep.status == "generic-whp"
    assert sep.failure_bound == pytest.approx(first.failure_bound * confirm[0].failure_bound)


def test_a_probe_stage_finds_a_rank_far_below_the_last_stage(monkeypatch):
    # widths (3, 4, 3), M = 4, T = 6: the state-degree bound 1680 is at most 4 × 512, so the
    # last stage would be 1680 × 1680 over GF(q²); the probe mod p at side 930 (whose rank
    # costs a tenth of that one's) saturates at 759, and a GF(q²) run of side 760 confirms it
    import sys

    sampling = sys.modules["tnrank.certification.sampling"]
    arch, T = Architecture(M=4, layers=[3, 4, 3]), 6
    sep = certify(arch, T, grid="skip", float_check=False).separation
    assert sep.upper == 1680 and sep.status == "generic-whp"
    assert sampling.probe_side(512, 1680) == 930
    assert [(r.field_degree, r.samples, r.rank) for r in sep.runs] == [(1, 930, 759), (2, 760, 759)]
    D = _total_degree(arch, T)
    assert sep.failure_bound == pytest.approx(760 * D / PRIME * 760 * D / sep.runs[1].prime**2)
    assert sep.lower_source == "sample 760×760 over GF(q²)"
    # without the probe, one 1680 × 1680 sample over GF(q²) finds the same rank
    monkeypatch.setattr(sampling, "PROBE_SHARE", 0.0)
    direct = certify(arch, T, grid="skip", float_check=False).separation
    assert [(r.field_degree, r.samples, r.rank) for r in direct.runs] == [(1, 512, 512), (2, 1680, 759)]


@pytest.mark.parametrize("target", [110, 600, 1680, 2970, 21252, 21948, 39440])
@pytest.mark.parametrize("cap", [300, 5000, 28675, 10**6])
def test_a_growing_sample_visits_the_planned_stages(target, cap):
    # the plan's stages() and grow() are two codings of one schedule: a sample of full rank
    # must visit exactly the sides the plan announced, the last handed to GF(q²)
    from tnrank.certification.sampling import PROBE_SHARE, PROBE_STEP, grow, stages

    class FullRank:  # a sample whose every stage has full rank
        label = "separation"

        def __init__(self):
            self.sides = []

        def extend(self, k):
            self.sides.append(k)

        def rank(self):
            return self.sides[-1]

        def say(self, line):
            pass

    growth, last = FullRank(), min(target, cap)
    r, k, handed = grow(growth, target, cap, 64, lambda k: None, handoff=True)
    planned = stages(64, target, cap, handoff=True)
    if last <= 64:
        assert (r, k, handed, growth.sides, planned) == (0, 0, last, [], [last])
        return
    assert [64, *planned] == [*growth.sides, handed] and handed == last and r == k == growth.sides[-1]
    for before, side in zip(growth.sides, growth.sides[1:], strict=False):
        if side != 2 * before:  # a probe: rank mod p at most PROBE_SHARE of the last one's
            assert PROBE_STEP * before <= side and side**3 <= PROBE_SHARE * 1.7 * last**3


def _total_degree(arch, T):
    from tnrank.certification.bounds import total_degree

    return total_degree(arch, T, random_inputs=True)


def test_report_and_json_state_the_bound_and_its_condition():
    rep = certify(Architecture.rac(2, 3, 2), 8)
    data = json.loads(rep.to_json())["separation"]
    assert data["status"] == "generic-whp"
    assert data["failure_condition"] == ("Schwartz–Zippel, assuming the (r+1)-minor is not "
                                         "identically zero modulo the run's prime")
    assert [r["rank"] for r in data["runs"] if r["failure_bound"]] == [42]
    keys = {"prime", "field_degree", "seed", "samples", "rank", "failure_bound"}
    # the sample over GF(q²) was stored in 32 bits (complex64), and says so
    assert [set(run) for run in data["runs"]] == [keys | {"storage_bits"}]
    assert data["runs"][0]["storage_bits"] == 32 and data["runs"][0]["field_degree"] == 2
    assert certify(Architecture.rac(2, 3, 2), 8, storage=64).to_dict()["separation"]["runs"][0].keys() == keys
    text = rep.format()
    assert "assuming the (r+1)-minor is not identically zero modulo the run's prime" in text
    assert text.count("    run: ") == len(data["runs"])


def test_float_estimate_is_opt_in_above_the_small_size():
    arch = Architecture.rac(2, 3, 3)
    # the 243 x 243 grid is small: estimated by default
    assert certify(arch, 10).grid.float_estimate is not None
    # a 729 x 729 grid is not, and the report says so; float_check=True asks for it
    rep = certify(arch, 12, grid="full", float_check=None)
    assert rep.grid.float_estimate is None
    assert rep.grid.float_skipped == "float estimate skipped (use `float_check=True`)"
    assert "float estimate skipped (use `float_check=True`)" in rep.format()
    forced = certify(arch, 12, grid="full", float_check=True)
    assert forced.grid.float_estimate is not None and forced.grid.float_skipped is None


def test_default_sample_cap_follows_the_available_memory(monkeypatch):
    from tnrank.certification.sampling import max_samples_for_memory

    small, large = max_samples_for_memory(2**28), max_samples_for_memory(2**34)
    assert 64 <= small < large
    monkeypatch.setenv("TNRANK_MEMORY", "24M")
    # depth 2, M = R = 4, T = 12: the target 336 does not fit 24 MiB with the rank's and the
    # evaluation's working memory
    lines: list[str] = []
    sep = certify(Architecture.rac(2, 4, 4), 12, grid="skip", float_check=False,
                  progress=lines.append).separation
    cap = int(re.search(r"capped at ([\d,]+)", lines[0]).group(1).replace(",", ""))
    assert sep.samples == cap < 336 and sep.status == "lower-bound"
    # with 64-bit storage the cap is the one of max_samples_for_memory with the evaluation's
    # blocks counted (each (row, column) pair holds both layers' states: more than the matrix)
    sep64 = certify(Architecture.rac(2, 4, 4), 12, grid="skip", float_check=False, storage=64).separation
    assert 84 <= sep64.samples < max_samples_for_memory() // 2 < 336
    # said before any work: the first progress line
    assert "target K = 336" in lines[0] and "NOT reachable" in lines[0] and f"{cap:,}" in lines[0]
    assert "sample budget reached" in sep.notes[-1]
    with pytest.raises(TnrankError, match="more than the .* available .* at most"):
        certify(Architecture.rac(2, 4, 4), 12, grid="skip", max_samples=336)


def test_32_bit_storage_raises_the_memory_cap():
    from tnrank.certification.large import Placement
    from tnrank.certification.sampling import max_samples_for_memory
    from tnrank.field import GAUSSIAN_FIELD

    for memory in (2**33, 2**34, 24 * 2**30):  # 8, 16 and 24 GiB
        today = max_samples_for_memory(memory)
        tiled = max_samples_for_memory(memory, bytes_of=lambda k: Placement().memory_bytes(k, GAUSSIAN_FIELD))
        assert 1.3 * today < tiled < 1.7 * today  # half the bytes per entry, plus the panel
    # this machine's 24 GB: depth 4, T = 14 needs a sample of side 39,440
    assert max_samples_for_memory(24 * 2**30) < 39_440
    tiled = max_samples_for_memory(24 * 2**30, bytes_of=lambda k: Placement().memory_bytes(k, GAUSSIAN_FIELD))
    assert tiled > 39_440


def test_a_plan_is_printed_before_long_work(monkeypatch):
    import sys

    monkeypatch.setattr(sys.modules["tnrank.certification.sampling"], "PLAN_SECONDS", 0.0)
    lines: list[str] = []
    certify(Architecture.rac(2, 4, 4), 12, grid="skip", float_check=False, progress=lines.append)
    plans = [line for line in lines if "plan:" in line]
    assert len(plans) == 1
    assert "target K = 336" in plans[0] and "reachable" in plans[0] and "MiB" in plans[0]


def test_the_memory_cap_is_raised_when_memory_is_freed(monkeypatch):
    # the default cap is read again once reached: memory freed meanwhile lets the sample grow
    import sys

    cert = sys.modules["tnrank.certification.certify"]
    monkeypatch.setattr(cert, "max_samples_for_memory", lambda *a, **k: 128)
    monkeypatch.setattr(cert, "memory_cap_holding", lambda k, **_: 10**6)
    lines: list[str] = []
    sep = certify(Architecture.rac(2, 4, 4), 12, grid="skip", float_check=False,
                  progress=lines.append).separation
    assert sep.exact and sep.rank == 336 and sep.samples == 336
    assert "NOT reachable" in lines[0] and any("memory now allows" in line for line in lines)
    # an explicit cap is kept
    sep = certify(Architecture.rac(2, 4, 4), 12, grid="skip", float_check=False,
                  max_samples=128).separation
    assert sep.samples == 128 and sep.status == "lower-bound"
