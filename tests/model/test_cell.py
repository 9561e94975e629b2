"""Polynomial cells: the formula whitelist, compilation with shapes, and architectures of cells."""

import pytest

from tnrank import Architecture, Cell, Layer, TnrankError
from tnrank.files.architecture_file import dumps, loads
from tnrank.model.cell import CellState, CellWeight
from tnrank.model.cell_program import compile_cell
from tnrank.model.cell_syntax import parse_expression

S6 = Cell(state={"h": 3}, weights={"A": ("h", "x"), "B": ("h", "x"), "U": ("h", "x"), "C": ("h", "x")},
          update={"h": "(A @ x) * h + (B @ x) * (U @ x)"}, output="(C @ x) * h")


def problems_of(text, where="update h"):
    return parse_expression(text, where)[1]


@pytest.mark.parametrize("text, fragment", [
    ("exp(A @ x) * h", "exp is not a polynomial"),
    ("softmax(A @ x)", "softmax is not a polynomial"),
    ("sigmoid(A @ x) * h", "sigmoid is not a polynomial"),
    ("h / 2", "division ('/') is not a polynomial operation"),
    ("h % 2", "the remainder ('%') is not a polynomial operation"),
    ("x[0] * h", "indexing is not part of the cell language"),
    ("h if x else h", "conditional expressions are not part"),
    ("0.5 * h", "constants must be whole numbers"),
    ("outer(a=x, b=h)", "outer takes positional arguments only"),
    ("outr(x, h)", "unknown function 'outr'; did you mean 'outer'?"),
    ("h ** x", "the exponent of '**' must be a whole number"),
    ("h ** 40", "the exponent of '**' must be a whole number from 0 to 16"),
    ("lambda: h", "lambdas are not part"),
    ("(A @ x", "is not a valid expression"),
    ("__import__('os')", "unknown function '__import__'"),
    ("x.__class__", "no layer is called"),  # a reference, refused when compiled (below)
])
def test_non_polynomial_and_foreign_constructs_are_refused(text, fragment):
    problems = problems_of(text)
    if fragment == "no layer is called":
        assert not problems  # parsed as layer.state, checked against the layers later
        cell = Cell(state={"h": 2}, update={"h": text})
        assert any(fragment in p for p in compile_cell(cell, 2, layer_names=("a",), own_name="a")[1])
        return
    assert any(fragment in p for p in problems), problems


def test_parsing_never_evaluates():
    """A formula that would have effects if executed is only read."""
    tree, problems = parse_expression("__import__('os').system('echo hacked')", "update h")
    assert tree is None and problems


def test_compiled_program_has_shapes_and_computes_shared_terms_once():
    program, problems = compile_cell(S6, x_dim=2)
    assert not problems
    kinds = [op.kind for op in program.ops]
    assert kinds.count("input") == 1 and kinds.count("apply") == 4
    assert program.width == 3 and program.state_size == 3
    # the output reads the new state: its product is computed after the update
    out = program.ops[program.output]
    assert out.kind == "mul" and program.output >= program.step_ops
    twice = Cell(state={"h": 2}, weights={"A": (2, 2)}, update={"h": "(A @ x) * h + (A @ x)"})
    p2, _ = compile_cell(twice, 2)
    assert [op.kind for op in p2.ops].count("apply") == 1


@pytest.mark.parametrize("expr, shape", [
    ("A @ x", (3,)), ("x @ P", (3,)), ("S @ v", (3,)), ("(A @ x) @ S", (2,)), ("x @ x", ()),
    ("outer(A @ x, v)", (3, 2)), ("rows(A @ x, S)", (3, 2)), ("cols(v, S)", (3, 2)),
    ("bilinear(T, A @ x, x)", (3,)), ("W @ S", (4, 2)), ("2 * S - S", (3, 2)), ("(x @ x) * v", (2,)),
    ("v ** 3", (2,)), ("-v + 1", (2,)),
])
def test_each_operation_has_its_shape(expr, shape):
    weights = {"A": (3, "x"), "P": ("x", 3), "T": (3, 3, "x"), "W": (4, 3)}
    weights = {k: w for k, w in weights.items() if k in expr}
    state = {"S": (3, 2), "v": 2}
    update = {"S": "S + 0 * S", "v": "v"}
    if shape:  # a state of that shape holds the result
        state["o"] = shape
        update["o"] = expr
        output = "v"
    else:
        output = f"({expr}) * v"
    program, problems = compile_cell(Cell(state=state, weights=weights, update=update,
                                          output=output), x_dim=2)
    assert not problems, problems
    if shape:
        assert program.ops[dict(program.updates)["o"]].shape == shape
    else:
        assert any(op.shape == () and op.kind == "dot" for op in program.ops)


