"""Experiment results and figures under the house rules: figures in the format their name says,
written atomically; results files read through the safe reader, checked field by field, and
loadable with ``tnrank.load``.

The formats are told by the files' own signatures (``%PDF-``, the PNG signature, an XML
document whose root is ``<svg>``), not by tnrank; the results files of ``docs/results`` are
those earlier versions wrote.
"""

from __future__ import annotations

import copy
import json
import os
import resource
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hostile import deadline, fifo, kind, refused
from hypothesis import given, settings
from hypothesis import strategies as st

import tnrank
import tnrank.experiments.runner
from tnrank.cli import main
from tnrank.errors import TnrankError
from tnrank.experiments.results import capacity_figure, results_figure
from tnrank.files.experiment_file import check_experiment

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "results"
OLD_FILES = sorted(p for p in RESULTS.glob("*.json")
                   if json.loads(p.read_text()).get("format") == "tnrank-experiment/1")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TRAIN = ["experiment", "copying", "-m", "2", "-n", "3", "-B", "0", "--depth", "1", "--macs", "300",
         "--mac-tolerance", "0.2", "--steps", "20", "--eval-every", "10", "--batch", "16",
         "--seeds", "0", "-q"]


def format_of(path: Path) -> str:
    """What the bytes of ``path`` are, by their own signature."""
    raw = path.read_bytes()
    if raw.startswith(PNG_SIGNATURE):
        return "png"
    if raw.startswith(b"%PDF-"):
        return "pdf"
    try:
        root = ET.fromstring(raw)
    except ET.ParseError:
        return "unknown"
    return "svg" if root.tag == "{http://www.w3.org/2000/svg}svg" else "unknown"


# ----------------------------------------------------------------- figures by suffix
def test_a_trained_experiment_writes_its_figure_in_the_format_of_its_name(tmp_path, capsys):
    """The reported command: ``tnrank experiment copying ... -o fig.svg`` wrote PNG bytes."""
    pytest.importorskip("torch")
    assert main([*TRAIN, "--json-file", str(tmp_path / "r.json"), "-o", str(tmp_path / "fig.svg")]) == 0
    assert format_of(tmp_path / "fig.svg") == "svg"
    assert f"plot: {tmp_path / 'fig.svg'}" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["copying-fair", "copying-capacity", "ses-rac-rank"])
@pytest.mark.parametrize("suffix", ["svg", "pdf", "png"])
def test_replotting_writes_the_format_of_the_suffix_reproducibly(tmp_path, capsys, name, suffix):
    out = tmp_path / f"f.{suffix}"
    for again in (False, True):
        first = out.read_bytes() if again else None
        assert main(["experiment", "plot", str(RESULTS / f"{name}.json"), "-o", str(out)]) == 0
        assert format_of(out) == suffix
        if again:
            assert out.read_bytes() == first, "a redraw is byte-identical"
    assert sorted(os.listdir(tmp_path)) == [out.name]  # no temporary file left
    capsys.readouterr()


def test_an_unknown_figure_suffix_is_refused_before_training(tmp_path, capsys, monkeypatch):
    pytest.importorskip("torch")

    def no_training(*_args, **_kwargs):
        raise AssertionError("training started before the figure's name was checked")

    monkeypatch.setattr(tnrank.experiments.runner, "run_experiment", no_training)
    refused(capsys, *TRAIN, "--json-file", tmp_path / "r.json", "-o", tmp_path / "fig.jpg",
            fragment="figure format")
    assert os.listdir(tmp_path) == []


def _no_larger_files_than(limit: int):
    def limit_writes():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_writes


