"""The gallery in docs/figures is what ``python -m tnrank.presentation.figures docs/figures`` draws today."""

from __future__ import annotations

import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tnrank.presentation.draw import COLUMN_WIDTH, shown_size
from tnrank.presentation.figures import MANIFEST, NETWORK_FIGURES, SWEEP_FIGURES, WIDE_FIGURES, write_gallery

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "docs" / "figures"
FIX = "regenerate with `python -m tnrank.presentation.figures docs/figures`"


def structure(path: Path) -> list[tuple]:
    """Ids, classes and names of the groups tnrank tags (independent of matplotlib's own ids)."""
    root = ET.parse(path).getroot()
    return sorted((el.get("id"), el.get("class"), el.get("data-name"), el.get("data-dim"))
                  for el in root.iter() if el.get("id", "").startswith(("tn-", "rank-", "point-",
                                                                         "degree-", "paper-")))


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("gallery")
    for source in SWEEP_FIGURES.values():
        shutil.copy(FIGURES / source, out / source)
    write_gallery(out)
    return out


def test_committed_figures_are_up_to_date(fresh):
    committed = json.loads((FIGURES / MANIFEST).read_text())
    new = json.loads((fresh / MANIFEST).read_text())
    assert set(committed["files"]) == set(new["files"]) == set(NETWORK_FIGURES) | set(SWEEP_FIGURES), FIX
    for name, digest in committed["files"].items():
        assert hashlib.sha256((FIGURES / name).read_bytes()).hexdigest() == digest, f"{name}: {FIX}"
        if new["matplotlib"] == committed["matplotlib"]:  # same renderer: the same bytes
            assert (fresh / name).read_bytes() == (FIGURES / name).read_bytes(), f"{name}: {FIX}"
        else:  # another matplotlib draws glyphs differently; the content must still agree
            assert structure(fresh / name) == structure(FIGURES / name), f"{name}: {FIX}"


def test_gallery_figures_have_their_nodes_and_cuts(fresh):
    assert len([s for s in structure(fresh / "network-depth2-cut.svg") if "cut" in (s[1] or "")
                and "edge" in s[1]]) == 4
    assert not [s for s in structure(fresh / "network-depth2.svg") if "cut" in (s[1] or "")]


def test_the_gallery_page_shows_every_figure():
    page = (ROOT / "docs" / "figures.md").read_text()
    for name in [*NETWORK_FIGURES, *SWEEP_FIGURES]:
        # a Markdown image, a captioned figure block, or (a wide figure) a link to the file
        assert (f"(figures/{name})" in page or f":::{{figure}} figures/{name}\n" in page
                or (name in WIDE_FIGURES and f"<figures/{name}>`" in page)), name


@pytest.mark.parametrize("name", sorted(NETWORK_FIGURES))
def test_diagram_labels_read_near_body_text_size_in_the_docs_column(name):
    """Placed in the docs' column (a figure wider than it is shrunk to fit), every label of a
    gallery diagram shows at >= 9.5 pt and node labels at >= 10.5 pt, against the body text's
    12 pt (16 px). Wide figures (folded deep networks) meet this at full size, and are linked
    from the page."""
    css = (ROOT / "docs" / "_static" / "tnrank.css").read_text()
    assert ".bd-article img {\n  max-width: 100%;" in css  # a wider figure is shrunk to the column
    assert COLUMN_WIDTH * 96 == 753  # the content column at 1280 px, as test_plot measures it
    drawing = NETWORK_FIGURES[name]()
    width = drawing.figure.get_size_inches()[0]
    if name in WIDE_FIGURES:  # opened at full size
        def size(t):
            return t.get_fontsize()
    else:
        assert width <= COLUMN_WIDTH * 1.02, f"{name}: {width:.2f} in wide, the column {COLUMN_WIDTH:.2f}"

        def size(t):
            return shown_size(t.get_fontsize(), width)
    texts = [t for t in drawing.figure.axes[0].texts if t.get_text().strip()]
    assert texts
    small = sorted({(t.get_gid(), round(size(t), 1)) for t in texts if size(t) < 9.5})
    assert not small, small[:5]
    nodes = [t for t in texts if (t.get_gid() or "").startswith("tn-node")]
    assert nodes and all(size(t) >= 10.5 for t in nodes)
    drawing.figure.clear()


def test_wide_figures_are_linked_at_full_size():
    page = (ROOT / "docs" / "figures.md").read_text()
    for name in WIDE_FIGURES:
        assert f"<figures/{name}>`" in page, name  # a {download} link
