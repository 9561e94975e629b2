"""Printed output whose columns are aligned keeps them; any other long line wraps.

Code blocks wrap at the column edge (``docs/_static/tnrank.css``), which is right for what a
reader types and for a line of prose, and wrong for a results table: its columns are aligned
by runs of spaces, and a wrapped row no longer lines up. Each line of printed output
(Pygments' ``go`` token, in console and doctest blocks) with two or more spaces between two
words is marked ``tnrank-columns``, and the stylesheet keeps such lines whole: a table must
fit the column as printed, which the site checks measure.
"""

from __future__ import annotations

import html
import re

__all__ = ["mark_aligned", "setup"]

_OUTPUT = re.compile(r'<span class="go">([^<]*)</span>')
_ALIGNED = re.compile(r"\S {2,}\S")


def mark_aligned(body: str) -> str:
    """``body`` with every aligned output line's span classed ``go tnrank-columns``.

    >>> mark_aligned('<span class="go">a  b</span><span class="go">a b</span>')
    '<span class="go tnrank-columns">a  b</span><span class="go">a b</span>'
    """
    def mark(match: re.Match) -> str:
        if _ALIGNED.search(html.unescape(match.group(1))):
            return f'<span class="go tnrank-columns">{match.group(1)}</span>'
        return match.group(0)

    return _OUTPUT.sub(mark, body)


def _on_page(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = mark_aligned(context["body"])


def setup(app):
    app.connect("html-page-context", _on_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
