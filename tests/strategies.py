"""Hypothesis strategies for small random architectures and partitions."""

from __future__ import annotations

from hypothesis import strategies as st

from tnrank import Architecture, Layer, Partition


@st.composite
def architectures(draw, max_depth=3, max_width=3, max_M=3, standard=False):
    """Small architectures of every kind the core accepts (acyclic wiring)."""
    depth = draw(st.integers(1, max_depth))
    M = draw(st.integers(1, max_M))
    if standard:
        return Architecture.rac(depth, draw(st.integers(1, max_width)), M)
    initial = draw(st.sampled_from(["ones", "ones", "state", "zeros"]))
    layers = []
    for k in range(depth):
        width = draw(st.integers(1, max_width))
        choices = ["input"] + [f"l{j}" for j in range(k)]
        sources = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=2, unique=True))
        kinds = ["multiplicative", "additive", "general"]
        if initial == "zeros":
            kinds = ["additive", "general"]
        integration = draw(st.sampled_from(kinds))
        layers.append(Layer(width, tuple(sources), integration, f"l{k}"))
    names = [layer.name for layer in layers]
    output = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
    return Architecture(M=M, layers=layers, output=output, initial=initial)


@st.composite
def partitions(draw, T):
    """A random bipartition of 0..T-1 with both sides non-empty."""
    start = draw(st.lists(st.integers(0, T - 1), min_size=1, max_size=T - 1, unique=True))
    return Partition(T, tuple(start))


class _CellWriter:
    """Random formulas of the cell language, each weight declared where it is first used."""

    def __init__(self, draw, M: int, n: int, matrix: tuple[int, int] | None, refs: dict[str, int],
                 term: bool) -> None:
        self.draw, self.M, self.n, self.matrix, self.refs = draw, M, n, matrix, refs
        self.weights: dict = {}
        self.uses: dict[str, str] = {}
        self.term = term

    def weight(self, spec, use: str = "apply") -> str:
        """A weight of shape and structure ``spec``: new, or one already used the same way
        (``use``: applied, transposed, bilinear or as a value), or tied to one."""
        from tnrank.model.cell import CellWeight

        same = [name for name, w in self.weights.items() if w == spec and self.uses[name] == use]
        if same and self.draw(st.booleans()):  # a second use of an existing weight, or a tie
            if self.draw(st.booleans()):
                return same[0]
            name = f"W{len(self.weights)}"
            self.weights[name] = CellWeight.tied_to(same[0])
            self.uses[name] = use
            return name
        name = f"W{len(self.weights)}"
        self.weights[name] = spec
        self.uses[name] = use
        return name

    def sizes(self) -> list[int]:
        return sorted({self.n, self.M, *(self.matrix or ())})

    def vector(self, m: int, depth: int) -> str:
        from tnrank.model.cell import CellWeight

        draw = self.draw
        leaves = [lambda: f"{self.weight(CellWeight((m, self.M)))} @ x",
                  lambda: f"{self.weight(CellWeight((m, self.n)))} @ h",
                  lambda: f"{self.draw(st.integers(2, 3))} * {self.weight(CellWeight((m,)), 'value')}"]
        if m == self.n:
            leaves += [lambda: "h"] * 2 + ([lambda: "m"] if self.term else [])
        if m == self.M:
            leaves.append(lambda: "x")
        leaves += [(lambda r=r: r) for r, size in self.refs.items() if size == m] * 3
        if depth <= 0:
            return draw(st.sampled_from(leaves))()
        k = draw(st.integers(2, 3))
        other = draw(st.sampled_from(self.sizes()))

        def sub(size: int = m) -> str:
            return self.vector(size, depth - 1)

        forms = [
            lambda: f"({sub()}) * ({sub()})",
            lambda: f"({sub()}) + ({sub()})",
            lambda: f"({sub()}) - ({sub()})",
            lambda: f"-({sub()})",
            lambda: f"({sub()}) ** 2",
            lambda: f"{k} * ({sub()})",
            lambda: f"({sub()}) + {k}",
            lambda: f"{k} - ({sub()})",
            lambda: f"{self.weight(CellWeight.diagonal(m))} @ ({sub()})",
            lambda: f"{self.weight(CellWeight.identity(m))} @ ({sub()})",
            lambda: f"{self.weight(CellWeight.low_rank(m, other, 1))} @ ({sub(other)})",
            lambda: f"({sub(other)}) @ {self.weight(CellWeight((other, m)), 'transposed')}",
            lambda: f"bilinear({self.weight(CellWeight((m, self.n, other)), 'bilinear')}, {sub(self.n)}, "
                    f"{sub(other)})",
            lambda: f"(({sub(other)}) @ ({sub(other)})) * ({sub()})",
            lambda: f"{self.weight(CellWeight(()), 'value')} * ({sub()})",
        ]
        if self.matrix is not None:
            r, c = self.matrix
            if m == r:
                forms.append(lambda: f"({self.matrix_value(depth - 1)}) @ ({sub(c)})")
            if m == c:
                forms.append(lambda: f"({sub(r)}) @ ({self.matrix_value(depth - 1)})")
        return draw(st.sampled_from(forms + leaves))()

    def matrix_value(self, depth: int) -> str:
        from tnrank.model.cell import CellWeight

        r, c = self.matrix
        if depth <= 0:
            return "S"
        forms = [
            lambda: "S",
            lambda: f"outer({self.vector(r, depth - 1)}, {self.vector(c, depth - 1)})",
            lambda: f"rows({self.vector(r, depth - 1)}, {self.matrix_value(depth - 1)})",
            lambda: f"cols({self.vector(c, depth - 1)}, {self.matrix_value(depth - 1)})",
            lambda: f"({self.matrix_value(depth - 1)}) + ({self.matrix_value(depth - 1)})",
            lambda: f"({self.matrix_value(depth - 1)}) * ({self.matrix_value(depth - 1)})",
            lambda: f"{self.weight(CellWeight((r, r)))} @ ({self.matrix_value(depth - 1)})",
            lambda: f"{self.weight(CellWeight.diagonal(r))} @ ({self.matrix_value(depth - 1)})",
            lambda: f"{self.weight(CellWeight.low_rank(r, r, 1))} @ ({self.matrix_value(depth - 1)})",
        ]
        return self.draw(st.sampled_from(forms))()


