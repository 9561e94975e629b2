"""Presentation: drawings of networks and cells, rank plots, the figure gallery, notebooks.

- :mod:`~tnrank.presentation.layouts`: deterministic positions, one module per layout (no matplotlib);
- :mod:`~tnrank.presentation.draw`: network and cell diagrams;
- :mod:`~tnrank.presentation.plot`: rank-versus-length figures;
- :mod:`~tnrank.presentation.experiment_plot`: figures of training experiments;
- :mod:`~tnrank.presentation.figures`: the documentation's figure gallery;
- :mod:`~tnrank.presentation.notebook`: rich display in Jupyter.
"""

__all__ = ["layouts", "draw", "plot", "experiment_plot", "figures", "notebook"]
