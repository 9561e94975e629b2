"""The tiled elimination on disk: one machine beyond its memory, and a checkpoint.

The matrix lives in a ``numpy.memmap`` file in a folder of its own; the operating system keeps
in memory what fits. Each step of :func:`tnrank.engine.tiles.eliminate_step` reads the current
file and writes the next, smaller trailing matrix to a new file; only then is the folder's
``checkpoint.json`` replaced (atomically) to name the new file, the step and the rank so far,
and the old file removed. An interrupted run (Ctrl-C, SIGTERM, ``kill -9``, a power cut after
the data reached the disk) therefore always finds the complete matrix of its last finished
step, and the same call continues from there. The sample itself is written row block by row
block, and a build interrupted half-way continues at its last finished block.

The checkpoint records the identity of its matrix — whatever the caller passes (tnrank's
certification passes the circuit, the sequence length, the partition, the seed, the field and
the side) — and its layout (field, storage width, tile); a folder holding another matrix is
refused before anything is read, and the stored entries are checked to be residues of the
field when a run resumes. Files are preallocated (``posix_fallocate``), so a full disk is
reported before a step starts rather than killing the process in the middle of one.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tnrank.engine.tiles import Layout, MatrixSource, StepCallback, eliminate, fill
from tnrank.errors import TnrankError
from tnrank.runtime.memory import format_bytes
from tnrank.safe_files import exclusive, parse_json, read_text, write_json

__all__ = ["CHECKPOINT", "FORMAT", "spill_bytes", "check_disk", "spilled_rank", "read_checkpoint"]

#: Name of the state file in a checkpoint folder.
CHECKPOINT = "checkpoint.json"
#: The ``format`` value of a checkpoint's state.
FORMAT = "tnrank-checkpoint"
_VERSION = 1
# the entries are checked in blocks of this many elements when a run resumes
_CHECK_BLOCK = 1 << 24


def spill_bytes(layout: Layout) -> int:
    """Disk space a spilled elimination of ``layout`` needs at most: the matrix, and the next
    step's matrix while the first step writes it."""
    w = min(layout.tile, layout.cols)
    nxt = max(0, layout.rows - 1) * max(0, layout.cols - w) * layout.storage_dtype.itemsize
    return layout.storage_bytes + nxt


def check_disk(folder: str | os.PathLike[str], need: int, what: str) -> None:
    """Refuse ``what`` when ``folder``'s file system has less than ``need`` bytes free."""
    free = shutil.disk_usage(folder).free
    if need > free:
        raise TnrankError(f"{what} needs {format_bytes(need)} on disk in {folder}, which has "
                          f"{format_bytes(free)} free; free space there or give another `spill` folder")


