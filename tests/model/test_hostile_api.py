"""Bad input through the Python API ends in :class:`TnrankError` with one line, never in an
``AttributeError``, ``TypeError`` or ``ValueError`` from deep inside (the API calls the second
round of hostile testing found, and their neighbours)."""

from __future__ import annotations

import pytest

import tnrank
from tnrank import Architecture, Layer, Partition, RankResult, Report, TnrankError, random_weights
from tnrank.model.weights import witness_weights

RAC = Architecture.rac(2, 2, 2)

CALLS = {
    "Layer(sources=[1])": lambda: Architecture(M=2, layers=[Layer(2, sources=[1])]),
    "Layer(sources=5)": lambda: Architecture(M=2, layers=[Layer(2, sources=5)]),
    "Layer(integration=3)": lambda: Architecture(M=2, layers=[Layer(2, integration=3)]),
    "Layer(width='2')": lambda: Architecture(M=2, layers=[Layer("2")]),
    "Layer(name=5)": lambda: Architecture(M=2, layers=[Layer(2, name=5)]),
    "Layer(cell=5)": lambda: Architecture(M=2, layers=[Layer(2, cell=5)]),
    "Architecture(layers=None)": lambda: Architecture(M=2, layers=None),
    "Architecture(layers='abc')": lambda: Architecture(M=2, layers="abc"),
    "Architecture(layers=[object()])": lambda: Architecture(M=2, layers=[object()]),
    "Architecture(output=5)": lambda: Architecture(M=2, layers=[2], output=5),
    "Architecture(output=[5])": lambda: Architecture(M=2, layers=[2], output=[5]),
    "Architecture.from_dict(None)": lambda: Architecture.from_dict(None),
    "random_weights(prime=0)": lambda: random_weights(RAC, prime=0),
    "random_weights(prime=4)": lambda: random_weights(RAC, prime=4),
    "random_weights(prime='7')": lambda: random_weights(RAC, prime="7"),
    "random_weights(seed=-1)": lambda: random_weights(RAC, seed=-1),
    "random_weights(None)": lambda: random_weights(None),
    "witness_weights(prime=0)": lambda: witness_weights(RAC, prime=0),
    "Partition(4, None)": lambda: Partition(4, None),
    "Partition(4, 5)": lambda: Partition(4, 5),
    "Partition.parse(None, 4)": lambda: Partition.parse(None, 4),
    "Partition.parse(5, 4)": lambda: Partition.parse(5, 4),
    "Partition.parse([1.5], 4)": lambda: Partition.parse([1.5], 4),
    "Partition.parse('x0', 4, legs=5)": lambda: Partition.parse("x0", 4, legs=5),
    "RankResult.from_dict(None)": lambda: RankResult.from_dict(None),
    "RankResult.from_dict({})": lambda: RankResult.from_dict({}, "grid"),
    "Report.from_dict(None)": lambda: Report.from_dict(None),
    "Report.from_json(None)": lambda: Report.from_json(None),
    "tnrank.load(None)": lambda: tnrank.load(None),
    "tnrank.load(5)": lambda: tnrank.load(5),
    "tnrank.save(RAC, None)": lambda: tnrank.save(RAC, None),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_bad_api_input_is_one_tnrank_error(call):
    with pytest.raises(TnrankError) as info:
        CALLS[call]()
    assert "\n" not in str(info.value) and str(info.value)


def test_the_messages_name_what_is_wrong():
    with pytest.raises(TnrankError, match=r"sources of layer 1 must be layer names \(text\) or "
                                          r"'input', got 1"):
        Architecture(M=2, layers=[Layer(2, sources=[1])])
    with pytest.raises(TnrankError, match="output must be layer names"):
        Architecture(M=2, layers=[2], output=[5])
    with pytest.raises(TnrankError, match="start side of a partition is a list of step indices"):
        Partition(4, None)


def test_one_name_stands_for_a_list_of_one():
    # a single source or output given as text, as a file would write it for one name
    one = Architecture(M=2, layers=[Layer(2, name="a"), Layer(3, sources="a", name="b")], output="b")
    listed = Architecture(M=2, layers=[Layer(2, name="a"), Layer(3, sources=["a"], name="b")],
                          output=["b"])
    assert one == listed and one.layers[1].sources == ("a",) and one.output == ("b",)


@pytest.mark.parametrize("depth", [1001, 10**6])
def test_a_depth_beyond_the_limit_names_the_limit_that_applies(depth):
    # the depth limit is MAX_DEPTH = 1,000 layers (the width limit is 100,000)
    from tnrank.model.architecture import MAX_DEPTH, MAX_WIDTH

    assert MAX_DEPTH == 1_000 < MAX_WIDTH
    with pytest.raises(TnrankError, match="limit of 1,000") as info:
        Architecture.rac(depth, 2, 2)
    assert "100,000" not in str(info.value)
    Architecture.rac(MAX_DEPTH, 2, 2)  # the limit itself is accepted
