"""What the large-sample benchmarks share: a reproducible random matrix over GF(q²) built tile
by tile, one measurement per child process (its peak memory is its own), and the table.

A measurement runs ``python benchmarks/<script>.py --child MODE N ...`` and reads one JSON line:
seconds to store the matrix, seconds to eliminate it, its rank, and the child's peak resident
memory (``ru_maxrss``; the interpreter and numpy, about 60 MiB, included).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np

from tnrank.field import GAUSSIAN_FIELD


@dataclass(frozen=True)
class RandomSource:
    """An n × n matrix of uniform GF(q²) residues, each block drawn from its own seed (the same
    entries whichever way the matrix is cut into tiles)."""

    n: int
    chunk: int = 1024

    @property
    def shape(self) -> tuple[int, int]:
        return self.n, self.n

    def _tile(self, i: int, j: int) -> np.ndarray:
        rng = np.random.default_rng([self.n, i, j])
        b = self.chunk
        rows, cols = min(b, self.n - i * b), min(b, self.n - j * b)
        q = GAUSSIAN_FIELD.characteristic
        return rng.integers(0, q, (rows, cols)) + 1j * rng.integers(0, q, (rows, cols))

    def block(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        b = self.chunk
        out = np.empty((r1 - r0, c1 - c0), dtype=np.complex128)
        for i in range(r0 // b, -(-r1 // b)):
            for j in range(c0 // b, -(-c1 // b)):
                t = self._tile(i, j)
                a0, a1 = max(r0, i * b), min(r1, i * b + t.shape[0])
                d0, d1 = max(c0, j * b), min(c1, j * b + t.shape[1])
                piece = t[a0 - i * b : a1 - i * b, d0 - j * b : d1 - j * b]
                out[a0 - r0 : a1 - r0, d0 - c0 : d1 - c0] = piece
        return out

    def part(self, r0: int, r1: int, c0: int, c1: int) -> _Part:
        return _Part(self, r0, c0, r1 - r0, c1 - c0)


@dataclass(frozen=True)
class _Part:
    """A block of a :class:`RandomSource` as a source of its own (what a Dask worker builds)."""

    whole: RandomSource
    r0: int
    c0: int
    rows: int
    cols: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows, self.cols

    def block(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        return self.whole.block(self.r0 + r0, self.r0 + r1, self.c0 + c0, self.c0 + c1)


def peak_mib() -> float:
    """This process's peak resident memory in MiB (pages of mapped files included)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _anon_mib() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class _AnonPeak:
    """The peak of this process's anonymous resident memory (its own arrays, not the pages of
    files it maps), sampled every 0.1 s by a thread started at import."""

    def __init__(self) -> None:
        self.peak = _anon_mib()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while True:
            self.peak = max(self.peak, _anon_mib())
            time.sleep(0.1)


_ANON = _AnonPeak() if "--child" in sys.argv else None


def report(**values: object) -> None:
    """The child's one line of results: with its peak resident memory and, sampled, the peak
    of its anonymous memory (a memmap's pages are resident but belong to the file)."""
    anon = _ANON.peak if _ANON is not None else float("nan")
    print(json.dumps({**values, "peak_mib": round(peak_mib(), 1), "anon_mib": round(anon, 1)}),
          flush=True)


def measure(script: str, *args: object, timeout: float | None = None) -> dict:
    """Run ``script --child args`` and return its JSON line."""
    out = subprocess.run([sys.executable, script, "--child", *map(str, args)], capture_output=True,
                         text=True, timeout=timeout, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{script} --child {' '.join(map(str, args))} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(header: list[str], rows: list[list[object]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
