"""Architecture files: a recurrent arithmetic circuit written down in TOML.

An architecture file holds the same information as an :class:`~tnrank.architecture.Architecture`
object, so a file and code are interchangeable::

    format = "tnrank-architecture/1"
    name = "bottleneck"
    description = "Does a width-1 middle layer cap what a depth-3 RAC carries?"
    reference = "docs/architecture-files.md"
    M = 2
    initial = "ones"
    output = ["layer3"]

    [[layer]]
    name = "layer1"
    width = 3
    sources = ["input"]
    integration = "multiplicative"

    ...

Every key, its allowed values and its default are listed in
docs/architecture-files.md. Files are read with the standard library's
``tomllib`` (data only: nothing in a file is ever executed) after a size
check, and every problem in a file is reported at once in one
:class:`~tnrank.errors.TnrankError` whose first line is a summary. :func:`dumps`
writes the *canonical form* — every key, in the order above — so
``dumps(loads(text)) == text`` for a canonical file and
``loads(dumps(arch)) == arch`` for every architecture.
"""

from __future__ import annotations

import difflib
import os
from collections import Counter
from collections.abc import Sequence
from typing import Any

from .architecture import (
    INITIAL_STATES,
    INPUT,
    INTEGRATIONS,
    MAX_DEPTH,
    MAX_WIDTH,
    Architecture,
    Layer,
    _topological_order,
)
from .errors import TnrankError
from .fileio import atomic_write, parse_toml, printable, read_text

__all__ = [
    "load",
    "loads",
    "dump",
    "dumps",
    "FORMAT",
    "TOP_KEYS",
    "LAYER_KEYS",
    "MAX_FILE_BYTES",
]

#: Value of the ``format`` key; files without it are read as this format.
FORMAT = "tnrank-architecture/1"
#: Top-level keys, in canonical order.
TOP_KEYS = ("format", "name", "description", "reference", "M", "initial", "output", "layer")
#: Keys of a ``[[layer]]`` table, in canonical order.
LAYER_KEYS = ("name", "width", "sources", "integration")
#: Largest architecture file read (bytes); real files take a few hundred.
MAX_FILE_BYTES = 2**20

_HEADER = "# tnrank architecture file; every key is described in docs/architecture-files.md\n"
_TEXT_KEYS = ("name", "description", "reference")


class _Problems:
    """Collects every problem of one file, then raises them together."""

    #: Reading stops after this many problems (a broken generated file can have thousands).
    LIMIT = 20

    def __init__(self, source: str) -> None:
        self.source = printable(source)
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(printable(message))
        if len(self.items) >= self.LIMIT:
            self.raise_if_any(stopped=True)

    def raise_if_any(self, stopped: bool = False) -> None:
        if not self.items:
            return
        if len(self.items) == 1:
            raise TnrankError(f"{self.source}: {self.items[0]}")
        more = f" (reading stopped after the first {self.LIMIT})" if stopped else ""
        lines = [f"{self.source}: {len(self.items)} problems in the architecture file{more}"]
        lines += [f"  - {item}" for item in self.items]
        raise TnrankError("\n".join(lines))


