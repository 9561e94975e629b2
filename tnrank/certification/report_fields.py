"""Fields of the JSON forms of reports and results rows, read with their types and ranges
checked: every reader returns the value or raises a one-line :class:`~tnrank.errors.TnrankError`
naming the field, so that a tampered or damaged file is refused instead of trusted."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from tnrank.errors import TnrankError

__all__ = ["MAX_BITS", "MAX_TEXT", "STATUSES", "QUANTITIES", "THEOREM_VERDICTS", "BOUND_KINDS",
           "shown", "whole", "optional_whole", "number", "probability", "text", "texts", "mapping", "items",
           "choice"]

#: Largest integer a report or results file may hold, in bits (about 3,900 decimal digits):
#: beyond it Python refuses to print an integer, and no bound tnrank computes gets there.
MAX_BITS = 13_000
#: Longest text field (labels, notes, statements), in characters.
MAX_TEXT = 10_000
#: The status of a certified rank (see :class:`~tnrank.certification.report.RankResult`).
STATUSES = ("exact", "generic-whp", "lower-bound", "inconsistent")
#: The two ranks of a report.
QUANTITIES = ("grid", "separation")
#: The verdict of one paper's bound against a certified rank.
THEOREM_VERDICTS = ("holds", "tight", "undecided", "violated")
#: Upper bounds hold for all weights, lower bounds for generic weights.
BOUND_KINDS = ("upper", "lower")


def shown(value: Any) -> str:
    """``value`` for a message: short, an integer of more than 64 bits by its size.

    >>> shown(12_345), shown(10**400), shown("x" * 50)
    ('12,345', 'an integer of 1,329 bits', "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...")
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return f"an integer of {value.bit_length():,} bits" if value.bit_length() > 64 else f"{value:,}"
    text_form = repr(value)
    return text_form if len(text_form) <= 40 else text_form[:37] + "..."


def whole(value: Any, what: str, minimum: int = 0) -> int:
    """``value`` when it is an ``int`` (not a ``bool``, float or text) of at least ``minimum``
    and at most :data:`MAX_BITS` bits.

    >>> whole(3, "rank")
    3
    >>> whole("3", "rank")
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: rank must be a whole number, got '3'
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TnrankError(f"{what} must be a whole number, got {shown(value)}")
    if value.bit_length() > MAX_BITS:
        raise TnrankError(f"{what} is too large ({shown(value)}; at most {MAX_BITS:,} bits)")
    if value < minimum:
        raise TnrankError(f"{what} must be at least {minimum}, got {value}")
    return value


def optional_whole(value: Any, what: str, minimum: int = 0) -> int | None:
    """None, or :func:`whole`."""
    return None if value is None else whole(value, what, minimum)


def number(value: Any, what: str, minimum: float = 0.0) -> float:
    """A finite real number (int or float, not ``bool``) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TnrankError(f"{what} must be a number, got {shown(value)}")
    if isinstance(value, int):
        whole(value, what)
    if not math.isfinite(value) or value < minimum:
        raise TnrankError(f"{what} must be a finite number of at least {minimum}, got {shown(value)}")
    return float(value)


def probability(value: Any, what: str) -> float | None:
    """None, or a number in ``[0, 1]``."""
    if value is None:
        return None
    p = number(value, what)
    if p > 1:
        raise TnrankError(f"{what} is a probability, at most 1, got {value!r}")
    return p


def text(value: Any, what: str) -> str:
    """A string of at most :data:`MAX_TEXT` characters."""
    if not isinstance(value, str):
        raise TnrankError(f"{what} must be text, got {shown(value)}")
    if len(value) > MAX_TEXT:
        raise TnrankError(f"{what} is longer than {MAX_TEXT:,} characters")
    return value


def texts(value: Any, what: str) -> list[str]:
    """A list of strings."""
    return [text(v, f"{what}[{i}]") for i, v in enumerate(items(value, what))]


def items(value: Any, what: str) -> list[Any]:
    """A list (a JSON array)."""
    if not isinstance(value, (list, tuple)):
        raise TnrankError(f"{what} must be a list, got {shown(value)}")
    return list(value)


def mapping(value: Any, what: str) -> Mapping[str, Any]:
    """A mapping (a JSON object)."""
    if not isinstance(value, Mapping):
        raise TnrankError(f"{what} must be an object, got {type(value).__name__}")
    return value


def choice(value: Any, what: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed``.

    >>> choice("maybe", "status", STATUSES)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: status must be one of exact, generic-whp, lower-bound, ...; got 'maybe'
    """
    if not isinstance(value, str) or value not in allowed:
        raise TnrankError(f"{what} must be one of {', '.join(allowed)}; got {shown(value)}")
    return value
