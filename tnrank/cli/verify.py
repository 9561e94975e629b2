"""``tnrank verify``: sweep configurations and check the paper's bounds.

With ``--json-file FILE`` every finished configuration is saved at once (the
results file of :mod:`tnrank.files.results_file`, shared with ``tnrank sweep``):
an interrupted or killed run keeps what it finished, and the same command
computes only the rest.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tnrank.cli.common import (
    SWEEP_DEFAULTS,
    add_architecture_file,
    add_certify_options,
    add_grid_options,
    architecture_of_sweep,
    certify_kwargs,
    grid_values,
    print_json,
    progress_printer,
)
from tnrank.cli.parallel_options import add_parallel_options, parallel_run
from tnrank.files.results_file import ordered
from tnrank.safe_files import check_output_path
from tnrank.studies.verification import (
    format_verification,
    row_cells,
    sweep_configs,
    verification_dict,
    verify,
    width_label,
)

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="check Theorem 1 and the conjecture on a sweep",
        description="Certify the Start-End ranks of every RAC in a sweep (every combination of "
        "-L, -M, -R and -T) and compare them with the paper's Theorem 1 and depth-L conjecture. "
        "Exit code 1 if a bound is violated. With --json-file, every finished configuration is "
        "saved at once and the same command resumes an interrupted run.",
    )
    add_architecture_file(p)
    add_grid_options(p, SWEEP_DEFAULTS)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--json-file", metavar="FILE",
                   help="results file, saved after every configuration; an existing one of the "
                   "same sweep is resumed (replot it with tnrank sweep --from)")
    add_certify_options(p)
    add_parallel_options(p)
    p.set_defaults(func=run)


def _stderr_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    arch = architecture_of_sweep(args, "verify")
    depths, Ms, widths, Ts = grid_values(args)
    Rs: list[int | str] = list(widths)  # or the architecture's width label
    if arch is not None:
        depths, Ms, Rs = [arch.depth], [arch.M], [width_label(arch)]
        if not args.json:
            print(f"{args.file}: {arch.describe()}")
    configs = sweep_configs(depths, Ms, Rs, Ts, architecture=arch)  # validate first
    if args.json_file:
        check_output_path(args.json_file, "the results file (--json-file)", [".json"])
    say = progress_printer(args.quiet)
    show_rows = not args.json and not args.quiet
    rows: list[dict[str, Any]] = []
    interrupted = False
    try:  # Ctrl-C leaves the parallel run first: its workers stop rather than finish
        with parallel_run(args, args.quiet) as where:
            for row in verify(depths, Ms, Rs, Ts, path=args.json_file, architecture=arch,
                              progress=where.progress(say), **where.kwargs(), **certify_kwargs(args)):
                rows.append(row.to_dict())  # with those of earlier runs of a resumed file
                if show_rows:
                    where.write("  " + " | ".join(row_cells(rows[-1])), _stderr_line)
    except KeyboardInterrupt:
        interrupted = True
    data = ordered({"config": {"depths": depths, "M": Ms, "R": Rs, "T": Ts}, "rows": list(rows)})
    rows = data["rows"]
    violated = any(r["verdict"] == "violated" for r in rows)
    if args.json:
        print_json(verification_dict(rows, len(configs), interrupted))
    else:
        print(format_verification(rows, len(configs)))
    if interrupted:
        saved = f"; what is done was saved in {args.json_file}" if args.json_file else ""
        print(f"tnrank verify: interrupted after {len(rows)} of {len(configs)} configurations{saved}",
              file=sys.stderr)
        return 130
    return 1 if violated else 0