def test_every_problem_of_a_cell_is_listed_with_the_closest_name():
    cell = Cell(state={"h": 3, "S": (2, 2)},
                weights={"A": (3, "x"), "W": (3, 3), "D": CellWeight.diagonal(3), "Z": (2, 2)},
                terms={"a": "b + x", "b": "a * 2"},
                update={"h": "(A @ x) * hh + W @ x + W @ h + D * h", "k": "x"},
                output="h")
    _, problems = compile_cell(cell, x_dim=2)
    text = "\n".join(problems)
    assert "update 'k' is not a state" in text
    assert "state 'S' is never written" in text
    assert "unknown name 'hh'; did you mean 'h'?" in text
    assert "weight 'W' is used with two shapes" in text
    assert "D is a diagonal matrix: apply it with @" in text
    assert "cycle within one step: a -> b -> a" in text
    assert "weight 'Z' is never used" in text


@pytest.mark.parametrize("cell, fragment", [
    (Cell(state={"h": 2}, weights={"A": (3, 2)}, update={"h": "A @ x"}), "is a vector of 3, but state h"),
    (Cell(state={"h": 2}, weights={"A": (2, 3)}, update={"h": "A @ x"}),
     "shape mismatch: A is 2×3 but A @ v is given 2 entries"),
    (Cell(state={"h": 2, "S": (2, 2)}, update={"h": "h * S", "S": "S"}), "gate the matrix's rows"),
    (Cell(state={"h": 2, "S": (2, 2)}, update={"h": "h", "S": "S @ S"}), "product of two matrix values"),
    (Cell(state={"S": (2, 2)}, update={"S": "S"}, output="S"), "the output is a vector"),
    (Cell(state={"h": 2, "g": 3}, update={"h": "h + g", "g": "g"}),
     "shapes vector of 2 and vector of 3 differ"),
    (Cell(state={"h": 2}, weights={"x": (2,)}, update={"h": "h"}), "weight name 'x' is reserved"),
    (Cell(state={"h": 2, "k": 2}, update={"h": "h", "k": "k"}), "the cell has no output"),
    (Cell(state={"h": 2}, weights={"A": ("q", "x")}, update={"h": "A @ x"}), "dimension 'q' is not"),
    (Cell(state={"h": 2}, weights={"B": CellWeight.tied_to("C")}, update={"h": "B @ h"}),
     "tied to 'C', which is not a weight"),
])
def test_shape_and_name_problems_are_named(cell, fragment):
    program, problems = compile_cell(cell, x_dim=2)
    assert program is None and any(fragment in p for p in problems), problems


def test_cell_layer_width_parameters_and_state_size():
    arch = Architecture(M=2, layers=[Layer(cell=S6, name="s6")])
    assert arch.widths == (3,) and arch.state_size == 3 and arch.has_cells
    assert arch.parameter_count() == 4 * 3 * 2 + 3  # four 3×2 maps and the output weights
    assert not arch.is_standard_rac
    assert arch.layers[0].integration == "cell"


def test_parameter_counts_follow_the_structure():
    cell = Cell(state={"h": 3, "S": CellState((2, 2), "state")},
                weights={"A": ("h", "x"), "D": CellWeight.diagonal("h"), "I": CellWeight.identity(3),
                         "L": CellWeight.low_rank(3, 3, 1), "At": CellWeight.tied_to("A"),
                         "T": (3, 3, 2), "g": ()},
                update={"h": "D @ h + I @ (L @ h) + A @ x + At @ x + bilinear(T, h, x)",
                        "S": "g * S"},
                output="h")
    program, problems = compile_cell(cell, x_dim=2)
    assert not problems
    # A: 6, D: 3, I: 0, L: 1·(3+3), At: tied, T: 18, g: 1, learned initial S: 4
    assert program.parameter_count() == 6 + 3 + 0 + 6 + 18 + 1 + 4


