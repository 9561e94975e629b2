"""Sphinx configuration for the tnrank documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` (warnings are errors, so a
broken cross-reference or link fails the build with the page and line named).
"""

import tnrank

project = "tnrank"
author = "tnrank developers"
release = tnrank.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
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
html_theme = "alabaster"
html_static_path = []
html_title = f"tnrank {release}"
