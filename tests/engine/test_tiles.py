"""The tiled elimination in memory and on disk against python-flint (GF(p)), the regular
representation (GF(q²)) and the recursive in-memory elimination; 32-bit storage; the spilled
run as a checkpoint that survives a kill."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from tile_cases import cases, flint_rank

import tnrank.engine.spill as spill
from tnrank import PRIME, TnrankError
from tnrank.engine.elimination import float_residues
from tnrank.engine.rank import rank_mod_p
from tnrank.engine.spill import CHECKPOINT, read_checkpoint, spill_bytes, spilled_rank
from tnrank.engine.tiles import (
    ArraySource,
    Layout,
    StepStatus,
    check_storage,
    step_work,
    tiled_rank,
)
from tnrank.field import GAUSSIAN_FIELD, Field
from tnrank.primes import GAUSSIAN_PRIME
from tnrank.safe_files import exclusive

CASES = cases(120, seed=1)
ROOT = Path(__file__).resolve().parents[2]


def layout_of(case):
    return Layout(*case.matrix.shape, case.field, case.bits, case.tile)


def test_the_cases_cover_what_the_engine_must_handle():
    assert len(CASES) >= 100
    assert any(c.tile == 1 for c in CASES) and any(c.gaussian for c in CASES)
    assert any(c.matrix.shape[0] % c.tile and c.matrix.shape[1] % c.tile for c in CASES)
    assert any(c.rank < min(c.matrix.shape) for c in CASES if c.rank)  # rank-deficient ones
    assert {c.bits for c in CASES} == {32, 64}


def test_in_memory_tiled_ranks_agree_with_the_references():
    for case in CASES:
        got = tiled_rank(case.matrix, case.field, bits=case.bits, tile=case.tile)
        assert got == case.rank, case


def test_spilled_ranks_agree_with_the_references(tmp_path):
    for i, case in enumerate(CASES):
        folder = tmp_path / f"m{i}"
        assert spilled_rank(ArraySource(case.matrix), layout_of(case), folder, {"case": i}) == case.rank, case
        # a finished run keeps its rank and no matrix file
        assert read_checkpoint(folder)["phase"] == "done"
        assert not list(folder.glob("*.bin"))
        assert spilled_rank(ArraySource(case.matrix), layout_of(case), folder, {"case": i}) == case.rank


@pytest.mark.parametrize("prime, gaussian", [(GAUSSIAN_PRIME, True), (16777213, False), (PRIME, False)])
@pytest.mark.parametrize("m, n, r, tile", [(300, 257, 199, 64), (257, 300, 257, 100), (301, 301, 1, 50),
                                           (200, 600, 200, 48)])
def test_tiled_ranks_equal_the_recursive_elimination_across_many_tiles(m, n, r, tile, prime, gaussian):
    rng = np.random.default_rng(m + n + r)
    field = Field(prime, 2 if gaussian else 1)
    if gaussian:
        L = rng.integers(0, prime, (m, r)) + 1j * rng.integers(0, prime, (m, r))
        R = rng.integers(-2, 3, (r, n)) + 1j * rng.integers(-2, 3, (r, n))
        A = float_residues(L, field) @ R  # parts below 2**53: exact
    else:
        A = rng.integers(0, 1000, (m, r)) @ rng.integers(0, 1000, (r, n))
    expected = rank_mod_p(A, field)
    bits = 64 if prime >= 2**24 else 32
    assert tiled_rank(A, field, bits=bits, tile=tile) == expected
    if bits == 32:
        assert tiled_rank(A, field, bits=64, tile=tile) == expected
    if not gaussian:
        assert expected == flint_rank(A, prime)


def test_a_singular_diagonal_tile_takes_its_pivots_from_other_row_blocks():
    n = 10
    eye = np.eye(n, dtype=np.int64)
    A = np.block([[np.zeros((n, n), dtype=np.int64), eye], [eye, np.zeros((n, n), dtype=np.int64)]])
    for tile in (1, 3, n, 2 * n):
        assert tiled_rank(A, 7, tile=tile) == 2 * n
        assert tiled_rank(A[:, ::-1], 7, tile=tile) == 2 * n


def test_32_bit_storage_holds_the_residues_and_half_the_bytes():
    lay32 = Layout(1000, 1000, GAUSSIAN_FIELD, 32)
    lay64 = Layout(1000, 1000, GAUSSIAN_FIELD, 64)
    assert (lay32.storage_dtype, lay64.storage_dtype) == (np.complex64, np.complex128)
    assert lay64.storage_bytes == 2 * lay32.storage_bytes
    assert Layout(10, 10, Field(16777213), 32).storage_dtype == np.float32
    # every centred residue survives the round trip through 32 bits
    for p in (16777213, GAUSSIAN_PRIME):
        h = p // 2 + 3
        x = np.arange(-h, h + 1, dtype=np.float64)
        assert np.array_equal(x.astype(np.float32).astype(np.float64), x)


@pytest.mark.parametrize("n, tile", [(700, 128), (1100, 256), (600, 2048)])
def test_the_memory_estimate_bounds_the_measured_peak(n, tile):
    rng = np.random.default_rng(0)
    A = float_residues(rng.integers(0, GAUSSIAN_PRIME, (n, n)) * (1 + 1j), GAUSSIAN_FIELD)
    lay = Layout(n, n, GAUSSIAN_FIELD, 32, tile)
    tiled_rank(A[:50, :50], GAUSSIAN_FIELD, tile=tile)  # first-call imports are not the engine's
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        tiled_rank(A, GAUSSIAN_FIELD, tile=tile)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lay.storage_bytes < peak <= lay.memory_bytes
    assert lay.storage_bytes * 2 == Layout(n, n, GAUSSIAN_FIELD, 64, tile).storage_bytes


def test_32_bit_storage_refuses_a_prime_it_cannot_hold_before_any_work():
    with pytest.raises(TnrankError, match=r"2\*\*24") as err:
        check_storage(Field(PRIME), 32)
    assert "\n" not in str(err.value)

    class Untouchable:
        shape = (5, 5)

        def block(self, *args):
            raise AssertionError("read before the refusal")

    with pytest.raises(TnrankError, match="`storage` 32"):
        tiled_rank(Untouchable(), PRIME, bits=32)
    with pytest.raises(TnrankError, match="storage width"):
        Layout(5, 5, Field(7), bits=16)
    with pytest.raises(TnrankError, match="`tile`"):
        Layout(5, 5, Field(7), tile=0)


def test_the_step_status_counts_down_to_the_end():
    seen = []
    rng = np.random.default_rng(2)
    A = rng.integers(0, 7, (40, 40))
    tiled_rank(A, 7, tile=10, progress=seen.append)
    assert [s.step for s in seen] == list(range(1, len(seen) + 1))
    assert seen[-1].rank == flint_rank(A, 7) and (seen[-1].rows == 0 or seen[-1].cols == 0)
    assert all(isinstance(s, StepStatus) and s.left is not None for s in seen)
    assert step_work(40, 40, 10) > step_work(30, 30, 10) > 0


# -- the spilled run as a checkpoint -----------------------------------------------------------
def _gaussian_case(n=120, r=100, seed=5):
    rng = np.random.default_rng(seed)
    L = rng.integers(0, GAUSSIAN_PRIME, (n, r)) + 1j * rng.integers(0, GAUSSIAN_PRIME, (n, r))
    R = rng.integers(-2, 3, (r, n)) + 1j * rng.integers(-2, 3, (r, n))
    return float_residues(L, GAUSSIAN_FIELD) @ R


_SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    from tnrank.engine.spill import spilled_rank
    from tnrank.engine.tiles import ArraySource, Layout
    from tnrank.field import GF

    A = np.load(sys.argv[1])

    class Slow(ArraySource):  # slow steps and builds, so that the kill lands in the middle
        def block(self, *args):
            time.sleep(0.02)
            return super().block(*args)

    def step(status):
        print("step", status.step, flush=True)
        time.sleep(0.3)

    lay = Layout(*A.shape, GF(5931559**2), 32, 20)
    r = spilled_rank(Slow(A), lay, sys.argv[2], {"seed": 0}, progress=step,
                     say=lambda line: print(line, flush=True))
    print("rank", r, flush=True)
""")


