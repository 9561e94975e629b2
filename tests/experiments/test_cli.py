"""The ``tnrank experiment`` command: bad input, missing torch, resume, table and plot."""

import json
import subprocess
import sys

import pytest

from tnrank.cli import main


def one_line_error(capsys, argv, *words):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    for w in words:
        assert w in err
    return err


def test_import_tnrank_and_cli_stay_torch_free():
    code = ("import sys, tnrank, tnrank.cli, tnrank.experiments, tnrank.experiments.results, "
            "tnrank.experiments.tasks; tnrank.cli.build_parser(); "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_torch_says_how_to_install(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    one_line_error(capsys, ["experiment", "copying", "--delays", "0"], 'pip install "tnrank[experiments]"')


@pytest.mark.parametrize(
    "argv, words",
    [
        (["experiment", "ses", "--lengths", "21", "-m", "2"], ["even length T", "T=22"]),
        (["experiment", "ses", "--lengths", "8", "-m", "6"], ["more than T/2"]),
        (["experiment", "copying", "--depth", "3", "--macs", "150"], ["too small for depth", "--macs"]),
        (["experiment", "copying", "--rank"], ["--cell rac"]),
        (["experiment", "copying", "--cell", "rac", "--rank", "--rank-T", "5"], ["--rank-T", "even"]),
        (["experiment", "copying", "--device", "nonsense"], ["--device"]),
        (["experiment", "copying", "--seeds", "-1"], ["seeds", ">= 0"]),
        (["experiment", "copying", "--lr", "0"], ["learning rate", "positive"]),
        (["experiment", "copying", "--mac-tolerance", "2"], ["tolerance", "between 0 and 1"]),
        (["experiment", "plot", "/nonexistent/results.json"], ["no such file"]),
    ],
)
def test_bad_input_one_line(capsys, argv, words, tmp_path):
    pytest.importorskip("torch")
    one_line_error(capsys, argv + (["--json-file", str(tmp_path / "r.json")] if argv[1] != "plot" else []),
                   *words)


def test_unwritable_results_file_is_one_line(capsys, tmp_path):
    pytest.importorskip("torch")
    blocker = tmp_path / "file"
    blocker.write_text("")
    one_line_error(capsys, ["experiment", "copying", "--json-file", str(blocker / "r.json")],
                   "results file (--json-file)")


def test_run_resume_table_and_plot(capsys, tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "r.json"
    argv = ["experiment", "copying", "-m", "2", "-n", "3", "--depth", "1", "2", "--macs", "300",
            "--mac-tolerance", "0.2", "--steps", "40", "--eval-every", "20", "--batch", "32",
            "--json-file", str(out), "--delays", "0"]
    assert main(argv) == 0  # first only B=0
    first = json.loads(out.read_text())
    assert {(r["depth"], r["value"]) for r in first["runs"]} == {(1, 0), (2, 0)}
    for d in ("1", "2"):
        m = first["models"][d]
        assert m["macs"] == m["macs_counted"] and m["params"] == m["params_counted"]
        assert abs(m["macs"] - 300) <= 60
    capsys.readouterr()
    assert main(argv + ["2"]) == 0  # resumes: trains only the B=2 runs
    text = capsys.readouterr()
    assert "[depth 1 B=0" not in text.err and "[depth 2 B=0" not in text.err
    assert "[depth 1 B=2 width" in text.err and "memoryless 33.3%" in text.err
    data = json.loads(out.read_text())
    assert data["complete"] and len(data["runs"]) == 4
    assert first["runs"] == data["runs"][:2]
    assert "largest B solved" in text.out and "memoryless" in text.out
    png = tmp_path / "r.png"
    first_png = png.read_bytes()
    # the table from the file alone writes nothing; -o redraws the byte-identical plot
    png.unlink()
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["experiment", "plot", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    table = capsys.readouterr().out
    assert table.splitlines()[0] == text.out.splitlines()[0]
    assert main(["experiment", "plot", str(out), "-o", str(tmp_path / "again.png")]) == 0
    assert (tmp_path / "again.png").read_bytes() == first_png
    assert capsys.readouterr().out.splitlines()[0] == table.splitlines()[0]
    # other settings refuse to mix into the same file
    one_line_error(capsys, argv + ["--lr", "0.01"], "other settings", "lr")


def test_interrupted_sweep_keeps_finished_runs_and_resumes(tmp_path):
    pytest.importorskip("torch")
    from tnrank.experiments.results import ExperimentSpec
    from tnrank.experiments.runner import run_experiment

    spec = ExperimentSpec(task="ses", values=[4, 6], depths=[1], seeds=[0], cell="lstm", m=2, n=2,
                          macs=200, tolerance=0.2,
                          train={"steps": 20, "eval_every": 10, "batch": 16, "lr": 1e-3, "patience": 4})
    out = tmp_path / "s.json"

    def stop_at_second_run(line):
        if line.startswith("[depth 1 T=6"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_experiment(spec, out, progress=stop_at_second_run)
    kept = json.loads(out.read_text())
    assert [(r["value"], r["depth"]) for r in kept["runs"]] == [(4, 1)]
    lines = []
    data = run_experiment(spec, out, progress=lines.append)
    assert data["complete"] and [r["value"] for r in data["runs"]] == [4, 6]
    assert data["runs"][0] == kept["runs"][0]  # the finished run was reused, not retrained
    assert not any(line.startswith("[depth 1 T=4") for line in lines)


def test_lazy_names_and_missing_torch_for_torch_names(monkeypatch):
    import tnrank.experiments as ex
    from tnrank.errors import TnrankError

    assert ex.CopyingTask(m=1, n=2, delay=0).length == 2
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.delitem(sys.modules, "tnrank.experiments.runner", raising=False)
    with pytest.raises(TnrankError, match=r'pip install "tnrank\[experiments\]"'):
        ex.run_experiment  # noqa: B018


def test_capacity_sweep_searches_widths_resumes_and_replays(capsys, tmp_path):
    pytest.importorskip("torch")
    from tnrank.experiments.budget import CellSpec, network_macs
    from tnrank.experiments.capacity import seeds_solve
    from tnrank.experiments.results import capacity_search

    out = tmp_path / "c.json"
    argv = ["experiment", "copying", "--sweep", "macs", "--macs", "40", "400", "-m", "2", "-n", "2",
            "--delays", "0", "1", "--depth", "1", "2", "--seeds", "0", "1", "--steps", "80",
            "--eval-every", "20", "--batch", "32", "--lr", "0.01", "--json-file", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr()
    data = json.loads(out.read_text())
    spec = CellSpec("eurnn", vocab=4, classes=3, capacity=2)
    for d in (1, 2):
        ladder = data["ladders"][str(d)]
        assert ladder and all(40 <= m <= 400 and m == network_macs(spec, d, w) for w, m in ladder)
        for v in (0, 1):
            found, tested = capacity_search(data, d, v)
            by_width = {}
            for r in data["runs"]:
                if r["depth"] == d and r["value"] == v:
                    by_width.setdefault(r["width"], []).append(r["solved"])
            # every trained width is one the search consulted, each with both seeds
            assert sorted(by_width) == sorted(t["width"] for t in tested)
            assert all(len(s) == 2 for s in by_width.values())
            widths = [w for w, _ in ladder]
            if found is None:
                assert not seeds_solve(by_width[widths[-1]])
            else:
                assert seeds_solve(by_width[found[0]])
                i = widths.index(found[0])
                assert i == 0 or not seeds_solve(by_width[widths[i - 1]])
            word = f"{found[1]:,} (width {found[0]})" if found else "none in the range"
            assert f"depth {d} B={v}: fewest MACs/step solving: {word}" in text.err
    assert "fewest MACs per step that solve" in text.out and (tmp_path / "c.png").exists()
    assert main(argv) == 0  # resumes: nothing left to train
    again = capsys.readouterr()
    assert "[depth" not in again.err and json.loads(out.read_text())["runs"] == data["runs"]
    one_line_error(capsys, argv[:4] + ["--macs", "40", "--json-file", str(tmp_path / "d.json")],
                   "--macs LOW HIGH")
    one_line_error(capsys, ["experiment", "copying", "--macs", "400", "800", "--json-file",
                            str(tmp_path / "e.json")], "one MAC budget")
