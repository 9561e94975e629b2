"""Positions for drawing any tensor network: the layout that fits it, within legible sizes.

Unrolled circuits get the time-by-layer layout (:mod:`~tnrank.presentation.layouts.unrolled`),
2-D grids their lattice (:mod:`~tnrank.presentation.layouts.lattice`), and other networks the
layered layout (:mod:`~tnrank.presentation.layouts.layered`). A drawing with more than
:data:`MAX_TENSORS` tensors, or larger than :data:`MAX_WIDTH` × :data:`MAX_HEIGHT` inches, is
refused: its labels and boxes would be lost on screen and in print.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tnrank.errors import TnrankError
from tnrank.networks.graph import TensorNetwork
from tnrank.networks.unrolling import unrolled_size
from tnrank.presentation.layouts.base import Layout
from tnrank.presentation.layouts.lattice import grid_positions, lattice_layout
from tnrank.presentation.layouts.layered import layered_layout
from tnrank.presentation.layouts.unrolled import is_unrolled, unrolled_layout
from tnrank.presentation.layouts.unrolled_cells import has_cells, unrolled_cells_layout

if TYPE_CHECKING:
    from tnrank.model.architecture import Architecture

__all__ = ["network_layout", "check_drawable", "MAX_WIDTH", "MAX_HEIGHT", "MAX_TENSORS"]

#: Widest drawing, in inches, that :func:`network_layout` accepts (wider or taller
#: drawings are unreadable on screen and in print).
MAX_WIDTH = 36.0
#: Tallest drawing, in inches, that :func:`network_layout` accepts.
MAX_HEIGHT = 40.0
#: Largest number of tensors drawn (beyond it, labels and boxes get lost).
MAX_TENSORS = 1500


def network_layout(network: TensorNetwork) -> Layout:
    """Positions for drawing ``network``.

    Unrolled circuits (with the node attributes :func:`~tnrank.networks.unrolling.unroll`
    sets) get the time-by-layer layout, folded into columns or lines when it would be more
    than about :data:`~tnrank.presentation.layouts.unrolled.MAX_ASPECT` times taller than
    wide or wider than tall; 2-D grids
    (:func:`~tnrank.presentation.layouts.lattice.grid_positions`, e.g. PEPS) are drawn on
    their lattice; other networks get the layered layout.

    Raises
    ------
    TnrankError
        When the drawing would exceed :data:`MAX_TENSORS` tensors or
        :data:`MAX_WIDTH` × :data:`MAX_HEIGHT` inches.

    Examples
    --------
    >>> from tnrank import Architecture, unroll
    >>> lay = network_layout(unroll(Architecture.rac(depth=2, width=3, M=3), T=4))
    >>> lay.style, lay.rows                     # the layer-2 chain and 4 copies of layer 1's
    ('unrolled', 5)
    >>> x = {n: box.x for n, box in lay.nodes.items()}
    >>> x["delta[0,layer2]#0"] < x["delta[1,layer2]#0"] < x["delta[2,layer2]#0"]
    True
    """
    check_drawable(network)
    if has_cells(network):
        lay = unrolled_cells_layout(network)
    elif is_unrolled(network):
        lay = unrolled_layout(network)
    elif (grid := grid_positions(network)) is not None:
        lay = lattice_layout(network, grid)
    else:
        lay = layered_layout(network)
    if lay.width > MAX_WIDTH or lay.height > MAX_HEIGHT:
        raise TnrankError(_too_large(network.name, f"a {lay.width:.1f} × {lay.height:.1f} inch drawing "
                                     f"(more than {MAX_WIDTH:.0f} × {MAX_HEIGHT:.0f})"))
    return lay


def check_drawable(what: TensorNetwork | Architecture, T: int | None = None) -> None:
    """Refuse at once a network, or an architecture unrolled over ``T`` steps, with too many
    tensors to draw legibly: before it is built, cut or laid out.

    A network is refused beyond :data:`MAX_TENSORS` tensors. An architecture is refused when
    it would unroll into more than four times as many (counted without building it), so that
    an oversized request fails in an instant; networks between the two limits are refused by
    :func:`network_layout`.

    Raises
    ------
    TnrankError
        Naming the size, with the remedies (the folded cell, a smaller ``T``).

    Examples
    --------
    >>> from tnrank import Architecture
    >>> check_drawable(Architecture.rac(3, 2, 2), T=8)
    >>> check_drawable(Architecture.rac(3, 2, 2), T=40)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: RAC L=3 R=2 M=2 at T=40 is too large to draw legibly: it unrolls into ...
    """
    if isinstance(what, TensorNetwork):
        n_tensors = len(what.tensors)
        if n_tensors == 0:
            raise TnrankError(f"{what.name or 'the network'} has no tensors; there is nothing to draw")
        if n_tensors > MAX_TENSORS:
            raise TnrankError(_too_large(what.name, f"{n_tensors:,} tensors (more than {MAX_TENSORS:,})"))
        return
    if T is None:
        raise TnrankError("give `T` to draw the unrolled network, or ask for the folded cell "
                          "(`compact=True`)")
    nodes, _bonds, legs = unrolled_size(what, T)
    if nodes - legs - 1 > MAX_TENSORS * 4:  # far beyond: refuse before building anything
        raise TnrankError(f"{what.name or 'the architecture'} at T={T} is too large to draw "
                          f"legibly: it unrolls into {nodes - legs:,} tensors; draw the folded cell "
                          "with `compact=True`, or use a smaller `T`")


def _too_large(name: str, what: str) -> str:
    return (f"{name or 'the network'} is too large to draw legibly: {what}; draw the "
            "folded cell with `compact=True`, or use a smaller `T`")
