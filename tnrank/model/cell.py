r"""Polynomial cells: a recurrent layer written as a few named formulas.

A *cell* describes one layer of any polynomial recurrence: its named weights (each with a
shape and a structure), its states (vectors or matrices, each with an initial value), named
*terms* computed at each step, the *update* of every state, and the *output* the layer passes
on. Inside the formulas

* ``x`` is the layer's input at the step (its sources, concatenated: the representation
  :math:`f(x^t)` or other layers' outputs at the same step);
* a state's name is its value at the previous step in terms and updates, and its new value in
  the output;
* ``layer.state`` is another layer's state after that layer's update at the same step;
* a weight's name is its matrix (or vector, or scalar);

and the operations are ``@`` (a linear map ``W @ v``, ``v @ W`` for ``Wᵀ v``, a matrix value
times a vector ``S @ v`` or ``v @ S``, and the dot product of two vectors), ``*`` (elementwise,
or by a scalar), ``+`` and ``-``, ``** k`` (elementwise power), whole-number constants and the
functions ``outer``, ``rows``, ``cols`` and ``bilinear`` (:data:`~tnrank.model.cell_syntax.FUNCTIONS`).
Every such cell is a polynomial in its inputs and weights, so all of tnrank's certificates
apply to it. Mamba's selective state-space layer with its gates made linear is::

    Cell(state={"h": 3},
         weights={"A": (3, 3), "B": (3, 3), "U": (3, 3), "C": (3, 3)},
         update={"h": "(A @ x) * h + (B @ x) * (U @ x)"},
         output="(C @ x) * h")

A cell holds data only; :func:`tnrank.model.cell_program.compile_cell` checks it against the
dimension of its input and turns it into a :class:`~tnrank.model.cell_program.Program` of typed
operations, which every tool of tnrank reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tnrank.errors import TnrankError
from tnrank.formatting import did_you_mean
from tnrank.model.cell_syntax import FUNCTIONS

__all__ = ["Cell", "CellWeight", "CellState", "STRUCTURES", "STATE_INITIALS", "CELL_KEYS",
           "RESERVED_NAMES", "MAX_CELL_NAMES", "MAX_CELL_SIZE"]

#: Structures of a weight: a full array, a diagonal matrix (its diagonal is the parameter),
#: the identity (no parameter), a product ``U V`` of rank ``rank``.
STRUCTURES = ("dense", "diagonal", "identity", "low rank")
#: Initial values of a state: zero, all ones, or a learned vector or matrix (a weight).
STATE_INITIALS = ("zeros", "ones", "state")
#: Keys of a cell layer beyond those of every layer, in canonical order.
CELL_KEYS = ("output", "state", "weights", "terms", "update")
#: Names a cell may not give its states, weights or terms.
RESERVED_NAMES = frozenset({"x", "input", *FUNCTIONS})
#: Most states, weights and terms of one cell, all together.
MAX_CELL_NAMES = 200
#: Largest dimension of one axis of a weight or state.
MAX_CELL_SIZE = 100_000

Problem = Callable[[str], None]


def _whole(value: Any, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


@dataclass(frozen=True)
class CellWeight:
    """A named weight of a cell: its shape and structure, or the weight it is tied to.

    Parameters
    ----------
    shape : tuple of int or str
        Its dimensions: ``()`` a scalar, ``(n,)`` a vector, ``(r, c)`` a matrix, ``(i, j, k)``
        a 3-way tensor (for ``bilinear``). A dimension may be written as ``"x"`` (the
        dimension of the layer's input) or as the name of one of the cell's vector states.
    structure : {"dense", "diagonal", "identity", "low rank"}
        ``diagonal`` and ``identity`` are square matrices; ``low rank`` is ``U V`` with
        ``U`` of shape ``(r, rank)`` and ``V`` of shape ``(rank, c)``.
    rank : int
        The rank of a ``low rank`` weight (0 otherwise).
    tied : str
        The name of another weight of the cell whose values this one shares (its shape and
        structure come from it); empty for an own weight.

    Examples
    --------
    >>> CellWeight.diagonal(3).to_dict()
    {'structure': 'diagonal', 'shape': [3, 3]}
    >>> CellWeight.low_rank("h", "x", 1).to_dict()
    {'structure': 'low rank', 'shape': ['h', 'x'], 'rank': 1}
    """

    shape: tuple[int | str, ...] = ()
    structure: str = "dense"
    rank: int = 0
    tied: str = ""

    @classmethod
    def dense(cls, *shape: int | str) -> CellWeight:
        """A full array of this shape."""
        return cls(tuple(shape))

    @classmethod
    def diagonal(cls, n: int | str) -> CellWeight:
        """An ``n × n`` diagonal matrix: ``n`` parameters."""
        return cls((n, n), "diagonal")

    @classmethod
    def identity(cls, n: int | str) -> CellWeight:
        """The ``n × n`` identity: no parameters."""
        return cls((n, n), "identity")

    @classmethod
    def low_rank(cls, rows: int | str, cols: int | str, rank: int) -> CellWeight:
        """A ``rows × cols`` matrix ``U V`` of rank at most ``rank``."""
        return cls((rows, cols), "low rank", rank)

    @classmethod
    def tied_to(cls, name: str) -> CellWeight:
        """The same values as the cell's weight ``name``."""
        return cls(tied=name)

    def to_dict(self) -> dict[str, Any]:
        """The weight's table in an architecture file."""
        if self.tied:
            return {"tied": self.tied}
        out: dict[str, Any] = {"structure": self.structure, "shape": list(self.shape)}
        if self.structure == "low rank":
            out["rank"] = self.rank
        return out


@dataclass(frozen=True)
class CellState:
    """A state of a cell: a vector ``(n,)`` or a matrix ``(rows, cols)``, and its value before
    the first step.

    Parameters
    ----------
    shape : tuple of int
    initial : {"zeros", "ones", "state"}
        Zero, all ones, or a learned value (drawn with the weights).

    Examples
    --------
    >>> CellState((2, 3)).size
    6
    """

    shape: tuple[int, ...]
    initial: str = "zeros"

    @property
    def size(self) -> int:
        """Number of entries."""
        n = 1
        for d in self.shape:
            n *= d
        return n

    def to_dict(self) -> dict[str, Any]:
        """The state's table in an architecture file."""
        return {"shape": list(self.shape), "initial": self.initial}


class Cell:
    """One polynomial recurrent layer: states, weights, terms, updates and output.

    Parameters
    ----------
    state : mapping of str to CellState, int or tuple of int
        The states: ``{"h": 3}`` is a vector of 3 entries starting at zero, ``{"S": (2, 2)}``
        a 2 × 2 matrix; a :class:`CellState` sets another initial value.
    update : mapping of str to str
        One formula per state: its value after the step.
    weights : mapping of str to CellWeight or tuple, optional
        The weights: a tuple is a dense array of that shape.
    terms : mapping of str to str, optional
        Named intermediate values, computed at each step before the updates (any order: each
        may use the others, without cycles).
    output : str, optional
        What the layer passes on at each step (to layers that read it, and to the read-out
        after the last step); a vector. Default: the cell's only vector state.

    Notes
    -----
    The cell is data; it is checked when an :class:`~tnrank.model.architecture.Architecture`
    is built from it (which lists every problem at once).

    Examples
    --------
    >>> from tnrank import Architecture, Cell, Layer
    >>> s6 = Cell(state={"h": 3}, weights={"A": (3, 2), "B": (3, 2), "U": (3, 2), "C": (3, 2)},
    ...           update={"h": "(A @ x) * h + (B @ x) * (U @ x)"}, output="(C @ x) * h")
    >>> arch = Architecture(M=2, layers=[Layer(cell=s6, name="s6")])
    >>> arch.widths, arch.parameter_count(), arch.state_size
    ((3,), 27, 3)
    """

    __slots__ = ("_state", "_weights", "_terms", "_update", "_output")

    def __init__(
        self,
        state: Mapping[str, CellState | int | Iterable[int]],
        update: Mapping[str, str],
        weights: Mapping[str, CellWeight | Iterable[int | str]] | None = None,
        terms: Mapping[str, str] | None = None,
        output: str = "",
    ) -> None:
        problems: list[str] = []
        self._state = _mapping(state, "state", problems, _as_state)
        self._weights = _mapping(weights or {}, "weights", problems, _as_weight)
        self._terms = _mapping(terms or {}, "terms", problems, _as_text)
        self._update = _mapping(update, "update", problems, _as_text)
        if not isinstance(output, str):
            problems.append(f"a cell's output must be an expression (a string), got {output!r}")
            output = ""
        self._output = output
        if problems:
            raise TnrankError("; ".join(problems))

    # ------------------------------------------------------------------ data
    @property
    def state(self) -> dict[str, CellState]:
        """The states, by name, in the order given."""
        return dict(self._state)

    @property
    def weights(self) -> dict[str, CellWeight]:
        """The weights, by name, in the order given."""
        return dict(self._weights)

    @property
    def terms(self) -> dict[str, str]:
        """The named terms, by name, in the order given."""
        return dict(self._terms)

    @property
    def update(self) -> dict[str, str]:
        """The update formula of each state."""
        return dict(self._update)

    @property
    def output(self) -> str:
        """The output formula as given; empty for the default, the only vector state."""
        return self._output

    @property
    def output_expression(self) -> str:
        """The formula of the output, the default filled in (empty when there is none)."""
        if self._output:
            return self._output
        vectors = [n for n, s in self._state if len(s.shape) == 1]
        return vectors[0] if len(vectors) == 1 else ""

    @property
    def state_size(self) -> int:
        """Number of state entries, all states together."""
        return sum(s.size for _, s in self._state)

    def _key(self) -> tuple:
        return (self._state, self._weights, self._terms, self._update, self.output_expression)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cell) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        states = ", ".join(f"{n}{list(s.shape)}" for n, s in self._state)
        return f"Cell(state: {states}; output: {self.output_expression or '?'})"

    # ------------------------------------------------------------------ plain-dict form
    def to_dict(self) -> dict[str, Any]:
        """The cell's keys of a ``[[layer]]`` table, in the order of :data:`CELL_KEYS`
        (``terms`` left out when there are none); inverse of :meth:`from_dict`.

        >>> Cell(state={"h": 2}, update={"h": "h + x"}).to_dict()  # doctest: +NORMALIZE_WHITESPACE
        {'output': 'h', 'state': {'h': {'shape': [2], 'initial': 'zeros'}}, 'weights': {},
         'update': {'h': 'h + x'}}
        """
        out: dict[str, Any] = {
            "output": self.output_expression,
            "state": {n: s.to_dict() for n, s in self._state},
            "weights": {n: w.to_dict() for n, w in self._weights},
        }
        if self._terms:
            out["terms"] = dict(self._terms)
        out["update"] = dict(self._update)
        return out

    @classmethod
    def from_dict(cls, table: Mapping[str, Any], label: str, problem: Problem) -> Cell | None:
        """The cell of a ``[[layer]]`` table (its keys :data:`CELL_KEYS`), each problem passed
        to ``problem`` with ``label`` in front.

        An entry with a problem is read as far as it goes (a state with an unknown initial
        value as one starting at zero, a weight with an unknown structure as a dense one), so
        that compiling the cell can still find the problems of its formulas; None when no
        cell can be made at all. The caller refuses the file when ``problem`` was called.

        >>> found = []
        >>> Cell.from_dict({"state": {"h": {"shape": [2], "initial": "one"}}, "update": {}},
        ...                "[[layer]] 1", found.append)
        Cell(state: h[2]; output: h)
        >>> print(found[0])
        [[layer]] 1: state 'h': initial = 'one' is not allowed; did you mean 'ones'? (use one of: ...)
        """
        where = f"{label}: "
        states: dict[str, CellState] = {}
        raw_state = table.get("state")
        if raw_state is None:
            problem(f"{where}a cell needs a [layer.state] table naming its states, such as "
                    "h = {shape = [3], initial = \"zeros\"}")
        elif not isinstance(raw_state, dict) or not raw_state:
            problem(f"{where}state must be a table of states, such as h = {{shape = [3]}}")
        else:
            for name, spec in raw_state.items():
                st = _state_from_file(spec, f"{where}state {name!r}", problem)
                if st is not None:
                    states[name] = st
        weights: dict[str, CellWeight] = {}
        raw_weights = table.get("weights", {})
        if not isinstance(raw_weights, dict):
            problem(f"{where}weights must be a table of weights, such as A = {{shape = [3, 3]}}")
        else:
            for name, spec in raw_weights.items():
                w = _weight_from_file(spec, f"{where}weight {name!r}", problem)
                if w is not None:
                    weights[name] = w
        texts: dict[str, dict[str, str]] = {}
        for key, example in (("terms", 'a = "A @ x"'), ("update", 'h = "(A @ x) * h"')):
            raw = table.get(key, {})
            if key == "update" and "update" not in table:
                problem(f"{where}a cell needs a [layer.update] table with one formula per state, "
                        f"such as {example}")
            if not isinstance(raw, dict):
                problem(f"{where}{key} must be a table of formulas, such as {example}")
                raw = {}
            texts[key] = {}
            for name, text in raw.items():
                if not isinstance(text, str):
                    problem(f"{where}{key} {name!r} must be a formula in double quotes, such as "
                            f"{example.split(' = ')[1]}, got {text!r}")
                else:
                    texts[key][name] = text
        output = table.get("output", "")
        if not isinstance(output, str):
            problem(f"{where}output must be a formula in double quotes, such as \"(C @ x) * h\", "
                    f"got {output!r}")
            output = ""
        if raw_state is None or not states:
            return None
        try:  # entries with problems were read as far as they go, so that compiling the cell
            # finds the problems of its formulas too
            return cls(states, texts["update"], weights, texts["terms"], output)
        except TnrankError as exc:
            problem(f"{where}{exc}")
            return None