def _suggest(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    by_lower = {c.lower(): c for c in choices}
    if word.lower() in by_lower:
        return f"; did you mean {by_lower[word.lower()]!r}?"
    prefixed = [c for c in choices if len(word) >= 2 and c.lower().startswith(word.lower())]
    if len(prefixed) == 1:
        return f"; did you mean {prefixed[0]!r}?"
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"; did you mean {by_lower[close[0]]!r}?" if close else ""


def _unknown_keys(table: dict, allowed: Sequence[str], where: str, problems: _Problems) -> None:
    for key in table:
        if key not in allowed:
            problems.add(
                f"{where}unknown key {key!r}{_suggest(key, allowed)} "
                f"(allowed: {', '.join(allowed)})"
            )


def _size(value: Any, what: str, problems: _Problems) -> int | None:
    """A whole number in ``[1, MAX_WIDTH]``, or None after recording why not."""
    allowed = f"a whole number from 1 to {MAX_WIDTH:,}"
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(f"{what} must be {allowed}, got {value!r}")
        return None
    if value < 1:
        problems.add(f"{what} = {value} is not allowed; it must be {allowed}")
        return None
    if value > MAX_WIDTH:
        problems.add(
            f"{what} = {value:,} is larger than tnrank's limit of {MAX_WIDTH:,}; "
            "ranks of such circuits cannot be computed"
        )
        return None
    return value


def _text(value: Any, what: str, problems: _Problems, allow_empty: bool = True) -> str | None:
    """A one-line string, or None after recording why not."""
    if not isinstance(value, str):
        problems.add(f"{what} must be a string in double quotes, got {value!r}")
        return None
    if "\n" in value or "\r" in value:
        problems.add(f"{what} must be one line; reports show it on a single line")
        return None
    if not allow_empty and not value.strip():
        problems.add(f"{what} is empty; give a name or leave the key out")
        return None
    return value


def _choice(value: Any, what: str, choices: Sequence[str], problems: _Problems) -> str | None:
    if isinstance(value, str) and value in choices:
        return value
    hint = _suggest(value, choices) if isinstance(value, str) else ""
    problems.add(f"{what} = {value!r} is not allowed{hint} (use one of: {', '.join(choices)})")
    return None


def _names(value: Any, what: str, problems: _Problems, example: str) -> tuple[str, ...] | None:
    """A string or a non-empty list of strings."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.add(f"{what} must be a non-empty list of names such as {example}, got {value!r}")
        return None
    return tuple(value)


def loads(text: str, source: str = "<string>") -> Architecture:
    """Read an architecture from the text of an architecture file.

    Parameters
    ----------
    text : str
        TOML text (see docs/architecture-files.md).
    source : str
        How error messages name the text (a file name).

    Returns
    -------
    Architecture

    Raises
    ------
    TnrankError
        Listing every problem found, after a one-line summary.

    Examples
    --------
    >>> arch = loads('M = 3\\n[[layer]]\\nwidth = 2\\n[[layer]]\\nwidth = 2\\n')
    >>> arch == Architecture(M=3, layers=[2, 2])
    True
    >>> loads('M = 3\\n[[layer]]\\nwidht = 2\\n', source="my.toml")
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: my.toml: 2 problems in the architecture file
      - [[layer]] 1: unknown key 'widht'; did you mean 'width'? (allowed: name, width, sources, ...)
      - [[layer]] 1: key 'width' is missing; give the number of hidden channels (1 to 100,000)
    """
    data = parse_toml(text, source)
    problems = _Problems(source)
    _unknown_keys(data, TOP_KEYS, "", problems)

    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        kind = (" (a tensor-network file, read by `tnrank bound`)"
                if isinstance(fmt, str) and fmt.startswith("tnrank-network") else "")
        problems.add(f"format = {fmt!r}{kind} is not an architecture file; expected {FORMAT!r}")

    texts = {key: _text(data.get(key, ""), key, problems) or "" for key in _TEXT_KEYS}
    if "M" in data:
        M = _size(data["M"], "M (number of representation functions)", problems)
    else:
        M = None
        problems.add("key 'M' is missing; give the number of representation functions (input "
                     f"dimension), a whole number from 1 to {MAX_WIDTH:,}")
    initial = _choice(data.get("initial", "ones"), "initial", INITIAL_STATES, problems)

    raw_layers = data.get("layer")
    tables: list[dict] = []
    if raw_layers is None:
        problems.add("no [[layer]] table; describe each layer in a [[layer]] table with at least "
                     "its width")
    elif isinstance(raw_layers, dict):
        problems.add("'layer' is a single table; write [[layer]] (double brackets) once per layer")
    elif not isinstance(raw_layers, list) or not all(isinstance(t, dict) for t in raw_layers):
        problems.add("'layer' must be an array of tables: write [[layer]] once per layer")
    elif not raw_layers:
        problems.add("no [[layer]] table; an architecture needs at least one layer")
    elif len(raw_layers) > MAX_DEPTH:
        raise TnrankError(f"{printable(source)}: {len(raw_layers):,} [[layer]] tables; tnrank "
                          f"handles at most {MAX_DEPTH:,} layers")
    else:
        tables = raw_layers

    # first pass: each layer on its own
    layers: list[dict[str, Any]] = []
    for k, table in enumerate(tables, start=1):
        raw_name = table.get("name")
        label = f"[[layer]] {k}" + (f" ({raw_name!r})" if isinstance(raw_name, str) else "")
        where = f"{label}: "
        _unknown_keys(table, LAYER_KEYS, where, problems)
        if "width" in table:
            width = _size(table["width"], f"{label}: width", problems)
        else:
            width = None
            problems.add(f"{where}key 'width' is missing; give the number of hidden channels "
                         f"(1 to {MAX_WIDTH:,})")
        name = f"layer{k}" if raw_name is None else _text(raw_name, f"{label}: name", problems,
                                                              allow_empty=False)
        integration = _choice(table.get("integration", "multiplicative"), f"{label}: integration",
                              INTEGRATIONS, problems)
        sources = (_names(table["sources"], f"{label}: sources", problems, '["layer1", "input"]')
                   if "sources" in table else ())
        layers.append({"label": label, "name": name, "width": width, "integration": integration,
                       "sources": sources})

    # second pass: names, wiring and output
    names = [ly["name"] for ly in layers if ly["name"] is not None]
    counts = Counter(names)
    for dup in sorted(n for n, c in counts.items() if c > 1):
        problems.add(f"layer name {dup!r} is used by more than one [[layer]]; give each its own name")
    if INPUT in names:
        problems.add(f"layer name {INPUT!r} is reserved for the raw input f(x^t); rename that layer")
    known = [INPUT] + names
    known_set = set(known)
    wiring_ok = len(names) == len(layers) == len(set(names)) and INPUT not in names
    for ly in layers:
        if ly["sources"] is None:
            wiring_ok = False
            continue
        for src in ly["sources"]:
            wiring_ok = wiring_ok and src in known_set and src != ly["name"]
            if src == ly["name"]:
                problems.add(f"{ly['label']}: sources lists the layer itself; a layer sees its own "
                             "past through its hidden weights already")
            elif src not in known_set:
                others = [n for n in known if n != ly["name"]]
                problems.add(f"{ly['label']}: source {src!r} does not exist{_suggest(src, others)} "
                             f"(sources are {', '.join(map(repr, others))})")
    output: tuple[str, ...] | None = ()
    if "output" in data:
        output = _names(data["output"], "output", problems, '["layer3"]')
        for out in output or ():
            if out not in names:
                problems.add(f"output reads {out!r}, which is not a layer{_suggest(out, names)} "
                             f"(layers are {', '.join(map(repr, names))})")
        if output is not None and len(set(output)) != len(output):
            problems.add("output lists a layer twice; list each layer once")
    if initial == "zeros":
        zeroed = [ly["name"] for ly in layers if ly["integration"] == "multiplicative"]
        if zeroed:
            problems.add(f"initial = 'zeros' makes the multiplicative layer(s) "
                         f"{', '.join(map(repr, zeroed))} identically zero; use 'ones' (the "
                         "paper's convention) or 'state'")

    built = [
        Layer(ly["width"] or 1, tuple(ly["sources"] or ()), ly["integration"] or "multiplicative",
              ly["name"] or f"layer{k}")
        for k, ly in enumerate(layers, start=1)
    ]
    if wiring_ok and built:  # every name and source is valid: look for a cycle
        resolved = [
            Layer(b.width, b.sources or ((INPUT,) if k == 0 else (built[k - 1].name,)),
                  b.integration, b.name)
            for k, b in enumerate(built)
        ]
        _, cycle = _topological_order(resolved)
        if cycle:
            problems.add("the wiring within one step has a cycle: " + " -> ".join(cycle)
                         + "; a layer can only read layers that do not read it back")
    problems.raise_if_any()
    try:
        return Architecture(M=M, layers=built, output=output or (), initial=initial, **texts)
    except TnrankError as exc:  # defensive: checks above should leave nothing for this
        raise TnrankError(f"{source}: {exc}") from None


def load(path: str | os.PathLike) -> Architecture:
    """Read an architecture file.

    The file's size is checked before it is read (at most
    :data:`MAX_FILE_BYTES`); it must be UTF-8 TOML. Nothing in it is executed.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Architecture

    Raises
    ------
    TnrankError
        Naming the file, the key and what is allowed, for every problem.
    """
    label = os.fspath(path)
    text = read_text(path, "an architecture file (.toml)", max_bytes=MAX_FILE_BYTES)
    return loads(text, source=printable(label))


# ---------------------------------------------------------------------- writing
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def _quote(text: str) -> str:
    """A TOML basic string."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _quote_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(_quote(item) for item in items) + "]"


