"""The documentation builds without warnings, every shell example in it runs, and the built
site holds up for a reader (links and anchors, option names, tables and code blocks within the
column at 1280 and 800 px, the API pages; ``site_check.py`` holds the checks).

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
PAGES = [ROOT / "README.md",
         *sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.relative_to(ROOT).parts)]


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
    """Every function, class and attribute on the API pages says something about itself."""
    pages = sorted((site / "api").glob("*.html"))
    empty = [f"{page.name}: {entry}" for page in pages for entry in site_check.empty_api_entries(page)]
    assert pages and not empty, f"API entries without documentation: {empty}"


def test_api_reference_has_a_page_per_subpackage_listing_every_module(site):
    """One page per subpackage of tnrank (and one for its plain modules), each with a section
    per module: a new module appears on its page, a new subpackage fails here until its page
    (docs/api/NAME.md, listed in docs/api/index.md) exists."""
    import api_pages

    index = (ROOT / "docs" / "api" / "index.md").read_text()
    pages = {package: package.rpartition(".")[2] for package in api_pages.subpackages("tnrank")}
    pages["tnrank"] = "foundation"
    missing = []
    for package, name in pages.items():
        page = site / "api" / f"{name}.html"
        if not page.exists() or f"\n{name}\n" not in index:
            missing.append(f"docs/api/{name}.md for {package} (and its line in api/index.md)")
            continue
        html = page.read_text(encoding="utf-8")
        modules = api_pages.package_modules(package, nested=package != "tnrank")
        missing += [f"{page.name}: module {module}" for module in modules
                    if f'id="module-{module}"' not in html]
    assert len(pages) > 5 and not missing, "not in the API reference:\n" + "\n".join(missing)


def test_public_names_link_to_their_entries(site):
    """The public API table names every entry of ``tnrank.__all__`` and links it to the entry
    that documents it on its stage page."""
    import tnrank

    links = site_check.links_by_text(site / "api" / "index.html")
    for name in tnrank.__all__:
        href = links.get(f"tnrank.{name}")
        assert href and "#tnrank." in href, f"tnrank.{name}: {href}"
        page, _, anchor = href.partition("#")
        assert f'id="{anchor}"' in (site / "api" / page).read_text(encoding="utf-8"), href


def test_internal_links_and_anchors_resolve(site):
    """Every link between pages of the site reaches an existing page and anchor."""
    dead = site_check.dead_links(site)
    assert not dead, f"{len(dead)} dead internal links:\n" + "\n".join(dead[:40])


def test_dead_link_checker_finds_missing_pages_and_anchors(tmp_path):
    (tmp_path / "a.html").write_text(
        '<html><body><article><h1 id="top">A</h1><a href="b.html#here">ok</a>'
        '<a href="b.html#gone">anchor</a><a href="c.html">page</a><a href="#top">self</a>'
        '<a href="#nowhere">self anchor</a><a href="https://example.org/x#y">external</a>'
        "</article></body></html>")
    (tmp_path / "b.html").write_text('<html><body><p id="here">B</p></body></html>')
    assert sorted(site_check.dead_links(tmp_path)) == [
        "a.html: #nowhere (no such anchor)", "a.html: b.html#gone (no such anchor)",
        "a.html: c.html (no such file)"]


def test_option_names_keep_their_two_hyphens(site):
    """Every option of every subcommand appears in the command-line reference as typed, and
    no page shows a dash where an option's hyphens were (``–json-file``)."""
    from tnrank.cli import build_parser

    options = [o for o in site_check.option_strings(build_parser()) if o not in ("-h", "--help")]
    text = (site / "cli.html").read_text(encoding="utf-8")
    missing = [o for o in options if f">{o}<" not in text and f">{o}," not in text
               and f" {o}<" not in text]
    assert "--json-file" in options and not missing, f"options missing from cli.html: {missing}"
    # in help texts too: each mention is code, as the hand-written pages spell options
    assert '<span class="pre">--json-file</span></code>, every finished configuration' in text
    mangled = site_check.mangled_options(site)
    assert not mangled, "dashes in place of option hyphens:\n" + "\n".join(mangled)


def test_no_raw_markup_on_any_page(site):
    """No Markdown or reStructuredText reaches a page as text, and nothing is set as <cite>."""
    raw = site_check.raw_markup(site)
    assert not raw, "markup shown as text:\n" + "\n".join(raw)


