r"""Recurrent arithmetic circuits: depth, widths, wiring and integration.

A recurrent arithmetic circuit (RAC) of depth :math:`L` reads representation
vectors :math:`v^t = f(x^t) \in \mathbb{R}^M` and updates one hidden state per
layer: with the input term :math:`a^{t,l} = W^{I,l} s^{t,l}` (:math:`s^{t,l}`
the sources of layer :math:`l` at step :math:`t`) and the hidden term
:math:`b^{t,l} = W^{H,l} h^{t-1,l}`,

.. math::

    h^{t,l} = \begin{cases}
        a^{t,l} \odot b^{t,l} & \text{(multiplicative)} \\
        a^{t,l} + b^{t,l} & \text{(additive)} \\
        \alpha \odot a^{t,l} \odot b^{t,l} + \beta_1 \odot a^{t,l}
            + \beta_2 \odot b^{t,l} + \text{bias} & \text{(general)}
    \end{cases}

and outputs :math:`y = \sum_{l \in \text{output}} \langle w^{O,l}, h^{T,l} \rangle`.

The paper's RAC (Levine, Sharir, Ziv & Shashua, arXiv:1710.09431, Sec. 2)
is the special case of multiplicative layers, each fed by the layer below,
the output reading the top layer, and the initial-state convention
:math:`W^{H,l} h^{0,l} = \mathbf{1}` (``initial="ones"``).

A layer may instead be a *cell* (``integration="cell"``): any polynomial recurrence written
as named formulas (:class:`~tnrank.model.cell.Cell`), whose output at each step is what the
layers reading it and the read-out see. The three integrations above keep their own engine
paths and bounds; a cell is compiled into a :class:`~tnrank.model.cell_program.Program` that
every tool reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tnrank.errors import TnrankError, whole_number
from tnrank.formatting import did_you_mean, format_names, printable
from tnrank.model.cell import CELL_KEYS, Cell
from tnrank.model.cell_program import Program, compile_cell
from tnrank.model.cell_syntax import expression_names, parse_expression

__all__ = ["Architecture", "Layer", "wiring_problems", "compile_cells", "cell_references",
           "INTEGRATIONS", "INITIAL_STATES", "INPUT", "ARCHITECTURE_FORMAT", "TOP_KEYS", "LAYER_KEYS",
           "CELL"]

#: Name of the raw representation :math:`f(x^t)` as a layer source.
INPUT = "input"
#: Ways a layer merges its input term :math:`a` with its hidden term :math:`b`, or
#: ``"cell"``: the layer is a polynomial cell (:class:`~tnrank.model.cell.Cell`).
INTEGRATIONS = ("multiplicative", "additive", "general", "cell")
#: The integration of a cell layer.
CELL = "cell"
#: Initial-state conventions. ``ones`` sets :math:`W^{H,l} h^{0,l} = \mathbf{1}` (the
#: paper's), ``zeros`` sets it to 0, ``state`` uses an explicit :math:`h^{0,l}` carried by
#: the weights.
INITIAL_STATES = ("ones", "zeros", "state")

#: Largest width (hidden channels or M) tnrank accepts; larger is almost
#: surely a typo and would exhaust memory long before producing a rank.
MAX_WIDTH = 100_000
#: Largest number of layers.
MAX_DEPTH = 1_000
#: Value of the ``format`` key of the plain-dict form and of architecture files
#: (data without it are read as this format).
ARCHITECTURE_FORMAT = "tnrank-architecture/1"
#: Top-level keys, in canonical order.
TOP_KEYS = ("format", "name", "description", "reference", "M", "initial", "output", "layer")
#: Keys of a ``[[layer]]`` table, in canonical order (the last five for cell layers only).
LAYER_KEYS = ("name", "width", "sources", "integration", *CELL_KEYS)
_TEXT_KEYS = ("name", "description", "reference")


def _check_size(value: object, what: str, fix: str = "") -> int:
    return whole_number(value, what, MAX_WIDTH, fix)


def _layer_names(value: Any, what: str, problems: list[str]) -> tuple[str, ...]:
    """Layer names given as one name or a list of names; a problem recorded for anything else."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, bytes):
        names = tuple(value)
        if all(isinstance(n, str) for n in names):
            return names
        wrong = next(n for n in names if not isinstance(n, str))
        problems.append(f"{what} must be layer names (text) or 'input', got {wrong!r}")
    else:
        problems.append(f"{what} must be a list of layer names, got {type(value).__name__}")
    return ()