def _mapping(value: Any, what: str, problems: list[str], convert: Callable[[Any, str], Any]
             ) -> tuple[tuple[str, Any], ...]:
    if not isinstance(value, Mapping):
        problems.append(f"a cell's {what} must be a mapping from names to entries, got "
                        f"{type(value).__name__}")
        return ()
    out = []
    for name, item in value.items():
        if not isinstance(name, str):
            problems.append(f"a cell's {what} names must be strings, got {name!r}")
            continue
        try:
            out.append((name, convert(item, f"{what} {name!r}")))
        except TnrankError as exc:
            problems.append(str(exc))
    return tuple(out)


def _as_text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TnrankError(f"{what} must be a formula (a string), got {value!r}")
    return value


def _as_state(value: Any, what: str) -> CellState:
    if isinstance(value, CellState):
        state = value
    elif _whole(value, 1, MAX_CELL_SIZE):
        state = CellState((value,))
    elif isinstance(value, (tuple, list)):
        state = CellState(tuple(value))
    else:
        raise TnrankError(f"{what} must be a size, a shape (rows, cols) or a CellState, got {value!r}")
    if not 1 <= len(state.shape) <= 2 or not all(_whole(d, 1, MAX_CELL_SIZE) for d in state.shape):
        raise TnrankError(f"{what} has shape {state.shape}; a state is a vector (n,) or a matrix "
                          f"(rows, cols) of sizes 1 to {MAX_CELL_SIZE:,}")
    if state.initial not in STATE_INITIALS:
        raise TnrankError(f"{what}: initial {state.initial!r} is unknown"
                          f"{did_you_mean(str(state.initial), STATE_INITIALS)} (use one of "
                          f"{', '.join(STATE_INITIALS)})")
    return CellState(tuple(state.shape), state.initial)


