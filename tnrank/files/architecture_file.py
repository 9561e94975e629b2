"""Architecture files: a recurrent arithmetic circuit written down in TOML.

An architecture file holds the same information as an :class:`~tnrank.model.architecture.Architecture`
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

import os
import re

from tnrank.errors import TnrankError
from tnrank.files.toml_writer import dumps_toml
from tnrank.model.architecture import Architecture
from tnrank.safe_files import atomic_write, parse_toml, printable, read_text

__all__ = [
    "load",
    "loads",
    "dump",
    "dumps",
    "MAX_FILE_BYTES",
    "check_size",
]

#: Largest architecture file read (bytes); real files take a few hundred.
MAX_FILE_BYTES = 2**20

_HEADER = "# tnrank architecture file; every key is described in docs/architecture-files.md\n"


# what an architecture file has and a network file has not: a [[layer]] table or its format
# (two searches with a literal start each: fast on megabytes, unlike one alternation)
_ARCHITECTURE_MARKS = (re.compile(r"\[\[[ \t]*layer[ \t]*\]\]"), re.compile(r"tnrank-architecture"))


def check_size(text: str, source: str, declared: bool = False) -> None:
    """Refuse the text of an architecture file larger than :data:`MAX_FILE_BYTES`, before it is
    parsed: ``declared`` says it is one; otherwise a TOML text is taken for one when it has a
    ``[[layer]]`` table or an architecture ``format`` line (a network file has neither).

    >>> big = "M = 2\\n" + "# padding\\n" * 200_000 + "[[layer]]\\nwidth = 2\\n"
    >>> check_size(big, "big.toml")
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: big.toml: 2,000,026 bytes is larger than an architecture file can be ...
    """
    if len(text) <= MAX_FILE_BYTES // 4:  # four bytes per character at most in UTF-8
        return
    size = len(text.encode())
    if size > MAX_FILE_BYTES and (declared or any(mark.search(text) for mark in _ARCHITECTURE_MARKS)):
        raise TnrankError(f"{source}: {size:,} bytes is larger than an architecture file can be "
                          f"({MAX_FILE_BYTES:,} bytes); is it the right file?")


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
    check_size(text, source, declared=True)
    return Architecture.from_dict(parse_toml(text, source), source)


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


def dumps(arch: Architecture) -> str:
    """The canonical text of an architecture file.

    Every key is written, in the order of :data:`~tnrank.model.architecture.TOP_KEYS` and
    :data:`~tnrank.model.architecture.LAYER_KEYS`, so that ``loads(dumps(arch)) == arch`` and
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
    return dumps_toml(arch.to_dict(), header=_HEADER)


def dump(arch: Architecture, path: str | os.PathLike) -> None:
    """Write ``arch`` to ``path`` as a canonical architecture file (UTF-8, ``\\n`` line ends).

    Parameters
    ----------
    arch : Architecture
    path : str or path-like
    """
    atomic_write(path, dumps(arch))
