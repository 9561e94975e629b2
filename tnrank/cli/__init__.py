"""The ``tnrank`` command: one module per subcommand, registered in :data:`COMMANDS`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import TnrankError

__all__ = ["main", "build_parser", "COMMANDS"]

#: Subcommand modules (``tnrank.cli.<name>``); each has ``add_parser(subparsers)``
#: which registers the command and sets ``func`` to a handler returning an exit code.
COMMANDS = ("rank", "verify", "sweep", "merge", "analyze", "bound", "draw", "experiment")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to generate the CLI reference)."""
    parser = _Parser(
        prog="tnrank",
        description="Certified Start-End ranks of recurrent arithmetic circuits.",
    )
    parser.add_argument("--version", action="version", version=f"tnrank {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for bad input, 130 on Ctrl-C)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors (already printed)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    try:
        return int(args.func(args) or 0)
    except TnrankError as exc:
        print(f"tnrank {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"tnrank {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a reader that stopped (head, less)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
