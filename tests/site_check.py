"""Checks on the built HTML documentation: what it loads, how readable its code is.

Used by tests/test_docs.py on the site it builds. Pages are parsed with BeautifulSoup (a
dependency of the theme); stylesheets by a small tokenizer that drops comments and reads
every ``url(...)`` and ``@import``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

# <link rel=...> values that make the browser fetch a resource for the page
FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "preconnect", "dns-prefetch",
                 "icon", "shortcut", "apple-touch-icon", "manifest"}
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.I)
_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)


def css_references(css: str) -> list[str]:
    """Every address a stylesheet refers to (``url(...)`` and ``@import``), comments removed."""
    css = _COMMENT.sub("", css)
    found = []
    for pattern in (_URL, _IMPORT):
        for match in pattern.finditer(css):
            found.append(next(g for g in match.groups() if g is not None))
    return found


def is_external(address: str) -> bool:
    """True for an address that needs the network (any scheme but ``data:``, or ``//host``)."""
    parts = urlsplit(address)
    return bool(parts.netloc) or parts.scheme not in ("", "data")


def _local_target(base: Path, address: str, site: Path) -> Path | None:
    """The file a relative address points to, or None for a data: URI or a fragment."""
    parts = urlsplit(address)
    if parts.scheme == "data" or not parts.path:
        return None
    return (base / unquote(parts.path)).resolve()


def external_assets(site: Path) -> list[str]:
    """Problems with the scripts, stylesheets and fonts of a built site.

    Each problem is one line: an external address in a ``<script src>``, a fetching
    ``<link>``, an inline style or a stylesheet (``url(...)``, ``@import``), or a local file
    that one of them names and the site lacks.
    """
    site = site.resolve()
    problems: list[str] = []

    def check(where: str, base: Path, address: str) -> None:
        if is_external(address):
            problems.append(f"{where}: external {address}")
            return
        target = _local_target(base, address, site)
        if target is not None and not target.exists():
            problems.append(f"{where}: missing {address}")

    for page in sorted(site.rglob("*.html")):
        if page.relative_to(site).parts[0] in ("_static", "_sources"):
            continue  # theme templates and page sources, not pages
        where = str(page.relative_to(site))
        soup = parsed(page)
        for tag in soup.find_all("script", src=True):
            check(where, page.parent, tag["src"])
        for tag in soup.find_all("link", href=True):
            rels = {r.lower() for r in tag.get("rel", [])}
            if rels & FETCHING_RELS:
                check(where, page.parent, tag["href"])
        for tag in soup.find_all("style"):
            for address in css_references(tag.get_text()):
                check(where, page.parent, address)
        for tag in soup.find_all(style=True):
            for address in css_references(tag["style"]):
                check(where, page.parent, address)
    for sheet in sorted(site.rglob("*.css")):
        where = str(sheet.relative_to(site))
        for address in css_references(sheet.read_text(encoding="utf-8", errors="replace")):
            check(where, sheet.parent, address)
    return problems


def _luminance(hex_colour: str) -> float:
    """Relative luminance of an sRGB colour ``#rgb`` or ``#rrggbb`` (WCAG 2.x)."""
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_COLOUR = re.compile(r"(?<![-\w])color\s*:\s*(#[0-9a-fA-F]{3,6})\b")
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{3,6})\b")


def code_background(site: Path, theme: str) -> str:
    """The background of code blocks in a light or dark page (``--tnrank-code-background``)."""
    css = _COMMENT.sub("", (site / "_static" / "tnrank.css").read_text())
    for selector, body in _RULE.findall(css):
        if f'data-theme="{theme}"' in selector:
            match = re.search(r"--tnrank-code-background\s*:\s*(#[0-9a-fA-F]{3,6})", body)
            if match:
                return match.group(1)
    raise AssertionError(f"tnrank.css sets no --tnrank-code-background for the {theme} theme")


