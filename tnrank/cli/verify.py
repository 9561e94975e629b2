"""``tnrank verify``: sweep configurations and check the paper's bounds."""

from __future__ import annotations

import argparse
import sys

from tnrank.cli.common import add_certify_options, certify_kwargs, print_json, progress_printer
from tnrank.cli.parallel_options import add_parallel_options, parallel_run
from tnrank.formatting import format_table
from tnrank.studies.verification import VerifyRow, sweep_configs, verify

DEFAULTS = {"depth": [1, 2, 3], "M": [2, 3], "R": [2, 3], "T": [2, 4, 6, 8]}
HEADER = ["L", "M", "R", "T", "grid rank", "separation rank", "min-cut", "paper bound", "verdict"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="check Theorem 1 and the conjecture on a sweep",
        description="Certify the Start-End ranks of every RAC in a sweep and compare them with "
        "the paper's Theorem 1 and depth-L conjecture. Exit code 1 if a bound is violated.",
    )
    p.add_argument("-L", "--depth", type=int, nargs="+", default=DEFAULTS["depth"],
                   help="depths (default 1 2 3)")
    p.add_argument("-M", type=int, nargs="+", default=DEFAULTS["M"], help="values of M (default 2 3)")
    p.add_argument("-R", "--width", type=int, nargs="+", default=DEFAULTS["R"],
                   help="widths (default 2 3)")
    p.add_argument("-T", type=int, nargs="+", default=DEFAULTS["T"],
                   help="even sequence lengths (default 2 4 6 8)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_certify_options(p)
    add_parallel_options(p)
    p.set_defaults(func=run)


def _cell(res) -> str:
    if res is None:
        return "-"
    if res.exact:
        return f"{res.rank} exact"
    return f"{res.lower}..{res.upper}"


def row_cells(row: VerifyRow) -> list[str]:
    rep = row.report
    parts = []
    for c in rep.theorems:
        sign = "≤" if c.bound.kind == "upper" else "≥"
        parts.append(f"{c.bound.name.replace('Theorem', 'Thm')} {sign} {c.bound.value:,}")
    bound = "; ".join(parts) or "-"
    cut = rep.separation.bounds.get("min-cut")
    return [str(row.depth), str(row.M), str(row.R), str(row.T), _cell(rep.grid),
            _cell(rep.separation), "-" if cut is None else f"{cut:,}", bound, row.verdict]


def _stderr_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    configs = sweep_configs(args.depth, args.M, args.width, args.T)  # validate first
    say = progress_printer(args.quiet)
    show_rows = not args.json and not args.quiet
    rows: list[VerifyRow] = []
    interrupted = False
    kwargs = certify_kwargs(args)
    try:  # Ctrl-C leaves the parallel run first: its workers stop rather than finish
        with parallel_run(args, args.quiet) as where:
            for row in verify(args.depth, args.M, args.width, args.T, progress=where.progress(say),
                              **where.kwargs(), **kwargs):
                rows.append(row)
                if show_rows:
                    where.write("  " + " | ".join(row_cells(row)), _stderr_line)
    except KeyboardInterrupt:
        interrupted = True
    order = {c: i for i, c in enumerate(configs)}  # rows of a parallel run come as they finish
    rows.sort(key=lambda r: order[(r.depth, r.M, r.R, r.T)])
    violated = any(r.verdict == "violated" for r in rows)
    if args.json:
        print_json({
            "rows": [r.to_dict() for r in rows],
            "configurations": len(configs),
            "completed": len(rows),
            "interrupted": interrupted,
            "violated": violated,
        })
    else:
        print(format_table(HEADER, [row_cells(r) for r in rows]))
        counts = {v: sum(r.verdict == v for r in rows) for v in ("holds", "tight", "undecided", "violated")}
        print(f"{len(rows)} of {len(configs)} configurations: "
              + ", ".join(f"{n} {v}" for v, n in counts.items() if n))
    if interrupted:
        print(f"tnrank verify: interrupted after {len(rows)} of {len(configs)} configurations",
              file=sys.stderr)
        return 130
    return 1 if violated else 0
