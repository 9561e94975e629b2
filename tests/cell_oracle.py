"""An independent reading of polynomial cells, for tests.

It walks Python's own ``ast`` of each formula with numpy object arrays whose entries are
Python numbers or python-flint polynomials, and reads ``@``, ``*``, ``+``, ``-`` and ``**``
with numpy's own meaning (which is the cell language's: ``W @ v``, ``v @ W``, ``S @ v``,
``v @ S`` and the dot product are all numpy's ``@``). It shares nothing with tnrank's parser,
compiler or engine: only the weights are read from a tnrank ``Weights`` object.
"""

from __future__ import annotations

import ast

import numpy as np


def dense(weights, k, name, scale=None):
    """The full array of weight ``name`` of cell layer ``k`` (ties followed), each parameter
    times ``scale`` when given."""
    cell = weights.architecture.layers[k].cell
    spec = cell.weights[name]
    while spec.tied:
        name = spec.tied
        spec = cell.weights[name]
    arrays = weights.cell(k).weights[name]
    obj = [np.asarray(a).astype(object) for a in arrays]
    if scale is not None:
        obj = [_times(a, scale) for a in obj]
    if spec.structure == "diagonal":
        return np.diag(obj[0])
    if spec.structure == "identity":
        n = spec.shape[0] if isinstance(spec.shape[0], int) else None
        if n is None:
            n = _dim(weights, k, spec.shape[0])
        return np.eye(n, dtype=int).astype(object)
    if spec.structure == "low rank":
        return obj[0] @ obj[1]
    return obj[0]


def _dim(weights, k, d):
    arch = weights.architecture
    if d == "x":
        return sum(arch.source_dims(k))
    return arch.layers[k].cell.state[d].shape[0]


class Batch:
    """Many values of one scalar at once: an object array of Python ints, combined entry by
    entry. numpy sees it as one opaque scalar, so a cell's vectors of Batch entries follow the
    cell language's shapes while a whole sample matrix is evaluated in one pass."""

    __slots__ = ("v",)

    def __init__(self, values):
        self.v = values

    @staticmethod
    def _of(other):
        return other.v if isinstance(other, Batch) else other

    def __add__(self, other):
        return Batch(self.v + self._of(other))

    __radd__ = __add__

    def __sub__(self, other):
        return Batch(self.v - self._of(other))

    def __rsub__(self, other):
        return Batch(self._of(other) - self.v)

    def __mul__(self, other):
        return Batch(self.v * self._of(other))

    __rmul__ = __mul__

    def __neg__(self):
        return Batch(-self.v)

    def __pow__(self, k):
        return Batch(self.v ** k)

    def __mod__(self, p):
        return Batch(self.v % p)


def _obj(value):
    """``value`` as an object array, entry by entry (flint polynomials are iterable, so numpy
    would otherwise unpack them)."""
    if isinstance(value, np.ndarray):
        return value
    out = np.empty((), dtype=object)
    out[()] = value
    return out


def _filled(shape, entry):
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = entry(*idx)
    return out


def _times(array, scale):
    """Every entry times ``scale`` (entry by entry: numpy would unpack a flint polynomial)."""
    return _filled(array.shape, lambda *i: array[i] * scale)


def _to_py(a, prime):
    arr = np.asarray(a)
    if prime is None:
        return arr.astype(float).astype(object)
    return np.vectorize(lambda v: int(v) % prime, otypes=[object])(arr) if arr.ndim else \
        np.array(int(arr) % prime, dtype=object)


