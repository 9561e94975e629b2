"""``tnrank analyze``: the full report of one architecture file, or several side by side."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tnrank.cli.common import (
    add_certify_options,
    certify_kwargs,
    deprecated,
    positive_int,
    print_json,
    progress_printer,
)
from tnrank.cli.parallel_options import add_parallel_options, parallel_run
from tnrank.files.formats import load_architectures
from tnrank.model.architecture import Architecture
from tnrank.model.partition import Partition
from tnrank.networks.mincut import min_cut
from tnrank.safe_files import check_distinct_outputs, check_output_path
from tnrank.studies.analysis import analysis_dict, format_analysis
from tnrank.studies.analyze import analyze, in_order, reproduce_command
from tnrank.studies.comparison import (
    CompareRow,
    comparison_dict,
    format_comparison,
    format_statuses,
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
    p.add_argument("-o", "--output", metavar="FIGURE",
                   help="one file and one T: also draw the unrolled network with the min-cut of "
                   "the partition (.svg, .png or .pdf; see tnrank draw); several files or T: plot "
                   "the certified separation ranks against T, one line per file")
    p.add_argument("--draw", dest="output", action=deprecated("-o"), help=argparse.SUPPRESS)
    p.add_argument("--json-file", metavar="FILE",
                   help="results file, saved after every report; the same command resumes an "
                   "interrupted run from it")
    p.add_argument("--explain", action="store_true",
                   help="after the report, how each number was proved (runs, bounds, theorems)")
    p.add_argument("--status", action="store_true",
                   help="several files or T: the separation ranks labelled proved, generic w.h.p. "
                   "(with the failure bound) or bounds only, beside each file's state size, weights "
                   "and the proved bound state + 1 where the output is affine in the states, "
                   "attained or not")
    add_certify_options(p)
    add_parallel_options(p)
    p.set_defaults(func=run)


def _title(files: list[str], n: int) -> str:
    """``graphs/: 10 architecture files`` when one directory was given."""
    if len(files) == 1 and Path(files[0]).is_dir():
        return f"{files[0].rstrip('/')}/: {n} architecture file{'s' * (n != 1)}"
    return ""


def _figure(args: argparse.Namespace, arch: Architecture) -> str:
    """Draw before the ranks, so a bad path or size fails at once; the line for the report."""
    from tnrank.presentation.draw import draw_architecture  # matplotlib on demand
    from tnrank.presentation.layouts.network import check_drawable

    check_drawable(arch, args.T[0])  # refuse an illegible drawing before the cut is searched for
    cut = min_cut(arch, args.partition, T=args.T[0])
    drawing = draw_architecture(arch, args.T[0], args.output, partition=args.partition, highlight=cut)
    drawing.figure.clear()
    return f"{args.output}: {drawing.bound_text}" if drawing.bound_text else str(args.output)


def run(args: argparse.Namespace) -> int:
    entries = load_architectures(args.files, "analyze")
    for T in args.T:  # every partition is valid before any work starts
        Partition.parse(args.partition, T)
    kwargs = certify_kwargs(args)
    say = progress_printer(args.quiet)
    single = len(entries) == 1 and len(args.T) == 1 and not args.markdown
    if args.output is not None and not single:
        from tnrank.presentation.plot import check_figure_path  # with the figure, on demand

        check_figure_path(args.output)
    if args.json_file:
        check_output_path(args.json_file, "the results file (--json-file)", [".json"])
        check_distinct_outputs({"the figure (-o)": args.output,
                                "the results file (--json-file)": args.json_file})
    if single:
        return _run_one(args, entries[0], kwargs, say)

    rows: list[CompareRow] = []
    interrupted = False
    try:  # Ctrl-C leaves the parallel run first: its workers stop rather than finish
        with parallel_run(args, args.quiet) as where:
            for row in analyze(entries, args.T, args.partition, path=args.json_file,
                               progress=where.progress(say), **where.kwargs(), **kwargs):
                rows.append(row)  # those of an interrupted run are printed too
    except KeyboardInterrupt:
        interrupted = True
    rows = in_order(rows, entries, args.T)
    if args.json:
        print_json(comparison_dict(entries, args.T, rows, args.partition, interrupted))
    elif args.markdown:
        command = reproduce_command(args.files, args.T, args.partition, kwargs)
        print(markdown_comparison(entries, args.T, rows, args.partition, command,
                                  _title(args.files, len(entries))), end="")
    elif args.status:
        print(format_statuses(entries, args.T, rows, args.partition))
    else:
        print(format_comparison(entries, args.T, rows, args.partition))
        if args.explain:
            for row in rows:
                print(f"\n{row.label}, T={row.T}")
                print(row.report.explain())
    if args.output is not None and rows:
        from tnrank.presentation.plot import plot_comparison  # matplotlib on demand

        plot_comparison(rows, args.output).clear()
    if interrupted:
        total = len(entries) * len(args.T)
        saved = f"; what is done was saved in {args.json_file}" if args.json_file else ""
        print(f"tnrank analyze: interrupted after {len(rows)} of {total} reports{saved}",
              file=sys.stderr)
        return 130
    return 1 if any(r.report.verdict == "violated" for r in rows) else 0


def _run_one(args: argparse.Namespace, entry: tuple[str, Architecture], kwargs: dict[str, Any],
             say: Callable[[str], None] | None) -> int:
    label, _arch = entry
    figure = _figure(args, entry[1]) if args.output is not None else None
    # one report: --jobs and --scheduler have nothing to share
    (row,) = analyze([entry], args.T, args.partition, path=args.json_file, progress=say,
                     threads=args.threads, **kwargs)
    report = row.report
    if args.json:
        data = analysis_dict(report, label)
        if figure is not None:
            data["figure"] = figure
        if args.explain:
            data["explanation"] = report.explain()
        print_json(data)
    else:
        print(format_analysis(report, label))
        if args.explain:
            print()
            print(report.explain())
        if figure is not None:
            print(figure)
    return 1 if report.verdict == "violated" else 0
