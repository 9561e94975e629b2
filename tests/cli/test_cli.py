import json
import subprocess
import sys

import pytest
from interrupts import interrupt_on_call

import tnrank.certification.bounds
import tnrank.studies.verification
from tnrank.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_rank_json_report(capsys):
    code, out, _ = run(capsys, "rank", "-L", "2", "-R", "3", "-M", "3", "-T", "10", "--json", "-q")
    data = json.loads(out)
    assert code == 0
    assert data["grid"]["rank"] == 63 and data["separation"]["exact"] is True
    assert {"lower", "upper", "upper_source", "exact", "rank"} <= set(data["separation"])


def test_rank_table_names_provenance(capsys):
    code, out, err = run(capsys, "rank", "-L", "1", "-R", "2", "-M", "2", "-T", "6", "--partition",
                         "interleaved")
    assert code == 0 and "separation" in out and "interleaved" in out
    assert "not applicable" in out  # the paper's theorems concern Start-End only
    assert "grid:" in err  # progress lines


def test_verify_sweep_prints_rows_and_verdicts(capsys):
    code, out, _ = run(capsys, "verify", "-L", "1", "2", "-M", "2", "-R", "2", "-T", "2", "4", "-q")
    assert code == 0
    assert "4 of 4 configurations" in out and "tight" in out


def test_verify_json(capsys):
    code, out, _ = run(capsys, "verify", "-L", "2", "-M", "2", "-R", "2", "-T", "4", "--json", "-q")
    data = json.loads(out)
    assert code == 0 and data["completed"] == 1 and data["rows"][0]["verdict"] == "holds"


def test_verify_exits_nonzero_when_a_bound_is_violated(capsys, monkeypatch):
    # a deliberately false "theorem" must be caught by the certified ranks
    monkeypatch.setattr(tnrank.certification.bounds, "theorem1_deep_lower", lambda R, M, T: 10**6)
    code, out, _ = run(capsys, "verify", "-L", "2", "-M", "2", "-R", "2", "-T", "4", "-q")
    assert code == 1 and "violated" in out


def test_verify_keeps_rows_done_when_interrupted(capsys, monkeypatch):
    interrupt_on_call(monkeypatch, tnrank.studies.verification, 2)
    code, out, err = run(capsys, "verify", "-L", "1", "-M", "2", "-R", "2", "-T", "2", "4", "6", "-q")
    assert code == 130
    assert "1 of 3 configurations" in out and "interrupted after 1 of 3" in err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "7"], "needs an even T"),
        (["rank", "-L", "2", "-R", "2", "-M", "0", "-T", "4"], "must be at least 1"),
        (["rank", "-L", "0", "-R", "2", "-M", "2", "-T", "4"], "must be at least 1"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--partition", "0,0"], "more than once"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--partition", "0,7"], "out of range"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--partition", "0,1,2,3"], "end side"),
        (["rank", "-L", "2", "-R", "2", "3", "4", "-M", "2", "-T", "4"], "3 widths given for depth 2"),
        (["rank", "-L", "2", "-R", "2", "-M", "4", "-T", "40", "--grid", "full"], "sampled mode"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--prime", "1000"], "not a prime"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--prime", "1048575"], "not a prime"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--prime", "1000003"],
         "below 2**20 = 1048576: too small for the failure bounds"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--prime", "2147483647"],
         "too large for the exact arithmetic (it must be below 2**30"),
        (["rank", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--failure-target", "1.5"],
         "not a probability"),
        (["rank", "-L", "4", "-R", "3", "-M", "3", "-T", "8", "--max-samples", "10000000"],
         "use --max-samples at most"),
        (["verify", "-T", "3"], "needs an even T"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_two(capsys, argv, fragment):
    code, out, err = run(capsys, *argv, "-q")
    assert code == 2
    assert fragment in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_console_script_runs_as_a_module():
    proc = subprocess.run([sys.executable, "-m", "tnrank", "rank", "-L", "1", "-R", "2", "-M", "2",
                           "-T", "3", "-q"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "tnrank rank: error: the start-end partition needs an even T, got T=3; use T=4 or give "
        "the start steps explicitly (e.g. --partition 0,1,2)"
    )


def test_import_stays_light():
    code = ("import sys, tnrank, tnrank.cli; "
            "heavy = [m for m in ('matplotlib', 'torch', 'tensornetwork') if m in sys.modules]; "
            "print(heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_prime_at_the_bottom_of_the_range_is_accepted(capsys):
    # 1048583 is the smallest prime above 2**20; the rank of a small case is unchanged
    code, out, _ = run(capsys, "rank", "-L", "2", "-R", "3", "-M", "3", "-T", "6", "--prime",
                       "1048583", "--json", "-q")
    assert code == 0 and json.loads(out)["separation"]["rank"] == 30


def test_float_option_forces_the_estimate_and_the_report_says_when_skipped(capsys):
    args = ("rank", "-L", "2", "-R", "3", "-M", "3", "-T", "12", "--grid", "full", "-q")
    _, out, _ = run(capsys, *args)
    assert "float estimate skipped (use --float)" in out
    _, out, _ = run(capsys, *args, "--float", "--json")
    assert json.loads(out)["grid"]["float"]["rank"] >= 1
