"""``--storage``, ``--spill DIR``, ``--scheduler ADDRESS`` and ``--tile``: where the samples over
GF(q²) are stored and eliminated (:mod:`tnrank.certification.large`).

``tnrank rank`` takes all four; ``tnrank sweep``, whose ``--scheduler`` already spreads whole
configurations over a cluster, takes the first, second and fourth.
"""

from __future__ import annotations

import argparse
from typing import Any

from tnrank.certification.large import placement
from tnrank.cli.common import positive_int
from tnrank.field import GAUSSIAN_FIELD
from tnrank.runtime.scheduler import EXTRA_HINT

__all__ = ["add_large_sample_options", "large_sample_kwargs"]


def add_large_sample_options(parser: argparse.ArgumentParser, scheduler: bool = True) -> None:
    """The options of the group "large samples" (``--scheduler`` only when ``scheduler``)."""
    group = parser.add_argument_group(
        "large samples", "where the samples over GF(q²) are stored and eliminated (in tiles)")
    group.add_argument("--storage", type=int, choices=(32, 64), default=None,
                       help="bits per stored number: 32 (default wherever the field allows: "
                       "complex64 over GF(q²), float32 mod a prime below 2**24; half the memory, "
                       "the same ranks) or 64")
    where = group.add_mutually_exclusive_group() if scheduler else group
    where.add_argument("--spill", metavar="DIR",
                       help="build and eliminate the samples over GF(q²) in files in DIR (a local "
                       "disk; beyond this machine's memory); an interrupted run resumes when the "
                       "same command is run again")
    if scheduler:
        where.add_argument("--scheduler", metavar="ADDRESS",
                           help="build and eliminate the samples over GF(q²) on the workers of the "
                           f"Dask scheduler at ADDRESS, such as tcp://host:8786 (needs {EXTRA_HINT})")
    group.add_argument("--tile", type=positive_int, default=None, metavar="N",
                       help="rows and columns of a tile (default: an eighth of the side, 256 to 2048)")


def large_sample_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """``storage``, ``spill`` and ``tile`` for :func:`tnrank.certify`, checked before any work
    (the client of ``--scheduler`` is the caller's to open and close)."""
    placement(args.storage, args.spill, None, args.tile, GAUSSIAN_FIELD)
    return {"storage": args.storage, "spill": args.spill, "tile": args.tile}
