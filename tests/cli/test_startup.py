"""Ctrl-C while the command starts (imports still running): one line, exit 130, no traceback.

The earliest moment a SIGINT can reach tnrank is while ``tnrank/__init__.py`` runs, before
``main()``: each test starts the command, sends SIGINT at moments spread over its start-up
(measured in the same run), and checks what came back. A signal that lands before tnrank's
first line (inside the interpreter's own start-up) is Python's business; every traceback must
therefore be free of tnrank's files, and one of the moments must hit tnrank's start-up.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["rank", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "-q"]
# what pip writes for the console script `tnrank = tnrank.cli:main`
CONSOLE_SCRIPT = """import re
import sys
from tnrank.cli import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")


def _seconds(argv: list[str]) -> float:
    """Median wall time of three runs of ``argv``."""
    times = []
    for _ in range(3):
        start = time.monotonic()
        subprocess.run(argv, env=_env(), capture_output=True, check=False)
        times.append(time.monotonic() - start)
    return statistics.median(times)


def _default_sigint() -> None:
    """In the child: Ctrl-C as in a terminal, even when the tests run as a background job."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt(argv: list[str], after: float) -> tuple[int, str]:
    proc = subprocess.Popen(argv, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    time.sleep(after)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


@pytest.fixture(scope="module")
def console_script(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bin") / "tnrank"
    path.write_text(CONSOLE_SCRIPT)
    return path


@pytest.mark.parametrize("how", ["module", "console script"])
def test_ctrl_c_during_start_up_is_one_line_and_exit_130(how, console_script):
    argv = ([sys.executable, "-m", "tnrank", *ARGS] if how == "module"
            else [sys.executable, str(console_script), *ARGS])
    bare = _seconds([sys.executable, "-c", "pass"])  # the interpreter alone
    # the interpreter and the imports before main() (the subcommands load inside main())
    imported = _seconds([sys.executable, "-c", "import tnrank.cli"])
    moments = [bare * 0.9 + (imported * 1.2 - bare * 0.9) * i / 9 for i in range(10)]
    outcomes = []
    for after in moments:
        code, err = _interrupt(argv, after)
        outcomes.append((code, err))
        if "Traceback" in err:  # only the interpreter's own start-up may show one
            assert not re.search(r'File "[^"]*[/\\]tnrank[/\\]', err), err
        if code == 130:
            assert err.strip().splitlines() in (["tnrank: interrupted"], ["tnrank rank: interrupted"]), err
        else:  # before tnrank's first line (Python's handler), or the command had finished
            assert code in (0, -signal.SIGINT, 1) or "Traceback" in err, (code, err)
    assert any(code == 130 for code, _ in outcomes), outcomes  # a moment inside tnrank's start-up


def test_an_import_from_python_keeps_python_s_ctrl_c():
    # the start-up guard is the command's alone: importing tnrank leaves SIGINT as it was
    code = ("import signal; before = signal.getsignal(signal.SIGINT); import tnrank, tnrank.cli; "
            "print(signal.getsignal(signal.SIGINT) is before)")
    for child in (None, _default_sigint):
        proc = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True,
                              check=True, preexec_fn=child)
        assert proc.stdout.strip() == "True"


def test_a_command_started_with_ctrl_c_ignored_keeps_ignoring_it():
    # a shell starts background jobs with SIGINT ignored: tnrank must not make them interruptible
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
            "sys.argv[0] = 'tnrank'; from tnrank.cli import main; main(['--version']); "
            "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)")
    proc = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip().splitlines()[-1] == "True"


# A command whose work is interrupted inside code that a library built from a string: CPython
# 3.11 marks such a KeyboardInterrupt unhandled even when tnrank catches it, and `python -m`
# then killed itself with SIGINT instead of exiting 130 (dataclasses do this while torch
# imports lazily in the middle of `tnrank experiment`).
INTERRUPTED_IN_EXEC = """import sys
import tnrank.cli.verify
from tnrank.cli import main


def run(args):
    exec("raise KeyboardInterrupt", {})


tnrank.cli.verify.run = run
if __name__ == "__main__":
    sys.exit(main(["verify"]))
"""


@pytest.mark.parametrize("how", ["module", "script"])
def test_an_interrupt_inside_generated_code_still_exits_130(how, tmp_path):
    (tmp_path / "interrupted_verify.py").write_text(INTERRUPTED_IN_EXEC)
    argv = ([sys.executable, "-m", "interrupted_verify"] if how == "module"
            else [sys.executable, str(tmp_path / "interrupted_verify.py")])
    proc = subprocess.run(argv, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert proc.stderr.strip().splitlines() == ["tnrank verify: interrupted"]
