import pytest

from tnrank import Partition, TnrankError


def test_named_partitions():
    p = Partition.parse("start-end", 8)
    assert p.start == (0, 1, 2, 3) and p.end == (4, 5, 6, 7)
    assert p.prefix_length == 4 and p.name == "start-end"
    q = Partition.parse("interleaved", 5)
    assert q.start == (0, 2, 4) and q.end == (1, 3)
    assert q.prefix_length is None and q.name == "interleaved"


def test_explicit_steps_and_prefix_detection():
    p = Partition.parse("0,2,5", 6)
    assert p.start == (0, 2, 5) and p.end == (1, 3, 4)
    assert Partition.parse("3,4,5", 6).prefix_length == 3  # the end side is the prefix
    assert Partition.parse([2, 0], 4).start == (0, 2)
    assert p.swapped().start == p.end


@pytest.mark.parametrize(
    "spec, T, fragment",
    [
        ("start-end", 7, "needs an even T"),
        ("start-end", 1, "T must be a whole number >= 2"),
        ("0,0,1", 4, "more than once"),
        ("0,9", 4, "out of range"),
        ("", 4, "start side of the partition is empty"),
        ("0,1,2,3", 4, "end side of the partition is empty"),
        ("zero,one", 4, "cannot read partition"),
    ],
)
def test_bad_partitions(spec, T, fragment):
    with pytest.raises(TnrankError, match=fragment):
        Partition.parse(spec, T)


@pytest.mark.parametrize("spelling", ["start-end", "startend", "start_end", "Start_End", "se"])
def test_start_end_spellings(spelling):
    # "start_end" is the spelling of Python identifiers; it is the same partition
    assert Partition.parse(spelling, 6).start == (0, 1, 2)
    assert Partition.parse(spelling, 6) == Partition(6, (0, 1, 2))
