"""The expressions of a polynomial cell: parsed, never executed.

A cell's terms, updates and output are short formulas such as ``(A @ x) * h + (B @ x)``.
They are read with Python's own parser in expression mode (``ast.parse(text,
mode="eval")``) and the tree is then checked against a whitelist: names, whole-number
constants, the operators ``+ - * @ **`` and calls of the functions in :data:`FUNCTIONS`.
Every other construct (division, comparisons, indexing, keyword arguments, lambdas, ...) is
refused with a message that names it; functions that are not polynomials (``exp``,
``softmax``, ``sigmoid``, ...) are refused with a pointer to the polynomial simplification
tnrank certifies. Nothing is ever evaluated: the checked tree becomes a small tree of
:class:`Expr` nodes that the rest of tnrank reads.

Python's ``ast`` module does the tokenising and operator precedence; writing a parser for
the same grammar by hand would add code without adding safety, because the whitelist, not
the parser, is what keeps a file from doing anything but describe a polynomial.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from tnrank.formatting import did_you_mean

__all__ = ["Expr", "parse_expression", "FUNCTIONS", "NOT_POLYNOMIAL", "MAX_EXPRESSION_CHARS",
           "MAX_POWER", "expression_names"]

#: Functions of the cell language and what each computes.
FUNCTIONS = {
    "outer": "outer(a, b): the matrix a bᵀ of two vectors",
    "rows": "rows(g, S): row i of the matrix S times g_i (gating of a matrix state's rows)",
    "cols": "cols(g, S): column j of the matrix S times g_j",
    "bilinear": "bilinear(T, a, b): the vector T(a, b)_i = Σ_jk T_ijk a_j b_k of a 3-way weight T",
}
#: Number of arguments of each function.
ARITY = {"outer": 2, "rows": 2, "cols": 2, "bilinear": 3}
#: Common operations that are not polynomials: refused with a pointer to a polynomial form.
NOT_POLYNOMIAL = ("exp", "log", "softmax", "sigmoid", "tanh", "sqrt", "relu", "silu", "gelu",
                  "softplus", "swish", "elu", "erf", "max", "min", "abs", "norm", "layernorm",
                  "rmsnorm", "normalize", "sin", "cos", "sign", "clip", "where", "logsumexp")
#: Longest expression accepted (characters).
MAX_EXPRESSION_CHARS = 2000
#: Largest exponent of ``**``.
MAX_POWER = 16
#: Deepest expression tree accepted.
MAX_DEPTH = 60

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.MatMult: "@", ast.Pow: "**"}
_REFUSED_OPERATORS = {
    ast.Div: "division ('/') is not a polynomial operation",
    ast.FloorDiv: "floor division ('//') is not a polynomial operation",
    ast.Mod: "the remainder ('%') is not a polynomial operation",
    ast.LShift: "bit shifts are not part of the cell language",
    ast.RShift: "bit shifts are not part of the cell language",
    ast.BitOr: "'|' is not part of the cell language",
    ast.BitAnd: "'&' is not part of the cell language",
    ast.BitXor: "'^' is not part of the cell language; write powers as '**'",
}
_POLYNOMIAL_HINT = ("tnrank certifies polynomial cells: replace it by a polynomial, e.g. a gate "
                    "linear in x as the paper does for the RAC")


@dataclass(frozen=True)
class Expr:
    """One node of a parsed expression.

    Attributes
    ----------
    kind : str
        ``"name"`` (a name: ``text`` holds it), ``"ref"`` (another layer's state,
        ``layer.state``: ``text`` holds ``"layer.state"``), ``"const"`` (a whole number,
        ``value``), ``"neg"`` (one argument), ``"+"``, ``"-"``, ``"*"``, ``"@"`` (two
        arguments), ``"**"`` (one argument, exponent ``value``), or ``"call"`` (``text`` the
        function, ``args`` its arguments).
    args : tuple of Expr
    text : str
    value : int
    source : str
        The node's own text, for messages.
    """

    kind: str
    args: tuple[Expr, ...] = ()
    text: str = ""
    value: int = 0
    source: str = ""


def parse_expression(text: object, where: str) -> tuple[Expr | None, list[str]]:
    """Parse one expression of a cell and check it against the whitelist.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"(A @ x) * h + (B @ x) * (U @ x)"``.
    where : str
        How messages name the expression (``"update h"``).

    Returns
    -------
    (Expr or None, list of str)
        The tree (None when the text cannot be read at all) and every problem found.

    Examples
    --------
    >>> tree, problems = parse_expression("(A @ x) * h", "update h")
    >>> tree.kind, [a.kind for a in tree.args], problems
    ('*', ['@', 'name'], [])
    >>> for problem in parse_expression("exp(A @ x) * h / 2", "update h")[1]:
    ...     print(problem[:70])
    update h: `exp(A @ x) * h / 2`: division ('/') is not a polynomial ope
    update h: `exp(A @ x)`: exp is not a polynomial; tnrank certifies poly
    """
    if not isinstance(text, str):
        return None, [f"{where} must be an expression in double quotes, such as \"(A @ x) * h\", "
                      f"got {text!r}"]
    if not text.strip():
        return None, [f"{where} is empty; write an expression such as \"(A @ x) * h\""]
    if len(text) > MAX_EXPRESSION_CHARS:
        return None, [f"{where} has {len(text):,} characters; an expression has at most "
                      f"{MAX_EXPRESSION_CHARS:,} (use named terms for parts of it)"]
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        col = f" at character {exc.offset}" if exc.offset else ""
        return None, [f"{where}: `{text.strip()}` is not a valid expression{col} ({exc.msg})"]
    except (RecursionError, MemoryError, ValueError):
        return None, [f"{where}: `{text.strip()[:60]}...` is nested too deeply"]
    reader = _Reader(text.strip(), where)
    expr = reader.read(tree.body, 0)
    return (expr if not reader.problems else None), reader.problems


class _Reader:
    """Turns a checked ``ast`` tree into :class:`Expr` nodes, collecting problems."""

    def __init__(self, text: str, where: str) -> None:
        self.text = text
        self.where = where
        self.problems: list[str] = []

    def source(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ast.unparse(node)

    def fail(self, node: ast.AST, message: str) -> None:
        self.problems.append(f"{self.where}: `{self.source(node)}`: {message}")

    def read(self, node: ast.AST, depth: int) -> Expr | None:
        if depth > MAX_DEPTH:
            self.fail(node, f"the expression is nested more than {MAX_DEPTH} levels deep")
            return None
        src = self.source(node)
        if isinstance(node, ast.Name):
            return Expr("name", text=node.id, source=src)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name):
                return Expr("ref", text=f"{node.value.id}.{node.attr}", source=src)
            self.fail(node, "only another layer's state can be named with a dot (layer.state)")
            return None
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int):
                self.fail(node, "constants must be whole numbers (weights carry any other scale; "
                                "a fraction is a division)")
                return None
            return Expr("const", value=node.value, source=src)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, (ast.USub, ast.UAdd)):
                arg = self.read(node.operand, depth + 1)
                if arg is None:
                    return None
                return arg if isinstance(node.op, ast.UAdd) else Expr("neg", (arg,), source=src)
            self.fail(node, "only '-' and '+' may stand before a value")
            return None
        if isinstance(node, ast.BinOp):
            return self.binary(node, depth, src)
        if isinstance(node, ast.Call):
            return self.call(node, depth, src)
        what = {ast.Compare: "comparisons are", ast.BoolOp: "'and'/'or' are",
                ast.Subscript: "indexing is", ast.IfExp: "conditional expressions are",
                ast.Lambda: "lambdas are", ast.Tuple: "tuples are", ast.List: "lists are"}
        kind = next((v for k, v in what.items() if isinstance(node, k)),
                    f"{type(node).__name__} nodes are")
        self.fail(node, f"{kind} not part of the cell language (names, whole numbers, "
                        "+ - * @ ** and the functions " + ", ".join(FUNCTIONS) + ")")
        return None

    def binary(self, node: ast.BinOp, depth: int, src: str) -> Expr | None:
        refused = _REFUSED_OPERATORS.get(type(node.op))
        if refused is not None:
            hint = f"; {_POLYNOMIAL_HINT}" if "polynomial" in refused else ""
            self.fail(node, refused + hint)
        op = _OPERATORS.get(type(node.op))
        if op == "**":
            base = self.read(node.left, depth + 1)
            exp = node.right
            if not (isinstance(exp, ast.Constant) and isinstance(exp.value, int)
                    and not isinstance(exp.value, bool) and 0 <= exp.value <= MAX_POWER):
                self.fail(node, f"the exponent of '**' must be a whole number from 0 to {MAX_POWER}")
                return None
            return None if base is None else Expr("**", (base,), value=exp.value, source=src)
        left = self.read(node.left, depth + 1)
        right = self.read(node.right, depth + 1)
        if op is None or left is None or right is None:
            return None
        return Expr(op, (left, right), source=src)

    def call(self, node: ast.Call, depth: int, src: str) -> Expr | None:
        if not isinstance(node.func, ast.Name):
            self.fail(node, "only the functions " + ", ".join(FUNCTIONS) + " can be called")
            return None
        name = node.func.id
        if name.lower() in NOT_POLYNOMIAL:
            self.fail(node, f"{name} is not a polynomial; {_POLYNOMIAL_HINT}")
            return None
        if name not in FUNCTIONS:
            self.fail(node, f"unknown function {name!r}{did_you_mean(name, list(FUNCTIONS))} "
                            f"(functions: {', '.join(FUNCTIONS)})")
            return None
        if node.keywords:
            self.fail(node, f"{name} takes positional arguments only")
            return None
        if len(node.args) != ARITY[name]:
            self.fail(node, f"{name} takes {ARITY[name]} arguments, got {len(node.args)} "
                            f"({FUNCTIONS[name]})")
            return None
        if any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(node, "'*' unpacking is not part of the cell language")
            return None
        args = [self.read(a, depth + 1) for a in node.args]
        if any(a is None for a in args):
            return None
        return Expr("call", tuple(args), text=name, source=src)  # type: ignore[arg-type]


def expression_names(expr: Expr) -> list[Expr]:
    """Every ``name`` and ``ref`` node of ``expr``, left to right, function names excluded.

    >>> [e.text for e in expression_names(parse_expression("rows(g, S) + outer(k, v)", "t")[0])]
    ['g', 'S', 'k', 'v']
    """
    out: list[Expr] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if node.kind in ("name", "ref"):
            out.append(node)
        stack.extend(reversed(node.args))
    return out