def _as_weight(value: Any, what: str) -> CellWeight:
    if isinstance(value, CellWeight):
        w = value
    elif isinstance(value, (tuple, list)):
        w = CellWeight(tuple(value))
    elif _whole(value, 1, MAX_CELL_SIZE):
        w = CellWeight((value,))
    else:
        raise TnrankError(f"{what} must be a shape such as (3, 3) or a CellWeight, got {value!r}")
    if w.tied:
        if not isinstance(w.tied, str):
            raise TnrankError(f"{what}: tied must name another weight, got {w.tied!r}")
        return CellWeight(tied=w.tied)
    if w.structure not in STRUCTURES:
        raise TnrankError(f"{what}: structure {w.structure!r} is unknown"
                          f"{did_you_mean(str(w.structure), STRUCTURES)} (use one of "
                          f"{', '.join(STRUCTURES)})")
    shape = tuple(w.shape)
    for d in shape:
        if not (_whole(d, 1, MAX_CELL_SIZE) or isinstance(d, str)):
            raise TnrankError(f"{what}: dimension {d!r} must be a size from 1 to "
                              f"{MAX_CELL_SIZE:,}, \"x\" or the name of a vector state")
    if len(shape) > 3:
        raise TnrankError(f"{what} has {len(shape)} dimensions; a weight has at most 3")
    if w.structure != "dense" and len(shape) != 2:
        raise TnrankError(f"{what}: a {w.structure} weight is a matrix; give its shape as "
                          "[rows, cols]")
    if w.structure in ("diagonal", "identity") and shape[0] != shape[1]:
        raise TnrankError(f"{what}: a {w.structure} matrix is square, got shape {list(shape)}")
    if w.structure == "low rank":
        if not _whole(w.rank, 1, MAX_CELL_SIZE):
            raise TnrankError(f"{what}: a low rank weight needs its rank, a whole number >= 1")
    elif w.rank:
        raise TnrankError(f"{what}: rank applies to a low rank weight only")
    return CellWeight(shape, w.structure, w.rank if w.structure == "low rank" else 0)


