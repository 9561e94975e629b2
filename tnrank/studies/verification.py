"""Sweeps that check the paper's Theorem 1 and conjecture against certified ranks, row by row,
saved to and resumed from a results file (:func:`sweep_rows`, on which
:mod:`tnrank.studies.sweeps` builds)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from tnrank.certification.certify import FAILURE_TARGET, certify
from tnrank.certification.report import RankResult, Report, TheoremCheck
from tnrank.certification.report_text import rank_cell
from tnrank.errors import TnrankError
from tnrank.files.results_file import (
    RESULTS_FORMAT,
    ResultsFile,
    SweepResults,
    missing_points,
    ordered,
    sweep_config,
)
from tnrank.formatting import format_table
from tnrank.model.architecture import Architecture
from tnrank.model.partition import NAMES, Partition
from tnrank.primes import PRIME
from tnrank.runtime.parallel import map_unordered
from tnrank.runtime.threads import limited_threads
from tnrank.version import __version__

__all__ = ["verify", "verify_configs", "sweep_configs", "config_label", "width_label", "VerifyRow",
           "VERIFY_FORMAT", "VERDICTS", "HEADER", "row_cells", "verdict_counts", "format_verification",
           "verification_dict", "sweep_rows", "PLACEMENT_OPTIONS"]

#: Value of the ``format`` key of the JSON of a verification (``tnrank verify --json``).
VERIFY_FORMAT = "tnrank-verify/1"
#: The verdicts of a row, in the order the summary counts them.
VERDICTS = ("holds", "tight", "undecided", "violated", "n/a")
#: The columns of a verification table.
HEADER = ["L", "M", "R", "T", "grid rank", "separation rank", "min-cut", "paper bound", "verdict"]


@dataclass
class VerifyRow:
    """One configuration of a sweep and its certified report."""

    depth: int
    M: int
    R: int | str
    T: int
    report: Report

    @property
    def verdict(self) -> str:
        """``holds``, ``tight``, ``violated``, ``undecided`` or ``n/a``."""
        return self.report.verdict

    def to_dict(self) -> dict[str, Any]:
        """A row of a results file; :meth:`from_dict` reads it back with the file's settings."""
        rep = self.report
        return {
            "L": self.depth,
            "M": self.M,
            "R": self.R,
            "T": self.T,
            "grid": None if rep.grid is None else rep.grid.to_dict(),
            "separation": rep.separation.to_dict(),
            "theorems": [c.to_dict() for c in rep.theorems],
            "verdict": self.verdict,
        }

    @classmethod
    def from_dict(cls, row: dict[str, Any], config: dict[str, Any]) -> VerifyRow:
        """The row written by :meth:`to_dict`, with the report rebuilt from the settings of
        the results file it is in (``config``: partition, seed, prime and, for an architecture
        of its own, its plain-dict form under ``architecture``).

        Examples
        --------
        >>> from tnrank.studies.sweeps import sweep
        >>> res = sweep([2], M=2, R=2, Ts=[4])
        >>> row = VerifyRow.from_dict(res.rows[0], res.config)
        >>> row.report.separation.rank, row.to_dict() == res.rows[0]
        (6, True)
        """
        given = config.get("architecture")
        arch = (Architecture.from_dict(given, source="results file: architecture") if given
                else Architecture.rac(row["L"], row["R"], row["M"]))
        part = Partition.parse(config.get("partition", "start-end"), int(row["T"]))
        grid = row.get("grid")
        report = Report(
            architecture=arch, partition=part,
            grid=None if grid is None else RankResult.from_dict(grid, "grid"),
            separation=RankResult.from_dict(row["separation"], "separation"),
            theorems=[TheoremCheck.from_dict(t) for t in row.get("theorems", [])],
            applicability=None, seed=int(config.get("seed", 0)),
            prime=int(config.get("prime", PRIME)), seconds=0.0,
        )
        return cls(int(row["L"]), row["M"], row["R"], int(row["T"]), report)


def sweep_configs(
    depths: Iterable[int],
    Ms: Iterable[int],
    Rs: Iterable[int | str],
    Ts: Iterable[int],
    partition: str = "start-end",
    architecture: Architecture | None = None,
) -> list[tuple[int, int, int | str, int]]:
    """All ``(L, M, R, T)`` combinations, validated before any work starts.

    With ``architecture``, ``L``, ``M`` and ``R`` only label it (see :func:`width_label`)
    and only the lengths are checked.
    """
    configs = list(itertools.product(depths, Ms, Rs, Ts))
    if not configs:
        raise TnrankError("the sweep is empty; give at least one value for each of -L, -M, -R, -T")
    start_end = isinstance(partition, str) and partition.strip().lower() in NAMES["start-end"]
    for L, M, R, T in configs:
        if architecture is None:
            Architecture.rac(L, R, M)  # type: ignore[arg-type]  # a width label R raises here
        if start_end and isinstance(T, int) and not isinstance(T, bool) and T % 2 and T > 1:
            raise TnrankError(f"the start-end partition needs an even T, got T={T}; sweep even "
                              f"lengths `T` such as {T - 1} or {T + 1} (a range such as 2..8 "
                              "keeps the even ones)")
        Partition.parse(partition, T)  # raises on too small or too large T
    return configs


