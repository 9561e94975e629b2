"""A sample matrix ``[y(s_i, e_j)]`` as a source of tiles, built where it is eliminated.

The tiled elimination (:mod:`tnrank.engine.tiles`) reads its matrix block by block; for a
sample, a block is :func:`~tnrank.engine.grid.sample_matrix` on the block's rows (start
halves) and columns (end halves). Entries are exact residues, so a block built alone equals
the same block of the whole matrix. :meth:`SampleSource.part` is what a Dask worker receives
to build one tile: the weights and the inputs of the tile's rows and columns, a few kilobytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tnrank.engine.grid import sample_matrix
from tnrank.model.partition import Partition
from tnrank.model.weights import Weights

__all__ = ["SampleSource"]


@dataclass(frozen=True)
class SampleSource:
    """The sample matrix of ``weights`` for ``partition`` on the given start and end halves.

    Parameters
    ----------
    weights : Weights
    partition : Partition
    row_inputs : ndarray of shape (K_rows, |S|, M)
        One start half per row.
    col_inputs : ndarray of shape (K_cols, |E|, M)
        One end half per column.

    Examples
    --------
    >>> import numpy as np
    >>> from tnrank import Architecture, Partition, random_weights
    >>> w = random_weights(Architecture.rac(2, 2, 2), seed=0, prime=7)
    >>> part = Partition.parse("start-end", 4)
    >>> one_hot = np.eye(2, dtype=np.int64)
    >>> rows, cols = one_hot[[[0, 1], [1, 1], [0, 0]]], one_hot[[[1, 0]] * 2]
    >>> src = SampleSource(w, part, rows, cols)
    >>> src.shape, np.array_equal(src.block(1, 3, 0, 2), sample_matrix(w, part, rows, cols)[1:3])
    ((3, 2), True)
    """

    weights: Weights
    partition: Partition
    row_inputs: np.ndarray
    col_inputs: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.row_inputs), len(self.col_inputs)

    def block(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        """Rows ``r0:r1`` and columns ``c0:c1`` of the sample."""
        return sample_matrix(self.weights, self.partition, self.row_inputs[r0:r1], self.col_inputs[c0:c1])

    def part(self, r0: int, r1: int, c0: int, c1: int) -> SampleSource:
        """That block as a sample of its own (only its rows' and columns' inputs)."""
        return SampleSource(self.weights, self.partition, np.array(self.row_inputs[r0:r1]),
                            np.array(self.col_inputs[c0:c1]))
