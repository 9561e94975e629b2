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
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .errors import TnrankError, whole_number

__all__ = ["Architecture", "Layer", "INTEGRATIONS", "INITIAL_STATES", "INPUT"]

#: Name of the raw representation :math:`f(x^t)` as a layer source.
INPUT = "input"
#: Ways a layer merges its input term :math:`a` with its hidden term :math:`b`.
INTEGRATIONS = ("multiplicative", "additive", "general")
#: Initial-state conventions. ``ones`` sets :math:`W^{H,l} h^{0,l} = \mathbf{1}` (the
#: paper's), ``zeros`` sets it to 0, ``state`` uses an explicit :math:`h^{0,l}` carried by
#: the weights.
INITIAL_STATES = ("ones", "zeros", "state")

#: Largest width (hidden channels or M) tnrank accepts; larger is almost
#: surely a typo and would exhaust memory long before producing a rank.
MAX_WIDTH = 100_000
#: Largest number of layers.
MAX_DEPTH = 1_000


def _check_size(value: object, what: str, fix: str = "") -> int:
    return whole_number(value, what, MAX_WIDTH, fix)


@dataclass(frozen=True)
class Layer:
    """One recurrent layer.

    Parameters
    ----------
    width : int
        Number of hidden channels :math:`R_l`.
    sources : tuple of str, optional
        What feeds the layer's input term at each step, concatenated in this
        order: ``"input"`` (the representation :math:`f(x^t)`) or the name of
        another layer (its state at the same step). Empty means the layer
        below (``"input"`` for the first layer).
    integration : {"multiplicative", "additive", "general"}
        How the input term ``a`` and the hidden term ``b`` merge.
    name : str, optional
        Name used by other layers' ``sources`` and by the output; defaults
        to ``"layer<k>"`` with ``k`` its 1-based position.
    """

    width: int
    sources: tuple[str, ...] = ()
    integration: str = "multiplicative"
    name: str = ""


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
        if not layers:
            problems.append("an architecture needs at least one layer (depth >= 1)")
        elif len(layers) > MAX_DEPTH:
            raise TnrankError(
                f"depth {len(layers):,} is larger than tnrank's limit of {MAX_DEPTH:,} layers; "
                "no rank or bound of such a circuit can be computed"
            )
        built: list[Layer] = []
        for k, layer in enumerate(layers, start=1):
            if not isinstance(layer, Layer):
                layer = Layer(width=layer)  # type: ignore[arg-type]
            try:
                width = _check_size(layer.width, f"width of layer {k}")
            except TnrankError as exc:
                problems.append(str(exc))
                width = 1
            name_k = layer.name or f"layer{k}"
            default_src = (INPUT,) if k == 1 else (built[-1].name if built else INPUT,)
            built.append(
                Layer(
                    width=width,
                    sources=tuple(layer.sources) or default_src,
                    integration=layer.integration,
                    name=name_k,
                )
            )
        names = [layer.name for layer in built]
        name_set = set(names)
        for dup in sorted(n for n, c in Counter(names).items() if c > 1):
            problems.append(f"layer name {dup!r} is used twice; give each layer its own name")
        if INPUT in names:
            problems.append(f"{INPUT!r} is reserved for the raw input; rename that layer")
        for layer in built:
            if layer.integration not in INTEGRATIONS:
                problems.append(
                    f"layer {layer.name!r}: integration {layer.integration!r} is unknown; "
                    f"use one of {', '.join(INTEGRATIONS)}"
                )
            for src in layer.sources:
                if src != INPUT and src not in name_set:
                    problems.append(
                        f"layer {layer.name!r}: source {src!r} does not exist; "
                        f"sources are {INPUT!r} or one of {_some(names)}"
                    )
                if src == layer.name:
                    problems.append(
                        f"layer {layer.name!r} lists itself as a source; a layer sees its own "
                        "past through W^H already"
                    )
        output = tuple(output) or ((built[-1].name,) if built else ())
        for out in output:
            if out not in name_set:
                problems.append(
                    f"output reads {out!r}, which is not a layer; use one of {_some(names)}"
                )
        if len(set(output)) != len(output):
            problems.append("output lists a layer twice; list each layer once")
        if initial not in INITIAL_STATES:
            problems.append(
                f"initial state {initial!r} is unknown; use one of {', '.join(INITIAL_STATES)}"
            )
        elif initial == "zeros":
            zeroed = [ly.name for ly in built if ly.integration == "multiplicative"]
            if zeroed:
                problems.append(
                    f"initial='zeros' makes multiplicative layer(s) {', '.join(zeroed)} "
                    "identically zero; use initial='ones' (the paper's) or 'state'"
                )
        order: tuple[int, ...] = ()
        if not problems:
            order, cycle = _topological_order(built)
            if cycle:
                problems.append(
                    "the wiring within one step has a cycle: "
                    + " -> ".join(cycle)
                    + "; a layer can only read layers that do not read it back"
                )
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
        depth = _check_size(depth, "depth L", "; a RAC has at least one layer")
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

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> Architecture:
        """Read an architecture file (TOML; format in docs/architecture-files.md).

        Every problem in the file is reported at once; see :func:`tnrank.archfile.load`.
        """
        from .archfile import load

        return load(path)

    def to_file(self, path: str | os.PathLike) -> None:
        """Write this architecture as a canonical architecture file; see
        :func:`tnrank.archfile.dump`."""
        from .archfile import dump

        dump(self, path)

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
        """Layer indices in an order where every source comes first."""
        return self._order

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
        if self.initial != "ones" or len(set(self.widths)) != 1:
            return False
        if self.output != (self.layers[-1].name,):
            return False
        for k, layer in enumerate(self.layers):
            below = INPUT if k == 0 else self.layers[k - 1].name
            if layer.integration != "multiplicative" or layer.sources != (below,):
                return False
        return True

    def parameter_count(self) -> int:
        """Number of weights (input, hidden, output, integration and initial state)."""
        total = 0
        for k, layer in enumerate(self.layers):
            r = layer.width
            total += r * sum(self.source_dims(k)) + r * r
            if layer.integration == "general":
                total += 4 * r
            if self.initial == "state":
                total += r
        total += sum(self.layers[self.index(o)].width for o in self.output)
        return total

    def macs_per_step(self) -> int:
        """Multiply-accumulates per time step: the two matrix-vector products of
        every layer plus its element-wise merge (the readout is not counted)."""
        total = 0
        for k, layer in enumerate(self.layers):
            r = layer.width
            total += r * sum(self.source_dims(k)) + r * r
            total += 4 * r if layer.integration == "general" else r
        return total

    def describe(self) -> str:
        """One line: name, M, and each layer's width, sources and integration."""
        parts = []
        for layer in self.layers:
            kind = {"multiplicative": "⊙", "additive": "+", "general": "MI"}[layer.integration]
            parts.append(f"{layer.name}[R={layer.width} {kind} <- {'+'.join(layer.sources)}]")
        head = self.name or "architecture"
        return f"{head}: M={self.M}, " + ", ".join(parts) + f", output <- {'+'.join(self.output)}"


def _topological_order(layers: Sequence[Layer]) -> tuple[tuple[int, ...], list[str]]:
    """Order layers so that sources come first; return a cycle if there is one."""
    names = {layer.name: k for k, layer in enumerate(layers)}
    deps = {k: [names[s] for s in layer.sources if s != INPUT] for k, layer in enumerate(layers)}
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


def _some(names: Sequence[str], limit: int = 8) -> str:
    """The first ``limit`` names, then how many more."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}, ... ({len(names) - limit:,} more)"

