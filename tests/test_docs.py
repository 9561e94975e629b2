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
import site_check

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


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The HTML site, built once for this module with warnings as errors."""
    out = tmp_path_factory.mktemp("docs") / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"),
         str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, "docs build failed (page:line in each warning):\n" + proc.stderr
    return out


def test_docs_build_without_warnings(site):
    assert (site / "index.html").exists()


def test_site_loads_nothing_from_the_network(site):
    """Scripts, stylesheets and fonts of every page are files of the site itself, present."""
    problems = site_check.external_assets(site)
    assert not problems, "the site needs the network or misses files:\n" + "\n".join(problems[:20])


def test_site_check_finds_external_assets(tmp_path):
    """The checker itself: a CDN script, a remote font and a missing local file are caught."""
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "local.css").write_text(
        "/* url(https://ignored.example/in-comment.css) */\n"
        "@font-face { src: url('//fonts.example/f.woff2'), url(data:font/woff2;base64,AAAA); }\n"
        ".a { background: url(\"img/missing.png\") }\n")
    (tmp_path / "page.html").write_text(
        '<html><head><script src="https://cdn.example/mathjax.js"></script>'
        '<script src="_static/here.js"></script>'
        '<link rel="stylesheet" href="_static/local.css"><link rel="next" href="https://x.example/">'
        '</head><body style="background: url(http://img.example/bg.png)"></body></html>')
    (tmp_path / "_static" / "here.js").write_text("")
    problems = site_check.external_assets(tmp_path)
    assert sorted(problems) == sorted([
        "page.html: external https://cdn.example/mathjax.js",
        "page.html: external http://img.example/bg.png",
        "_static/local.css: external //fonts.example/f.woff2",
        "_static/local.css: missing img/missing.png",
    ])
    assert round(site_check.contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(site_check.contrast("#767676", "#ffffff"), 2) == 4.54  # WCAG's AA grey


def test_code_blocks_are_readable(site):
    """Every colour in highlighted code and console output meets WCAG AA (4.5:1) on its block."""
    low = site_check.low_contrast_code(site)
    assert not low, "code colours below 4.5:1 contrast:\n" + "\n".join(low)


def test_math_in_headings_renders_in_navigation(site):
    """Every page loads the local math renderer; a heading with math keeps it in the panel."""
    pages = sorted(site.glob("*.html"))
    without = [p.name for p in pages if "_static/mathjax/" not in p.read_text()]
    assert not without, f"pages without the local math renderer: {without}"
    checked = 0
    for page in pages:
        links = site_check.navigation_links(page)
        for section in site_check.headings_with_math(page):
            if section in links:  # the panel lists the first levels only
                checked += 1
                assert 'class="math' in links[section], f"{page.name}#{section}: {links[section]}"
    assert checked, "no heading with math found in any on-this-page panel"


def test_every_subcommand_is_in_the_cli_navigation(site):
    """The command-line page lists each subcommand of the parser in its on-this-page panel."""
    from tnrank.cli import build_parser

    names = site_check.subcommands(build_parser())
    toc = site_check.page_toc_text(site / "cli.html")
    missing = [n for n in names if f"tnrank {n}" not in toc]
    assert names and not missing, f"subcommands missing from cli.html's table of contents: {missing}"


def test_api_reference_has_no_empty_entries(site):
    """Every function, class and attribute on the API page says something about itself."""
    empty = site_check.empty_api_entries(site / "api.html")
    assert not empty, f"API entries without documentation: {empty}"


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
