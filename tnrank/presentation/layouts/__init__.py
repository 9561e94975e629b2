"""Layouts: fixed, deterministic positions for drawing tensor networks (no matplotlib here).

One module per layout, and what they share:

- :mod:`~tnrank.presentation.layouts.base`: node boxes, bond paths, bands, the
  :class:`~tnrank.presentation.layouts.base.Layout` every layout returns, node labels;
- :mod:`~tnrank.presentation.layouts.unrolled`: unrolled circuits, time by layer, folded to
  about 2:1;
- :mod:`~tnrank.presentation.layouts.unrolled_cells`: unrolled networks of polynomial cells,
  each step's formulas as a small tree, copies on bands;
- :mod:`~tnrank.presentation.layouts.lattice`: 2-D grids (PEPS) on their lattice;
- :mod:`~tnrank.presentation.layouts.layered`: any other network, legs at the bottom;
- :mod:`~tnrank.presentation.layouts.cell`: the folded recurrent cell of the paper's layers;
- :mod:`~tnrank.presentation.layouts.program`: the folded drawing of polynomial cells, one
  step of their operations;
- :mod:`~tnrank.presentation.layouts.network`: the layout that fits a network, within
  legible sizes.
"""

__all__ = ["base", "unrolled", "unrolled_cells", "lattice", "layered", "cell", "program", "network"]
