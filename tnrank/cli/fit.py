"""``tnrank fit``: closed forms fitted to certified ranks, with their evidence and predictions."""

from __future__ import annotations

import argparse

from tnrank.cli.common import (
    add_certify_options,
    certify_kwargs,
    expand_values,
    positive_int,
    print_json,
    progress_printer,
    sweep_widths,
)
from tnrank.model.partition import MAX_T
from tnrank.studies.fit import fit


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fit",
        help="closed forms fitted to certified ranks: patterns, their evidence and predictions",
        description="Search a small family of closed forms (polynomials in n = T/2, binomials "
        "and powers in n, R and M, the state-degree, input-degree and min-cut bounds minus or "
        "times a simple form, linear recurrences) for the certified ranks of a results file, "
        "or of a sweep computed first. Each form is fitted on the first values and must "
        "predict every later one exactly; the report lists every form that fits, simplest "
        "first, with the kind of each value it rests on, and the value it predicts at the "
        "first T not computed: a pattern, not a theorem. The certification options apply to "
        "the ranks computed here; --check certifies with the settings of the values' results "
        "file. Exit status 1 when --check refutes a prediction.",
    )
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="a results file of tnrank sweep, verify or analyze (--json-file), whose "
                   "rows -L -M -R -T select; or an architecture file (TOML) to sweep over -T first")
    p.add_argument("-L", "--depth", nargs="+", metavar="L", help="depth (one architecture a fit)")
    p.add_argument("-M", nargs="+", metavar="M", help="numbers of representation functions")
    p.add_argument("-R", "--width", nargs="+", metavar="R",
                   help="widths of uniform RACs (hidden channels): a value, a list such as 2,3 or "
                   "a range such as 2..4")
    p.add_argument("-T", nargs="+", metavar="T",
                   help="even sequence lengths; a range such as 4..20 keeps the even ones")
    p.add_argument("--architecture", metavar="NAME",
                   help="the architecture to fit in an analysis results file of several")
    p.add_argument("--quantity", choices=["separation", "grid"], default="separation",
                   help="which rank to fit (default: separation rank)")
    p.add_argument("--min-held-out", type=positive_int, default=2, metavar="N",
                   help="values each form must predict exactly beyond those it is fitted on "
                   "(default 2)")
    p.add_argument("--predict", type=positive_int, metavar="T",
                   help="predict the value at this T (default: the first T not computed) and "
                   "print the command that would certify it")
    p.add_argument("--check", action="store_true",
                   help="certify the predicted value now and report each form confirmed or "
                   "refuted (with the results file's settings)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_certify_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    lists = {name: None if getattr(args, attr) is None else
             expand_values(getattr(args, attr), flag, even=flag == "-T",
                           maximum=MAX_T if flag == "-T" else None)
             for name, attr, flag in (("depths", "depth", "-L"), ("M", "M", "-M"), ("T", "T", "-T"))}
    lists["R"] = None if args.width is None else sweep_widths(args.width, "fit")
    report = fit(args.file, **lists, architecture=args.architecture, quantity=args.quantity,
                 min_held_out=args.min_held_out, predict=args.predict, check=args.check,
                 progress=progress_printer(args.quiet), **certify_kwargs(args))
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.format())
    refuted = any(v.startswith("refuted") for check in report.checks for v in check.verdicts)
    return 1 if refuted else 0