_STATE_KEYS = ("shape", "initial")
_WEIGHT_KEYS = ("structure", "shape", "rank", "tied")


def _state_from_file(spec: Any, where: str, problem: Problem) -> CellState | None:
    if isinstance(spec, (int, list)) and not isinstance(spec, bool):
        spec = {"shape": spec}
    if not isinstance(spec, dict):
        problem(f"{where} must be a table such as {{shape = [3], initial = \"zeros\"}}, got {spec!r}")
        return None
    bad = False
    for key in spec:
        if key not in _STATE_KEYS:
            problem(f"{where}: unknown key {key!r}{did_you_mean(key, _STATE_KEYS)} "
                    f"(allowed: {', '.join(_STATE_KEYS)})")
    shape = spec.get("shape")
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = [shape]
    if not (isinstance(shape, list) and 1 <= len(shape) <= 2
            and all(_whole(d, 1, MAX_CELL_SIZE) for d in shape)):
        problem(f"{where}: shape must be [n] for a vector or [rows, cols] for a matrix, sizes 1 "
                f"to {MAX_CELL_SIZE:,}, got {shape!r}")
        bad = True
    initial = spec.get("initial", "zeros")
    if initial not in STATE_INITIALS:
        hint = did_you_mean(initial, STATE_INITIALS) if isinstance(initial, str) else ""
        problem(f"{where}: initial = {initial!r} is not allowed{hint} (use one of: "
                f"{', '.join(STATE_INITIALS)})")
        initial = "zeros"
    return None if bad else CellState(tuple(shape), initial)  # type: ignore[arg-type]


