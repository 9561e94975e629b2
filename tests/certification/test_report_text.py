"""A certified rank reads the same in every table: verify's, analyze's comparison and its
Markdown, and sweep results in a notebook."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tnrank import Architecture, certify
from tnrank.certification.report import RankResult
from tnrank.certification.report_text import rank_cell
from tnrank.cli import main
from tnrank.files.architecture_file import dump
from tnrank.presentation.notebook import sweep_html
from tnrank.studies.sweeps import sweep

#: A funnel whose width-1 middle layer keeps the separation rank below its bound at T = 4.
FUNNEL = Architecture(M=2, layers=[3, 1, 3])


def _expected(res: RankResult) -> str:
    """The cell written from the proved bounds alone."""
    return f"{res.lower:,} exact" if res.lower == res.upper else f"{res.lower:,}..{res.upper:,}"


@pytest.fixture(scope="module")
def report():
    rep = certify(FUNNEL, 4)
    assert rep.grid.exact and not rep.separation.exact  # one cell of each kind
    return rep


def test_cells_state_the_proved_bounds(report):
    for res in (report.grid, report.separation):
        assert rank_cell(res) == _expected(res)
    big = RankResult("separation", 12_345, 3**5000, "state degree", "lower-bound", "sample")
    assert rank_cell(big) == "12,345..2^7,924.8"  # too large to print in digits
    assert rank_cell(None) == "-"


def test_verify_analyze_and_notebook_write_the_same_cells(report, tmp_path, capsys):
    path = tmp_path / "funnel.toml"
    dump(FUNNEL, path)
    cells = {_expected(report.grid), _expected(report.separation)}

    assert main(["verify", str(path), "-T", "4", "-q"]) == 0
    verify_row = capsys.readouterr().out.splitlines()[3]
    assert re.split(r"  +", verify_row)[4:6] == [_expected(report.grid), _expected(report.separation)]

    assert main(["analyze", str(path), str(path), "-T", "4", "-q"]) == 0
    out = capsys.readouterr().out
    compared = {re.split(r"  +", line)[1] for line in out.splitlines() if line.startswith(str(path))
                and ("exact" in line or ".." in line)}
    assert compared == cells

    assert main(["analyze", str(path), str(path), "-T", "4", "--markdown", "-q"]) == 0
    markdown = capsys.readouterr().out
    assert {line.split(" | ")[1].strip(" |") for line in markdown.splitlines() if line.startswith("| [")
            and line.count("|") == 3} == cells

    page = ET.fromstring(sweep_html(sweep([3], 2, "3-1-3", [4], architecture=FUNNEL)))
    row = ["".join(td.itertext()) for td in page.iter("td")]
    assert row[4] == _expected(report.grid)
    assert row[5].startswith(_expected(report.separation))  # and, in HTML, its probability


def test_rank_with_explain_prints_the_terms_once_covering_both_texts(capsys):
    from tnrank.certification.glossary import terms_used
    from tnrank.certification.report_text import REPORT_TERMS
    from tnrank.cli import main

    # depth 3, R = M = 2, T = 8: a generic-whp separation rank, whose status is a term the
    # report's table uses and the explanation's prose does not
    assert main(["rank", "-L", "3", "-R", "2", "-M", "2", "-T", "8", "--explain", "-q"]) == 0
    out = capsys.readouterr().out
    assert out.count("\nterms:\n") == 1
    body, _, glossary = out.partition("\nterms:\n")
    listed = [line.strip().split("  ")[0] for line in glossary.splitlines() if line.strip()]
    used = terms_used(body, REPORT_TERMS)
    assert "generic-whp" in used and set(used) <= set(listed)
    # without --explain the report still ends with its terms
    assert main(["rank", "-L", "3", "-R", "2", "-M", "2", "-T", "8", "-q"]) == 0
    assert capsys.readouterr().out.count("\nterms:\n") == 1


def test_several_reports_share_one_list_of_terms():
    from tnrank import Architecture, certify
    from tnrank.certification.report_text import terms_text

    reports = [certify(Architecture.rac(1, 2, 2), 4), certify(Architecture.rac(3, 2, 2), 8)]
    texts = [r.format(terms=False) for r in reports]
    assert all("terms:" not in t for t in texts)
    together = terms_text(*texts)
    alone = [r.format().partition("\n\nterms:\n")[2].splitlines() for r in reports]
    # every term either report lists alone is listed once together
    names = [line.strip().split("  ")[0] for line in together.splitlines()[1:]]
    assert len(names) == len(set(names))
    assert {line.strip().split("  ")[0] for lines in alone for line in lines} <= set(names)