class CellOracle:
    """Evaluate an architecture whose layers are all cells, one sequence at a time.

    ``inputs`` may hold Python ints (mod ``prime``), floats (``prime=None``) or flint
    polynomials; weights are read as Python ints mod ``prime`` or floats.
    """

    def __init__(self, weights, prime=None, weight_scale=None):
        self.w = weights
        self.scale = weight_scale
        self.arch = weights.architecture
        self.prime = prime
        self.trees = []
        for layer in self.arch.layers:
            cell = layer.cell
            assert cell is not None, "the oracle reads cell layers only"
            parse = lambda text: ast.parse(text, mode="eval").body
            self.trees.append({
                "terms": {n: parse(t) for n, t in cell.terms.items()},
                "update": {n: parse(t) for n, t in cell.update.items()},
                "output": parse(cell.output_expression),
            })

    def _scaled(self, array):
        return array if self.scale is None else _times(array, self.scale)

    def _reduce(self, value):
        if self.prime is None:
            return value
        if isinstance(value, np.ndarray):
            return np.vectorize(self._reduce_one, otypes=[object])(value) if value.ndim else \
                _obj(self._reduce_one(value[()]))
        return self._reduce_one(value)

    def _reduce_one(self, v):
        return v % self.prime if isinstance(v, (int, Batch)) else v

    def initial(self, k):
        cell = self.arch.layers[k].cell
        out = {}
        for name, st in cell.state.items():
            if st.initial == "zeros":
                out[name] = np.zeros(st.shape, dtype=int).astype(object)
            elif st.initial == "ones":
                out[name] = np.ones(st.shape, dtype=int).astype(object)
            else:
                out[name] = self._scaled(_to_py(self.w.cell(k).initial[name], self.prime))
        return out

    def run(self, sequence):
        """y for one sequence (a list of input vectors)."""
        L = self.arch.depth
        states = [self.initial(k) for k in range(L)]
        outputs = [None] * L
        for entries in sequence:
            v = np.empty(len(entries), dtype=object)
            for i, c in enumerate(entries):  # elementwise: flint polynomials are iterable
                v[i] = int(c) if isinstance(c, np.integer) else (
                    float(c) if isinstance(c, np.floating) else c)
            new_states, new_out = [None] * L, [None] * L
            for k in self.arch.order:  # sources and read states first
                layer = self.arch.layers[k]
                x = np.concatenate([v if s == "input" else new_out[self.arch.index(s)]
                                    for s in layer.sources])
                new_states[k], new_out[k] = self._step(k, states[k], x, new_states)
            states, outputs = new_states, new_out
        y = 0
        for name, w in zip(self.arch.output, self.w.output, strict=True):
            y = y + (self._scaled(_to_py(w, self.prime)) * outputs[self.arch.index(name)]).sum()
        return self._reduce(y)

    def _step(self, k, prev, x, new_states):
        trees = self.trees[k]
        terms = {}

        def value(node, states):
            if isinstance(node, ast.Name):
                name = node.id
                if name == "x":
                    return x
                if name in states:
                    return states[name]
                if name in trees["terms"]:
                    if name not in terms:
                        terms[name] = self._reduce(value(trees["terms"][name], prev))
                    return terms[name]
                return dense(self.w, k, name, self.scale) if self.scale is not None else \
                    _to_py(dense(self.w, k, name), self.prime)
            if isinstance(node, ast.Attribute):
                j = self.arch.index(node.value.id)
                return new_states[j][node.attr]
            if isinstance(node, ast.Constant):
                return node.value
            if isinstance(node, ast.UnaryOp):
                return -value(node.operand, states)
            if isinstance(node, ast.BinOp):
                a, b = value(node.left, states), value(node.right, states)
                op = type(node.op)
                if op is ast.Add:
                    return a + b
                if op is ast.Sub:
                    return a - b
                if op is ast.Mult:
                    return a * b
                if op is ast.MatMult:
                    return _obj(_obj(a) @ _obj(b))
                if op is ast.Pow:
                    return a ** b
            if isinstance(node, ast.Call):
                f = node.func.id
                args = [value(a, states) for a in node.args]
                if f == "outer":
                    return _filled((len(args[0]), len(args[1])), lambda i, j: args[0][i] * args[1][j])
                if f == "rows":
                    return args[0][:, None] * args[1]
                if f == "cols":
                    return args[0][None, :] * args[1]
                if f == "bilinear":
                    T, a, b = args
                    return _filled(T.shape[:1], lambda i: sum(T[i, j, l] * a[j] * b[l]
                                                              for j in range(T.shape[1])
                                                              for l in range(T.shape[2])))
            raise AssertionError(f"oracle cannot read {ast.dump(node)}")

        updated = {n: self._reduce(_obj(value(t, prev))) for n, t in trees["update"].items()}
        out = self._reduce(_obj(value(trees["output"], updated)))
        if out.ndim == 0:
            out = out.reshape(1)
        return updated, out


