"""The tensor-network graph: building, inspection, files, bad input."""

from __future__ import annotations

import json
import time

import networkx as nx
import numpy as np
import pytest

from tnrank import TnrankError
from tnrank.files import network_file
from tnrank.files.network_file import write_examples
from tnrank.networks.examples import (
    EXAMPLES,
    binary_tree,
    example_path,
    lattice_2d,
    mps,
)
from tnrank.networks.graph import KINDS, TensorNetwork


def small() -> TensorNetwork:
    net = TensorNetwork("small")
    for n in ("A", "B", "C"):
        net.add_node(n)
    net.add_bond("A", "B", 3)
    net.add_bond("B", "C", 2, name="bc")
    net.add_bond("A", "B", 2)  # parallel bond
    net.add_leg("A", 2)
    net.add_leg("C", 4, name="out")
    net.add_leg("B", 2, step=0)  # a second copy of step 0
    return net


def test_building_and_inspection():
    net = small()
    assert net.tensors == ["A", "B", "C"]
    assert list(net.bonds) == ["b0", "bc", "b2"]
    assert net.axes("A") == ("b0", "b2", "x0")
    assert net.shape("B") == (3, 2, 2, 2)
    assert net.steps == (0, 1)
    assert net.copies() == {0: 2, 1: 1}
    assert [leg.copy for leg in net.legs_of(0)] == [0, 1]
    assert net.step_dim(1) == 4
    assert net.graph.number_of_edges("A", "B") == 2  # a multigraph keeps parallel bonds
    assert net.graph.nodes["x0"]["kind"] == "input"
    assert net.kinds() == {"tensor": 3, "input": 3}
    assert net.log2_size() == pytest.approx(np.log2(2 * 4 * 2))


@pytest.mark.parametrize(
    "action, message",
    [
        (lambda n: n.add_bond("A", "Z", 2), "unknown node 'Z'"),
        (lambda n: n.add_bond("A", "B", 0), "at least 1"),
        (lambda n: n.add_bond("A", "B", 2.5), "whole number"),
        (lambda n: n.add_bond("A", "A", 2), "itself"),
        (lambda n: n.add_bond("A", "x0", 2), "open leg"),
        (lambda n: n.add_bond("A", "B", 2, name="bc"), "used twice"),
        (lambda n: n.add_node("A"), "defined twice"),
        (lambda n: n.add_node("D", kind="gizmo"), "kind 'gizmo'"),
        (lambda n: n.add_node("D", kind="input"), "add_leg"),
        (lambda n: n.add_node(3.5), "string or an integer"),
        (lambda n: n.add_leg("Z", 2), "unknown node 'Z'"),
        (lambda n: n.add_leg("A", 3, step=0), "copies of one input need one dimension"),
        (lambda n: n.add_leg("A", 2, name="B"), "already used"),
        (lambda n: n.add_leg("A", 2, step=-1), "step must be"),
        (lambda n: n.add_leg("A", -2), "at least 1"),
    ],
)
def test_bad_building(action, message):
    with pytest.raises(TnrankError, match=message):
        action(small())


def test_steps_must_be_contiguous():
    net = TensorNetwork()
    net.add_node("A")
    net.add_leg("A", 2, step=0)
    net.add_leg("A", 2, step=2)
    with pytest.raises(TnrankError, match="step 1 has no leg"):
        net.check_steps()
    one = TensorNetwork()
    one.add_node("A")
    one.add_leg("A", 2)
    with pytest.raises(TnrankError, match="needs two or more"):
        one.check_steps()


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_file_round_trip(tmp_path, suffix):
    net = small()
    path = tmp_path / f"net{suffix}"
    if suffix == ".json":
        network_file.dump(net, path)
    else:
        path.write_text(network_file.dumps(net, "toml"))
    back = network_file.load(path)
    assert back.same_structure(net)
    assert back.name == "small"
    assert back.shape("B") == net.shape("B")


