"""Options and output helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from tnrank.certification.certify import (
    FLOAT_AUTO_MAX,
    GRID_MODES,
    MIN_PRIME,
    certification_field,
    certify,
)
from tnrank.engine.rank import MAX_FLOAT_SVD
from tnrank.errors import TnrankError
from tnrank.files.formats import load_architecture
from tnrank.model.architecture import Architecture
from tnrank.primes import GAUSSIAN_PRIME

#: certify's defaults, read from its signature: those of the certification options.
CERTIFY_DEFAULTS = {name: p.default for name, p in inspect.signature(certify).parameters.items()
                    if p.default is not inspect.Parameter.empty}

#: ``--prime`` must be at least ``2**MIN_PRIME_BITS`` (certify's MIN_PRIME, see
#: :func:`~tnrank.certification.certify.certification_field`).
MIN_PRIME_BITS = MIN_PRIME.bit_length() - 1

__all__ = [
    "add_rac_options",
    "rac_from_args",
    "add_certify_options",
    "certify_kwargs",
    "positive_int",
    "progress_printer",
    "print_json",
    "deprecated",
    "warn_deprecated",
    "expand_values",
    "SWEEP_DEFAULTS",
    "add_grid_options",
    "grid_values",
    "sweep_widths",
    "architecture_of_sweep",
    "add_architecture_file",
    "architecture_from_args",
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
    group.add_argument("--seed", type=int, default=CERTIFY_DEFAULTS["seed"],
                       help=f"seed of weights and samples (default {CERTIFY_DEFAULTS['seed']})")
    group.add_argument("--prime", type=int, default=CERTIFY_DEFAULTS["prime"],
                       help=f"prime modulus of the growing stages, in [2**{MIN_PRIME_BITS}, 2**30) "
                       f"(default {CERTIFY_DEFAULTS['prime']}); the last stage runs over GF(q²), "
                       f"q = {GAUSSIAN_PRIME}")
    group.add_argument("--confirm", action="store_true",
                       help="repeat with a second prime and seed; keep both ranks")
    group.add_argument("--grid", choices=GRID_MODES, default=CERTIFY_DEFAULTS["grid"],
                       help="full grid, sampled rows/columns, auto (full when it fits) or skip")
    group.add_argument("--max-entries", type=positive_int, default=CERTIFY_DEFAULTS["max_entries"],
                       help=f"largest full grid (entries; default {CERTIFY_DEFAULTS['max_entries']:,})")
    group.add_argument("--max-samples", type=positive_int, default=CERTIFY_DEFAULTS["max_samples"],
                       help="largest side K of sampled matrices (default: the largest that fits "
                       "the available memory)")
    group.add_argument("--failure-target", type=float, default=CERTIFY_DEFAULTS["failure_target"],
                       help="largest failure probability of a generic value: independent runs "
                       "over GF(q²) are added until their bound is at most this (default "
                       f"{CERTIFY_DEFAULTS['failure_target']:g})")
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
        "prime": certification_field(args.prime).characteristic,
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
                          f"omit it for {CERTIFY_DEFAULTS['failure_target']:g}")
    return value


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


def deprecated(new: str) -> type[argparse.Action]:
    """An argparse action for an old spelling: stores like ``new`` and says so on stderr.

    ``p.add_argument("--plot", dest="output", action=deprecated("-o"), help=argparse.SUPPRESS)``
    keeps ``--plot FILE`` working for one release with a one-line note.
    """

    class Deprecated(argparse.Action):
        def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                     values: Any, option_string: str | None = None) -> None:
            warn_deprecated(option_string or self.dest, new)
            setattr(namespace, self.dest, values)

    return Deprecated


def warn_deprecated(old: str, new: str) -> None:
    """The one-line note for an old spelling (it keeps working for one release)."""
    print(f"tnrank: note: {old} is deprecated; use {new} ({old} will be removed in the next "
          "release)", file=sys.stderr)


#: The default sweep of ``tnrank verify`` and ``tnrank sweep``.
SWEEP_DEFAULTS = {"depth": [1, 2, 3], "M": [2, 3], "R": [2, 3], "T": [2, 4, 6, 8]}

#: Most values one list option (-L, -R, -M or -T) expands to.
MAX_VALUES = 1_000


def expand_values(tokens: Sequence[str | int], flag: str, *, even: bool = False,
                  maximum: int | None = None) -> list[int]:
    """Values and ranges of a list option, in order, each once.

    ``["2..8", "12"]`` -> ``[2, 3, ..., 8, 12]``; with ``even`` a range keeps its even
    values (``-T 2..8`` -> ``2 4 6 8``). ``2,4`` is the same as ``2 4``. Ranges are
    checked against :data:`MAX_VALUES` and ``maximum`` before they are built.

    Raises
    ------
    TnrankError
        Naming ``flag`` and the token that is not a positive whole number or range.

    Examples
    --------
    >>> expand_values(["2..8", "12"], "-T", even=True)
    [2, 4, 6, 8, 12]
    >>> expand_values(["1,3", "2", "3"], "-L")
    [1, 3, 2]
    """
    out: list[int] = []
    for token in tokens:
        parts = [part.strip() for part in str(token).split(",")]
        if "" in parts:
            raise TnrankError(f"{flag} {str(token)!r} has an empty entry; write a list such as 2,4 "
                              "(no empty place between commas)")
        for part in parts:
            try:
                lo, hi = (int(x) for x in part.split("..", 1)) if ".." in part else (int(part), int(part))
            except ValueError:
                raise TnrankError(f"{flag} {part!r} is not a whole number, a list such as 2,4 or a "
                                  "range such as 2..8") from None
            if lo < 1:
                raise TnrankError(f"{flag} {lo} must be at least 1")
            if hi < lo:
                raise TnrankError(f"{flag} range {part!r} is empty; write low..high such as 2..8")
            if (maximum is not None and hi > maximum) or hi - lo > (2 if even else 1) * MAX_VALUES:
                limit = f" up to {maximum:,}" if maximum is not None else ""
                raise TnrankError(f"{flag} range {part!r} is too long; give at most {MAX_VALUES:,} "
                                  f"values{limit}")
            out += [v for v in range(lo, hi + 1) if lo == hi or not even or v % 2 == 0]
    values = list(dict.fromkeys(out))
    if len(values) > MAX_VALUES:
        raise TnrankError(f"{flag} gives {len(values):,} values; give at most {MAX_VALUES:,}")
    return values


def add_grid_options(parser: argparse.ArgumentParser, defaults: dict[str, list[int]]) -> None:
    """``-L -M -R -T`` of a sweep, each a list of values and ranges (``2 4``, ``2,4``, ``2..8``)."""
    def show(key: str) -> str:
        return " ".join(map(str, defaults[key]))

    parser.add_argument("-L", "--depth", nargs="+", metavar="L",
                        help=f"depths (default {show('depth')})")
    parser.add_argument("-M", nargs="+", metavar="M",
                        help=f"numbers of representation functions (default {show('M')})")
    parser.add_argument("-R", "--width", nargs="+", metavar="R",
                        help="widths of uniform RACs (hidden channels), one value, a list such as "
                        f"2,3 or a range such as 2..4 (default {show('R')})")
    parser.add_argument("-T", nargs="+", metavar="T",
                        help=f"even sequence lengths; a range such as 2..24 keeps the even ones "
                        f"(default {show('T')})")


def sweep_widths(tokens: Sequence[str | int], command: str) -> list[int]:
    """The widths of a sweep's ``-R``: one token, a value, a list (``2,3``) or a range (``2..4``).

    ``-R 4 2`` means per-layer widths in rank, bound and draw; a sweep lists uniform widths
    with commas instead, and refuses the spelling with spaces rather than guess.

    >>> sweep_widths(["2,3"], "verify")
    [2, 3]
    """
    if len(tokens) > 1:
        given = " ".join(map(str, tokens))
        raise TnrankError(f"-R {given} is ambiguous: {command} sweeps RACs of uniform width, so "
                          f"write -R {','.join(map(str, tokens))} for one RAC of each width; for "
                          f"one RAC with per-layer widths {', '.join(map(str, tokens))}, "
                          "give an architecture file "
                          f"(tnrank {command} FILE.toml, see docs/architecture-files.md)")
    return expand_values(tokens, "-R")


def grid_values(args: argparse.Namespace, defaults: dict[str, list[int]] = SWEEP_DEFAULTS,
                ) -> tuple[list[int], list[int], list[int], list[int]]:
    """The expanded ``-L``, ``-M``, ``-R`` and ``-T`` lists (``defaults`` for those not given)."""
    from tnrank.model.partition import MAX_T

    def given(name: str, key: str) -> list[Any]:
        value = getattr(args, name)
        return defaults[key] if value is None else value

    return (expand_values(given("depth", "depth"), "-L"), expand_values(given("M", "M"), "-M"),
            defaults["R"] if args.width is None else sweep_widths(args.width, args.command),
            expand_values(given("T", "T"), "-T", even=True, maximum=MAX_T))


def architecture_of_sweep(args: argparse.Namespace, command: str) -> Architecture | None:
    """The architecture of ``FILE`` for a sweep over ``-T`` (None without a file)."""
    if args.file is None:
        return None
    flags = [o for o, v in (("-L", args.depth), ("-R", args.width), ("-M", args.M)) if v is not None]
    if flags:
        raise TnrankError(f"give either an architecture file or -L/-R/-M, not both ({', '.join(flags)} "
                          f"given with {args.file})")
    return load_architecture(args.file, command)


def add_architecture_file(parser: argparse.ArgumentParser) -> None:
    """The optional ``FILE``: an architecture file in place of ``-L -R -M``."""
    parser.add_argument("file", nargs="?", metavar="FILE",
                        help="an architecture file (TOML; docs/architecture-files.md) in place of "
                        "-L -R -M")


def architecture_from_args(args: argparse.Namespace, command: str) -> Architecture:
    """The architecture of ``FILE`` or of ``-L -R -M`` (one of the two)."""
    flags = [o for o, v in (("-L", args.depth), ("-R", args.width), ("-M", args.M)) if v is not None]
    if args.file is not None:
        if flags:
            raise TnrankError(f"give either an architecture file or -L/-R/-M, not both "
                              f"({', '.join(flags)} given with {args.file})")
        return load_architecture(args.file, command)
    missing = [o for o in ("-L", "-R", "-M") if o not in flags]
    if missing:
        raise TnrankError(f"missing {', '.join(missing)}; give -L -R -M for a RAC, or an architecture "
                          "file (FILE.toml)")
    return rac_from_args(args)
