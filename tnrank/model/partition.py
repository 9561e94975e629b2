"""Bipartitions of the time steps: which inputs are "start" and which "end"."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tnrank.errors import TnrankError
from tnrank.formatting import format_names

__all__ = ["Partition", "PARTITION_NAMES", "MAX_T"]

#: Named partitions accepted by :meth:`Partition.parse`.
PARTITION_NAMES = ("start-end", "interleaved")
#: Every spelling of each named partition.
NAMES = {"start-end": ("start-end", "startend", "start_end", "se"),
         "interleaved": ("interleaved", "odd-even", "even-odd", "odd_even", "even_odd")}
#: Longest sequence length accepted anywhere in tnrank.
MAX_T = 1_000_000


@dataclass(frozen=True)
class Partition:
    """A split of the time steps ``0..T-1`` into two non-empty sides.

    Time steps are numbered from 0 (``x^1`` of the paper is step 0).

    Parameters
    ----------
    T : int
        Sequence length.
    start : tuple of int
        The steps on the first side (``S``), sorted. The other side ``E`` is
        the rest.

    Examples
    --------
    >>> Partition.parse("start-end", 6).start
    (0, 1, 2)
    >>> Partition.parse("interleaved", 6).end
    (1, 3, 5)
    >>> Partition.parse("0,2,5", 6).prefix_length is None
    True
    """

    T: int
    start: tuple[int, ...]

    def __post_init__(self) -> None:
        T, start = self.T, self.start
        if isinstance(start, (str, bytes)) or not isinstance(start, Iterable):
            raise TnrankError(f"the start side of a partition is a list of step indices, got "
                              f"{type(start).__name__}")
        if isinstance(T, bool) or not isinstance(T, int) or T < 2:
            raise TnrankError(
                f"sequence length T must be a whole number >= 2, got {T!r}; a partition needs "
                "a step on each side"
            )
        _check_length(T)
        steps = list(start)
        for s in steps:
            if isinstance(s, bool) or not isinstance(s, int):
                raise TnrankError(f"partition step {s!r} is not a whole number; give step indices")
        dups = sorted(s for s, c in Counter(steps).items() if c > 1)
        if dups:
            raise TnrankError(
                f"partition lists step(s) {', '.join(map(str, dups))} more than once; list each "
                "step once"
            )
        bad = [s for s in steps if not 0 <= s < T]
        if bad:
            raise TnrankError(
                f"partition step(s) {', '.join(map(str, bad))} out of range for T={T}; steps "
                f"run from 0 to {T - 1}"
            )
        if not steps:
            raise TnrankError("the start side of the partition is empty; give at least one step")
        if len(steps) == T:
            raise TnrankError(
                "the end side of the partition is empty; leave at least one step out of the "
                "start side"
            )
        object.__setattr__(self, "start", tuple(sorted(steps)))

    @classmethod
    def parse(
        cls,
        spec: str | Iterable[int | str] | Partition,
        T: int,
        legs: Mapping[str, int] | None = None,
    ) -> Partition:
        """Build a partition from a name, a comma-separated list or a set of steps: the one
        partition parser of tnrank (the command line, min-cuts and drawings all use it).

        Parameters
        ----------
        spec : str, iterable or Partition
            ``"start-end"`` (first ``T/2`` steps; needs even ``T``; also spelt ``startend``,
            ``start_end`` or ``se``, in any case), ``"interleaved"`` (even steps
            ``0, 2, 4, ...``; also ``odd-even``, ``even-odd``), ``"0,2,5"`` or
            an iterable of step indices forming the start side.
        T : int
            Sequence length.
        legs : mapping of str to int, optional
            Names of a tensor network's open legs and their steps: a leg name
            in ``spec`` stands for its step.

        Returns
        -------
        Partition

        Examples
        --------
        >>> Partition.parse("x0, 2", 4, legs={"x0": 0, "x1": 1}).start
        (0, 2)
        """
        if legs is not None and not isinstance(legs, Mapping):
            raise TnrankError(f"`legs` maps leg names to steps, got {type(legs).__name__}")
        if isinstance(spec, Partition):
            if spec.T != T:
                raise TnrankError(f"partition is for T={spec.T}, but T={T} was asked for")
            return spec
        if isinstance(T, bool) or not isinstance(T, int) or T < 2:
            raise TnrankError(f"sequence length T must be a whole number >= 2, got {T!r}")
        _check_length(T)
        if isinstance(spec, str):
            name = spec.strip().lower()
            if name in NAMES["start-end"]:
                if T % 2:
                    raise TnrankError(
                        f"the start-end partition needs an even T, got T={T}; use T={T + 1} or "
                        "give the start steps explicitly (e.g. `partition='0,1,2'`)"
                    )
                return cls(T, tuple(range(T // 2)))
            if name in NAMES["interleaved"]:
                return cls(T, tuple(range(0, T, 2)))
            tokens = [tok.strip() for tok in spec.split(",")]
            if spec.strip() and "" in tokens:
                raise TnrankError(
                    f"partition {spec!r} has an empty entry; list start steps separated by single "
                    "commas, such as 0,2,5"
                )
            items: Iterable[int | str] = [tok for tok in tokens if tok != ""]
        elif isinstance(spec, Iterable) and not isinstance(spec, bytes):
            items = spec
        else:
            raise TnrankError(f"cannot read partition {spec!r}; use {' or '.join(PARTITION_NAMES)}, "
                              "a comma-separated list of start steps such as 0,2,5, or a list of steps")
        return cls(T, tuple(_step(item, spec, legs) for item in items))

    @property
    def end(self) -> tuple[int, ...]:
        """The steps on the second side (``E``), sorted."""
        chosen = set(self.start)
        return tuple(t for t in range(self.T) if t not in chosen)

    @property
    def prefix_length(self) -> int | None:
        """``k`` when one side is the prefix ``0..k-1`` (so the other side sees the
        first only through the hidden states after step ``k``), else None."""
        for side in (self.start, self.end):
            if side == tuple(range(len(side))):
                return len(side)
        return None

    @property
    def name(self) -> str:
        """``start-end``, ``interleaved`` or the list of start steps."""
        if self.T % 2 == 0 and self.start == tuple(range(self.T // 2)):
            return "start-end"
        if self.start == tuple(range(0, self.T, 2)):
            return "interleaved"
        return ",".join(map(str, self.start))

    def side_of(self, t: int) -> int:
        """0 if step ``t`` is on the start side, 1 if on the end side."""
        return 0 if t in self._start_set else 1

    @functools.cached_property
    def _start_set(self) -> frozenset[int]:
        return frozenset(self.start)

    def swapped(self) -> Partition:
        """The same split with the two sides exchanged."""
        return Partition(self.T, self.end)


def _step(item: object, spec: object, legs: Mapping[str, int] | None) -> int:
    """One entry of a partition: a step index, or a leg name standing for its step."""
    if legs is not None and isinstance(item, str) and item in legs:
        return legs[item]
    if isinstance(item, (bool, float)):
        raise TnrankError(f"partition step {item!r} is not a whole number; give step indices")
    try:
        return int(item)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        if legs is not None:
            raise TnrankError(f"partition entry {item!r} is neither a step nor a leg name; legs are "
                              f"{format_names(list(legs), limit=6)}") from None
        raise TnrankError(
            f"cannot read partition {spec!r}; use {' or '.join(PARTITION_NAMES)} or a "
            "comma-separated list of start steps such as 0,2,5"
        ) from None


def _check_length(T: int) -> None:
    """Refuse sequence lengths no computation of tnrank can use (before building ranges)."""
    if T > MAX_T:
        raise TnrankError(
            f"sequence length T = {T:,} is larger than tnrank's limit of {MAX_T:,} steps; no rank "
            "or bound at that length can be computed"
        )
