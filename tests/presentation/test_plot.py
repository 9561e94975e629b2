import csv
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from interrupts import interrupt_on_call
from oracle import naive_sample_rank

import tnrank.studies.verification
from tnrank import PRIME, Architecture, random_weights
from tnrank.cli import main
from tnrank.presentation.plot import plot_sweep

ROOT = Path(__file__).resolve().parents[2]

ARGS = ["sweep", "-L", "1", "2", "-R", "2", "-M", "2", "-T", "2..6", "-q"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    code = main(ARGS + ["-o", str(out / "r.svg"), "--json", str(out / "r.json"), "--csv", str(out / "r.csv")])
    assert code == 0
    return out


def svg_ids(path):
    return {el.get("id") for el in ET.parse(path).iter() if el.get("id")}


def test_plot_data_equals_certified_results(results):
    data = json.loads((results / "r.json").read_text())
    fig = plot_sweep(data["rows"])
    lines = {line.get_gid(): line for line in fig.axes[0].get_lines() if line.get_gid()}
    for depth in (1, 2):
        rows = [r for r in data["rows"] if r["L"] == depth]
        line = lines[f"rank-depth{depth}"]
        assert list(line.get_xdata()) == [r["T"] for r in rows]
        assert list(line.get_ydata()) == [r["separation"]["lower"] for r in rows]
        bound = lines[f"paper-bound-depth{depth}"]
        assert list(bound.get_ydata()) == [r["theorems"][0]["value"] for r in rows]
        cut = lines[f"min-cut-depth{depth}"]  # the subtitle's min-cut bounds are drawn
        assert list(cut.get_ydata()) == [r["separation"]["bounds"]["min-cut"] for r in rows]


def test_what_the_subtitle_names_is_drawn_and_the_key_is_compact():
    """The subtitle names the bounds drawn; the key lists each line style once (colours name
    the depths) and takes at most a fifth of the figure's height, inside its width."""
    from tnrank.files.results_file import load_results

    data = load_results(str(ROOT / "docs" / "figures" / "sweep-R2-M2.json"))
    fig = plot_sweep(data["rows"])
    ax = fig.axes[0]
    gids = {line.get_gid() for line in ax.get_lines() if line.get_gid()}
    subtitle = ax.get_title().splitlines()[1]
    depths = sorted({r["L"] for r in data["rows"]})
    for word, prefix in (("degree", "degree-bound"), ("min-cut", "min-cut")):
        assert word in subtitle
        assert {f"{prefix}-depth{d}" for d in depths} <= gids
    fig.canvas.draw()
    legend = fig.legends[0]
    labels = [t.get_text() for t in legend.get_texts() if t.get_text().strip()]
    assert len(labels) == len(set(labels))
    assert [f"depth {d}" for d in depths] == [x for x in labels if x.startswith("depth ")]
    assert {"certified rank", "degree bound (upper)", "min-cut (upper)"} <= set(labels)
    box, key = fig.bbox, legend.get_window_extent()
    assert key.height <= box.height / 5 and box.x0 <= key.x0 and key.x1 <= box.x1


def test_text_is_as_large_as_the_docs_body_text(results):
    """Shown at its drawn size (it fits the docs' content column), every label is >= 12 pt.

    12 pt is 16 px, the documentation's body text; the legend sits inside the figure.
    """
    from matplotlib.text import Text

    data = json.loads((results / "r.json").read_text())
    fig = plot_sweep(data["rows"])
    width_px = fig.get_size_inches()[0] * 96
    assert width_px <= 753  # the content column at 1280 px (docs/_static/tnrank.css)
    fig.canvas.draw()  # creates the tick labels
    ax = fig.axes[0]
    texts = [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]
    texts += [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text().strip()]
    assert len(texts) > 15  # title, axis labels, ticks and legend entries
    small = sorted({(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 12})
    assert not small, small
    box = fig.bbox
    legend = fig.legends[0].get_window_extent()
    assert box.x0 <= legend.x0 and legend.x1 <= box.x1 and box.y0 <= legend.y0


def test_svg_marks_each_point_exact_or_bounded(results):
    data = json.loads((results / "r.json").read_text())
    ids = svg_ids(results / "r.svg")
    for r in data["rows"]:
        kind = "exact" if r["separation"]["exact"] else "bounded"
        assert f"point-depth{r['L']}-T{r['T']}-{kind}" in ids
    assert {"rank-depth1", "rank-depth2", "degree-bound-depth2"} <= ids


def test_replot_from_json_is_byte_identical(results, tmp_path):
    assert main(["sweep", "--from", str(results / "r.json"), "-o", str(tmp_path / "again.svg")]) == 0
    assert (tmp_path / "again.svg").read_bytes() == (results / "r.svg").read_bytes()


def test_csv_rows_against_theorem_one_and_a_brute_force_rank(results):
    with (results / "r.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(int(r["L"]), int(r["T"])) for r in rows] == [(L, T) for L in (1, 2) for T in (2, 4, 6)]
    for r in rows:
        L, M, R, T = (int(r[k]) for k in "LMRT")
        assert r["quantity"] == "separation" and r["exact"] == "True"
        # the rank by K random half-sequences, each entry by the plain recurrence (K > rank)
        w = random_weights(Architecture.rac(L, R, M), seed=2, prime=PRIME)
        assert int(r["lower"]) == int(r["upper"]) == naive_sample_rank(w, T, int(r["upper"]) + 2, PRIME)
        if L == 1:  # Theorem 1: at most min(R, M^(T/2))
            bound = min(R, M ** (T // 2))
        else:  # Theorem 1: at least C(min(M, R) + T/2 - 1, T/2)
            bound = math.comb(min(M, R) + T // 2 - 1, T // 2)
        assert r["theorem"] == f"Theorem 1 (depth {L})" and int(r["theorem_value"]) == bound
        assert r["verdict"] == ("tight" if int(r["lower"]) == bound else "holds")


def test_interrupted_sweep_saves_what_is_done(tmp_path, monkeypatch, capsys):
    interrupt_on_call(monkeypatch, tnrank.studies.verification, 3)
    code = main(ARGS + ["--json", str(tmp_path / "part.json")])
    data = json.loads((tmp_path / "part.json").read_text())
    assert code == 130 and data["complete"] is False and len(data["rows"]) == 2
    assert "interrupted after 2 of 6 points" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["-o", "/nonexistent-dir/x.png"], "does not exist"),
        (["-o", "x.gif"], "cannot tell the figure format"),
        ([], "nothing to write"),
        (["--from", "/nonexistent.json", "-o", "x.svg"], "no such file"),
    ],
)
def test_bad_sweep_input(extra, fragment, capsys):
    assert main(ARGS + extra) == 2
    assert fragment in capsys.readouterr().err


def test_markers_tell_exact_generic_and_bounded_points_apart():
    from pathlib import Path

    from tnrank.files.results_file import load_results

    data = load_results(str(Path(__file__).resolve().parents[2] / "docs" / "figures" / "sweep-R2-M2.json"))
    fig = plot_sweep(data["rows"])
    ax = fig.axes[0]
    lines = {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}
    seen = set()
    for r in data["rows"]:
        sep = r["separation"]
        point = lines[f"point-depth{r['L']}-T{r['T']}-{'exact' if sep['exact'] else 'bounded'}"]
        expected = "full" if sep["exact"] else ("bottom" if sep["status"] == "generic-whp" else "none")
        assert point.get_fillstyle() == expected
        seen.add(expected)
    assert {"full", "bottom"} <= seen
    for depth in (1, 2, 3):  # bounds lie under the ranks: a bound equal to the rank stays visible
        bound, rank = lines[f"degree-bound-depth{depth}"], lines[f"rank-depth{depth}"]
        assert bound.get_zorder() < rank.get_zorder() and bound.get_linewidth() > rank.get_linewidth()
    assert ax.yaxis.get_major_formatter()(1000, 0) == "1,000"