def test_a_figure_that_cannot_be_written_whole_leaves_nothing(tmp_path):
    """A write that fails part way (as on a full disk: here a 16 KiB file-size limit for the
    process) is one line, exit 2, and leaves no partial or empty figure behind."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "tnrank", "experiment", "plot", str(RESULTS / "copying-fair.json"),
         "-o", str(tmp_path / "fig.svg")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
        preexec_fn=_no_larger_files_than(16 * 1024))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("tnrank experiment: error: ") and proc.stderr.count("\n") == 1
    assert "fig.svg: cannot be written (File too large)" in proc.stderr
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------- the reader: hostile files
def test_a_fifo_is_refused_without_blocking(tmp_path, capsys):
    path = fifo(tmp_path / "r.json")
    refused(capsys, "experiment", "plot", path, fragment="not a regular file", seconds=20)
    assert kind(path) == "fifo"


def test_a_link_to_an_endless_device_is_refused_without_reading(tmp_path, capsys):
    link = tmp_path / "r.json"
    link.symlink_to("/dev/zero")
    refused(capsys, "experiment", "plot", link, fragment="not a regular file", seconds=20)


def test_deep_nesting_is_a_problem_of_the_file_not_a_recursion_error(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    refused(capsys, "experiment", "plot", path, fragment="nested too deeply")


def test_an_oversized_file_is_refused_before_it_is_parsed(tmp_path, capsys):
    path = tmp_path / "r.json"
    with open(path, "wb") as fh:
        fh.truncate(64 * 2**20 + 1)  # sparse: no disk used
    with deadline(20):
        refused(capsys, "experiment", "plot", path, fragment="too large")


# ----------------------------------------------------------------- the reader: tampered fields
def _set(path: str, value):
    def change(data):
        *head, last = path.split("/")
        obj = data
        for key in head:
            obj = obj[int(key) if isinstance(obj, list) else key]
        if value is KeyError:
            del obj[last]
        else:
            obj[int(last) if isinstance(obj, list) else last] = value
    return change


TAMPERED = [
    # (file, change, the field the message names)
    ("copying-small-2seeds", _set("runs/0/depth", "1"), "runs[0].depth"),
    ("copying-small-2seeds", _set("runs/0/depth", 0), "runs[0].depth"),
    ("copying-small-2seeds", _set("runs/3/test_accuracy", None), "runs[3].test_accuracy"),
    ("copying-small-2seeds", _set("runs/3/test_accuracy", 7.5), "runs[3].test_accuracy"),
    ("copying-small-2seeds", _set("runs/2/solved", "yes"), "runs[2].solved"),
    ("copying-small-2seeds", _set("runs/2/steps_run", KeyError), "runs[2].steps_run"),
    ("copying-small-2seeds", _set("runs/2/steps_run", 10**400), "runs[2].steps_run"),
    ("copying-small-2seeds", _set("runs/2/test_accuracy", 10**400), "runs[2].test_accuracy"),
    ("copying-small-2seeds", _set("runs/1/curve", None), "runs[1].curve"),
    ("copying-small-2seeds", _set("runs/1/curve/step", [0, 1]), "runs[1].curve"),
    ("copying-small-2seeds", _set("runs/4", 3), "runs[4]"),
    ("copying-small-2seeds", _set("runs", {}), "runs"),
    ("copying-small-2seeds", _set("task", "parity"), "task"),
    ("copying-small-2seeds", _set("settings", []), "settings"),
    ("copying-small-2seeds", _set("settings/macs", -3), "settings.macs"),
    ("copying-small-2seeds", _set("sweep/values", [0, "20"]), "sweep.values[1]"),
    ("copying-small-2seeds", _set("sweep/depths", list(range(1, 100_001))), "sweep.depths"),
    ("copying-small-2seeds", _set("sweep", KeyError), "sweep: missing"),
    ("copying-small-2seeds", _set("baselines/80", KeyError), "baselines.80"),
    ("copying-small-2seeds", _set("models/1/macs", "many"), "models['1'].macs"),
    ("copying-capacity", _set("settings/macs_range", [900, 100]), "settings.macs_range"),
    ("copying-capacity", _set("settings/rule", "loudest"), "settings.rule"),
    ("copying-capacity", _set("runs/0/width", KeyError), "runs[0].width"),
    ("copying-capacity", _set("ladders/1/0", [2]), "ladders['1'][0]"),
    ("ses-rac-rank", _set("runs/0/rank/per_class", []), "runs[0].rank.per_class"),
    ("ses-rac-rank", _set("runs/0/rank/shape", [3]), "runs[0].rank.shape"),
    ("ses-rac-rank", _set("runs/0/rank/generic", {"lower": 1}), "runs[0].rank.generic"),
]


@pytest.mark.parametrize("name, change, field", TAMPERED,
                         ids=[f"{name}:{field}" for name, _, field in TAMPERED])
def test_a_tampered_field_is_one_line_naming_it(tmp_path, capsys, name, change, field):
    data = json.loads((RESULTS / f"{name}.json").read_text())
    change(data)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    line = refused(capsys, "experiment", "plot", path, "-o", tmp_path / "f.svg", fragment=field)
    assert line.startswith(f"tnrank experiment: error: {path}: ")
    assert kind(tmp_path / "f.svg") == "missing"
    with pytest.raises(TnrankError, match=field.replace("[", r"\[").replace("(", r"\(")):
        tnrank.load(path)


@pytest.mark.parametrize("solved", [True, False])
def test_a_run_whose_verdict_contradicts_its_accuracy_is_refused(tmp_path, capsys, solved):
    """``solved`` is not trusted: it must be what the test accuracy says (at least 99%)."""
    data = json.loads((RESULTS / "copying-small-2seeds.json").read_text())
    i = next(i for i, r in enumerate(data["runs"]) if r["solved"] != solved)
    data["runs"][i]["solved"] = solved
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    refused(capsys, "experiment", "plot", path, fragment=f"runs[{i}].solved: says {str(solved).lower()}")


# ----------------------------------------------------------------- tnrank.load and tnrank.save
@pytest.mark.parametrize("path", OLD_FILES, ids=[p.stem for p in OLD_FILES])
def test_every_results_file_written_before_loads_unchanged(path):
    assert len(OLD_FILES) >= 8
    assert tnrank.load(path) == json.loads(path.read_text())
    assert tnrank.load(path, kind="experiment")["task"] in ("copying", "ses")


def test_an_experiment_file_is_not_taken_for_another_kind():
    with pytest.raises(TnrankError, match="is an experiment results file .*not a sweep results file"):
        tnrank.load(RESULTS / "copying-fair.json", kind="sweep")


def test_save_writes_what_load_reads_and_refuses_a_wrong_suffix(tmp_path):
    data = tnrank.load(RESULTS / "copying-capacity.json")
    tnrank.save(data, tmp_path / "r.json")
    assert tnrank.load(tmp_path / "r.json") == data
    with pytest.raises(TnrankError, match=r"name the file \*\.json"):
        tnrank.save(data, tmp_path / "r.toml")
    bad = copy.deepcopy(data)
    bad["runs"][0]["solved"] = not bad["runs"][0]["solved"]
    with pytest.raises(TnrankError, match=r"runs\[0\]\.solved"):
        tnrank.save(bad, tmp_path / "bad.json")
    assert sorted(os.listdir(tmp_path)) == ["r.json"]


# ----------------------------------------------------------------- any field, any value
FUZZED = {name: json.loads((RESULTS / f"{name}.json").read_text())
          for name in ("copying-small-2seeds", "copying-capacity", "ses-rac-rank")}
hostile = st.one_of(
    st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 1, 2, 10**400, 2**53 + 1, 0.5, 1.5]),
    st.booleans(), st.none(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6), st.sampled_from([[], {}, [0], [[1, 2]], {"1": []}, "KeyError"]))


def _places(obj, path=()):
    """Every place in a parsed file: each key of each object and each entry of each list."""
    yield path
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _places(value, (*path, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj[:3]):  # the first entries stand for the others
            yield from _places(value, (*path, i))


PLACES = [(name, place) for name, data in FUZZED.items() for place in _places(data) if place]


@settings(max_examples=150, deadline=None)
@given(where=st.sampled_from(PLACES), value=hostile)
def test_any_field_changed_is_refused_or_reads_and_draws(where, value):
    """Whatever one field of a real file becomes (or if it goes), the file is refused in one
    TnrankError, or every table and the figure are made from it without another exception."""
    name, place = where
    data = copy.deepcopy(FUZZED[name])
    parent = data
    for key in place[:-1]:
        parent = parent[key]
    if value == "KeyError":
        del parent[place[-1]]
    else:
        parent[place[-1]] = value
    with deadline(30):
        try:
            check_experiment(data, "fuzz.json")
        except TnrankError as exc:
            assert "\n" not in str(exc)
            return
        from tnrank.cli.experiment import _print_results  # the tables, as the command prints them

        _print_results(data, None)
        (capacity_figure if data["settings"].get("sweep") == "macs" else results_figure)(data)
