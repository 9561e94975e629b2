"""The named dimensions of an unrolled circuit, and a cut's bound written in them.

The bonds of an unrolled circuit (:func:`tnrank.networks.unrolling.unroll`) carry hidden states
of dimension ``R`` (``R_l`` for layer ``l`` when the layers' widths differ) and its open legs carry
inputs of dimension ``M``; when the network's vectors carry a constant 1 (``augmented``) these are
``R + 1`` and ``M + 1``. A cut's bound is the product of the dimensions of the bonds it severs
(:class:`tnrank.networks.mincut.MinCut`), so it reads as a product of powers of these names:
``R^4 = 81`` for a depth-2 RAC of width 3 at ``T = 6``. The states of a polynomial cell are named
by their number of entries, ``|h|`` (``|S| + 1 = 7`` for a 3 × 2 matrix state carrying the
constant); its other bonds by their numbers. A network that names no dimensions (one built by
hand or read from a network file) writes each dimension as its number: ``2^3 = 8``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass

from tnrank.errors import TnrankError
from tnrank.formatting import format_bound, format_names
from tnrank.networks.graph import TensorNetwork
from tnrank.networks.mincut import MinCut

__all__ = ["NamedDimension", "CutFormula", "bond_layer", "bond_state", "dimension_names", "cut_formula"]


@dataclass(frozen=True, order=True)
class NamedDimension:
    """A dimension by its name: ``M``, ``R``, ``R_l``, each possibly ``+ 1``, or a number.

    Attributes
    ----------
    symbol : str
        ``"M"``, ``"R"``, or the dimension itself (``"3"``) when the network names none.
    layer : int or None
        The layer (1-based) of ``R_l``; None for ``M``, a shared ``R`` or a number.
    plus_one : bool
        The dimension is the name plus one (vectors augmented by a constant 1).

    Examples
    --------
    >>> str(NamedDimension("R", layer=2, plus_one=True)), NamedDimension("R", 2).math()
    ('R2+1', 'R_{2}')
    """

    symbol: str
    layer: int | None = None
    plus_one: bool = False

    def __str__(self) -> str:
        return self.symbol + ("" if self.layer is None else str(self.layer)) + "+1" * self.plus_one

    def math(self) -> str:
        """The name in TeX math (the layer as a subscript)."""
        sub = "" if self.layer is None else f"_{{{self.layer}}}"
        return self.symbol.replace("_", r"\_") + sub + "+1" * self.plus_one


@dataclass(frozen=True)
class CutFormula:
    """A cut's bound as a product of powers of named dimensions.

    Attributes
    ----------
    factors : tuple of (NamedDimension, int)
        Each dimension and how many cut bonds carry it, in the order of the names' text.
        Bonds of dimension 1 contribute nothing and are left out.
    bound : int
        The product: the cut's bound.
    """

    factors: tuple[tuple[NamedDimension, int], ...]
    bound: int

    def text(self, *, math: bool = False) -> str:
        """``"R^4 = 81"``: the product, then its value (the value alone when the product is a
        single number). With ``math=True`` the product is TeX math (``"$R^{4}$ = 81"``), as
        matplotlib writes it.

        Examples
        --------
        >>> f = CutFormula(((NamedDimension("M"), 2), (NamedDimension("R", 1), 1)), 12)
        >>> f.text(), f.text(math=True)
        ('M^2·R1 = 12', '$M^{2} \\\\cdot R_{1}$ = 12')
        >>> CutFormula(((NamedDimension("R", plus_one=True), 2),), 16).text()
        '(R+1)^2 = 16'
        """
        value = format_bound(self.bound)
        if not self.factors:
            return f"1 (the sides are disconnected) = {value}"
        several = len(self.factors) > 1

        def term(name: NamedDimension, power: int, as_math: bool) -> str:
            text = name.math() if as_math else str(name)
            if name.plus_one and (power > 1 or several):  # a sum meets a power or a product
                text = f"({text})"
            if power == 1:
                return text
            return text + (f"^{{{power}}}" if as_math else f"^{power}")

        plain = "·".join(term(name, power, False) for name, power in self.factors)
        if plain == value:
            return value
        if not math:
            return f"{plain} = {value}"
        return "$" + r" \cdot ".join(term(name, power, True) for name, power in self.factors) + f"$ = {value}"


def bond_layer(network: TensorNetwork, u: Hashable, v: Hashable) -> int | None:
    """The layer (0-based) of the state a bond between nodes ``u`` and ``v`` carries: the
    lower of its ends' layers (None when neither end has one)."""
    g = network.graph
    lu, lv = g.nodes[u].get("layer"), g.nodes[v].get("layer")
    if lu is None:
        return lv
    if lv is None:
        return lu
    return min(lu, lv)


