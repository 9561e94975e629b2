"""The values of a cell's weights and learned initial states.

A compiled cell (:class:`~tnrank.model.cell_program.Program`) names the arrays it needs: one per
dense weight, the diagonal of a diagonal weight, none for the identity, the two factors
``U`` (rows × rank) and ``V`` (rank × cols) of a low-rank weight, and the initial value of each
state whose ``initial`` is ``"state"``. :class:`CellParameters` holds them; the functions here
draw them at random or check arrays a user gives, through the converter of
:mod:`tnrank.model.weights` (so float, GF(p) and GF(q²) arrays follow one rule).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from tnrank.errors import TnrankError
from tnrank.model.cell_program import Program

__all__ = ["CellParameters", "draw_cell_parameters", "check_cell_parameters"]

#: ``convert(value, shape, what)``: an array of the weights' arithmetic, or a TnrankError.
Converter = Callable[[object, tuple[int, ...], str], np.ndarray]


@dataclass(frozen=True, eq=False)
class CellParameters:
    """The arrays of one cell layer.

    Attributes
    ----------
    weights : dict
        Weight name -> tuple of arrays (see the module notes), for the weights that hold
        values (tied weights read the arrays of the weight they are tied to).
    initial : dict
        State name -> its initial value, for the states whose ``initial`` is ``"state"``.
    """

    weights: dict[str, tuple[np.ndarray, ...]]
    initial: dict[str, np.ndarray]

    def mapped(self, f: Callable[[np.ndarray], np.ndarray]) -> CellParameters:
        """The same parameters with ``f`` applied to every array."""
        return CellParameters({n: tuple(f(a) for a in arrays) for n, arrays in self.weights.items()},
                              {n: f(a) for n, a in self.initial.items()})

    def as_mapping(self) -> dict[str, object]:
        """The form :func:`check_cell_parameters` reads: names to arrays (a pair for a low-rank
        weight)."""
        out: dict[str, object] = {n: (a[0] if len(a) == 1 else a) for n, a in self.weights.items()
                                  if a}
        return out | dict(self.initial)


def draw_cell_parameters(program: Program, draw: Callable[[tuple[int, ...]], np.ndarray]
                         ) -> dict[str, object]:
    """Random arrays for every weight and learned initial state of ``program``, drawn in
    declaration order (weights, then states) with ``draw(shape)``; in the form
    :func:`check_cell_parameters` reads."""
    out: dict[str, object] = {}
    for name, w in program.weights:
        shapes = w.arrays()
        if not shapes:
            continue
        arrays = tuple(draw(shape) for shape in shapes)
        out[name] = arrays[0] if len(arrays) == 1 else arrays
    for name, st in program.states:
        if st.initial == "state":
            out[name] = draw(st.shape)
    return out


def check_cell_parameters(program: Program, given: Mapping[str, object] | None, convert: Converter,
                          layer: str) -> CellParameters:
    """Check the arrays of one cell layer and convert them.

    Parameters
    ----------
    program : Program
    given : mapping
        Weight name -> array (a pair ``(U, V)`` for a low-rank weight); state name -> initial
        value for the states whose ``initial`` is ``"state"``.
    convert : callable
        ``convert(value, shape, what)`` (:func:`tnrank.model.weights.field_array` with a shape
        check).
    layer : str
        The layer's name, for messages.

    Raises
    ------
    TnrankError
        Naming the missing, unknown or misshapen array.
    """
    if not isinstance(given, Mapping):
        raise TnrankError(f"cell layer {layer!r} needs its weights as a mapping from names to arrays")
    weights: dict[str, tuple[np.ndarray, ...]] = {}
    expected = {name for name, w in program.weights if w.arrays()}
    expected |= {name for name, st in program.states if st.initial == "state"}
    unknown = sorted(set(given) - expected)
    if unknown:
        raise TnrankError(f"cell layer {layer!r} has no weight or learned initial state called "
                          f"{unknown[0]!r} (it needs: {', '.join(sorted(expected)) or 'none'})")
    for name, w in program.weights:
        shapes = w.arrays()
        if not shapes:
            weights[name] = ()
            continue
        if name not in given:
            raise TnrankError(f"cell layer {layer!r}: weight {name!r} is missing (shape "
                              f"{' and '.join(map(str, shapes))})")
        value = given[name]
        parts = tuple(value) if len(shapes) == 2 and isinstance(value, (tuple, list)) else (value,)
        if len(parts) != len(shapes):
            raise TnrankError(f"cell layer {layer!r}: low rank weight {name!r} needs two arrays "
                              f"(U of shape {shapes[0]}, V of shape {shapes[1]})")
        weights[name] = tuple(convert(a, s, f"weight {name!r} of cell layer {layer!r}")
                              for a, s in zip(parts, shapes, strict=True))
    initial = {name: convert(given[name], st.shape, f"initial {name!r} of cell layer {layer!r}")
               for name, st in program.states if st.initial == "state" and _needs(name, given, layer)}
    return CellParameters(weights, initial)


def _needs(name: str, given: Mapping[str, object], layer: str) -> bool:
    if name not in given:
        raise TnrankError(f"cell layer {layer!r}: state {name!r} starts from a learned value "
                          "(initial = \"state\"); give it")
    return True