def test_unrolled_network_round_trip(tmp_path):
    from tnrank import Architecture
    from tnrank.networks.unrolling import unroll

    net = unroll(Architecture.rac(2, 2, 2), 3)
    path = tmp_path / "rac.json"
    network_file.dump(net, path)
    back = network_file.load(path)
    assert back.same_structure(net)
    assert back.graph.nodes["delta[1,layer1]#1"]["copy"] == 1
    toml = tmp_path / "rac.toml"
    toml.write_text(network_file.dumps(net, "toml"))
    assert network_file.load(toml).same_structure(net)


def test_shipped_examples_match_builders(tmp_path):
    for file, build in EXAMPLES.items():
        assert network_file.load(example_path(file)).same_structure(build()), file
    written = write_examples(tmp_path)
    assert sorted(p.name for p in written) == sorted(EXAMPLES)
    assert example_path("peps-3x3").suffix == ".toml"
    with pytest.raises(TnrankError, match="no example network"):
        example_path("nope")


def test_example_structures():
    chain = mps(5, bond=4, phys=3)
    assert nx.is_tree(chain.graph) and max(d for _, d in chain.graph.degree) == 3
    assert [chain.shape(f"A{i}") for i in (0, 2, 4)] == [(4, 3), (4, 4, 3), (4, 3)]
    tree = binary_tree(3)
    assert nx.is_tree(tree.graph) and len(tree.legs) == 8 and len(tree.tensors) == 15
    peps = lattice_2d(3, 4)
    assert len(peps.bonds) == 3 * 3 + 2 * 4
    assert not nx.is_tree(peps.graph)
    with pytest.raises(TnrankError, match="bond"):
        mps(3, bond=0)


def write(tmp_path, data, name="net.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


GOOD = {"nodes": ["A", "B"], "bonds": [["A", "B", 2]], "legs": [["A", 2], ["B", 2]]}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"extra": 1}, "unknown key\\(s\\) 'extra'"),
        ({"bonds": [["A", "C", 2]]}, r"bonds\[0\]: .*unknown node 'C'"),
        ({"bonds": [["A", "B"]]}, r"bonds\[0\]: write a bond"),
        ({"bonds": [{"nodes": ["A"], "dim": 2}]}, "exactly two nodes"),
        ({"bonds": [{"nodes": ["A", "B"]}]}, "'dim' is missing"),
        ({"bonds": [["A", "B", 0]]}, "at least 1"),
        ({"bonds": [["A", "B", "two"]]}, "whole number"),
        ({"legs": [["A", 2], ["Q", 2]]}, r"legs\[1\]: .*unknown node 'Q'"),
        ({"legs": [{"node": "A", "dim": 2, "sttep": 1}]}, "unknown key\\(s\\) 'sttep'"),
        ({"legs": []}, "no open legs"),
        ({"nodes": ["A", "B", "C"]}, "node 'C' has no bonds"),
        ({"nodes": ["A", "A"]}, "defined twice"),
        ({"nodes": "A,B"}, "must be a list"),
        ({"format": "other/2"}, "format"),
    ],
)
def test_bad_files(tmp_path, change, message):
    data = dict(GOOD) | change
    path = write(tmp_path, data)
    with pytest.raises(TnrankError, match=message) as info:
        network_file.load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_lists_and_broken_files(tmp_path):
    with pytest.raises(TnrankError, match="'legs' list is missing"):
        network_file.load(write(tmp_path, {"nodes": ["A"]}))
    with pytest.raises(TnrankError, match="not a valid JSON file"):
        network_file.load(write(tmp_path, "{nodes: [", "bad.json"))
    with pytest.raises(TnrankError, match="not a valid TOML file"):
        network_file.load(write(tmp_path, "nodes = [", "bad.toml"))
    with pytest.raises(TnrankError, match="no such file"):
        network_file.load(tmp_path / "nothing.json")
    with pytest.raises(TnrankError, match="expected an object"):
        TensorNetwork.from_dict([1, 2])


