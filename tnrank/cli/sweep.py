"""``tnrank sweep``: certified ranks against T for several depths, plotted and saved.

The results file (``--json``) belongs to :mod:`tnrank.studies.sweeps`: saved after every
point, resumed by running the same command again, joined by ``tnrank merge``.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any

from tnrank.cli.common import add_certify_options, certify_kwargs, positive_int, progress_printer
from tnrank.cli.parallel_options import add_parallel_options, parallel_run
from tnrank.errors import TnrankError
from tnrank.files.results_file import RESULTS_FORMAT, load_results
from tnrank.files.safe import atomic_write, check_distinct_outputs, check_output_path, write_json
from tnrank.model.partition import MAX_T
from tnrank.presentation.plot import check_figure_path, plot_sweep
from tnrank.studies.sweeps import sweep, sweep_config
from tnrank.studies.verification import sweep_configs

__all__ = ["add_parser", "run", "expand_lengths", "csv_rows", "load_results", "RESULTS_FORMAT", "CSV_FIELDS"]
CSV_FIELDS = ["L", "M", "R", "T", "quantity", "lower", "upper", "upper_source", "exact", "status",
              "failure_bound", "theorem", "theorem_value", "verdict"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="certified rank against T for several depths, as a plot and data",
        description="Certify Start-End ranks for each depth and T, plot them on a log scale "
        "with the paper's bounds and the degree bound, and save the numbers. The --json results "
        "file is saved after every point: Ctrl-C (or a crash) keeps what is done, and the same "
        "command run again computes only the missing points.",
    )
    p.add_argument("-L", "--depth", type=positive_int, nargs="+", default=[1, 2, 3],
                   help="depths (default 1 2 3)")
    p.add_argument("-R", "--width", type=positive_int, default=None, help="hidden channels R")
    p.add_argument("-M", type=positive_int, default=None, help="representation functions M")
    p.add_argument("-T", nargs="+", default=None, metavar="T",
                   help="lengths: values and ranges such as 2..24 (a range keeps the even lengths)")
    p.add_argument("-o", "--output", help="figure file (.svg, .png or .pdf)")
    p.add_argument("--csv", help="write the numbers as CSV")
    p.add_argument("--json", help="results file, saved after every point; an existing one of the "
                   "same sweep is resumed (replot later with --from, join parts with tnrank merge)")
    p.add_argument("--from", dest="source", help="replot a JSON results file without computing")
    p.add_argument("--quantity", choices=["separation", "grid"], default="separation",
                   help="what to plot (default: separation rank)")
    p.add_argument("--title", help="figure title")
    add_certify_options(p)
    add_parallel_options(p)
    p.set_defaults(func=run)


#: Most lengths one sweep takes.
MAX_LENGTHS = 1_000


def expand_lengths(tokens: list[str]) -> list[int]:
    """``["2..8", "12"]`` -> ``[2, 4, 6, 8, 12]`` (ranges keep even lengths)."""
    out: list[int] = []
    for token in tokens:
        try:
            lo, hi = (int(x) for x in token.split("..", 1)) if ".." in token else (None, int(token))
        except ValueError:
            raise TnrankError(f"-T {token!r} is not a length or a range such as 2..24") from None
        if lo is None:
            out.append(hi)
            continue
        if hi < lo:
            raise TnrankError(f"range {token!r} is empty; write low..high such as 2..24")
        if hi > MAX_T or hi - lo > 2 * MAX_LENGTHS:  # checked before the range is built
            raise TnrankError(f"range {token!r} is too long; a sweep takes at most "
                              f"{MAX_LENGTHS:,} lengths up to T = {MAX_T:,}")
        out += [t for t in range(lo, hi + 1) if t % 2 == 0]
    return sorted(dict.fromkeys(out))


def csv_rows(rows: list[dict[str, Any]], quantity: str) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        res = row[quantity]
        if res is None:
            continue
        th = row["theorems"][0] if row["theorems"] else None
        out.append({
            "L": row["L"], "M": row["M"], "R": row["R"], "T": row["T"], "quantity": quantity,
            "lower": res["lower"], "upper": res["upper"], "upper_source": res["upper_source"],
            "exact": res["exact"], "status": res["status"], "failure_bound": res["failure_bound"],
            "theorem": th["name"] if th else "", "theorem_value": th["value"] if th else "",
            "verdict": row["verdict"],
        })
    return out


def _write(args: argparse.Namespace, data: dict[str, Any], json_too: bool = True) -> None:
    rows = data["rows"]
    if args.json and json_too:
        write_json(args.json, data)
    if args.csv:
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(csv_rows(rows, args.quantity))
        atomic_write(args.csv, buffer.getvalue())
    if args.output and rows:
        plot_sweep(rows, args.output, args.quantity, args.title)


def _check_outputs(args: argparse.Namespace) -> None:
    if args.output:
        check_figure_path(args.output)
    for path, what in ((args.csv, "the CSV table"), (args.json, "the results file")):
        if path:
            check_output_path(path, what)
    check_distinct_outputs({"the figure (-o)": args.output, "the CSV table (--csv)": args.csv,
                            "the results file (--json)": args.json})
    if not (args.output or args.csv or args.json):
        raise TnrankError("nothing to write; give -o figure.png, --csv file or --json file")


def run(args: argparse.Namespace) -> int:
    _check_outputs(args)
    if args.source:
        data = load_results(args.source)
        _write(args, data)
        return 0
    if args.width is None or args.M is None or args.T is None:
        raise TnrankError("a sweep needs -R, -M and -T (or --from results.json to replot)")
    lengths = expand_lengths(args.T)
    configs = sweep_configs(args.depth, [args.M], [args.width], lengths)
    say = progress_printer(args.quiet)
    kwargs = certify_kwargs(args)
    seed = kwargs.pop("seed")
    # the rows so far, for the figure and CSV of an interrupted run
    data: dict[str, Any] = {"format": RESULTS_FORMAT, "rows": [], "complete": False,
                            "config": sweep_config(args.depth, args.M, args.width, lengths, seed=seed,
                                                   **kwargs)}
    try:
        with parallel_run(args, args.quiet) as where:
            data = sweep(args.depth, args.M, args.width, lengths, path=args.json, seed=seed,
                         progress=where.progress(say), on_row=data["rows"].append,
                         **where.kwargs(), **kwargs)
    except KeyboardInterrupt:
        if args.json:  # every finished point, those of earlier runs included
            data = load_results(args.json)
        _write(args, data, json_too=False)
        print(f"tnrank sweep: interrupted after {len(data['rows'])} of {len(configs)} points; what is "
              "done was saved", file=sys.stderr)
        return 130
    _write(args, data, json_too=False)
    if not args.quiet:
        print(f"tnrank sweep: {len(data['rows'])} points", file=sys.stderr)
    return 0
