"""Sampled matrices for certification: how large they may be, how they grow, what they cost.

The separation rank is read off ``K × K`` matrices ``[y(s_i, e_j)]`` over random start
and end halves. This module sizes them against the machine's memory
(:func:`max_samples_for_memory`), draws distinct samples, grows one preallocated
matrix stage by stage (:class:`Growth`), times each stage (:class:`Clock`) and turns the
first timings into the plan printed before a long run (:func:`planner`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

from tnrank.engine.grid import sample_matrix
from tnrank.engine.rank import rank_memory, rank_mod_p
from tnrank.engine.tiles import ArraySource, Layout, tiled_rank
from tnrank.errors import TnrankError
from tnrank.field import GAUSSIAN_FIELD, Field
from tnrank.formatting import format_duration
from tnrank.model.partition import Partition
from tnrank.model.weights import Weights
from tnrank.runtime.memory import ENV_VAR as MEMORY_ENV
from tnrank.runtime.memory import available_memory, format_bytes

#: Receives one line of progress text.
MessageCallback = Callable[[str], None]
#: ``draw(k0, k1)``: the start halves and end halves of the sample's rows and columns ``k0:k1``.
Draw = Callable[[int, int], tuple[np.ndarray, np.ndarray]]
#: ``progress(done, total)``, called as blocks of a matrix are built.
Progress = Callable[[int, int], None]
#: ``build(starts, ends, out, progress)``: fill ``out`` with ``y(start_i, end_j)``.
Build = Callable[[np.ndarray, np.ndarray, np.ndarray, Progress | None], None]
#: Work estimated above this many seconds gets a plan on the progress channel first.
PLAN_SECONDS = 30.0
# the plan is estimated from the first stage at least this large
CALIBRATION_K = 4096
# a first, rough estimate of a long run is given from the first stage at least this large
FIRST_ESTIMATE_K = 1024
#: Exact ranks of at least this side are timed well enough to extrapolate cubically (up to
#: twice their side); otherwise the rank time is modelled as :data:`RANK_PER_GEMM` float64
#: products of the same side.
RANK_EXTRAPOLATE_K = 2048
#: Exact ranks below this side take about a second at most: their time is scaled from the last
#: one measured, without timing a float64 product.
SLOW_RANK_K = 2048
#: Time of an exact rank mod p of side n in units of one float64 n × n product (bench_rank).
RANK_PER_GEMM = 1.1
#: Side of the first stage of a growing sample matrix.
FIRST_K = 64
#: Cost of a Gaussian (GF(q²)) sample per entry, relative to GF(p) (bench_gaussian: 2.0 at K = 3000).
GAUSSIAN_BUILD_COST = 2.0
#: Cost of a Gaussian exact rank relative to GF(p) at the same side (bench_gaussian: 1.7 at 8192).
GAUSSIAN_RANK_COST = 1.7
#: A growing GF(p) sample hands its last stage to GF(q²) once that stage is at most this many
#: times the side reached (the stages below it are cheap probes for an early saturation).
HANDOFF_RATIO = 4
#: Before the hand-off, one more stage mod p may probe for a saturation below the last stage,
#: if its exact rank costs at most this share of the last stage's rank over GF(q²): a rank far
#: below the last side is then found and confirmed at side r + 1 at a fraction of the cost,
#: and a full-rank probe adds at most this share to the run.
PROBE_SHARE = 0.1
#: A probe is worth its cost only this far above the side already reached.
PROBE_STEP = 1.25


def rank_bytes(rows: int, cols: int | None = None) -> int:
    """Peak working memory of the exact rank of a ``rows × cols`` matrix (square by default)."""
    cols = rows if cols is None else cols
    return int(rank_memory(rows, cols))


def sample_bytes(k: int) -> int:
    """Memory of a ``k × k`` sampled rank: the int64 matrix kept while it grows plus its rank
    mod p, or the complex128 matrix over GF(q²) and its elimination in place, whichever is more."""
    return max(8 * k * k + rank_bytes(k), gaussian_sample_bytes(k))


def sample_bytes_32(k: int, field: Field) -> int:
    """Memory of a ``k × k`` sampled rank over GF(p) with 32-bit storage: the float32 matrix
    kept while it grows and its tiled rank (a float32 copy and the working tiles)."""
    return 4 * k * k + Layout(k, k, field, 32).memory_bytes


def gaussian_sample_bytes(k: int) -> int:
    """Memory of a ``k × k`` sample over GF(q²): the complex128 matrix, eliminated in place."""
    return 16 * k * k + rank_memory(k, k, GAUSSIAN_FIELD, in_place=True)


def max_samples_for_memory(memory: int | None = None, fraction: float = 0.8,
                           bytes_of: Callable[[int], int] = sample_bytes) -> int:
    """The largest side ``K`` whose sample matrix and exact rank fit in memory.

    Parameters
    ----------
    memory : int, optional
        Bytes available; default ``tnrank.runtime.memory.available_memory()``.
    fraction : float
        Share of it that may be used.
    bytes_of : callable(int) -> int
        Memory of a sample of side ``K`` and its rank (default :func:`sample_bytes`; the
        tiled GF(q²) samples of :mod:`tnrank.certification.large` pass theirs).

    Returns
    -------
    int

    Examples
    --------
    >>> max_samples_for_memory(2**30) < max_samples_for_memory(2**34)
    True
    """
    limit = int((available_memory() if memory is None else memory) * fraction)
    lo, hi = FIRST_K, FIRST_K
    while bytes_of(hi) <= limit:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if bytes_of(mid) <= limit else (lo, mid)
    return lo


def memory_cap_holding(k: int, bytes_of: Callable[[int], int] = sample_bytes) -> int:
    """The memory-derived cap while this process already holds a ``k × k`` int64 sample
    (``TNRANK_MEMORY``, when set, is a fixed budget that already includes it)."""
    if os.environ.get(MEMORY_ENV):
        return max_samples_for_memory(bytes_of=bytes_of)
    return max_samples_for_memory(available_memory() + 8 * k * k, bytes_of=bytes_of)


class Clock:
    """Calibration of one kind of matrix: seconds per entry built and per rank of side ``k``.

    Times are kept in GF(p) units; a Gaussian (GF(q²)) stage is assumed to cost
    :data:`GAUSSIAN_BUILD_COST` times as much per entry and :data:`GAUSSIAN_RANK_COST` times
    as much per rank (the ratios ``benchmarks/bench_gaussian.py`` measures).
    """

    def __init__(self) -> None:
        self.per_entry: float | None = None
        self.rank_at: tuple[int, float] | None = None

    def built(self, entries: int, seconds: float, field: Field | None = None) -> None:
        """Calibrate on ``entries`` entries built in ``seconds`` over ``field`` (GF(p) if None)."""
        seconds /= _cost(field, GAUSSIAN_BUILD_COST)
        if entries >= 4096 or self.per_entry is None:
            self.per_entry = seconds / max(1, entries)

    def ranked(self, k: int, seconds: float, field: Field | None = None) -> None:
        """Calibrate on an exact rank of side ``k`` over ``field`` that took ``seconds``."""
        seconds /= _cost(field, GAUSSIAN_RANK_COST)
        if self.rank_at is None or k >= self.rank_at[0]:
            self.rank_at = (k, seconds)

    def build_time(self, entries: int, field: Field | None = None) -> float:
        return (self.per_entry or 0.0) * entries * _cost(field, GAUSSIAN_BUILD_COST)

    def rank_time(self, k: int, field: Field | None = None) -> float:
        factor = _cost(field, GAUSSIAN_RANK_COST)
        # a small rank (a second at most) is scaled from the last measured one without timing
        # a product, and so is one up to twice the side of a well-timed measured rank
        if self.rank_at is not None:
            k0, t0 = self.rank_at
            if k < SLOW_RANK_K or (k0 >= RANK_EXTRAPOLATE_K and k <= 2 * k0):
                return t0 * (k / k0) ** 3 * factor
        if k < SLOW_RANK_K:
            return 0.0
        # further out a measured rank overestimates (its share of overheads shrinks with k)
        return RANK_PER_GEMM * 2.0 * float(k) ** 3 / gemm_flops() * factor

    def run_time(self, k_from: int, sizes: list[int], last_field: Field | None = None) -> float:
        """Seconds to grow from side ``k_from`` through ``sizes``, ranking each (the last stage
        a fresh sample over ``last_field`` when one is given)."""
        total, k = 0.0, k_from
        for i, k_new in enumerate(sizes):
            if last_field is not None and i == len(sizes) - 1:
                total += (self.build_time(k_new * k_new, last_field)
                          + self.rank_time(k_new, last_field))
            else:
                total += self.build_time(k_new * k_new - k * k) + self.rank_time(k_new)
            k = k_new
        return total


def _cost(field: Field | None, gaussian_cost: float) -> float:
    """Cost of work over ``field`` in GF(p) units: ``gaussian_cost`` over GF(q²), else 1."""
    return gaussian_cost if field is not None and field.gaussian else 1.0


_flops: float | None = None


def gemm_flops() -> float:
    """This machine's float64 matrix-product speed in flop/s, timed once per process on a
    1024 × 1024 product (the best of three; about 0.1 s, asked for only before long work)."""
    global _flops
    if _flops is None:
        a = np.random.default_rng(0).standard_normal((1024, 1024))
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            a @ a
            best = min(best, time.perf_counter() - t0)
        _flops = 2 * 1024**3 / max(best, 1e-6)
    return _flops


def sizes(k: int, target: int, cap: int) -> list[int]:
    """The sides a sample grows through after side ``k``: doubling, then the target."""
    out = []
    while k < min(target, cap):
        k = min(target, cap, 2 * k)
        out.append(k)
    return out


class Growth:
    """A ``K × K`` sample over ``field`` grown in place inside one preallocated buffer: int64
    residues over GF(p), complex128 Gaussian residues over GF(q²) (``field.dtype``), or with
    ``bits=32`` over GF(p) (``p < 2**24``) float32 residues, ranked by the tiled elimination.

    Only new entries are computed at each step; the rank of every stage is
    computed on a copy (the buffer keeps growing), except a Gaussian buffer filled to
    its full side, which is eliminated in place (it holds the last stage).
    """

    def __init__(self, build: Build, draw: Draw, field: Field, kmax: int,
                 say: MessageCallback, label: str, clock: Clock, bits: int = 64) -> None:
        self.build, self.draw, self.field = build, draw, field
        self.bits = 32 if bits == 32 and not field.gaussian else 64
        self.dtype = field.dtype if self.bits == 64 else np.dtype(np.float32)
        self.Y = np.empty((kmax, kmax), dtype=self.dtype)
        self.k = 0
        self.rows: np.ndarray | None = None  # the start halves drawn so far
        self.cols: np.ndarray | None = None  # the end halves
        self.say, self.label, self.clock = say, label, clock

    def drawn(self) -> tuple[np.ndarray, np.ndarray]:
        """The start and end halves of the sample's rows and columns so far."""
        if self.rows is None or self.cols is None:
            raise TnrankError("the sample has no rows yet (extend it first)")
        return self.rows, self.cols

    def extend(self, k_new: int) -> None:
        if k_new > self.Y.shape[0]:  # the cap was raised: move into a larger buffer once
            larger = np.empty((k_new, k_new), dtype=self.dtype)
            larger[:self.k, :self.k] = self.Y[:self.k, :self.k]
            self.Y = larger
        k, Y = self.k, self.Y
        t0 = time.perf_counter()
        new_rows, new_cols = self.draw(k, k_new)
        tick = ticker(self.say, f"{self.label}: building the {k_new}×{k_new} sample",
                       self.clock, k_new * k_new - k * k)
        if k:
            old_rows, old_cols = self.drawn()
            self._build(old_rows, new_cols, Y[:k, k:k_new], tick.part(k * (k_new - k)))
            rows, cols = cat(old_rows, new_rows), cat(old_cols, new_cols)
        else:
            rows, cols = new_rows, new_cols
        self._build(new_rows, cols, Y[k:k_new, :k_new], tick.part((k_new - k) * k_new))
        self.rows, self.cols, self.k = rows, cols, k_new
        self.clock.built(k_new * k_new - k * k, time.perf_counter() - t0, self.field)

    def _build(self, rows: np.ndarray, cols: np.ndarray, out: np.ndarray,
               progress: Callable[[int, int], None]) -> None:
        if out.dtype != np.float32:
            self.build(rows, cols, out, progress)
            return
        step = max(1, (1 << 22) // max(1, out.shape[1]))  # int64 blocks of 32 MiB, stored in 32 bits
        block = np.empty((min(step, out.shape[0]), out.shape[1]), dtype=np.int64)
        for a in range(0, out.shape[0], step):
            b = min(out.shape[0], a + step)
            self.build(rows[a:b], cols, block[: b - a], None)
            out[a:b] = block[: b - a]  # residues in [0, p), p < 2**24: exact in float32
            progress(b, out.shape[0])

    def rank(self) -> int:
        eta = self.clock.rank_time(self.k, self.field)
        if eta >= 5:
            self.say(f"{self.label}: exact rank of the {self.k}×{self.k} sample {self.field.phrase}, "
                     f"about {format_duration(eta)}")
        t0, k = time.perf_counter(), self.k
        # a Gaussian buffer holds its elimination's working dtype: its last stage runs in place
        in_place = self.field.gaussian and k == self.Y.shape[0]
        if self.bits == 32:
            r = tiled_rank(ArraySource(self.Y[:k, :k]), self.field, bits=32)
        else:
            r = rank_mod_p(self.Y[:k, :k], self.field, overwrite=in_place)
        if in_place:  # the buffer now holds the elimination's work, not the sample
            self.Y, self.k = np.empty((0, 0), dtype=self.dtype), 0
        self.clock.ranked(k, time.perf_counter() - t0, self.field)
        return r


def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.concatenate([a, b])


class Ticker:
    """MessageCallback lines during a long build: at most one every ``every`` seconds, with the
    share done and the time left for this matrix."""

    def __init__(self, say: MessageCallback, label: str, clock: Clock | None, total: int,
                 every: float = 5.0) -> None:
        self.say, self.label, self.clock, self.total = say, label, clock, max(1, total)
        self.every, self.done, self.t0 = every, 0, time.perf_counter()
        self.last = self.t0

    def part(self, entries: int) -> Callable[[int, int], None]:
        """A block callback for one piece of ``entries`` entries of this matrix."""
        base = self.done
        self.done += entries

        def tick(done: int, total: int) -> None:
            now = time.perf_counter()
            if now - self.last < self.every or done >= total:
                return
            self.last = now
            share = (base + entries * done / total) / self.total
            left = (now - self.t0) * (1 - share) / max(share, 1e-9)
            self.say(f"{self.label}: {100 * share:.0f}% of its new entries, about "
                     f"{format_duration(left)} left for it")

        return tick


def ticker(say: MessageCallback, label: str, clock: Clock | None = None, total: int = 1) -> Ticker:
    return Ticker(say, label, clock, total)


def grow(growth: Growth, target: int, max_k: int, first_k: int, plan: Callable[[int], None],
          recap: Callable[[int], int] | None = None, handoff: bool = False,
          limit: int | None = None) -> tuple[int, int, int]:
    """Grow a sample until its rank reaches ``target``, falls below K, or K reaches
    ``max_k``; ``plan(k)`` is called after each stage (it prints the plan once).
    ``recap(k)``, when given, is asked for a new cap once the old one is reached (the
    memory-derived default follows memory freed meanwhile; ``k`` is the side held now).

    With ``handoff``, growth stops before the last stage (side ``min(target, max_k)``)
    once that stage is at most :data:`HANDOFF_RATIO` times the side reached (or the next
    doubling would pass ``limit``, the largest stage mod p that fits in memory), after one
    probe stage (:func:`probe_side`, at most ``limit``) where that is cheap, so the caller can
    compute the last stage in a larger field; the third value is then that stage's side (else
    0), and ``(r, k)`` is the last stage computed here (``(0, 0)`` when none was)."""
    k = max(1, min(target, max_k, first_k))
    if handoff and k == min(target, max_k):
        return 0, 0, k
    while True:
        growth.extend(k)
        r = growth.rank()
        growth.say(f"{growth.label}: {k}×{k} sample has rank {r} (target {target})")
        if r >= target or r < k:
            return r, k, 0
        if k >= max_k:
            new_cap = recap(k) if recap is not None else max_k
            if new_cap <= max_k:
                return r, k, 0
            growth.say(f"{growth.label}: memory now allows K ≤ {new_cap:,}; continuing")
            max_k = new_cap
        plan(k)
        last = min(target, max_k)
        if handoff and (HANDOFF_RATIO * k >= last or (limit is not None and 2 * k > limit)):
            new_cap = recap(k) if last < target and recap is not None else max_k
            if new_cap > max_k:
                max_k = new_cap
                growth.say(f"{growth.label}: memory now allows K ≤ {max_k:,}; continuing")
                last = min(target, max_k)
                if HANDOFF_RATIO * k < last:
                    k = min(last, 2 * k)
                    continue
            probe = probe_side(k, last, limit)
            if probe:
                k = probe
                continue
            return r, k, last
        k = min(last, 2 * k)


def probe_side(k: int, last: int, limit: int | None = None) -> int:
    """Side of the stage mod p that probes for a saturation before the last stage (side
    ``last``, over GF(q²)) once side ``k`` is reached, or 0 for none.

    Exact ranks cost about the cube of the side, so the probe is the largest side whose rank
    mod p costs at most :data:`PROBE_SHARE` of the last one's over GF(q²), and at most
    ``limit`` (the largest stage mod p that fits in memory, when the last stage lives on disk
    or on a cluster); it is made only if that is at least :data:`PROBE_STEP` times ``k``.

    >>> probe_side(8192, 21948), probe_side(8192, 14000), probe_side(64, 110)
    (12158, 0, 0)
    >>> probe_side(8192, 21948, limit=11000), probe_side(8192, 21948, limit=9000)
    (11000, 0)
    """
    side = int(last * (PROBE_SHARE * GAUSSIAN_RANK_COST) ** (1 / 3))
    if limit is not None:
        side = min(side, limit)
    return side if PROBE_STEP * k <= side < last else 0


def stages(k: int, target: int, cap: int, handoff: bool = False, limit: int | None = None) -> list[int]:
    """The sides a sample grows through after side ``k`` (see :func:`grow`); with
    ``handoff`` the last one is the stage computed in the larger field."""
    if not handoff:
        return sizes(k, target, cap)
    last, out = min(target, cap), []
    while k < last:
        near = HANDOFF_RATIO * k >= last or (limit is not None and 2 * k > limit)
        k = (probe_side(k, last, limit) or last) if near else 2 * k
        out.append(k)
    return out


def distinct_sequences(rng: np.random.Generator, n: int, length: int, count: int) -> np.ndarray:
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
    rows: list[np.ndarray] = []
    while len(rows) < count:
        cand = rng.integers(0, n, size=(count, length))
        for row in cand:
            key = row.tobytes()
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return np.array(rows[:count], dtype=np.int64)


def template_draw(n: int, partition: Partition, rng: np.random.Generator, cap: int) -> Draw:
    """Draw distinct one-hot template sequences for rows (start) and columns (end)."""
    starts = distinct_sequences(rng, n, len(partition.start), cap)
    ends = distinct_sequences(rng, n, len(partition.end), cap)
    eye = np.eye(n, dtype=np.int64)

    def draw(k0: int, k1: int) -> tuple[np.ndarray, np.ndarray]:
        return eye[starts[k0:k1]], eye[ends[k0:k1]]

    return draw


def random_draw(M: int, partition: Partition, rng: np.random.Generator,
                field: Field | None) -> Draw:
    """Random start and end halves: normal floats (``field=None``) or uniform elements of
    ``field``."""
    def draw(k0: int, k1: int) -> tuple[np.ndarray, np.ndarray]:
        shape_r, shape_c = (k1 - k0, len(partition.start), M), (k1 - k0, len(partition.end), M)
        if field is None:
            return rng.standard_normal(shape_r), rng.standard_normal(shape_c)
        return field.random(rng, shape_r), field.random(rng, shape_c)

    return draw


def builder(w: Weights, part: Partition) -> Build:
    """The build of sample matrices of the circuit with weights ``w`` across ``part``."""
    def build(a: np.ndarray, b: np.ndarray, out: np.ndarray, progress: Progress | None) -> None:
        sample_matrix(w, part, a, b, progress, out=out)

    return build


def planner(say: MessageCallback, label: str, target: int, clock: Clock, cap: int,
            handoff: bool = False, limit: int | None = None,
            describe: Callable[[int], str] | None = None) -> Callable[[int], None]:
    """After a stage of side ``k``: once the remaining work is estimated above
    :data:`PLAN_SECONDS`, print the plan (target, memory, time, reachability).
    A target above the cap is announced at once, before any work. ``limit`` is the largest
    stage mod p (see :func:`grow`); ``describe(side)``, when given, says where the last stage
    lives (tiles, memory, disk)."""
    shown = [False]
    estimated = [False]
    if target > cap:
        say(f"{label}: the target K = {target:,} (best upper bound) is NOT reachable: K is capped "
            f"at {cap:,} (memory or `max_samples`); the result is a lower bound unless the "
            "sample saturates below the cap")

    def plan(k: int) -> None:
        if shown[0]:
            return
        todo = stages(k, target, cap, handoff, limit)
        if not todo:
            return
        if k < CALIBRATION_K and len(todo) > 1:
            # small stages are dominated by overheads: calibrate on a larger one, but say early
            # (roughly: per entry a small stage costs more) that the run is long
            if k >= FIRST_ESTIMATE_K and not estimated[0]:
                estimated[0] = True
                eta = clock.run_time(k, todo, GAUSSIAN_FIELD if handoff else None)
                if eta >= PLAN_SECONDS:
                    say(f"{label}: roughly {format_duration(eta)} more to K = {todo[-1]:,} (a first "
                        f"estimate from the {k}×{k} stage; the plan follows at K = {CALIBRATION_K:,})")
            return
        shown[0] = True
        eta = clock.run_time(k, todo, GAUSSIAN_FIELD if handoff else None)
        if eta < PLAN_SECONDS:
            return
        last = todo[-1]
        reach = (f"reachable (K ≤ {cap:,} allowed)" if last >= target else
                 f"NOT reachable: K is capped at {cap:,} (memory or `max_samples`), so the result "
                 "is a lower bound unless the sample saturates below the cap")
        field = ", the last one over GF(q²)" if handoff else ""
        if describe is not None:
            memory = describe(last)
        else:
            memory = format_bytes(gaussian_sample_bytes(last) if handoff else sample_bytes(last))
        say(f"{label}: plan: target K = {target:,} (best upper bound); matrices up to "
            f"{last:,}×{last:,}{field}: {memory} with the exact rank; about "
            f"{format_duration(eta)} (calibrated on {k}×{k}: "
            f"{1e9 * (clock.per_entry or 0):.0f} ns per entry, rank {clock.rank_time(k):.2f} s); {reach}")

    return plan
