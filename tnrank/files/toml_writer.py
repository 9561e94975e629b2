"""The one TOML writer of tnrank: plain dicts of strings, integers, booleans, lists of those,
and arrays of tables (whose tables may hold sub-tables of such values and inline tables),
written so that ``tomllib.loads`` gives the dict back.

The standard library reads TOML (``tomllib``) but does not write it, and the two
files tnrank writes in TOML (architecture files and network files) need only the
small subset above; a dependency for it would not pay its way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tnrank.errors import TnrankError

__all__ = ["dumps_toml", "toml_string", "toml_key"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and every control character escaped.

    >>> print(toml_string('two\\nlines "quoted"'))
    "two\\nlines \\"quoted\\""
    """
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    """A TOML key: bare when it may be (letters, digits, ``_`` and ``-``), else quoted.

    >>> toml_key("width"), toml_key("two words")
    ('width', '"two words"')
    """
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def _value(value: Any, key: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v, key) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{toml_key(k)} = {_value(v, k)}" for k, v in value.items()
                               if v is not None) + "}"
    raise TnrankError(f"cannot write {key!r} = {value!r} as TOML (only strings, integers, "
                      "booleans, lists and tables of them)")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(v, Mapping) for v in value)


def dumps_toml(data: Mapping[str, Any], header: str = "") -> str:
    """``data`` as TOML text: plain keys first, then each array of tables.

    Parameters
    ----------
    data : mapping
        Values are strings, integers, booleans, lists of them, or lists of
        mappings of those (written as ``[[key]]`` tables, in order). A mapping
        inside such a table is written as a sub-table ``[key.name]`` after the
        table's plain keys, and a mapping inside a sub-table as an inline table
        ``{a = 1, b = "c"}``. None values are left out.
    header : str
        Comment lines written first (each starting with ``#``).

    Returns
    -------
    str

    Examples
    --------
    >>> import tomllib
    >>> data = {"name": "a\\nb", "M": 2, "layer": [{"width": 3, "sources": ["input"]}]}
    >>> text = dumps_toml(data)
    >>> print(text, end="")
    name = "a\\nb"
    M = 2
    <BLANKLINE>
    [[layer]]
    width = 3
    sources = ["input"]
    >>> tomllib.loads(text) == data
    True
    >>> cell = {"layer": [{"name": "s6", "state": {"h": {"shape": [3], "initial": "zeros"}}}]}
    >>> print(dumps_toml(cell), end="")
    <BLANKLINE>
    [[layer]]
    name = "s6"
    <BLANKLINE>
    [layer.state]
    h = {shape = [3], initial = "zeros"}
    >>> tomllib.loads(dumps_toml(cell)) == cell
    True
    """
    lines = [line for line in header.splitlines() if line]
    tables = []
    for key, value in data.items():
        if value is None:
            continue
        if _is_table_array(value):
            tables.append((key, value))
        else:
            lines.append(f"{toml_key(key)} = {_value(value, key)}")
    for key, entries in tables:
        for entry in entries:
            lines += ["", f"[[{toml_key(key)}]]"]
            lines += [f"{toml_key(k)} = {_value(v, k)}" for k, v in entry.items()
                      if v is not None and not isinstance(v, Mapping)]
            for k, sub in entry.items():
                if isinstance(sub, Mapping):
                    lines += ["", f"[{toml_key(key)}.{toml_key(k)}]"]
                    lines += [f"{toml_key(kk)} = {_value(vv, kk)}" for kk, vv in sub.items()
                              if vv is not None]
    text = "\n".join(lines) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise TnrankError("a name or description holds characters that UTF-8 cannot encode "
                          "(lone surrogates); remove them") from None
    return text
