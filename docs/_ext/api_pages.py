"""The API reference, one page per subpackage: every module of it, found at build time.

A page of ``docs/api/`` holds its title, a sentence or two, and one directive::

    ```{tnrank-modules} tnrank.engine
    ```

which expands to the package's own docstring and, for each of its public modules, a section
(listed in the page's on-this-page panel) with the module's docstring and members. Modules
come in the order of the package's ``__all__`` where it names them, then any others
alphabetically, so a new module appears on its page without an edit here; the modules of a
folder inside the stage (``presentation/layouts/``) follow its own. Members follow each
module's ``__all__`` (autodoc's rule); a name that a module only re-exports is documented where
it is defined. ``:no-docstring:`` leaves out the package's docstring, ``:no-subpackages:`` the
modules of its subpackages (the foundation page lists the plain modules of ``tnrank`` itself;
every stage has its own page).

``{tnrank-public}`` is the table of the names importable from ``tnrank`` itself, each with the
first sentence of its documentation and a link to its entry, grouped by the stage that
defines it. A reference to a public name (``tnrank.Architecture``) leads to that entry.

Entries that document nothing (a dataclass field, described in its class's Parameters
section) are removed from the page, from the index and from the cross-reference targets,
so no link points at an entry that is not there.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import pkgutil
import re
import sys
import warnings

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective

__all__ = ["package_modules", "public_names", "ModulesDirective", "PublicDirective",
           "drop_empty_entries", "resolve_reference", "setup"]

_MISSING = object()


def package_modules(package: str, nested: bool = True) -> list[str]:
    """The public plain modules of ``package``: in its ``__all__`` order, then alphabetically,
    then (with ``nested``) those of its subpackages, each the same way.

    A module that only re-exports another's names under an old name (kept for a release, as
    ``tnrank.files.safe``) is left out: its names are documented where they are defined. The
    stages of ``tnrank`` have pages of their own: ``package_modules("tnrank", nested=False)``.

    >>> modules = package_modules("tnrank.model")
    >>> modules[0], "tnrank.model.weights" in modules
    ('tnrank.model.architecture', True)
    """
    pkg = importlib.import_module(package)
    infos = [info for info in pkgutil.iter_modules(pkg.__path__) if not info.name.startswith("_")]
    found = sorted(info.name for info in infos if not info.ispkg)
    listed = [name for name in getattr(pkg, "__all__", []) if name in found]
    unlisted = [name for name in found if name not in listed and not _old_name(f"{package}.{name}")]
    modules = [f"{package}.{name}" for name in listed + unlisted]
    if nested:  # a folder inside a stage (presentation/layouts/) belongs to the stage's page
        for sub in sorted(info.name for info in infos if info.ispkg):
            modules += package_modules(f"{package}.{sub}")
    return modules


def _old_name(module: str) -> bool:
    """True for a module whose public names are all defined in other modules."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        loaded = importlib.import_module(module)
    homes = {getattr(getattr(loaded, name, None), "__module__", None)
             for name in getattr(loaded, "__all__", ())}
    homes.discard(None)
    return bool(homes) and module not in homes


def subpackages(package: str = "tnrank") -> list[str]:
    """The public subpackages of ``package``, alphabetically."""
    pkg = importlib.import_module(package)
    return sorted(f"{package}.{info.name}" for info in pkgutil.iter_modules(pkg.__path__)
                  if info.ispkg and not info.name.startswith("_"))


def _defining_module(name: str, obj: object) -> str:
    """The module that defines the public ``tnrank.<name>`` (for data: that assigns it)."""
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and module.startswith("tnrank.") and \
            getattr(sys.modules.get(module), name, _MISSING) is obj:
        return module
    for module, loaded in sorted(sys.modules.items()):
        if module.startswith("tnrank.") and name in getattr(loaded, "__all__", ()) and \
                getattr(loaded, name, _MISSING) is obj:
            return module
    raise LookupError(f"no module of tnrank defines tnrank.{name}")


def public_names() -> dict[str, str]:
    """``tnrank.__all__``: each public name -> the full name of its documented entry.

    >>> public_names()["Architecture"]
    'tnrank.model.architecture.Architecture'
    """
    import tnrank

    return {name: f"{_defining_module(name, getattr(tnrank, name))}.{name}" for name in tnrank.__all__}


