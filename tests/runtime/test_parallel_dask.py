"""Sweeps on a real Dask cluster: the same rows as a sequential run, a worker killed mid-sweep,
and the ``--scheduler`` option against Dask's own ``dask scheduler`` / ``dask worker`` tools."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from parallel_tasks import thread_caps, without_timings

distributed = pytest.importorskip("distributed")

import tnrank  # noqa: E402
from tnrank.cli import main  # noqa: E402
from tnrank.files.results_file import load_results  # noqa: E402
from tnrank.runtime.parallel import map_unordered  # noqa: E402
from tnrank.studies.sweeps import sweep  # noqa: E402
from tnrank.studies.verification import verify  # noqa: E402

SMALL = ([1, 2], [2], [2, 3], [2, 4, 6])  # 12 configurations of milliseconds each
# 12 configurations, two of which take about a second (T=12: a 729 x 729 grid), submitted first
SLOW = ([2], [4], [4, 3], [20, 2, 4, 6, 8, 10])  # the T = 20 configurations take about a second


def report_rows(rows):
    return sorted(((r.depth, r.M, r.R, r.T), without_timings(r.report.to_dict())) for r in rows)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as c:
        c.wait_for_workers(2)
        yield c


@pytest.fixture(scope="module")
def sequential_small():
    return report_rows(verify(*SMALL))


def test_local_cluster_sweep_gives_the_sequential_rows(client, sequential_small):
    rows = list(verify(*SMALL, executor=client.get_executor(pure=False)))
    assert len(rows) == 12
    assert report_rows(rows) == sequential_small


def test_dask_workers_cap_tnrank_threads_as_dask_caps_blas(client):
    # Dask starts its workers with OMP_NUM_THREADS=1 (and the same for OpenBLAS and MKL) so
    # that worker threads do not oversubscribe the node; tnrank's own threads follow
    dask_choice = set(client.run(lambda: int(os.environ["OMP_NUM_THREADS"])).values())
    got = [r for _, r in map_unordered(thread_caps, range(4), client.get_executor(pure=False))]
    assert dask_choice == {1}
    assert {(cap, frozenset(blas)) for cap, blas, _ in got} == {(1, frozenset({1}))}
    got = [r for _, r in map_unordered(thread_caps, range(4), client.get_executor(pure=False), threads=2)]
    assert {(cap, frozenset(blas)) for cap, blas, _ in got} == {(2, frozenset({2}))}  # explicit


def test_library_sweep_on_the_cluster_writes_the_sequential_file(client, tmp_path):
    seq = sweep([1, 2], 2, 2, [2, 4, 6], path=tmp_path / "seq.json")
    par = sweep([1, 2], 2, 2, [2, 4, 6], path=tmp_path / "par.json", executor=client.get_executor(pure=False))
    assert without_timings(par) == without_timings(seq)
    assert without_timings(load_results(tmp_path / "par.json")) == without_timings(seq)


def _long_running(client):
    """The worker still computing the same task 0.2 s later (a T = 20 configuration)."""
    before = client.processing()
    time.sleep(0.2)
    after = client.processing()
    stuck = [addr for addr, keys in after.items() if set(keys) & set(before.get(addr, ()))]
    return sorted(stuck)[0] if stuck else None


def test_a_worker_killed_mid_sweep_loses_and_duplicates_no_row(client):
    # sample matrices of about a thousand rows keep the T = 20 configurations slow enough to catch
    expected = report_rows(verify(*SLOW, float_check=False))
    killed = None
    rows = []
    for row in verify(*SLOW, float_check=False, executor=client.get_executor(pure=False)):
        rows.append(row)
        if len(rows) == 1:  # a fast row came back while a slow one is being computed: kill it
            killed = _long_running(client)
            assert killed is not None, "no configuration was being computed"
            os.kill(client.run(os.getpid)[killed], signal.SIGKILL)
    assert len(rows) == 12
    assert report_rows(rows) == expected
    assert killed not in client.scheduler_info(n_workers=-1)["workers"]  # it did die
    client.wait_for_workers(2)  # the nanny restarts it


def _start(args, log):
    # the workers import the tnrank under test, whatever is installed
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(tnrank.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env=env)


@pytest.fixture(scope="module")
def dask_cli_cluster(tmp_path_factory):
    """``dask scheduler`` and ``dask worker`` (two worker processes), as separate processes."""
    dask = shutil.which("dask") or pytest.skip("the dask command is not on PATH")
    where = tmp_path_factory.mktemp("dask-cli")
    file = where / "scheduler.json"
    log = open(where / "log.txt", "w")
    procs = [_start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(file)], log)]
    try:
        for _ in range(600):
            if file.exists() and file.stat().st_size:
                break
            time.sleep(0.05)
        procs.append(_start([dask, "worker", "--scheduler-file", str(file), "--nworkers", "2",
                             "--nthreads", "1", "--no-dashboard"], log))
        address = json.loads(file.read_text())["address"]
        with distributed.Client(address, timeout="60s") as c:
            c.wait_for_workers(2, timeout=120)
        yield address
    finally:  # each started its own process group: the tools and the workers they spawned
        for proc in procs:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_cli_scheduler_option_sends_the_sweep_to_dask_workers(dask_cli_cluster, capsys):
    argv = ["verify", "-L", "1", "2", "-M", "2", "-R", "2,3", "-T", "2", "4", "6", "--json"]
    assert main(argv + ["-q"]) == 0
    seq = json.loads(capsys.readouterr().out)
    assert main(argv + ["--scheduler", dask_cli_cluster]) == 0
    out, err = capsys.readouterr()
    assert without_timings(json.loads(out)) == without_timings(seq)
    lines = err.splitlines()
    assert lines[0].startswith(f"  Dask scheduler {dask_cli_cluster}: 2 workers, 2 threads; "
                               "dashboard http://127.0.0.1:")
    assert sum(" done;" in line for line in lines) == 12


@pytest.mark.parametrize("address, fragment", [
    ("tcp://127.0.0.1:1", "cannot reach the Dask scheduler at tcp://127.0.0.1:1 (Connection refused)"),
    ("nonsense", "--scheduler 'nonsense' is not a scheduler address"),
])
def test_a_bad_scheduler_address_is_one_line(capsys, address, fragment):
    code = main(["verify", "-L", "1", "-M", "2", "-R", "2", "-T", "4", "-q", "--scheduler", address])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1


def test_an_inproc_address_is_refused_before_a_client_is_built(capsys, monkeypatch):
    # a client built for it fails, and complains again a minute later when it is collected
    def no_client(*args, **kwargs):
        raise AssertionError("a client was built")

    monkeypatch.setattr(distributed, "Client", no_client)
    code = main(["verify", "-L", "1", "-M", "2", "-R", "2", "-T", "4", "-q", "--scheduler", "inproc://x"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--scheduler 'inproc://x': tnrank reaches a running `dask scheduler` over the network" in err


def test_a_scheduler_killed_mid_sweep_is_one_line(tmp_path):
    dask = shutil.which("dask") or pytest.skip("the dask command is not on PATH")
    file = tmp_path / "scheduler.json"
    log = open(tmp_path / "log.txt", "w")
    procs = [_start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(file)], log)]
    sweep_proc = None
    try:
        for _ in range(600):
            if file.exists() and file.stat().st_size:
                break
            time.sleep(0.05)
        procs.append(_start([dask, "worker", "--scheduler-file", str(file), "--nworkers", "1",
                             "--nthreads", "1", "--no-dashboard"], log))
        address = json.loads(file.read_text())["address"]
        with distributed.Client(address, timeout="60s") as c:
            c.wait_for_workers(1, timeout=120)
        env = dict(os.environ, PYTHONPATH=str(Path(tnrank.__file__).resolve().parents[1]))
        # 20 configurations on one worker thread, the later ones seconds each
        sweep_proc = subprocess.Popen(
            [sys.executable, "-m", "tnrank", "verify", "-L", "2", "-M", "4", "-R", "3,4", "-T", "2..20",
             "--no-float", "--scheduler", address], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env)
        lines = []
        for line in sweep_proc.stderr:
            lines.append(line)
            if "[2/20]" in line:  # rows are coming back: the scheduler goes away
                os.killpg(procs[0].pid, signal.SIGKILL)
                break
        err = "".join(lines) + sweep_proc.stderr.read()
        assert sweep_proc.wait(timeout=60) == 2
        assert err.strip().splitlines()[-1] == (
            f"tnrank verify: error: lost the Dask scheduler at {address} while it worked; the "
            "configurations finished before were kept")
        assert "Traceback" not in err and "CancelledError" not in err
    finally:
        if sweep_proc is not None and sweep_proc.poll() is None:
            sweep_proc.kill()
            sweep_proc.wait()
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        log.close()
