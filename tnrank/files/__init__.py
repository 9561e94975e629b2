"""Files: every file format tnrank reads or writes (read and written through the safe
reader and atomic writer of :mod:`tnrank.safe_files`).

- :mod:`~tnrank.files.formats`: :func:`load` and :func:`save` for any tnrank file;
- :mod:`~tnrank.files.architecture_file`: architecture files (TOML);
- :mod:`~tnrank.files.network_file`: tensor-network files (JSON or TOML);
- :mod:`~tnrank.files.results_file`: sweep results files (resumed, merged);
- :mod:`~tnrank.files.results_rows`: a results file's configuration and rows checked, verdicts
  recomputed;
- :mod:`~tnrank.files.experiment_file`: experiment results files (checked field by field);
- :mod:`~tnrank.files.toml_writer`: the one TOML writer.
"""

__all__ = ["formats", "architecture_file", "network_file", "results_file", "results_rows",
           "experiment_file", "toml_writer"]
