"""Size limits of certification: refused from the inputs alone, before any work, in one line.

Each command below is a reported reproduction that used to run for minutes (or gigabytes)
before refusing, or never refused.
"""

import math
import re
import signal
import threading
import time
import tracemalloc
import warnings

import numpy as np
import pytest
from hostile import refused

from tnrank import PRIME, Architecture, Partition, certify, random_weights
from tnrank.certification.limits import MAX_STEP_LAYERS
from tnrank.engine.grid import evaluation_bytes, sample_matrix
from tnrank.errors import TnrankError
from tnrank.runtime.threads import limited_threads


@pytest.mark.parametrize("argv", [
    ("rank", "-L", "1", "-R", "2", "-M", "2", "-T", "1000000"),
    ("rank", "-L", "3", "-R", "3", "-M", "3", "-T", "1000000"),
    ("verify", "-L", "2", "-R", "2", "-M", "2", "-T", "1000000", "-q"),
    ("rank", "-L", "1000", "-R", "2", "-M", "2", "-T", "1000"),
    ("rank", "-L", "1000", "-R", "2", "-M", "2", "-T", "10"),
    ("rank", "-L", "2", "-R", "3", "-M", "3", "-T", "10000"),
    ("analyze", "graphs/bottleneck.toml", "-T", "200000"),
])
def test_long_circuits_are_refused_at_once(capsys, argv):
    t0 = time.perf_counter()
    line = refused(capsys, *argv, fragment="steps × layers", seconds=20)
    assert time.perf_counter() - t0 < 3  # the bounds, the grid and the samples never start
    T, L = int(argv[argv.index("-T") + 1]), 3 if "analyze" in argv else int(argv[argv.index("-L") + 1])
    assert f"{T * L:,} steps × layers" in line and f"{MAX_STEP_LAYERS:,}" in line


def test_the_step_limit_is_checked_before_the_bounds():
    arch = Architecture.rac(1, 2, 2)
    t0 = time.perf_counter()
    with pytest.raises(TnrankError, match="steps × layers"):
        certify(arch, 10**6)
    assert time.perf_counter() - t0 < 1
    # the largest allowed T at this depth is certified (depth 1: min{R, M^(T/2)} = R, Theorem 1)
    rep = certify(arch, MAX_STEP_LAYERS, grid="skip")
    assert rep.separation.rank == 2


def test_the_depth_message_names_the_depth_limit(capsys):
    from tnrank.model.architecture import MAX_DEPTH

    line = refused(capsys, "rank", "-L", "1000000", "-R", "2", "-M", "2", "-T", "4")
    assert f"limit of {MAX_DEPTH:,}" in line and "100,000" not in line


def test_a_sample_that_cannot_beat_theorem_1_is_refused_before_it_starts(capsys, monkeypatch):
    # depth 2, M = R = 3, T = 2000: Theorem 1 proves rank >= C(3 + 1000 - 1, 1000) for generic
    # weights, far above the side of any sample that fits 1 GiB
    monkeypatch.setenv("TNRANK_MEMORY", "1G")
    known = math.comb(3 + 1000 - 1, 1000)
    t0 = time.perf_counter()
    line = refused(capsys, "rank", "-L", "2", "-R", "3", "-M", "3", "-T", "2000", seconds=20)
    assert time.perf_counter() - t0 < 5
    assert f"≥ {known:,}" in line and "Theorem 1 (depth 2)" in line and "--max-samples" in line
    # an explicit cap runs, and its lower bound is the sample's side at most
    rep = certify(Architecture.rac(2, 3, 3), 2000, grid="skip", max_samples=64, float_check=False)
    assert rep.separation.lower <= 64 < known
    assert rep.theorems[0].verdict == "undecided"


