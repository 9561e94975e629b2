"""The reports of ``tnrank analyze``: every architecture at every length, saved as each finishes.

:func:`analyze` is :func:`~tnrank.studies.comparison.compare` with a results file, as
:func:`~tnrank.studies.sweeps.sweep` is for sweeps: with a ``path`` every report is saved as
it finishes (:class:`~tnrank.files.results_file.AnalysisFile`), and the same call resumes an
interrupted run, computing only the reports missing. :func:`in_order` puts rows that came back
in any order into the order of the files and lengths; :func:`reproduce_command` is the command
line of a comparison, with the options that change its numbers.
"""

from __future__ import annotations

import inspect
import os
import shlex
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from typing import Any

from tnrank.certification.certify import certify
from tnrank.certification.report import Report
from tnrank.errors import TnrankError
from tnrank.files.results_file import AnalysisFile
from tnrank.model.architecture import Architecture
from tnrank.model.partition import Partition
from tnrank.runtime.threads import limited_threads
from tnrank.studies.comparison import CompareRow, compare

__all__ = ["analyze", "analysis_config", "in_order", "reproduce_command", "REPRODUCED_OPTIONS"]

Entries = Sequence[tuple[str, Architecture]]

#: The options of :func:`~tnrank.certify` that change a comparison's numbers: its command
#: line names those that differ from certify's defaults.
REPRODUCED_OPTIONS = ("partition", "seed", "prime", "grid", "max_entries", "max_samples")


def analysis_config(entries: Entries, Ts: Sequence[int], partition: str,
                    certify_options: dict[str, Any]) -> dict[str, Any]:
    """What an analysis results file must agree on to be resumed: the architectures, the
    lengths, the partition and every certify option."""
    return {"entries": [[label, arch.to_dict()] for label, arch in entries], "T": list(Ts),
            "partition": partition, **certify_options}


def _reports(entries: Entries, Ts: Sequence[int], partition: str, skip: set[tuple[str, int]],
             progress: Callable[[Any], None] | None, executor: Executor | None,
             threads: int | None, capacity: Callable[[], int | None] | None,
             certify_options: dict[str, Any]) -> Iterator[CompareRow]:
    todo = [(label, arch, T) for label, arch in entries for T in Ts if (label, T) not in skip]
    if len(todo) == 1 and executor is None:  # one report: certify's own progress lines
        label, arch, T = todo[0]
        with limited_threads(threads):
            report = certify(arch, T, partition, progress=progress, **certify_options)
        yield CompareRow(label, arch, T, report)
        return
    if todo:
        yield from compare(entries, Ts, partition, progress=progress, executor=executor,
                           threads=threads, capacity=capacity, skip=skip, **certify_options)


def analyze(
    entries: Iterable[tuple[str, Architecture]],
    Ts: Iterable[int],
    partition: str = "start-end",
    *,
    path: str | os.PathLike | None = None,
    progress: Callable[[Any], None] | None = None,
    executor: Executor | None = None,
    threads: int | None = None,
    capacity: Callable[[], int | None] | None = None,
    **certify_options: Any,
) -> Iterator[CompareRow]:
    """Certify every architecture at every ``T``, yielding each report as it finishes.

    Parameters
    ----------
    entries : iterable of (label, Architecture)
        The architectures and their labels (file names); labels are unique.
    Ts : iterable of int
    partition : str
    path : path-like, optional
        Analysis results file: each report is saved as it finishes; an existing file of the
        same analysis is resumed (its reports are yielded first, and only the others are
        computed).
    progress, executor, threads, capacity
        As for :func:`~tnrank.studies.comparison.compare`; a single report computed here shows
        certify's own progress lines.
    **certify_options
        Passed to :func:`tnrank.certify`.

    Yields
    ------
    CompareRow
        The saved ones first, then each as it finishes (:func:`in_order` sorts them).

    Raises
    ------
    TnrankError
        For an empty list, a partition that does not fit a ``T`` (before any work), and a
        results file of another analysis or written by another process.

    Examples
    --------
    >>> from tnrank import Architecture
    >>> rows = analyze([("deep", Architecture.rac(2, 2, 2))], [4, 2])
    >>> [(r.label, r.T, r.report.separation.rank) for r in rows]
    [('deep', 4, 6), ('deep', 2, 2)]
    """
    entries, Ts = list(entries), list(Ts)
    if not entries:
        raise TnrankError("nothing to analyze; give at least one architecture")
    if not Ts:
        raise TnrankError("give at least one sequence length `T`")
    for T in Ts:  # every partition is valid before any work starts
        Partition.parse(partition, T)
    if path is None:
        yield from _reports(entries, Ts, partition, set(), progress, executor, threads, capacity,
                            certify_options)
        return
    total = len(entries) * len(Ts)
    with AnalysisFile(path, analysis_config(entries, Ts, partition, certify_options)) as results:
        architectures = dict(entries)
        saved = [CompareRow(r["file"], architectures[r["file"]], r["T"], Report.from_dict(r["report"]))
                 for r in results.data["rows"]]
        if saved and progress is not None:
            progress(f"{path}: the report is already done" if total == 1 else
                     f"{path}: {len(saved)} of {total} reports already done")
        yield from saved
        for row in _reports(entries, Ts, partition, {(r.label, r.T) for r in saved}, progress,
                            executor, threads, capacity, certify_options):
            results.add(row.to_dict())
            yield row


def in_order(rows: Iterable[CompareRow], entries: Entries, Ts: Sequence[int]) -> list[CompareRow]:
    """``rows`` in the order of ``entries``, then of ``Ts`` (a parallel run yields them as they
    finish).

    >>> from tnrank import Architecture
    >>> arch = Architecture.rac(1, 2, 2)
    >>> rows = [CompareRow("a", arch, T, None) for T in (4, 2)]  # type: ignore[arg-type]
    >>> [r.T for r in in_order(rows, [("a", arch)], [2, 4])]
    [2, 4]
    """
    order = {key: i for i, key in enumerate((label, T) for label, _arch in entries for T in Ts)}
    return sorted(rows, key=lambda r: order[(r.label, r.T)])


def reproduce_command(files: Sequence[str], Ts: Sequence[int], partition: str,
                      certify_options: dict[str, Any], *, markdown: bool = True) -> str:
    """The ``tnrank analyze`` command line that computes the same comparison: the options of
    :data:`REPRODUCED_OPTIONS` that differ from :func:`tnrank.certify`'s defaults (read from
    its signature), and ``--confirm`` when given.

    >>> reproduce_command(["graphs"], [2, 4], "start-end", {"seed": 3, "prime": 1073741789})
    'tnrank analyze graphs -T 2 4 --seed 3 --markdown'
    """
    defaults = {name: p.default for name, p in inspect.signature(certify).parameters.items()}
    given = {"partition": partition, **certify_options}
    words = ["tnrank", "analyze", *files, "-T", *map(str, Ts)]
    for key in REPRODUCED_OPTIONS:
        if key in given and given[key] != defaults[key]:
            words += [f"--{key.replace('_', '-')}", str(given[key])]
    if given.get("confirm"):
        words.append("--confirm")
    if markdown:
        words.append("--markdown")
    return shlex.join(words)