@st.composite
def cells(draw, M: int = 2, refs: dict[str, int] | None = None, max_depth: int = 2):
    """A random polynomial cell over an input of ``M`` entries: a vector state ``h`` and
    perhaps a matrix state ``S`` and a term ``m``, formulas of every operation of the cell
    language and weights of every structure (tied ones too); ``refs`` are other layers'
    states (``"layer.h"`` -> size) its formulas may read."""
    from tnrank import Cell
    from tnrank.model.cell import CellState

    initials = st.sampled_from(["zeros", "ones", "state"])
    n = draw(st.integers(1, 3))
    matrix = (2, draw(st.integers(1, 3))) if draw(st.booleans()) else None
    term = draw(st.booleans())
    w = _CellWriter(draw, M, n, matrix, refs or {}, term=False)
    depth = st.integers(1, max_depth)
    terms = {"m": w.vector(n, draw(depth))} if term else {}
    w.term = term
    update = {"h": w.vector(n, draw(depth))}
    state = {"h": CellState((n,), draw(initials))}
    if matrix is not None:
        state["S"] = CellState(matrix, draw(initials))
        update["S"] = w.matrix_value(draw(depth))
    output = w.vector(draw(st.integers(1, 3)), draw(depth))
    if term and not any("m" in text.replace("(", " ").replace(")", " ").split()
                        for text in (*update.values(), output)):
        update["h"] = f"({update['h']}) * m"
    return Cell(state=state, update=update, weights=w.weights, terms=terms, output=output)


@st.composite
def cell_architectures(draw, max_depth: int = 2):
    """One or two random cell layers (the second reading the first through its sources, and
    perhaps its state); M from 1 to 2."""
    from tnrank import Architecture, Layer

    M = draw(st.integers(1, 2))
    first = draw(cells(M=M))
    layers = [Layer(cell=first, name="l0")]
    if draw(st.integers(1, max_depth)) == 2:
        sources = draw(st.sampled_from([("l0",), ("input", "l0")]))
        x_dim = sum(M if s == "input" else 0 for s in sources) + Architecture(M=M, layers=layers).widths[0]
        refs = {"l0.h": first.state["h"].shape[0]} if draw(st.booleans()) else {}
        layers.append(Layer(cell=draw(cells(M=x_dim, refs=refs)), name="l1", sources=sources))
    return Architecture(M=M, layers=layers)