def test_cells_read_other_layers_states_in_order():
    reader = Cell(state={"g": 2}, weights={"W": ("g", "x")}, update={"g": "W @ x + base.h * g"})
    arch = Architecture(M=2, layers=[Layer(cell=reader, name="top", sources=("input",)),
                                     Layer(2, ("input",), name="base")])
    assert arch.order.index(1) < arch.order.index(0)  # base is computed before top reads it
    loop = Cell(state={"g": 2}, weights={"W": ("g", "x")}, update={"g": "W @ x + top.g"})
    with pytest.raises(TnrankError, match="cycle"):
        Architecture(M=2, layers=[Layer(cell=reader, name="top", sources=("input",)),
                                  Layer(cell=loop, name="base", sources=("top",))])
    with pytest.raises(TnrankError, match=r"layer 'base' has no state 'k' \(its states: 'h'\)"):
        Architecture(M=2, layers=[Layer(cell=Cell(state={"g": 2}, weights={"W": ("g", "x")},
                                                  update={"g": "W @ x + base.k"}), name="top"),
                                  Layer(2, ("input",), name="base")])


CANONICAL = '''# tnrank architecture file; every key is described in docs/architecture-files.md
format = "tnrank-architecture/1"
name = "S6"
description = ""
reference = ""
M = 2
initial = "ones"
output = ["s6"]

[[layer]]
name = "s6"
width = 3
sources = ["input"]
integration = "cell"
output = "(C @ x) * h"

[layer.state]
h = {shape = [3], initial = "zeros"}

[layer.weights]
A = {structure = "dense", shape = ["h", "x"]}
B = {structure = "dense", shape = ["h", "x"]}
U = {structure = "dense", shape = ["h", "x"]}
C = {structure = "dense", shape = ["h", "x"]}

[layer.update]
h = "(A @ x) * h + (B @ x) * (U @ x)"
'''


def test_file_and_python_builder_are_the_same_cell_and_round_trip_byte_for_byte(tmp_path):
    import tnrank

    built = Architecture(M=2, layers=[Layer(cell=S6, name="s6")], name="S6")
    assert loads(CANONICAL) == built
    assert dumps(built) == CANONICAL
    path = tmp_path / "s6.toml"
    path.write_text(CANONICAL)
    tnrank.save(tnrank.load(path), tmp_path / "again.toml")
    assert (tmp_path / "again.toml").read_bytes() == path.read_bytes()


def test_shorthand_in_files_reads_as_the_canonical_form():
    text = ('M = 2\n[[layer]]\n[layer.state]\nh = 3\n[layer.weights]\nA = ["h", "x"]\n'
            '[layer.update]\nh = "A @ x + h"\n')
    arch = loads(text)
    assert arch.layers[0].integration == "cell" and arch.widths == (3,)
    assert loads(dumps(arch)) == arch


def test_a_file_lists_every_problem_at_once():
    text = '''M = 3
[[layer]]
name = "s6"
[layer.state]
h = {shape = [3]}
S = {shape = [2, 2], initial = "zero"}
[layer.weights]
A = {shape = [3, "x"]}
B = {shape = [3, 4]}
C = {structure = "diagonl", shape = [3, 3]}
[layer.terms]
g = "softmax(A @ x)"
[layer.update]
h = "(A @ x) * hh + B @ x"
'''
    with pytest.raises(TnrankError) as err:
        loads(text, source="bad.toml")
    lines = str(err.value).splitlines()
    assert lines[0] == "bad.toml: 7 problems in the architecture file"
    for fragment in ("initial = 'zero' is not allowed; did you mean 'zeros'?",
                     "structure = 'diagonl' is not allowed; did you mean 'diagonal'?",
                     "state 'S' is never written", "softmax is not a polynomial",
                     "unknown name 'hh'; did you mean 'h'?",
                     "shape mismatch: B is 3×4 but B @ v is given 3 entries",
                     "weight 'C' is never used"):
        assert any(fragment in line for line in lines), fragment


def test_cell_keys_need_a_cell_layer():
    with pytest.raises(TnrankError, match="update belong to a cell layer"):
        loads('M = 2\n[[layer]]\nwidth = 2\nintegration = "additive"\n[layer.update]\nh = "x"\n')
    with pytest.raises(TnrankError, match="a cell needs a \\[layer.state\\] table"):
        loads('M = 2\n[[layer]]\nintegration = "cell"\n')
    with pytest.raises(TnrankError, match="width = 4, but the cell's output has 3 entries"):
        loads(CANONICAL.replace("width = 3", "width = 4"))