def _start(tmp_path, A):
    np.save(tmp_path / "A.npy", A)
    (tmp_path / "run.py").write_text(_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, str(tmp_path / "run.py"), str(tmp_path / "A.npy"),
                             str(tmp_path / "ck")], stdout=subprocess.PIPE, text=True, env=env)


def _kill_after(proc, marker, sig):
    for line in proc.stdout:
        if line.startswith(marker):
            proc.send_signal(sig)
            break
    proc.wait(timeout=60)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_spilled_run_resumes_from_its_last_finished_step(tmp_path, sig):
    A = _gaussian_case()
    expected = rank_mod_p(A, GAUSSIAN_FIELD)
    proc = _start(tmp_path, A)
    _kill_after(proc, "step 3", sig)
    assert proc.returncode != 0
    state = read_checkpoint(tmp_path / "ck")
    assert state["phase"] == "eliminate" and state["step"] >= 3
    lines = []
    lay = Layout(*A.shape, GAUSSIAN_FIELD, 32, 20)
    steps = []
    got = spilled_rank(ArraySource(A), lay, tmp_path / "ck", {"seed": 0}, say=lines.append,
                       progress=steps.append)
    assert got == expected == 100
    assert any(f"after step {state['step']}" in line for line in lines)
    assert steps[0].step == state["step"] + 1  # no finished step is done again


