"""``tnrank rank``: the certified report for one RAC."""

from __future__ import annotations

import argparse

from ..architecture import Architecture
from ..certify import certify
from .common import add_certify_options, certify_kwargs, positive_int, print_json, progress_printer


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rank",
        help="certified grid and separation ranks of one RAC",
        description="Certified grid and separation ranks of a depth-L RAC for one T and partition.",
    )
    p.add_argument("-L", "--depth", type=positive_int, required=True, help="number of layers")
    p.add_argument("-R", "--width", type=positive_int, nargs="+", required=True,
                   help="hidden channels: one value, or one per layer")
    p.add_argument("-M", type=positive_int, required=True, help="number of representation functions")
    p.add_argument("-T", type=positive_int, required=True, help="sequence length")
    p.add_argument("--partition", default="start-end",
                   help="start-end (default), interleaved, or start steps such as 0,2,5 (0-based)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_certify_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    width = args.width[0] if len(args.width) == 1 else args.width
    arch = Architecture.rac(args.depth, width, args.M)
    report = certify(arch, args.T, args.partition, progress=progress_printer(args.quiet),
                     **certify_kwargs(args))
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.format())
    return 1 if report.verdict == "violated" else 0
