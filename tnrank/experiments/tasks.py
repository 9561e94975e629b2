"""The paper's long-term memory tasks as seeded generators (numpy only).

Both tasks produce integer symbol sequences; models read them one-hot.

* :class:`CopyingTask` — Copying Memory (Hochreiter & Schmidhuber 1997; the
  form of Arjovsky et al. 2016 used by Levine et al., arXiv:1710.09431):
  ``m`` data symbols, ``B`` blanks, a recall marker, and the ``m`` symbols
  expected back in the last ``m`` steps.
* :class:`SimilarityTask` — Start-End Similarity (Levine et al.): two blocks
  of ``m`` symbols ``T/2`` steps apart that agree on ``0``, ``m/2`` or ``m``
  positions; three classes read at the last step.

Validation and test sets are fixed: they depend only on the task and a data
seed, never on the run, so every depth is scored on the same sequences.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from tnrank.errors import TnrankError

__all__ = ["Task", "CopyingTask", "SimilarityTask", "Baseline", "make_task", "TASKS", "EVAL_SEED"]

#: Seed of the fixed validation and test sets (the run's seed drives training data only).
EVAL_SEED = 20171025
TASKS = ("copying", "ses")


@dataclass(frozen=True)
class Baseline:
    """What the best memoryless predictor scores.

    Attributes
    ----------
    accuracy : float
        Data accuracy (copying: on the last ``m`` steps; ses: at the last step).
    loss : float
        Mean cross-entropy per scored step (nats), the quantity training minimises.
    """

    accuracy: float
    loss: float


def _whole(value: object, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TnrankError(f"{what} must be a whole number, got {value!r}")
    if value < low:
        raise TnrankError(f"{what} must be at least {low}, got {value}")
    return int(value)


class Task(ABC):
    """What both tasks share: fixed evaluation sets and seeded training batches."""

    name: str
    vocab: int      # input symbols (one-hot size)
    classes: int    # output classes
    length: int     # T
    per_step: bool  # targets at every step (copying) or at the last step only (ses)

    @abstractmethod
    def sample(self, batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A random training batch ``(inputs, targets)``."""

    def fixed_set(self, size: int, which: str) -> tuple[np.ndarray, np.ndarray]:
        """The fixed ``"validation"`` or ``"test"`` set: ``size`` sequences that
        depend only on the task, ``which`` and :data:`EVAL_SEED`."""
        if which not in ("validation", "test"):
            raise TnrankError(f"fixed sets are 'validation' or 'test', not {which!r}")
        salt = 1 if which == "validation" else 2
        rng = np.random.default_rng([EVAL_SEED, salt, *self._key()])
        return self._sample(size, rng, balanced=True)

    def batches(self, batch: int, seed: int):
        """Endless seeded training batches."""
        rng = np.random.default_rng([seed, 7, *self._key()])
        while True:
            yield self.sample(batch, rng)

    @abstractmethod
    def _key(self) -> tuple[int, ...]:
        """The task's sizes, mixed into every seed."""

    @abstractmethod
    def _sample(self, batch, rng, balanced):
        """``batch`` sequences; ``balanced`` fixes equal class counts (evaluation sets)."""


