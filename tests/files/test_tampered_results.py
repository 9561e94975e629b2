"""Tampered results files are refused, not trusted: every reader (``tnrank.load``, ``merge``,
``sweep --from``, a resumed ``verify --json-file``) checks the configuration and every row,
recomputes the verdicts from the numbers and the paper's theorems, and names the row it refuses.

The families of forged and damaged files are in ``tests/hostile.py`` (``tampered_results``).
"""

from __future__ import annotations

import copy
import json
import math
import time
from pathlib import Path

import pytest
from hostile import refused, run, tampered_results

import tnrank
from tnrank.cli import main
from tnrank.errors import TnrankError
from tnrank.files.results_file import load_results, merge_results

ROOT = Path(__file__).resolve().parents[2]
VERIFY = ["verify", "-L", "1", "-R", "2", "-M", "2", "-T", "2", "-q"]
FAMILIES = sorted(tampered_results({"config": {},
                                    "rows": [{q: {"bounds": {}} for q in ("grid", "separation")}]}))


@pytest.fixture(scope="module")
def genuine(tmp_path_factory) -> dict:
    """The results file of ``verify -L 1 -R 2 -M 2 -T 2``, as JSON."""
    path = tmp_path_factory.mktemp("genuine") / "r.json"
    assert main([*VERIFY, "--json-file", str(path)]) == 0
    return json.loads(path.read_text())


def _write(path, data) -> str:
    path.write_text(json.dumps(data))
    return str(path)


