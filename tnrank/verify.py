"""Sweeps that check the paper's Theorem 1 and conjecture against certified ranks."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .architecture import Architecture
from .certify import Report, certify
from .errors import TnrankError
from .partition import Partition

__all__ = ["verify", "sweep_configs", "VerifyRow"]


@dataclass
class VerifyRow:
    """One configuration of a sweep and its certified report."""

    depth: int
    M: int
    R: int
    T: int
    report: Report

    @property
    def verdict(self) -> str:
        """``holds``, ``tight``, ``violated``, ``undecided`` or ``n/a``."""
        return self.report.verdict

    def to_dict(self) -> dict[str, Any]:
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


def sweep_configs(
    depths: Iterable[int],
    Ms: Iterable[int],
    Rs: Iterable[int],
    Ts: Iterable[int],
    partition: str = "start-end",
) -> list[tuple[int, int, int, int]]:
    """All ``(L, M, R, T)`` combinations, validated before any work starts."""
    configs = list(itertools.product(depths, Ms, Rs, Ts))
    if not configs:
        raise TnrankError("the sweep is empty; give at least one value for each of -L, -M, -R, -T")
    for L, M, R, T in configs:
        Architecture.rac(L, R, M)  # raises on bad sizes
        Partition.parse(partition, T)  # raises on odd or too small T
    return configs


def verify(
    depths: Iterable[int],
    Ms: Iterable[int],
    Rs: Iterable[int],
    Ts: Iterable[int],
    *,
    seed: int = 0,
    confirm: bool = False,
    partition: str = "start-end",
    progress: Callable[[str], None] | None = None,
    **certify_options: Any,
) -> Iterator[VerifyRow]:
    """Certify every configuration of a sweep, yielding one row at a time.

    Rows come out as they finish, so a caller can print them as they arrive
    and keep what is done if the sweep is interrupted.

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
    progress : callable(str), optional
    **certify_options
        Passed to :func:`tnrank.certify`.

    Yields
    ------
    VerifyRow

    Examples
    --------
    >>> from tnrank.verify import verify
    >>> [row.verdict for row in verify([1, 2], [2], [2], [4])]
    ['tight', 'holds']
    """
    configs = sweep_configs(depths, Ms, Rs, Ts, partition)
    for i, (L, M, R, T) in enumerate(configs, start=1):
        if progress is not None:
            progress(f"[{i}/{len(configs)}] L={L} M={M} R={R} T={T}")
        arch = Architecture.rac(L, R, M)
        rep = certify(arch, T, partition, seed=seed, confirm=confirm, **certify_options)
        yield VerifyRow(L, M, R, T, rep)
