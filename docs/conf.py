"""Sphinx configuration for the tnrank documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` (warnings are errors, so a
broken cross-reference or link fails the build with the page and line named).

The built site needs no network: the theme's assets, MathJax (``sphinx-mathjax-offline``)
and the site's own stylesheet are all served from ``_static``; ``tests/test_docs_site.py``
fails on any external script, stylesheet or font. Screenshots of the main pages:
``python docs/screenshots.py`` (see the "Working on these docs" page).
"""

import importlib.util
import sys
from pathlib import Path

import tnrank

# the site's own Sphinx extensions (docs/_ext): API pages per subpackage, CLI option names,
# aligned output, results tables
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

project = "tnrank"
author = "tnrank developers"
copyright = "tnrank developers, MIT License"  # the name Sphinx reads
release = tnrank.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 shipped into _static/mathjax: math renders offline
    "sphinx_copybutton",
    "sphinxarg.ext",
    "api_pages",
    "cli_options",
    "aligned_output",
    "results_tables",
]
source_suffix = {".md": "markdown"}
# curly quotes and ellipses, but hyphens stay hyphens: "--json-file" must not become a dash
# (the pages write their dashes as "—" and "–")
smartquotes_action = "qe"
# `single backticks` in a docstring are code, as in the Markdown pages (not <cite>)
default_role = "code"
exclude_patterns = ["_build", "README.md"]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
nitpicky = True
# standard-library bases shown by autodoc; no inventory is fetched (the build works offline)
nitpick_ignore = [("py:class", "abc.ABC")]
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_typehints = "none"
autodoc_member_order = "bysource"
# the PyTorch modules of tnrank.experiments are documented without the optional extra
autodoc_mock_imports = [] if importlib.util.find_spec("torch") else ["torch"]
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
napoleon_use_param = False  # types stay text: "ndarray of shape (M, n)" is not a class name
napoleon_preprocess_types = False
napoleon_attr_annotations = False
# Attributes sections read like Parameters sections ("x, y : float" names two attributes)
napoleon_custom_sections = [("Attributes", "params_style")]

# copy buttons copy commands and Python input only, never the printed output
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

# pydata-sphinx-theme (numpy, networkx): at 1280 px it keeps the site navigation, a content
# column wide enough for the results tables and the on-this-page panel all on screen, and it
# serves every asset (fonts included) from _static
html_theme = "pydata_sphinx_theme"
html_title = "tnrank"  # the version is its own navbar item (_templates/version.html)
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["tnrank.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_start": ["navbar-logo", "version"],
    "navbar_center": [],
    "navbar_end": ["theme-switcher"],
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
    "show_toc_level": 1,  # deeper levels unfold as the reader scrolls to them
    "footer_start": ["tnrank-footer"],
    "footer_end": ["sphinx-version", "theme-version"],
    "navigation_with_keys": False,
    "icon_links": [],  # the project publishes no repository address yet: no link rather than a guess
    # high-contrast highlighting: console output (the results tables) keeps the text colour
    "pygments_light_style": "a11y-high-contrast-light",
    "pygments_dark_style": "a11y-high-contrast-dark",
}
html_sidebars = {"**": ["site-nav"]}
html_context = {"default_mode": "auto", "author": author}  # light or dark as the reader's system prefers


def _usage_as_console(app, doctree):
    """Show argparse usage blocks (``usage: tnrank ...``) as console text, not Python."""
    from docutils import nodes

    for block in doctree.findall(nodes.literal_block):
        if "language" not in block and block.astext().startswith("usage:"):
            block["language"] = "console"


def setup(app):
    app.connect("doctree-read", _usage_as_console)
    # navigation titles with math ("The depth-$L$ conjecture") appear on every page, so
    # MathJax is loaded on every page, not only on pages whose body has math
    app.set_html_assets_policy("always")