def _weight_from_file(spec: Any, where: str, problem: Problem) -> CellWeight | None:
    if isinstance(spec, list):
        spec = {"shape": spec}
    if not isinstance(spec, dict):
        problem(f"{where} must be a table such as {{shape = [3, 3]}} or {{structure = \"diagonal\", "
                f"shape = [3, 3]}}, got {spec!r}")
        return None
    bad = False
    for key in spec:
        if key not in _WEIGHT_KEYS:
            problem(f"{where}: unknown key {key!r}{did_you_mean(key, _WEIGHT_KEYS)} "
                    f"(allowed: {', '.join(_WEIGHT_KEYS)})")
    if "tied" in spec:
        others = [k for k in spec if k != "tied" and k in _WEIGHT_KEYS]
        if not isinstance(spec["tied"], str) or not spec["tied"]:
            problem(f"{where}: tied must be the name of another weight, got {spec['tied']!r}")
            bad = True
        if others:
            problem(f"{where}: a tied weight takes its {', '.join(others)} from the weight it is "
                    "tied to; give tied alone")
            bad = True
        return None if bad else CellWeight(tied=spec["tied"])
    structure = spec.get("structure", "dense")
    if structure not in STRUCTURES:
        hint = did_you_mean(structure, STRUCTURES) if isinstance(structure, str) else ""
        problem(f"{where}: structure = {structure!r} is not allowed{hint} (use one of: "
                f"{', '.join(STRUCTURES)})")
        structure = "dense"
    if "shape" not in spec:
        problem(f"{where}: key 'shape' is missing; give the dimensions, such as [3, 3] (a "
                "dimension may be \"x\" or a vector state's name)")
        return None
    shape = spec["shape"]
    if not isinstance(shape, list):
        problem(f"{where}: shape must be a list of dimensions such as [3, 3], got {shape!r}")
        return None
    try:
        return _as_weight(CellWeight(tuple(shape), structure, spec.get("rank", 0)), where)
    except TnrankError as exc:
        problem(str(exc))
        return None