@dataclass(frozen=True)
class Layer:
    """One recurrent layer.

    Parameters
    ----------
    width : int
        Number of hidden channels :math:`R_l`; for a cell, the number of entries of its
        output (0: taken from the cell).
    sources : tuple of str, optional
        What feeds the layer's input term at each step, concatenated in this
        order: ``"input"`` (the representation :math:`f(x^t)`) or the name of
        another layer (its state, or a cell's output, at the same step). Empty
        means the layer below (``"input"`` for the first layer).
    integration : {"multiplicative", "additive", "general", "cell"}
        How the input term ``a`` and the hidden term ``b`` merge; ``"cell"`` (set
        by giving ``cell``) for a polynomial cell.
    name : str, optional
        Name used by other layers' ``sources`` and by the output; defaults
        to ``"layer<k>"`` with ``k`` its 1-based position.
    cell : Cell, optional
        The layer's formulas (:class:`~tnrank.model.cell.Cell`); its input ``x`` is the
        concatenation of ``sources``.
    """

    width: int = 0
    sources: tuple[str, ...] = ()
    integration: str = "multiplicative"
    name: str = ""
    cell: Cell | None = None

    @property
    def is_cell(self) -> bool:
        """Whether the layer is a polynomial cell."""
        return self.cell is not None or self.integration == CELL


