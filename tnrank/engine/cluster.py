"""The tiled elimination on a Dask cluster: one matrix larger than any one machine.

Each tile is a Dask future, built on the worker that will eliminate it (from a small part of
the source: for a sample, the weights and the inputs of its rows and columns) and stored in
32-bit floats. A step of :mod:`tnrank.engine.tiles` becomes a few tasks per tile, all of them
the same kernels as in memory:

* the panel's tiles go to one worker, which eliminates them (pivots across all rows);
* each row block receives its multipliers ``X`` and gives up its pivot rows, from which the
  pivot block ``U`` of every column is assembled;
* every trailing tile is updated where it lives, ``C - X U``, and becomes the next step's tile.

Tile ``(i, j)`` lives on worker ``(i mod P, j mod Q)`` of a ``P × Q`` grid of the ``W``
workers (:func:`process_grid`, ScaLAPACK's block-cyclic layout), so per step the data moved is
the panel (to one worker, ``rows × tile`` stored numbers), each row block's ``X`` to the ``Q``
workers of its grid row (``Q × rows × tile``) and each column's ``U`` to the ``P`` workers of
its grid column (``P × tile × cols``), while the products, ``rows × cols × tile``
multiply-adds, stay where the tiles are.

Faults: every task is a pure function of its inputs, so when a worker is lost Dask recomputes
the tiles it held from their lineage (back to the sample's parts if need be), and the rank is
the same. If Dask gives up (a task whose worker died too often, a lost connection), the run
stops with one line; it never returns a rank from partial results. The core never imports
Dask: ``client`` is a ``distributed.Client`` made by the caller.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np

from tnrank.engine.tiles import (
    Layout,
    MatrixSource,
    Panel,
    StepCallback,
    StepClock,
    update_tile,
)
from tnrank.errors import TnrankError

__all__ = ["cluster_rank", "cluster_workers", "check_client", "ProcessGrid", "process_grid"]

# exception types (matched by name: Dask is never imported here) that mean the cluster lost work
_LOST = ("KilledWorker", "CancelledError", "FutureCancelledError", "CommClosedError",
         "FutureLostError")


def check_client(client: object) -> Any:
    """``client`` if it can run a tiled elimination (a ``distributed.Client``), else a
    :class:`~tnrank.errors.TnrankError` naming ``executor``."""
    if not all(hasattr(client, name) for name in ("submit", "scheduler_info", "cancel")):
        raise TnrankError(f"`executor` must be a dask.distributed Client to spread one large sample "
                          f"over a cluster, got {type(client).__name__}")
    return client


def cluster_workers(client: Any) -> dict[str, dict[str, Any]]:
    """The workers of ``client``'s cluster (address: info), refused when there are none."""
    workers = client.scheduler_info(n_workers=-1).get("workers", {})
    if not workers and hasattr(client, "wait_for_workers"):  # a cluster still starting
        try:
            client.wait_for_workers(1, timeout=30)
        except Exception:  # any failure to wait means: no workers
            pass
        workers = client.scheduler_info(n_workers=-1).get("workers", {})
    if not workers:
        raise TnrankError("the Dask cluster has no workers; start some (`dask worker ADDRESS`)")
    return dict(workers)


@dataclass(frozen=True)
class ProcessGrid:
    """Workers as a ``rows × cols`` grid: tile ``(i, j)`` lives on worker ``(i mod rows, j mod
    cols)``, so a column's pivot rows go to ``rows`` workers and a row block's multipliers to
    ``cols`` (ScaLAPACK's two-dimensional block-cyclic layout).

    >>> process_grid(16), process_grid(6), process_grid(6).worker(4, 5)
    (ProcessGrid(rows=4, cols=4), ProcessGrid(rows=2, cols=3), 2)
    """

    rows: int
    cols: int

    def worker(self, i: int, j: int) -> int:
        return (i % self.rows) * self.cols + (j % self.cols)


