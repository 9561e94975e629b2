"""The model: what a recurrent arithmetic circuit is, before anything is computed.

- :mod:`~tnrank.model.architecture`: depth, widths, wiring and integration
  (:class:`Architecture`, :class:`Layer`), with the one validator of a circuit and
  its plain-dict form;
- :mod:`~tnrank.model.partition`: splits of the time steps into start and end
  (:class:`Partition`), with the one partition parser;
- :mod:`~tnrank.model.cell`, :mod:`~tnrank.model.cell_syntax`,
  :mod:`~tnrank.model.cell_program`: a polynomial recurrence written as formulas
  (:class:`Cell`), read by a whitelist and compiled against its input into typed operations;
- :mod:`~tnrank.model.weights`, :mod:`~tnrank.model.cell_weights`: random, witness or given
  weights of a circuit, and the arrays of a cell's weights.
"""

__all__ = ["architecture", "cell", "cell_syntax", "cell_program", "partition", "weights",
           "cell_weights"]
