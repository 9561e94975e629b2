"""``tnrank bound`` and the min-cut column of ``tnrank verify``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tn_archs import ARCHITECTURES

from tnrank import Architecture, Partition
from tnrank.certification.bounds import upper_bounds
from tnrank.cli import main
from tnrank.files import network_file
from tnrank.networks.examples import example_path, mps
from tnrank.networks.mincut import min_cut_bound
from tnrank.networks.unrolling import BlockPlan, unroll, unrolled_size


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
    assert mc["bound"] == min_cut_bound(arch, part)
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
    assert data["min_cut"]["bound"] == min_cut_bound(Architecture.rac(2, [2, 3], 2), "0,1", T=5)
    assert data["partition"]["start"] == [0, 1]


def test_large_rac_uses_the_dynamic_programme(capsys, monkeypatch):
    import tnrank.certification.bound_report as bound

    monkeypatch.setattr(bound, "MAX_NODES", 100)
    code, out, _ = run(capsys, "bound", "-L", "3", "-R", "2", "-M", "2", "-T", "8", "--json")
    data = json.loads(out)
    assert data["min_cut"]["cut_edges"] is None
    assert data["min_cut"]["bound"] == min_cut_bound(Architecture.rac(3, 2, 2), "start-end", T=8)


FAST_CASES = [
    ("-L", "3", "-R", "2", "-M", "2", "-T", "16"),
    ("-L", "3", "-R", "2", "-M", "2", "-T", "12", "--partition", "interleaved"),
    ("-L", "2", "-R", "3", "-M", "2", "-T", "20", "--partition", "0,3,4,11,19"),
    ("-L", "2", "-R", "2", "3", "-M", "3", "-T", "9", "--partition", "8"),
    ("-L", "4", "-R", "2", "-M", "2", "-T", "8"),
    ("-L", "1", "-R", "5", "-M", "2", "-T", "30", "--partition", "odd-even"),
    ("-L", "3", "-R", "3", "1", "2", "-M", "4", "-T", "10", "--partition", "0,1,2,3,4,5,6"),
]


@pytest.mark.parametrize("argv", FAST_CASES, ids=" ".join)
def test_dynamic_programme_path_prints_what_the_network_path_prints(capsys, argv):
    """--no-cut-edges (no network) against --cut-edges (unrolled network, max-flow): the same
    report but for the listed cut, and the same value."""
    _, fast, _ = run(capsys, "bound", *argv, "--no-cut-edges")
    _, slow, _ = run(capsys, "bound", *argv, "--cut-edges")
    fast_lines, slow_lines = fast.splitlines(), slow.splitlines()
    cut_line = next(i for i, line in enumerate(slow_lines) if line.startswith("min-cut: "))
    assert slow_lines[cut_line + 1].startswith("cut edges: ")
    assert fast_lines[:cut_line] == slow_lines[:cut_line]  # header, copies and the whole table
    assert fast_lines[cut_line + 1:] == slow_lines[cut_line + 2:]  # best upper bounds
    value = slow_lines[cut_line].removeprefix("min-cut: ").split(" = ")[0]
    assert fast_lines[cut_line] == (f"min-cut: {value} (from the dynamic programme over the "
                                    "step-layer blocks; --cut-edges lists a minimum cut of the "
                                    f"{fast_lines[2].split()[2]}-node network)")

    _, fast, _ = run(capsys, "bound", *argv, "--no-cut-edges", "--json")
    _, slow, _ = run(capsys, "bound", *argv, "--cut-edges", "--json")
    fast, slow = json.loads(fast), json.loads(slow)
    fmc, smc = fast.pop("min_cut"), slow.pop("min_cut")
    assert fast == slow
    assert smc["method"] == "max-flow on the unrolled network" and smc["cut_edges"]
    assert fmc == smc | {"cut_edges": None, "side_sizes": None,
                         "method": "dynamic programme over the step-layer blocks (no network built)"}


def test_the_cut_is_listed_by_default_only_for_small_networks(capsys, monkeypatch):
    import tnrank.certification.bound_report as bound

    argv = ("bound", "-L", "3", "-R", "2", "-M", "2", "-T", "8", "--json")  # 451 nodes
    assert json.loads(run(capsys, *argv)[1])["min_cut"]["cut_edges"]
    monkeypatch.setattr(bound, "LISTED_NODES", 450)
    assert json.loads(run(capsys, *argv)[1])["min_cut"]["cut_edges"] is None
    assert json.loads(run(capsys, *argv, "--cut-edges")[1])["min_cut"]["cut_edges"]


def test_dynamic_programme_path_needs_no_graph_library():
    code = ("import sys\nfrom tnrank.cli import main\n"
            "main(['bound', '-L', '3', '-R', '2', '-M', '2', '-T', '64', '--json'])\n"
            "print(sorted(m for m in ('networkx', 'matplotlib', 'tensornetwork', 'opt_einsum') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    data = json.loads(out[:out.rindex("}") + 1])
    arch = Architecture.rac(3, 2, 2)
    assert data["min_cut"]["bound"] == min_cut_bound(arch, "start-end", T=64)
    assert data["network"]["nodes"] == unrolled_size(arch, 64)[0]
    assert out.splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_copies_counted_without_the_network(name):
    for T in (1, 2, 3, 5):
        assert BlockPlan(ARCHITECTURES[name], T).copies() == unroll(ARCHITECTURES[name], T).copies()


def test_network_files(capsys, tmp_path):
    code, out, _ = run(capsys, "bound", "--network", "peps-3x3", "--legs", "0,1,2", "--rank")
    assert code == 0
    assert "min-cut: 8 = 3 bonds of dim 2" in out and ": 8 (min-cut 8)" in out
    path = tmp_path / "chain.json"
    network_file.dump(mps(6, bond=2, phys=3), path)
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
        (["bound", "--network", "mps-8", "--no-cut-edges"], "--no-cut-edges works with a RAC"),
        (["bound", "-L", "7", "-R", "2", "-M", "2", "-T", "64", "--cut-edges"], "limit of 2,000,000"),
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
    cuts = [min_cut_bound(Architecture.rac(L, 2, 2), "start-end", T=4) for L in (1, 2)]
    assert f"  {cuts[0]}  " in row1 and f"  {cuts[1]}  " in row2


def test_astronomical_bounds_are_printed_as_powers_of_two(capsys):
    code, out, _ = run(capsys, "bound", "-L", "6", "-R", "3", "-M", "5", "-T", "200")
    assert code == 0 and "min-cut       2^152,756,538.2" in out
    code, out, _ = run(capsys, "bound", "-L", "6", "-R", "3", "-M", "5", "-T", "200", "--json")
    data = json.loads(out)
    assert data["min_cut"]["bound"] is None and data["min_cut"]["log2"] == pytest.approx(152756538.2, abs=0.1)
    assert data["bounds"]["separation"]["input degree"] is None
    assert data["bounds_log2"]["separation"]["input degree"] > 4096
