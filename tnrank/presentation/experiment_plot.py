"""Figures of training experiments: accuracy against the swept delay or length per depth,
learning curves, and the fewest MACs per step that solve.

The functions draw plain series (numbers and labels); :mod:`tnrank.experiments.results`
reads a results file into them. Figures are drawn ``FIGURE_WIDTH`` wide, the docs' content
column, with every label at ``TEXT_PT``, the docs' body text, and are saved by
:func:`save_experiment_figure` in the format of the file name's suffix, atomically.
matplotlib is imported only inside the functions that draw.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tnrank.presentation.plot import save_figure

__all__ = ["FIGURE_WIDTH", "TEXT_PT", "Series", "accuracy_figure", "capacity_figure",
           "save_experiment_figure"]

#: Figures are drawn at the width of the docs' content column (inches; 760 px at 100 dpi,
#: shown at about their drawn size) ...
FIGURE_WIDTH = 7.6
#: ... with every label at the docs' body-text size, 12 pt.
TEXT_PT = 12
_DPI = 100


@dataclass(frozen=True)
class Series:
    """One line of a figure.

    Parameters
    ----------
    label : str
        Its legend entry.
    x, y : sequence of float
        Its points (``None`` in ``y``: no value there, a gap in the line).
    open_x : sequence of float
        Positions drawn as open markers at the top of the range (capacity figures: not solved
        within the MACs searched).
    """

    label: str
    x: Sequence[float]
    y: Sequence[float | None]
    open_x: Sequence[float] = ()


def _new_figure(height: float, panels: int = 1) -> tuple[Any, list[Any]]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(FIGURE_WIDTH, height), dpi=_DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(panels, 1)
    return fig, list(axes) if panels > 1 else [axes]


def _body_size_text(fig: Any) -> None:
    """Set every title, axis label, tick label and legend entry of ``fig`` to ``TEXT_PT``."""
    for ax in fig.axes:
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
            text.set_fontsize(TEXT_PT)
        ax.tick_params(labelsize=TEXT_PT)
        legend = ax.get_legend()
        if legend is not None:
            for text in legend.get_texts():
                text.set_fontsize(TEXT_PT)


def _nan_for_none(ys: Sequence[float | None]) -> list[float]:
    return [float("nan") if y is None else y for y in ys]


def accuracy_figure(accuracy: Sequence[Series], baseline: Series, curves: Sequence[Series], *,
                    title: str, x_label: str, solved: float, curves_title: str | None = None) -> Any:
    """Two panels, one above the other: test data accuracy against the swept value (one line per
    depth, the memoryless baseline dashed, the solved level dotted), and validation learning
    curves.

    Parameters
    ----------
    accuracy : sequence of Series
        Mean test data accuracy per swept value, one per depth.
    baseline : Series
        The memoryless baseline's accuracy per value.
    curves : sequence of Series
        Validation data accuracy per training step, one per depth (may be empty).
    title, x_label : str
        The upper panel's title and the swept value's name.
    solved : float
        The accuracy at which a task counts as solved.
    curves_title : str, optional
        The lower panel's title.

    Returns
    -------
    matplotlib.figure.Figure
        ``FIGURE_WIDTH`` wide, every label ``TEXT_PT``.
    """
    fig, (top, bottom) = _new_figure(9.2, 2)
    for line in accuracy:
        top.plot(line.x, _nan_for_none(line.y), marker="o", label=line.label)
    top.plot(baseline.x, _nan_for_none(baseline.y), "k--", lw=1, label=baseline.label)
    top.axhline(solved, color="grey", lw=0.8, ls=":", label=f"solved ({solved:.0%})")
    top.set_xlabel(x_label)
    top.set_ylabel("test data accuracy")
    top.set_ylim(0, 1.02)
    top.set_title(title)
    top.legend(loc="center left")  # between the memoryless line and the accuracies
    for line in curves:
        bottom.plot(line.x, _nan_for_none(line.y), label=line.label)
    if curves_title:
        bottom.set_title(curves_title)
    bottom.set_xlabel("training step")
    bottom.set_ylabel("validation data accuracy")
    bottom.set_ylim(0, 1.02)
    if curves:
        bottom.legend(loc="lower right")
    _body_size_text(fig)
    fig.tight_layout()
    return fig


def capacity_figure(lines: Sequence[Series], *, top: float, title: str, x_label: str) -> Any:
    """Fewest MACs per step that solve against the swept value, one line per depth; the values
    no width within the range solved are open markers at the range's top.

    Parameters
    ----------
    lines : sequence of Series
        One per depth: the values solved and their fewest MACs, and ``open_x``.
    top : float
        The largest MACs per step searched.
    title, x_label : str

    Returns
    -------
    matplotlib.figure.Figure
        ``FIGURE_WIDTH`` wide, every label ``TEXT_PT``.
    """
    fig, (ax,) = _new_figure(5.2)
    for series in lines:
        drawn = ax.plot(series.x, _nan_for_none(series.y), marker="o", label=series.label)[0]
        if series.open_x:
            ax.plot(list(series.open_x), [top] * len(series.open_x), marker="o", ls="none",
                    mfc="none", color=drawn.get_color())
    ax.set_xlabel(x_label)
    ax.set_ylabel("fewest MACs per step that solve")
    ax.set_title(title)
    ax.legend(loc="upper left")
    _body_size_text(fig)
    fig.tight_layout()
    return fig


def save_experiment_figure(fig: Any, path: str | os.PathLike) -> Path:
    """Save an experiment figure in the format of ``path``'s suffix (``.svg``, ``.pdf``,
    ``.png``), reproducibly and atomically (see :func:`~tnrank.presentation.plot.save_figure`);
    a PNG keeps the drawn size, one pixel per point of ``FIGURE_WIDTH`` at 100 dpi.

    Raises
    ------
    TnrankError
        For an unknown suffix or a path that cannot be written (nothing is left behind).
    """
    return save_figure(fig, path, png_dpi=_DPI)
