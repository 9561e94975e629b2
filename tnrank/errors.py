"""The one exception type tnrank raises for bad input."""

from __future__ import annotations

__all__ = ["TnrankError"]


class TnrankError(ValueError):
    """Bad input, reported in one line that names the problem and the fix.

    Every check tnrank makes on user input raises this type, so callers can
    catch one exception; the command-line interface turns it into a one-line
    message and exit code 2.
    """
