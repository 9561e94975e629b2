"""Progress of one certification: the same stage lines, shown as a terminal line, a tqdm bar or lines."""

from __future__ import annotations

import io
import shutil
import sys
import types

import pytest

from tnrank import Architecture, TnrankError, certify
from tnrank.runtime.progress import progress_display

ARCH = Architecture.rac(3, 2, 2)


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


class FakeTqdm:
    """Records what a tqdm bar is asked to show (tqdm itself is optional)."""

    made: list[FakeTqdm] = []

    def __init__(self, total=None, unit="it", file=None, bar_format=None):
        self.total, self.unit, self.n, self.descriptions, self.closed = total, unit, 0, [], False
        FakeTqdm.made.append(self)

    def set_description_str(self, text, refresh=True):
        self.descriptions.append(text)

    def update(self, n=1):
        self.n += n

    def close(self):
        self.closed = True


@pytest.fixture(scope="module")
def stages() -> list[str]:
    lines: list[str] = []
    certify(ARCH, 8, progress=lines.append)
    assert len(lines) >= 4
    return lines


def test_a_terminal_rewrites_one_line_per_stage(stages):
    term = FakeTerminal()
    with progress_display(term) as show:
        rep = certify(ARCH, 8, progress=show)
    assert rep.separation.lower == 106
    text = term.getvalue()
    shown = [part.rstrip("\n") for part in text.split("\r\x1b[K") if part]
    width = shutil.get_terminal_size((100, 20)).columns - 1  # what fits on the terminal
    assert shown == [f"  {line}"[:width] for line in stages]
    assert text.count("\n") == 1  # only the last stage is kept on screen


def test_a_notebook_shows_a_bar_whose_description_is_the_stage(stages, monkeypatch):
    FakeTqdm.made.clear()
    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace())
    monkeypatch.setitem(sys.modules, "tqdm.auto", types.SimpleNamespace(tqdm=FakeTqdm))
    show = progress_display(io.StringIO(), kind="notebook")
    certify(ARCH, 8, progress=show)
    show.close()
    (bar,) = FakeTqdm.made
    assert bar.descriptions == stages and bar.n == len(stages) and bar.closed
    assert bar.total is None and bar.unit == "stage"


def test_real_tqdm_bar_when_installed(stages):
    pytest.importorskip("tqdm")
    out = io.StringIO()
    with progress_display(out, kind="notebook") as show:
        certify(ARCH, 8, progress=show)
    assert stages[-1] in out.getvalue()


def test_lines_elsewhere_and_progress_true_on_stderr(stages, capsys):
    out = io.StringIO()
    certify(ARCH, 8, progress=progress_display(out))
    assert out.getvalue().splitlines() == [f"  {line}" for line in stages]
    certify(ARCH, 8, progress=True)  # standard error is not a terminal under pytest
    assert capsys.readouterr().err.splitlines() == [f"  {line}" for line in stages]
    certify(ARCH, 8, progress=False)
    assert capsys.readouterr().err == ""
    with pytest.raises(TnrankError, match="progress must be"):
        certify(ARCH, 8, progress="yes")
