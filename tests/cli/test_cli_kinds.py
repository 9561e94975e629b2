"""A file of one kind given where another is expected: one line naming what it holds."""

import json
import shutil

import pytest

import tnrank
from tnrank import Architecture, certify
from tnrank.cli import main
from tnrank.errors import TnrankError
from tnrank.networks.examples import example_path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path, capsys):
    """A report (JSON, and the same bytes under .toml), a sweep results file and two networks."""
    code, out, _ = run(capsys, "rank", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--json", "-q")
    assert code == 0
    (tmp_path / "rep.json").write_text(out)
    (tmp_path / "rep.toml").write_text(out)
    assert run(capsys, "sweep", "-L", "1", "-R", "2", "-M", "2", "-T", "2", "-q", "--json-file",
               tmp_path / "sweep.json")[0] == 0
    for name in ("mps-8", "peps-3x3"):
        source = example_path(name)
        shutil.copy(source, tmp_path / source.name)
    return tmp_path


@pytest.mark.parametrize("name, marker, holds", [
    ("rep.json", "tnrank-report", "is a report of `tnrank rank --json`"),
    ("rep.toml", "tnrank-report", "is a report of `tnrank rank --json`"),
    ("sweep.json", "tnrank-sweep", "is a sweep results file"),
    ("mps-8.json", "tnrank-network", "is a tensor-network file"),
    ("peps-3x3.toml", "tnrank-network", "is a tensor-network file"),
])
def test_analyze_names_the_kind_of_a_file_that_is_not_an_architecture(files, capsys, name, marker,
                                                                      holds):
    assert marker in (files / name).read_text()  # what the file holds, read as plain text
    code, out, err = run(capsys, "analyze", files / name, "-T", "4")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"tnrank analyze: error: {files / name} {holds}")
    assert "not an architecture file" in err and "TOML" not in err.split(holds)[0]


def test_a_mistyped_architecture_key_keeps_its_own_message(tmp_path, capsys):
    path = tmp_path / "a.toml"
    path.write_text("M = 3\n[[layer]]\nwidht = 2\n")
    code, _, err = run(capsys, "analyze", path, "-T", "4")
    assert code == 2 and "unknown key 'widht'; did you mean 'width'?" in err


def test_merge_into_a_csv_name_is_refused_and_writes_nothing(files, capsys):
    table = files / "table.csv"
    table.write_text("L,M\n1,2\n")
    code, _, err = run(capsys, "merge", files / "sweep.json", "-o", table)
    assert code == 2 and err.count("\n") == 1 and ".json" in err
    assert table.read_text() == "L,M\n1,2\n"


def test_save_refuses_a_report_under_toml_and_writes_nothing(tmp_path):
    report = certify(Architecture.rac(1, 2, 2), 4)
    with pytest.raises(TnrankError, match=r"written as JSON; name the file \*\.json"):
        tnrank.save(report, tmp_path / "rep.toml")
    assert not (tmp_path / "rep.toml").exists()
    tnrank.save(report, tmp_path / "rep.json")  # the suffix of what is written loads back
    assert json.loads((tmp_path / "rep.json").read_text())["format"].startswith("tnrank-report")
    assert tnrank.load(tmp_path / "rep.json").separation.rank == report.separation.rank


def test_a_directory_of_files_of_other_kinds_lists_each_problem(files, capsys):
    folder = files / "mixed"
    folder.mkdir()
    shutil.copy(files / "rep.toml", folder / "a.toml")
    shutil.copy(files / "peps-3x3.toml", folder / "b.toml")
    (folder / "notes.txt").write_text("not read: a directory stands for its .toml files")
    code, out, err = run(capsys, "analyze", folder, "-T", "4")
    lines = err.splitlines()
    assert code == 2 and out == "" and lines[0] == "tnrank analyze: error: 2 of 2 files have problems"
    assert lines[1].startswith(f"{folder / 'a.toml'} is a report") and "tensor-network" in lines[2]
    (folder / "a.toml").unlink()
    (folder / "b.toml").unlink()
    code, _, err = run(capsys, "analyze", folder, "-T", "4")
    assert code == 2
    assert err == f"tnrank analyze: error: {folder}: directory holds no .toml architecture files\n"