@dataclass(frozen=True)
class Architecture:
    """A recurrent arithmetic circuit, validated on construction.

    Parameters
    ----------
    M : int
        Number of representation functions (input dimension).
    layers : sequence of Layer or int
        The layers, bottom to top; an ``int`` is shorthand for a
        multiplicative layer of that width fed by the layer below.
    output : sequence of str, optional
        Layers the output reads (their final states are concatenated);
        default: the last layer.
    initial : {"ones", "zeros", "state"}
        Initial-state convention (see :data:`INITIAL_STATES`).
    name, description, reference : str
        Shown in reports.

    Examples
    --------
    >>> from tnrank import Architecture
    >>> arch = Architecture.rac(depth=2, width=3, M=3)
    >>> arch.depth, arch.widths, arch.is_standard_rac
    (2, (3, 3), True)
    >>> Architecture(M=4, layers=[3, 1, 3]).widths
    (3, 1, 3)
    """

    M: int
    layers: tuple[Layer, ...]
    output: tuple[str, ...] = ()
    initial: str = "ones"
    name: str = ""
    description: str = ""
    reference: str = ""
    _order: tuple[int, ...] = field(default=(), repr=False, compare=False)
    _programs: tuple[Program | None, ...] = field(default=(), repr=False, compare=False)

    def __init__(
        self,
        M: int,
        layers: Sequence[Layer | int],
        output: Iterable[str] = (),
        initial: str = "ones",
        name: str = "",
        description: str = "",
        reference: str = "",
    ) -> None:
        problems: list[str] = []
        try:
            M = _check_size(M, "M (number of representation functions)")
        except TnrankError as exc:
            problems.append(str(exc))
        if isinstance(layers, (int, Layer)):
            layers = [layers]
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Iterable):
            raise TnrankError(f"layers must be a list of widths or Layer objects, got "
                              f"{type(layers).__name__}")
        layers = list(layers)
        if not layers:
            problems.append("an architecture needs at least one layer (depth >= 1)")
        elif len(layers) > MAX_DEPTH:
            raise TnrankError(
                f"depth {len(layers):,} is larger than tnrank's limit of {MAX_DEPTH:,} layers; "
                "no rank or bound of such a circuit can be computed"
            )
        built: list[Layer] = []
        for k, layer in enumerate(layers, start=1):
            if isinstance(layer, Cell):
                layer = Layer(cell=layer)
            elif not isinstance(layer, Layer):
                layer = Layer(width=layer)
            integration = layer.integration
            if not isinstance(integration, str):
                problems.append(f"integration of layer {k} must be text, got {integration!r}")
                integration = "multiplicative"
            if layer.cell is not None:
                if not isinstance(layer.cell, Cell):
                    problems.append(f"cell of layer {k} must be a Cell, got {type(layer.cell).__name__}")
                elif integration not in ("multiplicative", CELL):
                    problems.append(f"layer {k} has a cell and integration {integration!r}; a cell "
                                    f"layer's integration is {CELL!r}")
                integration = CELL
            elif integration == CELL:
                problems.append(f"layer {k} has integration {CELL!r} but no cell; give "
                                "Layer(cell=Cell(...))")
            width = layer.width
            if not (layer.is_cell and width == 0):
                try:
                    width = _check_size(layer.width, f"width of layer {k}")
                except TnrankError as exc:
                    problems.append(str(exc))
                    width = 1
            name_k = layer.name or f"layer{k}"
            default_src = (INPUT,) if k == 1 else (built[-1].name if built else INPUT,)
            sources = _layer_names(layer.sources, f"sources of layer {k}", problems)
            built.append(
                Layer(
                    width=width,
                    sources=sources or default_src,
                    integration=integration,
                    name=name_k,
                    cell=layer.cell if isinstance(layer.cell, Cell) else None,
                )
            )
        output = _layer_names(output, "output", problems) or ((built[-1].name,) if built else ())
        texts = {"name": name, "description": description, "reference": reference}
        texts.update({f"name of layer {k}": ly.name for k, ly in enumerate(built, start=1)})
        for what, text in texts.items():
            if not isinstance(text, str) or "\n" in text or "\r" in text:
                problems.append(f"{what} must be one line of text; reports show it on a single line")
        if initial not in INITIAL_STATES:
            problems.append(
                f"initial state {initial!r} is unknown; use one of {', '.join(INITIAL_STATES)}"
            )
        for at, text in wiring_problems(built, output, initial):
            problems.append(text if at is None else f"layer {built[at].name!r}: {text}")
        order: tuple[int, ...] = ()
        programs: tuple[Program | None, ...] = ()
        if not problems:
            order, _ = _topological_order(built)
            built, programs, found = compile_cells(built, M, order)
            problems += [f"layer {built[k].name!r}: {text}" for k, text in found]
        if problems:
            raise TnrankError("; ".join(problems))
        object.__setattr__(self, "M", M)
        object.__setattr__(self, "layers", tuple(built))
        object.__setattr__(self, "output", output)
        object.__setattr__(self, "initial", initial)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "reference", reference)
        object.__setattr__(self, "_order", order)
        object.__setattr__(self, "_programs", programs)

    # ------------------------------------------------------------------ factories
    @classmethod
    def rac(
        cls,
        depth: int,
        width: int | Sequence[int],
        M: int,
        initial: str = "ones",
    ) -> Architecture:
        """The paper's depth-``L`` RAC: multiplicative layers stacked bottom to top.

        Parameters
        ----------
        depth : int
            Number of layers ``L``.
        width : int or sequence of int
            Hidden channels ``R``, one value for all layers or one per layer.
        M : int
            Number of representation functions.
        initial : str
            Initial-state convention; the paper's ``"ones"`` by default.

        Returns
        -------
        Architecture
        """
        depth = whole_number(depth, "depth L", MAX_DEPTH, "; a RAC has at least one layer")
        if isinstance(width, (list, tuple)):
            if len(width) != depth:
                raise TnrankError(
                    f"{len(width)} widths given for depth {depth}; give one width or one per layer"
                )
            widths = list(width)
        else:
            widths = [width] * depth
        label = f"RAC L={depth} R={'/'.join(map(str, widths)) if len(set(widths)) > 1 else widths[0]} M={M}"
        return cls(
            M=M,
            layers=[Layer(width=w) for w in widths],
            initial=initial,
            name=label,
            description=f"depth-{depth} recurrent arithmetic circuit",
            reference="Levine et al., arXiv:1710.09431, Sec. 2",
        )

    # ------------------------------------------------------------------ plain-dict form
    def to_dict(self) -> dict[str, Any]:
        """The plain-dict form: the keys of an architecture file, every one written, in the
        order of :data:`TOP_KEYS` and :data:`LAYER_KEYS`; inverse of :meth:`from_dict`.

        >>> Architecture(M=2, layers=[3]).to_dict()["layer"]
        [{'name': 'layer1', 'width': 3, 'sources': ['input'], 'integration': 'multiplicative'}]
        """
        return {
            "format": ARCHITECTURE_FORMAT, "name": self.name, "description": self.description,
            "reference": self.reference, "M": self.M, "initial": self.initial,
            "output": list(self.output),
            "layer": [{"name": ly.name, "width": ly.width, "sources": list(ly.sources),
                       "integration": ly.integration}
                      | (ly.cell.to_dict() if ly.cell is not None else {}) for ly in self.layers],
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "architecture") -> Architecture:
        """Build an architecture from its plain-dict form (a parsed architecture file).

        Parameters
        ----------
        data : mapping
            The keys of :data:`TOP_KEYS`; layers under ``"layer"`` as a list of tables.
        source : str
            How error messages name the data (a file name).

        Raises
        ------
        TnrankError
            Listing every problem found, after a one-line summary.

        Examples
        --------
        >>> arch = Architecture.from_dict({"M": 3, "layer": [{"width": 2}, {"width": 2}]})
        >>> arch == Architecture(M=3, layers=[2, 2])
        True
        >>> Architecture.from_dict({"M": 3, "layer": [{"widht": 2}]}, source="my.toml")
        Traceback (most recent call last):
        ...
        tnrank.errors.TnrankError: my.toml: 2 problems in the architecture file
          - [[layer]] 1: unknown key 'widht'; did you mean 'width'? (allowed: name, width, sources, ...)
          - [[layer]] 1: key 'width' is missing; give the number of hidden channels (1 to 100,000)
        """
        if not isinstance(data, dict):
            raise TnrankError(f"{printable(source)}: expected a table of keys (M, layer, ...), "
                              f"got {type(data).__name__}")
        problems = _Problems(source)
        _unknown_keys(data, TOP_KEYS, "", problems)

        fmt = data.get("format", ARCHITECTURE_FORMAT)
        if fmt != ARCHITECTURE_FORMAT:
            kind = (" (a tensor-network file, read by `tnrank bound`)"
                    if isinstance(fmt, str) and fmt.startswith("tnrank-network") else "")
            problems.add(f"format = {fmt!r}{kind} is not an architecture file; expected "
                         f"{ARCHITECTURE_FORMAT!r}")

        texts = {key: _text(data.get(key, ""), key, problems) or "" for key in _TEXT_KEYS}
        if "M" in data:
            M = _size(data["M"], "M (number of representation functions)", problems)
        else:
            M = None
            problems.add("key 'M' is missing; give the number of representation functions (input "
                         f"dimension), a whole number from 1 to {MAX_WIDTH:,}")
        initial = _choice(data.get("initial", "ones"), "initial", INITIAL_STATES, problems)

        raw_layers = data.get("layer")
        tables: list[dict] = []
        if raw_layers is None:
            problems.add("no [[layer]] table; describe each layer in a [[layer]] table with at least "
                         "its width")
        elif isinstance(raw_layers, dict):
            problems.add("'layer' is a single table; write [[layer]] (double brackets) once per layer")
        elif not isinstance(raw_layers, list) or not all(isinstance(t, dict) for t in raw_layers):
            problems.add("'layer' must be an array of tables: write [[layer]] once per layer")
        elif not raw_layers:
            problems.add("no [[layer]] table; an architecture needs at least one layer")
        elif len(raw_layers) > MAX_DEPTH:
            raise TnrankError(f"{printable(source)}: {len(raw_layers):,} [[layer]] tables; tnrank "
                              f"handles at most {MAX_DEPTH:,} layers")
        else:
            tables = raw_layers

        # first pass: each layer on its own
        layers: list[dict[str, Any]] = []
        for k, table in enumerate(tables, start=1):
            raw_name = table.get("name")
            label = f"[[layer]] {k}" + (f" ({raw_name!r})" if isinstance(raw_name, str) else "")
            where = f"{label}: "
            _unknown_keys(table, LAYER_KEYS, where, problems)
            cell_keys = [key for key in CELL_KEYS if key in table]
            is_cell = table.get("integration") == CELL or (bool(cell_keys)
                                                           and "integration" not in table)
            if "width" in table:
                width = _size(table["width"], f"{label}: width", problems)
            elif is_cell:
                width = 0
            else:
                width = None
                problems.add(f"{where}key 'width' is missing; give the number of hidden channels "
                             f"(1 to {MAX_WIDTH:,})")
            name = f"layer{k}" if raw_name is None else _text(raw_name, f"{label}: name", problems,
                                                                  allow_empty=False)
            integration = _choice(table.get("integration", CELL if is_cell else "multiplicative"),
                                  f"{label}: integration", INTEGRATIONS, problems)
            if cell_keys and not is_cell:
                problems.add(f"{where}{', '.join(cell_keys)} belong to a cell layer; write "
                             f"integration = {CELL!r} or remove them")
            cell = Cell.from_dict(table, label, problems.add) if is_cell else None
            sources = (_names(table["sources"], f"{label}: sources", problems, '["layer1", "input"]')
                       if "sources" in table else ())
            layers.append({"label": label, "name": name, "width": width, "integration": integration,
                           "sources": sources, "cell": cell, "is_cell": is_cell})

        # second pass: names, wiring and output, checked by the model's one validator
        output: tuple[str, ...] | None = ()
        if "output" in data:
            output = _names(data["output"], "output", problems, '["layer3"]')
        if all(ly[key] is not None for ly in layers for key in ("name", "sources", "integration")):
            built = [
                Layer(ly["width"] if ly["is_cell"] else (ly["width"] or 1),
                      tuple(ly["sources"]) or ((INPUT,) if k == 0 else (layers[k - 1]["name"],)),
                      ly["integration"], ly["name"], ly["cell"])
                for k, ly in enumerate(layers)
            ]
            default_output = (built[-1].name,) if built else ()
            wiring = wiring_problems(built, output or default_output, initial or "ones")
            for at, text in wiring:
                problems.add(text if at is None else f"{layers[at]['label']}: {text}")
            cells_read = all(ly["cell"] is not None for ly in layers if ly["is_cell"])
            if not wiring and cells_read and M is not None and all(ly["width"] is not None
                                                                   for ly in layers):
                order, _ = _topological_order(built)
                for k, text in compile_cells(built, M, order)[2]:
                    problems.add(f"{layers[k]['label']}: {text}")
        built = [
            Layer(ly["width"] if ly["is_cell"] else (ly["width"] or 1), tuple(ly["sources"] or ()),
                  ly["integration"] or "multiplicative", ly["name"] or f"layer{k}", ly["cell"])
            for k, ly in enumerate(layers, start=1)
        ]
        problems.raise_if_any()
        assert M is not None and initial is not None  # each would have been a problem
        try:
            return cls(M=M, layers=built, output=output or (), initial=initial, **texts)
        except TnrankError as exc:  # defensive: checks above should leave nothing for this
            raise TnrankError(f"{source}: {exc}") from None

    # ------------------------------------------------------------------ properties
    @property
    def depth(self) -> int:
        """Number of layers."""
        return len(self.layers)

    @property
    def widths(self) -> tuple[int, ...]:
        """Hidden channels per layer, bottom to top."""
        return tuple(layer.width for layer in self.layers)

    @property
    def order(self) -> tuple[int, ...]:
        """Layer indices in an order where every source (and every layer whose state a cell
        reads) comes first."""
        return self._order

    @property
    def has_cells(self) -> bool:
        """Whether any layer is a polynomial cell."""
        return any(layer.is_cell for layer in self.layers)

    def program(self, k: int) -> Program | None:
        """The compiled cell of layer ``k`` (None for the other integrations)."""
        return self._programs[k] if self._programs else None

    def state_sizes(self) -> tuple[int, ...]:
        """Entries of each layer's state (all states of a cell together), bottom to top.

        >>> Architecture.rac(2, 3, 2).state_sizes()
        (3, 3)
        """
        return tuple(self._programs[k].state_size if layer.is_cell else layer.width  # type: ignore[union-attr]
                     for k, layer in enumerate(self.layers))

    @property
    def state_size(self) -> int:
        """Entries of the state carried from one step to the next, all layers together."""
        return sum(self.state_sizes())

    def layer_states(self, k: int) -> dict[str, tuple[int, ...]]:
        """The states of layer ``k`` and their shapes: a cell's own, or ``h`` of width ``R``
        (how a cell refers to it: ``layer.h``)."""
        layer = self.layers[k]
        if layer.cell is not None:
            return {name: st.shape for name, st in layer.cell.state.items()}
        return {"h": (layer.width,)}

    def index(self, name: str) -> int:
        """Position of the layer called ``name``."""
        for k, layer in enumerate(self.layers):
            if layer.name == name:
                return k
        raise TnrankError(f"no layer is called {name!r}")

    def source_dims(self, k: int) -> tuple[int, ...]:
        """Dimensions of the sources of layer ``k``, in concatenation order."""
        return tuple(
            self.M if src == INPUT else self.layers[self.index(src)].width
            for src in self.layers[k].sources
        )

    @property
    def is_standard_rac(self) -> bool:
        """Whether this is the paper's RAC (a multiplicative stack with top-layer
        output, ``initial="ones"`` and one width for all layers)."""
        if self.initial != "ones" or len(set(self.widths)) != 1 or self.has_cells:
            return False
        if self.output != (self.layers[-1].name,):
            return False
        for k, layer in enumerate(self.layers):
            below = INPUT if k == 0 else self.layers[k - 1].name
            if layer.integration != "multiplicative" or layer.sources != (below,):
                return False
        return True

    def layer_parameter_counts(self) -> list[int]:
        """Weights of each layer: ``W^I``, ``W^H``, the general merge's four vectors and
        the explicit initial state (the output weights are counted apart).

        >>> Architecture.rac(2, 3, 2).layer_parameter_counts()
        [15, 18]
        """
        out = []
        for k, layer in enumerate(self.layers):
            program = self.program(k)
            if program is not None:
                out.append(program.parameter_count())
                continue
            r = layer.width
            n = r * sum(self.source_dims(k)) + r * r
            n += 4 * r if layer.integration == "general" else 0
            n += r if self.initial == "state" else 0
            out.append(n)
        return out

    def parameter_count(self) -> int:
        """Number of weights: every layer's (:meth:`layer_parameter_counts`) and the output's."""
        return sum(self.layer_parameter_counts()) + sum(
            self.layers[self.index(o)].width for o in self.output)

    def macs_per_step(self) -> int:
        """Multiply-accumulates per time step: the two matrix-vector products of
        every layer plus its element-wise merge, or a cell's multiplications
        (:meth:`~tnrank.model.cell_program.Program.macs_per_step`; the readout is not counted)."""
        total = 0
        for k, layer in enumerate(self.layers):
            program = self.program(k)
            if program is not None:
                total += program.macs_per_step()
                continue
            r = layer.width
            total += r * sum(self.source_dims(k)) + r * r
            total += 4 * r if layer.integration == "general" else r
        return total

    def __repr__(self) -> str:
        text = self.describe()
        return f"<Architecture {text if len(text) <= 280 else text[:277] + '...'}>"

    def describe(self) -> str:
        """One line: name, M, and each layer's width, sources and integration."""
        parts = []
        for layer in self.layers:
            if layer.cell is not None:
                states = " ".join(f"{n}:{'×'.join(map(str, st.shape))}"
                                  for n, st in layer.cell.state.items())
                parts.append(f"{layer.name}[cell {states} -> {layer.width} <- "
                             f"{'+'.join(layer.sources)}]")
                continue
            kind = {"multiplicative": "⊙", "additive": "+", "general": "MI"}[layer.integration]
            parts.append(f"{layer.name}[R={layer.width} {kind} <- {'+'.join(layer.sources)}]")
        head = self.name or "architecture"
        return f"{head}: M={self.M}, " + ", ".join(parts) + f", output <- {'+'.join(self.output)}"


