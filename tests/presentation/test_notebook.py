"""Rich display in notebooks: every HTML rendering parsed, its numbers checked against the object."""

from __future__ import annotations

import sys
import types
import xml.etree.ElementTree as ET

import pytest

import tnrank
from tnrank import Architecture, Layer, certify, min_cut, unroll
from tnrank.certification.bound_report import bound_architecture, bound_network
from tnrank.certification.report_text import report_parts
from tnrank.networks.examples import mps
from tnrank.presentation.notebook import (
    FORMATTERS,
    architecture_html,
    bound_report_html,
    min_cut_html,
    rank_result_html,
    report_html,
    svg_inline,
    sweep_html,
)

SVG = "{http://www.w3.org/2000/svg}"


class _Formatter:
    def __init__(self):
        self.by_name = {}

    def for_type_by_name(self, module, name, func):
        self.by_name[(module, name)] = func


def _text(el: ET.Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _rows(table: ET.Element) -> list[list[str]]:
    return [[_text(td) for td in tr.iter("td")] for tr in table.iter("tr") if tr.find("td") is not None]


def _table(page: ET.Element, cls: str) -> ET.Element:
    return next(t for t in page.iter("table") if t.get("class") == cls)


@pytest.fixture(scope="module")
def whp():
    return certify(Architecture.rac(3, 2, 2), 8, float_check=True)


def test_import_inside_ipython_registers_every_type(monkeypatch):
    formatters = {"image/svg+xml": _Formatter(), "text/html": _Formatter()}
    shell = types.SimpleNamespace(display_formatter=types.SimpleNamespace(formatters=formatters))
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    tnrank._register_notebook_display()  # what `import tnrank` does inside IPython
    monkeypatch.undo()  # matplotlib looks IPython up too when it draws
    html = formatters["text/html"].by_name
    for name in ("Architecture", "Report", "RankResult", "MinCut", "BoundReport"):
        assert any(n == name for _m, n in html), name
    # the registered names are the real classes' modules and names
    rep = certify(Architecture.rac(2, 2, 2), 4)
    for obj in (rep, rep.grid, rep.architecture, min_cut(unroll(rep.architecture, 4), "start-end"),
                bound_architecture(rep.architecture, 4)):
        func = html[(type(obj).__module__, type(obj).__name__)]
        ET.fromstring(func(obj))
    assert ("tnrank.networks.graph", "TensorNetwork") in formatters["image/svg+xml"].by_name
    # a shell without a MIME type is fine: those formatters are skipped
    only_svg = {"image/svg+xml": _Formatter()}
    tnrank.presentation.notebook.register(
        types.SimpleNamespace(display_formatter=types.SimpleNamespace(formatters=only_svg)))
    assert len(only_svg["image/svg+xml"].by_name) == sum(
        mime == "image/svg+xml" for entries in FORMATTERS.values() for mime, _f in entries)


def test_report_html_says_everything_the_text_says(whp):
    page = ET.fromstring(report_html(whp))
    parts = report_parts(whp)
    ranks = _table(page, "ranks")
    assert [_text(th) for th in ranks.iter("th")] == parts.header
    assert _rows(ranks) == parts.rows
    assert _rows(ranks)[1][:4] == ["separation", "106", "110", "generic-whp"]
    text = _text(page)
    # every line of the text report, word for word
    body = whp.format().split("\n\nterms:\n")[0]
    table_lines = set(whp.format().splitlines()[3:7])
    for line in body.splitlines():
        if line.strip() and line not in table_lines:
            assert " ".join(line.split()) in text, line
    for run in whp.separation.runs:
        field = f"prime {run.prime}" if run.field_degree == 1 else f"GF(q²) with q = {run.prime}"
        assert f"{field}, seed {run.seed}" in text
    # the explanation, folded, and the terms with their meanings
    summaries = [_text(s) for s in page.iter("summary")]
    assert summaries == ["how each number was proved", "terms"]
    pre = _text(next(page.iter("pre")))
    assert " ".join(whp.explain().split("\n\nterms:\n")[0].split()) == pre
    terms = [_text(dt) for dt in page.iter("dt")]
    assert terms == [t for t, _m in parts.terms] and "generic-whp" in terms


def test_rank_result_html_lists_its_runs(whp):
    sep = whp.separation
    page = ET.fromstring(rank_result_html(sep))
    runs = _rows(_table(page, "runs"))
    fields_of = {1: "GF(p)", 2: "GF(q²)"}
    assert runs == [[fields_of[r.field_degree], str(r.prime), str(r.seed), f"{r.samples}×{r.samples}",
                     str(r.rank), "-" if r.failure_bound is None else f"{r.failure_bound:.1e}"]
                    for r in sep.runs]
    fields = dict(_rows(_table(page, "fields")))
    assert fields["lower"] == "106" and fields["upper"] == "110"
    assert fields["failure bound"] == f"{sep.failure_bound:.1e}"
    assert sep.statement() == _text(page.find(".//p"))


def test_architecture_html_has_its_layers_and_its_folded_cell():
    pytest.importorskip("matplotlib")
    arch = Architecture(M=3, layers=[Layer(2, integration="general"), Layer(4)], initial="state",
                        name="mixed")
    page = ET.fromstring(architecture_html(arch))
    rows = _rows(_table(page, "layers"))
    assert [r[:4] for r in rows[:-1]] == [[ly.name, str(ly.width), ", ".join(ly.sources),
                                           ly.integration] for ly in arch.layers]
    assert sum(int(r[4].replace(",", "")) for r in rows) == arch.parameter_count()
    assert f"{arch.parameter_count():,} parameters" in _text(page)
    svg = page.find(f".//{SVG}svg")
    assert svg is not None
    classes = [g.get("class", "") for g in svg.iter(f"{SVG}g")]
    # one merge per layer: a copy tensor (multiplicative) or the general merge tensor
    assert classes.count("node delta multiplicative") == 1 and classes.count("node merge general") == 1
    assert "<svg" in architecture_html(arch) and "<?xml" not in architecture_html(arch)
    plain = ET.fromstring(architecture_html(arch, picture=False))
    assert plain.find(f".//{SVG}svg") is None
    assert svg_inline("<?xml version='1.0'?><!DOCTYPE svg PUBLIC 'x'><svg/>") == "<svg/>"


def test_min_cut_and_bound_report_html():
    arch = Architecture.rac(2, 3, 3)
    cut = min_cut(unroll(arch, 6), "start-end")
    page = ET.fromstring(min_cut_html(cut))
    rows = _rows(_table(page, "cut"))
    assert len(rows) == len(cut.cut_edges) and [int(r[2]) for r in rows] == [e.dim for e in cut.cut_edges]
    assert "min-cut 81 = 4 bonds of dim 3" in _text(page)
    rep = bound_architecture(arch, 6)
    page = ET.fromstring(bound_report_html(rep))
    rows = _rows(_table(page, "bounds"))
    assert rows[0][:2] == ["min-cut", "81"] and len(rows) == 1 + len(rep.separation) + len(
        set(rep.grid) - set(rep.separation)) + len(rep.theorems)
    text = _text(page)  # every other line of the text, word for word
    table = set(rep.format().splitlines()[4:4 + len(rows) + 2])
    for line in rep.format().splitlines():
        if line.strip() and line not in table:
            assert " ".join(line.split()) in text, line
    net = ET.fromstring(bound_report_html(bound_network(mps(6, bond=3), rank=True)))
    assert "min-cut: 3 = 1 bond of dim 3" in _text(net)


def test_sweep_results_html_has_a_row_per_point_with_the_certified_ranks():
    from math import comb

    from tnrank.studies.sweeps import sweep

    res = sweep([1, 2], M=2, R=2, Ts=[4, 6])
    assert repr(res) == "<SweepResults L 1, 2 × M 2 × R 2 × T 4, 6: 4 of 4 points (complete)>"
    page = ET.fromstring(sweep_html(res))
    rows = [[_text(td) for td in tr.iter("td")] for tr in page.iter("tr")][1:]
    assert [r[:4] for r in rows] == [["1", "2", "2", "4"], ["1", "2", "2", "6"],
                                     ["2", "2", "2", "4"], ["2", "2", "2", "6"]]
    for r in rows:
        L, T = int(r[0]), int(r[3])
        # depth 1: Theorem 1's min{R, M^(T/2)} = 2; depth 2: the state-degree bound
        # prod_l C(R + n_l - 1, n_l) with n_1 = T/2, n_2 = 1, i.e. C(R + T/2 - 1, T/2) · R
        expected = 2 if L == 1 else comb(2 + T // 2 - 1, T // 2) * 2
        assert r[5] == f"{expected} exact"
        assert r[7] in ("holds", "tight")