def low_contrast_code(site: Path, minimum: float = 4.5) -> list[str]:
    """The highlighting colours (pygments.css) below ``minimum`` contrast on their code block."""
    css = _COMMENT.sub("", (site / "_static" / "pygments.css").read_text())
    low = []
    for theme in ("light", "dark"):
        background = code_background(site, theme)
        for selector, body in _RULE.findall(css):
            if f'data-theme="{theme}"' not in selector:
                continue
            # a token with a background of its own (line numbers) is read on that background;
            # the block's own pygments background is replaced by --tnrank-code-background
            own = _BACKGROUND.search(body)
            block = selector.strip().endswith(".highlight")
            behind = own.group(1) if own and not block else background
            for colour in _COLOUR.findall(body):
                ratio = contrast(colour, behind)
                if ratio < minimum:
                    low.append(f"{theme}: {selector.strip()} {colour} on {behind}: {ratio:.2f}")
    return low


def navigation_links(page: Path) -> dict[str, str]:
    """The on-this-page panel of a page: target id -> the link's inner HTML."""
    soup = parsed(page)
    toc = soup.select_one("nav.page-toc")
    if toc is None:
        return {}
    return {a["href"].lstrip("#"): a.decode_contents() for a in toc.find_all("a", href=True)}


def headings_with_math(page: Path) -> dict[str, str]:
    """Section id -> heading inner HTML, for the headings of a page's article that hold math."""
    soup = parsed(page)
    found = {}
    for section in soup.select("article section[id]"):
        heading = section.find(re.compile("^h[1-6]$"), recursive=False)
        if heading is not None and heading.find(class_="math"):
            found[section["id"]] = heading.decode_contents()
    return found


def page_toc_text(page: Path) -> str:
    """The plain text of a page's on-this-page panel."""
    soup = parsed(page)
    toc = soup.select_one("nav.page-toc")
    return "" if toc is None else toc.get_text(" ")


def empty_api_entries(page: Path) -> list[str]:
    """The ids of the Python objects on a page whose entry has no text besides its signature."""
    soup = parsed(page)
    empty = []
    for entry in soup.select("dl.py"):
        body = entry.find("dd", recursive=False)
        if body is None or not body.get_text(strip=True):
            signature = entry.find("dt", recursive=False)
            empty.append(signature.get("id", signature.get_text(" ", strip=True)))
    return empty


def subcommands(parser: argparse.ArgumentParser) -> list[str]:
    """The names of a parser's subcommands, in the order it lists them."""
    return [name for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name in action.choices]


# ---- layout: tables and code blocks within their column, measured in a browser ----

LAYOUT_WIDTHS = (1280, 800)
_LAYOUT_SCRIPT = Path(__file__).with_name("site_layout.js")
_SKIPPED_FOLDERS = {"_static", "_sources", "_images", "_downloads"}


def site_pages(site: Path) -> list[Path]:
    """Every HTML page of a built site (search.html, filled in by a script, excepted)."""
    return [page for page in sorted(site.rglob("*.html"))
            if not _SKIPPED_FOLDERS & set(page.relative_to(site).parts[:-1])
            and page.relative_to(site).as_posix() != "search.html"]


def measure_layout(site: Path, browser: str, widths=LAYOUT_WIDTHS, timeout: float = 600) -> dict:
    """Lay out every page of ``site`` in headless ``browser`` at each of ``widths`` px.

    Returns the script's report: ``overflows`` (one dict per table or code block wider than
    its column, and per other element wider than it that holds none such, as a heading of
    one long word: page, width, kind (the tag), need and have in px, its first line),
    ``checked`` (blocks measured), ``pages`` (page loads) and ``failed`` (pages that could
    not be measured).
    """
    import json
    import subprocess
    import tempfile

    from screenshots import QUIET_FLAGS

    pages = [page.resolve().as_uri() for page in site_pages(site)]
    with tempfile.TemporaryDirectory(prefix="tnrank-layout-") as scratch:
        harness = Path(scratch) / "harness.html"
        harness.write_text(
            '<!DOCTYPE html><html><body><pre id="tnrank-layout"></pre><script>\n'
            f"const TNRANK_PAGES = {json.dumps(pages)};\n"
            f"const TNRANK_WIDTHS = {json.dumps(list(widths))};\n"
            f"{_LAYOUT_SCRIPT.read_text()}</script></body></html>\n", encoding="utf-8")
        proc = subprocess.run(
            [browser, *QUIET_FLAGS, "--allow-file-access-from-files",
             f"--user-data-dir={Path(scratch) / 'profile'}", "--window-size=1400,1000",
             "--virtual-time-budget=3600000", "--dump-dom", harness.as_uri()],
            capture_output=True, text=True, timeout=timeout, check=False)
    soup = BeautifulSoup(proc.stdout, "html.parser")
    out = soup.find(id="tnrank-layout")
    if out is None or out.get("data-done") != "1":
        raise RuntimeError(f"{browser} did not finish measuring the site "
                           f"(exit {proc.returncode}): {proc.stderr.strip()[-400:]}")
    return json.loads(out.get_text())