def read_checkpoint(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The state of the checkpoint in ``folder`` (None when there is none), checked."""
    path = Path(folder) / CHECKPOINT
    if not path.exists():
        return None
    state = parse_json(read_text(path, "a tnrank checkpoint", max_bytes=1 << 20), str(path))
    try:
        _check_state(state)
    except (ValueError, TypeError, KeyError) as exc:
        raise TnrankError(f"{path} is not a tnrank checkpoint ({exc}); remove the folder "
                          f"{folder} to start again") from None
    return state


def _check_state(state: Any) -> None:
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") != _VERSION:
        raise ValueError(f"not a {FORMAT} of version {_VERSION}")
    ints = ("built_rows", "step", "rank", "col0")
    for key in ints:
        if not isinstance(state[key], int) or isinstance(state[key], bool) or state[key] < 0:
            raise ValueError(f"{key} is not a whole number >= 0")
    if state["phase"] not in ("build", "eliminate", "done"):
        raise ValueError(f"unknown phase {state['phase']!r}")
    shape = state["shape"]
    if (not isinstance(shape, list) or len(shape) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in shape)):
        raise ValueError("shape is not two whole numbers")
    name = state["file"]
    if not isinstance(name, str) or Path(name).name != name or not name.endswith(".bin"):
        raise ValueError("file is not a file name of this folder")
    if not isinstance(state["layout"], dict) or not isinstance(state["identity"], dict):
        raise ValueError("layout or identity missing")


def _layout_dict(layout: Layout) -> dict[str, Any]:
    return {"rows": layout.rows, "cols": layout.cols, "field": layout.field.name,
            "bits": layout.bits, "tile": layout.tile}


def _write_state(folder: Path, state: dict[str, Any]) -> None:
    """Replace the state file atomically (temporary file, fsync, rename)."""
    write_json(folder / CHECKPOINT, state, indent=1)


def _allocate(path: Path, shape: tuple[int, int], dtype: np.dtype) -> np.memmap:
    """A new zero-filled memmap file, its blocks reserved on disk first."""
    size = max(1, shape[0] * shape[1] * dtype.itemsize)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            if hasattr(os, "posix_fallocate"):
                os.posix_fallocate(fd, 0, size)
            else:  # pragma: no cover - not on Linux
                os.ftruncate(fd, size)
        except OSError as exc:
            raise TnrankError(f"cannot reserve {format_bytes(size)} on disk for {path} "
                              f"({exc.strerror or exc}); free space there or give another `spill` "
                              "folder") from None
    finally:
        os.close(fd)
    return np.memmap(path, dtype=dtype, mode="r+", shape=shape)


def _open(folder: Path, state: dict[str, Any], layout: Layout) -> np.memmap:
    """The memmap of the state's current file, its size checked against the state."""
    path = folder / state["file"]
    rows, cols = state["shape"]
    need = max(1, rows * cols * layout.storage_dtype.itemsize)
    if not path.is_file() or path.stat().st_size != need:
        raise TnrankError(f"the checkpoint in {folder} names {path.name}, which is missing or not "
                          f"{need:,} bytes long; remove the folder to start again")
    return np.memmap(path, dtype=layout.storage_dtype, mode="r+", shape=(rows, cols))


def _check_entries(store: np.ndarray, rows: int, layout: Layout, folder: Path) -> None:
    """Every stored entry in the first ``rows`` rows is a centred residue of the field."""
    bound = layout.field.characteristic // 2 + 3
    flat = store[:rows].reshape(-1)
    if np.iscomplexobj(flat):
        flat = flat.view(flat.real.dtype)
    for i in range(0, flat.size, _CHECK_BLOCK):
        blk = flat[i : i + _CHECK_BLOCK]
        if not (np.all(np.abs(blk) <= bound) and np.array_equal(blk, np.rint(blk))):
            raise TnrankError(f"the matrix file in {folder} holds entries that are not residues of "
                              "the field (damaged or changed); remove the folder to start again")


def _remove_strays(folder: Path, keep: set[str]) -> None:
    """Remove matrix files of unfinished steps (an interrupted step's output)."""
    for path in folder.glob("*.bin"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def spilled_rank(source: MatrixSource, layout: Layout, folder: str | os.PathLike[str],
                 identity: dict[str, Any], *, progress: StepCallback | None = None,
                 say: Callable[[str], None] | None = None) -> int:
    """Exact rank of ``source`` eliminated in tiles in a memmap file in ``folder``, resumable.

    Parameters
    ----------
    source : MatrixSource
        The matrix, read block by block while the file is built.
    layout : Layout
        Its shape, field, storage width and tile side.
    folder : path-like
        The checkpoint folder of this matrix (created if missing). Calling again with the same
        folder, layout and identity continues an interrupted run from its last finished step,
        or returns the rank of a finished one.
    identity : dict
        Plain-JSON description of the matrix (seed, field, side, ...): recorded, and compared
        before resuming.
    progress : callable(StepStatus), optional
        Called after every elimination step.
    say : callable(str), optional
        Receives one line when a run resumes and after each block of the build.

    Returns
    -------
    int

    Raises
    ------
    TnrankError
        The folder holds another matrix's checkpoint or a damaged one, another process works
        on it, or its disk has too little free space (:func:`spill_bytes`, checked first).
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TnrankError(f"cannot create the spill folder {folder} ({exc.strerror or exc})") from None
    identity = json.loads(json.dumps(identity))  # as it will read back
    with exclusive(folder / CHECKPOINT, "checkpoint"):
        state = read_checkpoint(folder)
        if state is not None:
            _check_same(state, layout, identity, folder)
        else:
            state = {"format": FORMAT, "version": _VERSION, "identity": identity,
                     "layout": _layout_dict(layout), "phase": "build", "built_rows": 0, "step": 0,
                     "rank": 0, "file": "matrix.bin", "shape": [layout.rows, layout.cols], "col0": 0}
        if state["phase"] == "done":
            return int(state["rank"])
        _remove_strays(folder, {state["file"]} if state["built_rows"] or state["phase"] != "build"
                       else set())
        try:
            return _run(source, layout, folder, state, progress, say)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: what is on disk is the last finished step
            if say is not None:
                done = (f"after elimination step {state['step']}" if state["phase"] == "eliminate"
                        else f"at row {state['built_rows']:,} of the build")
                say(f"interrupted; {folder} holds the matrix {done}: the same call resumes there")
            raise


def _check_same(state: dict[str, Any], layout: Layout, identity: dict[str, Any], folder: Path) -> None:
    for what, old, new in (("matrix", state["identity"], identity),
                           ("layout", state["layout"], _layout_dict(layout))):
        diff = [f"{key} {old.get(key)!r}, not {new.get(key)!r}" for key in sorted(set(old) | set(new))
                if old.get(key) != new.get(key)]
        if diff:
            raise TnrankError(f"{folder} holds the checkpoint of another {what} ({'; '.join(diff[:3])}); "
                              "give another `spill` folder or remove that one")


def _run(source: MatrixSource, layout: Layout, folder: Path, state: dict[str, Any],
         progress: StepCallback | None, say: Callable[[str], None] | None) -> int:
    say = say or (lambda _line: None)
    resumed = state["built_rows"] > 0 or state["phase"] != "build"
    if state["phase"] == "build":
        if state["built_rows"] == 0:
            check_disk(folder, spill_bytes(layout), f"the {layout.rows:,} × {layout.cols:,} matrix on disk")
            store = _allocate(folder / state["file"], (layout.rows, layout.cols), layout.storage_dtype)
        else:
            store = _open(folder, state, layout)
            _check_entries(store, state["built_rows"], layout, folder)
            say(f"resuming the build of the {layout.rows:,} × {layout.cols:,} matrix in {folder} at "
                f"row {state['built_rows']:,}")

        def built(rows: int) -> None:
            store.flush()
            state["built_rows"] = rows
            _write_state(folder, state)
            say(f"{rows:,} of {layout.rows:,} rows of the matrix written to {folder}")

        fill(store, source, layout, state["built_rows"], built)
        state.update(phase="eliminate", step=0, rank=0)
        _write_state(folder, state)
    else:
        store = _open(folder, state, layout)
        if resumed:
            _check_entries(store, state["shape"][0], layout, folder)
            rows, cols = state["shape"][0], state["shape"][1] - state["col0"]
            say(f"resuming the elimination in {folder} after step {state['step']} (rank "
                f"{state['rank']:,} so far, {rows:,} × {cols:,} left)")
            check_disk(folder, rows * max(0, cols - layout.tile) * layout.storage_dtype.itemsize,
                       "the next elimination step")
    src = store[:, state["col0"] :]
    created: list[Path] = []

    def destination(_src: np.ndarray, rows: int, cols: int) -> np.ndarray:
        path = folder / f"step-{state['step'] + 1:04d}.bin"
        created.append(path)
        return _allocate(path, (rows, cols), layout.storage_dtype)

    def on_step(step: int, rank: int, nxt: np.ndarray | None) -> np.ndarray | None:
        old = folder / state["file"]
        state.update(step=step, rank=rank)
        if nxt is None:
            state.update(phase="done")
            _write_state(folder, state)
            _remove_strays(folder, set())
            return None
        if created:  # a new file holds the next matrix
            if isinstance(nxt, np.memmap):
                nxt.flush()
            state.update(file=created[-1].name, shape=list(nxt.shape), col0=0)
            created.clear()
            _write_state(folder, state)
            old.unlink(missing_ok=True)
            return nxt
        state["col0"] += layout.tile  # a panel of rank 0: the same file, one panel further right
        _write_state(folder, state)
        return nxt

    return eliminate(src, layout, rank=state["rank"], step=state["step"], on_step=on_step,
                     destination=destination, progress=progress)

