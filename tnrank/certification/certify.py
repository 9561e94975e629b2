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
bound that applies (:mod:`tnrank.certification.bounds`). When they meet, the rank is exact.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tnrank.certification.bounds import (
    theorem_applicability,
    theorem_bounds,
    total_degree,
    upper_bounds,
)
from tnrank.certification.large import STORAGE_CHOICES, Placement, placement
from tnrank.certification.limits import check_reach, check_size
from tnrank.certification.report import RankResult, Report, RunRecord, TheoremCheck
from tnrank.certification.report_text import FAILURE_CONDITION
from tnrank.certification.sampling import (
    FIRST_K,
    Clock,
    Growth,
    builder,
    grow,
    max_samples_for_memory,
    memory_cap_holding,
    planner,
    random_draw,
    rank_bytes,
    sample_bytes,
    sample_bytes_32,
    stages,
    template_draw,
    ticker,
)
from tnrank.engine.grid import (
    MAX_GRID_ENTRIES,
    evaluation_bytes,
    grid_bytes,
    grid_matrix,
    grid_size,
    sample_matrix,
)
from tnrank.engine.rank import MAX_FLOAT_SVD, FloatRank, rank_float, rank_mod_p
from tnrank.engine.sample_tiles import SampleSource
from tnrank.errors import TnrankError
from tnrank.field import GAUSSIAN_FIELD, Field, as_field
from tnrank.formatting import format_duration
from tnrank.model.architecture import Architecture
from tnrank.model.partition import Partition
from tnrank.model.weights import random_weights
from tnrank.primes import MAX_PRIME, PRIME, SECOND_PRIME
from tnrank.runtime.memory import check_memory
from tnrank.runtime.progress import Display, progress_display

__all__ = [
    "certify",
    "certification_field",
    "GRID_MODES",
    "MAX_SAMPLES",
    "MAX_PARAMETERS",
    "FAILURE_TARGET",
    "FAILURE_CONDITION",
    "FLOAT_AUTO_MAX",
]

#: Ways to compute the grid rank — the full matricization, sampled rows and
#: columns, the full one when it fits (``auto``), or not at all (``skip``).
GRID_MODES = ("auto", "full", "sampled", "skip")
#: Default cap on the side ``K`` of sampled matrices: None, the largest ``K`` whose
#: matrices fit the available memory (:func:`max_samples_for_memory`).
MAX_SAMPLES: int | None = None
#: Default largest failure probability of a "generic with high probability" value:
#: independent repetitions are added until the product of their bounds is at most this.
FAILURE_TARGET = 1e-6
#: Smallest modulus certify accepts: below it each run's Schwartz–Zippel bound
#: ``(r+1)·D/p`` is near 1 at the sizes tnrank reaches.
MIN_PRIME = 2**20
#: Largest matrix side for which the float SVD estimate runs by default (``float_check=None``).
FLOAT_AUTO_MAX = 512
#: Most repetitions added to reach the failure target.
MAX_REPETITIONS = 12
#: Largest number of weights, all layers together, that certify accepts; beyond it the
#: random weight arrays alone take hundreds of megabytes and the evaluations far more.
MAX_PARAMETERS = 2**22
_BOUND_ORDER = ("min-cut", "state degree", "grid size", "input degree")

MessageCallback = Callable[[str], None]


def _best(bounds: dict[str, int]) -> tuple[int, str]:
    ranked = sorted(bounds.items(), key=lambda kv: (kv[1], _BOUND_ORDER.index(kv[0])
                                                     if kv[0] in _BOUND_ORDER else 99))
    return ranked[0][1], ranked[0][0]


def certification_field(prime: int | Field) -> Field:
    """The field of certify's growing stages: GF(``prime``), a prime in ``[2**20, 2**30)``:
    large enough for useful failure bounds, small enough for the int64 evaluation.

    >>> certification_field(1073741789)
    GF(1073741789)
    >>> certification_field(1000003)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: `prime` 1000003 is below 2**20 = 1048576: too small for the failure bounds ...
    """
    return as_field(prime, minimum=MIN_PRIME, maximum=MAX_PRIME - 1, degrees=(1,),
                    hint=f"omit `prime` to use the default {PRIME}, or give a prime in [2**20, 2**30)",
                    why_minimum="too small for the failure bounds to mean anything (each run's "
                    "bound is (r+1)·D/p)")


