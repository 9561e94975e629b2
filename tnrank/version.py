"""The version of tnrank, written into every JSON output it produces."""

__version__ = "0.2.0"