def coefficient_rank(weights, T, prime, samples, seed=0):
    """Start-End separation rank of ``y`` for these weights over GF(prime), from its expansion:
    for each of ``samples`` random start halves ``s_i``, ``y(s_i, ·)`` is expanded as a
    polynomial in the end-side input entries (python-flint's nmod_mpoly), and the rank of the
    matrix of its coefficients (one row per ``s_i``, one column per end monomial; nmod_mat) is
    returned. It is at most the separation rank, and equals it for generic ``s_i`` once
    ``samples`` exceeds it."""
    import flint

    M = weights.architecture.M
    n_start, n_end = T // 2, T - T // 2
    names = [f"x{t}_{m}" for t in range(n_start, T) for m in range(M)]
    ctx = flint.nmod_mpoly_ctx.get(tuple(names), modulus=prime)
    gens = ctx.gens()
    end = [[gens[t * M + m] for m in range(M)] for t in range(n_end)]
    rng = np.random.default_rng([seed, 29])
    oracle = CellOracle(weights, prime)
    rows, columns = [], {}
    for _ in range(samples):
        start = [[int(v) for v in rng.integers(0, prime, size=M)] for _ in range(n_start)]
        y = oracle.run(start + end)
        row = {}
        if isinstance(y, int):
            row[(0,) * len(names)] = y % prime
        else:
            for exps, c in zip(y.monoms(), y.coeffs(), strict=True):
                row[exps] = int(c)
        for exps in row:
            columns.setdefault(exps, len(columns))
        rows.append(row)
    if not columns:
        return 0
    mat = [[0] * len(columns) for _ in rows]
    for i, row in enumerate(rows):
        for exps, c in row.items():
            mat[i][columns[exps]] = c
    return flint.nmod_mat(mat, prime).rank()


def sample_rank(weights, T, prime, samples, seed=0):
    """Start-End separation rank read off ``[y(s_i, e_j)]`` over ``samples`` random start and
    end halves, every entry evaluated by :class:`CellOracle` (all pairs at once, as
    :class:`Batch` scalars), rank mod ``prime`` by python-flint's nmod_mat. It equals
    ``min(samples, sep)`` for generic samples."""
    import flint

    M = weights.architecture.M
    n_start = T // 2
    rng = np.random.default_rng([seed, 31])
    starts = rng.integers(0, prime, size=(samples, n_start, M))
    ends = rng.integers(0, prime, size=(samples, T - n_start, M))
    seq = []
    for t in range(T):
        if t < n_start:
            column = lambda m, t=t: np.repeat(starts[:, t, m].astype(object), samples)
        else:
            column = lambda m, t=t: np.tile(ends[:, t - n_start, m].astype(object), samples)
        seq.append([Batch(column(m)) for m in range(M)])
    y = CellOracle(weights, prime).run(seq)
    values = y.v if isinstance(y, Batch) else np.full(samples * samples, y, dtype=object)
    matrix = [[int(v) for v in values[i * samples:(i + 1) * samples]] for i in range(samples)]
    return flint.nmod_mat(matrix, prime).rank()


__all__ = ["CellOracle", "Batch", "coefficient_rank", "sample_rank", "dense"]
