"""``tnrank rank``: the certified report for one RAC."""

from __future__ import annotations

import argparse

from tnrank.certification.certify import certify
from tnrank.cli.common import (
    add_certify_options,
    add_rac_options,
    certify_kwargs,
    print_json,
    progress_printer,
    rac_from_args,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rank",
        help="certified grid and separation ranks of one RAC",
        description="Certified grid and separation ranks of a depth-L RAC for one T and partition.",
    )
    add_rac_options(p)
    p.add_argument("--partition", default="start-end",
                   help="start-end (default), interleaved, or start steps such as 0,2,5 (0-based)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_certify_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    arch = rac_from_args(args)
    report = certify(arch, args.T, args.partition, progress=progress_printer(args.quiet),
                     **certify_kwargs(args))
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.format())
    return 1 if report.verdict == "violated" else 0
