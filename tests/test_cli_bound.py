"""``tnrank bound`` and the min-cut column of ``tnrank verify``."""

from __future__ import annotations

import json

import pytest

from tnrank import Architecture, Partition
from tnrank.bounds import upper_bounds
from tnrank.cli import main
from tnrank.examples import example_path, mps
from tnrank.mincut import mincut_bound


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_rac_json(capsys):
    code, out, _ = run(capsys, "bound", "-L", "3", "-R", "2", "-M", "2", "-T", "16", "--json")
    assert code == 0
    data = json.loads(out)
    arch, part = Architecture.rac(3, 2, 2), Partition.parse("start-end", 16)
    mc = data["min_cut"]
    assert mc["bound"] == mincut_bound(arch, part)
    assert mc["log2"] == pytest.approx(44.0)
    assert len(mc["cut_edges"]) >= 44 and all({"bond", "nodes", "dim"} <= set(e) for e in mc["cut_edges"])
    assert data["bounds"]["separation"] == upper_bounds(arch, part, "separation")
    assert data["bounds"]["grid"] == upper_bounds(arch, part, "grid")
    assert data["network"]["copies"][:3] == [136, 120, 105]
    assert [t["name"] for t in data["theorems"]] == ["Conjecture 1"]


def test_rac_text_and_partitions(capsys):
    code, out, _ = run(capsys, "bound", "-L", "1", "-R", "3", "-M", "2", "-T", "8",
                       "--partition", "interleaved")
    assert code == 0
    assert "min-cut       16" in out and "16 = 4 legs of dim 2" in out
    assert "best upper bounds: grid rank ≤ 16" in out
    code, out, _ = run(capsys, "bound", "-L", "2", "-R", "2", "3", "-M", "2", "-T", "5",
                       "--partition", "0,1", "--json")
    data = json.loads(out)
    assert data["min_cut"]["bound"] == mincut_bound(Architecture.rac(2, [2, 3], 2), "0,1", T=5)
    assert data["partition"]["start"] == [0, 1]


def test_large_rac_uses_the_dynamic_programme(capsys, monkeypatch):
    import tnrank.cli.bound as bound

    monkeypatch.setattr(bound, "MAX_NODES", 100)
    code, out, _ = run(capsys, "bound", "-L", "3", "-R", "2", "-M", "2", "-T", "8", "--json")
    data = json.loads(out)
    assert data["min_cut"]["cut_edges"] is None
    assert data["min_cut"]["bound"] == mincut_bound(Architecture.rac(3, 2, 2), "start-end", T=8)


def test_network_files(capsys, tmp_path):
    code, out, _ = run(capsys, "bound", "--network", "peps-3x3", "--legs", "0,1,2", "--rank")
    assert code == 0
    assert "min-cut: 8 = 3 bonds of dim 2" in out and ": 8 (min-cut 8)" in out
    path = tmp_path / "chain.json"
    mps(6, bond=2, phys=3).save(path)
    code, out, _ = run(capsys, "bound", "--network", str(path), "--partition", "x0,x1,x2", "--rank",
                       "--json")
    data = json.loads(out)
    assert data["min_cut"]["bound"] == 2 and data["rank"]["value"] == 2
    assert data["partition"] == {"start": [0, 1, 2], "end": [3, 4, 5]}
    code, out, _ = run(capsys, "bound", "--network", str(example_path("tree-8")), "--json")
    assert json.loads(out)["min_cut"]["bound"] == 3


@pytest.mark.parametrize(
    "argv, message",
    [
        (["bound", "-L", "2", "-R", "2", "-M", "2"], "missing -T"),
        (["bound", "-L", "2", "-R", "2", "-M", "2", "-T", "5"], "even T"),
        (["bound", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--partition", "0,9"], "out of range"),
        (["bound", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--network", "mps-8"], "not both"),
        (["bound", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--rank"], "--rank works with --network"),
        (["bound", "--network", "nowhere.json"], "does not exist"),
        (["bound", "--network", "mps-8", "--legs", "x0,x0"], "more than once"),
        (["bound", "--network", "peps-3x3"], "even T"),
    ],
)
def test_bad_input_exits_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_bad_file_exits_2(capsys, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"nodes": ["A"], "bonds": [["A", "B", 2]], "legs": [["A", 2]]}))
    code, _, err = run(capsys, "bound", "--network", str(path))
    assert code == 2 and "unknown node 'B'" in err and err.count("\n") == 1


def test_verify_shows_the_min_cut(capsys):
    code, out, _ = run(capsys, "verify", "-L", "1", "2", "-M", "2", "-R", "2", "-T", "4", "-q")
    assert code == 0
    header, _rule, row1, row2 = out.splitlines()[:4]
    assert "min-cut" in header
    cuts = [mincut_bound(Architecture.rac(L, 2, 2), "start-end", T=4) for L in (1, 2)]
    assert f"  {cuts[0]}  " in row1 and f"  {cuts[1]}  " in row2


def test_astronomical_bounds_are_printed_as_powers_of_two(capsys):
    code, out, _ = run(capsys, "bound", "-L", "6", "-R", "3", "-M", "5", "-T", "200")
    assert code == 0 and "min-cut       2^152,756,538.2" in out
    code, out, _ = run(capsys, "bound", "-L", "6", "-R", "3", "-M", "5", "-T", "200", "--json")
    data = json.loads(out)
    assert data["min_cut"]["bound"] is None and data["min_cut"]["log2"] == pytest.approx(152756538.2, abs=0.1)
    assert data["bounds"]["separation"]["input degree"] is None
    assert data["bounds_log2"]["separation"]["input degree"] > 4096