def test_a_build_killed_half_way_resumes_at_its_last_finished_block(tmp_path):
    A = _gaussian_case()
    proc = _start(tmp_path, A)
    _kill_after(proc, "40 of", signal.SIGKILL)
    state = read_checkpoint(tmp_path / "ck")
    assert state["phase"] == "build" and 40 <= state["built_rows"] < 120
    lines = []
    lay = Layout(*A.shape, GAUSSIAN_FIELD, 32, 20)
    assert spilled_rank(ArraySource(A), lay, tmp_path / "ck", {"seed": 0}, say=lines.append) == 100
    assert any(f"at row {state['built_rows']}" in line for line in lines)


def test_a_checkpoint_of_another_matrix_is_refused(tmp_path):
    A = _gaussian_case(40, 30)
    lay = Layout(40, 40, GAUSSIAN_FIELD, 32, 8)
    assert spilled_rank(ArraySource(A), lay, tmp_path, {"seed": 0, "side": 40}) == 30
    with pytest.raises(TnrankError, match=r"another matrix \(seed 0, not 1\)"):
        spilled_rank(ArraySource(A), lay, tmp_path, {"seed": 1, "side": 40})
    with pytest.raises(TnrankError, match="another layout"):
        spilled_rank(ArraySource(A), Layout(40, 40, GAUSSIAN_FIELD, 64, 8), tmp_path,
                     {"seed": 0, "side": 40})


def _interrupted(tmp_path, A, lay):
    """A checkpoint after two steps (the run stopped by an exception in its progress)."""
    def stop(status):
        if status.step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        spilled_rank(ArraySource(A), lay, tmp_path, {"seed": 0}, progress=stop)
    return read_checkpoint(tmp_path)


def test_damaged_checkpoints_are_refused_in_one_line(tmp_path):
    A = _gaussian_case(60, 50)
    lay = Layout(60, 60, GAUSSIAN_FIELD, 32, 10)
    state = _interrupted(tmp_path, A, lay)
    data = tmp_path / state["file"]
    # entries that are not residues of the field
    raw = np.memmap(data, dtype=np.complex64, mode="r+")
    raw[5] = 0.5 + 1e9j
    raw.flush()
    del raw
    with pytest.raises(TnrankError, match="not residues of the field") as err:
        spilled_rank(ArraySource(A), lay, tmp_path, {"seed": 0})
    assert "\n" not in str(err.value)
    # a truncated matrix file
    with open(data, "r+b") as fh:
        fh.truncate(100)
    with pytest.raises(TnrankError, match="missing or not"):
        spilled_rank(ArraySource(A), lay, tmp_path, {"seed": 0})
    # a state that is not a checkpoint
    for text in ("{", json.dumps({**state, "step": -1}), json.dumps({**state, "file": "../x.bin"}),
                 json.dumps([1, 2])):
        (tmp_path / CHECKPOINT).write_text(text)
        with pytest.raises(TnrankError) as err:
            spilled_rank(ArraySource(A), lay, tmp_path, {"seed": 0})
        assert "\n" not in str(err.value)


def test_a_second_process_on_the_same_checkpoint_is_refused(tmp_path):
    A = _gaussian_case(30, 20)
    lay = Layout(30, 30, GAUSSIAN_FIELD, 32, 10)
    with exclusive(tmp_path / CHECKPOINT, "checkpoint"):
        with pytest.raises(TnrankError, match="another tnrank process"):
            spilled_rank(ArraySource(A), lay, tmp_path, {"seed": 0})


def test_a_disk_too_small_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    A = _gaussian_case(60, 50)
    lay = Layout(60, 60, GAUSSIAN_FIELD, 32, 10)
    need = spill_bytes(lay)
    assert need >= 2 * lay.storage_bytes * 0.8
    monkeypatch.setattr(spill.shutil, "disk_usage", lambda _p: type("U", (), {"free": need - 1})())
    with pytest.raises(TnrankError, match="needs .* on disk .* free") as err:
        spilled_rank(ArraySource(A), lay, tmp_path / "ck", {"seed": 0})
    assert "\n" not in str(err.value)
    assert not list((tmp_path / "ck").glob("*.bin"))
