"""Sphinx configuration for the tnrank documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` (warnings are errors, so a
broken cross-reference or link fails the build with the page and line named).

The built site needs no network: the theme's assets, MathJax (``sphinx-mathjax-offline``)
and the site's own stylesheet are all served from ``_static``; ``tests/test_docs_site.py``
fails on any external script, stylesheet or font. Screenshots of the main pages:
``python docs/screenshots.py`` (see the "Working on these docs" page).
"""

import tnrank

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
]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "README.md"]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
nitpicky = True
# standard-library bases shown by autodoc; no inventory is fetched (the build works offline)
nitpick_ignore = [("py:class", "abc.ABC")]
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_typehints = "none"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
napoleon_use_param = False  # types stay text: "ndarray of shape (M, n)" is not a class name
napoleon_preprocess_types = False
napoleon_attr_annotations = False
napoleon_use_ivar = True

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


def _drop_empty_entries(app, doctree):
    """Remove API entries that document nothing (a bare attribute: ``M``, ``name = ''``).

    Dataclass fields are described in their class's Parameters section; autodoc would list
    them again as empty entries. An attribute with its own docstring or ``#:`` comment stays,
    and so does every function, method or attribute with a line of documentation.
    """
    from sphinx import addnodes

    for desc in list(doctree.findall(addnodes.desc)):
        if desc.get("domain") != "py":
            continue
        content = next(iter(desc.findall(addnodes.desc_content)), None)
        if content is not None and not content.children:
            parent = desc.parent
            index = parent.index(desc)
            if index and isinstance(parent[index - 1], addnodes.index):
                parent.remove(parent[index - 1])
            parent.remove(desc)


def _resolve_internal(app, env, node, contnode):
    """Cross-references into tnrank that the API page does not document.

    A name the package re-exports (``tnrank.engine.rank.rank_mod_p`` is ``tnrank.rank_mod_p``)
    links to its public entry; an internal that exists (a constant, a helper class) is shown
    as code without a link. A reference to something that does not exist still fails the build.
    """
    import importlib

    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    module = node.get("py:module") or ""
    # the module the docstring was written in ("docstring of tnrank.engine.rank.rank_mod_p")
    source = (node.source or "").rpartition("docstring of ")[2].split(":")[0]
    homes = [".".join(source.split(".")[:cut]) for cut in range(source.count(".") + 1, 0, -1)]
    candidates = ([target] if target.startswith("tnrank") else
                  [f"{home}.{target}" for home in homes if home] + [f"{module}.{target}", target])
    for name in candidates:
        obj = _lookup(importlib, name)
        if obj is _MISSING:
            continue
        public = getattr(obj, "__name__", None)
        if public in tnrank.__all__ and getattr(tnrank, public) is obj:
            py = env.get_domain("py")
            found = py.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                                    f"tnrank.{public}", node, contnode)
            if found is not None:
                return found
        return contnode  # an internal: shown as code, not linked
    return None


_MISSING = object()


def _lookup(importlib, dotted):
    """The object named ``dotted`` (a module, or an attribute path inside one), else _MISSING."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, _MISSING)
            if obj is _MISSING:
                return _MISSING
        return obj
    return _MISSING


def setup(app):
    app.connect("missing-reference", _resolve_internal)
    # before the table-of-contents collector reads the page, so the panel lists no empty entry
    app.connect("doctree-read", _drop_empty_entries, priority=400)
    app.connect("doctree-read", _usage_as_console)
    # navigation titles with math ("The depth-$L$ conjecture") appear on every page, so
    # MathJax is loaded on every page, not only on pages whose body has math
    app.set_html_assets_policy("always")