def test_the_reported_rank_7_is_refused_with_the_row_and_the_bound_named(tmp_path, genuine, capsys):
    # the report: resuming a file whose row claims separation rank 7 for L=1, M=R=2, T=2
    # printed "7 exact ... tight" with exit 0
    data = copy.deepcopy(genuine)
    for quantity in ("grid", "separation"):
        data["rows"][0][quantity].update(lower=7, upper=7, rank=7)
    path = tmp_path / "r.json"
    _write(path, data)
    before = path.read_bytes()
    line = refused(capsys, *VERIFY, "--json-file", path, fragment="row 1 (L=1, M=2, R=2, T=2)")
    assert "tight" not in line and path.read_bytes() == before
    # with every field made to agree, the bound itself refuses it: Theorem 1 and the state
    # degree bound give min(R, M^(T/2)) = 2 for L=1, M=R=2, T=2
    theorem1 = min(2, 2 ** (2 // 2))
    _write(path, tampered_results(genuine)["rank 7 against Theorem 1"])
    line = refused(capsys, *VERIFY, "--json-file", path, fragment="row 1 (L=1, M=2, R=2, T=2)")
    assert f"lower 7 exceeds the state degree bound {theorem1}" in line
    assert path.read_bytes() != before


def test_lower_above_upper_is_refused_with_the_row_named(tmp_path, genuine):
    path = _write(tmp_path / "r.json", tampered_results(genuine)["lower > upper"])
    with pytest.raises(TnrankError, match=r"row 1 \(L=1, M=2, R=2, T=2\): separation lower 99 > "
                                          r"upper 2"):
        tnrank.load(path)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_reader_refuses_every_tampered_family(tmp_path, genuine, capsys, family):
    data = tampered_results(genuine)[family]
    path = _write(tmp_path / "r.json", data)
    before = (tmp_path / "r.json").read_bytes()
    with pytest.raises(TnrankError):
        tnrank.load(path)
    with pytest.raises(TnrankError):
        load_results(path)
    refused(capsys, "merge", path, "-o", tmp_path / "merged.json")
    refused(capsys, "sweep", "--from", path, "--json")
    assert not (tmp_path / "merged.json").exists()
    assert (tmp_path / "r.json").read_bytes() == before


@pytest.mark.parametrize("family", ["rank 7 against Theorem 1", "lower > upper", "verdict forged",
                                    "row outside the configuration", "row twice", "negative rank"])
def test_a_resumed_verify_refuses_and_keeps_the_file(tmp_path, genuine, capsys, family):
    path = tmp_path / "r.json"
    _write(path, tampered_results(genuine)[family])
    before = path.read_bytes()
    refused(capsys, *VERIFY, "--json-file", path)
    assert path.read_bytes() == before


def test_a_huge_configuration_is_refused_before_it_is_expanded(tmp_path, genuine):
    data = copy.deepcopy(genuine)
    data["config"]["depths"] = list(range(1, 100_001))
    data["config"]["T"] = list(range(2, 2_002, 2))
    path = _write(tmp_path / "big.json", data)
    start = time.perf_counter()
    with pytest.raises(TnrankError, match="lists 100,000 values"):
        tnrank.load(path)
    assert time.perf_counter() - start < 1.0


def test_verdicts_and_theorem_values_are_recomputed_not_read(tmp_path, genuine, capsys):
    # the file's Theorem 1 value and statement are replaced by the ones the theorem gives
    data = copy.deepcopy(genuine)
    data["rows"][0]["theorems"][0].update(value=99, statement="forged")
    path = tmp_path / "r.json"
    _write(path, data)
    loaded = tnrank.load(str(path))
    assert loaded.rows[0]["theorems"] == genuine["rows"][0]["theorems"]
    code, out, _err = run(capsys, *VERIFY, "--json-file", path)
    assert code == 0 and "≤ 2" in out and "99" not in out
    # a theorem check of a kind no bound has is refused
    data["rows"][0]["theorems"][0]["kind"] = "sideways"
    _write(path, data)
    with pytest.raises(TnrankError, match="theorem kind"):
        tnrank.load(str(path))


def test_genuine_files_load_unchanged(tmp_path, capsys):
    # a sweep over several depths, widths and lengths (ranks exact, generic-whp and bounded)
    path = tmp_path / "s.json"
    assert main(["sweep", "-L", "1", "2", "3", "-R", "2,3", "-M", "2", "-T", "2", "4", "6",
                 "-q", "--json-file", str(path)]) == 0
    written = json.loads(path.read_text())
    assert dict(tnrank.load(str(path))) == written
    merged = merge_results([load_results(path)], [str(path)])
    assert merged["rows"] == written["rows"]
    code, _out, _err = run(capsys, "merge", path, "-o", tmp_path / "m.json")
    assert code == 0 and json.loads((tmp_path / "m.json").read_text())["rows"] == written["rows"]
    assert {r["verdict"] for r in written["rows"]} <= {"holds", "tight"}
    # the sweep's ranks are below Theorem 1's bound min(R, M^(T/2)) at depth 1
    for row in written["rows"]:
        if row["L"] == 1:
            assert row["separation"]["lower"] <= min(row["R"], 2 ** (row["T"] // 2))


def test_a_big_integer_in_a_row_is_refused_before_it_is_printed(tmp_path, genuine):
    data = copy.deepcopy(genuine)
    bound = 10**4000  # prints as 4,001 digits: within Python's limit, beyond tnrank's
    data["rows"][0]["separation"]["bounds"]["input degree"] = bound
    path = _write(tmp_path / "r.json", data)
    with pytest.raises(TnrankError, match="too large"):
        tnrank.load(path)
    assert math.log2(bound) > 13_000


def test_tampered_analysis_files_are_refused_and_kept(tmp_path, capsys):
    from hostile import tampered_analysis
    arch = str(ROOT / "graphs" / "bottleneck.toml")
    command = ["analyze", arch, "-T", "2", "4", "-q", "--no-float", "--json-file"]
    path = tmp_path / "a.json"
    code, _out, _err = run(capsys, *command, path)
    assert code == 0
    genuine = json.loads(path.read_text())
    code, _out, _err = run(capsys, *command, path)  # the genuine file resumes
    assert code == 0
    for family, data in tampered_analysis(genuine).items():
        _write(path, data)
        before = path.read_bytes()
        line = refused(capsys, *command, path)
        assert path.read_bytes() == before, family
        if family == "file label unknown":
            assert "row 1 (elsewhere.toml, T=2): outside the file's configuration" in line


def test_the_repr_of_a_huge_sweep_lists_nothing_it_does_not_need():
    # 1,000 depths × 1,000 values of M × 1,000 lengths: 10^9 points, counted, never listed
    from tnrank.files.results_file import SweepResults, sweep_config

    config = sweep_config(range(1, 1001), list(range(1, 1001)), 2, list(range(2, 2002, 2)))
    start = time.perf_counter()
    text = repr(SweepResults({"config": config, "rows": []}))
    assert time.perf_counter() - start < 0.5 and len(text) < 300
    assert f"0 of {1000 ** 3} points" in text and "(1,000 values)" in text