def width_label(arch: Architecture) -> int | str:
    """The ``R`` of an architecture's rows: its width, or its widths joined (``"3-1-3"``).

    >>> width_label(Architecture.rac(2, 3, 2)), width_label(Architecture(M=2, layers=[3, 1, 3]))
    (3, '3-1-3')
    """
    widths = list(arch.widths)
    return widths[0] if len(set(widths)) == 1 else "-".join(map(str, widths))


def config_label(config: tuple[int, int, int | str, int]) -> str:
    """``"L=2 M=3 R=3 T=8"``."""
    L, M, R, T = config
    return f"L={L} M={M} R={R} T={T}"


def _certify_config(job: tuple[Any, ...]) -> Report:
    """One configuration of a sweep (module level: worker processes import it by name)."""
    (L, M, R, T), partition, seed, confirm, options, *given = job
    arch = given[0] if given and given[0] is not None else Architecture.rac(L, R, M)
    return certify(arch, T, partition, seed=seed, confirm=confirm, **options)


def verify_configs(
    configs: Sequence[tuple[int, int, int | str, int]],
    *,
    seed: int = 0,
    confirm: bool = False,
    partition: str = "start-end",
    progress: Callable[[Any], None] | None = None,
    executor: Executor | None = None,
    threads: int | None = None,
    capacity: Callable[[], int | None] | None = None,
    architecture: Architecture | None = None,
    **certify_options: Any,
) -> Iterator[VerifyRow]:
    """Certify given ``(L, M, R, T)`` configurations, yielding rows as they finish.

    The engine of :func:`verify`, for callers that choose the configurations
    themselves (a resumed sweep runs only those not done). Parameters are
    those of :func:`verify`; ``capacity`` is passed to
    :func:`tnrank.runtime.parallel.map_unordered`. With ``architecture``, every
    configuration certifies it at its ``T`` (``L``, ``M``, ``R`` label it).
    """
    if executor is None:
        # the configuration's own lines (stages, plans, elimination steps) under its own: a
        # point of an hour shows its plan and progress as `tnrank rank` does
        options = certify_options if progress is None else {
            **certify_options, "progress": lambda line: progress(f"  {line}")}
        for i, config in enumerate(configs, start=1):
            if progress is not None:
                progress(f"[{i}/{len(configs)}] {config_label(config)}")
            with limited_threads(threads):
                rep = _certify_config((config, partition, seed, confirm, options, architecture))
            yield VerifyRow(*config, rep)
        return
    jobs = [(config, partition, seed, confirm, certify_options, architecture) for config in configs]
    for i, rep in map_unordered(_certify_config, jobs, executor, threads=threads, progress=progress,
                                labels=[config_label(c) for c in configs], capacity=capacity):
        yield VerifyRow(*configs[i], rep)


def verify(
    depths: Iterable[int],
    Ms: Iterable[int],
    Rs: Iterable[int | str],
    Ts: Iterable[int],
    *,
    seed: int = 0,
    confirm: bool = False,
    partition: str = "start-end",
    progress: Callable[[Any], None] | None = None,
    executor: Executor | None = None,
    threads: int | None = None,
    capacity: Callable[[], int | None] | None = None,
    path: str | os.PathLike | None = None,
    architecture: Architecture | None = None,
    **certify_options: Any,
) -> Iterator[VerifyRow]:
    """Certify every configuration of a sweep, yielding one row at a time.

    Rows come out as they finish, so a caller can print them as they arrive
    and keep what is done if the sweep is interrupted. Sequentially they come
    in the order of the configurations; on an executor, in the order they
    finish, each row the same as the sequential run gives for its
    configuration (every configuration is a deterministic ``certify`` call
    with the same seed).

    Parameters
    ----------
    depths, Ms, Rs, Ts : iterables of int
        The grid of configurations.
    seed : int
    confirm : bool
        Confirm each rank with a second prime and seed.
    partition : str
        ``"start-end"`` (the paper's theorems apply; every ``T`` even) or any
        named partition.
    progress : callable, optional
        Sequentially: one line (str) per configuration, then the lines of its
        certification (stages, plans, elimination steps), indented by two spaces. On an
        executor: a :class:`tnrank.runtime.progress.Status` after each finished
        configuration and every second (``tnrank.runtime.progress.progress_display()`` shows either).
    executor : concurrent.futures.Executor, optional
        Where to run the configurations: a ``ProcessPoolExecutor``, loky's
        executor, or ``distributed.Client(...).get_executor()``. None: one
        after another in this process.
    threads : int, optional
        Cap on tnrank's and BLAS's threads per configuration (see
        ``tnrank.runtime.threads``); with a pool of N processes on one machine,
        give the cores divided by N.
    capacity : callable, optional
        Configurations the executor runs at once, for the progress counts
        (:func:`tnrank.runtime.parallel.map_unordered`).
    path : path-like, optional
        Results file (:mod:`tnrank.files.results_file`, shared with
        :func:`tnrank.studies.sweeps.sweep`): each row is saved as it finishes, and an
        existing file of the same sweep is resumed: its rows come first, rebuilt with
        :meth:`VerifyRow.from_dict`, and only the missing configurations are computed.
    architecture : Architecture, optional
        Check this architecture at every ``T`` instead of the RACs of ``depths``, ``Ms``
        and ``Rs`` (its rows carry its depth, ``M`` and :func:`width_label`).
    **certify_options
        Passed to :func:`tnrank.certify`.

    Yields
    ------
    VerifyRow

    Examples
    --------
    >>> from tnrank.studies.verification import verify
    >>> [row.verdict for row in verify([1, 2], [2], [2], [4])]
    ['tight', 'holds']

    On worker processes, rows arrive as they finish:

    >>> from concurrent.futures import ProcessPoolExecutor
    >>> with ProcessPoolExecutor(2) as pool:
    ...     rows = list(verify([1, 2], [2], [2], [4], executor=pool, threads=1))
    >>> sorted((row.depth, row.verdict) for row in rows)
    [(1, 'tight'), (2, 'holds')]
    """
    if path is not None:
        with closing(sweep_rows(depths, Ms, Rs, Ts, path=path, partition=partition, seed=seed,
                                confirm=confirm, progress=progress, executor=executor,
                                threads=threads, capacity=capacity, architecture=architecture,
                                **certify_options)) as rows:
            for record, row, config in rows:
                yield row if row is not None else VerifyRow.from_dict(record, config)
        return
    if architecture is not None:
        depths, Ms, Rs = [architecture.depth], [architecture.M], [width_label(architecture)]
    configs = sweep_configs(depths, Ms, Rs, Ts, partition, architecture)
    yield from verify_configs(configs, seed=seed, confirm=confirm, partition=partition,
                              progress=progress, executor=executor, threads=threads,
                              capacity=capacity, architecture=architecture, **certify_options)


