"""``tnrank merge``: join the results files of one sweep computed in parts."""

from __future__ import annotations

import argparse

from tnrank.files.results_file import load_results, merge_results, missing_points, save_results
from tnrank.safe_files import check_output_path, exclusive


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "merge",
        help="join the results files of one sweep computed in parts",
        description="Join tnrank sweep (or verify) --json-file results files computed on different "
        "machines or at different times (for example one depth each) into one file. Files made "
        "with other settings (seed, prime, certification options, architecture file) are "
        "refused, and so are two files that disagree on a point. The output lists the union of "
        "the depths, widths, values of M and lengths; it is "
        "complete when every point has a row, and the same tnrank sweep command resumes it "
        "otherwise.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="results files (tnrank sweep --json-file)")
    p.add_argument("-o", "--output", required=True, help="merged results file (may be one of FILE)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_output_path(args.output, "the merged results file (-o)", [".json"])
    parts = [load_results(path) for path in args.files]
    data = merge_results(parts, args.files)
    with exclusive(args.output, "file (-o)"):
        save_results(args.output, data)
    missing = missing_points(data)
    total = len(data["config"]["depths"]) * len(data["config"]["T"])
    state = "complete" if not missing else f"{len(missing)} missing"
    print(f"{args.output}: {total - len(missing)} of {total} points from {len(args.files)} files "
          f"({state})")
    return 0
