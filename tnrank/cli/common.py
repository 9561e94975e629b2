"""Options and output helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from tnrank.certification.certify import FAILURE_TARGET, FLOAT_AUTO_MAX, GRID_MODES, MAX_SAMPLES, MIN_PRIME
from tnrank.engine.grid import MAX_GRID_ENTRIES
from tnrank.engine.rank import MAX_FLOAT_SVD
from tnrank.errors import TnrankError
from tnrank.model.architecture import Architecture
from tnrank.primes import MAX_PRIME, PRIME

#: ``--prime`` must be at least ``2**MIN_PRIME_BITS`` (certify's MIN_PRIME; see :func:`_check_prime`).
MIN_PRIME_BITS = MIN_PRIME.bit_length() - 1

__all__ = [
    "add_rac_options",
    "rac_from_args",
    "add_certify_options",
    "certify_kwargs",
    "int_list",
    "positive_int",
    "progress_printer",
    "print_json",
]


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def int_list(text: str) -> list[int]:
    """argparse type: ``6``, ``2..24`` (even steps kept by callers that need them) or ``2,4,8``."""
    text = text.strip()
    try:
        if ".." in text:
            lo, hi = (int(x) for x in text.split("..", 1))
            if hi < lo:
                raise argparse.ArgumentTypeError(f"range {text!r} is empty; write low..high")
            return list(range(lo, hi + 1))
        return [int(x) for x in text.split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number, a list such as 2,4,6 or a range such as 2..24"
        ) from None


def add_rac_options(parser: argparse.ArgumentParser, required: bool = True,
                    T_help: str = "sequence length") -> None:
    """``-L -R -M -T``: the paper's RAC of one depth, width(s) and input size."""
    parser.add_argument("-L", "--depth", type=positive_int, required=required, help="number of layers")
    parser.add_argument("-R", "--width", type=positive_int, nargs="+", required=required,
                        help="hidden channels: one value, or one per layer")
    parser.add_argument("-M", type=positive_int, required=required,
                        help="number of representation functions")
    parser.add_argument("-T", type=positive_int, required=required, help=T_help)


def rac_from_args(args: argparse.Namespace) -> Architecture:
    """The RAC described by ``-L -R -M`` (one width, or one per layer)."""
    width = args.width[0] if len(args.width) == 1 else args.width
    return Architecture.rac(args.depth, width, args.M)


def add_certify_options(parser: argparse.ArgumentParser) -> None:
    """Options controlling how ranks are certified."""
    group = parser.add_argument_group("certification")
    group.add_argument("--seed", type=int, default=0, help="seed of weights and samples (default 0)")
    group.add_argument("--prime", type=int, default=PRIME,
                       help=f"prime modulus in [2**{MIN_PRIME_BITS}, 2**30) (default {PRIME})")
    group.add_argument("--confirm", action="store_true",
                       help="repeat with a second prime and seed; keep both ranks")
    group.add_argument("--grid", choices=GRID_MODES, default="auto",
                       help="full grid, sampled rows/columns, auto (full when it fits) or skip")
    group.add_argument("--max-entries", type=positive_int, default=MAX_GRID_ENTRIES,
                       help=f"largest full grid (entries; default {MAX_GRID_ENTRIES:,})")
    group.add_argument("--max-samples", type=positive_int, default=MAX_SAMPLES,
                       help="largest side K of sampled matrices (default: the largest that fits "
                       "the available memory)")
    group.add_argument("--failure-target", type=float, default=FAILURE_TARGET,
                       help="largest failure probability of a generic value: independent runs "
                       f"are added until their bound is at most this (default {FAILURE_TARGET:g})")
    floats = group.add_mutually_exclusive_group()
    floats.add_argument("--float", dest="float_check", action="store_const", const=True, default=None,
                        help=f"float SVD estimate also above {FLOAT_AUTO_MAX}×{FLOAT_AUTO_MAX} "
                        f"(up to {MAX_FLOAT_SVD})")
    floats.add_argument("--no-float", dest="float_check", action="store_const", const=False,
                        help="skip the float SVD estimate")
    group.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")


def certify_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for :func:`tnrank.certify` from the parsed options."""
    return {
        "seed": args.seed,
        "prime": _check_prime(args.prime),
        "confirm": args.confirm,
        "grid": args.grid,
        "max_entries": args.max_entries,
        "max_samples": args.max_samples,
        "float_check": args.float_check,
        "failure_target": _check_target(args.failure_target),
    }


def _check_target(value: float) -> float:
    if not 0 < value < 1:
        raise TnrankError(f"--failure-target {value:g} is not a probability in (0, 1); "
                          f"omit it for {FAILURE_TARGET:g}")
    return value


def _check_prime(p: int) -> int:
    """``--prime``: a prime in ``[2**20, 2**30)``: below, each run's Schwartz–Zippel bound
    ``(r+1)·D/p`` is near 1 at the sizes tnrank reaches; above, products of residues leave
    int64."""
    import flint

    if p >= MAX_PRIME:
        raise TnrankError(f"--prime {p} is too large for the exact arithmetic (it must be below "
                          f"2**30 = {MAX_PRIME}); omit it to use {PRIME}")
    if p < 2 or not flint.fmpz(p).is_prime():
        raise TnrankError(f"--prime {p} is not a prime; omit it to use {PRIME}, or give a prime in "
                          f"[2**{MIN_PRIME_BITS}, 2**30)")
    if p < 2**MIN_PRIME_BITS:
        raise TnrankError(f"--prime {p} is below 2**{MIN_PRIME_BITS} = {2**MIN_PRIME_BITS}: too small "
                          f"for the failure bounds to mean anything; give a prime in "
                          f"[2**{MIN_PRIME_BITS}, 2**30) or omit it to use {PRIME}")
    return p


def progress_printer(quiet: bool) -> Callable[[str], None] | None:
    """Progress lines on stderr (None when quiet)."""
    if quiet:
        return None

    def say(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    return say


def print_json(obj: Any) -> None:
    """One JSON object on stdout."""
    print(json.dumps(obj, indent=2, ensure_ascii=False))
