"""``tnrank analyze``: the full report of one architecture file, or several side by side."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from tnrank.certification.certify import MAX_SAMPLES, certify
from tnrank.cli.common import add_certify_options, certify_kwargs, positive_int, print_json, progress_printer
from tnrank.cli.parallel_options import add_parallel_options, parallel_run
from tnrank.engine.grid import MAX_GRID_ENTRIES
from tnrank.errors import TnrankError
from tnrank.files.architecture_file import load
from tnrank.model.architecture import Architecture
from tnrank.model.partition import Partition
from tnrank.primes import PRIME
from tnrank.runtime.threads import limited_threads
from tnrank.studies.analysis import analysis_dict, format_analysis
from tnrank.studies.comparison import (
    CompareRow,
    compare,
    comparison_dict,
    format_comparison,
    markdown_comparison,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="analyze architecture files: one full report, or several side by side",
        description="Certified ranks of the architectures in TOML files (format: "
        "docs/architecture-files.md). One file and one T: the architecture, its parameter and "
        "multiply-accumulate counts, certified grid and separation ranks, every upper bound with "
        "its source and which is tight, and the paper's theorem checks. Several files or "
        "several T: rank-versus-T tables, one row per file. A directory stands for the .toml "
        "files in it.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="architecture files or directories")
    p.add_argument("-T", type=positive_int, nargs="+", required=True, help="sequence length(s)")
    p.add_argument("--partition", default="start-end",
                   help="start-end (default), interleaved, or start steps such as 0,2,5 (0-based)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--markdown", action="store_true",
                     help="print the comparison as a Markdown document (as graphs/README.md)")
    p.add_argument("--draw", metavar="FIGURE",
                   help="one file and one T: also draw the unrolled network with the min-cut of "
                   "the partition (.svg, .png or .pdf; see tnrank draw)")
    add_certify_options(p)
    add_parallel_options(p)
    p.set_defaults(func=run)


def expand(paths: list[str]) -> list[str]:
    """Directories become their ``*.toml`` files, sorted by name."""
    out: list[str] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = sorted(str(f) for f in path.glob("*.toml") if f.is_file())
            if not found:
                raise TnrankError(f"{text}: directory holds no .toml architecture files")
            out += found
        else:
            out.append(text)
    return out


def load_all(paths: list[str]) -> list[tuple[str, Architecture]]:
    """Load every file; report the problems of all files together."""
    entries, problems = [], []
    for path in paths:
        try:
            entries.append((path, load(path)))
        except TnrankError as exc:
            problems.append(str(exc))
    if len(problems) == 1:
        raise TnrankError(problems[0])
    if problems:
        raise TnrankError(f"{len(problems)} of {len(paths)} files have problems\n"
                          + "\n".join(problems))
    return entries


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces a comparison (options that change numbers only)."""
    words = ["tnrank", "analyze", *args.files, "-T", *map(str, args.T)]
    defaults = {"partition": "start-end", "seed": 0, "prime": PRIME, "grid": "auto",
                "max_entries": MAX_GRID_ENTRIES, "max_samples": MAX_SAMPLES}
    for key, default in defaults.items():
        value = getattr(args, key)
        if value != default:
            words += [f"--{key.replace('_', '-')}", str(value)]
    if args.confirm:
        words.append("--confirm")
    words.append("--markdown")
    return shlex.join(words)


def _title(files: list[str], n: int) -> str:
    """``graphs/: 10 architecture files`` when one directory was given."""
    if len(files) == 1 and Path(files[0]).is_dir():
        return f"{files[0].rstrip('/')}/: {n} architecture file{'s' * (n != 1)}"
    return ""


def run(args: argparse.Namespace) -> int:
    entries = load_all(expand(args.files))
    for T in args.T:  # every partition is valid before any work starts
        Partition.parse(args.partition, T)
    kwargs = certify_kwargs(args)
    say = progress_printer(args.quiet)
    if args.draw is not None and (len(entries) != 1 or len(args.T) != 1 or args.markdown):
        raise TnrankError("--draw draws one network: give one architecture file and one T "
                          "(use tnrank draw for more)")
    if len(entries) == 1 and len(args.T) == 1 and not args.markdown:
        label, arch = entries[0]
        if args.draw is not None:  # before the ranks: a bad path or size fails at once
            from tnrank.presentation.draw import draw_architecture  # noqa: PLC0415 - matplotlib on demand

            drawing = draw_architecture(arch, args.T[0], args.draw, partition=args.partition, cut=True)
            drawing.figure.clear()
            if say is not None:
                say(f"{args.draw}: {drawing.bound_text}")
        with limited_threads(args.threads):  # one report: --jobs and --scheduler have nothing to share
            report = certify(arch, args.T[0], args.partition, progress=say, **kwargs)
        if args.json:
            print_json(analysis_dict(report, label))
        else:
            print(format_analysis(report, label))
        return 1 if report.verdict == "violated" else 0

    rows: list[CompareRow] = []
    interrupted = False
    try:  # Ctrl-C leaves the parallel run first: its workers stop rather than finish
        with parallel_run(args, args.quiet) as where:
            for row in compare(entries, args.T, args.partition, progress=where.progress(say),
                               **where.kwargs(), **kwargs):
                rows.append(row)
    except KeyboardInterrupt:
        interrupted = True
    order = {key: i for i, key in enumerate((label, T) for label, _arch in entries for T in args.T)}
    rows.sort(key=lambda r: order[(r.label, r.T)])  # a parallel run yields rows as they finish
    if args.json:
        print_json(comparison_dict(entries, args.T, rows, args.partition, interrupted))
    elif args.markdown:
        print(markdown_comparison(entries, args.T, rows, args.partition, _command(args),
                                  _title(args.files, len(entries))), end="")
    else:
        print(format_comparison(entries, args.T, rows, args.partition))
    if interrupted:
        total = len(entries) * len(args.T)
        print(f"tnrank analyze: interrupted after {len(rows)} of {total} reports", file=sys.stderr)
        return 130
    return 1 if any(r.report.verdict == "violated" for r in rows) else 0
