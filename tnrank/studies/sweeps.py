"""Rank-versus-length sweeps: certify every (depth, M, R, T) point, saving each row as it arrives.

With a ``path``, rows go to a results file (:mod:`tnrank.files.results_file`), rewritten
atomically after every finished row: a sweep killed at any moment keeps every row it
finished, and running the same sweep again computes only the rows missing.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import closing
from typing import Any

from tnrank.certification.certify import FAILURE_TARGET
from tnrank.files.results_file import (
    RESULTS_FORMAT,
    ResultsFile,
    SweepResults,
    missing_points,
    ordered,
    sweep_config,
)
from tnrank.model.architecture import Architecture
from tnrank.studies.verification import VerifyRow, sweep_configs, verify_configs, width_label
from tnrank.version import __version__

# sweep_config: the config of a results file
__all__ = ["sweep", "sweep_rows", "sweep_config", "PLACEMENT_OPTIONS", "CSV_FIELDS", "csv_rows", "csv_text",
           "results_dict"]

#: The columns of a sweep's CSV table (``tnrank sweep --csv``), one row per point.
CSV_FIELDS = ["L", "M", "R", "T", "quantity", "lower", "upper", "upper_source", "exact", "status",
              "failure_bound", "theorem", "theorem_value", "verdict"]

#: certify options that say where the samples over GF(q²) live, not what is computed: passed
#: on, never recorded in a results file (a file computed in memory is resumed on disk).
PLACEMENT_OPTIONS = ("storage", "spill", "tile")


def sweep(
    depths: Iterable[int],
    M: int | Iterable[int],
    R: int | str | Iterable[int | str],
    Ts: Iterable[int],
    *,
    path: str | os.PathLike | None = None,
    partition: str = "start-end",
    seed: int = 0,
    progress: Callable[[Any], None] | None = None,
    executor: Executor | None = None,
    threads: int | None = None,
    capacity: Callable[[], int | None] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    architecture: Architecture | None = None,
    **certify_options: Any,
) -> SweepResults:
    """Certified ranks of the RACs of each depth at each ``T``: the data of ``tnrank sweep``.

    Parameters
    ----------
    depths : iterable of int
    M, R : int or iterable of int
        Representation functions and hidden channels: one value, or several (every
        combination with ``depths`` and ``Ts`` is a point).
    Ts : iterable of int
        Sequence lengths.
    path : path-like, optional
        Results file: each row is saved as it finishes; an existing file of the
        same sweep, or of part of it, is resumed (only the missing points are
        computed).
    partition : str
    seed : int
    progress, executor, threads, capacity
        As for :func:`tnrank.studies.verification.verify`.
    on_row : callable(dict), optional
        Called with each row as it finishes (after it is saved).
    architecture : Architecture, optional
        Sweep this architecture over ``Ts`` instead of the RACs of ``depths``, ``M`` and
        ``R`` (which are then ignored): its rows carry its depth, ``M`` and
        :func:`~tnrank.studies.verification.width_label`, and the results file records it,
        so a file is resumed only by a sweep of the same architecture.
    **certify_options
        ``prime``, ``confirm``, ``grid``, ``max_entries``, ``max_samples``,
        ``float_check`` (see :func:`tnrank.certify`); and where the samples over GF(q²) live,
        ``storage``, ``spill`` and ``tile``, which change no result and are not recorded in the
        results file.

    Returns
    -------
    dict
        The results file's content; ``complete`` is True.

    Examples
    --------
    >>> data = sweep([1, 2], 2, 2, [2, 4])
    >>> [(r["L"], r["T"], r["separation"]["rank"]) for r in data["rows"]], data["complete"]
    ([(1, 2, 2), (1, 4, 2), (2, 2, 2), (2, 4, 6)], True)
    """
    with closing(sweep_rows(depths, M, R, Ts, path=path, partition=partition, seed=seed,
                            progress=progress, executor=executor, threads=threads,
                            capacity=capacity, architecture=architecture,
                            **certify_options)) as rows:
        while True:
            try:
                record, row, _config = next(rows)
            except StopIteration as stop:
                return stop.value
            if row is not None and on_row is not None:
                on_row(record)


#: What :func:`sweep_rows` yields: a results row, its VerifyRow when it was computed now (None
#: for a row read from the results file), and the results file's settings.
Point = tuple[dict[str, Any], VerifyRow | None, dict[str, Any]]


def sweep_rows(
    depths: Iterable[int],
    M: int | Iterable[int],
    R: int | str | Iterable[int | str],
    Ts: Iterable[int],
    *,
    path: str | os.PathLike | None = None,
    partition: str = "start-end",
    seed: int = 0,
    progress: Callable[[Any], None] | None = None,
    executor: Executor | None = None,
    threads: int | None = None,
    capacity: Callable[[], int | None] | None = None,
    architecture: Architecture | None = None,
    **certify_options: Any,
) -> Generator[Point, None, SweepResults]:
    """The rows of :func:`sweep` one at a time: those of a resumed results file first, then
    each computed one once it is saved; the generator returns the results (rows in order).

    Parameters are those of :func:`sweep`. Each item is ``(row, verify_row, config)``:
    the row as the results file holds it, the :class:`VerifyRow` computed now (None for a row
    read from the file) and the file's settings (to rebuild a row with
    :meth:`VerifyRow.from_dict`).

    Examples
    --------
    >>> [(row["T"], fresh is not None) for row, fresh, _ in sweep_rows([1], 2, 2, [2, 4])]
    [(2, True), (4, True)]
    """
    depths, Ts = list(depths), list(Ts)
    Ms = [M] if isinstance(M, int) else list(M)
    Rs: list[Any] = [R] if isinstance(R, int) else list(R)
    if architecture is not None:
        depths, Ms, Rs = [architecture.depth], [architecture.M], [width_label(architecture)]
    sweep_configs(depths, Ms, Rs, Ts, partition, architecture)  # validate before any work
    where = {key: certify_options.pop(key) for key in PLACEMENT_OPTIONS if key in certify_options}
    config = sweep_config(depths, Ms, Rs, Ts, partition=partition, seed=seed, **certify_options)
    if architecture is not None:
        config["architecture"] = architecture.to_dict()
    if path is None:
        data: dict[str, Any] = {"format": RESULTS_FORMAT, "config": config, "rows": [], "complete": False}
        yield from _computed(data, data["rows"].append, progress, executor, threads, capacity, where)
        return ordered(data)
    with ResultsFile(path, config) as results:
        saved = list(results.data["rows"])
        if saved and progress is not None:
            total = len(depths) * len(Ms) * len(Rs) * len(Ts)
            rest = f"computing the other {total - len(saved)}" if len(saved) < total else "nothing to compute"
            progress(f"{path}: {len(saved)} of {total} points already done; {rest}")
        for record in saved:
            yield record, None, results.data["config"]
        yield from _computed(results.data, results.add, progress, executor, threads, capacity, where)
        return ordered(results.data)


def _computed(data: dict[str, Any], store: Callable[[dict[str, Any]], None],
              progress: Callable[[Any], None] | None, executor: Executor | None,
              threads: int | None, capacity: Callable[[], int | None] | None,
              where: dict[str, Any]) -> Iterator[Point]:
    """The missing points of ``data``, each stored before it is yielded."""
    config = data["config"]
    options = {k: config[k] for k in ("prime", "grid", "max_entries", "max_samples", "float_check")}
    options.update(where)
    options["failure_target"] = config.get("failure_target", FAILURE_TARGET)
    todo = missing_points(data)
    arch = config.get("architecture")
    for row in verify_configs(todo, seed=config["seed"], confirm=config["confirm"],
                              partition=config["partition"], progress=progress, executor=executor,
                              threads=threads, capacity=capacity,
                              architecture=None if arch is None else Architecture.from_dict(arch),
                              **options):
        record = row.to_dict()
        store(record)
        yield record, row, config


def csv_rows(rows: Iterable[dict[str, Any]], quantity: str) -> list[dict[str, Any]]:
    """The :data:`CSV_FIELDS` of each results row that has ``quantity`` (``"separation"`` or
    ``"grid"``); the theorem is the row's first (the paper's Theorem 1 at Start-End).

    >>> data = sweep([1], 2, 2, [4])
    >>> row = csv_rows(data["rows"], "separation")[0]
    >>> row["upper"], row["theorem"], row["verdict"]
    (2, 'Theorem 1 (depth 1)', 'tight')
    """
    out = []
    for row in rows:
        res = row[quantity]
        if res is None:
            continue
        th = row["theorems"][0] if row["theorems"] else None
        out.append({
            "L": row["L"], "M": row["M"], "R": row["R"], "T": row["T"], "quantity": quantity,
            "lower": res["lower"], "upper": res["upper"], "upper_source": res["upper_source"],
            "exact": res["exact"], "status": res["status"], "failure_bound": res["failure_bound"],
            "theorem": th["name"] if th else "", "theorem_value": th["value"] if th else "",
            "verdict": row["verdict"],
        })
    return out


def csv_text(rows: Sequence[dict[str, Any]], quantity: str) -> str:
    """The CSV table of a sweep's rows: a header of :data:`CSV_FIELDS`, then :func:`csv_rows`."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(csv_rows(rows, quantity))
    return buffer.getvalue()


def results_dict(data: dict[str, Any]) -> dict[str, Any]:
    """A results file's content as ``tnrank sweep --json`` prints it: ``format`` and
    ``tnrank_version`` first.

    >>> list(results_dict({"format": "tnrank-sweep", "rows": []}))
    ['format', 'tnrank_version', 'rows']
    """
    return {"format": data.get("format", RESULTS_FORMAT), "tnrank_version": __version__,
            **{k: v for k, v in data.items() if k not in ("format", "tnrank_version")}}
