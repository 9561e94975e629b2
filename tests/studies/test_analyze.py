"""analyze: reports saved and resumed from a results file, put in order, and reproduced."""

import shlex

import pytest

import tnrank.studies.analyze
import tnrank.studies.comparison
from tnrank import Architecture
from tnrank.cli import build_parser
from tnrank.cli.common import certify_kwargs
from tnrank.studies.analyze import analyze, in_order, reproduce_command

ENTRIES = [("deep", Architecture.rac(2, 2, 2)), ("wide", Architecture.rac(1, 4, 2))]


def test_a_resumed_analysis_reads_every_report_and_computes_none(tmp_path, monkeypatch):
    path = tmp_path / "a.json"
    first = {(r.label, r.T): r.report.separation.rank for r in analyze(ENTRIES, [2, 4], path=path)}
    # Theorem 1: depth 1 at most min(R, M^(T/2)); the depth-2 RAC of width 2 reaches 6 at T = 4
    assert first == {("deep", 2): 2, ("deep", 4): 6, ("wide", 2): 2, ("wide", 4): 4}

    def forbidden(*_a, **_k):
        raise AssertionError("a saved report was computed again")

    monkeypatch.setattr(tnrank.studies.analyze, "certify", forbidden)
    monkeypatch.setattr(tnrank.studies.comparison, "certify", forbidden)
    lines = []
    again = {(r.label, r.T): r.report.separation.rank
             for r in analyze(ENTRIES, [2, 4], path=path, progress=lines.append)}
    assert again == first and lines == [f"{path}: 4 of 4 reports already done"]


def test_rows_in_any_order_come_back_in_the_order_of_files_then_lengths():
    rows = list(analyze(ENTRIES, [4, 2]))
    shuffled = [rows[i] for i in (3, 0, 2, 1)]
    assert [(r.label, r.T) for r in in_order(shuffled, ENTRIES, [4, 2])] == [
        ("deep", 4), ("deep", 2), ("wide", 4), ("wide", 2)]


@pytest.mark.parametrize("options", [[], ["--seed", "3"], ["--prime", "1073741783"], ["--grid", "sampled"],
                                     ["--max-entries", "1000"], ["--max-samples", "500"], ["--confirm"],
                                     ["--partition", "interleaved"], ["--seed", "2", "--confirm"]])
def test_the_reproduce_command_parses_back_to_the_same_settings(options):
    parser = build_parser()
    args = parser.parse_args(["analyze", "graphs", "-T", "4", "6", *options])
    command = reproduce_command(args.files, args.T, args.partition, certify_kwargs(args))
    words = shlex.split(command)
    assert words[:2] == ["tnrank", "analyze"] and words[-1] == "--markdown"
    again = parser.parse_args(words[1:])
    assert certify_kwargs(again) == certify_kwargs(args) and again.partition == args.partition
    assert (again.files, again.T) == (args.files, args.T)
    if not options:  # every option at certify's default: none is written
        assert command == "tnrank analyze graphs -T 4 6 --markdown"
