"""``tnrank draw``: the unrolled tensor network of a RAC or an architecture file, with its min-cut."""

from __future__ import annotations

import argparse
from pathlib import Path

from tnrank.cli.common import add_rac_options, architecture_from_args
from tnrank.errors import TnrankError
from tnrank.files.formats import check_network_file
from tnrank.files.network_file import load_or_example
from tnrank.networks.mincut import min_cut
from tnrank.presentation.plot import check_figure_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "draw",
        help="draw an unrolled network (with its min-cut) or a folded cell, as SVG, PNG or PDF",
        description="Draw the tensor network of a RAC (-L -R -M -T), of an architecture file, or of "
        "a network file (--network): time left to right, layers bottom to top, inputs at the "
        "bottom, start and end inputs coloured apart, copies of duplicated sub-networks on shaded "
        "bands. --cut highlights the minimum cut of the partition and writes its bound; --compact "
        "draws the folded recurrent cell instead. The format follows the suffix of -o.",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="an architecture file (TOML)")
    add_rac_options(p, required=False, T_help="sequence length (not needed with --compact)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="accepted for symmetry with the other commands (this one prints no progress)")
    p.add_argument("--network", metavar="NETWORK",
                   help="a network file (JSON/TOML) or a shipped example: mps-8, tree-8, peps-3x3")
    p.add_argument("-o", "--output", required=True, help="figure file: .svg, .png or .pdf")
    p.add_argument("--partition", "--legs", dest="partition", default=None,
                   help="start-end (default for even T), interleaved, or the start steps "
                   "(0-based) such as 0,2,5; colours the inputs and chooses the cut")
    p.add_argument("--cut", action="store_true", help="highlight the min-cut and write its bound")
    p.add_argument("--compact", action="store_true", help="draw the folded recurrent cell")
    p.add_argument("--title", help="figure title (default: the architecture's name)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tnrank.presentation.draw import draw_architecture, draw_network  # matplotlib
    from tnrank.presentation.layouts.network import check_drawable

    check_figure_path(args.output)
    cut = None
    if args.network is not None:
        others = [o for o, v in (("FILE", args.file), ("-L", args.depth), ("-R", args.width),
                                 ("-M", args.M), ("-T", args.T)) if v is not None]
        if others or args.compact:
            given = ", ".join(others + (["--compact"] if args.compact else []))
            raise TnrankError(f"--network draws a network file as it is; leave out {given}")
        check_network_file(args.network)
        net = load_or_example(args.network)
        if args.cut:
            check_drawable(net)  # refuse an illegible drawing before the cut is searched for
            cut = min_cut(net, args.partition or "start-end")
        drawing = draw_network(net, args.output, partition=args.partition, highlight=cut,
                               title=args.title)
        what = net.summary()
    else:
        arch = architecture_from_args(args, "draw")
        if args.cut and args.compact:
            raise TnrankError("--cut needs the unrolled network; leave out --compact")
        if args.cut:
            check_drawable(arch, args.T)
            cut = min_cut(arch, args.partition or "start-end", T=args.T)
        drawing = draw_architecture(arch, args.T, args.output, partition=args.partition,
                                    highlight=cut, compact=args.compact, title=args.title)
        if args.compact:
            what = f"{arch.name or 'architecture'}: folded cell of {arch.depth} layer(s)"
        else:
            what = f"{arch.name or 'architecture'}, T={args.T}: {len(drawing.layout.nodes):,} nodes"
    line = f"{Path(args.output)}: {what}"
    if drawing.bound_text:
        line += f"; {drawing.bound_text}"
    print(line)
    return 0