def wiring_problems(
    layers: Sequence[Layer], output: Sequence[str], initial: str = "ones"
) -> list[tuple[int | None, str]]:
    """Every problem of a circuit's wiring: the one check behind :class:`Architecture`
    and the architecture-file reader.

    Parameters
    ----------
    layers : sequence of Layer
        With names and sources filled in (no defaults left to resolve).
    output : sequence of str
        The layers the output reads.
    initial : str
        The initial-state convention.

    Returns
    -------
    list of (int or None, str)
        The 0-based index of the layer each problem belongs to (None for the
        circuit as a whole) and the problem, worded without naming the layer,
        so that each caller names it its own way.

    Examples
    --------
    >>> wiring_problems([Layer(2, ("input",), name="a"), Layer(2, ("aa",), name="b")], ["b"])
    [(1, "source 'aa' does not exist; did you mean 'a'? (sources are 'input', 'a')")]
    """
    problems: list[tuple[int | None, str]] = []
    names = [layer.name for layer in layers]
    name_set = set(names)
    for dup in sorted(n for n, c in Counter(names).items() if c > 1):
        problems.append((None, f"layer name {dup!r} is used by more than one layer; give each "
                               "layer its own name"))
    if INPUT in name_set:
        problems.append((None, f"layer name {INPUT!r} is reserved for the raw input f(x^t); "
                               "rename that layer"))
    for k, layer in enumerate(layers):
        if layer.integration not in INTEGRATIONS:
            problems.append((k, f"integration {layer.integration!r} is unknown"
                                f"{did_you_mean(layer.integration, INTEGRATIONS)} (use one of "
                                f"{', '.join(INTEGRATIONS)})"))
        for src in layer.sources:
            if src == layer.name:
                problems.append((k, "sources lists the layer itself; a layer sees its own past "
                                    "through its hidden weights already"))
            elif src != INPUT and src not in name_set:
                others = [INPUT] + [n for n in names if n != layer.name]
                problems.append((k, f"source {src!r} does not exist{did_you_mean(src, others)} "
                                    f"(sources are {format_names([repr(n) for n in others])})"))
    for out in output:
        if out not in name_set:
            problems.append((None, f"output reads {out!r}, which is not a layer"
                                   f"{did_you_mean(out, names)} (layers are "
                                   f"{format_names([repr(n) for n in names])})"))
    if len(set(output)) != len(output):
        problems.append((None, "output lists a layer twice; list each layer once"))
    if initial == "zeros":
        zeroed = [ly.name for ly in layers if ly.integration == "multiplicative"]
        if zeroed:
            problems.append((None, f"initial = 'zeros' makes the multiplicative layer(s) "
                                   f"{', '.join(map(repr, zeroed))} identically zero; use 'ones' "
                                   "(the paper's convention) or 'state'"))
    if not problems and layers:
        _, cycle = _topological_order(layers)
        if cycle:
            problems.append((None, "the wiring within one step has a cycle: " + " -> ".join(cycle)
                                   + "; a layer can only read layers that do not read it back"))
    return problems


