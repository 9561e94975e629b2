"""Progress of a sweep run in parallel, and of the stages of one certification.

:class:`Status` is one snapshot of a sweep. :func:`progress_display` picks how to
show it: one line rewritten in place on a terminal, a tqdm bar in Jupyter (when tqdm
is installed; it is optional), otherwise one plain line per finished configuration
(a log file, a pipe). A display also accepts plain strings, the progress lines of a
sequential run, and prints them as they are; :meth:`Display.stage` shows the stages
of one long computation (``certify(..., progress=display)`` or ``progress=True``)
the same way: rewritten in place on a terminal, as a tqdm bar in Jupyter, as lines
elsewhere.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from typing import Any, TextIO

from tnrank.formatting import format_duration

__all__ = ["Status", "format_duration", "progress_display", "Display"]


@dataclass(frozen=True)
class Status:
    """Where a parallel sweep stands.

    Attributes
    ----------
    total : int
        Configurations in this run.
    done : int
        Configurations finished.
    running : int or None
        Configurations being computed now (None when the executor cannot tell).
    elapsed : float
        Seconds since the work was submitted.
    last : str
        The configuration that finished last (empty on a timer refresh).

    Examples
    --------
    >>> s = Status(total=12, done=4, running=2, elapsed=20.0, last="L=2 M=2 R=2 T=4")
    >>> s.queued, s.remaining
    (6, 40.0)
    >>> str(s)
    '[4/12] L=2 M=2 R=2 T=4 done; 2 running, 6 queued, about 40 s left'
    """

    total: int
    done: int
    running: int | None
    elapsed: float
    last: str = ""

    @property
    def queued(self) -> int | None:
        """Configurations waiting for a worker (None when ``running`` is unknown)."""
        return None if self.running is None else self.total - self.done - self.running

    @property
    def remaining(self) -> float | None:
        """The seconds left, estimated from the rate so far (None before the first is done)."""
        if self.done == 0:
            return None
        return self.elapsed * (self.total - self.done) / self.done

    def counts(self) -> str:
        """``"2 running, 6 queued, about 40 s left"``."""
        parts = []
        if self.running is not None:
            parts += [f"{self.running} running", f"{self.queued} queued"]
        else:
            parts.append(f"{self.total - self.done} left to do")
        if self.done == self.total:
            parts = [f"finished in {format_duration(self.elapsed)}"]
        elif self.remaining is not None:
            parts.append(f"about {format_duration(self.remaining)} left")
        return ", ".join(parts)

    def __str__(self) -> str:
        head = f"[{self.done}/{self.total}]"
        if self.last:
            return f"{head} {self.last} done; {self.counts()}"
        return f"{head} {self.counts()}"


class Display:
    """Base of the displays: call it with a :class:`Status` or a line of text."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr

    def __call__(self, message: Any) -> None:
        if isinstance(message, Status):
            self.update(message)
        else:
            self.write(f"  {message}")

    def update(self, status: Status) -> None:
        """Show a new status."""
        if status.last:
            self.write(f"  {status}")

    def write(self, line: str) -> None:
        """Print one line (a finished row, a message) without breaking the display."""
        print(line, file=self.stream, flush=True)

    def stage(self, message: str) -> None:
        """Show the stage a long computation has reached (here: one line per stage)."""
        self.write(f"  {message}")

    def close(self) -> None:
        """Finish the display (a terminal line is made permanent)."""

    def __enter__(self) -> Display:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _printable(text: str) -> str:
    """Control characters escaped: a label (a file name) cannot drive the terminal."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class _TerminalDisplay(Display):
    """One status line on a terminal, rewritten in place; other lines print above it.

    It writes its own cursor controls, so it writes to the terminal itself (standard
    error as the process started with it) and escapes the control characters of the text.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream if stream is not None else (sys.__stderr__ or sys.stderr))
        self._line = ""

    def _draw(self) -> None:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.stream.write("\r\x1b[K" + self._line[:width])
        self.stream.flush()

    def update(self, status: Status) -> None:
        self._line = _printable(f"  {status}")
        self._draw()

    def stage(self, message: str) -> None:
        self._line = _printable(f"  {message}")
        self._draw()

    def write(self, line: str) -> None:
        self.stream.write("\r\x1b[K" + _printable(line) + "\n")
        self._draw()

    def close(self) -> None:
        if self._line:
            self.stream.write("\n")
            self.stream.flush()
            self._line = ""


class _TqdmDisplay(Display):
    """A tqdm bar (``tqdm.auto``: a widget in Jupyter)."""

    def __init__(self, tqdm: Any, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._tqdm = tqdm
        self._bar: Any = None
        self._stages: Any = None

    def stage(self, message: str) -> None:
        if self._stages is None:
            self._stages = self._tqdm(total=None, unit="stage", file=self.stream,
                                      bar_format="{desc} [{elapsed}, stage {n_fmt}]")
        self._stages.set_description_str(message, refresh=False)
        self._stages.update(1)

    def update(self, status: Status) -> None:
        if self._bar is None:
            self._bar = self._tqdm(total=status.total, unit="config", file=self.stream)
        self._bar.update(status.done - self._bar.n)
        if status.running is not None:
            self._bar.set_postfix_str(f"{status.running} running, {status.queued} queued")

    def write(self, line: str) -> None:
        if self._bar is None:
            super().write(line)
        else:
            self._bar.write(line, file=self.stream)

    def close(self) -> None:
        for bar in (self._bar, self._stages):
            if bar is not None:
                bar.close()
        self._bar = self._stages = None


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (looked up, never imported)."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def progress_display(stream: TextIO | None = None, kind: str = "auto") -> Display:
    """The display that suits where the output goes.

    Parameters
    ----------
    stream : text stream, optional
        Where to write (default: standard error).
    kind : {"auto", "terminal", "notebook", "lines"}
        ``auto``: a tqdm bar in Jupyter when tqdm is installed, a line
        rewritten in place on a terminal, otherwise plain lines.

    Returns
    -------
    Display
        Call it with a :class:`Status` or a text line; call ``close()`` at the end.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> show = progress_display(out)  # not a terminal: plain lines
    >>> show(Status(total=2, done=1, running=1, elapsed=3.0, last="L=1 M=2 R=2 T=4"))
    >>> show(Status(total=2, done=1, running=1, elapsed=4.0))  # a timer refresh: nothing printed
    >>> print(out.getvalue(), end="")
      [1/2] L=1 M=2 R=2 T=4 done; 1 running, 0 queued, about 3 s left
    """
    target = stream if stream is not None else sys.stderr
    if kind == "auto":
        if _in_notebook():
            kind = "notebook"
        elif getattr(target, "isatty", lambda: False)():
            kind = "terminal"
        else:
            kind = "lines"
    if kind == "notebook":
        try:
            from tqdm.auto import tqdm  # optional
        except ImportError:
            return Display(target)
        return _TqdmDisplay(tqdm, target)
    if kind == "terminal":
        return _TerminalDisplay(stream)
    if kind == "lines":
        return Display(target)
    raise ValueError(f"unknown progress display {kind!r}; use auto, terminal, notebook or lines")