class CopyingTask(Task):
    """Copying Memory: remember ``m`` symbols over a delay of ``B`` blanks.

    Sequence of length ``T = 2m + B`` (0-based steps): steps ``0..m-1`` hold
    data symbols drawn uniformly from ``{0..n-1}``; steps ``m..m+B-1`` and
    ``m+B+1..T-1`` the blank ``n``; step ``m+B`` the recall marker ``n+1``.
    Targets are the blank for steps ``0..m+B-1`` and the data symbols, in
    order, for the last ``m`` steps ``m+B..T-1`` (symbol ``k`` is due
    ``m + B`` steps after it was shown). Inputs are one-hot over ``n + 2``
    symbols, outputs are ``n + 1`` classes (data symbols and blank).

    Parameters
    ----------
    m : int
        Number of symbols to copy (paper: 30).
    n : int
        Alphabet size (paper: 32, so 30·log2 32 = 150 bits).
    delay : int
        Number of blanks ``B`` between the data and the marker.

    Examples
    --------
    >>> import numpy as np
    >>> task = CopyingTask(m=3, n=4, delay=2)
    >>> x, y = task.sample(1, np.random.default_rng(0))
    >>> task.length, x.shape, int(x[0, 5]) == task.marker
    (8, (1, 8), True)
    >>> bool((y[0, 5:] == x[0, :3]).all()), bool((y[0, :5] == task.blank).all())
    (True, True)
    """

    name = "copying"
    per_step = True

    def __init__(self, m: int, n: int, delay: int) -> None:
        self.m = _whole(m, "number of symbols to copy m", 1)
        self.n = _whole(n, "alphabet size n", 2)
        self.delay = _whole(delay, "delay B", 0)
        self.length = 2 * self.m + self.delay
        self.blank, self.marker = self.n, self.n + 1
        self.vocab, self.classes = self.n + 2, self.n + 1

    @property
    def marker_position(self) -> int:
        """Step of the recall marker, ``m + B`` (steps count from 0)."""
        return self.m + self.delay

    @property
    def scored(self) -> slice:
        """Steps whose accuracy is the *data accuracy*: the last ``m``."""
        return slice(self.length - self.m, self.length)

    def baseline(self) -> Baseline:
        """Memoryless: blanks until the marker, then a uniform guess.

        Data accuracy ``1/n``; mean cross-entropy over all ``T`` steps
        ``m·ln(n) / (2m + B)`` (the blank steps cost nothing).
        """
        return Baseline(1.0 / self.n, self.m * math.log(self.n) / self.length)

    def sample(self, batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``batch`` sequences: inputs and targets, int64 arrays of shape ``(batch, T)``."""
        return self._sample(batch, rng, balanced=False)

    def _sample(self, batch, rng, balanced):
        batch = _whole(batch, "batch size", 1)
        m, T = self.m, self.length
        data = rng.integers(0, self.n, size=(batch, m))
        x = np.full((batch, T), self.blank, dtype=np.int64)
        x[:, :m] = data
        x[:, self.marker_position] = self.marker
        y = np.full((batch, T), self.blank, dtype=np.int64)
        y[:, T - m:] = data
        return x, y

    def describe(self) -> str:
        return f"copying m={self.m} n={self.n} B={self.delay} (T={self.length})"

    def _key(self):
        return (1, self.m, self.n, self.delay)


class SimilarityTask(Task):
    """Start-End Similarity: do two blocks ``T/2`` apart agree?

    Sequence of length ``T`` (even): block A at steps ``0..m-1``, block B at
    steps ``T/2..T/2+m-1``, the blank ``n`` elsewhere. A is uniform over
    ``{0..n-1}``; B agrees with A on exactly ``0`` (class 0), ``m/2``
    (class 1, positions chosen uniformly) or ``m`` (class 2) positions and
    differs elsewhere (a uniform other symbol). One target, at the last step.
    Training labels are uniform; the fixed sets are exactly balanced.

    Parameters
    ----------
    T : int
        Even sequence length.
    m : int
        Even block length with ``m <= T/2``.
    n : int
        Alphabet size (at least 2).

    Examples
    --------
    >>> import numpy as np
    >>> task = SimilarityTask(T=8, m=2, n=3)
    >>> x, y = task.fixed_set(6, "test")
    >>> sorted(y.tolist()), x.shape
    ([0, 0, 1, 1, 2, 2], (6, 8))
    >>> [int((x[i, :2] == x[i, 4:6]).sum()) for i in range(6)] == [c for c in y.tolist()]
    True
    """

    name = "ses"
    per_step = False

    def __init__(self, T: int, m: int, n: int) -> None:
        T = _whole(T, "sequence length T", 2)
        if T % 2:
            raise TnrankError(f"Start-End Similarity needs an even length T, got T={T}; use T={T + 1}")
        m = _whole(m, "block length m", 2)
        if m % 2:
            raise TnrankError(f"block length m must be even (blocks agree on m/2 positions), got m={m}")
        if m > T // 2:
            raise TnrankError(
                f"block length m={m} is more than T/2={T // 2}, so the blocks would overlap; "
                f"use m <= {T // 2} or T >= {2 * m}"
            )
        self.length, self.m, self.n = T, m, _whole(n, "alphabet size n", 2)
        self.blank = self.n
        self.vocab, self.classes = self.n + 1, 3

    @property
    def scored(self) -> slice:
        return slice(self.length - 1, self.length)

    def baseline(self) -> Baseline:
        """Memoryless: block B alone is uniform whatever the class, so chance:
        accuracy 1/3, cross-entropy ln 3."""
        return Baseline(1.0 / 3.0, math.log(3.0))

    def sample(self, batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Inputs ``(batch, T)`` and labels ``(batch,)`` (int64)."""
        return self._sample(batch, rng, balanced=False)

    def _sample(self, batch, rng, balanced):
        batch = _whole(batch, "batch size", 1)
        m, T, n = self.m, self.length, self.n
        if balanced:
            labels = rng.permutation(np.arange(batch) % 3)
        else:
            labels = rng.integers(0, 3, size=batch)
        a = rng.integers(0, n, size=(batch, m))
        agree_count = labels * (m // 2)
        # agree on a uniformly chosen set of positions: the first k of a random order
        order = np.argsort(rng.random((batch, m)), axis=1)
        ranks = np.argsort(order, axis=1)
        agree = ranks < agree_count[:, None]
        other = (a + rng.integers(1, n, size=(batch, m))) % n  # uniform symbol != a
        b = np.where(agree, a, other)
        x = np.full((batch, T), self.blank, dtype=np.int64)
        x[:, :m] = a
        x[:, T // 2:T // 2 + m] = b
        return x, labels.astype(np.int64)

    def describe(self) -> str:
        return f"ses T={self.length} m={self.m} n={self.n}"

    def _key(self):
        return (2, self.length, self.m, self.n)


def make_task(name: str, value: int, m: int, n: int) -> CopyingTask | SimilarityTask:
    """The task ``name`` at sweep value ``value`` (the delay B for copying, T for ses)."""
    if name == "copying":
        return CopyingTask(m=m, n=n, delay=value)
    if name == "ses":
        return SimilarityTask(T=value, m=m, n=n)
    raise TnrankError(f"unknown task {name!r}; use one of {', '.join(TASKS)}")
