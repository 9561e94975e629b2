"""Certified ranks: exact modular lower bounds, closed-form upper bounds, and
one report per architecture, sequence length and partition.

Two quantities are certified:

* ``grid`` — rank of the grid-tensor matricization (one-hot templates) for
  generic weights;
* ``separation`` — separation rank of ``y`` as a polynomial in the
  representation vectors, read off ``K × K`` matrices ``[y(s_i, e_j)]`` over
  random start halves ``s_i`` and end halves ``e_j``.

Every ``lower`` is the rank of a matrix actually computed modulo a prime with
random integer weights: the rank mod ``p`` of an integer matrix is at most its
rational rank, and the rank for those weights is at most the rank for generic
real weights, so ``lower`` is proved. ``upper`` is the smallest closed-form
bound that applies (:mod:`tnrank.bounds`). When they meet, the rank is exact.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .architecture import Architecture
from .bounds import TheoremBound, theorem_applicability, theorem_bounds, total_degree, upper_bounds
from .errors import TnrankError
from .grid import MAX_GRID_ENTRIES, grid_matrix, grid_size, sample_matrix
from .partition import Partition
from .rank import MAX_FLOAT_SVD, FloatRank, float_rank, rank_mod_p
from .weights import PRIME, SECOND_PRIME, random_weights

__all__ = ["certify", "Report", "RankResult", "TheoremCheck", "GRID_MODES", "MAX_SAMPLES", "MAX_PARAMETERS"]

#: Ways to compute the grid rank — the full matricization, sampled rows and
#: columns, the full one when it fits (``auto``), or not at all (``skip``).
GRID_MODES = ("auto", "full", "sampled", "skip")
#: Default cap on the side ``K`` of sampled matrices.
MAX_SAMPLES = 8192
#: Largest number of weights, all layers together, that certify accepts; beyond it the
#: random weight arrays alone take hundreds of megabytes and the evaluations far more.
MAX_PARAMETERS = 2**22
_FIRST_K = 64
_BOUND_ORDER = ("min-cut", "state degree", "grid size", "input degree")

Progress = Callable[[str], None]


@dataclass
class RankResult:
    """Certified bounds on one rank.

    Attributes
    ----------
    quantity : str
        ``"grid"`` or ``"separation"``.
    lower : int
        Proved lower bound: an exact modular rank actually computed.
    upper : int
        Proved upper bound: the smallest closed-form bound that applies.
    upper_source : str
        Which bound gave ``upper`` (``"state degree"``, ``"grid size"``,
        ``"input degree"``, ``"min-cut"``).
    exact : bool
        ``lower == upper``.
    rank : int or None
        The rank when exact.
    status : str
        ``exact``: proved. ``generic-whp``: ``lower`` is the generic value
        with probability at least ``1 - failure_bound`` (the computed matrix
        was rank-deficient, so sampling had saturated). ``lower-bound``:
        only ``lower <= rank <= upper`` is known.
    lower_source : str
        The matrix that proved ``lower``.
    failure_bound : float or None
        Schwartz–Zippel bound on the probability that the generic value
        exceeds ``lower`` (for ``generic-whp``).
    bounds : dict
        Every upper bound that applies, by name.
    samples : int or None
        Side ``K`` of the final sampled matrix (None for the full grid).
    primes : tuple of int
        Moduli used (the second confirms when ``confirm=True``).
    confirmations : tuple of int
        Ranks found by the confirmation runs.
    float_estimate : FloatRank or None
        Float64 SVD rank of a same-shape matrix built with float weights.
    float_compared_to : int or None
        The exact rank it is compared with; ``float_agrees`` says whether
        they match.
    seconds : float
    notes : list of str
    """

    quantity: str
    lower: int
    upper: int
    upper_source: str
    status: str
    lower_source: str
    failure_bound: float | None = None
    bounds: dict[str, int] = field(default_factory=dict)
    samples: int | None = None
    primes: tuple[int, ...] = ()
    confirmations: tuple[int, ...] = ()
    float_estimate: FloatRank | None = None
    float_compared_to: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """True when the certified lower and upper bounds meet."""
        return self.lower == self.upper

    @property
    def rank(self) -> int | None:
        """The rank when it is proved exactly, else None."""
        return self.lower if self.exact else None

    @property
    def float_agrees(self) -> bool | None:
        """Whether the float estimate equals the exact rank of the same-shape matrix."""
        if self.float_estimate is None or self.float_compared_to is None:
            return None
        return self.float_estimate.rank == self.float_compared_to

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (keys ``lower``, ``upper``, ``upper_source``, ``exact``, ``rank``, ...)."""
        fl = None
        if self.float_estimate is not None:
            fl = {
                "rank": self.float_estimate.rank,
                "tol": self.float_estimate.tol,
                "sigma_max": self.float_estimate.sigma_max,
                "sigma_min": self.float_estimate.sigma_min,
                "compared_to": self.float_compared_to,
                "agrees": self.float_agrees,
            }
        return {
            "lower": self.lower,
            "upper": self.upper,
            "upper_source": self.upper_source,
            "exact": self.exact,
            "rank": self.rank,
            "status": self.status,
            "lower_source": self.lower_source,
            "failure_bound": self.failure_bound,
            "bounds": dict(self.bounds),
            "samples": self.samples,
            "primes": list(self.primes),
            "confirmations": list(self.confirmations),
            "float": fl,
            "seconds": round(self.seconds, 3),
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """One line: the value or the interval, and how it is known."""
        if self.exact:
            return f"{self.lower} (exact: {self.lower_source} = {self.upper_source} bound)"
        text = f"{self.lower} ≤ rank ≤ {self.upper} ({self.upper_source})"
        if self.status == "generic-whp":
            text += f"; = {self.lower} w.p. ≥ 1 - {self.failure_bound:.1e}"
        return text


@dataclass(frozen=True)
class TheoremCheck:
    """A paper bound compared with the certified separation rank."""

    bound: TheoremBound
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.bound.name,
            "kind": self.bound.kind,
            "value": self.bound.value,
            "statement": self.bound.statement,
            "citation": self.bound.citation,
            "verdict": self.verdict,
        }


