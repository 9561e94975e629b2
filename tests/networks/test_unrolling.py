"""Unrolling architectures into tensor networks: structure, counts, labels."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import networkx as nx
import pytest
from tn_archs import ARCHITECTURES

from tnrank import Architecture, Layer, TnrankError
from tnrank.networks.unrolling import needs_augmentation, unroll, unrolled_size


def test_depth_one_is_a_tensor_train():
    T, R, M = 6, 3, 2
    net = unroll(Architecture.rac(1, R, M), T)
    assert not net.info["augmented"]
    # the chain: out - delta_{T-1} - WH_{T-1} - delta_{T-2} - ... - delta_0 - ones
    chain = ["out"]
    for t in range(T - 1, 0, -1):
        chain += [f"delta[{t},layer1]#0", f"WH[{t},layer1]#0"]
    chain += ["delta[0,layer1]#0", "ones[0,layer1]#0"]
    for a, b in zip(chain, chain[1:], strict=False):
        assert net.graph.number_of_edges(a, b) == 1
    # each step hangs one input: delta_t - WI_t - x_t
    for t in range(T):
        assert net.graph.has_edge(f"delta[{t},layer1]#0", f"WI[{t},layer1]#0")
        assert net.graph.has_edge(f"WI[{t},layer1]#0", f"x{t}#0")
        assert net.shape(f"WI[{t},layer1]#0") == (R, M)
    assert net.graph.number_of_nodes() == len(chain) + 2 * T
    assert nx.is_tree(net.graph)
    assert net.copies() == dict.fromkeys(range(T), 1)


@pytest.mark.parametrize("T", [1, 2, 5, 8])
def test_depth_two_duplicates_inputs(T):
    net = unroll(Architecture.rac(2, 2, 3), T)
    # x^t (1-based) appears T - t + 1 times: 0-based step s appears T - s times
    assert net.copies() == {s: T - s for s in range(T)}
    assert nx.is_tree(net.graph)


@pytest.mark.parametrize("L, T", [(1, 7), (2, 6), (3, 6), (4, 5)])
def test_copy_counts_and_growth(L, T):
    net = unroll(Architecture.rac(L, 2, 2), T)
    # legs of step s: C(T - 1 - s + L - 1, L - 1) (paths to the top-right corner)
    assert net.copies() == {s: math.comb(T - 1 - s + L - 1, L - 1) for s in range(T)}
    # every block (state copy) has a root tensor: C(T + L, L) - 1 of them
    roots = sum(1 for _, k in net.graph.nodes(data="kind") if k == "delta")
    assert roots == math.comb(T + L, L) - 1
    assert unrolled_size(Architecture.rac(L, 2, 2), T) == (
        net.graph.number_of_nodes(), net.graph.number_of_edges(), len(net.legs))


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_labels_are_consistent(name):
    arch = ARCHITECTURES[name]
    T = 4
    net = unroll(arch, T)
    assert nx.is_tree(net.graph)
    assert net.info == {"architecture": arch, "T": T, "augmented": needs_augmentation(arch)}
    size = unrolled_size(arch, T)
    assert size == (net.graph.number_of_nodes(), net.graph.number_of_edges(), len(net.legs))
    copies = defaultdict(list)
    for node, attrs in net.graph.nodes(data=True):
        if attrs["kind"] in ("input", "output"):
            continue
        assert 0 <= attrs["step"] < T and 0 <= attrs["layer"] < arch.depth
        copies[(attrs["kind"], attrs["role"], attrs["step"], attrs["layer"])].append(attrs["copy"])
        assert net.shape(node) == tuple(net.graph.edges[e]["dim"] for e in _edges_by_axis(net, node))
    for ids in copies.values():
        assert sorted(ids) == list(range(len(ids)))
    # bond dims: states R (+1 when augmented), legs M (+1)
    extra = int(net.info["augmented"])
    for leg in net.legs.values():
        assert leg.dim == arch.M + extra
    for node, attrs in net.graph.nodes(data=True):
        if attrs["kind"] == "delta":
            assert net.shape(node) == (arch.widths[attrs["layer"]] + extra,) * 3


def _edges_by_axis(net, node):
    out = []
    for bond in net.axes(node):
        if bond in net.legs:
            out.append((bond, net.legs[bond].tensor, bond))
        else:
            u, v = net.bonds[bond].nodes
            out.append((u, v, bond))
    return out


def test_copies_follow_every_use():
    # layer 2 reads the input and layer 1: each step's input is read by both layers
    arch = Architecture(M=2, layers=[Layer(2), Layer(2, sources=("input", "layer1"))])
    T = 4
    net = unroll(arch, T)
    legs = Counter(leg.step for leg in net.legs.values())
    # uses of layer-2 states: 1 each step; of layer-1 states: u1(t) = u1(t+1) + 1
    u1 = {T - 1: 1}
    for t in range(T - 2, -1, -1):
        u1[t] = u1[t + 1] + 1
    assert legs == {t: u1[t] + 1 for t in range(T)}


def test_augmentation_is_decided_by_the_architecture():
    assert not needs_augmentation(Architecture.rac(3, 2, 2))
    assert not needs_augmentation(Architecture(M=2, layers=[2, 2], initial="state"))
    assert needs_augmentation(Architecture(M=2, layers=[Layer(2, integration="additive")]))
    assert needs_augmentation(Architecture(M=2, layers=[2, 2], output=("layer1", "layer2")))
    assert needs_augmentation(Architecture(M=2, layers=[Layer(2), Layer(2, sources=("input", "layer1"))]))


def test_bad_input():
    with pytest.raises(TnrankError, match="Architecture"):
        unroll("RAC", 4)
    with pytest.raises(TnrankError, match="whole number >= 1"):
        unroll(Architecture.rac(1, 2, 2), 0)
    with pytest.raises(TnrankError, match="limit"):
        unroll(Architecture.rac(5, 2, 2), 200)


def test_too_many_step_layer_blocks_are_refused_before_any_work():
    from tnrank.networks.unrolling import MAX_BLOCKS, unrolled_size

    arch = Architecture.rac(3, 2, 2)
    T = MAX_BLOCKS // 3 + 1
    with pytest.raises(TnrankError, match="step-layer blocks"):
        unrolled_size(arch, T)
    net = unroll(arch, 4)  # below the limit: counted without the network, as built
    assert unrolled_size(arch, 4) == (net.graph.number_of_nodes(), net.graph.number_of_edges(), len(net.legs))
