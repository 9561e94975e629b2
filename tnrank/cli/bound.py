"""``tnrank bound``: the tensor-network min-cut beside every closed-form bound."""

from __future__ import annotations

import argparse

from tnrank.certification.bound_report import LISTED_NODES, bound_architecture, bound_network
from tnrank.cli.common import (
    add_architecture_file,
    add_rac_options,
    architecture_from_args,
    print_json,
)
from tnrank.errors import TnrankError
from tnrank.files.formats import check_network_file
from tnrank.files.network_file import load_or_example
from tnrank.primes import PRIME


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bound",
        help="min-cut and closed-form upper bounds (a RAC, an architecture file, or a network file)",
        description="Print the min-cut bound of a depth-L RAC's (or FILE's architecture's) unrolled "
        "tensor network for a "
        "partition beside every closed-form bound (the value from a dynamic programme over the "
        "step-layer blocks; the network is built only to list the cut edges); or, with --network, "
        "min-cut bounds (and exact ranks with random cores) for a tensor network read from a JSON "
        "or TOML file.",
    )
    add_architecture_file(p)
    add_rac_options(p, required=False)
    p.add_argument("-q", "--quiet", action="store_true",
                   help="accepted for symmetry with the other commands (this one prints no progress)")
    p.add_argument("--network", metavar="FILE",
                   help="a network file (JSON/TOML) or a shipped example: mps-8, tree-8, peps-3x3")
    p.add_argument("--partition", "--legs", dest="partition", default="start-end",
                   help="start-end (default), interleaved, or the start side as steps (0-based) "
                   "or leg names, e.g. 0,2,5")
    p.add_argument("--rank", action="store_true",
                   help="with --network: also the exact matricization rank with random cores")
    p.add_argument("--seed", type=int, default=0, help="seed of the random cores (default 0)")
    p.add_argument("--cut-edges", action=argparse.BooleanOptionalAction, default=None,
                   help="for a RAC: build the unrolled network and list the edges of a minimum cut "
                   f"found by max-flow (default: for networks of at most {LISTED_NODES:,} nodes; "
                   "otherwise the min-cut value alone, from a dynamic programme without the network)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rac_opts = [o for o, v in (("FILE", args.file), ("-L", args.depth), ("-R", args.width),
                               ("-M", args.M), ("-T", args.T)) if v is not None]
    if args.network is not None:
        check_network_file(args.network)
        if rac_opts:
            raise TnrankError(f"give either --network or an architecture (FILE or -L/-R/-M) with -T, "
                              f"not both ({', '.join(rac_opts)} given with --network)")
        if args.cut_edges is False:
            raise TnrankError("--no-cut-edges works with a RAC; the min-cut of a network file comes "
                              "from max-flow, which lists the cut")
        return _run_network(args)
    arch = architecture_from_args(args, "bound")
    if args.T is None:
        raise TnrankError("missing -T; give -L -R -M -T for a RAC, FILE -T for an architecture file, "
                          "or --network FILE")
    if args.rank:
        raise TnrankError("--rank works with --network; for a RAC use `tnrank rank` (certified ranks)")
    return _run_rac(args, arch)


def _run_rac(args: argparse.Namespace, arch) -> int:
    report = bound_architecture(arch, args.T, args.partition, cut_edges=args.cut_edges)
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.format())
    return 0


def _run_network(args: argparse.Namespace) -> int:
    report = bound_network(load_or_example(args.network), args.partition, rank=args.rank,
                           seed=args.seed, prime=PRIME)
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.format())
    return 0
