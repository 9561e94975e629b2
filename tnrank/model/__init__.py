"""The model: what a recurrent arithmetic circuit is, before anything is computed.

- :mod:`~tnrank.model.architecture`: depth, widths, wiring and integration
  (:class:`Architecture`, :class:`Layer`), with the one validator of a circuit and
  its plain-dict form;
- :mod:`~tnrank.model.partition`: splits of the time steps into start and end
  (:class:`Partition`), with the one partition parser;
- :mod:`~tnrank.model.weights`: random, witness or given weights of a circuit.
"""

__all__ = ["architecture", "partition", "weights"]
