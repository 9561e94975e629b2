"""``tnrank sweep``: certified ranks against T for several depths, plotted and saved.

The results file (``--json-file``) belongs to :mod:`tnrank.studies.sweeps`: saved after every
point, resumed by running the same command again, joined by ``tnrank merge``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tnrank.cli.common import (
    MAX_VALUES,
    SWEEP_DEFAULTS,
    add_architecture_file,
    add_certify_options,
    add_grid_options,
    architecture_of_sweep,
    certify_kwargs,
    expand_values,
    grid_values,
    print_json,
    progress_printer,
    warn_deprecated,
)
from tnrank.cli.large_options import add_large_sample_options, large_sample_kwargs
from tnrank.cli.parallel_options import add_parallel_options, parallel_run
from tnrank.errors import TnrankError
from tnrank.files.results_file import RESULTS_FORMAT, load_results, ordered
from tnrank.model.partition import MAX_T
from tnrank.presentation.plot import check_figure_path, plot_sweep
from tnrank.safe_files import atomic_write, check_distinct_outputs, check_output_path, write_json
from tnrank.studies.sweeps import csv_text, results_dict, sweep, sweep_config
from tnrank.studies.verification import sweep_configs, width_label

__all__ = ["add_parser", "run", "expand_lengths", "MAX_LENGTHS"]

#: Most lengths one sweep takes.
MAX_LENGTHS = MAX_VALUES


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="certified rank against T for several depths, as a plot and data",
        description="Certify Start-End ranks for every combination of -L, -M, -R and -T, plot them "
        "against T on a log scale with the paper's bounds and the degree bound, and save the "
        "numbers. The --json-file results file is saved after every point: Ctrl-C, SIGTERM, a "
        "kill or a crash keeps what is done, and the same command run again computes only the "
        "missing points.",
    )
    add_architecture_file(p)
    add_grid_options(p, SWEEP_DEFAULTS)
    p.add_argument("-o", "--output", help="figure file (.svg, .png or .pdf); one value of -M and "
                   "of -R")
    p.add_argument("--csv", metavar="FILE", help="write the numbers as CSV")
    p.add_argument("--json-file", metavar="FILE",
                   help="results file, saved after every point; an existing one of the same sweep "
                   "is resumed (replot later with --from, join parts with tnrank merge)")
    p.add_argument("--json", nargs="?", const=True, default=None, metavar="FILE",
                   help="print the results as one JSON object on stdout (the deprecated "
                   "--json FILE is accepted with a note and means --json-file FILE)")
    p.add_argument("--from", dest="source", metavar="FILE",
                   help="replot a JSON results file without computing")
    p.add_argument("--quantity", choices=["separation", "grid"], default="separation",
                   help="what to plot (default: separation rank)")
    p.add_argument("--title", help="figure title")
    add_certify_options(p)
    add_parallel_options(p)
    add_large_sample_options(p, scheduler=False)
    p.set_defaults(func=run, computing=[(a.option_strings[0] if a.option_strings else a.metavar,
                                         a.dest, a.default) for a in p._actions
                                        if a.dest not in _REPLOT_OPTIONS])


#: What ``--from`` uses; every other option says what to compute, and is refused with it.
_REPLOT_OPTIONS = ("help", "output", "csv", "json_file", "json", "source", "quantity", "title",
                   "quiet")


def _check_replot(args: argparse.Namespace) -> None:
    """``--from FILE`` draws what the file holds: options that choose what to compute are
    refused rather than ignored."""
    given = [str(flag) for flag, dest, default in args.computing if getattr(args, dest) != default]
    if given:
        them = "it" if len(given) == 1 else "them"
        raise TnrankError(f"--from replots {args.source} as it is, so {', '.join(given)} would be "
                          f"ignored; leave {them} out, or run the sweep without --from (with "
                          f"--json-file {args.source} it resumes the file)")


def expand_lengths(tokens: list[str]) -> list[int]:
    """``["2..8", "12"]`` -> ``[2, 4, 6, 8, 12]`` (ranges keep even lengths), sorted."""
    return sorted(expand_values(tokens, "-T", even=True, maximum=MAX_T))


def _write(args: argparse.Namespace, data: dict[str, Any], json_too: bool = True) -> None:
    rows = data["rows"]
    if args.json_file and json_too:
        write_json(args.json_file, data)
    if args.csv:
        atomic_write(args.csv, csv_text(rows, args.quantity))
    if args.output and rows:
        _check_one_curve_set(rows)
        plot_sweep(rows, args.output, args.quantity, args.title)
    if args.json:
        print_json(results_dict(data))


def _check_one_curve_set(rows: list[dict[str, Any]]) -> None:
    pairs = sorted({(r["M"], r["R"]) for r in rows})
    if len(pairs) > 1:
        shown = ", ".join(f"M={m} R={r}" for m, r in pairs)
        raise TnrankError(f"the figure draws one line per depth for one M and one R, and this sweep "
                          f"has {shown}; give one value of -M and of -R with -o (one figure each), "
                          "or write the numbers with --csv or --json-file")


def _check_outputs(args: argparse.Namespace) -> None:
    if isinstance(args.json, str):  # deprecated --json FILE: the results file
        warn_deprecated("--json FILE", "--json-file FILE (--json alone prints JSON on stdout)")
        if args.json_file:
            raise TnrankError("give the results file once, with --json-file")
        args.json_file, args.json = args.json, None
    if args.output:
        check_figure_path(args.output)
    for path, what, suffixes in ((args.csv, "the CSV table (--csv)", [".csv"]),
                                 (args.json_file, "the results file (--json-file)", [".json"])):
        if path:
            check_output_path(path, what, suffixes)
    check_distinct_outputs({"the figure (-o)": args.output, "the CSV table (--csv)": args.csv,
                            "the results file (--json-file)": args.json_file})
    if not (args.output or args.csv or args.json_file or args.json):
        raise TnrankError("nothing to write; give -o figure.png, --csv FILE, --json-file FILE or --json")


def run(args: argparse.Namespace) -> int:
    _check_outputs(args)
    if args.source:
        source = load_results(args.source)
        _check_replot(args)
        _write(args, source)
        return 0
    arch = architecture_of_sweep(args, "sweep")
    depths, Ms, widths, lengths = grid_values(args)
    Rs: list[int | str] = list(widths)  # or the architecture's width label
    lengths = sorted(lengths)
    if arch is not None:
        depths, Ms, Rs = [arch.depth], [arch.M], [width_label(arch)]
    if args.output and (len(Ms) > 1 or len(Rs) > 1):
        _check_one_curve_set([{"M": m, "R": r} for m in Ms for r in Rs])
    configs = sweep_configs(depths, Ms, Rs, lengths, architecture=arch)
    say = progress_printer(args.quiet)
    kwargs = certify_kwargs(args)
    seed = kwargs.pop("seed")
    # the rows so far, for the figure and CSV of an interrupted run
    data: dict[str, Any] = {"format": RESULTS_FORMAT, "rows": [], "complete": False,
                            "config": sweep_config(depths, Ms, Rs, lengths, seed=seed, **kwargs)}
    if arch is not None:
        data["config"]["architecture"] = arch.to_dict()
    try:
        with parallel_run(args, args.quiet) as where:
            data = sweep(depths, Ms, Rs, lengths, path=args.json_file, seed=seed, architecture=arch,
                         progress=where.progress(say), on_row=data["rows"].append,
                         **where.kwargs(), **kwargs, **large_sample_kwargs(args))
    except KeyboardInterrupt:
        if args.json_file:  # every finished point, those of earlier runs included
            data = load_results(args.json_file)
        _write(args, ordered(data), json_too=False)
        print(f"tnrank sweep: interrupted after {len(data['rows'])} of {len(configs)} points; what is "
              "done was saved", file=sys.stderr)
        return 130
    _write(args, data, json_too=False)
    if not args.quiet:
        print(f"tnrank sweep: {len(data['rows'])} points", file=sys.stderr)
    return 0