# ---- links: every internal link reaches an existing page and anchor ----

def dead_links(site: Path) -> list[str]:
    """Internal links of a built site whose page or anchor does not exist.

    Each problem is ``page: href`` for a link (``<a href>``, and ``<area href>``) to a file the
    site lacks, or to a ``#fragment`` that no element of its page carries as ``id`` (or as
    ``name`` on an ``<a>``). External links are not followed.
    """
    site = site.resolve()
    anchors: dict[Path, set[str]] = {}

    def ids_of(page: Path) -> set[str]:
        if page not in anchors:
            soup = parsed(page)
            found = {tag["id"] for tag in soup.find_all(id=True)}
            found |= {tag["name"] for tag in soup.find_all("a", attrs={"name": True})}
            anchors[page] = found
        return anchors[page]

    problems = []
    for page in site_pages(site) + [site / "search.html"]:
        if not page.exists():
            continue
        soup = parsed(page)
        for tag in soup.find_all(["a", "area"], href=True):
            href = tag["href"]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            where = str(page.relative_to(site))
            if not target.exists():
                problems.append(f"{where}: {href} (no such file)")
            elif parts.fragment and target.suffix == ".html" and \
                    unquote(parts.fragment) not in ids_of(target):
                problems.append(f"{where}: {href} (no such anchor)")
    return problems


# ---- text: what the reader copies and reads is what was written ----

