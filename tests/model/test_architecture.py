import pytest

from tnrank import Architecture, Layer, TnrankError


def test_rac_factory_is_the_papers_stack():
    arch = Architecture.rac(depth=3, width=4, M=2)
    assert arch.depth == 3 and arch.widths == (4, 4, 4) and arch.M == 2
    assert arch.layers[0].sources == ("input",)
    assert arch.layers[2].sources == ("layer2",)
    assert arch.output == ("layer3",)
    assert arch.is_standard_rac


def test_per_layer_widths_and_shorthand():
    arch = Architecture.rac(2, [3, 1], M=2)
    assert arch.widths == (3, 1)
    assert not arch.is_standard_rac  # Theorem 1 assumes one width
    assert Architecture(M=2, layers=[2, 5]).widths == (2, 5)


def test_parameter_and_mac_counts_by_hand():
    # depth 2, R=3, M=2: W^I1 3x2, W^H1 3x3, W^I2 3x3, W^H2 3x3, w^O 3
    arch = Architecture.rac(2, 3, 2)
    assert arch.parameter_count() == 6 + 9 + 9 + 9 + 3
    # per step: (6 + 9) + (9 + 9) multiply-accumulates plus 3 + 3 Hadamard products
    assert arch.macs_per_step() == 15 + 18 + 6


def test_topological_order_allows_any_acyclic_wiring():
    arch = Architecture(M=2, layers=[Layer(2, ("b",), name="a"), Layer(2, ("input",), name="b")])
    assert arch.order == (1, 0)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"M": 0, "layers": [2]}, "M (number of representation functions) must be at least 1"),
        ({"M": 2, "layers": []}, "at least one layer"),
        ({"M": 2, "layers": [0]}, "width of layer 1 must be at least 1"),
        ({"M": 2, "layers": [10**9]}, "larger than tnrank's limit"),
        ({"M": 2, "layers": [Layer(2, ("nope",))]}, "source 'nope' does not exist"),
        ({"M": 2, "layers": [Layer(2, integration="cubic")]}, "integration 'cubic' is unknown"),
        ({"M": 2, "layers": [2], "initial": "random"}, "initial state 'random' is unknown"),
        ({"M": 2, "layers": [2], "initial": "zeros"}, "identically zero"),
        ({"M": 2, "layers": [2], "output": ["top"]}, "output reads 'top'"),
        ({"M": 2.5, "layers": [2]}, "must be a whole number"),
    ],
)
def test_bad_architectures_name_the_problem(kwargs, fragment):
    with pytest.raises(TnrankError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        Architecture(**kwargs)


def test_cycle_within_a_step_is_reported_with_its_path():
    layers = [Layer(2, ("b",), name="a"), Layer(2, ("a",), name="b")]
    with pytest.raises(TnrankError, match="cycle: a -> b -> a|cycle: b -> a -> b"):
        Architecture(M=2, layers=layers)


def test_all_problems_are_reported_at_once():
    with pytest.raises(TnrankError) as err:
        Architecture(M=0, layers=[0, Layer(2, ("x",))])
    text = str(err.value)
    assert "M (number" in text and "width of layer 1" in text and "source 'x'" in text


def test_rac_rejects_bad_depth_and_width_count():
    with pytest.raises(TnrankError, match="depth L must be at least 1"):
        Architecture.rac(0, 2, 2)
    with pytest.raises(TnrankError, match="3 widths given for depth 2"):
        Architecture.rac(2, [1, 2, 3], 2)