def process_grid(workers: int) -> ProcessGrid:
    """The squarest grid of at most ``workers`` workers (``rows <= cols``; with a prime number
    of workers above 3 one of them holds no tiles)."""
    rows = max(1, math.isqrt(max(1, workers)))
    return ProcessGrid(rows, max(1, workers // rows))


# -- the tasks (module level: workers import them by name) ---------------------------------------
def _build(part: MatrixSource, layout: Layout) -> np.ndarray:
    rows, cols = part.shape
    out = np.empty((rows, cols), dtype=layout.storage_dtype)
    out[...] = layout.residues(part.block(0, rows, 0, cols))
    return out


def _panel(layout: Layout, *tiles: np.ndarray) -> Panel:
    return Panel.eliminate(np.concatenate(tiles, axis=0), layout.field)


def _summary(panel: Panel, bounds: list[tuple[int, int]]) -> tuple[int, list[int]]:
    return panel.rank, [int(panel.kept(lo, hi).size) for lo, hi in bounds]


def _share(panel: Panel, lo: int, hi: int, dtype: np.dtype) -> tuple[np.ndarray, ...]:
    """Row block ``lo:hi``'s share of the panel: kept rows, their X, its pivots' places."""
    where, rows = panel.pivots_in(lo, hi)
    X = np.array(panel.multipliers(lo, hi), dtype=dtype)  # residues: exact in the stored dtype
    return panel.kept(lo, hi) - lo, X, where, rows - lo


def _pick(tile: np.ndarray, share: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    return share[2], tile[share[3]]


def _assemble(rank: int, *picks: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    cols = picks[0][1].shape[1]
    U = np.empty((rank, cols), dtype=picks[0][1].dtype)
    for where, rows in picks:
        U[where] = rows
    return U


def _update(tile: np.ndarray, share: tuple[np.ndarray, ...], U: np.ndarray, layout: Layout) -> np.ndarray:
    kept, X = share[0], share[1]
    rows = tile if kept.size == tile.shape[0] else tile[kept]
    out = update_tile(rows, X.astype(layout.work_dtype), U.astype(layout.work_dtype), layout.field)
    return out.astype(layout.storage_dtype)


# -- the driver -----------------------------------------------------------------------------------
def _result(future: Any) -> Any:
    """A future's value; a cluster that lost the work gives one line instead."""
    try:
        return future.result()
    except Exception as exc:
        if type(exc).__name__ in _LOST or isinstance(exc, OSError | TimeoutError):
            text = str(exc).strip().splitlines()
            detail = f" ({type(exc).__name__}: {text[0][:160]})" if text else f" ({type(exc).__name__})"
            raise TnrankError(f"the Dask cluster lost work of the tiled elimination and could not "
                              f"recompute it{detail}; no rank was concluded, run it again") from None
        raise


def cluster_rank(source: MatrixSource, layout: Layout, client: Any, *,
                 progress: StepCallback | None = None) -> int:
    """Exact rank of ``source`` eliminated in tiles on the workers of a Dask cluster.

    Parameters
    ----------
    source : MatrixSource
        The matrix; each tile is built on its worker from ``source.part(...)``.
    layout : Layout
        Shape, field, storage width and tile side.
    client : distributed.Client
        A client of the cluster.
    progress : callable(StepStatus), optional
        Called after every elimination step.

    Returns
    -------
    int

    Raises
    ------
    TnrankError
        When the cluster has no workers, or lost work it could not recompute.
    """
    client = check_client(client)
    addresses = sorted(cluster_workers(client))
    token = uuid.uuid4().hex[:10]
    b = layout.tile
    nr, nc = layout.tiles
    if layout.rows == 0 or layout.cols == 0:
        return 0

    grid = process_grid(len(addresses))

    def submit(func: Any, *args: Any, name: str, at: tuple[int, int] | None = None) -> Any:
        where = {} if at is None else {"workers": [addresses[grid.worker(*at)]],
                                       "allow_other_workers": True}
        return client.submit(func, *args, key=f"tnrank-{token}-{name}", pure=False, **where)

    # tiles[i][j]: row block blocks[i] and column tile columns[j] of the first matrix (which fix
    # the tile's worker) in the trailing matrix
    tiles: list[list[Any]] = []
    heights: list[int] = []
    blocks: list[int] = []
    columns = list(range(nc))
    for i in range(nr):
        r0, r1 = i * b, min(layout.rows, (i + 1) * b)
        tiles.append([submit(_build, source.part(r0, r1, j * b, min(layout.cols, (j + 1) * b)), layout,
                             name=f"build-{i}-{j}", at=(i, j)) for j in range(nc)])
        heights.append(r1 - r0)
        blocks.append(i)
    rank, step = 0, 0
    cols = layout.cols
    clock = StepClock(layout.rows, layout.cols, b, 0, 0, progress)
    try:
        while tiles and tiles[0]:
            step += 1
            s = f"s{step}"
            panel = submit(_panel, layout, *[row[0] for row in tiles], name=f"{s}-panel")
            bounds, lo = [], 0
            for h in heights:
                bounds.append((lo, lo + h))
                lo += h
            r, kept = _result(submit(_summary, panel, bounds, name=f"{s}-summary"))
            rank += r
            cols -= min(b, cols)
            if r == 0:
                tiles = [row[1:] for row in tiles]
            elif r == sum(heights):
                tiles = []
            else:  # each block's share is cut where the panel is; tiles are updated where they live
                shares = [submit(_share, panel, lo, hi, layout.storage_dtype, name=f"{s}-share-{i}")
                          for i, (lo, hi) in enumerate(bounds)]
                with_pivots = [i for i, (h, k) in enumerate(zip(heights, kept, strict=True)) if k < h]
                new: list[list[Any]] = [[] for _ in tiles]
                for j in range(1, len(tiles[0])):
                    at = [(blocks[i], columns[j]) for i in range(len(tiles))]
                    picks = [submit(_pick, tiles[i][j], shares[i], name=f"{s}-pick-{i}-{j}", at=at[i])
                             for i in with_pivots]
                    U = submit(_assemble, r, *picks, name=f"{s}-pivots-{j}")
                    for i, row in enumerate(tiles):
                        if kept[i]:
                            new[i].append(submit(_update, row[j], shares[i], U, layout,
                                                 name=f"{s}-tile-{i}-{j}", at=at[i]))
                keep = [i for i in range(len(tiles)) if kept[i]]
                tiles = [new[i] for i in keep]
                heights = [kept[i] for i in keep]
                blocks = [blocks[i] for i in keep]
            columns = columns[1:]
            clock.tick(step, rank, sum(heights) if tiles and tiles[0] else 0, cols)
        return rank
    finally:
        pending = [f for row in tiles for f in row]
        if pending:
            client.cancel(pending)