def test_file_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(network_file, "MAX_FILE_BYTES", 10)
    with pytest.raises(TnrankError, match="limit"):
        network_file.load(write(tmp_path, GOOD))


def test_kinds_cover_unrolled_networks():
    from tnrank import Architecture, Layer
    from tnrank.networks.unrolling import unroll

    arch = Architecture(M=2, layers=[Layer(2, integration="general"), Layer(2)], initial="state")
    kinds = set(unroll(arch, 3).kinds())
    assert kinds <= set(KINDS)
    assert {"input", "weight", "delta", "merge", "initial", "output"} <= kinds


def test_to_tensornetwork_matches_einsum():
    import tensornetwork as tn

    from tnrank.networks.backend import to_tensornetwork

    net = mps(3, bond=2, phys=2)
    rng = np.random.default_rng(0)
    tensors = {n: rng.standard_normal(net.shape(n)) for n in net.tensors}
    nodes, legs = to_tensornetwork(net, tensors)
    result = tn.contractors.greedy(list(nodes.values()), output_edge_order=[legs[f"x{i}"] for i in range(3)])
    expected = np.einsum("ax,aby,bz->xyz", tensors["A0"], tensors["A1"], tensors["A2"])
    assert np.allclose(result.tensor, expected)


def test_a_network_file_beyond_the_entry_limit_is_refused_before_it_is_built(tmp_path, monkeypatch):
    # a chain of MAX_FILE_ENTRIES nodes: its bonds take it past the limit, counted on the parsed
    # lists before a single node is added
    from tnrank.networks import graph

    n = graph.MAX_FILE_ENTRIES // 2 + 1
    data = {"format": "tnrank-network/1", "name": "chain", "nodes": [f"n{i}" for i in range(n)],
            "bonds": [[f"n{i}", f"n{i + 1}", 2] for i in range(n - 1)],
            "legs": [["n0", 2], [f"n{n - 1}", 2]]}
    path = tmp_path / "chain.json"
    path.write_text(json.dumps(data))

    def never(*_a, **_k):
        raise AssertionError("the network was built")

    monkeypatch.setattr(graph.TensorNetwork, "add_node", never)
    with pytest.raises(TnrankError, match=rf"chain.json: {2 * n + 1:,} entries \({n:,} nodes, "
                                          rf"{n - 1:,} bonds, 2 legs\), more than .* limit of 600,000"):
        network_file.load(path)


def test_exact_ranks_of_large_networks_are_refused_in_one_line():
    from tnrank.networks.contraction import MAX_CONTRACTED_TENSORS, matricization_rank

    # a chain with two open legs: a 2 × 2 matrix, but more tensors than a contraction takes
    n = MAX_CONTRACTED_TENSORS + 1
    net = TensorNetwork("chain")
    for i in range(n):
        net.add_node(f"n{i}")
    for i in range(n - 1):
        net.add_bond(f"n{i}", f"n{i + 1}", 2)
    net.add_leg("n0", 2, step=0)
    net.add_leg(f"n{n - 1}", 2, step=1)
    with pytest.raises(TnrankError, match=f"{n:,} tensors; .* at most {MAX_CONTRACTED_TENSORS:,}"):
        matricization_rank(net, "start-end")
    # 5,000 open legs: 2^5000 entries, beyond the 4,300 digits Python prints: said as a power
    with pytest.raises(TnrankError, match=r"the full tensor has 2\^5,000.0 entries"):
        matricization_rank(mps(5_000), "start-end")


def test_partitions_of_many_legs_are_resolved_in_linear_time():
    from tnrank.networks.mincut import resolve_partition

    # 50,000 legs: the end side used to rebuild the start side's set for every step (quadratic:
    # minutes); the sides are the first and second halves of the steps
    net = mps(50_000)
    t0 = time.perf_counter()
    start, end = resolve_partition(net, "start-end")
    assert time.perf_counter() - t0 < 2
    assert start == tuple(range(25_000)) and end == tuple(range(25_000, 50_000))
