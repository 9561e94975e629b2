"""The library names its parameters in backticks (`max_samples`); the command line shows
the matching flags (--max-samples), so every message speaks the user's own vocabulary."""

from __future__ import annotations

import re

__all__ = ["FLAGS", "to_flags"]

#: Parameter spellings in library messages, and the flags that set them.
FLAGS = {
    "`max_samples`": "--max-samples",
    "`max_entries`": "--max-entries",
    "`grid='sampled'`": "--grid sampled",
    "`float_check=True`": "--float",
    "`compact=True`": "--compact",
    "`cut=True`": "--cut",
    "`cut_edges=True`": "--cut-edges",
    "`cut_edges`": "--cut-edges",
    "`partition='0,1,2'`": "--partition 0,1,2",
    "`T`": "-T",
    "`prime`": "--prime",
    "`depth`": "-L",
    "`depths`": "-L",
    "`M`": "-M",
    "`R`": "-R",
    "`predict`": "--predict",
    "`min_held_out`": "--min-held-out",
    "`architecture`": "--architecture",
    "`storage`": "--storage",
    "`spill`": "--spill",
    "`executor`": "--scheduler",
    "`scheduler`": "--scheduler",
    "`tile`": "--tile",
}
_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(FLAGS, key=len, reverse=True)))


def to_flags(text: str) -> str:
    """``text`` with every parameter the library names replaced by its flag.

    >>> to_flags("raise `max_samples` or use `grid='sampled'`")
    'raise --max-samples or use --grid sampled'
    """
    return _PATTERN.sub(lambda m: FLAGS[m.group()], text)