def _topological_order(layers: Sequence[Layer]) -> tuple[tuple[int, ...], list[str]]:
    """Order layers so that sources come first; return a cycle if there is one."""
    names = {layer.name: k for k, layer in enumerate(layers)}
    deps = {k: [names[s] for s in (*layer.sources, *cell_references(layer))
                if s != INPUT and s in names and s != layer.name]
            for k, layer in enumerate(layers)}
    state = dict.fromkeys(deps, 0)  # 0 new, 1 on stack, 2 done
    order: list[int] = []
    for root in deps:
        if state[root]:
            continue
        stack = [(root, iter(deps[root]))]
        path = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            nxt = next(children, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[node] = 2
                order.append(node)
            elif state[nxt] == 1:
                cyc = path[path.index(nxt):] + [nxt]
                return (), [layers[i].name for i in cyc]
            elif state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, iter(deps[nxt])))
                path.append(nxt)
    return tuple(order), []


def cell_references(layer: Layer) -> tuple[str, ...]:
    """The layers whose states a cell layer's formulas read (``layer.state``), each once."""
    if layer.cell is None:
        return ()
    found: list[str] = []
    cell = layer.cell
    for text in (*cell.terms.values(), *cell.update.values(), cell.output_expression):
        tree, _ = parse_expression(text, "")
        if tree is not None:
            found += [e.text.split(".", 1)[0] for e in expression_names(tree) if e.kind == "ref"]
    return tuple(dict.fromkeys(found))


