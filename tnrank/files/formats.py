"""Load and save any tnrank file by what it holds: architectures, networks, reports, sweeps.

:func:`load` reads the file, recognises its kind from its ``format`` key (or, for
files written without one, from the keys it has) and returns the object:

=====================  =========================  ====================================
file                   ``format``                 :func:`load` returns
=====================  =========================  ====================================
architecture (TOML)    ``tnrank-architecture/1``  :class:`~tnrank.model.architecture.Architecture`
network (JSON, TOML)   ``tnrank-network/1``       :class:`~tnrank.networks.graph.TensorNetwork`
report (JSON)          ``tnrank-report/1``        :class:`~tnrank.certification.report.Report`
bound report (JSON)    ``tnrank-bound/1``         :class:`~tnrank.certification.bound_report.BoundReport`
fit report (JSON)      ``tnrank-fit/1``           :class:`~tnrank.certification.fit_report.FitReport`
sweep results (JSON)   ``tnrank-sweep``           the results dict (:mod:`tnrank.files.results_file`)
experiment (JSON)      ``tnrank-experiment/1``    the results dict (:mod:`tnrank.files.experiment_file`)
=====================  =========================  ====================================

Giving a file of one kind where another is expected (``kind=``) is refused with a
message that names what the file holds and where it belongs. A report or bound report
written before its format had a ``format`` key, or by a tnrank whose format is newer, is
refused with a message naming the format this version reads.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tnrank.certification.bound_report import BoundReport
from tnrank.certification.fit_report import FitReport
from tnrank.certification.report import Report
from tnrank.errors import TnrankError
from tnrank.files import architecture_file, experiment_file, network_file, results_file
from tnrank.model.architecture import Architecture
from tnrank.networks.graph import TensorNetwork
from tnrank.safe_files import MAX_READ_BYTES, atomic_write, parse_json, parse_toml, printable, read_text

__all__ = ["load", "save", "file_kind", "load_architecture", "load_architectures", "architecture_paths",
           "check_network_file", "KINDS", "SUFFIXES"]

#: The kinds of file :func:`load` reads, and how the command line uses each.
KINDS = {
    "architecture": "an architecture file (give it to rank, bound, verify, sweep, draw or analyze)",
    "network": "a tensor-network file (give it to `tnrank bound --network` or `tnrank draw`)",
    "report": "a report of `tnrank rank --json` (load it back with tnrank.load)",
    "bound": "a bound report of `tnrank bound --json` (load it back with tnrank.load)",
    "fit": "a fit report of `tnrank fit --json` (load it back with tnrank.load)",
    "sweep": "a sweep results file (replot it with `tnrank sweep --from`, join parts with "
             "`tnrank merge`)",
    "experiment": "an experiment results file (reprint and replot it with `tnrank experiment plot`)",
}


def file_kind(data: Any) -> str | None:
    """The kind of a parsed file: ``architecture``, ``network``, ``report``, ``bound``, ``fit``,
    ``sweep``, ``experiment`` or None.

    >>> file_kind({"format": "tnrank-sweep", "rows": []}), file_kind({"M": 2, "layer": []})
    ('sweep', 'architecture')
    """
    if not isinstance(data, dict):
        return None
    fmt = data.get("format")
    if isinstance(fmt, str):
        for prefix, kind in (("tnrank-architecture", "architecture"), ("tnrank-network", "network"),
                             ("tnrank-report", "report"), ("tnrank-bound", "bound"),
                             ("tnrank-fit", "fit"), ("tnrank-sweep", "sweep"),
                             ("tnrank-experiment", "experiment")):
            if fmt.startswith(prefix):
                return kind
        return None
    if "layer" in data or "M" in data:
        return "architecture"
    if "nodes" in data or "legs" in data:
        return "network"
    if "separation" in data and "architecture" in data:
        return "report"
    if "min_cut" in data and "partition" in data:
        return "bound"
    if "rows" in data and "config" in data:
        return "sweep"
    return None


def load(path: str | os.PathLike, kind: str | None = None) -> Any:
    """Read any tnrank file and return what it holds.

    Parameters
    ----------
    path : str or path-like
        A ``.toml`` or ``.json`` file.
    kind : {"architecture", "network", "report", "bound", "fit", "sweep", "experiment"}, optional
        The kind expected; another kind is refused with a message naming both.

    Returns
    -------
    Architecture, TensorNetwork, Report, BoundReport, FitReport or dict

    Examples
    --------
    >>> from tnrank.networks.examples import example_path
    >>> load(example_path("mps-8")).summary()
    'mps-8: 8 tensors, 7 bonds, 8 open legs over 8 steps; tensor 8'
    """
    if kind is not None and kind not in KINDS:
        raise TnrankError(f"kind {kind!r} is unknown; use one of {', '.join(KINDS)}")
    _check_path(path)
    label = printable(os.fspath(path))
    limit = architecture_file.MAX_FILE_BYTES if kind == "architecture" else MAX_READ_BYTES
    text = read_text(path, "a tnrank file (.toml or .json)", max_bytes=limit)
    toml = Path(os.fspath(path)).suffix.lower() == ".toml"
    if toml:  # refused by its size before parsing: parsing megabytes of TOML takes seconds
        architecture_file.check_size(text, label)
    data = parse_toml(text, source=label) if toml else parse_json(text, source=label)
    found = file_kind(data)
    if found is None:
        raise TnrankError(f"{label} is not a tnrank file: it has no 'format' key naming one of "
                          f"{', '.join(KINDS)}, nor the keys of one")
    if kind is not None and found != kind:
        raise TnrankError(f"{label} is {KINDS[found]}, not {KINDS[kind].split(' (')[0]}")
    if found == "architecture":
        architecture_file.check_size(text, label, declared=True)
        return Architecture.from_dict(data, source=label)
    if found == "network":
        return TensorNetwork.from_dict(data, source=label)
    if found == "report":
        return Report.from_dict(data, source=label)
    if found == "bound":
        return BoundReport.from_dict(data, source=label)
    if found == "fit":
        return FitReport.from_dict(data, source=label)
    if found == "experiment":
        return experiment_file.check_experiment(data, source=label)
    return results_file.SweepResults(results_file.check_results(data, source=label))


def load_architecture(path: str | os.PathLike, command: str = "analyze") -> Architecture:
    """The architecture in ``path``; a file of another kind is refused in one line naming what
    it holds and the command that takes it (a network file goes to ``--network``).

    A TOML file without a ``format`` key of another kind is read as an architecture file, so
    a mistyped key gets the architecture file's own message ("did you mean ...").

    Parameters
    ----------
    path : str or path-like
    command : str
        The ``tnrank`` command the file was given to, for the message.

    Raises
    ------
    TnrankError
        For a report, network, bound, fit or results file, and every problem of an
        architecture file.

    Examples
    --------
    >>> from tnrank.networks.examples import example_path
    >>> load_architecture(example_path("mps-8"), "rank")
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: ...mps-8.json is a tensor-network file, not an architecture file; give ...
    """
    label = printable(os.fspath(path))
    if Path(os.fspath(path)).suffix.lower() == ".json":
        data = parse_json(read_text(path, "a tnrank file (.json)", max_bytes=MAX_READ_BYTES), source=label)
    else:
        text = read_text(path, "an architecture file (.toml)", max_bytes=architecture_file.MAX_FILE_BYTES)
        try:
            data = parse_toml(text, source=label)
        except TnrankError:
            if not text.lstrip().startswith("{"):
                raise
            data = parse_json(text, source=label)  # JSON under another name: say what it holds
        if file_kind(data) in (None, "architecture"):
            return Architecture.from_dict(data, source=label)
    kind = file_kind(data)
    if kind is None:
        raise TnrankError(f"{label} is not a tnrank file: an architecture file is TOML "
                          "(docs/architecture-files.md)")
    if kind == "architecture":
        raise TnrankError(f"{label} holds an architecture in JSON; an architecture file is TOML: "
                          "save it as *.toml")
    if kind == "network":
        where = (f"`tnrank {command} --network {label}`" if command in ("bound", "draw")
                 else f"`tnrank bound --network {label}` or `tnrank draw --network {label} -o net.svg`")
        raise TnrankError(f"{label} is a tensor-network file, not an architecture file; give it as {where}")
    raise TnrankError(f"{label} is {KINDS[kind]}, not an architecture file")


def architecture_paths(paths: Iterable[str | os.PathLike]) -> list[str]:
    """The files of ``paths``, a directory standing for its ``*.toml`` files sorted by name.

    Raises
    ------
    TnrankError
        For a directory with no ``.toml`` file.
    """
    out: list[str] = []
    for given in paths:
        path = Path(os.fspath(given))
        if path.is_dir():
            found = sorted(str(f) for f in path.glob("*.toml") if f.is_file())
            if not found:
                raise TnrankError(f"{printable(os.fspath(given))}: directory holds no .toml "
                                  "architecture files")
            out += found
        else:
            out.append(os.fspath(given))
    return out


def load_architectures(paths: Iterable[str | os.PathLike],
                       command: str = "analyze") -> list[tuple[str, Architecture]]:
    """``(file name, Architecture)`` of every file of :func:`architecture_paths`; the problems
    of all files are reported together, after a line counting the files that have them.

    Raises
    ------
    TnrankError
        As :func:`load_architecture`, for every file that has problems.
    """
    files = architecture_paths(paths)
    entries, problems = [], []
    for path in files:
        try:
            entries.append((path, load_architecture(path, command)))
        except TnrankError as exc:
            problems.append(str(exc))
    if len(problems) == 1:
        raise TnrankError(problems[0])
    if problems:
        raise TnrankError(f"{len(problems)} of {len(files)} files have problems\n" + "\n".join(problems))
    return entries


def check_network_file(path: str | os.PathLike) -> None:
    """Refuse an architecture file given as a network (``--network FILE``), naming the commands
    that take it; other problems are left to the network reader.

    Raises
    ------
    TnrankError
        When ``path`` is an architecture file.
    """
    if Path(os.fspath(path)).suffix.lower() != ".toml" or not Path(os.fspath(path)).is_file():
        return
    label = printable(os.fspath(path))
    try:
        kind = file_kind(parse_toml(read_text(path, "a network file (.toml)"), source=label))
    except TnrankError:
        return  # the network reader reports the problem
    if kind == "architecture":
        raise TnrankError(f"{label} is an architecture file, not a network file; give it without "
                          f"--network: `tnrank bound {label} -T 8` or `tnrank draw {label} -T 8 -o net.svg`")


#: The suffixes each kind of file is written under (the first is the one to suggest).
SUFFIXES = {"architecture": (".toml",), "network": (".json", ".toml"), "report": (".json",),
            "bound": (".json",), "fit": (".json",), "sweep": (".json",), "experiment": (".json",)}


def _check_suffix(kind: str, what: str, path: str | os.PathLike) -> None:
    suffix = Path(os.fspath(path)).suffix.lower()
    allowed = SUFFIXES[kind]
    if suffix not in allowed:
        names = " or ".join(f"*{s}" for s in allowed)
        raise TnrankError(f"{what} is written as {'/'.join(s[1:].upper() for s in allowed)}; name "
                          f"the file {names}, not {printable(os.fspath(path))!r}")


def _check_path(path: Any) -> None:
    """Refuse a path that is not text or a path-like object (None, a number)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TnrankError(f"a file's path is text or a path-like object, got {type(path).__name__}")


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write an architecture, network, report, bound report, fit report, or sweep or experiment
    results dict to ``path`` atomically.

    Architectures are written as TOML (canonical form), networks as JSON or TOML by
    the file name's suffix, reports, bound reports and results dicts as JSON. The name
    must end in the suffix of what is written, so that :func:`load` reads it back.

    Raises
    ------
    TnrankError
        For other objects, a name whose suffix is not that of the content (a report named
        ``*.toml``, an architecture ``*.json``), and paths that cannot be written.

    Examples
    --------
    >>> import os, tempfile
    >>> from tnrank import Architecture, certify
    >>> save(certify(Architecture.rac(1, 2, 2), 4), os.path.join(tempfile.mkdtemp(), "rep.toml"))
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: a report is written as JSON; name the file *.json, not '...rep.toml'
    """
    _check_path(path)
    if isinstance(obj, Architecture):
        _check_suffix("architecture", "an architecture", path)
        architecture_file.dump(obj, path)
    elif isinstance(obj, TensorNetwork):
        _check_suffix("network", "a tensor network", path)
        network_file.dump(obj, path)
    elif isinstance(obj, (Report, BoundReport)):
        _check_suffix("report", "a report" if isinstance(obj, Report) else "a bound report", path)
        atomic_write(path, obj.to_json() + "\n")
    elif isinstance(obj, FitReport):
        _check_suffix("fit", "a fit report", path)
        atomic_write(path, obj.to_json() + "\n")
    elif isinstance(obj, dict) and obj.get("format") == results_file.RESULTS_FORMAT:
        results_file.save_results(path, obj)
    elif isinstance(obj, dict) and obj.get("format") == experiment_file.FORMAT:
        _check_suffix("experiment", "an experiment results file", path)
        experiment_file.save_experiment(path, experiment_file.check_experiment(obj))
    else:
        raise TnrankError(f"tnrank.save writes an Architecture, TensorNetwork, Report, BoundReport, "
                          f"FitReport, or sweep or experiment results, not {type(obj).__name__}")
