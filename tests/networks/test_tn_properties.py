"""Tensor networks of random architectures and of the gallery files: contraction equals
evaluation, the two min-cut algorithms agree, and computed ranks stay below the cut."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import architectures, partitions

import tnrank
from tnrank import PRIME, Partition, evaluate, random_weights
from tnrank.engine.grid import grid_matrix
from tnrank.engine.rank import rank_mod_p
from tnrank.networks.circuit_tensors import evaluate_network
from tnrank.networks.mincut import min_cut, min_cut_bound
from tnrank.networks.unrolling import unroll

GALLERY = sorted((Path(__file__).resolve().parents[2] / "graphs").glob("*.toml"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arch=architectures(max_depth=3, max_width=3, max_M=3), T=st.integers(2, 4), data=st.data())
def test_random_architectures(arch, T, data):
    net = unroll(arch, T)
    w = random_weights(arch, seed=T, prime=PRIME)
    x = np.random.default_rng(T).integers(0, PRIME, size=(3, T, arch.M))
    assert np.array_equal(evaluate_network(net, w, x), evaluate(w, x))
    part = data.draw(partitions(T))
    cut = min_cut(net, part)
    assert cut.bound == min_cut_bound(arch, part)
    assert rank_mod_p(grid_matrix(w, part), PRIME) <= cut.bound


@pytest.mark.parametrize("path", GALLERY, ids=[p.stem for p in GALLERY])
def test_gallery_files(path):
    arch = tnrank.load(path)
    T = 4
    net = unroll(arch, T)
    w = random_weights(arch, seed=0, prime=PRIME)
    x = np.random.default_rng(0).integers(0, PRIME, size=(2, T, arch.M))
    assert np.array_equal(evaluate_network(net, w, x), evaluate(w, x))
    for spec in ("start-end", "interleaved"):
        cut = min_cut(net, spec)
        assert cut.bound == min_cut_bound(arch, spec, T=T)
        assert rank_mod_p(grid_matrix(w, Partition(T, cut.start)), PRIME) <= cut.bound