def _cell(res: dict[str, Any] | None, quantity: str) -> str:
    return rank_cell(None if res is None else RankResult.from_dict(res, quantity))


def row_cells(row: dict[str, Any]) -> list[str]:
    """The table cells of one results row (``VerifyRow.to_dict()``), in the order of :data:`HEADER`."""
    parts = []
    for c in row["theorems"]:
        sign = "≤" if c["kind"] == "upper" else "≥"
        parts.append(f"{c['name'].replace('Theorem', 'Thm')} {sign} {c['value']:,}")
    cut = row["separation"]["bounds"].get("min-cut")
    return [str(row["L"]), str(row["M"]), str(row["R"]), str(row["T"]), _cell(row["grid"], "grid"),
            _cell(row["separation"], "separation"), "-" if cut is None else f"{cut:,}",
            "; ".join(parts) or "-", row["verdict"]]


def verdict_counts(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """How many rows have each verdict of :data:`VERDICTS` (those with none left out).

    >>> verdict_counts([{"verdict": "tight"}, {"verdict": "holds"}, {"verdict": "tight"}])
    {'holds': 1, 'tight': 2}
    """
    verdicts = [row["verdict"] for row in rows]
    return {v: n for v in VERDICTS if (n := verdicts.count(v))}


def format_verification(rows: Sequence[dict[str, Any]], configurations: int) -> str:
    """The table of ``tnrank verify`` and its last line, ``2 of 4 configurations: 2 tight``.

    Parameters
    ----------
    rows : sequence of dict
        Results rows (``VerifyRow.to_dict()``), in the order to show.
    configurations : int
        How many configurations the sweep has (finished or not).
    """
    counts = verdict_counts(rows)
    summary = (f"{len(rows)} of {configurations} configurations: "
               + ", ".join(f"{n} {v}" for v, n in counts.items()))
    return format_table(HEADER, [row_cells(r) for r in rows]) + "\n" + summary


def verification_dict(rows: Sequence[dict[str, Any]], configurations: int,
                      interrupted: bool = False) -> dict[str, Any]:
    """The JSON of ``tnrank verify --json``: format, version, rows and their counts.

    >>> data = verification_dict([], 4, interrupted=True)
    >>> data["format"], data["completed"], data["violated"]
    ('tnrank-verify/1', 0, False)
    """
    return {
        "format": VERIFY_FORMAT,
        "tnrank_version": __version__,
        "rows": list(rows),
        "configurations": configurations,
        "completed": len(rows),
        "interrupted": interrupted,
        "violated": any(r["verdict"] == "violated" for r in rows),
    }


#: certify options that say where the samples over GF(q²) live, not what is computed: passed
#: on, never recorded in a results file (a file computed in memory is resumed on disk).
PLACEMENT_OPTIONS = ("storage", "spill", "tile")

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
    """The rows of :func:`tnrank.studies.sweeps.sweep` one at a time: those of a resumed
    results file first, then each computed one once it is saved; the generator returns the
    results (rows in order).

    Parameters are those of :func:`tnrank.studies.sweeps.sweep`. Each item is ``(row, verify_row, config)``:
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
