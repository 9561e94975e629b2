"""Learning-rate schedule and best-checkpoint bookkeeping for one run (no PyTorch).

:class:`PlateauSchedule` divides the learning rate by ``1/factor`` when the
validation loss has not improved by at least a relative ``threshold`` for
``patience`` evaluations in a row, and records the step of every drop, so a
results file shows whether (and when) the schedule fired. PyTorch's
``ReduceLROnPlateau`` with its default relative threshold of ``1e-4`` counts
any tiny improvement as progress; on the copying task the validation loss
creeps down for thousands of steps and its decay never fired, which is why
tnrank keeps its own, coarser rule (default: 1% over 3 evaluations).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["PlateauSchedule", "Best", "SCHEDULES"]

#: The learning-rate schedules, ``plateau`` (the rule above) and ``none`` (constant).
SCHEDULES = ("plateau", "none")


@dataclass
class PlateauSchedule:
    """Per-run plateau decay of the learning rate.

    Parameters
    ----------
    lr : float
        Starting learning rate.
    patience : int
        Evaluations without a relative improvement of ``threshold`` before a drop.
    factor : float
        Multiplier applied at a drop.
    threshold : float
        Relative improvement of the best validation loss that counts as progress.
    min_lr : float
        The learning rate never drops below this.
    enabled : bool
        ``False``: a constant learning rate (``--schedule none``).

    Examples
    --------
    >>> s = PlateauSchedule(1e-3, patience=2)
    >>> [s.update(step, loss) for step, loss in [(100, 1.0), (200, 0.999), (300, 0.998), (400, 0.5)]]
    [0.001, 0.001, 0.0001, 0.0001]
    >>> s.drops
    [300]
    """

    lr: float
    patience: int = 3
    factor: float = 0.1
    threshold: float = 0.01
    min_lr: float = 1e-6
    enabled: bool = True
    best: float = math.inf
    waited: int = 0
    drops: list[int] = field(default_factory=list)

    def update(self, step: int, val_loss: float) -> float:
        """Record the validation loss at ``step``; return the learning rate to use next."""
        if val_loss < self.best * (1.0 - self.threshold) or not math.isfinite(self.best):
            if math.isfinite(val_loss):
                self.best = val_loss
                self.waited = 0
                return self.lr
        self.waited += 1
        if self.enabled and self.waited >= self.patience and self.lr > self.min_lr:
            self.lr = max(self.min_lr, self.lr * self.factor)
            self.drops.append(step)
            self.waited = 0
        return self.lr


@dataclass
class Best:
    """The best validation point so far: highest data accuracy, ties to the lower loss."""

    step: int = 0
    accuracy: float = -math.inf
    loss: float = math.inf

    def offer(self, step: int, accuracy: float, loss: float) -> bool:
        """Take ``(accuracy, loss)`` at ``step`` if it beats the best; ``True`` when it does.

        Examples
        --------
        >>> b = Best()
        >>> b.offer(100, 0.5, 1.0), b.offer(200, 0.5, 1.2), b.offer(300, 0.5, 0.9), b.step
        (True, False, True, 300)
        """
        if accuracy > self.accuracy or (accuracy == self.accuracy and loss < self.loss):
            self.step, self.accuracy, self.loss = step, accuracy, loss
            return True
        return False
