"""Sweeps on local worker processes: same rows as a sequential run, thread caps, progress."""

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from parallel_tasks import die, thread_caps, without_timings

import tnrank.studies.verification
from tnrank.cli import main
from tnrank.cli.parallel_options import parallel_run
from tnrank.errors import TnrankError
from tnrank.runtime.parallel import local_pool, map_unordered, threads_per_worker, worker_threads
from tnrank.runtime.progress import Status, progress_display
from tnrank.runtime.threads import get_threads

CORES = len(os.sched_getaffinity(0))
VERIFY = ["verify", "-L", "1", "2", "-M", "2", "-R", "2,3", "-T", "2", "4", "6", "-q"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_jobs_two_equals_sequential(capsys):
    code, seq_text, _ = run(capsys, *VERIFY)
    code2, par_text, err = run(capsys, *VERIFY[:-1], "--jobs", "2")  # with progress lines
    assert code == code2 == 0 and par_text == seq_text and "12 of 12 configurations" in seq_text
    done = [line for line in err.splitlines() if " done;" in line]
    assert sorted(line.split("] ")[1].split(" done")[0] for line in done) == sorted(
        f"L={L} M=2 R={R} T={T}" for L in (1, 2) for R in (2, 3) for T in (2, 4, 6))
    _, seq_json, _ = run(capsys, *VERIFY, "--json")
    _, par_json, _ = run(capsys, *VERIFY, "--json", "--jobs", "2")
    seq, par = json.loads(seq_json), json.loads(par_json)
    assert len(par["rows"]) == 12
    assert without_timings(par) == without_timings(seq)


def test_rows_come_as_they_finish_with_their_index():
    # an executor that finishes items in reverse: results must still pair with their items
    items = list(range(6))
    with ThreadPoolExecutor(1) as pool:
        got = list(map_unordered(abs, [-x for x in items], pool))
    assert sorted(i for i, _ in got) == items
    assert all(value == i for i, value in got)


def test_workers_cap_their_threads_at_the_given_share():
    with local_pool(2) as pool:
        results = [r for _, r in map_unordered(thread_caps, range(4), pool, threads=1)]
    pids = {pid for _, _, pid in results}
    assert os.getpid() not in pids
    assert all(cap == 1 and all(n == 1 for n in blas) for cap, blas, _ in results)
    # --jobs N divides the cores between the workers
    assert threads_per_worker(2) == max(1, CORES // 2)
    assert threads_per_worker(1) == CORES


def test_threads_option_caps_a_sequential_run(capsys, monkeypatch):
    seen = []
    real = tnrank.studies.verification.certify

    def spy(*args, **kwargs):
        seen.append((get_threads(), set(thread_caps(None)[1])))  # every BLAS loaded
        return real(*args, **kwargs)

    monkeypatch.setattr(tnrank.studies.verification, "certify", spy)
    before = get_threads()
    code, _, _ = run(capsys, "verify", "-L", "1", "-M", "2", "-R", "2", "-T", "2", "4", "-q",
                     "--threads", "1")
    assert code == 0 and seen == [(1, {1}), (1, {1})]
    assert get_threads() == before  # the cap ends with the command


def test_a_dead_worker_is_one_clear_error():
    with pytest.raises(TnrankError, match="worker process died while computing item 0"):
        with local_pool(1) as pool:
            list(map_unordered(die, [0], pool))


def test_leaving_early_cancels_what_has_not_started():
    calls = []

    def slow(x):
        calls.append(x)
        time.sleep(0.02)
        return x

    with ThreadPoolExecutor(1) as pool:  # leaving the block waits for every task not cancelled
        gen = map_unordered(slow, range(50), pool)
        assert next(gen) == (0, 0)
        gen.close()
    assert 1 <= len(calls) <= 3  # without cancelling, all 50 would have run


def test_scheduler_without_the_extra_names_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    code, out, err = run(capsys, *VERIFY, "--scheduler", "tcp://127.0.0.1:8786")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        'tnrank verify: error: --scheduler needs Dask, which is not installed: '
        'pip install "tnrank[distributed]"'
    ]


def test_jobs_and_scheduler_exclude_each_other(capsys):
    code, _, err = run(capsys, *VERIFY, "--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786")
    assert code == 2 and "not allowed with argument" in err


def test_core_never_imports_dask():
    code = ("import sys, tnrank, tnrank.cli, tnrank.studies.verification, tnrank.studies.comparison, "
            "tnrank.studies.sweeps, "
            "tnrank.runtime.parallel, tnrank.runtime.progress; tnrank.cli.build_parser(); "
            "print(sorted(m for m in ('dask', 'distributed', 'tqdm') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_status_counts_and_time_left():
    # 3 of 10 done in 30 s at a steady rate: 7 left take 70 s
    s = Status(total=10, done=3, running=2, elapsed=30.0, last="L=1 M=2 R=2 T=4")
    assert (s.queued, s.remaining) == (5, 70.0)
    assert str(s) == "[3/10] L=1 M=2 R=2 T=4 done; 2 running, 5 queued, about 1 min 10 s left"
    assert str(Status(10, 0, None, 5.0)) == "[0/10] 10 left to do"
    assert str(Status(4, 4, 0, 61.0, "x")) == "[4/4] x done; finished in 1 min 01 s"


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_terminal_display_rewrites_one_line_and_prints_rows_above_it():
    term = FakeTerminal()
    show = progress_display(term)
    show(Status(3, 1, 2, 2.0, "a"))
    show.write("  row a")
    show(Status(3, 1, 2, 3.0))  # timer refresh
    show.close()
    text = term.getvalue()
    assert text.count("\n") == 2  # the row, and the last status made permanent
    screen = text.split("\r\x1b[K")
    assert screen[-1] == "  [1/3] 2 running, 0 queued, about 6 s left\n"
    assert "  row a\n" in screen


def test_terminal_display_escapes_control_characters_of_labels():
    term = FakeTerminal()
    show = progress_display(term)
    show(Status(2, 1, 1, 1.0, "evil\x1b[2J.toml T=4"))
    show.write("  row of evil\x1b]0;title\x07.toml")
    text = term.getvalue()
    assert "\x1b[2J" not in text and "\x1b]0" not in text and "\x07" not in text
    assert "evil\\x1b[2J.toml T=4 done" in text and "row of evil\\x1b]0;title\\x07.toml" in text


def test_plain_lines_print_each_finished_configuration_only():
    out = io.StringIO()
    show = progress_display(out)
    for done in (1, 2):
        show(Status(2, done, 2 - done, float(done), f"c{done}"))
        show(Status(2, done, 2 - done, done + 0.5))  # timer refreshes print nothing
    show("a sequential progress line")
    assert out.getvalue().splitlines() == [
        "  [1/2] c1 done; 1 running, 0 queued, about 1 s left",
        "  [2/2] c2 done; finished in 2 s",
        "  a sequential progress line",
    ]


def test_notebook_display_uses_tqdm_when_installed():
    pytest.importorskip("tqdm")
    out = io.StringIO()
    show = progress_display(out, kind="notebook")
    show(Status(4, 1, 2, 1.0, "a"))
    show(Status(4, 3, 1, 2.0, "b"))
    show.close()
    assert "3/4" in out.getvalue() and "1 running, 0 queued" in out.getvalue()


def test_analyze_comparison_with_jobs_equals_sequential(capsys, monkeypatch):
    argv = ["analyze", "graphs/shallow_rac.toml", "graphs/deep_rac_2.toml", "graphs/tt_rnn.toml",
            "-T", "4", "6", "-q"]
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    _, seq_text, _ = run(capsys, *argv)
    _, seq_json, _ = run(capsys, *argv, "--json")
    _, par_json, _ = run(capsys, *argv, "--json", "--jobs", "2")
    assert without_timings(json.loads(par_json)) == without_timings(json.loads(seq_json))
    assert len(json.loads(par_json)["rows"]) == 6 and "…" not in seq_text


def test_jobs_share_the_cores_unless_tnrank_threads_says_otherwise(monkeypatch):
    args = argparse.Namespace(jobs=2, scheduler=None, threads=None)
    monkeypatch.delenv("TNRANK_THREADS", raising=False)
    with parallel_run(args, quiet=True) as where:
        assert where.threads == max(1, CORES // 2)
    monkeypatch.setenv("TNRANK_THREADS", "1")
    with parallel_run(args, quiet=True) as where:
        assert where.threads is None  # each worker reads the variable it inherits
    assert worker_threads(None) == 1
    with parallel_run(argparse.Namespace(jobs=2, scheduler=None, threads=3), quiet=True) as where:
        assert where.threads == 3


class SyncExecutor(Executor):
    """Runs each task at submission: every future is finished before anyone waits."""

    def submit(self, fn, /, *args, **kwargs):
        fut = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to the caller through the future
            fut.set_exception(exc)
        return fut


def test_results_that_came_back_are_handed_out_before_a_failure():
    got = []
    with pytest.raises(TypeError, match="bad operand type for abs"):
        for i, value in map_unordered(abs, [-1, "x", -2, -3], SyncExecutor()):
            got.append((i, value))
    assert got == [(0, 1), (2, 2), (3, 3)]  # a file of results keeps all three


class KilledWorker(Exception):
    """Stands in for distributed's exception of the same name (matched by name, not imported)."""


def gives_up(_item):
    raise KilledWorker("attempted to run task 3 times; all workers died")


def test_a_task_dask_gave_up_on_is_one_clear_error():
    with pytest.raises(TnrankError, match="the Dask workers computing L=3 M=3 R=3 T=8 died repeatedly"):
        list(map_unordered(gives_up, [0], SyncExecutor(), labels=["L=3 M=3 R=3 T=8"]))


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not), read from /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False


POOL_SCRIPT = """
import sys, time
from parallel_tasks import nap
from tnrank.runtime.parallel import local_pool
with local_pool(2) as pool:
    futures = [pool.submit(nap, f"{sys.argv[1]}/{i}") for i in range(2)]
    time.sleep(120)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_workers_end_with_a_process_killed_by_sigkill(tmp_path):
    tests = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tests), str(tests.parent)]))
    proc = subprocess.Popen([sys.executable, "-c", POOL_SCRIPT, str(tmp_path)], env=env,
                            start_new_session=True)
    try:
        pids = []
        deadline = time.monotonic() + 60
        while len(pids) < 2 and time.monotonic() < deadline:
            pids = [int(p.read_text()) for p in tmp_path.iterdir() if p.name in ("0", "1")]
            time.sleep(0.1)
        assert len(pids) == 2 and all(map(_running, pids)), "the workers did not start"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10  # the workers would compute for two minutes
        while any(map(_running, pids)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(_running, pids)), "a worker outlived the killed process"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in pids:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


class CancellingExecutor(SyncExecutor):
    """An executor whose scheduler went away: every future comes back cancelled."""

    def submit(self, fn, *args, **kwargs):
        fut = Future()
        fut.cancel()
        fut.set_running_or_notify_cancel()  # as an executor does with a future cancelled before it ran
        return fut


def test_futures_the_executor_cancelled_are_one_clear_error():
    with pytest.raises(TnrankError, match=r"the executor cancelled L=1 M=2 R=2 T=4 \(its pool or "
                       "scheduler shut down\\); the configurations finished before were kept"):
        list(map_unordered(abs, [1], CancellingExecutor(), labels=["L=1 M=2 R=2 T=4"]))
