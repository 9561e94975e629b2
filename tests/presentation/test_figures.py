"""The gallery in docs/figures is what ``python -m tnrank.presentation.figures docs/figures`` draws today."""

from __future__ import annotations

import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tnrank.presentation.figures import MANIFEST, NETWORK_FIGURES, SWEEP_FIGURES, write_gallery

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
        # a Markdown image or a captioned figure block
        assert f"(figures/{name})" in page or f":::{{figure}} figures/{name}\n" in page, name
