"""The tiled elimination on a real Dask LocalCluster: the references' ranks on 100 matrices, tiles
built on the workers, and a worker killed in the middle of an elimination."""

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from tile_cases import cases

distributed = pytest.importorskip("distributed")

from tnrank import Architecture, TnrankError, certify  # noqa: E402
from tnrank.engine.cluster import cluster_rank  # noqa: E402
from tnrank.engine.elimination import float_residues  # noqa: E402
from tnrank.engine.rank import rank_mod_p  # noqa: E402
from tnrank.engine.tiles import ArraySource, Layout  # noqa: E402
from tnrank.field import GAUSSIAN_FIELD, Field  # noqa: E402
from tnrank.primes import GAUSSIAN_PRIME  # noqa: E402

CASES = cases(100, seed=2, max_side=16)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as c:
        c.wait_for_workers(2)
        yield c


def test_cluster_ranks_agree_with_the_references(client):
    assert len(CASES) >= 100 and any(c.tile == 1 for c in CASES)

    def rank(case):
        lay = Layout(*case.matrix.shape, case.field, case.bits, case.tile)
        return cluster_rank(ArraySource(case.matrix), lay, client)

    with ThreadPoolExecutor(8) as pool:  # eight eliminations at once share the cluster
        got = list(pool.map(rank, CASES))
    assert [(g, c) for g, c in zip(got, CASES, strict=True) if g != c.rank] == []
    deadline = time.monotonic() + 10
    while client.who_has() and time.monotonic() < deadline:  # releases reach the scheduler later
        time.sleep(0.1)
    assert not client.who_has()  # every tile was released


class Built(ArraySource):
    """A source that records where its tiles are built (on the workers, not here)."""

    def block(self, *args):
        return super().block(*args) + 0 * os.getpid()

    def part(self, r0, r1, c0, c1):
        return Built(np.ascontiguousarray(self.matrix[r0:r1, c0:c1]))


def test_tiles_are_built_and_kept_on_the_workers(client):
    rng = np.random.default_rng(0)
    A = rng.integers(0, 7, (60, 60))
    lay = Layout(60, 60, Field(7), 32, 20)
    seen = []

    def watch(status):
        seen.append({key.split("-")[2] for keys in client.has_what().values() for key in keys})

    assert cluster_rank(Built(A), lay, client, progress=watch) == rank_mod_p(A, 7)
    assert {"build"} <= seen[0]  # the first step read tiles built on the workers


def test_certify_on_the_cluster_gives_the_report_of_a_run_in_memory(client):
    arch = Architecture.rac(3, 2, 2)
    here = certify(arch, 10, grid="skip").to_dict()
    there = certify(arch, 10, grid="skip", executor=client, tile=50).to_dict()
    for data in (here, there):
        data.pop("seconds", None)
        data["separation"].pop("seconds", None)
    assert there == here and here["separation"]["lower"] == 188
    with pytest.raises(TnrankError, match="`executor` must be a dask.distributed Client"):
        certify(arch, 10, executor=object())


def _big_case():
    rng = np.random.default_rng(11)
    n, r = 360, 300
    L = rng.integers(0, GAUSSIAN_PRIME, (n, r)) + 1j * rng.integers(0, GAUSSIAN_PRIME, (n, r))
    R = rng.integers(-2, 3, (r, n)) + 1j * rng.integers(-2, 3, (r, n))
    return float_residues(L, GAUSSIAN_FIELD) @ R


def test_a_worker_killed_mid_elimination_never_gives_a_wrong_rank():
    A = _big_case()
    expected = rank_mod_p(A, GAUSSIAN_FIELD)
    lay = Layout(*A.shape, GAUSSIAN_FIELD, 32, 60)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as c:
        c.wait_for_workers(2)
        pids = c.run(os.getpid)
        killed = []

        def kill(status):
            if status.step == 2 and not killed:
                victim = sorted(pids)[0]  # holds row blocks 0, 2, 4, ... and work in flight
                os.kill(pids[victim], signal.SIGKILL)
                killed.append(victim)

        try:
            got = cluster_rank(ArraySource(A), lay, c, progress=kill)
        except TnrankError as exc:  # the other permitted outcome: one line, no rank
            assert "\n" not in str(exc) and "no rank was concluded" in str(exc)
        else:
            assert got == expected == 300
        assert killed
