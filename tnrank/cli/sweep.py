"""``tnrank sweep``: certified ranks against T for several depths, plotted and saved."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import TnrankError
from ..plot import check_figure_path, plot_sweep
from ..verify import sweep_configs, verify
from .common import add_certify_options, certify_kwargs, positive_int, progress_printer

FORMAT = "tnrank-sweep"
CSV_FIELDS = ["L", "M", "R", "T", "quantity", "lower", "upper", "upper_source", "exact", "status",
              "failure_bound", "theorem", "theorem_value", "verdict"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="certified rank against T for several depths, as a plot and data",
        description="Certify Start-End ranks for each depth and T, plot them on a log scale "
        "with the paper's bounds and the degree bound, and save the numbers. Ctrl-C stops and "
        "saves what is done.",
    )
    p.add_argument("-L", "--depth", type=positive_int, nargs="+", default=[1, 2, 3],
                   help="depths (default 1 2 3)")
    p.add_argument("-R", "--width", type=positive_int, default=None, help="hidden channels R")
    p.add_argument("-M", type=positive_int, default=None, help="representation functions M")
    p.add_argument("-T", nargs="+", default=None, metavar="T",
                   help="lengths: values and ranges such as 2..24 (a range keeps the even lengths)")
    p.add_argument("-o", "--output", help="figure file (.svg, .png or .pdf)")
    p.add_argument("--csv", help="write the numbers as CSV")
    p.add_argument("--json", help="write the results as JSON (replot later with --from)")
    p.add_argument("--from", dest="source", help="replot a JSON results file without computing")
    p.add_argument("--quantity", choices=["separation", "grid"], default="separation",
                   help="what to plot (default: separation rank)")
    p.add_argument("--title", help="figure title")
    add_certify_options(p)
    p.set_defaults(func=run)


def expand_lengths(tokens: list[str]) -> list[int]:
    """``["2..8", "12"]`` -> ``[2, 4, 6, 8, 12]`` (ranges keep even lengths)."""
    out: list[int] = []
    for token in tokens:
        try:
            if ".." in token:
                lo, hi = (int(x) for x in token.split("..", 1))
                if hi < lo:
                    raise TnrankError(f"range {token!r} is empty; write low..high such as 2..24")
                out += [t for t in range(lo, hi + 1) if t % 2 == 0]
            else:
                out.append(int(token))
        except ValueError:
            raise TnrankError(f"-T {token!r} is not a length or a range such as 2..24") from None
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


def _write(args: argparse.Namespace, data: dict[str, Any]) -> None:
    rows = data["rows"]
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
            writer.writeheader()
            writer.writerows(csv_rows(rows, args.quantity))
    if args.output and rows:
        plot_sweep(rows, args.output, args.quantity, args.title)


def _check_outputs(args: argparse.Namespace) -> None:
    if args.output:
        check_figure_path(args.output)
    for path in (args.csv, args.json):
        if path and not Path(path).resolve().parent.is_dir():
            raise TnrankError(f"directory of {path!r} does not exist; create it or choose another path")
    if not (args.output or args.csv or args.json):
        raise TnrankError("nothing to write; give -o figure.png, --csv file or --json file")


def load_results(path: str) -> dict[str, Any]:
    """Read a results file written by ``tnrank sweep --json``."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise TnrankError(f"results file {path!r} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TnrankError(f"results file {path!r} is not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("rows"), list):
        raise TnrankError(f"{path!r} is not a tnrank sweep results file (write one with --json)")
    return data


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
    rows: list[dict[str, Any]] = []
    data: dict[str, Any] = {
        "format": FORMAT,
        "config": {"depths": args.depth, "R": args.width, "M": args.M, "T": lengths,
                   "partition": "start-end", "seed": args.seed},
        "rows": rows,
        "complete": False,
    }
    try:
        for row in verify(args.depth, [args.M], [args.width], lengths, progress=say,
                          **certify_kwargs(args)):
            rows.append(row.to_dict())
    except KeyboardInterrupt:
        _write(args, data)
        print(f"tnrank sweep: interrupted after {len(rows)} of {len(configs)} points; what is done "
              "was saved", file=sys.stderr)
        return 130
    data["complete"] = True
    _write(args, data)
    if not args.quiet:
        print(f"tnrank sweep: {len(rows)} points", file=sys.stderr)
    return 0
