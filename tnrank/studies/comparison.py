"""Several architectures side by side: certified ranks versus the sequence length.

``tnrank analyze A.toml B.toml ... -T 4 6 8`` prints one row per
architecture and one column per ``T``, so "same parameters, deeper versus
wider" is one command. :func:`compare` yields one certified report per
(architecture, ``T``) as it finishes, so a caller keeps what is done when
interrupted; :func:`format_comparison` and :func:`markdown_comparison` render
whatever rows are available.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from tnrank.certification.bounds import affine_state_bound
from tnrank.certification.certify import certify
from tnrank.certification.report import Report
from tnrank.certification.report_text import RANK_CELL_LEGEND, rank_cell, status_cell
from tnrank.errors import TnrankError
from tnrank.formatting import format_table
from tnrank.model.architecture import Architecture
from tnrank.model.partition import Partition
from tnrank.runtime.parallel import map_unordered
from tnrank.runtime.threads import limited_threads
from tnrank.studies.analysis import architecture_dict

__all__ = [
    "CompareRow",
    "compare",
    "format_statuses",
    "format_comparison",
    "markdown_comparison",
    "comparison_dict",
]

Entries = Sequence[tuple[str, Architecture]]


@dataclass(frozen=True)
class CompareRow:
    """The certified report of one architecture at one ``T``."""

    label: str
    architecture: Architecture
    T: int
    report: Report

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; inverse of :meth:`from_dict`."""
        return {"file": self.label, "T": self.T, "report": self.report.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompareRow:
        """The row written by :meth:`to_dict` (the architecture comes back from its report)."""
        report = Report.from_dict(data["report"], source=f"comparison row {data.get('file')}")
        return cls(data["file"], report.architecture, int(data["T"]), report)


def _certify_entry(job: tuple[Architecture, int, Partition, dict[str, Any]]) -> Report:
    """One (architecture, ``T``) of a comparison (module level: workers import it by name)."""
    arch, T, part, options = job
    return certify(arch, T, part, **options)


def compare(
    entries: Entries,
    Ts: Sequence[int],
    partition: str = "start-end",
    *,
    progress: Callable[[Any], None] | None = None,
    executor: Executor | None = None,
    threads: int | None = None,
    capacity: Callable[[], int | None] | None = None,
    skip: Collection[tuple[str, int]] = (),
    **certify_options: Any,
) -> Iterator[CompareRow]:
    """Certify every architecture at every ``T``, yielding rows as they finish.

    Every partition is built before any work starts, so a bad ``T`` or
    partition fails at once.

    Parameters
    ----------
    entries : sequence of (label, Architecture)
    Ts : sequence of int
    partition : str
        ``"start-end"`` (default), ``"interleaved"`` or start steps such as ``"0,2"``.
    progress : callable, optional
        Sequentially: one line per (architecture, ``T``), then certify's own
        lines. On an executor: a :class:`tnrank.runtime.progress.Status` after each
        finished report and every second.
    executor : concurrent.futures.Executor, optional
        Where to run the reports (a process pool, loky, a Dask client's
        executor); rows then come in the order they finish, each equal to
        the sequential one. None: one after another in this process.
    threads : int, optional
        Cap on tnrank's and BLAS's threads per report (``tnrank.runtime.threads``).
    capacity : callable, optional
        Reports the executor runs at once, for the progress counts
        (:func:`tnrank.runtime.parallel.map_unordered`).
    skip : collection of (label, T)
        Reports already done (a resumed results file): not computed again.
    **certify_options
        Passed to :func:`tnrank.certify`.

    Yields
    ------
    CompareRow

    Examples
    --------
    >>> from tnrank import Architecture
    >>> deep, wide = Architecture.rac(3, 3, 2), Architecture.rac(1, 6, 2)
    >>> deep.parameter_count() == wide.parameter_count()
    True
    >>> rows = compare([("deep", deep), ("wide", wide)], [4, 6])
    >>> [(r.label, r.T, r.report.separation.rank) for r in rows]
    [('deep', 4, 8), ('deep', 6, 56), ('wide', 4, 4), ('wide', 6, 6)]
    """
    if not entries:
        raise TnrankError("nothing to compare; give at least one architecture")
    if not Ts:
        raise TnrankError("give at least one sequence length T")
    parts = {T: Partition.parse(partition, T) for T in Ts}
    done = set(skip)
    jobs = [(label, arch, T) for label, arch in entries for T in Ts if (label, T) not in done]
    if executor is not None:
        tasks = [(arch, T, parts[T], certify_options) for _label, arch, T in jobs]
        for i, rep in map_unordered(_certify_entry, tasks, executor, threads=threads,
                                    progress=progress, capacity=capacity,
                                    labels=[f"{label} T={T}" for label, _arch, T in jobs]):
            label, arch, T = jobs[i]
            yield CompareRow(label, arch, T, rep)
        return
    for i, (label, arch, T) in enumerate(jobs, start=1):
        if progress is not None:
            progress(f"[{i}/{len(jobs)}] {label} T={T}")
        inner = None if progress is None else (lambda msg: progress(f"  {msg}"))
        with limited_threads(threads):
            rep = certify(arch, T, parts[T], progress=inner, **certify_options)
        yield CompareRow(label, arch, T, rep)


def _affine_closed_form(arch: Architecture, Ts: Sequence[int], done: dict, label: str,
                        partition: str) -> str:
    """The proved bound ``state + 1`` where ``y`` is affine in the states at the cut
    (:func:`~tnrank.certification.bounds.affine_state_bound`), with whether a certified rank
    reaches it (``attained``) or every computed one stays below (``not attained``)."""
    values = {affine_state_bound(arch, Partition.parse(partition, T)) for T in Ts}
    if None in values:
        return "-"
    bound = arch.state_size + 1
    computed = [done[(label, T)].report.separation.lower for T in Ts if (label, T) in done]
    if not computed:
        return str(bound)
    return f"{bound} attained" if bound in computed else f"{bound} not attained"


def format_statuses(entries: Entries, Ts: Sequence[int], rows: Sequence[CompareRow],
                    partition: str = "start-end") -> str:
    """One row per architecture (its file's stem): state size, weights, the certified
    separation rank at each ``T`` labelled by what proves it (:func:`status_cell`), the
    largest failure bound of the row's generic values, and the closed form ``state + 1``
    where the output is affine in the states at the cut.

    Examples
    --------
    >>> from tnrank import Architecture
    >>> shallow = Architecture.rac(1, 3, 2)
    >>> rows = list(compare([("shallow", shallow)], [2, 4]))
    >>> print(format_statuses([("shallow", shallow)], [2, 4], rows))
    certified separation rank, partition start-end:
    file     state  weights  T=2  T=4  failure  state+1
    -------  -----  -------  ---  ---  -------  --------------
    shallow  3      18       2    3    -        4 not attained
    n: proved exact; n*: generic w.h.p. (failure: the row's largest failure bound);
    ≥n: lower bound only; state+1: proved upper bound where y is affine in the states at
    the cut, attained by a certified rank or not
    """
    done = _by_key(rows)
    stems = [os.path.splitext(os.path.basename(label))[0] for label, _arch in entries]
    names = stems if len(set(stems)) == len(stems) else [label for label, _arch in entries]
    table = []
    for name, (label, arch) in zip(names, entries, strict=True):
        cells = [name, str(arch.state_size), f"{arch.parameter_count():,}"]
        failures = []
        for T in Ts:
            row = done.get((label, T))
            res = None if row is None else row.report.separation
            cells.append("…" if res is None else status_cell(res))
            if res is not None and not res.exact and res.failure_bound is not None:
                failures.append(res.failure_bound)
        cells.append(f"{max(failures):.1e}" if failures else "-")
        cells.append(_affine_closed_form(arch, Ts, done, label, partition))
        table.append(cells)
    head = f"certified separation rank, partition {_partition_name(partition, Ts)}:"
    legend = ("n: proved exact; n*: generic w.h.p. (failure: the row's largest failure bound);\n"
              "≥n: lower bound only; state+1: proved upper bound where y is affine in the states at"
              "\nthe cut, attained by a certified rank or not")
    return "\n".join([head, format_table(["file", "state", "weights"] + [f"T={T}" for T in Ts]
                                         + ["failure", "state+1"], table), legend])


def _by_key(rows: Sequence[CompareRow]) -> dict[tuple[str, int], CompareRow]:
    return {(r.label, r.T): r for r in rows}


def _rank_rows(entries: Entries, Ts: Sequence[int], rows: Sequence[CompareRow], quantity: str,
               label_of: Callable[[str], str]) -> list[list[str]]:
    done = _by_key(rows)
    out = []
    for label, _arch in entries:
        cells = [label_of(label)]
        for T in Ts:
            row = done.get((label, T))
            cells.append("…" if row is None else rank_cell(getattr(row.report, quantity)))
        out.append(cells)
    return out


def _arch_cells(arch: Architecture) -> list[str]:
    return [str(arch.depth), ",".join(map(str, arch.widths)), str(arch.M),
            f"{arch.parameter_count():,}", f"{arch.macs_per_step():,}"]


_ARCH_HEADER = ["depth", "widths", "M", "parameters", "MACs/step"]


def _partition_name(partition: str, Ts: Sequence[int]) -> str:
    return Partition.parse(partition, Ts[0]).name if len(Ts) == 1 else partition


def format_comparison(entries: Entries, Ts: Sequence[int], rows: Sequence[CompareRow],
                      partition: str = "start-end") -> str:
    """Plain-text tables: the architectures, then separation and grid rank versus ``T``.

    Cells not computed (an interrupted run) show ``…``.
    """
    name = _partition_name(partition, Ts)
    t_cols = [f"T={T}" for T in Ts]
    lines = [format_table(["architecture", "name"] + _ARCH_HEADER,
                          [[label, arch.name] + _arch_cells(arch) for label, arch in entries]),
             ""]
    for quantity in ("separation", "grid"):
        lines.append(f"certified {quantity} rank, partition {name}:")
        lines.append(format_table(["architecture"] + t_cols,
                                  _rank_rows(entries, Ts, rows, quantity, str)))
        lines.append("")
    lines.append(f"{RANK_CELL_LEGEND}; details: tnrank analyze FILE -T n")
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_comparison(entries: Entries, Ts: Sequence[int], rows: Sequence[CompareRow],
                        partition: str = "start-end", command: str = "", title: str = "") -> str:
    """A Markdown document: one table of the architectures (with the question each
    answers) and one table per rank quantity, rank versus ``T``.

    File names link to the files relative to the directory they share, so the
    document belongs in that directory (e.g. ``graphs/README.md``).

    Parameters
    ----------
    entries, Ts, rows, partition
        As for :func:`format_comparison`.
    command : str
        The command that generated the document, quoted in its preamble.
    title : str
        First heading; by default "Certified ranks of N architectures".
    """
    name = _partition_name(partition, Ts)
    dirs = {os.path.dirname(os.path.abspath(label)) for label, _ in entries}
    base = os.path.commonpath(sorted(dirs)) if dirs else ""

    def link(label: str) -> str:
        target = os.path.relpath(os.path.abspath(label), base).replace(os.sep, "/")
        return f"[{_md_escape(os.path.basename(label))}]({target})"

    title = title or f"Certified ranks of {len(entries)} architecture{'s' * (len(entries) != 1)}"
    lines = [f"# {title}", ""]
    if command:
        lines += [f"Generated by `{command}`; regenerate it rather than edit it.", ""]
    lines += [
        "Every number is certified by tnrank: a lower bound is the exact rank of a matrix "
        "computed modulo a prime, an upper bound is a proved closed form. `n exact` is an "
        "exact rank (the two meet); `lo..hi` gives certified bounds that do not meet. "
        "`tnrank analyze FILE -T n` prints the full report of one file; the file format is "
        "described in docs/architecture-files.md.",
        "",
        _md_table(["file", "question"] + _ARCH_HEADER,
                  [[link(label), _md_escape(arch.description or arch.name)] + _arch_cells(arch)
                   for label, arch in entries]),
    ]
    t_cols = [f"T={T}" for T in Ts]
    for quantity, title in (("separation", "separation rank"), ("grid", "grid rank")):
        lines += ["", f"## {title.capitalize()}, {name} partition", "",
                  _md_table(["file"] + t_cols, _rank_rows(entries, Ts, rows, quantity, link))]
    return "\n".join(lines) + "\n"


def comparison_dict(entries: Entries, Ts: Sequence[int], rows: Sequence[CompareRow],
                    partition: str = "start-end", interrupted: bool = False) -> dict[str, Any]:
    """Plain-JSON form: the architectures, every report, and how far the run got."""
    return {
        "partition": _partition_name(partition, Ts),
        "T": list(Ts),
        "architectures": [dict(file=label, **architecture_dict(arch)) for label, arch in entries],
        "rows": [r.to_dict() for r in rows],
        "completed": len(rows),
        "total": len(entries) * len(Ts),
        "interrupted": interrupted,
    }