def _summary(full_name: str) -> str:
    """The first sentence (first paragraph, up to its first full stop) of an entry's docs."""
    module, _, name = full_name.rpartition(".")
    obj = getattr(importlib.import_module(module), name)
    doc = inspect.getdoc(obj) if callable(obj) or inspect.isclass(obj) else None
    if not doc:
        attr_docs = ModuleAnalyzer.for_module(module).find_attr_docs()
        doc = "\n".join(attr_docs.get(("", name), []))
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    head, dot, _ = paragraph.partition(". ")
    return head + "." if dot else paragraph


class ModulesDirective(SphinxDirective):
    """``{tnrank-modules} PACKAGE``: the package's docstring, then a section per module."""

    required_arguments = 1
    option_spec = {"no-docstring": directives.flag, "no-subpackages": directives.flag}

    def run(self) -> list[nodes.Node]:
        package = self.arguments[0]
        nested = "no-subpackages" not in self.options
        # headings in Markdown (sections of the page); autodoc's output is reStructuredText
        lines = []
        if "no-docstring" not in self.options:
            lines += ["```{eval-rst}", f".. automodule:: {package}", "   :no-members:", "```", ""]
        for module in package_modules(package, nested):
            lines += [f"## {module}", "", "```{eval-rst}", f".. automodule:: {module}",
                      "   :members:", "```", ""]
        container = nodes.section()  # a temporary parent: its children are returned
        self.state.nested_parse(lines, self.content_offset, container, match_titles=True)
        return container.children


class PublicDirective(SphinxDirective):
    """``{tnrank-public}``: a table of ``tnrank.__all__`` per stage, each name linked."""

    def run(self) -> list[nodes.Node]:
        rows = [".. list-table::", "   :header-rows: 1", "   :widths: auto", "",
                "   * - name", "     - what it is", "     - defined in"]
        for name, full in public_names().items():
            module = full.rpartition(".")[0]
            rows += [f"   * - :py:obj:`tnrank.{name} <{full}>`", f"     - {_summary(full)}",
                     f"     - :py:mod:`{module}`"]
        container = nodes.section()
        lines = ["```{eval-rst}", *rows, "```"]
        self.state.nested_parse(lines, self.content_offset, container)
        return container.children


# napoleon reads "word: text" on the first line of an attribute's documentation as a type
# and its description; the attributes of tnrank have annotations, so a first line such as
# "Cost of a Gaussian sample, relative to GF(p): ..." is prose, kept as written
_NAME = r"[A-Za-z_][\w.]*(\[[\w., \[\]|]*\])?"
_TYPE = re.compile(rf"^{_NAME}(\s+(or|\|)\s+{_NAME})*$")
_ORIGINAL: dict[str, list[str]] = {}


def _keep_original(app, what, name, obj, options, lines) -> None:
    if what in ("data", "attribute", "property"):
        _ORIGINAL[name] = list(lines)


def _prose_is_not_a_type(app, what, name, obj, options, lines) -> None:
    """Undo napoleon's inline type when what it took for a type is prose."""
    from sphinx.ext.napoleon.docstring import NumpyDocstring

    original = _ORIGINAL.pop(name, None)
    types = [line[len(":type: "):] for line in lines if line.startswith(":type: ")]
    if original is not None and types and not _TYPE.match(types[-1].strip()):
        lines[:] = NumpyDocstring(original, app.config).lines()


def _no_object_base(app, name, obj, options, bases: list) -> None:
    """Leave ``object`` out of a class's bases: "Bases: object" says nothing."""
    bases[:] = [base for base in bases if base is not object]


def _drop_empty_bases(app, doctree) -> None:
    """Remove the "Bases:" line of a class whose only base was ``object``."""
    for paragraph in list(doctree.findall(nodes.paragraph)):
        if paragraph.astext().strip() == "Bases:" and paragraph.parent is not None:
            paragraph.parent.remove(paragraph)


_DOTTED = re.compile(r">(tnrank(?:\.\w+)+)<")
_DOTTED_HEADING = re.compile(r"(<h[1-6][^>]*>)(tnrank(?:\.\w+)+)(?=<)")


def _breakable_module_names(app, pagename, templatename, context, doctree) -> None:
    """Let a module name wrap at its dots (``<wbr>``), not mid-word, where it stands alone:
    in the on-this-page panel and as a section heading, which would otherwise widen its
    section past the column (``tnrank.presentation.layouts.unrolled_cells`` at 800 px)."""
    if "toc" in context:
        context["toc"] = _DOTTED.sub(lambda m: ">" + m.group(1).replace(".", ".<wbr>") + "<",
                                     context["toc"])
    if "body" in context:
        context["body"] = _DOTTED_HEADING.sub(
            lambda m: m.group(1) + m.group(2).replace(".", ".<wbr>"), context["body"])


