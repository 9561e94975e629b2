"""Plain-text formatting shared by every report: tables, step ranges, huge integers."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence

__all__ = ["format_table", "format_steps", "format_bound", "format_names", "format_duration",
           "did_you_mean", "printable", "json_int", "PRINTABLE_BITS"]


def format_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned text columns separated by two spaces."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_steps(steps: Sequence[int], sep: str = ",") -> str:
    """Time steps as a range ``a..b`` when they are consecutive (three or more), else a list.

    >>> format_steps((0, 1, 2, 3)), format_steps((0, 2, 4)), format_steps((3, 4), sep=", ")
    ('0..3', '0,2,4', '3, 4')
    """
    steps = list(steps)
    if len(steps) > 2 and steps == list(range(steps[0], steps[-1] + 1)):
        return f"{steps[0]}..{steps[-1]}"
    return sep.join(map(str, steps))


#: Bounds above ``2**PRINTABLE_BITS`` are shown as powers of two (Python refuses to
#: convert integers of more than 4300 digits to text).
PRINTABLE_BITS = 4096


def format_bound(value: int) -> str:
    """``value`` with thousands separators, or ``2^<log2>`` when it is astronomically large.

    >>> format_bound(12345), format_bound(3**5000)
    ('12,345', '2^7,924.8')
    """
    if value.bit_length() > PRINTABLE_BITS:
        return f"2^{math.log2(value):,.1f}"
    return f"{value:,}"


def json_int(value: int | None) -> int | None:
    """``value`` for a JSON file, or None when it has more than ``PRINTABLE_BITS`` bits (JSON
    readers, Python's among them, refuse integers of thousands of digits; the log2 is written
    beside it instead).

    >>> json_int(12345), json_int(3**5000), json_int(None)
    (12345, None, None)
    """
    return value if value is not None and value.bit_length() <= PRINTABLE_BITS else None


def format_names(names: Sequence[object], limit: int = 8) -> str:
    """The first ``limit`` names, then how many more.

    >>> format_names(["a", "b"]), format_names(list("abcdefghij"), limit=3)
    ('a, b', 'a, b, c, ... (7 more)')
    """
    shown = ", ".join(map(str, names[:limit]))
    return shown if len(names) <= limit else f"{shown}, ... ({len(names) - limit:,} more)"


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or an empty string.

    >>> did_you_mean("widht", ["name", "width"]), did_you_mean("zzz", ["name"])
    ("; did you mean 'width'?", '')
    """
    by_lower = {c.lower(): c for c in choices}
    if word.lower() in by_lower:
        return f"; did you mean {by_lower[word.lower()]!r}?"
    prefixed = [c for c in choices if len(word) >= 2 and c.lower().startswith(word.lower())]
    if len(prefixed) == 1:
        return f"; did you mean {prefixed[0]!r}?"
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"; did you mean {by_lower[close[0]]!r}?" if close else ""



_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: The same, sparing newlines and tabs (for whole lines of output).
CONTROL_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def printable(text: object, *, keep_lines: bool = False) -> str:
    """``text`` with control characters escaped, safe to echo on a terminal.

    Parameters
    ----------
    text : object
        Converted with ``str`` first.
    keep_lines : bool
        Leave newlines and tabs as they are (for multi-line output).

    Returns
    -------
    str

    Examples
    --------
    >>> printable("red\\x1b[31m name")
    'red\\\\x1b[31m name'
    >>> printable("tab\\there")
    'tab\\\\there'
    """
    return (CONTROL_IN_LINES if keep_lines else _CONTROL).sub(_escape, str(text))


def format_duration(seconds: float) -> str:
    """A short human duration: ``"45 s"``, ``"3 min 20 s"``, ``"2 h 05 min"``.

    Examples
    --------
    >>> format_duration(44.6), format_duration(200), format_duration(7500)
    ('45 s', '3 min 20 s', '2 h 05 min')
    """
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"
