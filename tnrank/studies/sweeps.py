"""Rank-versus-length sweeps: certify every (depth, M, R, T) point, saving each row as it arrives.

With a ``path``, rows go to a results file (:mod:`tnrank.files.results_file`), rewritten
atomically after every finished row: a sweep killed at any moment keeps every row it
finished, and running the same sweep again computes only the rows missing.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from contextlib import closing
from typing import Any

from tnrank.files.results_file import (
    RESULTS_FORMAT,
    SweepResults,
    sweep_config,
)
from tnrank.model.architecture import Architecture
from tnrank.studies.verification import sweep_rows
from tnrank.version import __version__

# sweep_config: the config of a results file
__all__ = ["sweep", "sweep_config", "CSV_FIELDS", "csv_rows", "csv_text",
           "results_dict"]

#: The columns of a sweep's CSV table (``tnrank sweep --csv``), one row per point.
CSV_FIELDS = ["L", "M", "R", "T", "quantity", "lower", "upper", "upper_source", "exact", "status",
              "failure_bound", "theorem", "theorem_value", "verdict"]



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
