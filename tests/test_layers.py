"""The layering rule of docs/design.md, kept by a test that reads the rule from the page itself.

Every module of tnrank/ is parsed with ``ast`` (nothing is imported or run). Its imports are
collected wherever they are written: at module level, inside functions, under
``if TYPE_CHECKING:``, and as strings given to ``importlib.import_module``. Each module belongs
to one part of the house (a folder, or a row of top-level modules), and the "may import" column
of the Design page's table says which parts each part may import: a part may import itself,
the parts its row names ("the above": every row above it; "everything": all), and, in turn,
whatever those may import. Also checked: no module imports another module's private names
(``from x import _y``), and the imports that run when a module is loaded (module level, not
inside functions or under ``TYPE_CHECKING``) form no cycle.

The checker is tried on small planted trees too, so that it is known to fail when the rule is
broken.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "docs" / "design.md"


# ---------------------------------------------------------------- the rule, read from the page
@dataclass(frozen=True)
class Rule:
    """The Design page's table: the members of each part and what each part may import."""

    folders: dict[str, str]  # folder name -> part
    modules: dict[str, str]  # top-level module file name (``errors.py``) -> part
    allowed: dict[str, frozenset[str]]  # part -> every part it may import, itself included

    def part_of(self, module: str) -> str | None:
        """The part a module (dotted name) belongs to, or None when no row names it."""
        parts = module.split(".")
        if len(parts) > 2 or (len(parts) == 2 and parts[1] in self.folders):
            return self.folders.get(parts[1])
        file = "__init__.py" if len(parts) == 1 else f"{parts[1]}.py"
        return self.modules.get(file)


def read_rule(markdown: str) -> Rule:
    """Parse the table whose header has a ``may import`` column.

    The first cell names a part: folders in backticks (```model/```), or top-level modules in
    backticks after an optional ``name:`` (``foundation: `errors.py`, ...``); the third cell
    lists parts, ``the above`` or ``everything``.
    """
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("|") and "may import" in line), None)
    assert start is not None, "the Design page has no table with a 'may import' column"
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 3, f"a row of the layering table needs three cells: {line!r}"
        rows.append(cells)
    folders: dict[str, str] = {}
    modules: dict[str, str] = {}
    order: list[str] = []
    for first, _job, _may in rows:
        names = re.findall(r"`([^`]+)`", first)
        assert names, f"the row {first!r} names no folder or module in backticks"
        label = re.match(r"\s*([\w-]+):", first)
        part = label.group(1) if label else names[0].rstrip("/").removesuffix(".py")
        assert part not in order, f"the part {part!r} has two rows"
        order.append(part)
        for name in names:
            if name.endswith("/"):
                folders[name.rstrip("/")] = part
            else:
                assert name.endswith(".py"), f"{name!r}: a row names folders (x/) or modules (x.py)"
                modules[name] = part
    direct: dict[str, set[str]] = {}
    for i, (_first, _job, may) in enumerate(rows):
        listed: set[str] = set()
        for token in (t.strip() for t in re.split(r",|\band\b", may) if t.strip()):
            if token == "the above":
                listed |= set(order[:i])
            elif token == "everything":
                listed |= set(order)
            else:
                assert token in order, f"the 'may import' entry {token!r} of {order[i]} is no part"
                listed.add(token)
        direct[order[i]] = listed | {order[i]}
    closure = nx.transitive_closure(nx.DiGraph([(a, b) for a, bs in direct.items() for b in bs]),
                                    reflexive=True)
    allowed = {part: frozenset(closure.successors(part)) for part in order}
    return Rule(folders, modules, allowed)


# ---------------------------------------------------------------- the imports, read from the code
@dataclass(frozen=True)
class Import:
    """One import written in a module: ``source`` imports ``target`` (dotted names)."""

    source: str
    target: str
    name: str | None  # the name taken from the target (``from target import name``)
    line: int
    when: str  # "load" (runs when the module is loaded), "call" (inside a function), "type"

    @property
    def where(self) -> str:
        return f"{self.source.replace('.', '/')} line {self.line}"


