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

from ..errors import TnrankError

__all__ = ["require_torch", "INSTALL_HINT"]

#: The one line that tells how to get the optional dependency.
INSTALL_HINT = 'pip install "tnrank[experiments]"'


def require_torch():
    """Import and return ``torch``, or raise a one-line :class:`TnrankError` saying
    how to install the ``experiments`` extra."""
    try:
        import torch
    except ImportError:
        raise TnrankError(
            f"the experiments need PyTorch, which is not installed; install the extra: {INSTALL_HINT}"
        ) from None
    return torch