def test_text_checkers_catch_mangled_options_and_raw_markup(tmp_path):
    (tmp_path / "p.html").write_text(
        "<html><body><article><p>With \u2013json-file, every \u2014from run</p>"
        "<p>Schwartz\u2013Zippel and 1\u20132 stay</p><p>see [Running sweeps](running-sweeps.md)"
        " and :func:`tnrank.certify` and <cite>max_samples</cite></p>"
        "<pre>[shown](on-purpose.md) :func:`x`</pre><p><code>:math:`x`</code></p></article></body></html>")
    assert site_check.mangled_options(tmp_path) == ["p.html: '\u2013json-file'", "p.html: '\u2014from'"]
    assert site_check.raw_markup(tmp_path) == [
        "p.html: <cite>max_samples</cite>",
        "p.html: a Markdown link: '](running-sweeps.md)'",
        "p.html: a reStructuredText role: ':func:`'"]


def test_each_page_has_one_on_this_page_panel(site):
    """One on-this-page panel per page, and the label "On this page" shown once at most."""
    doubled = [f"{page.relative_to(site)}: {count}" for page in site_check.site_pages(site)
               if (count := site_check.on_this_page_labels(page)) > 1]
    assert not doubled, f"pages with more than one on-this-page panel: {doubled}"


def test_tables_and_code_blocks_fit_their_column(site):
    """No table or code block is wider than its column, at 1280 and at 800 px.

    Measured in headless Chromium where one is installed (``apt-get install chromium``, or
    name it in ``$CHROME``); otherwise bounded by counting characters per line and the
    longest word of each table column (``site_check.wide_blocks_by_characters``).
    """
    import screenshots

    browser = screenshots.find_browser()
    if browser is None:
        wide = site_check.wide_blocks_by_characters(site)
        assert not wide, "too wide for the column (counted in characters):\n" + "\n".join(wide)
        return
    report = site_check.measure_layout(site, browser)
    assert not report["failed"], report["failed"]
    assert report["pages"] == 2 * len(site_check.site_pages(site)) and report["checked"] > 100
    wide = [f"{o['page'].rpartition('html/')[2]} at {o['width']} px: {o['kind']} needs "
            f"{o['need']} px, has {o['have']} px: {o['text']}" for o in report["overflows"]]
    assert not wide, "wider than the column:\n" + "\n".join(wide)


_WIDE_PAGE = """<html><head><link rel="stylesheet" href="{css}"></head><body>
<article class="bd-article" style="width: 400px">
<div class="highlight-console"><div class="highlight"><pre><span class="gp">$ </span>tnrank {long_command}
<span class="go tnrank-columns">{table_line}</span>
<span class="go">{prose_line}</span></pre></div></div>
<div class="highlight-console"><div class="highlight"><pre><span class="go tnrank-columns">short  line</span>
</pre></div></div>
<div class="highlight-text"><div class="highlight"><pre>{tree_line}</pre></div></div>
<table><tr><td>{word}</td><td>{word}</td></tr></table>
<table><tr><td>fits</td><td><code class="docutils literal"><span class="pre">{code}</span></code></td></tr>
</table></article></body></html>"""


def test_layout_checks_catch_blocks_wider_than_the_column(tmp_path):
    """With the site's stylesheet, both checks flag a wide table printed as output, a wide
    plain-text block and a table of long words; they pass a long command and a line of prose
    (which wrap), a narrow block, and a table whose long code wraps at its hyphens."""
    import screenshots

    (tmp_path / "page.html").write_text(_WIDE_PAGE.format(
        css=(ROOT / "docs" / "_static" / "tnrank.css").as_uri(), long_command="--flag " * 30,
        table_line="col  " * 30, prose_line="words " * 40, tree_line="├── " + "x" * 120,
        word="w" * 60, code="tnrank-architecture-" * 6))
    by_characters = site_check.wide_blocks_by_characters(tmp_path)
    assert [line.split(":")[1].strip() for line in by_characters] == ["pre", "pre", "table"]
    assert "148 > 91 characters" in by_characters[0]
    browser = screenshots.find_browser()
    if browser is not None:
        report = site_check.measure_layout(tmp_path, browser, widths=(800,))
        assert [o["kind"] for o in report["overflows"]] == ["pre", "pre", "table"], report
        assert report["checked"] == 5 and report["overflows"][0]["need"] > 1000



