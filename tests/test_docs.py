"""The documentation builds without warnings, and every shell example in it runs.

Python examples (``>>>``) in README.md and docs/*.md run as doctests (pytest's
``--doctest-glob``). Shell examples are ```` ```console ```` blocks: lines starting with
``$ `` are commands, the lines after them the expected standard output, where ``...``
stands for any text, and a last line ``[exit code N]`` expects a failure. Commands run in a
scratch directory where ``graphs/`` and ``docs/`` are visible. A failure names the page and
line.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def console_examples():
    for page in PAGES:
        lines = page.read_text().splitlines()
        in_block = False
        current = None
        for number, line in enumerate(lines, start=1):
            if line.strip().startswith("```console"):
                in_block = True
                continue
            if in_block and line.strip().startswith("```"):
                if current:
                    yield current
                in_block, current = False, None
                continue
            if not in_block:
                continue
            if line.startswith("$ "):
                if current:
                    yield current
                current = (page, number, line[2:], [])
            elif current is not None:
                current[3].append(line)


def _pattern(expected: list[str]) -> re.Pattern:
    text = "\n".join(line.rstrip() for line in expected).strip("\n")
    parts = [re.escape(p) for p in text.split("...")]
    return re.compile("\\s*" + ".*?".join(parts) + "\\s*", re.S)


EXAMPLES = list(console_examples())
SHARED = ("graphs", "docs")  # what examples may read; they write into a scratch directory


def run_example(command: str, where: Path) -> subprocess.CompletedProcess:
    """Run one documented command in a scratch directory that sees graphs/ and docs/."""
    for name in SHARED:
        link = where / name
        if not link.exists():
            link.symlink_to(ROOT / name)
    return subprocess.run(["bash", "-c", command], cwd=where, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.mark.parametrize("page, line, command, expected", EXAMPLES,
                         ids=[f"{e[0].name}:{e[1]}" for e in EXAMPLES])
def test_console_example(page, line, command, expected, tmp_path):
    proc = run_example(command, tmp_path)
    out = "\n".join(x.rstrip() for x in proc.stdout.splitlines())
    where = f"{page.relative_to(ROOT)}:{line}"
    wanted_code = 0
    if expected and expected[-1].startswith("[exit code "):
        wanted_code = int(expected[-1][len("[exit code "):-1])
        expected = expected[:-1]
    assert proc.returncode == wanted_code, f"{where}: `{command}` exited {proc.returncode}:\n{proc.stderr}"
    if expected:
        assert _pattern(expected).fullmatch(out), (
            f"{where}: `{command}` printed\n{out}\n--- expected ---\n" + "\n".join(expected)
        )


def test_docs_build_without_warnings(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"),
         str(tmp_path / "html")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, "docs build failed (page:line in each warning):\n" + proc.stderr


def update_examples(pages=PAGES) -> None:
    """Rewrite the expected output of every console example with what it prints now.

    Run ``python tests/test_docs.py --update`` after a change of output format; blocks whose
    expected output uses ``...`` are left for a person to edit.
    """
    for page in pages:
        lines = page.read_text().splitlines()
        out: list[str] = []
        i = 0
        in_block = False
        while i < len(lines):
            line = lines[i]
            if line.strip().startswith("```console"):
                in_block = True
            elif in_block and line.strip().startswith("```"):
                in_block = False
            elif in_block and line.startswith("$ "):
                j = i + 1
                while j < len(lines) and not lines[j].startswith("$ ") and not lines[j].startswith("```"):
                    j += 1
                old = lines[i + 1:j]
                if any("..." in x for x in old) or (old and old[-1].startswith("[exit code ")):
                    out.extend(lines[i:j])
                else:
                    with tempfile.TemporaryDirectory() as scratch:
                        proc = run_example(line[2:], Path(scratch))
                    out.append(line)
                    out.extend(x.rstrip() for x in proc.stdout.rstrip("\n").splitlines())
                i = j
                continue
            out.append(line)
            i += 1
        page.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        update_examples()
    else:
        print("usage: python tests/test_docs.py --update")