def compile_cells(layers: Sequence[Layer], M: int, order: Sequence[int]
                  ) -> tuple[list[Layer], tuple[Program | None, ...], list[tuple[int, str]]]:
    """Compile every cell layer in ``order`` (sources first), filling in its width.

    Returns the layers (cells with their widths), the programs (None for the other
    integrations) and every problem as (layer index, text).
    """
    from dataclasses import replace

    widths = {ly.name: ly.width for ly in layers if not ly.is_cell}
    states = {f"{ly.name}.{n}": shape for ly in layers
              for n, shape in (({"h": (ly.width,)} if ly.cell is None else
                                {n: st.shape for n, st in ly.cell.state.items()}).items())}
    names = tuple(ly.name for ly in layers)
    built = list(layers)
    programs: list[Program | None] = [None] * len(layers)
    problems: list[tuple[int, str]] = []
    for k in order:
        layer = layers[k]
        if layer.cell is None:
            continue
        if any(s != INPUT and s not in widths for s in layer.sources):
            continue  # a source cell has problems of its own
        x_dim = sum(M if s == INPUT else widths[s] for s in layer.sources)
        refs = {r: shape for r, shape in states.items() if not r.startswith(layer.name + ".")}
        program, found = compile_cell(layer.cell, x_dim, refs, names, layer.name)
        if program is None:
            problems += [(k, text) for text in found]
            continue
        if layer.width and layer.width != program.width:
            problems.append((k, f"width = {layer.width}, but the cell's output has "
                                f"{program.width} entries; write {program.width} or leave width out"))
            continue
        widths[layer.name] = program.width
        built[k] = replace(layer, width=program.width)
        programs[k] = program
    return built, tuple(programs), problems


