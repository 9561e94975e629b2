"""Reports: plain wording, the explanation of every number, and JSON forms that load back."""

from __future__ import annotations

import json
import math
import re

import pytest

import tnrank
from tnrank import Architecture, Report, TnrankError, certify
from tnrank.certification.bound_report import BoundReport, bound_architecture, bound_network
from tnrank.certification.bounds import total_degree
from tnrank.certification.glossary import GLOSSARY, terms_used
from tnrank.certification.report import REPORT_FORMAT, RankResult
from tnrank.certification.report_text import REPORT_TERMS
from tnrank.engine.rank import FloatRank
from tnrank.networks.examples import mps
from tnrank.networks.mincut import MinCut, min_cut
from tnrank.networks.unrolling import unroll


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    """One report per status and option that changes the report's content."""
    return {
        # exact grid and separation, float estimate (wrong: the float SVD fails here)
        "exact": certify(Architecture.rac(2, 3, 3), 10),
        # generic-whp separation with repetitions, float estimates on both
        "whp": certify(Architecture.rac(3, 2, 2), 8, float_check=True),
        # lower-bound: the sample cap stops the growth
        "capped": certify(Architecture.rac(2, 4, 4), 12, grid="skip", max_samples=64,
                          float_check=False),
        # a sampled grid (lower-bound grid) and confirmation runs
        "sampled": certify(Architecture.rac(2, 2, 2), 8, grid="sampled", confirm=True),
        # no float estimate: skipped for size
        "skipped": certify(Architecture.rac(2, 3, 3), 12, grid="full", float_check=None),
    }


def test_statuses_are_the_ones_meant(reports):
    assert reports["exact"].separation.status == "exact"
    assert reports["whp"].separation.status == "generic-whp"
    assert reports["capped"].separation.status == "lower-bound"
    assert reports["sampled"].grid.status in ("lower-bound", "exact")
    assert reports["skipped"].grid.float_skipped


@pytest.mark.parametrize("name", ["exact", "whp", "capped", "sampled", "skipped"])
def test_reports_round_trip_through_json(reports, name, tmp_path):
    rep = reports[name]
    back = Report.from_json(rep.to_json())
    assert back.to_dict() == rep.to_dict()
    assert back.format() == rep.format() and back.explain() == rep.explain()
    assert back.settings == rep.settings and back.settings["seed"] == rep.seed
    data = json.loads(rep.to_json())
    assert data["format"] == REPORT_FORMAT and data["tnrank_version"] == tnrank.__version__
    # the settings that produced it are in the file and reproduce it
    settings = data["settings"]
    again = certify(back.architecture, back.T, back.partition, **{
        k: v for k, v in settings.items() if k not in ("extra_bounds",)})
    assert again.to_dict()["separation"] | {"seconds": 0} == data["separation"] | {"seconds": 0}
    # through tnrank.save and tnrank.load
    path = tmp_path / "report.json"
    tnrank.save(rep, path)
    assert tnrank.load(path, kind="report").to_dict() == rep.to_dict()
    # equality survives the round trip (the timings, rounded in JSON, are not compared)
    assert tnrank.load(path, kind="report") == rep and back == rep


def _tampered(data: dict, **changes) -> dict:
    data = json.loads(json.dumps(data))
    for key, value in changes.items():
        quantity, _, field = key.partition("__")
        if field:
            data[quantity][field] = value
        else:
            data[quantity] = value
    return data


def test_tampered_reports_and_rank_results_are_refused(reports):
    data = reports["exact"].to_dict()  # depth 2, R = M = 3, T = 10: separation rank 63 exact
    sep = data["separation"]
    cases = {
        "separation lower 64 > upper 63": _tampered(data, separation__lower=64),
        "T must be a whole number, got '10'": _tampered(data, T="10"),
        "status must be one of": _tampered(data, separation__status="proved"),
        "status 'generic-whp' does not match": _tampered(data, separation__status="generic-whp"),
        "too large": _tampered(data, separation__lower=int("9" * 4000), separation__upper=10**4001),
        "a rank result is a JSON object, got NoneType": _tampered(data, separation=None),
        "finite number": _tampered(data, separation__seconds=float("nan")),
        "not the smallest of its bounds": _tampered(data, separation__upper_source="grid size"),
        "grid lower 63 > separation upper 62": _tampered(
            data, separation=sep | {"lower": 62, "upper": 62, "rank": 62,
                                    "bounds": {k: 62 for k in sep["bounds"]}}),
        "theorem verdict must be one of": _tampered(
            data, theorems=[data["theorems"][0] | {"verdict": "proved"}]),
    }
    for message, bad in cases.items():
        with pytest.raises(TnrankError, match=re.escape(message)):
            Report.from_dict(bad)
    for bad in (None, [], "separation", sep | {"lower": -1}, sep | {"lower": True},
                sep | {"runs": [{"prime": 5, "seed": 0, "samples": None, "rank": "7"}]},
                sep | {"primes": [1.5]}, sep | {"bounds": {"min-cut": "63"}}):
        with pytest.raises(TnrankError):
            RankResult.from_dict(bad, "separation")
    with pytest.raises(TnrankError, match="quantity must be one of grid, separation"):
        RankResult.from_dict(sep, "rank")


