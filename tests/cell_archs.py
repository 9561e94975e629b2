"""Polynomial cells and architectures with cells, shared by the tensor-network and drawing tests."""

from __future__ import annotations

from tnrank import Architecture, Cell, Layer
from tnrank.model.cell import CellState, CellWeight

S6 = Cell(state={"h": 3}, weights={"A": ("h", "x"), "B": ("h", "x"), "U": ("h", "x"), "C": ("h", "x")},
          update={"h": "(A @ x) * h + (B @ x) * (U @ x)"}, output="(C @ x) * h")
LRU = Cell(state={"h": 2}, weights={"L": CellWeight.diagonal("h"), "B": ("h", "x"), "C": ("x", "h")},
           update={"h": "L @ h + B @ x"}, output="C @ h")
ATTENTION = Cell(state={"S": (3, 2)}, weights={"Q": (3, "x"), "K": (3, "x"), "V": (2, "x")},
                 update={"S": "S + outer(K @ x, V @ x)"}, output="(Q @ x) @ S")
GATED = Cell(state={"S": (2, 2)}, weights={"Q": (2, "x"), "K": (2, "x"), "V": (2, "x"), "G": (2, "x")},
             update={"S": "rows(G @ x, S) + outer(K @ x, V @ x)"}, output="(Q @ x) @ S")
SECOND_ORDER = Cell(state={"h": CellState((2,), "state")},
                    weights={"T": ("h", "h", "x"), "b": ("h",), "C": ("x", "h")},
                    update={"h": "bilinear(T, h, x) + b"}, output="C @ h")
TWO_STATES = Cell(state={"h": 1, "c": 1},
                  weights={"A": ("h", "x"), "B": ("h", "h"), "F": ("h", "x")},
                  terms={"m": "(A @ x) * (B @ h)"},
                  update={"c": "(F @ x + m) * c + A @ x", "h": "m * c + F @ x"}, output="h")
PRODUCTS = Cell(state={"h": CellState((2,), "ones")}, weights={"A": ("h", "x"), "W": ("h", "h")},
                update={"h": "(A @ x) * (W @ h)"})  # the paper's RAC layer as a cell: no sum
CELLS = {"selective": S6, "diagonal": LRU, "linear attention": ATTENTION, "gated matrix": GATED,
         "second order": SECOND_ORDER, "two states": TWO_STATES, "products": PRODUCTS}

def _stack(cell, other=None, sources=None):
    layers = [Layer(cell=cell, name="a"), Layer(cell=other or cell, name="b", sources=sources or ())]
    return Architecture(M=2, layers=layers)


READS = Cell(state={"g": 2}, weights={"A": ("g", "x"), "E": (2, 2)},
             update={"g": "(A @ x) * g + E @ r.h"}, output="g * r.h")
ARCHITECTURES = {
    **{name: Architecture(M=2, layers=[Layer(cell=cell, name="c")]) for name, cell in CELLS.items()},
    "stack": _stack(S6),
    "several sources": _stack(LRU, S6, ("input", "a")),
    "two outputs": Architecture(M=2, layers=[Layer(cell=S6, name="a"), Layer(cell=PRODUCTS, name="b")],
                                output=("a", "b")),
    "a RAC layer reading a cell": Architecture(M=2, layers=[Layer(cell=S6, name="a"),
                                                             Layer(2, sources=("a",), name="r")]),
    "a cell reading a RAC layer": Architecture(
        M=2, layers=[Layer(2, name="r"), Layer(cell=READS, name="c", sources=("input",))]),
    "a cell fed by a RAC layer": Architecture(M=2, layers=[Layer(2, name="r"),
                                                            Layer(cell=S6, name="c", sources=("r",))]),
    "a cell reading a cell": Architecture(
        M=2, layers=[Layer(cell=Cell(state={"h": 2}, weights={"A": ("h", "x")}, update={"h": "A @ x + h"}),
                           name="r"),
                     Layer(cell=READS, name="c", sources=("input",))]),
    "products only": _stack(PRODUCTS),
}