def _peak_bytes(build) -> int:
    tracemalloc.start()
    try:
        build()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_evaluation_memory_estimate_holds_at_depth():
    # depth 400 (R = M = 2), T = 2: the blocks of a sample hold every layer's state; their memory
    # is measured by tracemalloc and must stay within the estimate that certify budgets
    L, side, T = 400, 256, 2
    arch = Architecture.rac(L, 2, 2)
    part = Partition.parse("start-end", T)
    w = random_weights(arch, seed=0, prime=PRIME)
    rng = np.random.default_rng(0)
    rows, cols = (rng.integers(0, PRIME, size=(side, T // 2, 2)) for _ in range(2))
    out = np.empty((side, side), dtype=np.int64)
    with limited_threads(2):
        peak = _peak_bytes(lambda: sample_matrix(w, part, rows, cols, out=out))
        estimate = evaluation_bytes(arch.state_size, 2, 2, T, side, 8)
    assert peak <= estimate
    # the states of all pairs at once would take L · R · side² entries: far more than measured
    assert peak < L * 2 * side * side * 8 / 10


def test_the_memory_budget_counts_the_evaluation_at_depth(monkeypatch):
    # a 600 × 600 sample is 5.5 MiB as complex128; at depth 1000 evaluating it needs ~100 MiB of
    # states: under TNRANK_MEMORY=64M it is refused before any work, naming the memory
    monkeypatch.setenv("TNRANK_MEMORY", "64M")
    arch = Architecture.rac(1000, 2, 2)
    t0 = time.perf_counter()
    with pytest.raises(TnrankError, match="memory.*TNRANK_MEMORY"):
        certify(arch, 4, max_samples=600, storage=64)
    assert time.perf_counter() - t0 < 10  # the closed-form bounds of 1,000 layers, no sample
    with limited_threads(2):
        need = evaluation_bytes(arch.state_size, 2, 2, 4, 600, 16)
    assert need > 0.8 * 64 * 2**20


def test_ctrl_c_stops_a_sample_build_within_two_seconds():
    # one start step, 2,499 end steps of a depth-2 circuit on 2,000 rows: each block of columns
    # runs for many seconds (47 s in all before the blocks checked for Ctrl-C); a real SIGINT
    # to the main thread must not wait for the running blocks to finish
    arch = Architecture.rac(2, 3, 3)
    T, side = 2500, 2000
    part = Partition.parse("0", T)
    w = random_weights(arch, seed=0, prime=PRIME)
    rng = np.random.default_rng(0)
    rows = rng.integers(0, PRIME, size=(side, 1, 3))
    cols = rng.integers(0, PRIME, size=(256, T - 1, 3))
    timer = threading.Timer(1.0, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
    # Python's own Ctrl-C handler, whatever this process inherited (a shell starts background
    # jobs with SIGINT ignored, and then Python keeps ignoring it)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with limited_threads(2):
            t0 = time.perf_counter()
            timer.start()
            with pytest.raises(KeyboardInterrupt):
                sample_matrix(w, part, rows, cols)
                time.sleep(10)  # finished before the timer: let the interrupt land here
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert time.perf_counter() - t0 < 1.0 + 2.0


def test_float_estimate_of_a_deep_circuit_is_skipped_without_warnings():
    arch = Architecture.rac(60, 2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rep = certify(arch, 40, grid="skip", max_samples=64, float_check=True)
    assert rep.separation.float_estimate is None
    assert "overflow" in rep.separation.float_skipped


def test_a_long_run_is_estimated_early_not_only_at_the_calibration_stage():
    from tnrank.certification.sampling import CALIBRATION_K, Clock, planner

    # 10 µs per entry measured on a 1024 × 1024 stage: growing to 30,000 builds 899 million more
    # entries, about 9,000 s, before any exact rank
    clock = Clock()
    clock.built(1024 * 1024, 1024 * 1024 * 1e-5)
    clock.ranked(1024, 1.0)
    lines: list[str] = []
    plan = planner(lines.append, "separation", 10**6, clock, 30_000)
    assert "NOT reachable" in lines[0]
    plan(512)
    assert len(lines) == 1  # below the first estimate's stage: nothing yet
    plan(1024)
    assert len(lines) == 2 and "K = 30,000" in lines[1]
    hours, minutes = map(int, re.search(r"roughly (\d+) h (\d+) min", lines[1]).groups())
    assert 3600 * hours + 60 * minutes >= (30_000**2 - 1024**2) * 1e-5 - 60  # the builds alone
    plan(2048)
    assert len(lines) == 2  # said once; the plan itself follows at the calibration stage
    assert CALIBRATION_K > 2048


def test_the_closed_form_bounds_have_their_own_step_limit(capsys):
    from tnrank.certification.limits import MAX_BOUND_STEP_LAYERS
    from tnrank.networks.unrolling import MAX_BLOCKS

    t0 = time.perf_counter()
    line = refused(capsys, "bound", "-L", "1", "-R", "2", "-M", "2", "-T", "1000000", seconds=20)
    assert time.perf_counter() - t0 < 3
    assert "1,000,000 steps × layers" in line and f"{MAX_BOUND_STEP_LAYERS:,}" in line
    assert MAX_BOUND_STEP_LAYERS == MAX_BLOCKS  # the limit of the unrolled networks too


def test_a_file_whose_layers_read_all_earlier_ones_is_refused_by_its_wiring(tmp_path, capsys):
    # 300 layers, layer i reading the input and layers 0..i-1: 45,150 links, followed by the
    # degree bounds at every step for every layer
    lines = ["M = 2"]
    for i in range(300):
        sources = ", ".join(['"input"'] + [f'"l{j}"' for j in range(i)])
        lines += ["[[layer]]", f'name = "l{i}"', "width = 2", f"sources = [{sources}]"]
    path = tmp_path / "dense.toml"
    path.write_text("\n".join(lines) + "\n")
    links = 300 + 300 * 299 // 2
    for command in ("rank", "bound"):
        t0 = time.perf_counter()
        line = refused(capsys, command, path, "-T", "4", seconds=30)
        assert time.perf_counter() - t0 < 5
        assert f"4 × {links:,} × 300 = {4 * links * 300:,}" in line