def test_theorem_verdicts_are_recomputed_not_read():
    # depth 1, R = M = 2, T = 2: Theorem 1 says sep <= min(R, M^(T/2)) = 2
    rep = certify(Architecture.rac(1, 2, 2), 2)
    assert rep.theorems[0].bound.value == min(2, 2 ** (2 // 2)) and rep.verdict == "tight"
    data = rep.to_dict()
    seven = {"lower": 7, "upper": 7, "rank": 7, "bounds": {"min-cut": 7}, "upper_source": "min-cut"}
    forged = data | {"separation": data["separation"] | seven, "grid": None}
    forged["theorems"][0]["verdict"] = "tight"
    back = Report.from_dict(forged)
    assert back.verdict == "violated" and back.theorems[0].verdict == "violated"
    forged["theorems"][0]["value"] = 99  # the bound itself is recomputed too
    assert Report.from_dict(forged).theorems[0].bound.value == 2


def test_rank_results_and_float_estimates_load_on_their_own(reports):
    for rep in reports.values():
        for res in (rep.grid, rep.separation):
            if res is None:
                continue
            data = json.loads(json.dumps(res.to_dict()))
            assert RankResult.from_dict(data).to_dict() == res.to_dict()
            if res.float_estimate is not None:
                assert FloatRank.from_dict(data["float"]) == res.float_estimate
    old = reports["exact"].grid.to_dict()
    del old["quantity"]  # as tnrank 0.2.0 wrote it
    with pytest.raises(TnrankError, match="give `quantity`"):
        RankResult.from_dict(old)
    assert RankResult.from_dict(old, "grid").lower == 63


def test_old_and_future_formats_name_the_version_they_need(reports, tmp_path):
    data = reports["exact"].to_dict()
    old = {k: v for k, v in data.items() if k not in ("format", "tnrank_version")}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    with pytest.raises(TnrankError, match=r"written before tnrank 0\.2\.0.*reads format "
                                          r"'tnrank-report/1'"):
        tnrank.load(path)
    newer = data | {"format": "tnrank-report/2", "tnrank_version": "9.0"}
    path.write_text(json.dumps(newer))
    with pytest.raises(TnrankError, match=r"format 'tnrank-report/2' \(written by tnrank 9\.0\) "
                                          r"is not the 'tnrank-report/1'"):
        tnrank.load(path)
    bound = bound_architecture(Architecture.rac(2, 2, 2), 6).to_dict()
    path.write_text(json.dumps({k: v for k, v in bound.items() if k != "format"}))
    with pytest.raises(TnrankError, match="bound report has no 'format' key"):
        tnrank.load(path)


def test_bound_reports_and_min_cuts_round_trip(tmp_path):
    for rep in (bound_architecture(Architecture.rac(2, 3, 3), 6),
                bound_architecture(Architecture.rac(3, 2, 2), 64, cut_edges=False),
                bound_network(mps(6, bond=3), rank=True)):
        back = BoundReport.from_json(rep.to_json())
        assert back.to_dict() == rep.to_dict() and back.format() == rep.format()
        path = tmp_path / "bound.json"
        tnrank.save(rep, path)
        assert tnrank.load(path, kind="bound").to_dict() == rep.to_dict()
        assert tnrank.load(path, kind="bound") == rep and back == rep
        assert len(repr(rep)) < 300
    other = bound_architecture(Architecture.rac(2, 3, 3), 8)
    assert other != bound_architecture(Architecture.rac(2, 3, 3), 6)
    cut = min_cut(unroll(Architecture.rac(2, 3, 3), 6), "start-end")
    back = MinCut.from_dict(json.loads(json.dumps(cut.to_dict())))
    assert (back.bound, back.cut_edges, back.start, back.end) == (cut.bound, cut.cut_edges,
                                                                   cut.start, cut.end)
    assert back.bound == math.prod(e.dim for e in cut.cut_edges) == 81


# ---------------------------------------------------------------- wording
def _table_row(text: str, quantity: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(quantity + " "))


def test_every_term_is_explained_once_in_order_of_first_use(reports):
    for rep in reports.values():
        for text in (rep.format(), rep.explain()):
            body, _, terms = text.partition("\n\nterms:\n")
            body = re.sub(r"\n\nsettings: .*", "", body)  # settings are values, not prose
            order = [line.strip().split("  ")[0] for line in terms.splitlines()]
            # the explanation lists the terms of the report's text too (printed together)
            covered = body if text == rep.format() else body + "\n\n" + rep.format(terms=False)
            assert order == terms_used(covered, REPORT_TERMS)
            for line, term in zip(terms.splitlines(), order, strict=True):
                assert line.strip().endswith(GLOSSARY[term])
            for word in ("state degree", "generic-whp", "w.p.", "min-cut", "mod p"):
                if re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", body):
                    assert word in order


def test_non_exact_rows_never_call_the_sample_rank_exact(reports):
    for name in ("whp", "capped"):
        text = reports[name].format()
        row = _table_row(text, "separation")
        assert "exact" not in row and "DISAGREES" not in text
        sep = reports[name].separation
        statement = sep.statement()
        assert f"{sep.lower:,} ≤ rank ≤ {sep.upper:,} proved" in statement
        assert statement in text
    whp = reports["whp"].separation
    assert whp.statement().endswith(f"rank = {whp.lower} for generic weights w.p. ≥ "
                                    f"1 - {whp.failure_bound:.1e}")


def test_the_float_column_appears_only_when_the_estimate_disagrees(reports):
    wrong = reports["whp"]
    assert wrong.grid.float_agrees is False
    text = wrong.format()
    assert "float64 SVD (estimate)" in text.splitlines()[3]
    assert f"{wrong.grid.float_estimate.rank} (rank mod p: 16)" in _table_row(text, "grid")
    est = wrong.grid.float_estimate  # the tolerance comes with the singular values around it
    assert f"tol {est.tol:.1e}" in text and f"{est.sigma_max:.1e}" in text
    agree = certify(Architecture.rac(1, 2, 2), 4, float_check=True)
    assert agree.grid.float_agrees is True
    assert "float64 SVD" not in agree.format()
    assert "float64 SVD" not in reports["capped"].format()


def test_explain_states_how_each_number_was_proved(reports):
    rep = reports["whp"]
    sep = rep.separation
    text = rep.explain()
    for run in sep.runs + rep.grid.runs:
        field = f"prime {run.prime}" if run.field_degree == 1 else f"GF(q²) with q = {run.prime}"
        assert f"{field}, seed {run.seed}" in text
    D = total_degree(rep.architecture, rep.T, random_inputs=True)
    saturated = [run for run in sep.runs if run.failure_bound is not None]
    for run in saturated:  # each run's bound is (r+1)·D/|F|, independently recomputed
        assert run.failure_bound == pytest.approx((sep.lower + 1) * D / run.prime**run.field_degree)
    assert f"(r+1)·D = {sep.lower + 1}·{D:,}" in text
    assert sep.failure_bound == pytest.approx(math.prod(r.failure_bound for r in saturated))
    assert f"{sep.failure_bound:.1e} (target 1e-06)" in text
    assert "assuming the (r+1)-minor is not identically zero modulo the run's prime" in text
    assert f"upper {sep.upper}: the state degree bound" in text
    assert "full grid" in text and "lower = upper = 16" in text
    capped = reports["capped"].explain()
    assert "sample budget reached" in capped and "nothing is claimed" in capped


def test_short_reprs(reports):
    for rep in reports.values():
        assert len(repr(rep)) < 300 and "\n" not in repr(rep)
        assert repr(rep).startswith("<Report ")
        for res in (rep.grid, rep.separation):
            if res is not None:
                assert len(repr(res)) < 300 and f"{res.lower:,}" in repr(res)
    arch = Architecture.rac(3, 3, 3)
    assert len(repr(arch)) < 300 and "RAC L=3 R=3 M=3" in repr(arch)
    cut = min_cut(unroll(Architecture.rac(2, 3, 3), 6), "start-end")
    assert repr(cut).startswith("<MinCut 81 = 4 bonds of dim 3")


def test_tampered_bound_reports_are_refused():
    rep = bound_architecture(Architecture.rac(2, 3, 3), 6)
    data = json.loads(rep.to_json())
    cases = {
        "partition step must be a whole number": ("partition", "end", 2, "x"),
        "start and end do not split the steps": ("partition", "end", 2, 9),
        "network legs must be a whole number": ("network", "legs", ["a"]),
        "architecture must be an object": ("architecture", [1]),
        "separation bound 'input degree' must be at least 1": ("bounds", "separation", "input degree", 0),
        "cut edge 1 nodes: a bond joins 2 nodes": ("min_cut", "cut_edges", 0, "nodes", ["a"]),
        "min_cut log2 must be a finite number": ("min_cut", "log2", float("nan")),
        "theorem kind must be one of upper, lower": ("theorems", 0, "kind", "sideways"),
    }
    for message, (*path, value) in cases.items():
        bad = json.loads(json.dumps(data))
        target = bad
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        with pytest.raises(TnrankError, match=re.escape(message)):
            BoundReport.from_dict(bad)
    network = json.loads(bound_network(mps(6, bond=3), rank=True).to_json())
    network["rank"]["value"] = "many"
    with pytest.raises(TnrankError, match="rank value must be a whole number"):
        BoundReport.from_dict(network)
