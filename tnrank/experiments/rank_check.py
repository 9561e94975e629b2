"""A trained RAC's Start-End rank beside the certified generic rank for its size.

The trained network is handed to tnrank's own engine through
:meth:`StackedRNN.rac_weights` (:meth:`tnrank.Weights.from_arrays`): the
grid tensor over the task's symbols (templates: the columns of the trained
representation ``F``) is built by :func:`tnrank.grid_matrix` (or, when the
full grid is too large, a sampled block of it by :func:`tnrank.sample_matrix`)
and its Start-End matricization ranked in float by :func:`tnrank.engine.rank.rank_float`
with the tolerance stated. :func:`tnrank.certify` gives the exact grid rank
of the same architecture for generic weights; when ``F`` has full row rank
``M`` the trained rank cannot exceed it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tnrank.certification.certify import certify
from tnrank.engine.grid import grid_matrix, sample_matrix
from tnrank.engine.rank import rank_float
from tnrank.model.partition import Partition

__all__ = ["trained_rank", "MAX_RANK_ENTRIES"]

#: Largest full grid built for a trained network; beyond it a sampled block is used.
MAX_RANK_ENTRIES = 2**22


def trained_rank(network, T: int, classes: list[int] | None = None, samples: int = 512,
                 seed: int = 0, tol: float | None = None) -> dict[str, Any]:
    """Float Start-End grid rank of a trained RAC's class scores at length ``T``.

    Parameters
    ----------
    network : StackedRNN
        A trained network with ``cell == "rac"``.
    T : int
        Even sequence length of the grid (the circuit is defined for every length).
    classes : list of int, optional
        Output classes whose score functions are ranked (default: all).
    samples : int
        Rows and columns of the sampled block when the full grid is too large.
    seed : int
        Seed of the sampled block.
    tol : float, optional
        Singular-value threshold (default numpy's ``σ_max · max(rows, cols) · eps``).

    Returns
    -------
    dict
        ``T``, ``matrix`` ("full grid" or "sampled KxK block"), ``shape``,
        ``per_class`` (rank, tol, σ_max, σ_min per class), ``trained_rank``
        (the largest), ``generic`` (certified generic grid rank:
        lower, upper, exact, summary) and ``representation_rank``.
    """
    part = Partition.parse("start-end", T)
    classes = list(range(network.spec.classes)) if classes is None else classes
    per_class = []
    shape = None
    mode = ""
    for c in classes:
        weights, F = network.rac_weights(c)
        n = F.shape[1]
        rows, cols = n ** len(part.start), n ** len(part.end)
        if rows * cols <= MAX_RANK_ENTRIES:
            mat = grid_matrix(weights, part, templates=F)
            mode = "full grid"
        else:
            rng = np.random.default_rng(seed)
            k_r, k_c = min(samples, rows), min(samples, cols)
            r_idx = rng.integers(0, n, size=(k_r, len(part.start)))
            c_idx = rng.integers(0, n, size=(k_c, len(part.end)))
            mat = sample_matrix(weights, part, F.T[r_idx], F.T[c_idx])
            mode = f"sampled {k_r}x{k_c} block"
        shape = mat.shape
        fr = rank_float(mat, tol)
        per_class.append({"class": c, "rank": fr.rank, "tol": fr.tol, "sigma_max": fr.sigma_max,
                          "sigma_min": fr.sigma_min})
    arch = network.rac_weights(classes[0])[0].architecture
    report = certify(arch, T, grid="auto", float_check=False, seed=seed, max_samples=256)
    g = report.grid
    generic = None if g is None else {"lower": g.lower, "upper": g.upper, "exact": g.exact,
                                      "summary": g.summary()}
    return {
        "T": T,
        "matrix": mode,
        "shape": list(shape or ()),
        "per_class": per_class,
        "trained_rank": max(p["rank"] for p in per_class),
        "generic": generic,
        "representation_rank": int(np.linalg.matrix_rank(network.rac_weights(classes[0])[1])),
    }