_WIDE_HEADING_PAGE = """<html><head><link rel="stylesheet" href="{css}"></head><body>
<article class="bd-article" style="width: 400px"><section id="one">
<h2>{long_word}<a class="headerlink" href="#one">#</a></h2>
<div class="highlight-console"><div class="highlight"><pre><span class="go">short  line</span>
</pre></div></div>
<table><tr><td>fits</td><td>too</td></tr></table>
<p>clipped: <span style="display: inline-block; width: 20px; overflow: hidden">
<span style="display: inline-block; width: 3000px">{long_word}</span></span></p>
</section></article></body></html>"""


def test_layout_check_names_the_element_that_pushes_a_section_wide(tmp_path):
    """A heading of one long word makes its section wider than the column: the browser check
    names the heading, not the narrow code block and table of that section, and not content
    that an element clips (as MathJax clips the extenders of its stretchy brackets)."""
    import screenshots

    browser = screenshots.find_browser()
    if browser is None:
        pytest.skip("no headless browser to lay the page out")
    word = "tnrank-" + "x" * 150
    (tmp_path / "page.html").write_text(_WIDE_HEADING_PAGE.format(
        css=(ROOT / "docs" / "_static" / "tnrank.css").as_uri(), long_word=word))
    report = site_check.measure_layout(tmp_path, browser, widths=(800,))
    assert report["checked"] == 2, report
    [heading] = report["overflows"]
    assert (heading["kind"], heading["text"]) == ("h2", word[:67] + "..."), report
    assert heading["have"] <= 400 < 1000 < heading["need"]

def test_findings_tables_are_the_results_files(site):
    """The findings tables hold the numbers of their results files, formatted: the values
    are read here straight from the JSON, independently of the directive's code path."""
    import json

    tables = site_check.tables_with_rows(site / "findings.html", first_header="L")
    files = ["sep-depth3-R2", "sep-depth4-R2", "sep-depth3-R3"]
    assert len(tables) >= len(files)
    for name, (header, rows) in zip(files, tables[-len(files):], strict=True):
        data = json.loads((ROOT / "docs" / "results" / f"{name}.json").read_text())
        assert header[:4] == ["L", "T", "lower", "upper"] and "failure bound" in header
        assert len(rows) == len(data["rows"]), name
        for row, raw in zip(rows, data["rows"], strict=True):
            sep = raw["separation"]
            cells = dict(zip(header, row, strict=True))
            assert cells["T"] == str(raw["T"]) and cells["lower"] == f"{sep['lower']:,}"
            assert cells["upper"] == f"{sep['upper']:,}" and cells["status"] == sep["status"]
            bound = sep["failure_bound"]
            if bound is None:
                assert cells["failure bound"] == "—"
            else:  # "2.9 × 10⁻¹⁰": two significant digits, read back
                mantissa, _, power = cells["failure bound"].partition(" × 10")
                exponent = int(power.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
                assert abs(float(mantissa) * 10.0**exponent - bound) <= 0.051 * 10.0**exponent
    long_numbers = site_check.long_numbers_in_tables(site)
    assert not long_numbers, f"numbers printed to more digits than they carry: {long_numbers}"


def test_examples_run_as_pasted():
    """No example on a page or in a docstring leans on pytest: ``getfixture`` exists only
    inside the test runner, so a reader pasting the example would get a NameError."""
    sources = PAGES + sorted((ROOT / "tnrank").rglob("*.py"))
    leaning = [str(p.relative_to(ROOT)) for p in sources if "getfixture(" in p.read_text(encoding="utf-8")]
    assert not leaning, f"examples that need pytest to run: {leaning}"


def test_landing_page_has_install_example_and_what_tnrank_proves(site):
    """The first page opens as networkx's and quimb's do: install, a first example, the claims."""
    text = (site / "index.html").read_text(encoding="utf-8")
    article = site_check.article_text(site / "index.html")
    assert "pip install" in article and "tnrank.certify(" in article
    assert article.index("Install") < article.index("A first certified rank") < \
        article.index("What tnrank proves")
    assert text.count('class="highlight-python') >= 1 and "Schwartz–Zippel" in article


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