def bond_state(network: TensorNetwork, u: Hashable, v: Hashable) -> str | None:
    """``"layer.state"`` when the bond between ``u`` and ``v`` of an unrolled cell carries a
    state of the cell (its value after an update, or before the first step); else None. The
    second node of a bond of an unrolled network is the one further from the output."""
    arch = network.info.get("architecture")
    child, parent = network.graph.nodes[v], network.graph.nodes[u]
    k = child.get("layer")
    if arch is None or k is None or not ("op" in child or "state" in child):
        return None
    name = arch.layers[k].name
    if "state" in child:
        return f"{name}.{child['state']}"
    inside = all(parent.get(a) == child.get(a) for a in ("layer", "step", "copy", "op"))
    program = arch.program(k)
    for state, i in program.updates if program is not None and not inside else ():
        if i == child["op"]:
            return f"{name}.{state}"
    return None


def dimension_names(network: TensorNetwork) -> dict[str | int, NamedDimension]:
    """The names of an unrolled circuit's dimensions: the open legs' under the key ``"input"``,
    each layer's hidden state under its layer (0-based), and each state of a cell under
    ``"layer.state"`` as its number of entries, ``|h|`` (``|layer.h|`` when the architecture
    has several layers). Empty for a network without an architecture.

    Examples
    --------
    >>> from tnrank import Architecture, Layer, unroll
    >>> names = dimension_names(unroll(Architecture(M=2, layers=[Layer(2), Layer(3)]), T=2))
    >>> [str(names[k]) for k in ("input", 0, 1)]
    ['M', 'R1', 'R2']
    """
    arch = network.info.get("architecture")
    if arch is None:
        return {}
    aug = bool(network.info.get("augmented"))
    same = len(set(arch.widths)) == 1
    names: dict[str | int, NamedDimension] = {"input": NamedDimension("M", plus_one=aug)}
    for k in range(arch.depth):
        names[k] = NamedDimension("R", None if same else k + 1, aug)
        program = arch.program(k)
        for state, _ in program.states if program is not None else ():
            label = f"{arch.layers[k].name}.{state}" if arch.depth > 1 else state
            names[f"{arch.layers[k].name}.{state}"] = NamedDimension(f"|{label}|", None, aug)
    return names


def cut_formula(cut: MinCut, network: TensorNetwork) -> CutFormula:
    """A cut of ``network`` written as a product of its named dimensions.

    Parameters
    ----------
    cut : MinCut
        A cut of ``network`` (:func:`tnrank.networks.mincut.min_cut`).
    network : TensorNetwork
        The network cut: it names the dimensions (:func:`dimension_names`) and gives the layer
        of every bond (:func:`bond_layer`).

    Examples
    --------
    >>> from tnrank import Architecture, unroll
    >>> from tnrank.networks.mincut import min_cut
    >>> net = unroll(Architecture.rac(depth=2, width=3, M=3), T=6)
    >>> cut_formula(min_cut(net, "start-end"), net).text()
    'R^4 = 81'
    """
    missing = [e.bond for e in cut.cut_edges if e.bond not in (network.legs if e.leg else network.bonds)]
    if missing:
        raise TnrankError(f"the cut severs {format_names(missing, limit=4)}, which `network` does not "
                          "have; give the network the cut was found in")
    names = dimension_names(network)
    counts: Counter[NamedDimension] = Counter()
    for e in cut.cut_edges:
        if e.dim == 1:
            continue
        key: str | int | None = "input" if e.leg else None
        if not e.leg:
            ends = network.bonds[e.bond].nodes
            child = network.graph.nodes[ends[1]]
            if "op" in child or "state" in child:  # a cell's value: named when it is a state
                key = bond_state(network, *ends)
            else:
                key = bond_layer(network, *ends)
        name = names.get(key) if key is not None else None
        counts[name or NamedDimension(str(e.dim))] += 1
    factors = tuple(sorted(counts.items(), key=lambda item: (str(item[0]), item[0].math())))
    return CutFormula(factors, cut.bound)
