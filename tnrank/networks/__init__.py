"""Tensor networks: the graph, unrolling a circuit into one, contracting it, and its min-cuts.

- :mod:`~tnrank.networks.graph`: :class:`TensorNetwork` (tensors, bonds, open legs);
- :mod:`~tnrank.networks.unrolling`: a circuit unrolled over ``T`` steps, and its block plan;
- :mod:`~tnrank.networks.contraction`: contraction with opt_einsum (float or mod p);
- :mod:`~tnrank.networks.circuit_tensors`: the tensors of an unrolled circuit;
- :mod:`~tnrank.networks.mincut`: min-cut bounds (max-flow, and a dynamic programme for circuits);
- :mod:`~tnrank.networks.backend`: the adapter to Google's ``tensornetwork``;
- :mod:`~tnrank.networks.export`: einsum equations and quimb networks for other libraries;
- :mod:`~tnrank.networks.examples`: example networks (MPS, tree, PEPS).
"""

__all__ = ["graph", "unrolling", "contraction", "circuit_tensors", "mincut", "backend", "export", "examples"]
