"""tnrank: certified Start-End ranks of recurrent arithmetic circuits.

Implements and extends Levine, Sharir, Ziv & Shashua, *On the Long-Term Memory
of Deep Recurrent Networks* (arXiv:1710.09431).
"""

from .architecture import Architecture, Layer
from .certify import RankResult, Report, certify
from .errors import TnrankError
from .evaluate import evaluate
from .grid import grid_matrix, grid_tensor, matricize, sample_matrix
from .network import TensorNetwork
from .partition import Partition
from .rank import float_rank, rank_mod_p
from .unroll import unroll
from .weights import PRIME, SECOND_PRIME, Weights, random_weights, witness_weights

__version__ = "0.1.0"

# min-cut bounds: imported on first use (networkx loads in ~0.15 s)
_LAZY = {"min_cut": "mincut", "mincut_bound": "mincut"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'tnrank' has no attribute {name!r}")


__all__ = [
    "Architecture",
    "Layer",
    "Partition",
    "Weights",
    "random_weights",
    "witness_weights",
    "evaluate",
    "grid_tensor",
    "grid_matrix",
    "matricize",
    "sample_matrix",
    "rank_mod_p",
    "float_rank",
    "certify",
    "Report",
    "RankResult",
    "TnrankError",
    "PRIME",
    "SECOND_PRIME",
    "TensorNetwork",
    "unroll",
    "min_cut",
    "mincut_bound",
]
