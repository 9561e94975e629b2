"""The exact engine: evaluate circuits, build grid and sample matrices, compute exact ranks.

- :mod:`~tnrank.engine.arithmetic`: float64 or modular array arithmetic;
- :mod:`~tnrank.engine.evaluation`: batched forward evaluation of a circuit;
- :mod:`~tnrank.engine.cell_evaluation`: one step of a polynomial cell, batched;
- :mod:`~tnrank.engine.symbolic`: a circuit run on degrees and monomial supports;
- :mod:`~tnrank.engine.grid`: grid tensors, their matricizations and sample matrices;
- :mod:`~tnrank.engine.elimination`: exact rank over GF(p) at float64 GEMM speed;
- :mod:`~tnrank.engine.rank`: the rank functions (exact, and the float SVD estimate).
"""

__all__ = ["arithmetic", "evaluation", "cell_evaluation", "symbolic", "grid", "elimination", "rank"]
