"""Studies: many certified reports at once, and what they say together.

- :mod:`~tnrank.studies.verification`: Theorem 1 and the conjecture checked over a grid;
- :mod:`~tnrank.studies.sweeps`: rank-versus-length sweeps saved row by row;
- :mod:`~tnrank.studies.fit`: closed forms of a results file or a sweep, predictions checked;
- :mod:`~tnrank.studies.comparison`: several architectures side by side;
- :mod:`~tnrank.studies.analysis`: one readable analysis of an architecture.
"""

__all__ = ["verification", "sweeps", "fit", "comparison", "analysis"]