def drop_empty_entries(app, doctree) -> None:
    """Remove API entries that document nothing (a bare attribute: ``M``, ``name = ''``).

    Dataclass fields are described in their class's Parameters section; autodoc would list
    them again as empty entries. An attribute with its own docstring or ``#:`` comment stays,
    and so does every function, method or attribute with a line of documentation. The
    removed entries leave the index and the Python domain too, so nothing links to them.
    """
    env = app.env
    dropped: set[str] = set()
    for desc in list(doctree.findall(addnodes.desc)):
        if desc.get("domain") != "py":
            continue
        content = next(iter(desc.findall(addnodes.desc_content)), None)
        if content is not None and not content.children:
            for signature in desc.findall(addnodes.desc_signature):
                dropped.update(signature["ids"])
            parent = desc.parent
            index = parent.index(desc)
            if index and isinstance(parent[index - 1], addnodes.index):
                parent.remove(parent[index - 1])
            parent.remove(desc)
    if not dropped:
        return
    py = env.get_domain("py")
    for name, entry in list(py.objects.items()):
        if entry.docname == env.docname and entry.node_id in dropped:
            del py.objects[name]
    entries = env.get_domain("index").entries
    if env.docname in entries:
        entries[env.docname] = [e for e in entries[env.docname] if e[2] not in dropped]


def _lookup(dotted: str) -> object:
    """The object named ``dotted`` (a module, or an attribute path inside one), else _MISSING.

    An attribute only annotated in a class body (``group: int``) counts as existing: its
    value is set on instances.
    """
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            owner, obj = obj, getattr(obj, attr, _MISSING)
            if obj is _MISSING:
                annotated = any(attr in getattr(base, "__annotations__", {})
                                for base in getattr(owner, "__mro__", ()))
                return None if annotated and attr == parts[-1] else _MISSING
        return obj
    return _MISSING


def resolve_reference(app, env, node, contnode):
    """Cross-references into tnrank that name no entry of the reference directly.

    A public name (``tnrank.Architecture``), a name the module in scope only imports, or a
    short name that exactly one entry ends with links to that entry; a name that exists but
    has no entry (a private helper, a dataclass field, a builtin) is shown as code without a
    link. A reference to something that does not exist still fails the build.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    module = node.get("py:module") or ""
    cls = node.get("py:class") or ""
    # the module the docstring was written in ("docstring of tnrank.engine.rank.rank_mod_p")
    source = (node.source or "").rpartition("docstring of ")[2].split(":")[0]
    homes = [".".join(source.split(".")[:cut]) for cut in range(source.count(".") + 1, 0, -1)]
    homes += [f"{module}.{cls}" if cls else "", module]
    candidates = ([target] if target.startswith("tnrank") else
                  [f"{home}.{target}" for home in homes if home] + [target])
    py = env.get_domain("py")
    public = public_names()

    def link(entry: str):
        for reftype in dict.fromkeys((node["reftype"], "obj")):
            found = py.resolve_xref(env, node["refdoc"], app.builder, reftype, entry, node, contnode)
            if found is not None:
                return found
        return None

    for name in candidates:
        obj = _lookup(name)
        if obj is _MISSING:
            continue
        # the entry of the object itself: a public name, or where its class or function lives
        entries = []
        if name.startswith("tnrank.") and name.count(".") == 1 and name[7:] in public:
            entries.append(public[name[7:]])
        defined = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if all(isinstance(part, str) for part in defined):
            entries.append(".".join(defined))
        for entry in entries:
            found = link(entry)
            if found is not None:
                return found
        return contnode  # exists, has no entry: shown as code, not linked
    if hasattr(builtins, target):
        return contnode
    matches = py.find_obj(env, module, cls, target, None, 1)
    if len(matches) == 1:
        return link(matches[0][0])
    return None


def setup(app):
    app.add_directive("tnrank-modules", ModulesDirective)
    app.add_directive("tnrank-public", PublicDirective)
    # before the table-of-contents collector reads the page, so the panel lists no empty entry
    app.connect("doctree-read", drop_empty_entries, priority=400)
    app.connect("missing-reference", resolve_reference)
    app.connect("autodoc-process-bases", _no_object_base)
    app.connect("doctree-read", _drop_empty_bases)
    app.connect("html-page-context", _breakable_module_names)
    # around napoleon's own handler (priority 500)
    app.connect("autodoc-process-docstring", _keep_original, priority=400)
    app.connect("autodoc-process-docstring", _prose_is_not_a_type, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
