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
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
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
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    toc = soup.select_one("nav.page-toc")
    if toc is None:
        return {}
    return {a["href"].lstrip("#"): a.decode_contents() for a in toc.find_all("a", href=True)}


def headings_with_math(page: Path) -> dict[str, str]:
    """Section id -> heading inner HTML, for the headings of a page's article that hold math."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    found = {}
    for section in soup.select("article section[id]"):
        heading = section.find(re.compile("^h[1-6]$"), recursive=False)
        if heading is not None and heading.find(class_="math"):
            found[section["id"]] = heading.decode_contents()
    return found


def page_toc_text(page: Path) -> str:
    """The plain text of a page's on-this-page panel."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    toc = soup.select_one("nav.page-toc")
    return "" if toc is None else toc.get_text(" ")


def empty_api_entries(page: Path) -> list[str]:
    """The ids of the Python objects on a page whose entry has no text besides its signature."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
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
