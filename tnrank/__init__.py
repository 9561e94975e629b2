"""tnrank: certified Start-End ranks of recurrent arithmetic circuits.

Implements and extends Levine, Sharir, Ziv & Shashua, *On the Long-Term Memory
of Deep Recurrent Networks* (arXiv:1710.09431).
"""

from .architecture import Architecture, Layer
from .certify import RankResult, Report, certify
from .errors import TnrankError
from .evaluate import evaluate
from .grid import grid_matrix, grid_tensor, matricize, sample_matrix
from .partition import Partition
from .rank import float_rank, rank_mod_p
from .weights import PRIME, SECOND_PRIME, Weights, random_weights, witness_weights

__version__ = "0.1.0"

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
]
