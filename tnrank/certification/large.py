"""Where the largest sample of a certification lives: 32-bit tiles in memory, on disk, or on a
Dask cluster.

A sampled rank grows mod p and computes its last, largest stage (and its repetitions) over
GF(q²) (:mod:`tnrank.certification.sampling`). That stage decides what fits: a
:class:`Placement` builds it tile by tile with 32-bit storage and eliminates it with
:mod:`tnrank.engine.tiles` — in memory, in a resumable checkpoint folder on disk
(:mod:`tnrank.engine.spill`), or on the workers of a Dask cluster (:mod:`tnrank.engine.cluster`)
— or, with 64-bit storage in memory, as one complex128 matrix, eliminated in place. The
matrix, and therefore its rank and every failure bound, is the same in every placement.

The placement also sizes the work before it starts: the largest side it can hold (memory, free
disk, or memory per worker), and the plan's words for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

import numpy as np

from tnrank.engine.cluster import check_client, cluster_rank, cluster_workers
from tnrank.engine.rank import rank_memory
from tnrank.engine.sample_tiles import SampleSource
from tnrank.engine.spill import CHECKPOINT, check_disk, spill_bytes, spilled_rank
from tnrank.engine.tiles import Layout, StepStatus, check_storage, eliminate, fill, tile_for
from tnrank.errors import TnrankError
from tnrank.field import Field
from tnrank.formatting import format_duration
from tnrank.runtime.memory import check_memory, format_bytes
from tnrank.safe_files import parse_json, read_text, write_json

__all__ = ["Placement", "placement", "largest_side", "STORAGE_CHOICES"]

#: ``storage`` values of certify: bits per stored real number (None: 32 wherever the field allows).
STORAGE_CHOICES = (None, 32, 64)
# share of the memory (or of a worker's memory limit) a computation may use
_FRACTION = 0.8
# a stage mod p before the hand-off is at most this share of the last stage's side
# (probe_side: (PROBE_SHARE * GAUSSIAN_RANK_COST) ** (1/3) < 0.56)
_PROBE_FRACTION = 0.56

MessageCallback = Callable[[str], None]


def largest_side(fits: Callable[[int], bool], start: int = 64) -> int:
    """The largest side ``k >= 1`` with ``fits(k)`` (``fits`` decreasing in ``k``), or 0.

    >>> largest_side(lambda k: k * k <= 10**6)
    1000
    """
    if not fits(1):
        return 0
    lo, hi = 1, max(2, start)
    while fits(hi):
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def _gfp_stage_bytes(k: int) -> int:
    """Memory of a k × k stage mod p (64-bit): its int64 sample and a float64 rank."""
    return 8 * k * k + rank_memory(k, k)


@dataclass(frozen=True)
class Placement:
    """Where and how the GF(q²) samples of a certification are stored and eliminated.

    Parameters
    ----------
    storage : {32, 64}
        Bits per stored real number of a GF(q²) sample (complex64 or complex128).
    spill : Path, optional
        A folder on disk: the samples are built and eliminated in memmap files there, one
        resumable checkpoint per sample.
    client : distributed.Client, optional
        A Dask cluster whose workers hold the tiles.
    tile : int, optional
        Rows and columns of a tile (default: :func:`~tnrank.engine.tiles.tile_for` the side).
    evaluation : callable(int) -> int, optional
        Bytes of memory the evaluation of a sample of that side takes here beyond its matrix
        (:func:`~tnrank.engine.grid.evaluation_bytes`; its states grow with the depth).
    """

    storage: int = 32
    spill: Path | None = None
    client: Any = None
    tile: int | None = None
    _workers: dict[str, Any] = dataclass_field(default_factory=dict, compare=False, repr=False)
    evaluation: Callable[[int], int] | None = dataclass_field(default=None, compare=False, repr=False)

    @property
    def tiled(self) -> bool:
        """Whether samples go through the tiled elimination (all but 64-bit in memory)."""
        return self.storage == 32 or self.spill is not None or self.client is not None

    def layout(self, side: int, field: Field) -> Layout:
        return Layout(side, side, field, self.storage, self.tile or tile_for(side))

    @property
    def where(self) -> str:
        if self.client is not None:
            return f"on {len(self._workers)} Dask workers"
        if self.spill is not None:
            return f"on disk in {self.spill}"
        return "in memory"

    # -- sizes ---------------------------------------------------------------------------------
    def memory_bytes(self, side: int, field: Field) -> int:
        """Bytes of this machine's memory the last stage of ``side`` needs; in memory, the
        stages mod p before it (at most :data:`_PROBE_FRACTION` of its side) included. On disk
        or a cluster those stages are capped by the memory apart (certify's ``limit``)."""
        if self.client is not None:
            return 0
        lay = self.layout(side, field)
        evaluation = 0 if self.evaluation is None else self.evaluation(side)
        if self.spill is not None:
            return lay.working_bytes + evaluation
        before = _gfp_stage_bytes(int(_PROBE_FRACTION * side) + 1)
        if not self.tiled:
            return max(before, 16 * side * side + rank_memory(side, side, field, in_place=True)) + evaluation
        return max(before, lay.memory_bytes) + evaluation

    def worker_bytes(self, side: int, field: Field) -> int:
        """Peak bytes on the busiest worker: its row blocks' tiles, twice (a step reads the old
        tiles while it writes the new), and the panel it may eliminate."""
        lay = self.layout(side, field)
        workers = max(1, len(self._workers))
        blocks = -(-lay.tiles[0] // workers)
        mine = min(lay.rows, blocks * lay.tile) * lay.cols * lay.storage_dtype.itemsize
        return 2 * mine + lay.working_bytes

    def beyond_memory(self, field: Field) -> int | None:
        """The largest side of a GF(q²) sample the disk or the workers can hold (None in memory,
        where :meth:`memory_bytes` decides)."""
        if self.spill is not None:
            free = _free_disk(self.spill)
            return largest_side(lambda k: spill_bytes(self.layout(k, field)) <= free)
        if self.client is not None:
            limit = self._worker_limit()
            return largest_side(lambda k: self.worker_bytes(k, field) <= limit)
        return None

    def _worker_limit(self) -> float:
        return _FRACTION * min(int(w.get("memory_limit") or 2**62) for w in self._workers.values())

    def describe(self, side: int, field: Field) -> str:
        """The plan's words for a GF(q²) sample of ``side``: tiles, memory, disk."""
        if not self.tiled:
            return f"{format_bytes(self.memory_bytes(side, field))} in memory (complex128, in place)"
        lay = self.layout(side, field)
        tiles = f"{lay.tiles[0]}×{lay.tiles[1]} tiles of {lay.tile:,}, {self.storage}-bit"
        if self.client is not None:
            return (f"{tiles}, on {len(self._workers)} Dask workers: "
                    f"{format_bytes(self.worker_bytes(side, field))} on the busiest")
        if self.spill is not None:
            return (f"{tiles}, on disk in {self.spill}: {format_bytes(spill_bytes(lay))} of "
                    f"{format_bytes(_free_disk(self.spill))} free, "
                    f"{format_bytes(lay.working_bytes)} in memory")
        return f"{tiles}: {format_bytes(lay.memory_bytes)} in memory"

    def check(self, side: int, field: Field, fix: str) -> None:
        """Refuse a GF(q²) sample of ``side`` that this placement cannot hold, before any work."""
        what = f"a {side:,} × {side:,} sample matrix over GF(q²) and its exact rank"
        check_memory(self.memory_bytes(side, field), what, fix)
        if self.spill is not None:
            check_disk(self.spill, spill_bytes(self.layout(side, field)) - _held(self.spill), what)
        if self.client is not None:
            limit = self._worker_limit()
            if self.worker_bytes(side, field) > limit:
                raise TnrankError(f"{what} needs {format_bytes(self.worker_bytes(side, field))} on one "
                                  f"Dask worker, more than {format_bytes(limit)}; {fix}, or add workers")

    # -- running -------------------------------------------------------------------------------
    def sample_rank(self, source: SampleSource, field: Field, identity: dict[str, Any],
                    say: MessageCallback, label: str, rank_seconds: float) -> tuple[int, float, float]:
        """Rank over GF(q²) of the sample ``source`` (tiled); with the seconds it took to build
        (0 when not measured apart) and to eliminate."""
        side = source.shape[0]
        lay = self.layout(side, field)
        eta = f", about {format_duration(rank_seconds)}" if rank_seconds >= 5 else ""
        say(f"{label}: the {side:,}×{side:,} sample over GF(q²) in {self.describe(side, field)}{eta}")
        steps = _progress(say, label, rank_seconds, always=self.spill is not None)
        if self.client is not None:
            t0 = time.perf_counter()
            return cluster_rank(source, lay, self.client, progress=steps), 0.0, time.perf_counter() - t0
        if self.spill is not None:
            folder = self.spill / _folder_name(identity)
            t0 = time.perf_counter()
            r = spilled_rank(source, lay, folder, identity, progress=steps,
                             say=lambda line: say(f"{label}: {line}"))
            return r, 0.0, time.perf_counter() - t0
        store = np.empty((side, side), dtype=lay.storage_dtype)
        t0 = time.perf_counter()
        fill(store, source, lay, 0, _rows_done(say, label, side))
        t1 = time.perf_counter()
        r = eliminate(store, lay, progress=steps)
        return r, t1 - t0, time.perf_counter() - t1

    def remember(self, identity: dict[str, Any], compute: Callable[[], Any]) -> Any:
        """``compute()``, kept in the spill folder (and read back when the same identity is
        asked again) so that a resumed run skips what it finished; JSON values only."""
        if self.spill is None:
            return compute()
        identity = json.loads(json.dumps(identity))
        path = self.spill / f"{_folder_name(identity)}.json"
        if path.exists():
            data = parse_json(read_text(path, "a tnrank checkpoint", max_bytes=1 << 20), str(path))
            if isinstance(data, dict) and data.get("identity") == identity and "result" in data:
                return data["result"]
        result = compute()
        write_json(path, {"format": "tnrank-stage", "identity": identity, "result": result})
        return result


def _free_disk(folder: Path) -> int:
    """Free bytes for a spill folder, counting the checkpoints it already holds as free (a
    resumed run reuses them)."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free + _held(folder)


def _held(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(p.stat().st_size for p in folder.glob("*/*.bin") if p.is_file())


def _folder_name(identity: dict[str, Any]) -> str:
    """A checkpoint's name: readable fields and a digest of the whole identity
    (``separation-seed0-side39440-<digest>``)."""
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
    parts = [str(identity.get("quantity", "sample"))]
    parts += [f"{key}{identity[key]}" for key in ("seed", "side") if key in identity]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join([*parts, digest]))


def _progress(say: MessageCallback, label: str, eta: float, always: bool = False
              ) -> Callable[[StepStatus], None]:
    """Step lines: every step of a long elimination (of every spilled one: each step is a
    checkpoint), else none."""
    def step(status: StepStatus) -> None:
        if always or eta >= 5 or (status.left or 0) >= 5:
            say(f"{label}: elimination {status}")

    return step


def _rows_done(say: MessageCallback, label: str, side: int) -> Callable[[int], None]:
    t0 = time.perf_counter()
    last = [t0]

    def done(rows: int) -> None:
        now = time.perf_counter()
        if now - last[0] < 5 or rows >= side:
            return
        last[0] = now
        left = (now - t0) * (side - rows) / max(rows, 1)
        say(f"{label}: {100 * rows / side:.0f}% of the sample built, about {format_duration(left)} "
            "left for it")

    return done


def placement(storage: int | None, spill: str | os.PathLike[str] | None, executor: Any,
              tile: int | None, field: Field) -> Placement:
    """The :class:`Placement` of certify's ``storage``, ``spill``, ``executor`` and ``tile``,
    each checked (one-line errors naming the parameter), before any work."""
    if storage is None:
        storage = 32
    check_storage(field, storage)
    if tile is not None and (isinstance(tile, bool) or not isinstance(tile, int) or tile < 1):
        raise TnrankError(f"`tile` must be a whole number >= 1, got {tile!r}")
    if spill is not None and executor is not None:
        raise TnrankError("give `spill` (one machine, its disk) or `executor` (a Dask cluster), not both")
    folder = None
    if spill is not None:
        folder = Path(spill)
        if folder.exists() and not folder.is_dir():
            raise TnrankError(f"`spill` {folder} is not a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TnrankError(f"`spill` {folder}: cannot create it ({exc.strerror or exc})") from None
        if not os.access(folder, os.W_OK):
            raise TnrankError(f"`spill` {folder}: cannot write there")
        if (folder / CHECKPOINT).exists():
            raise TnrankError(f"`spill` {folder} is the folder of one matrix's checkpoint; give the "
                              "folder that holds it")
    workers: dict[str, Any] = {}
    if executor is not None:
        check_client(executor)
        workers = cluster_workers(executor)
    return Placement(storage, folder, executor, tile, workers)