def modules_of(package_dir: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package (``__init__`` as the package)."""
    out = {}
    for file in sorted(package_dir.rglob("*.py")):
        parts = file.relative_to(package_dir.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = file
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _string_prefix(node: ast.expr, module: str) -> str | None:
    """The text known before run time at the start of a string argument: a constant, or an
    f-string's leading constants, ``{__name__}`` standing for the module itself."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        text = ""
        for piece in node.values:
            if isinstance(piece, ast.Constant):
                text += str(piece.value)
            elif isinstance(piece, ast.FormattedValue) and isinstance(piece.value, ast.Name) \
                    and piece.value.id in ("__name__", "__package__"):
                text += module
            else:
                return text
        return text
    return None


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module a dotted name lands in: itself, or its longest prefix that is a module."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        if ".".join(parts[:k]) in modules:
            return ".".join(parts[:k])
    return None


def imports_of(package_dir: Path) -> list[Import]:
    """Every import of a package module by a package module, as written in the code."""
    modules = modules_of(package_dir)
    package = package_dir.name
    found: list[Import] = []
    for module, file in modules.items():
        tree = ast.parse(file.read_text(), filename=str(file))
        here = module if file.name == "__init__.py" else module.rpartition(".")[0]
        dynamic: list[int] = []  # lines of import_module calls with arguments unknown until run time

        def add(target: str | None, name: str | None, line: int, when: str) -> None:
            if target is not None and target != module:
                found.append(Import(module, target, name, line, when))

        def visit(node: ast.AST, when: str) -> None:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == package:
                        add(_resolve(alias.name, modules), None, node.lineno, when)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base_parts = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(base_parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                if base.split(".")[0] != package:
                    return
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    target = full if full in modules else _resolve(base, modules)
                    add(target, None if full in modules else alias.name, node.lineno, when)
            elif isinstance(node, ast.Call) and node.args and (
                    (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                    or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__"))):
                prefix = _string_prefix(node.args[0], module)
                if prefix is None or prefix in ("", f"{package}."):  # known only at run time
                    dynamic.append(node.lineno)
                elif prefix.split(".")[0] == package:  # a module, or (``x.``) one inside package x
                    add(_resolve(prefix.rstrip("."), modules), None, node.lineno, when)
            # where the children run
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                for child in node.body:
                    visit(child, "type")
                for child in node.orelse:
                    visit(child, when)
                return
            inner = "call" if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) \
                else when
            for child in ast.iter_child_nodes(node):
                visit(child, inner)

        visit(tree, "load")
        if dynamic:  # the argument is only known at run time: any module the file names may be meant
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                        and re.fullmatch(rf"{package}(\.\w+)+", node.value):
                    add(_resolve(node.value, modules), None, dynamic[0], "call")
    return found


# ---------------------------------------------------------------- the checks
def layer_violations(package_dir: Path, rule: Rule) -> list[str]:
    """Imports that run up the table, and modules no row of the table names."""
    out = [f"{m.replace('.', '/')}: in no row of the Design page's table"
           for m in modules_of(package_dir) if rule.part_of(m) is None]
    for imp in imports_of(package_dir):
        src, dst = rule.part_of(imp.source), rule.part_of(imp.target)
        if src is not None and dst is not None and dst not in rule.allowed[src]:
            kind = {"load": "", "call": " (inside a function)", "type": " (for type checking)"}[imp.when]
            out.append(f"{imp.where}: {src} imports {imp.target} ({dst}){kind}, "
                       f"which {src} may not import")
    return out


def private_imports(package_dir: Path) -> list[str]:
    """``from x import _y`` across modules."""
    return [f"{imp.where}: imports the private name {imp.name} of {imp.target}"
            for imp in imports_of(package_dir)
            if imp.name and imp.name.startswith("_") and not imp.name.startswith("__")]


def load_cycles(package_dir: Path) -> list[list[str]]:
    """Cycles among the imports that run when modules are loaded."""
    graph = nx.DiGraph()
    graph.add_edges_from((i.source, i.target) for i in imports_of(package_dir) if i.when == "load")
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)


# ---------------------------------------------------------------- tnrank itself
@pytest.fixture(scope="module")
def rule() -> Rule:
    return read_rule(DESIGN.read_text())


def test_every_import_goes_down_the_design_pages_table(rule):
    assert layer_violations(ROOT / "tnrank", rule) == []


def test_no_module_imports_another_modules_private_names():
    assert private_imports(ROOT / "tnrank") == []


def test_modules_import_each_other_without_cycles():
    assert load_cycles(ROOT / "tnrank") == []


def test_the_table_names_every_folder_of_the_package(rule):
    folders = {p.name for p in (ROOT / "tnrank").iterdir() if p.is_dir() and any(p.rglob("*.py"))}
    assert folders == set(rule.folders)
    assert rule.allowed["cli"] == frozenset(rule.allowed)  # the command line may use everything


# ---------------------------------------------------------------- the checker on planted trees
TABLE = """\
# Design

| part | its one job | may import |
|---|---|---|
| foundation: `errors.py` | errors | foundation |
| `low/` | the bottom stage | foundation |
| `mid/` | the middle | low |
| `top/` | the top | the above |
| `__init__.py` | the public API | everything |
"""


def plant(tmp_path: Path, files: dict[str, str]) -> Path:
    package = tmp_path / "tnrank"
    base = {"__init__.py": "", "errors.py": "", "low/__init__.py": "", "low/a.py": "",
            "mid/__init__.py": "", "mid/b.py": "from tnrank.low import a\n", "top/__init__.py": "",
            "top/c.py": "from tnrank.mid import b\nfrom tnrank.errors import *\n"}
    for name, text in {**base, **files}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    return package


def test_the_rule_is_read_from_the_table():
    rule = read_rule(TABLE)
    assert rule.allowed["mid"] == {"mid", "low", "foundation"}  # low may import the foundation
    assert rule.allowed["top"] == {"top", "mid", "low", "foundation"}
    assert rule.allowed["__init__"] == set(rule.allowed)
    assert rule.part_of("tnrank") == "__init__" and rule.part_of("tnrank.low.a") == "low"
    assert rule.part_of("tnrank.errors") == "foundation" and rule.part_of("tnrank.other.x") is None
    with pytest.raises(AssertionError, match="'middle' of top is no part"):
        read_rule(TABLE.replace("| the top | the above |", "| the top | middle |"))


def test_a_clean_tree_passes(tmp_path):
    package = plant(tmp_path, {})
    rule = read_rule(TABLE)
    assert layer_violations(package, rule) == private_imports(package) == load_cycles(package) == []


@pytest.mark.parametrize(
    "files, expected",
    [
        ({"low/a.py": "from tnrank.mid import b\n"}, "low/a line 1: low imports tnrank.mid.b (mid)"),
        ({"low/a.py": "def f():\n    from ..top import c\n"},
         "low imports tnrank.top.c (top) (inside a function)"),
        ({"low/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import tnrank.mid.b\n"},
         "low imports tnrank.mid.b (mid) (for type checking)"),
        ({"low/a.py": "import importlib\ndef f():\n    return importlib.import_module('tnrank.top.c')\n"},
         "low/a line 3: low imports tnrank.top.c (top) (inside a function)"),
        ({"low/a.py": "import importlib\nNAMES = {'x': 'tnrank.mid.b.thing'}\n"
                      "def f(k):\n    return importlib.import_module(NAMES[k].rpartition('.')[0])\n"},
         "low imports tnrank.mid.b (mid)"),
        ({"mid/b.py": "import tnrank\n"}, "mid imports tnrank (__init__)"),
        ({"stray.py": ""}, "tnrank/stray: in no row"),
        ({"new/__init__.py": ""}, "tnrank/new: in no row"),
    ],
)
def test_a_planted_import_up_the_table_is_found(tmp_path, files, expected):
    found = layer_violations(plant(tmp_path, files), read_rule(TABLE))
    assert len(found) == 1 and expected in found[0], found


def test_own_package_string_imports_are_not_violations(tmp_path):
    lazy = "import importlib\ndef get(n):\n    return importlib.import_module(f'{__name__}.{n}')\n"
    package = plant(tmp_path, {"top/__init__.py": lazy})
    assert layer_violations(package, read_rule(TABLE)) == []


def test_a_planted_private_import_is_found(tmp_path):
    package = plant(tmp_path, {"low/a.py": "def _helper():\n    pass\n",
                               "mid/b.py": "from tnrank.low.a import _helper\n"})
    assert private_imports(package) == [
        "tnrank/mid/b line 1: imports the private name _helper of tnrank.low.a"]


def test_a_planted_cycle_is_found_and_lazy_imports_break_none(tmp_path):
    package = plant(tmp_path, {"low/a.py": "from tnrank.low import d\n", "low/d.py": "import tnrank.low.a\n"})
    assert load_cycles(package) == [["tnrank.low.a", "tnrank.low.d"]]
    lazy = plant(tmp_path / "lazy", {"low/a.py": "from tnrank.low import d\n",
                                     "low/d.py": "def f():\n    import tnrank.low.a\n"})
    assert load_cycles(lazy) == []
