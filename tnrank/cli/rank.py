"""``tnrank rank``: the certified report for one RAC or one architecture file."""

from __future__ import annotations

import argparse
from contextlib import ExitStack

from tnrank.certification.certify import certify
from tnrank.cli.common import (
    add_architecture_file,
    add_certify_options,
    add_rac_options,
    architecture_from_args,
    certify_kwargs,
    print_json,
    progress_printer,
)
from tnrank.cli.large_options import add_large_sample_options, large_sample_kwargs
from tnrank.errors import TnrankError
from tnrank.runtime.scheduler import dask_client


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rank",
        help="certified grid and separation ranks of one RAC or architecture file",
        description="Certified grid and separation ranks of a depth-L RAC (-L -R -M), or of the "
        "architecture in FILE, for one T and partition.",
    )
    add_architecture_file(p)
    add_rac_options(p, required=False)
    p.add_argument("--partition", default="start-end",
                   help="start-end (default), interleaved, or start steps such as 0,2,5 (0-based)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--explain", action="store_true",
                   help="after the report, how each number was proved (runs, bounds, theorems)")
    add_certify_options(p)
    add_large_sample_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    arch = architecture_from_args(args, "rank")
    if args.T is None:
        raise TnrankError("missing -T; give the sequence length, e.g. -T 8")
    with ExitStack() as stack:
        client = None
        if args.scheduler is not None:
            client = stack.enter_context(dask_client(args.scheduler))
        report = certify(arch, args.T, args.partition, progress=progress_printer(args.quiet),
                         executor=client, **large_sample_kwargs(args), **certify_kwargs(args))
    if args.json:
        data = report.to_dict()
        if args.explain:
            data["explanation"] = report.explain()
        print_json(data)
    else:
        print(report.format(terms=not args.explain))  # with --explain, the terms end the explanation
        if args.explain:
            print()
            print(report.explain())
    return 1 if report.verdict == "violated" else 0
