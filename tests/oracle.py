"""Independent reference implementations used as test oracles.

Everything here is written as plainly as possible — Python loops over
sequences, lists of numbers, textbook Gaussian elimination — and shares no
code with the package's batched engine.
"""

from __future__ import annotations

import itertools

import numpy as np


def naive_output(weights, sequence, prime=None):
    """y for one sequence of representation vectors, by the recurrence, with Python numbers."""
    arch = weights.architecture

    def reduce(x):
        return x % prime if prime is not None else x

    def to_py(a):
        return [[int(v) if prime is not None else float(v) for v in row] for row in np.atleast_2d(a)]

    names = [layer.name for layer in arch.layers]
    W_in = [to_py(w) for w in weights.input]
    W_h = [to_py(w) for w in weights.hidden]
    merges = [None if m is None else to_py(m) for m in weights.merge]
    inits = [None if h is None else to_py(h)[0] for h in weights.initial]
    prev = {name: None for name in names}
    for v in sequence:
        v = [int(c) if prime is not None else float(c) for c in v]
        cur = {}
        pending = list(range(arch.depth))
        while pending:  # resolve layers whose sources are ready, in any valid order
            for k in list(pending):
                layer = arch.layers[k]
                if any(s != "input" and s not in cur for s in layer.sources):
                    continue
                x = []
                for s in layer.sources:
                    x += v if s == "input" else cur[s]
                R = layer.width
                a = [reduce(sum(W_in[k][r][j] * x[j] for j in range(len(x)))) for r in range(R)]
                if prev[layer.name] is None:
                    if arch.initial == "ones":
                        b = [1] * R
                    elif arch.initial == "zeros":
                        b = [0] * R
                    else:
                        h0 = inits[k]
                        b = [reduce(sum(W_h[k][r][j] * h0[j] for j in range(R))) for r in range(R)]
                else:
                    hp = prev[layer.name]
                    b = [reduce(sum(W_h[k][r][j] * hp[j] for j in range(R))) for r in range(R)]
                if layer.integration == "multiplicative":
                    h = [reduce(a[r] * b[r]) for r in range(R)]
                elif layer.integration == "additive":
                    h = [reduce(a[r] + b[r]) for r in range(R)]
                else:
                    al, b1, b2, bias = merges[k]
                    h = [reduce(al[r] * a[r] * b[r] + b1[r] * a[r] + b2[r] * b[r] + bias[r])
                         for r in range(R)]
                cur[layer.name] = h
                pending.remove(k)
        prev = cur
    y = 0
    for name, w in zip(arch.output, weights.output, strict=True):
        wl = [int(c) if prime is not None else float(c) for c in w]
        y += sum(wl[r] * prev[name][r] for r in range(len(wl)))
    return reduce(y)


def naive_grid(weights, T, templates, prime=None):
    """The grid tensor by evaluating every template sequence one at a time."""
    n = templates.shape[1]
    out = np.empty((n,) * T, dtype=object)
    for idx in itertools.product(range(n), repeat=T):
        out[idx] = naive_output(weights, [templates[:, d] for d in idx], prime)
    return out


def rank_mod_p_naive(matrix, p):
    """Rank over GF(p) by textbook Gaussian elimination on Python integers."""
    rows = [[int(x) % p for x in row] for row in np.asarray(matrix, dtype=object)]
    rank, ncols = 0, len(rows[0]) if rows else 0
    for col in range(ncols):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        inv = pow(rows[rank][col], p - 2, p)
        rows[rank] = [x * inv % p for x in rows[rank]]
        for i in range(len(rows)):
            if i != rank and rows[i][col]:
                f = rows[i][col]
                rows[i] = [(x - f * y) % p for x, y in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def monomial_count(M, d):
    """Number of monomials of degree exactly d in M variables (stars and bars, by enumeration)."""
    return sum(1 for c in itertools.product(range(d + 1), repeat=M) if sum(c) == d)


def naive_sample_rank(weights, T, K, prime, seed=0):
    """Start-End separation rank from K random start halves and K random end halves: the rank
    of [y(s_i, e_j)] mod ``prime``, each entry by :func:`naive_output`. It equals min(K, sep)
    for generic samples, and never exceeds sep."""
    M = weights.architecture.M
    rng = np.random.default_rng([seed, 17])
    starts = rng.integers(0, prime, size=(K, T // 2, M))
    ends = rng.integers(0, prime, size=(K, T - T // 2, M))
    Y = [[naive_output(weights, [*s, *e], prime) for e in ends] for s in starts]
    return rank_mod_p_naive(Y, prime)


def _gauss(z):
    """A complex number with integer parts as a pair of Python ints."""
    return int(round(z.real)), int(round(z.imag))


def naive_output_gaussian(weights, sequence, q):
    """y over GF(q²) (Gaussian integers mod q, i² = -1) for one sequence, with pairs of Python
    ints; for multiplicative or additive layers under the ``ones`` initial convention."""
    arch = weights.architecture
    assert arch.initial == "ones"

    def add(x, y):
        return (x[0] + y[0]) % q, (x[1] + y[1]) % q

    def mul(x, y):
        return (x[0] * y[0] - x[1] * y[1]) % q, (x[0] * y[1] + x[1] * y[0]) % q

    def matvec(W, x):
        out = []
        for row in W:
            acc = (0, 0)
            for w, xj in zip(row, x, strict=True):
                acc = add(acc, mul(_gauss(w), xj))
            out.append(acc)
        return out

    prev = {layer.name: None for layer in arch.layers}
    for v in sequence:
        v = [_gauss(complex(c)) for c in v]
        cur = {}
        for k in arch.order:
            layer = arch.layers[k]
            x = []
            for s in layer.sources:
                x += v if s == "input" else cur[s]
            a = matvec(weights.input[k], x)
            hp = prev[layer.name]
            b = [(1, 0)] * layer.width if hp is None else matvec(weights.hidden[k], hp)
            combine = mul if layer.integration == "multiplicative" else add
            cur[layer.name] = [combine(ar, br) for ar, br in zip(a, b, strict=True)]
        prev = cur
    y = (0, 0)
    for name, w in zip(arch.output, weights.output, strict=True):
        for wr, hr in zip(w, prev[name], strict=True):
            y = add(y, mul(_gauss(wr), hr))
    return y


def rank_gaussian_regular(matrix, q):
    """Rank over GF(q²) of a Gaussian integer matrix A + iB, read off its regular representation:
    the GF(q)-matrix [[A, -B], [B, A]] of multiplication by A + iB on GF(q)^{2n} has GF(q)-rank
    twice the GF(q²)-rank (python-flint's nmod_mat, textbook elimination for tiny primes)."""
    M = np.asarray(matrix)
    A = np.mod(np.rint(M.real).astype(np.int64), q)
    B = np.mod(np.rint(M.imag).astype(np.int64), q)
    big = np.block([[A, np.mod(-B, q)], [B, A]])
    if 0 in big.shape:
        return 0
    import flint

    rank = flint.nmod_mat(big.tolist(), q).rank()
    assert rank % 2 == 0
    return rank // 2
