"""Files: safe reading, atomic writing, and every file format tnrank reads or writes.

- :mod:`~tnrank.files.safe`: hostile input refused, outputs written atomically, locks;
- :mod:`~tnrank.files.formats`: :func:`load` and :func:`save` for any tnrank file;
- :mod:`~tnrank.files.architecture_file`: architecture files (TOML);
- :mod:`~tnrank.files.network_file`: tensor-network files (JSON or TOML);
- :mod:`~tnrank.files.results_file`: sweep results files (resumed, merged);
- :mod:`~tnrank.files.toml_writer`: the one TOML writer.
"""

__all__ = ["safe", "formats", "architecture_file", "network_file", "results_file", "toml_writer"]
