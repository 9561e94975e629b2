"""Deep versus shallow recurrent networks on the paper's long-term memory tasks.

Reproduces the experiments of Levine, Sharir, Ziv & Shashua (arXiv:1710.09431):
stacked recurrent networks of depth 1, 2 and 3, matched in multiply-accumulates
per time step, trained on Copying Memory and Start-End Similarity.

Needs the optional PyTorch dependency (``pip install "tnrank[experiments]"``).
Only :mod:`~tnrank.experiments.tasks`, :mod:`~tnrank.experiments.budget`,
:mod:`~tnrank.experiments.presets` and :mod:`~tnrank.experiments.results` work
without it; :func:`require_torch` says how to install it. ``import tnrank``
never imports torch.
"""

from __future__ import annotations

import importlib

from tnrank.errors import TnrankError

#: Public names, imported on first use from their modules (torch only when needed).
_LAZY = {
    "CopyingTask": "tasks", "SimilarityTask": "tasks", "make_task": "tasks",
    "CellSpec": "budget", "match_width": "budget", "network_macs": "budget", "network_params": "budget",
    "ExperimentSpec": "results", "load_experiment_results": "results", "results_table": "results",
    "plot_results": "results",
    "StackedRNN": "cells", "build_network": "cells", "count_step_macs": "counting",
    "TrainConfig": "train", "run_experiment": "runner", "trained_rank": "rank_check",
}
_NEEDS_TORCH = {"cells", "counting", "train", "runner", "rank_check"}

__all__ = ["require_torch", "INSTALL_HINT", *_LAZY]

#: The one line that tells how to get the optional dependency.
INSTALL_HINT = 'pip install "tnrank[experiments]"'


def require_torch():
    """Import and return ``torch``, or raise a one-line :class:`~tnrank.errors.TnrankError` saying
    how to install the ``experiments`` extra."""
    try:
        import torch
    except ImportError:
        raise TnrankError(
            f"the experiments need PyTorch, which is not installed; install the extra: {INSTALL_HINT}"
        ) from None
    return torch


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tnrank.experiments' has no attribute {name!r}")
    if module in _NEEDS_TORCH:
        require_torch()
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