# a dash where an option's hyphens were: "–json-file" (typography applied to "--json-file")
_MANGLED_OPTION = re.compile(r"(?:^|(?<=[\s(\[,;/]))[–—][A-Za-z][\w-]*")
# Markdown or reStructuredText that reached the page as text instead of being rendered
_RAW_MARKUP = [
    ("a Markdown link", re.compile(r"\]\([^)\s]+\.md(?:#[^)\s]*)?\)")),
    ("a reStructuredText role", re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|obj|ref|doc|math):`")),
    ("a reStructuredText directive", re.compile(r"(?m)^\s*\.\. [a-z][\w-]*::")),
]


_PARSED: dict[tuple[Path, float], BeautifulSoup] = {}


def parsed(page: Path) -> BeautifulSoup:
    """A built page, parsed once per test session (the checks only read it, never change it)."""
    key = (page.resolve(), page.stat().st_mtime)
    if key not in _PARSED:
        _PARSED[key] = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return _PARSED[key]


def _article(page: Path):
    soup = parsed(page)
    return soup.select_one("article") or soup.body or soup


def mangled_options(site: Path) -> list[str]:
    """Dashes standing where an option's hyphens were (``–json-file``), page by page."""
    problems = []
    for page in site_pages(site):
        text = _article(page).get_text(" ")
        for match in _MANGLED_OPTION.finditer(text):
            problems.append(f"{page.relative_to(site)}: {match.group()!r}")
    return problems


def raw_markup(site: Path) -> list[str]:
    """Markup shown as text (``[Running sweeps](running-sweeps.md)``, ``:func:`x```) or set as
    a citation (``<cite>``, what reStructuredText makes of single backticks). Code (``pre``,
    ``code``) may show markup on purpose and is not read."""
    problems = []
    for page in site_pages(site):
        article = _article(page)
        for tag in article.find_all("cite"):
            problems.append(f"{page.relative_to(site)}: <cite>{tag.get_text()}</cite>")
        for text in article.find_all(string=True):
            if text.find_parent(["pre", "code"]) is not None:
                continue
            for what, pattern in _RAW_MARKUP:
                for match in pattern.finditer(text):
                    problems.append(f"{page.relative_to(site)}: {what}: {match.group().strip()!r}")
    return problems


# ---- layout without a browser: characters per line ----

#: Characters of output that fit one line of a code block in the content column: 13 px
#: monospace (about 7.8 px a character) in a column of 750 px less the block's padding.
CODE_COLUMNS = 91
#: Characters lost for each level of indentation (an entry inside a class in the API pages).
INDENT_COLUMNS = 4
#: The content column (px), what one character of text or code takes in a table (14 px type)
#: and a cell's padding.
COLUMN_PX = 750
TEXT_CHAR_PX = 7.5
CELL_PADDING_PX = 15
#: Where a line in a table cell may wrap: at spaces, and after a hyphen or a slash.
_WRAP = re.compile(r"\s+|(?<=[-/])")


def _unwrapped_lines(block) -> list[str]:
    """The lines of a ``<pre>`` that keep their width: output in aligned columns (marked
    ``tnrank-columns`` by the site's build), and every line of a plain-text block."""
    wrapper = block.find_parent("div", class_=re.compile(r"^highlight-"))
    classes = " ".join(wrapper.get("class", [])) if wrapper else ""
    if "literal-block" in block.get("class", []) or re.search(r"highlight-(text|none)\b", classes):
        return block.get_text().splitlines()
    return [line for span in block.select("span.go.tnrank-columns") for line in span.get_text().splitlines()]


def wide_blocks_by_characters(site: Path) -> list[str]:
    """Tables and code blocks too wide for the column, judged by counting characters.

    The fallback of the browser measurement (``measure_layout``): a line of aligned output
    or of a plain-text block longer than ``CODE_COLUMNS`` characters (fewer when indented),
    and a table whose columns cannot shrink below the column width (each column at least its
    longest word, text or code, that cannot wrap at a space, a hyphen or a slash).
    """
    problems = []
    for page in site_pages(site):
        article = _article(page)
        name = page.relative_to(site)
        for block in article.find_all("pre"):
            limit = CODE_COLUMNS - INDENT_COLUMNS * len(block.find_parents("dd"))
            for line in _unwrapped_lines(block):
                if len(line.rstrip()) > limit:
                    problems.append(f"{name}: pre: {len(line.rstrip())} > {limit} characters: "
                                    f"{line.strip()[:60]!r}")
        for table in article.find_all("table"):
            widths: dict[int, float] = {}
            for row in table.find_all("tr"):
                for index, cell in enumerate(row.find_all(["td", "th"])):
                    words = _WRAP.split(cell.get_text(" ")) or [""]
                    need = max(len(w) for w in words) * TEXT_CHAR_PX + CELL_PADDING_PX
                    widths[index] = max(widths.get(index, 0), need)
            if sum(widths.values()) > COLUMN_PX:
                first = table.get_text(" ", strip=True)[:60]
                problems.append(f"{name}: table: at least {sum(widths.values()):.0f} px > "
                                f"{COLUMN_PX} px: {first!r}")
    return problems


# ---- small readers of built pages ----

def article_text(page: Path) -> str:
    """The text of a page's article (its content, without navigation)."""
    return _article(page).get_text()


def links_by_text(page: Path) -> dict[str, str]:
    """Link text -> address, for the links of a page's article."""
    return {a.get_text(strip=True): a["href"] for a in _article(page).find_all("a", href=True)}


def on_this_page_labels(page: Path) -> int:
    """How many times a page shows the label "On this page" (attributes not counted)."""
    soup = parsed(page)
    panels = len(soup.select("nav.page-toc"))
    labels = len(soup.find_all(string=re.compile(r"^\s*On this page\s*$")))
    return max(panels, labels)


def option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string (``-L``, ``--json-file``) of a parser and its subcommands."""
    found: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += option_strings(sub)
        elif action.help != argparse.SUPPRESS:
            found += [o for o in action.option_strings if o not in found]
    return sorted(set(found))


def tables_with_rows(page: Path, first_header: str) -> list[tuple[list[str], list[list[str]]]]:
    """The tables of a page whose first heading is ``first_header``: (headings, rows of cells)."""
    found = []
    for table in _article(page).find_all("table"):
        header = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        if header and header[0] == first_header:
            rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
                    for tr in table.select("tbody tr")]
            found.append((header, rows))
    return found


_LONG_NUMBER = re.compile(r"\d\.\d{5,}")


def long_numbers_in_tables(site: Path) -> list[str]:
    """Numbers with five or more decimals in a table cell (``2.937465480850111e-10``)."""
    return [f"{page.relative_to(site)}: {match.group()}"
            for page in site_pages(site) for cell in _article(page).find_all(["td", "th"])
            for match in _LONG_NUMBER.finditer(cell.get_text())]
