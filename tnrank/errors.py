"""The one exception type tnrank raises for bad input, and the size check every
module shares."""

from __future__ import annotations

__all__ = ["TnrankError", "whole_number"]


class TnrankError(ValueError):
    """Bad input, reported in one line that names the problem and the fix.

    Every check tnrank makes on user input raises this type, so callers can
    catch one exception; the command-line interface turns it into a one-line
    message and exit code 2.
    """


def whole_number(value: object, what: str, limit: int, fix: str = "") -> int:
    """``value`` as an int in ``[1, limit]``, or a :class:`TnrankError` naming ``what``.

    Accepts Python and numpy integers (and integral floats such as ``3.0``);
    rejects booleans, fractions and text.

    >>> whole_number(3, "width", 10)
    3
    >>> whole_number(0, "width", 10)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: width must be at least 1, got 0
    """
    if isinstance(value, bool):
        raise TnrankError(f"{what} must be a whole number, got {value!r}{fix}")
    if isinstance(value, int):
        number = value
    else:
        try:
            as_int: int | None = int(value)  # type: ignore[call-overload]  # any object: tried
        except (TypeError, ValueError, OverflowError):
            as_int = None
        if as_int is None or as_int != value:
            raise TnrankError(f"{what} must be a whole number, got {value!r}{fix}")
        number = as_int
    if number < 1:
        raise TnrankError(f"{what} must be at least 1, got {number}{fix}")
    if number > limit:
        raise TnrankError(
            f"{what} = {number:,} is larger than tnrank's limit of {limit:,}; ranks of such "
            "circuits cannot be computed"
        )
    return number
