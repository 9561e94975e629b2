"""The ``tnrank`` command: one module per subcommand, registered in :data:`COMMANDS`."""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import re
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from tnrank import __version__
from tnrank.cli.flags import to_flags
from tnrank.errors import TnrankError
from tnrank.formatting import printable

__all__ = ["main", "build_parser", "COMMANDS"]

#: Subcommand modules (``tnrank.cli.<name>``); each has ``add_parser(subparsers)``
#: which registers the command and sets ``func`` to a handler returning an exit code.
COMMANDS = ("rank", "verify", "sweep", "merge", "analyze", "bound", "fit", "draw", "experiment")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own errors: one line, exit 2
        self.exit(2, f"{self.prog}: error: {with_nearest_choice(message)}\n")

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None,
                         ) -> tuple[argparse.Namespace, list[str]]:
        """As argparse's, but unknown arguments are refused by the subcommand that was given
        them (``tnrank rank: error: ...``), each mistyped flag with its nearest flag."""
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and self.prog == "tnrank":
            _innermost(self, parsed).error(unrecognized(_innermost(self, parsed), extras))
        return parsed, extras


_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<given>[^']*)' \(choose from (?P<choices>.*)\)$")


def with_nearest_choice(message: str) -> str:
    """argparse's "invalid choice" message with the nearest choice, as for a mistyped flag.

    >>> with_nearest_choice("argument COMMAND: invalid choice: 'rnak' (choose from 'rank', 'fit')")
    "argument COMMAND: invalid choice: 'rnak' (did you mean rank? choose from 'rank', 'fit')"
    """
    match = _INVALID_CHOICE.search(message)
    if match is None:
        return message
    choices = re.findall(r"'([^']*)'", match["choices"])
    near = difflib.get_close_matches(match["given"], choices, n=1, cutoff=0.6)
    if not near:
        return message
    return (message[:match.start()] + f"invalid choice: '{match['given']}' (did you mean {near[0]}? "
            f"choose from {match['choices']})")


def _innermost(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The subcommand parser (``tnrank experiment copying``) the arguments were parsed by."""
    while True:
        chosen = None
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(args, action.dest or "", None) or "")
        if chosen is None:
            return parser
        parser = chosen


def unrecognized(parser: argparse.ArgumentParser, extras: Sequence[str]) -> str:
    """argparse's "unrecognized arguments" line, with "did you mean" for each mistyped flag.

    >>> p = argparse.ArgumentParser(prog="tnrank rank")
    >>> _ = p.add_argument("--explain", action="store_true")
    >>> unrecognized(p, ["--explian", "7"])
    'unrecognized arguments: --explian 7 (did you mean --explain?)'
    """
    flags = [f for action in parser._actions for f in action.option_strings
             if action.help != argparse.SUPPRESS]
    hints: list[Any] = []
    for word in extras:
        if word.startswith("-") and len(word) > 1:
            near = difflib.get_close_matches(word.split("=", 1)[0], flags, n=1, cutoff=0.6)
            if near:
                hints.append((word, near[0]))
    if len(hints) == 1:
        hints = [f"did you mean {hints[0][1]}?"]
    else:
        hints = [f"{word}: did you mean {near}?" for word, near in hints]
    line = f"unrecognized arguments: {' '.join(extras)}"
    return f"{line} ({'; '.join(hints)})" if hints else line


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


class _Escaping:
    """A text stream that escapes control characters (terminal escape sequences
    among them) except newlines and tabs, so no file content can drive the terminal,
    and shows the parameters that library messages name as flags (:mod:`tnrank.cli.flags`)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(to_flags(printable(text, keep_lines=True)))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _interrupt(signum: int, _frame: object) -> None:
    """SIGTERM is handled like Ctrl-C: finished work is saved, then exit 130."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for bad input, 130 on Ctrl-C or SIGTERM)."""
    command = "tnrank"
    streams = sys.stdout, sys.stderr
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
        previous_int = signal.getsignal(signal.SIGINT)
    except ValueError:  # not the main thread (tests driving main() from a thread)
        previous = previous_int = None
    sys.stdout, sys.stderr = _Escaping(sys.stdout), _Escaping(sys.stderr)
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    finally:
        sys.stdout, sys.stderr = streams
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, previous_int)
        _interrupt_handled()


def _interrupt_handled() -> None:
    """Make main's return value the exit status, also after a caught KeyboardInterrupt.

    CPython 3.11 marks a KeyboardInterrupt as unhandled whenever one leaves an ``exec`` or
    ``eval`` of a string, even if a caller catches it later. dataclasses and namedtuple
    build their methods that way, so a Ctrl-C or SIGTERM that lands while a library defines
    a class (torch does so lazily, in the middle of training) sets the mark. ``python -m
    tnrank`` then ends by killing itself with SIGINT instead of exiting with main's 130 or 0.
    Every evaluation of a string clears the mark first, so one empty evaluation does; main
    has handled every KeyboardInterrupt by the time it returns.
    """
    exec("", {})


def _work_started() -> None:
    """From here on Ctrl-C raises KeyboardInterrupt, so finished work is saved.

    Until the parser is built (the subcommands' imports: numpy turns an interrupted
    import into an ImportError), the command keeps the start-up handler of
    ``tnrank/__init__.py``, which exits at once with one line.
    """
    try:
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # a background job's stays ignored
            signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # not the main thread
        pass


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors (already printed)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    _work_started()
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