class _Problems:
    """Collects every problem of one file, then raises them together."""

    #: Reading stops after this many problems (a broken generated file can have thousands).
    LIMIT = 20

    def __init__(self, source: str) -> None:
        self.source = printable(source)
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(printable(message))
        if len(self.items) >= self.LIMIT:
            self.raise_if_any(stopped=True)

    def raise_if_any(self, stopped: bool = False) -> None:
        if not self.items:
            return
        if len(self.items) == 1:
            raise TnrankError(f"{self.source}: {self.items[0]}")
        more = f" (reading stopped after the first {self.LIMIT})" if stopped else ""
        lines = [f"{self.source}: {len(self.items)} problems in the architecture file{more}"]
        lines += [f"  - {item}" for item in self.items]
        raise TnrankError("\n".join(lines))


def _unknown_keys(table: dict, allowed: Sequence[str], where: str, problems: _Problems) -> None:
    for key in table:
        if key not in allowed:
            problems.add(
                f"{where}unknown key {key!r}{did_you_mean(key, allowed)} "
                f"(allowed: {', '.join(allowed)})"
            )


def _size(value: Any, what: str, problems: _Problems) -> int | None:
    """A whole number in ``[1, MAX_WIDTH]``, or None after recording why not."""
    allowed = f"a whole number from 1 to {MAX_WIDTH:,}"
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(f"{what} must be {allowed}, got {value!r}")
        return None
    if value < 1:
        problems.add(f"{what} = {value} is not allowed; it must be {allowed}")
        return None
    if value > MAX_WIDTH:
        problems.add(
            f"{what} = {value:,} is larger than tnrank's limit of {MAX_WIDTH:,}; "
            "ranks of such circuits cannot be computed"
        )
        return None
    return value


def _text(value: Any, what: str, problems: _Problems, allow_empty: bool = True) -> str | None:
    """A one-line string, or None after recording why not."""
    if not isinstance(value, str):
        problems.add(f"{what} must be a string in double quotes, got {value!r}")
        return None
    if "\n" in value or "\r" in value:
        problems.add(f"{what} must be one line; reports show it on a single line")
        return None
    if not allow_empty and not value.strip():
        problems.add(f"{what} is empty; give a name or leave the key out")
        return None
    return value


def _choice(value: Any, what: str, choices: Sequence[str], problems: _Problems) -> str | None:
    if isinstance(value, str) and value in choices:
        return value
    hint = did_you_mean(value, choices) if isinstance(value, str) else ""
    problems.add(f"{what} = {value!r} is not allowed{hint} (use one of: {', '.join(choices)})")
    return None


def _names(value: Any, what: str, problems: _Problems, example: str) -> tuple[str, ...] | None:
    """A string or a non-empty list of strings."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.add(f"{what} must be a non-empty list of names such as {example}, got {value!r}")
        return None
    return tuple(value)
