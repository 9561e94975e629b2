"""Named sweep sizes: ``smoke`` (under a minute on a 2-core CPU: every step of a
sweep at toy sizes; measured 23 s for copying and 32 s for ses on a shared 2-core machine,
8 s of CPU time each, with the default one torch thread), ``small`` (about 20 minutes),
``fair`` (copying only: the fair test of docs/experiments.md, about an hour with one thread) and ``paper``.

``paper`` uses the sizes Levine et al. (arXiv:1710.09431) state for Copying
Memory (m = 30 symbols from n = 32, i.e. 150 bits; RMSProp; batch 128) at a
budget of 20,000 MACs per step; the delays, step counts and the Start-End
Similarity block size are tnrank's choices and are listed here, not claimed
from the paper. Every value can be overridden on the command line.
"""

from __future__ import annotations

from typing import Any

from tnrank.errors import TnrankError

__all__ = ["PRESETS", "preset"]

PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "copying": {
        "smoke": {"m": 3, "n": 4, "macs": 300, "values": [0, 4], "depths": [1, 2], "seeds": [0, 1],
                  "steps": 150, "eval_every": 25, "lr": 3e-3},
        "small": {"m": 10, "n": 8, "macs": 1250, "values": [0, 20, 40, 80], "depths": [1, 2, 3],
                  "seeds": [0], "steps": 2000, "eval_every": 100},
        "fair": {"m": 10, "n": 8, "macs": 1250, "values": [0, 80], "depths": [1, 2, 3],
                 "seeds": [0, 1, 2], "steps": 2000, "eval_every": 100},
        "paper": {"m": 30, "n": 32, "macs": 20000, "values": [0, 50, 100, 150, 200, 300],
                  "depths": [1, 2, 3], "seeds": [0, 1, 2], "steps": 20000, "eval_every": 250},
    },
    "ses": {
        "smoke": {"m": 2, "n": 2, "macs": 350, "values": [4, 8], "depths": [1, 2], "seeds": [0, 1],
                  "steps": 150, "eval_every": 25, "lr": 3e-3},
        "small": {"m": 2, "n": 4, "macs": 1200, "values": [20, 40, 80, 120], "depths": [1, 2, 3],
                  "seeds": [0], "steps": 1500, "eval_every": 100, "lr": 3e-3},
        "paper": {"m": 10, "n": 32, "macs": 20000, "values": [40, 80, 120, 160, 240, 320],
                  "depths": [1, 2, 3], "seeds": [0, 1, 2], "steps": 20000, "eval_every": 250},
    },
}


def preset(task: str, name: str) -> dict[str, Any]:
    """The settings of preset ``name`` for ``task`` (a copy).

    Examples
    --------
    >>> preset("copying", "paper")["m"], preset("copying", "paper")["n"]
    (30, 32)
    """
    try:
        return dict(PRESETS[task][name])
    except KeyError:
        names = ", ".join(PRESETS.get(task, {}))
        raise TnrankError(f"no preset {name!r} for {task}; use one of {names}") from None