def dumps(arch: Architecture) -> str:
    """The canonical text of an architecture file.

    Every key is written, in the order of :data:`TOP_KEYS` and
    :data:`LAYER_KEYS`, so that ``loads(dumps(arch)) == arch`` and
    ``dumps(loads(text)) == text`` for canonical text.

    Parameters
    ----------
    arch : Architecture

    Returns
    -------
    str

    Examples
    --------
    >>> print(dumps(Architecture(M=2, layers=[3], name="tiny")), end="")
    # tnrank architecture file; every key is described in docs/architecture-files.md
    format = "tnrank-architecture/1"
    name = "tiny"
    description = ""
    reference = ""
    M = 2
    initial = "ones"
    output = ["layer1"]
    <BLANKLINE>
    [[layer]]
    name = "layer1"
    width = 3
    sources = ["input"]
    integration = "multiplicative"
    """
    if not isinstance(arch, Architecture):
        raise TnrankError("only an Architecture can be written as an architecture file")
    problems = _Problems(arch.name or "architecture")
    for key in _TEXT_KEYS:
        _text(getattr(arch, key), key, problems)
    for layer in arch.layers:
        _text(layer.name, f"layer {layer.name!r}: name", problems)
    problems.raise_if_any()
    lines = [
        _HEADER.rstrip("\n"),
        f"format = {_quote(FORMAT)}",
        f"name = {_quote(arch.name)}",
        f"description = {_quote(arch.description)}",
        f"reference = {_quote(arch.reference)}",
        f"M = {arch.M}",
        f"initial = {_quote(arch.initial)}",
        f"output = {_quote_list(arch.output)}",
    ]
    for layer in arch.layers:
        lines += [
            "",
            "[[layer]]",
            f"name = {_quote(layer.name)}",
            f"width = {layer.width}",
            f"sources = {_quote_list(layer.sources)}",
            f"integration = {_quote(layer.integration)}",
        ]
    text = "\n".join(lines) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise TnrankError("a name or description holds characters that UTF-8 cannot encode "
                          "(lone surrogates); remove them") from None
    return text


def dump(arch: Architecture, path: str | os.PathLike) -> None:
    """Write ``arch`` to ``path`` as a canonical architecture file (UTF-8, ``\\n`` line ends).

    Parameters
    ----------
    arch : Architecture
    path : str or path-like
    """
    text = dumps(arch)
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise TnrankError(f"{os.fspath(path)}: cannot be written ({exc.strerror or exc})") from None
