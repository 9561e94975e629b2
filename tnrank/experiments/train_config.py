"""The optimisation settings of one training run: importable without PyTorch (the command
line reads their defaults)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TrainConfig"]


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings of one run.

    ``schedule`` is ``"plateau"`` (divide the learning rate by 10 after
    ``patience`` evaluations without a relative improvement of ``threshold``
    in the validation loss) or ``"none"``; ``restore_best`` scores the
    weights of the best validation point instead of the final ones.
    """

    steps: int = 2000
    batch: int = 128
    lr: float = 1e-3
    eval_every: int = 100
    patience: int = 3
    threshold: float = 0.01
    schedule: str = "plateau"
    restore_best: bool = True
    lr_factor: float = 0.1
    min_lr: float = 1e-6
    clip: float = 1.0
    stop_accuracy: float = 0.995
    validation_size: int = 512
    test_size: int = 1024
    device: str = "cpu"