@dataclass
class Report:
    """Certified grid and separation ranks of one architecture at one ``T`` and partition."""

    architecture: Architecture
    partition: Partition
    grid: RankResult | None
    separation: RankResult
    theorems: list[TheoremCheck]
    applicability: str | None
    seed: int
    prime: int
    seconds: float

    @property
    def T(self) -> int:
        """Sequence length."""
        return self.partition.T

    @property
    def verdict(self) -> str:
        """The worst theorem verdict (``violated`` > ``undecided`` > ``tight`` >
        ``holds``), or ``n/a`` when no theorem applies."""
        verdicts = {c.verdict for c in self.theorems}
        for v in ("violated", "undecided", "tight", "holds"):
            if v in verdicts:
                return v
        return "n/a"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form with top-level ``grid`` and ``separation``."""
        arch = self.architecture
        return {
            "architecture": {
                "name": arch.name,
                "description": arch.describe(),
                "depth": arch.depth,
                "widths": list(arch.widths),
                "M": arch.M,
                "parameters": arch.parameter_count(),
                "macs_per_step": arch.macs_per_step(),
            },
            "T": self.T,
            "partition": {"name": self.partition.name, "start": list(self.partition.start),
                          "end": list(self.partition.end)},
            "grid": None if self.grid is None else self.grid.to_dict(),
            "separation": self.separation.to_dict(),
            "theorems": [c.to_dict() for c in self.theorems],
            "theorems_note": self.applicability,
            "verdict": self.verdict,
            "seed": self.seed,
            "prime": self.prime,
            "seconds": round(self.seconds, 3),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as one JSON object."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def format(self) -> str:
        """A readable multi-line table."""
        from .report_format import format_report

        return format_report(self)

    def __str__(self) -> str:
        return self.format()

    def _repr_html_(self) -> str:
        """A small HTML table, shown by Jupyter."""
        from .report_format import format_report_html

        return format_report_html(self)


def _best(bounds: dict[str, int]) -> tuple[int, str]:
    ranked = sorted(bounds.items(), key=lambda kv: (kv[1], _BOUND_ORDER.index(kv[0])
                                                     if kv[0] in _BOUND_ORDER else 99))
    return ranked[0][1], ranked[0][0]


def _failure(r: int, degree: int, prime: int) -> float:
    """Schwartz–Zippel: an (r+1)-minor of degree ≤ (r+1)·degree vanishes w.p. ≤ that / p."""
    return min(1.0, (r + 1) * degree / prime)


def _ticker(say: Progress, label: str, every: float = 5.0) -> Callable[[int, int], None]:
    """Block progress as a line at most every ``every`` seconds (long matrices only)."""
    last = [time.perf_counter()]

    def tick(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= every and done < total:
            last[0] = now
            say(f"{label}: {100 * done // total}% of the entries of this matrix")

    return tick


def _grow(
    build: Callable[[np.ndarray, np.ndarray], np.ndarray],
    draw: Callable[[int, int], tuple[np.ndarray, np.ndarray]],
    prime: int,
    target: int,
    max_k: int,
    first_k: int,
    say: Progress,
    label: str,
) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray]:
    """Grow a K × K sample until its rank reaches ``target``, falls below K,
    or K reaches ``max_k``; only new entries are computed at each step."""
    k = max(1, min(target, max_k, first_k))
    rows, cols = draw(0, k)
    Y = build(rows, cols)
    while True:
        r = rank_mod_p(Y, prime)
        say(f"{label}: {k}×{k} sample has rank {r} (target {target})")
        if r >= target or r < k or k >= max_k:
            return r, k, Y, rows, cols
        k_new = min(target, max_k, 2 * k)
        new_rows, new_cols = draw(k, k_new)
        right = build(rows, new_cols)
        bottom = build(new_rows, np.concatenate([cols, new_cols]))
        Y = np.vstack([np.hstack([Y, right]), bottom])
        rows, cols, k = np.concatenate([rows, new_rows]), np.concatenate([cols, new_cols]), k_new


def _distinct_sequences(rng: np.random.Generator, n: int, length: int, count: int) -> np.ndarray:
    """``count`` distinct template sequences (rows of digits in ``[0, n)``)."""
    population = n**length
    count = min(count, population)
    if population <= 10**7:
        idx = rng.choice(population, size=count, replace=False)
        out = np.empty((count, length), dtype=np.int64)
        for pos in range(length - 1, -1, -1):
            out[:, pos] = idx % n
            idx //= n
        return out
    seen: set[bytes] = set()
    rows = []
    while len(rows) < count:
        cand = rng.integers(0, n, size=(count, length))
        for row in cand:
            key = row.tobytes()
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return np.array(rows[:count], dtype=np.int64)


def _template_draw(n: int, partition: Partition, rng: np.random.Generator, cap: int) -> Callable:
    """Draw distinct one-hot template sequences for rows (start) and columns (end)."""
    starts = _distinct_sequences(rng, n, len(partition.start), cap)
    ends = _distinct_sequences(rng, n, len(partition.end), cap)
    eye = np.eye(n, dtype=np.int64)

    def draw(k0: int, k1: int) -> tuple[np.ndarray, np.ndarray]:
        return eye[starts[k0:k1]], eye[ends[k0:k1]]

    return draw


def _random_draw(M: int, partition: Partition, rng: np.random.Generator, prime: int | None) -> Callable:
    def draw(k0: int, k1: int) -> tuple[np.ndarray, np.ndarray]:
        shape_r, shape_c = (k1 - k0, len(partition.start), M), (k1 - k0, len(partition.end), M)
        if prime is None:
            return rng.standard_normal(shape_r), rng.standard_normal(shape_c)
        return rng.integers(0, prime, shape_r), rng.integers(0, prime, shape_c)

    return draw


def certify(
    architecture: Architecture,
    T: int,
    partition: Partition | str = "start-end",
    *,
    seed: int = 0,
    prime: int = PRIME,
    confirm: bool = False,
    grid: str = "auto",
    max_entries: int = MAX_GRID_ENTRIES,
    max_samples: int = MAX_SAMPLES,
    float_check: bool = True,
    extra_bounds: dict[str, dict[str, int]] | None = None,
    progress: Progress | None = None,
) -> Report:
    """Certified grid and separation ranks of an architecture.

    Parameters
    ----------
    architecture : Architecture
    T : int
        Sequence length.
    partition : Partition or str
        ``"start-end"`` (default), ``"interleaved"``, ``"0,2,5"``, ...
    seed : int
        Seed of the random weights and samples.
    prime : int
        Modulus of the exact arithmetic (below 2**30).
    confirm : bool
        Repeat each computation with :data:`~tnrank.weights.SECOND_PRIME` and
        ``seed + 1``; the larger rank is kept (both are proved lower bounds)
        and both are reported.
    grid : {"auto", "full", "sampled", "skip"}
        Full grid when it has at most ``max_entries`` entries (``auto``),
        always, sampled rows and columns, or not at all.
    max_entries : int
        Size limit of the full grid.
    max_samples : int
        Cap on the side ``K`` of sampled matrices.
    float_check : bool
        Also compute a float64 SVD rank on a same-shape matrix (when its
        smaller side is at most 2048) and flag disagreement.
    extra_bounds : dict, optional
        Further upper bounds ``{"grid": {name: value}, "separation": {...}}``
        (the tensor-network min-cut is added automatically when
        available).
    progress : callable(str), optional
        Receives one line per stage.

    Returns
    -------
    Report

    Examples
    --------
    >>> from tnrank import Architecture, certify
    >>> rep = certify(Architecture.rac(depth=2, width=3, M=3), T=10)
    >>> rep.grid.rank, rep.grid.upper_source, rep.separation.rank
    (63, 'state degree', 63)
    >>> rep.verdict
    'holds'
    """
    t_start = time.perf_counter()
    if not isinstance(architecture, Architecture):
        raise TnrankError("certify needs an Architecture (e.g. Architecture.rac(depth, width, M))")
    if grid not in GRID_MODES:
        raise TnrankError(f"grid mode {grid!r} is unknown; use one of {', '.join(GRID_MODES)}")
    if isinstance(max_samples, bool) or not isinstance(max_samples, int) or max_samples < 1:
        raise TnrankError(f"max_samples must be a positive whole number, got {max_samples!r}")
    if architecture.parameter_count() > MAX_PARAMETERS:
        raise TnrankError(
            f"the architecture has {architecture.parameter_count():,} weights; certify handles at "
            f"most {MAX_PARAMETERS:,} (memory); reduce the widths"
        )
    part = Partition.parse(partition, T)
    say: Progress = progress or (lambda _msg: None)
    arch = architecture
    primes = (prime, SECOND_PRIME if prime != SECOND_PRIME else PRIME) if confirm else (prime,)
    runs = [(p, seed + i) for i, p in enumerate(primes)]

    grid_bounds = upper_bounds(arch, part, "grid")
    sep_bounds = upper_bounds(arch, part, "separation")
    for qty, target in (("grid", grid_bounds), ("separation", sep_bounds)):
        for name, value in (extra_bounds or {}).get(qty, {}).items():
            target[name] = int(value)
    extra = _automatic_bounds(arch, part)
    for name, value in extra.items():
        grid_bounds.setdefault(name, value)
        sep_bounds.setdefault(name, value)
    # the grid rank never exceeds the separation rank
    for name, value in sep_bounds.items():
        grid_bounds[name] = min(grid_bounds.get(name, value), value)

    grid_result = None
    if grid != "skip":
        grid_result = _certify_grid(arch, part, runs, grid, grid_bounds, max_entries,
                                    max_samples, float_check, say)
    sep_result = _certify_separation(arch, part, runs, sep_bounds, grid_result, max_samples,
                                     float_check, say)
    checks = [
        TheoremCheck(b, b.verdict(sep_result.lower, sep_result.upper))
        for b in theorem_bounds(arch, part)
    ]
    return Report(arch, part, grid_result, sep_result, checks, theorem_applicability(arch, part),
                  seed, prime, time.perf_counter() - t_start)


def _automatic_bounds(arch: Architecture, part: Partition) -> dict[str, int]:
    """Bounds from optional modules (the tensor-network min-cut). A min-cut above
    2**4096 is left out: no computed rank can reach it, and Python refuses to print
    integers of more than 4300 digits."""
    try:
        from .mincut import mincut_bound, mincut_log2  # noqa: PLC0415
    except ImportError:
        return {}
    if mincut_log2(arch, part) > 4096:
        return {}
    return {"min-cut": mincut_bound(arch, part)}


def _check_sound(lower: int, upper: int, source: str, notes: list[str]) -> None:
    if lower > upper:  # a proved lower bound above a proved upper bound: a bug, say so loudly
        notes.append(
            f"INCONSISTENT: certified lower bound {lower} exceeds the {source} bound {upper}; "
            "please report this"
        )


def _certify_grid(arch, part, runs, mode, bounds, max_entries, max_samples, float_check, say):
    t0 = time.perf_counter()
    upper, source = _best(bounds)
    rows, cols = grid_size(arch.M, part)
    full = mode == "full" or (mode == "auto" and rows * cols <= max_entries)
    degree = total_degree(arch, part.T, random_inputs=False)
    ranks, notes = [], []
    float_est = compared = None
    k = None
    for i, (p, s) in enumerate(runs):
        w = random_weights(arch, seed=s, prime=p)
        if full:
            say(f"grid: building the full {rows}×{cols} matricization mod {p}")
            G = grid_matrix(w, part, max_entries=max_entries, progress=_ticker(say, "grid"))
            r = rank_mod_p(G, p)
            say(f"grid: rank {r} mod {p}")
            if i == 0 and float_check and min(G.shape) <= MAX_FLOAT_SVD:
                Gf = grid_matrix(random_weights(arch, seed=s), part, max_entries=max_entries)
                float_est, compared = float_rank(Gf), r
        else:
            rng = np.random.default_rng([s, 2])
            cap = min(max_samples, rows, cols)
            draw = _template_draw(arch.M, part, rng, cap)
            build = lambda a, b, w=w: sample_matrix(w, part, a, b, _ticker(say, "grid"))  # noqa: E731
            r, k, _Y, rr, cc = _grow(build, draw, p, upper, cap, _FIRST_K, say, "grid (sampled)")
            if i == 0 and float_check and k <= MAX_FLOAT_SVD:
                Yf = sample_matrix(random_weights(arch, seed=s), part, rr.astype(float), cc.astype(float))
                float_est, compared = float_rank(Yf), r
        ranks.append(r)
    lower = max(ranks)
    if len(set(ranks)) > 1:
        notes.append(f"confirmation runs disagree ({ranks}); the larger is kept (each is proved)")
    if lower > upper:
        status, fail = "inconsistent", None
    elif lower == upper:
        status, fail = "exact", None
    elif full:
        status = "generic-whp"
        fail = math.prod(_failure(r, degree, p) for r, (p, _) in zip(ranks, runs, strict=False) if r == lower)
    else:
        status, fail = "lower-bound", None
        notes.append("sampled rows and columns of a finite grid: no probability claim beyond the bounds")
    src = f"full grid {rows}×{cols} mod p" if full else f"sampled {k}×{k} grid rows/columns mod p"
    _check_sound(lower, upper, source, notes)
    return RankResult("grid", lower, upper, source, status, src, fail, bounds, k,
                      tuple(p for p, _ in runs), tuple(ranks[1:]), float_est, compared,
                      time.perf_counter() - t0, notes)


def _certify_separation(arch, part, runs, bounds, grid_result, max_samples, float_check, say):
    t0 = time.perf_counter()
    upper, source = _best(bounds)
    floor = grid_result.lower if grid_result is not None else 0
    if floor >= upper:
        return RankResult("separation", upper, upper, source, "exact",
                          "grid rank (separation rank ≥ grid rank)", None, bounds, None,
                          grid_result.primes, (), None, None, time.perf_counter() - t0,
                          ["exact from the grid rank: no sampling needed"])
    degree = total_degree(arch, part.T, random_inputs=True)
    ranks, notes, ks = [], [], []
    float_est = compared = None
    for i, (p, s) in enumerate(runs):
        w = random_weights(arch, seed=s, prime=p)
        rng = np.random.default_rng([s, 1])
        draw = _random_draw(arch.M, part, rng, p)
        build = lambda a, b, w=w: sample_matrix(w, part, a, b, _ticker(say, "separation"))  # noqa: E731
        first = _FIRST_K if i == 0 else ks[0]
        cap = max_samples if i == 0 else ks[0]
        r, k, _Y, _r, _c = _grow(build, draw, p, upper, cap, first, say, "separation")
        ranks.append(r)
        ks.append(k)
        if i == 0 and float_check and k <= MAX_FLOAT_SVD:
            frng = np.random.default_rng([s, 3])
            fr, fc = _random_draw(arch.M, part, frng, None)(0, k)
            float_est, compared = float_rank(sample_matrix(random_weights(arch, seed=s), part, fr, fc)), r
    r = max(ranks)
    k = ks[0]
    if len(set(ranks)) > 1:
        notes.append(f"confirmation runs disagree ({ranks}); the larger is kept (each is proved)")
    lower = max(r, floor)
    if lower > upper:
        status, fail = "inconsistent", None
    elif lower == upper:
        status, fail = "exact", None
    elif r < k and r >= floor:
        status = "generic-whp"
        fail = math.prod(_failure(x, degree, p) for x, (p, _) in zip(ranks, runs, strict=False) if x == r)
    else:
        status, fail = "lower-bound", None
        notes.append(f"sample budget reached (K = {k}); raise max_samples to go further")
    src = f"sample {k}×{k} mod p" if r >= floor else "grid rank (separation rank ≥ grid rank)"
    _check_sound(lower, upper, source, notes)
    return RankResult("separation", lower, upper, source, status, src, fail, bounds, k,
                      tuple(p for p, _ in runs), tuple(ranks[1:]), float_est, compared,
                      time.perf_counter() - t0, notes)