def certify(
    architecture: Architecture,
    T: int,
    partition: Partition | str = "start-end",
    *,
    seed: int = 0,
    prime: int | Field = PRIME,
    confirm: bool = False,
    grid: str = "auto",
    max_entries: int = MAX_GRID_ENTRIES,
    max_samples: int | None = MAX_SAMPLES,
    float_check: bool | None = None,
    failure_target: float = FAILURE_TARGET,
    extra_bounds: dict[str, dict[str, int]] | None = None,
    progress: MessageCallback | Display | bool | None = None,
    storage: int | None = None,
    spill: str | os.PathLike[str] | None = None,
    executor: Any = None,
    tile: int | None = None,
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
    prime : int or Field
        Field of the exact arithmetic of the growing stages: a prime ``p`` in
        ``[2**20, 2**30)`` or its field ``GF(p)`` (the last stage and repetitions run over
        GF(q²), :data:`~tnrank.field.GAUSSIAN_FIELD`).
    confirm : bool
        Repeat each computation with :data:`~tnrank.primes.SECOND_PRIME` and
        ``seed + 1``; the larger rank is kept (both are proved lower bounds)
        and both are reported.
    grid : {"auto", "full", "sampled", "skip"}
        Full grid when it has at most ``max_entries`` entries (``auto``),
        always, sampled rows and columns, or not at all.
    max_entries : int
        Size limit of the full grid.
    max_samples : int, optional
        Cap on the side ``K`` of sampled matrices; default (None) the largest
        ``K`` whose matrices fit the available memory
        (:func:`max_samples_for_memory`). A cap whose matrices cannot fit is
        refused before any work.
    float_check : bool, optional
        Also compute a float64 SVD rank on a same-shape matrix and flag
        disagreement: None (default) when its side is at most
        :data:`FLOAT_AUTO_MAX`, True up to :data:`~tnrank.engine.rank.MAX_FLOAT_SVD`,
        False never. A skipped estimate is named in the report.
    failure_target : float
        Largest acceptable failure probability of a ``generic-whp`` value.
        A sample grows mod ``prime`` (64, 128, ...) and its last stage is
        computed over GF(q²) (:data:`~tnrank.primes.GAUSSIAN_PRIME`), whose
        Schwartz–Zippel bound ``(r+1)·D/q²`` alone usually meets the target;
        while the product of the bounds of the rank-deficient runs exceeds it,
        independent runs over GF(q²) (fresh seed) of an ``(r+1) × (r+1)``
        sample are added (default 1e-6).
    extra_bounds : dict, optional
        Further upper bounds ``{"grid": {name: value}, "separation": {...}}``
        (the tensor-network min-cut is added automatically when
        available).
    progress : callable(str), Display or bool, optional
        Receives one line per stage. ``True`` shows the stages on standard error with
        :func:`~tnrank.runtime.progress.progress_display` (rewritten in place on a
        terminal, a tqdm bar in Jupyter when tqdm is installed, lines elsewhere); a
        :class:`~tnrank.runtime.progress.Display` shows them its way
        (:meth:`~tnrank.runtime.progress.Display.stage`).
    storage : {None, 32, 64}
        Bits per stored real number of the sample matrices. 32 (the default, None, wherever
        the field allows): samples over GF(q²) are complex64 and, mod a prime below ``2**24``,
        float32, eliminated in tiles widened for each product (half the memory; the same
        ranks and failure bounds). 64: complex128 samples eliminated in place, and int64 /
        float64 mod p. ``storage=32`` with a ``prime`` of ``2**24`` or more is refused.
    spill : path-like, optional
        A folder on a local disk: every sample over GF(q²) is built and eliminated in tiles in
        a memmap file there, in a checkpoint folder of its own (its seed, field and side
        recorded and checked), so a sample larger than memory fits, and an interrupted run
        (Ctrl-C, SIGTERM, kill) called again with the same arguments resumes from its last
        finished elimination step. The cap on ``K`` follows the free disk.
    executor : distributed.Client, optional
        A Dask cluster: every sample over GF(q²) is built and eliminated in tiles on its
        workers (the cap on ``K`` follows their memory). A lost worker's tiles are
        recomputed; if the cluster cannot recompute them the run stops with an error, never
        with a wrong rank.
    tile : int, optional
        Rows and columns of a tile (default: an eighth of the side, from 256 to 2048;
        :func:`~tnrank.engine.tiles.tile_for`).

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
    if progress is True:
        with progress_display() as display:
            return certify(architecture, T, partition, seed=seed, prime=prime, confirm=confirm,
                           grid=grid, max_entries=max_entries, max_samples=max_samples,
                           float_check=float_check, failure_target=failure_target,
                           extra_bounds=extra_bounds, progress=display, storage=storage,
                           spill=spill, executor=executor, tile=tile)
    if isinstance(progress, Display):
        progress = progress.stage
    elif progress is False:
        progress = None
    elif progress is not None and not callable(progress):
        raise TnrankError(f"progress must be a function of one line, a Display, True or False, got "
                          f"{type(progress).__name__}")
    t_start = time.perf_counter()
    if not isinstance(architecture, Architecture):
        raise TnrankError("certify needs an Architecture (e.g. Architecture.rac(depth, width, M))")
    if grid not in GRID_MODES:
        raise TnrankError(f"grid mode {grid!r} is unknown; use one of {', '.join(GRID_MODES)}")
    field = certification_field(prime)
    if isinstance(storage, bool) or storage not in STORAGE_CHOICES:
        raise TnrankError(f"`storage` {storage!r} is not a storage width; use 32 or 64 (bits), or "
                          "None for 32 wherever the field allows")
    if storage == 32 and not field.fits(32):
        raise TnrankError(f"`storage` 32 keeps the stages mod p in 32-bit floats, which hold residues "
                          f"only below 2**24, and `prime` {field.characteristic:,} is larger; give a "
                          "prime below 2**24, or leave `storage` at its default (32 bits over GF(q²), "
                          "64 mod p)")
    place = placement(storage, spill, executor, tile, GAUSSIAN_FIELD)
    gfp_bits = 32 if field.fits(32) and storage != 64 else 64
    if max_samples is not None and (isinstance(max_samples, bool) or not isinstance(max_samples, int)
                                    or max_samples < 1):
        raise TnrankError(f"max_samples must be a positive whole number, got {max_samples!r}")
    if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
        raise TnrankError(f"max_entries must be a positive whole number, got {max_entries!r}")
    if not isinstance(confirm, bool):
        raise TnrankError(f"confirm must be True or False, got {confirm!r}")
    if float_check not in (None, True, False):
        raise TnrankError(f"float_check must be None, True or False, got {float_check!r}")
    if (isinstance(failure_target, bool) or not isinstance(failure_target, (int, float))
            or not 0 < failure_target < 1):
        raise TnrankError(f"failure_target must be a probability in (0, 1), got {failure_target!r}")
    if architecture.parameter_count() > MAX_PARAMETERS:
        raise TnrankError(
            f"the architecture has {architecture.parameter_count():,} weights; certify handles at "
            f"most {MAX_PARAMETERS:,} (memory); reduce the widths"
        )
    part = Partition.parse(partition, T)
    check_size(architecture, T)
    say: MessageCallback = progress or (lambda _msg: None)
    arch = architecture

    grid_bounds = upper_bounds(arch, part, "grid")
    sep_bounds = upper_bounds(arch, part, "separation")
    for qty, target in (("grid", grid_bounds), ("separation", sep_bounds)):
        for name, value in (extra_bounds or {}).get(qty, {}).items():
            target[name] = int(value)
    extra_notes: list[str] = []
    extra = _automatic_bounds(arch, part, extra_notes)
    for name, value in extra.items():
        grid_bounds.setdefault(name, value)
        sep_bounds.setdefault(name, value)
    # the grid rank never exceeds the separation rank
    for name, value in sep_bounds.items():
        grid_bounds[name] = min(grid_bounds.get(name, value), value)

    def evaluation(k: int) -> int:
        return evaluation_bytes(arch.state_size, max(arch.widths + (arch.M,)), arch.M, part.T, k,
                                GAUSSIAN_FIELD.dtype.itemsize)

    place = dataclasses.replace(place, evaluation=evaluation)
    caps = _Caps.of(place, field, gfp_bits, confirm, evaluation)
    explicit_cap = max_samples is not None
    memory_cap, last_cap = caps.gfp, caps.last
    if max_samples is None:
        max_samples = memory_cap
        grid_sides = grid_size(arch.M, part)
        full_reach = math.prod(grid_sides) <= max_entries and grid in ("auto", "full")
        if not (full_reach and min(grid_sides) >= _best(sep_bounds)[0]):
            check_reach(_best(sep_bounds)[0], last_cap, theorem_bounds(arch, part))
    else:  # an explicit cap that cannot fit is refused before any work
        k = min(max_samples, _best(sep_bounds)[0])
        fix = f"use `max_samples` at most {min(last_cap, memory_cap) if confirm else last_cap:,}"
        if place.tiled:
            place.check(k, GAUSSIAN_FIELD, fix)
        if confirm or not place.tiled:
            check_memory(caps.gfp_bytes(k), f"a {k:,} × {k:,} sample matrix and its exact rank", fix)
        memory_cap = last_cap = max_samples
    full_grid = grid == "full" or (grid == "auto" and math.prod(grid_size(arch.M, part)) <= max_entries)
    if grid != "skip" and full_grid:
        rows, cols = grid_size(arch.M, part)
        if rows * cols <= max_entries:
            check_memory(grid_bytes(arch.state_size, arch.M, part) + rank_bytes(rows, cols),
                         f"the full {rows:,} × {cols:,} grid and its exact rank",
                         "use the sampled grid (`grid='sampled'`) or lower `max_entries`")
    opts = _Options(field, seed, confirm, failure_target, float_check, max_samples, say,
                    None if explicit_cap else caps.recap, place=place, last_cap=last_cap,
                    gfp_limit=None if explicit_cap or not place.tiled else caps.gfp, gfp_bits=gfp_bits)
    grid_result = None
    if grid != "skip":
        grid_result = _certify_grid(arch, part, opts, grid, grid_bounds, max_entries)
    sep_result = _certify_separation(arch, part, opts, sep_bounds, grid_result)
    for res in (grid_result, sep_result):
        if res is not None:
            res.notes.extend(extra_notes)
    checks = [
        TheoremCheck(b, b.verdict(sep_result.lower, sep_result.upper))
        for b in theorem_bounds(arch, part)
    ]
    settings = {"seed": seed, "prime": field.characteristic, "confirm": confirm, "grid": grid,
                "max_entries": max_entries, "max_samples": max_samples if explicit_cap else None,
                "float_check": float_check, "failure_target": failure_target,
                "extra_bounds": extra_bounds or {}}
    return Report(arch, part, grid_result, sep_result, checks, theorem_applicability(arch, part),
                  seed, field.characteristic, time.perf_counter() - t_start, settings)


def _automatic_bounds(arch: Architecture, part: Partition, notes: list[str] | None = None
                      ) -> dict[str, int]:
    """Bounds from optional modules (the tensor-network min-cut); why one does not apply is
    added to ``notes``. A min-cut above 2**4096 is left out: no computed rank can reach it,
    and Python refuses to print integers of more than 4300 digits."""
    try:
        from tnrank.networks.mincut import min_cut_bound, min_cut_log2
    except ImportError:
        return {}
    try:
        if min_cut_log2(arch, part) > 4096:
            return {}
    except TnrankError as exc:  # an architecture the networks do not cover
        if notes is not None:
            notes.append(f"min-cut bound not applied: {exc}")
        return {}
    return {"min-cut": min_cut_bound(arch, part)}


def _check_sound(lower: int, upper: int, source: str, notes: list[str]) -> None:
    if lower > upper:  # a proved lower bound above a proved upper bound: a bug, say so loudly
        notes.append(
            f"INCONSISTENT: certified lower bound {lower} exceeds the {source} bound {upper}; "
            "please report this"
        )


@dataclass
class _Caps:
    """Caps on the side ``K`` from the memory (and the disk or workers of a placement):
    ``gfp`` for a stage mod p at its full side (the sampled grid, confirmation runs),
    ``last`` for the separation's sample, whose last stage is over GF(q²), ``recap`` to ask
    again for ``last`` once it is reached (memory freed meanwhile)."""

    gfp: int
    last: int
    gfp_bytes: Callable[[int], int]
    recap: Callable[[int], int]

    @classmethod
    def of(cls, place: Placement, field: Field, gfp_bits: int, confirm: bool,
           evaluation: Callable[[int], int]) -> _Caps:
        if not place.tiled:  # 64-bit in memory: one budget for every stage
            def stage_bytes(k: int) -> int:
                return sample_bytes(k) + evaluation(k)

            def holding(k: int) -> int:
                return memory_cap_holding(k, bytes_of=stage_bytes)

            cap = max_samples_for_memory(bytes_of=stage_bytes)
            return cls(cap, cap, stage_bytes, holding)

        def gfp_bytes(k: int) -> int:
            matrix = sample_bytes_32(k, field) if gfp_bits == 32 else 8 * k * k + rank_bytes(k)
            return matrix + evaluation(k)

        def last_bytes(k: int) -> int:
            return place.memory_bytes(k, GAUSSIAN_FIELD)

        gfp = max_samples_for_memory(bytes_of=gfp_bytes)
        beyond = place.beyond_memory(GAUSSIAN_FIELD)
        bounds = [b for b in (beyond, gfp if confirm else None) if b is not None]

        def last_cap(memory_cap: int) -> int:
            return min([memory_cap, *bounds])

        def recap(k: int) -> int:
            if place.client is not None:  # the workers hold the sample: nothing here grows
                return last_cap(2**31 - 1)
            return last_cap(memory_cap_holding(k, bytes_of=last_bytes))

        if place.client is not None:
            return cls(gfp, last_cap(2**31 - 1), gfp_bytes, recap)
        return cls(gfp, last_cap(max_samples_for_memory(bytes_of=last_bytes)), gfp_bytes, recap)


@dataclass
class _Options:
    field: Field
    seed: int
    confirm: bool
    failure_target: float
    float_check: bool | None
    max_samples: int
    say: MessageCallback
    recap: Callable[[int], int] | None = None
    place: Placement = Placement(storage=64)
    last_cap: int = 0
    gfp_limit: int | None = None
    gfp_bits: int = 64

    gaussian_field: Field = GAUSSIAN_FIELD

    def other_field(self, field: Field) -> Field:
        """The field of a confirmation run: GF(SECOND_PRIME), or GF(PRIME) if ``field`` is it."""
        return Field(SECOND_PRIME if field.characteristic != SECOND_PRIME else PRIME)


def _float_decision(side: int, float_check: bool | None) -> tuple[bool, str | None]:
    """Whether to run the float SVD on a matrix of this smaller side, and why not."""
    if float_check is False:
        return False, None
    if side > MAX_FLOAT_SVD:
        return False, f"float estimate skipped (matrix side {side:,} > {MAX_FLOAT_SVD:,})"
    if float_check is None and side > FLOAT_AUTO_MAX:
        return False, "float estimate skipped (use `float_check=True`)"
    return True, None


def _float_estimate(build: Callable[[], np.ndarray]) -> tuple[FloatRank | None, str | None]:
    """The float SVD rank of the matrix ``build()`` makes, or why there is none: its entries
    overflow float64 (deep circuits and long sequences), which numpy would only warn about."""
    with np.errstate(over="ignore", invalid="ignore"):
        matrix = build()
        if not np.all(np.isfinite(matrix)):
            return None, "float estimate skipped (its entries overflow float64)"
    return rank_float(matrix), None


def _saturation_product(runs: list[RunRecord], r: int) -> float | None:
    bounds = [run.failure_bound for run in runs if run.rank == r and run.failure_bound is not None]
    return math.prod(bounds) if bounds else None


def _repeat_until_target(runs: list[RunRecord], r: int, degree: int, opts: _Options,
                         one_run: Callable[[int, int], int], label: str,
                         notes: list[str], clock: Clock | None) -> int:
    """Add independent runs of an (r+1)-side computation over GF(q²) until the product of
    the failure bounds of the runs showing rank ``r`` is at most the target.

    ``one_run(seed, side)`` returns the rank over GF(q²) of one fresh computation. A run
    of larger rank proves more (it is returned; the caller starts over from it).
    """
    say = opts.say
    seed = max(run.seed for run in runs) + 1
    gf = opts.gaussian_field
    q = gf.characteristic
    while True:
        product = _saturation_product(runs, r)
        if product is None or product <= opts.failure_target:
            return r
        if len(runs) >= MAX_REPETITIONS:
            notes.append(f"failure bound {product:.1e} is above the target {opts.failure_target:.0e} "
                         f"after {len(runs)} runs")
            return r
        each = gf.failure_bound(r, degree)
        if each >= 1:
            notes.append(f"{gf.label} is too small for a useful failure bound at rank {r} "
                         "(each run's bound is 1)")
            return r
        need = math.ceil(math.log(opts.failure_target / product) / math.log(each))
        eta = ""
        if clock is not None:
            eta = f", about {format_duration(need * clock.run_time(0, [r + 1], gf))}"
        say(f"{label}: saturated at rank {r}: failure bound {product:.1e} > target "
            f"{opts.failure_target:.0e}; {need} more independent run(s) of a {r + 1}×{r + 1} sample "
            f"over GF(q²), q = {q} (bound {each:.1e} each){eta}")
        got = one_run(seed, r + 1)
        runs.append(RunRecord(gf, seed, r + 1, got, gf.failure_bound(got, degree) if got <= r else None,
                              storage_bits=opts.place.storage))
        say(f"{label}: run over GF(q²), seed {seed}: rank {got} on {r + 1}×{r + 1}")
        if got > r:
            notes.append(f"a repetition found rank {got} > {r}: the first sample had saturated by "
                         "chance; the larger rank is kept (each is proved)")
            return got
        seed += 1


def _certify_grid(arch: Architecture, part: Partition, opts: _Options, mode: str,
                  bounds: dict[str, int], max_entries: int) -> RankResult:
    t0 = time.perf_counter()
    say = opts.say
    upper, source = _best(bounds)
    rows, cols = grid_size(arch.M, part)
    full = mode == "full" or (mode == "auto" and rows * cols <= max_entries)
    degree = total_degree(arch, part.T, random_inputs=False)
    notes: list[str] = []
    float_est = compared = float_skip = None
    k = None
    clock = Clock()

    def full_run(field: Field, s: int) -> int:
        w = random_weights(arch, seed=s, prime=field)
        say(f"grid: building the full {rows}×{cols} matricization {field.phrase}")
        tick = ticker(say, f"grid: building the full {rows}×{cols} matricization", clock, rows * cols)
        G = grid_matrix(w, part, max_entries=max_entries, progress=tick.part(rows * cols))
        # a Gaussian grid is built in its elimination's working dtype: eliminated in place
        r = rank_mod_p(G, field, overwrite=field.gaussian)
        say(f"grid: rank {r} {field.phrase} (seed {s})")
        return r

    def gaussian_run(s: int, _side: int) -> int:
        return full_run(opts.gaussian_field, s)

    plan = planner(say, "grid (sampled)", upper, clock, opts.max_samples)
    runs: list[RunRecord] = []
    seeds = [(opts.field, opts.seed)]
    if opts.confirm:
        seeds.append((opts.other_field(opts.field), opts.seed + 1))
    for i, (field, s) in enumerate(seeds):
        if full:
            r = full_run(field, s)
            runs.append(RunRecord(field, s, None, r,
                                  field.failure_bound(r, degree) if r < min(rows, cols) else None))
            if i == 0:
                do, float_skip = _float_decision(min(rows, cols), opts.float_check)
                if do:
                    float_est, float_skip = _float_estimate(lambda: grid_matrix(
                        random_weights(arch, seed=s), part, max_entries=max_entries))
                    compared = r if float_est is not None else None
        else:
            w = random_weights(arch, seed=s, prime=field)
            rng = np.random.default_rng([s, 2])
            cap = min(opts.max_samples, rows, cols)
            draw = template_draw(arch.M, part, rng, cap)
            build = builder(w, part)
            kmax = min(upper, cap) if k is None else k  # a confirmation run: the first's side
            growth = Growth(build, draw, field, kmax, say, "grid (sampled)", clock, bits=opts.gfp_bits)
            r, k, _ = grow(growth, upper, kmax, FIRST_K if k is None else k, plan)
            runs.append(RunRecord(field, s, k, r, None, storage_bits=growth.bits))
            if i == 0:
                do, float_skip = _float_decision(k, opts.float_check)
                if do:
                    starts, ends = growth.drawn()
                    float_est, float_skip = _float_estimate(lambda: sample_matrix(
                        random_weights(arch, seed=s), part, starts.astype(float), ends.astype(float)))
                    compared = r if float_est is not None else None
            del growth
    ranks = [run.rank for run in runs]
    lower = max(ranks)
    if len(set(ranks)) > 1:
        notes.append(f"confirmation runs disagree ({ranks}); the larger is kept (each is proved)")
    fail = None
    if lower > upper:
        status = "inconsistent"
    elif lower == upper:
        status = "exact"
    elif full:
        lower = _repeat_until_target(runs, lower, degree, opts, gaussian_run, "grid", notes, None)
        status = "generic-whp" if lower < upper else "exact"
        fail = _saturation_product(runs, lower) if status == "generic-whp" else None
        if status == "generic-whp" and fail is None:  # only a larger rank's run: no bound for it
            status = "lower-bound"
    else:
        status = "lower-bound"
        notes.append("sampled rows and columns of a finite grid: no probability claim beyond the bounds")
    src = f"full grid {rows}×{cols} mod p" if full else f"sampled {k}×{k} grid rows/columns mod p"
    _check_sound(lower, upper, source, notes)
    return RankResult("grid", lower, upper, source, status, src, fail, bounds, k,
                      tuple(run.prime for run in runs), tuple(ranks[1:]), float_est, compared,
                      time.perf_counter() - t0, notes, runs, float_skip)


def _certify_separation(arch: Architecture, part: Partition, opts: _Options, bounds: dict[str, int],
                        grid_result: RankResult | None) -> RankResult:
    t0 = time.perf_counter()
    say = opts.say
    upper, source = _best(bounds)
    floor = grid_result.lower if grid_result is not None else 0
    if grid_result is not None and floor >= upper:
        return RankResult("separation", upper, upper, source, "exact",
                          "grid rank (separation rank ≥ grid rank)", None, bounds, None,
                          grid_result.primes, (), None, None, time.perf_counter() - t0,
                          ["exact from the grid rank: no sampling needed"], list(grid_result.runs))
    degree = total_degree(arch, part.T, random_inputs=True)
    notes: list[str] = []
    float_est = compared = float_skip = None
    clock = Clock()
    gf = opts.gaussian_field
    place = opts.place
    plan = planner(say, "separation", upper, clock, opts.last_cap, handoff=True, limit=opts.gfp_limit,
                   describe=(lambda side: place.describe(side, gf)) if place.tiled else None)

    def gaussian_sample(s: int, side: int) -> int:
        """Rank over GF(q²) of one fresh side × side sample (in tiles, or eliminated in place)."""
        w = random_weights(arch, seed=s, prime=gf)
        draw = random_draw(arch.M, part, np.random.default_rng([s, 1]), gf)
        if place.tiled:  # the same matrix as the one built in place below, built tile by tile
            rows, cols = draw(0, side)
            identity = {"quantity": "separation", "architecture": arch.to_dict(), "T": part.T,
                        "start": list(part.start), "seed": s, "field": gf.name, "side": side}
            r, built, ranked = place.sample_rank(SampleSource(w, part, rows, cols), gf, identity, say,
                                                 "separation", clock.rank_time(side, gf))
            if built:
                clock.built(side * side, built, gf)
            clock.ranked(side, ranked, gf)
        else:
            growth = Growth(builder(w, part), draw, gf, side, say, "separation", clock)
            growth.extend(side)
            r = growth.rank()
        say(f"separation: {side}×{side} sample over GF(q²) has rank {r} (target {upper})")
        return r

    def sample_run(s: int, first: int, cap: int, handoff: bool = True,
                   field: Field = opts.field) -> tuple[list[RunRecord], int, int]:
        """Grow a GF(p) sample from side ``first``; with ``handoff`` its last stage is a fresh
        sample over GF(q²) (one run whose bound alone usually meets the target)."""
        limit = opts.gfp_limit if handoff else None

        def grown() -> list[int]:
            w = random_weights(arch, seed=s, prime=field)
            draw = random_draw(arch.M, part, np.random.default_rng([s, 1]), field)
            held = min(upper, cap, limit or cap)
            growth = Growth(builder(w, part), draw, field, held, say, "separation", clock,
                            bits=opts.gfp_bits)
            recap = opts.recap if cap == opts.last_cap else None
            return list(grow(growth, upper, min(upper, cap), first, plan, recap, handoff=handoff,
                             limit=limit))

        # a spilled run keeps the outcome of its stages mod p beside the checkpoints: resumed,
        # it goes straight to the sample over GF(q²) it was eliminating (the stages planned
        # from the caps, not the caps, name the computation: memory that changed between the
        # runs without changing the stages changes nothing)
        r, k, last = place.remember(
            {"quantity": "separation stages", "architecture": arch.to_dict(), "T": part.T,
             "start": list(part.start), "seed": s, "field": field.name, "first": first,
             "target": upper, "handoff": handoff, "bits": opts.gfp_bits,
             "stages": stages(first, upper, min(upper, cap), handoff, limit)}, grown)
        bound = field.failure_bound(r, degree) if r < k else None
        out = [RunRecord(field, s, k, r, bound, storage_bits=opts.gfp_bits)] if k else []
        if last:
            r = gaussian_sample(s, last)
            out.append(RunRecord(gf, s, last, r, gf.failure_bound(r, degree) if r < last else None,
                                 storage_bits=place.storage))
            k = last
        return out, r, k

    runs, r, k = sample_run(opts.seed, FIRST_K, opts.last_cap)
    do, float_skip = _float_decision(k, opts.float_check)
    if do:
        frng = np.random.default_rng([opts.seed, 3])
        fr, fc = random_draw(arch.M, part, frng, None)(0, k)
        float_est, float_skip = _float_estimate(
            lambda: sample_matrix(random_weights(arch, seed=opts.seed), part, fr, fc))
        compared = r if float_est is not None else None
    if opts.confirm:
        confirm_runs, _r2, _k2 = sample_run(opts.seed + 1, k, k, handoff=False,
                                            field=opts.other_field(opts.field))
        runs += confirm_runs
    finals = [run.rank for run in runs if run.samples == k]
    if len(set(finals)) > 1:
        notes.append(f"confirmation runs disagree ({finals}); the larger is kept (each is proved)")
    r = max(run.rank for run in runs)
    saturated = any(run.rank == r and run.failure_bound is not None for run in runs)
    while saturated and max(r, floor) < upper and r >= floor:
        got = _repeat_until_target(runs, r, degree, opts, gaussian_sample, "separation", notes, clock)
        if got <= r:
            break
        # a repetition found more: grow a fresh sample from there
        s_new = max(run.seed for run in runs) + 1
        new_runs, r, k = sample_run(s_new, min(2 * got, opts.last_cap), opts.last_cap)
        runs += new_runs
        r = max(r, got)
        saturated = any(run.rank == r and run.failure_bound is not None for run in runs)
    lower = max(r, floor)
    fail = None
    if lower > upper:
        status = "inconsistent"
    elif lower == upper:
        status = "exact"
    elif saturated and r >= floor:
        status = "generic-whp"
        fail = _saturation_product(runs, r)
    else:
        status = "lower-bound"
        notes.append(f"sample budget reached (K = {k:,}); raise `max_samples` or "
                     "TNRANK_MEMORY to go further")
    best = next((run for run in reversed(runs) if run.rank == r), None)
    side: int | None = k
    field = "mod p"
    if best is not None:  # the matrix named is the one that run computed
        side, field = best.samples, "over GF(q²)" if best.field.gaussian else "mod p"
    src = f"sample {side}×{side} {field}" if r >= floor else "grid rank (separation rank ≥ grid rank)"
    _check_sound(lower, upper, source, notes)
    return RankResult("separation", lower, upper, source, status, src, fail, bounds, k,
                      tuple(run.prime for run in runs), tuple(run.rank for run in runs[1:]), float_est,
                      compared, time.perf_counter() - t0, notes, runs, float_skip)
