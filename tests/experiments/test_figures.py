"""The experiment figures read at the docs' body-text size where the docs show them."""

import json
from pathlib import Path

import pytest
from matplotlib.text import Text

from tnrank.experiments.results import capacity_figure, results_figure

RESULTS = Path(__file__).resolve().parents[2] / "docs" / "results"
COLUMN_PX = 766  # the docs' content column at 800 px (docs/_static/tnrank.css)


def visible_texts(fig):
    fig.canvas.draw()  # lays out the tick labels
    texts = {t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()}
    for ax in fig.axes:
        texts |= {t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text().strip()}
    return texts


@pytest.mark.parametrize("name, draw", [
    ("copying-fair", results_figure), ("ses-small", results_figure),
    ("copying-capacity", capacity_figure)])
def test_labels_are_at_least_body_text_size_where_shown(name, draw):
    """Drawn no wider than the content column, so shown at (about) its drawn size, every
    title, axis label, tick label and legend entry is at least 12 pt: the docs' body text."""
    fig = draw(json.loads((RESULTS / f"{name}.json").read_text()))
    width_px = fig.get_size_inches()[0] * fig.dpi
    shown = min(1.0, COLUMN_PX / width_px)  # a wider PNG is scaled down to the column
    texts = visible_texts(fig)
    assert len(texts) > 12  # titles, axis labels, ticks and legend entries
    small = sorted({(t.get_text(), t.get_fontsize() * shown) for t in texts
                    if t.get_fontsize() * shown < 12 - 1e-9})
    assert not small, f"labels below 12 pt as shown: {small[:8]}"
