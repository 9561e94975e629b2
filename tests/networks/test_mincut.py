"""Min-cut bounds against closed forms, brute force, a second algorithm and computed ranks."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from tn_archs import ARCHITECTURES

from tnrank import PRIME, Architecture, Partition, TnrankError, certify, random_weights
from tnrank.engine.grid import grid_matrix, sample_matrix
from tnrank.engine.rank import rank_mod_p
from tnrank.networks.graph import TensorNetwork
from tnrank.networks.mincut import min_cut, min_cut_bound, resolve_partition
from tnrank.networks.unrolling import unroll


@pytest.mark.parametrize("M", [1, 2, 3, 4])
def test_depth_one_start_end_is_theorem_one(M):
    for R in range(1, 7):
        for T in range(2, 13, 2):
            arch = Architecture.rac(1, R, M)
            expected = min(R, M ** (T // 2))
            assert min_cut_bound(arch, Partition.parse("start-end", T)) == expected
            if T <= 8:
                assert min_cut(unroll(arch, T), "start-end").bound == expected


def _random_graph(rng: np.random.Generator, n: int) -> TensorNetwork:
    net = TensorNetwork()
    for i in range(n):
        net.add_node(i)
    for _ in range(int(rng.integers(n - 1, 2 * n + 1)) if n > 1 else 0):
        u, v = rng.choice(n, size=2, replace=False)
        net.add_bond(int(u), int(v), int(rng.integers(1, 6)))  # parallel bonds happen
    for i in range(n):
        for _ in range(int(rng.integers(0, 3))):
            net.add_leg(i, int(rng.integers(1, 5)))
    while len(net.legs) < 2:
        net.add_leg(int(rng.integers(n)), 2)
    return net


def _brute_force(net: TensorNetwork, start: set[int]) -> int:
    tensors = net.tensors
    best = None
    for bits in itertools.product((0, 1), repeat=len(tensors)):
        side = dict(zip(tensors, bits, strict=True))
        cost = 1
        for b in net.bonds.values():
            if side[b.nodes[0]] != side[b.nodes[1]]:
                cost *= b.dim
        for leg in net.legs.values():
            if side[leg.tensor] != (0 if leg.step in start else 1):
                cost *= leg.dim
        best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_min_cut_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    for _ in range(10):
        net = _random_graph(rng, int(rng.integers(1, 9)))
        n = len(net.steps)
        start = {int(s) for s in rng.choice(n, size=int(rng.integers(1, n)), replace=False)}
        cut = min_cut(net, start)
        assert cut.bound == _brute_force(net, start)
        _check_cut(net, cut)


def _check_cut(net: TensorNetwork, cut) -> None:
    """The cut is the set of bonds crossing the sides, and the bound is their product."""
    s0, s1 = cut.sides
    assert s0 | s1 == set(net.graph.nodes) and not s0 & s1
    side = {x: 0 for x in s0} | {x: 1 for x in s1}
    for leg in net.legs.values():
        assert side[leg.name] == (0 if leg.step in cut.start else 1)
    crossing = {b.name for b in net.bonds.values() if side[b.nodes[0]] != side[b.nodes[1]]}
    crossing |= {leg.name for leg in net.legs.values() if side[leg.name] != side[leg.tensor]}
    assert {e.bond for e in cut.cut_edges} == crossing
    assert cut.bound == math.prod(e.dim for e in cut.cut_edges)
    assert cut.log2 == pytest.approx(math.log2(cut.bound))


def _partitions(T: int, rng: np.random.Generator) -> list[Partition]:
    parts = [Partition.parse("interleaved", T), Partition(T, (T - 1,)), Partition(T, (0,))]
    if T % 2 == 0:
        parts.append(Partition.parse("start-end", T))
    for _ in range(2):
        k = int(rng.integers(1, T))
        parts.append(Partition(T, tuple(int(s) for s in rng.choice(T, size=k, replace=False))))
    return parts


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_dynamic_programme_equals_max_flow(name):
    arch = ARCHITECTURES[name]
    rng = np.random.default_rng(len(name))
    for T in (2, 3, 4, 5):
        net = unroll(arch, T)
        for part in _partitions(T, rng):
            cut = min_cut(net, part)
            assert min_cut_bound(arch, part) == cut.bound, (T, part)
            _check_cut(net, cut)


def _plain_max_flow(net: TensorNetwork, start: set[int]) -> int:
    """networkx's default max-flow (preflow-push) on the unreduced graph, float ``log2 dim``
    capacities, legs tied to a source and a sink: the exact product over the cut it returns."""
    g = nx.Graph()
    for b in net.bonds.values():
        u, v = b.nodes
        g.add_edge(u, v, capacity=math.log2(b.dim) + (g[u][v]["capacity"] if g.has_edge(u, v) else 0.0))
    for leg in net.legs.values():
        g.add_edge(leg.name, leg.tensor, capacity=math.log2(leg.dim))
        g.add_edge(leg.name, "source" if leg.step in start else "sink")  # no capacity: infinite
    _value, (reach, _rest) = nx.minimum_cut(g, "source", "sink")
    crossing = [b.dim for b in net.bonds.values() if (b.nodes[0] in reach) != (b.nodes[1] in reach)]
    crossing += [leg.dim for leg in net.legs.values() if (leg.name in reach) != (leg.tensor in reach)]
    return math.prod(crossing)


SPREAD = {
    "L1-R4-M3": (Architecture.rac(1, 4, 3), (6, 11, 16)),
    "L2-R3-M2": (Architecture.rac(2, 3, 2), (6, 9, 12)),
    "L2-R2,5-M4": (Architecture.rac(2, [2, 5], 4), (7, 10)),
    "L3-R2-M2": (Architecture.rac(3, 2, 2), (6, 8, 10)),
    "L3-R3,1,2-M3": (Architecture.rac(3, [3, 1, 2], 3), (7, 9)),
    "L4-R2-M3": (Architecture.rac(4, 2, 3), (5, 7)),
    "mixed-state": (ARCHITECTURES["mixed-state"], (6, 7)),
    "skip": (ARCHITECTURES["skip"], (8, 10)),
    "zeros": (ARCHITECTURES["zeros"], (8, 11)),
}


@pytest.mark.parametrize("arch, Ts", SPREAD.values(), ids=SPREAD.keys())
def test_dynamic_programme_equals_plain_networkx_max_flow(arch, Ts):
    """Longer sequences than above, checked against a second algorithm that shares nothing with
    tnrank's: networkx's preflow-push on the whole unrolled network."""
    rng = np.random.default_rng(sum(Ts))
    for T in Ts:
        net = unroll(arch, T)
        for part in _partitions(T, rng):
            assert min_cut_bound(arch, part) == _plain_max_flow(net, set(part.start)), (T, part)


SOUNDNESS = [(name, T) for name in sorted(ARCHITECTURES) for T in (2, 4, 6)
             if not (name in ("mixed-state", "rac-3", "widths") and T == 6)]


@pytest.mark.parametrize("name, T", SOUNDNESS)
def test_computed_ranks_never_exceed_the_min_cut(name, T):
    """Soundness: exact ranks mod p, computed without any bound, stay below the min-cut."""
    arch = ARCHITECTURES[name]
    rng = np.random.default_rng(T)
    w = random_weights(arch, seed=T, prime=PRIME)
    for part in _partitions(T, rng)[:4]:
        bound = min_cut_bound(arch, part)
        grid = rank_mod_p(grid_matrix(w, part), PRIME)
        assert grid <= bound
        # separation rank in representation space: K x K random samples with K > bound
        K = min(bound + 3, 150)
        rows = rng.integers(0, PRIME, size=(K, len(part.start), arch.M))
        cols = rng.integers(0, PRIME, size=(K, len(part.end), arch.M))
        sep = rank_mod_p(sample_matrix(w, part, rows, cols), PRIME)
        assert sep <= bound, (part, sep, bound)


def test_soundness_sweep_can_fail():
    """The sweep above is not vacuous: the min-cut is often reached exactly."""
    tight = 0
    for name, T in SOUNDNESS:
        arch = ARCHITECTURES[name]
        part = Partition.parse("interleaved", T)
        bound = min_cut_bound(arch, part)
        if bound > 100:
            continue
        w = random_weights(arch, seed=1, prime=PRIME)
        rng = np.random.default_rng(0)
        rows = rng.integers(0, PRIME, size=(bound + 2, len(part.start), arch.M))
        cols = rng.integers(0, PRIME, size=(bound + 2, len(part.end), arch.M))
        tight += rank_mod_p(sample_matrix(w, part, rows, cols), PRIME) == bound
    assert tight >= 5


@pytest.mark.parametrize("name", ["rac-1", "rac-2", "skip", "zeros", "two-outputs"])
def test_certify_reports_the_min_cut(name):
    arch = ARCHITECTURES[name]
    for part in ("start-end", "interleaved"):
        rep = certify(arch, 4, part, float_check=False)
        bound = min_cut_bound(arch, Partition.parse(part, 4))
        for res in (rep.grid, rep.separation):
            assert res.bounds["min-cut"] == bound
            assert res.lower <= res.upper <= bound
            assert res.status != "inconsistent"
    rep = certify(Architecture.rac(1, 2, 3), 6, float_check=False)
    assert rep.grid.upper_source == "min-cut" and rep.grid.rank == 2


def test_disconnected_sides_give_one():
    net = TensorNetwork()
    for n in "ABCD":
        net.add_node(n)
    net.add_bond("A", "B", 4)
    net.add_bond("C", "D", 4)
    net.add_bond("B", "C", 1)  # a dimension-1 bond carries nothing
    for n in "ABCD":
        net.add_leg(n, 3)
    cut = min_cut(net, [0, 1])
    assert cut.bound == 1 and cut.log2 == 0
    assert all(e.dim == 1 for e in cut.cut_edges)
    assert cut.describe() == "1 = nothing (the sides are disconnected)"
    assert min_cut(net, [0, 2]).bound == 9  # legs of B... cheaper than the 4-bonds


def test_parallel_bonds_and_finite_legs():
    net = TensorNetwork()
    net.add_node("A")
    net.add_node("B")
    net.add_bond("A", "B", 2)
    net.add_bond("A", "B", 3)
    net.add_leg("A", 10)
    net.add_leg("B", 10)
    assert min_cut(net, [0]).bound == 6
    star = TensorNetwork()
    star.add_node("C")
    for i in range(4):
        star.add_node(f"L{i}")
        star.add_bond("C", f"L{i}", 5)
        star.add_leg(f"L{i}", 2)
    cut = min_cut(star, [0])
    assert cut.bound == 2 and cut.cut_edges[0].leg  # a leg is cut, not the dim-5 bond


def test_loops_beat_a_tree_cut():
    # 2 x 2 grid with bond 3: splitting the top row crosses two bonds (9), not the legs (4^2)
    from tnrank.networks.examples import lattice_2d

    peps = lattice_2d(2, 2, bond=3, phys=4)
    assert min_cut(peps, [0, 1]).bound == 9
    assert min_cut(peps, [0, 3]).bound == 16  # diagonal: the two legs of a side


def test_partition_forms():
    net = unroll(Architecture.rac(2, 2, 2), 4)
    assert resolve_partition(net, "start-end") == ((0, 1), (2, 3))
    assert resolve_partition(net, Partition.parse("interleaved", 4)) == ((0, 2), (1, 3))
    assert resolve_partition(net, "x0#0, 3") == ((0, 3), (1, 2))
    assert resolve_partition(net, [2], [0, 1, 3]) == ((2,), (0, 1, 3))
    assert resolve_partition(net, ["x1#2"]) == ((1,), (0, 2, 3))
    d = min_cut(net, "start-end").to_dict()
    assert set(d) >= {"bound", "log2", "cut_edges", "start", "end"}
    assert d["bound"] == min_cut_bound(Architecture.rac(2, 2, 2), "start-end", T=4)


@pytest.mark.parametrize(
    "start, end, message",
    [
        ([], None, "start side of the partition is empty"),
        ([0, 1, 2, 3], None, "end side of the partition is empty"),
        ([0, 7], None, "out of range"),
        ([0, 0], None, "more than once"),
        ([0, 1], [1, 2, 3], "listed on both sides"),
        ([0], [1, 2], "on neither side"),
        (["x9#9"], None, "neither a step nor a leg name"),
        ([0.5], None, "not a whole number"),
        ("start-end", [0], "listed on both sides"),
    ],
)
def test_bad_partitions(start, end, message):
    net = unroll(Architecture.rac(2, 2, 2), 4)
    with pytest.raises(TnrankError, match=message):
        min_cut(net, start, end)


def test_bad_arguments():
    arch = Architecture.rac(1, 2, 2)
    with pytest.raises(TnrankError, match="TensorNetwork"):
        min_cut(nx.Graph(), [0])
    with pytest.raises(TnrankError, match="give T"):
        min_cut_bound(arch, "start-end")
    with pytest.raises(TnrankError, match="T=6"):
        min_cut_bound(arch, Partition.parse("start-end", 4), T=6)
    with pytest.raises(TnrankError, match="Architecture"):
        min_cut_bound("rac", Partition.parse("start-end", 4))
    with pytest.raises(TnrankError, match="even T"):
        min_cut_bound(arch, "start-end", T=5)


def test_large_networks_are_fast_enough_to_query():
    # the dynamic programme never builds the network: depth 4 at T = 200 has ~10^8 nodes
    bound = min_cut_bound(Architecture.rac(4, 2, 2), "start-end", T=200)
    assert bound > 2**100 and (bound & (bound - 1)) == 0  # a power of two: all dims are 2


def test_certify_leaves_out_astronomical_min_cuts():
    from tnrank.certification.certify import _automatic_bounds
    from tnrank.networks.mincut import min_cut_log2

    small, huge = Architecture.rac(3, 2, 2), Architecture.rac(5, 2, 2)
    part = Partition.parse("start-end", 40)
    assert _automatic_bounds(small, part) == {"min-cut": min_cut_bound(small, part)}
    assert min_cut_log2(huge, part) > 4096 and _automatic_bounds(huge, part) == {}
    with pytest.raises(TnrankError, match="too large to write out"):
        min_cut_bound(Architecture.rac(6, 3, 5), "start-end", T=400)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_one_entry_point_for_networks_and_architectures(name):
    """min_cut / min_cut_bound take an architecture with T as well as a network; the dynamic
    programme and max-flow on the unrolled network give the same value."""
    arch = ARCHITECTURES[name]
    for T, spec in ((4, "start-end"), (5, "0,3"), (6, "interleaved")):
        part = Partition.parse(spec, T)
        net = unroll(arch, T)
        flow = min_cut(net, part).bound
        assert min_cut(arch, part).bound == min_cut(arch, spec, T=T).bound == flow
        assert min_cut_bound(arch, part, method="max-flow") == flow
        assert min_cut_bound(arch, spec, T=T, method="dynamic-programme") == flow
        assert min_cut_bound(net, part) == flow


def test_min_cut_methods_refuse_what_they_cannot_do():
    net = unroll(Architecture.rac(2, 2, 2), 4)
    with pytest.raises(TnrankError, match="block plan"):
        min_cut_bound(net, "start-end", method="dynamic-programme")
    with pytest.raises(TnrankError, match="unknown"):
        min_cut_bound(Architecture.rac(2, 2, 2), "start-end", T=4, method="simplex")
    with pytest.raises(TnrankError, match="give `T`"):
        min_cut(Architecture.rac(2, 2, 2), "start-end")
