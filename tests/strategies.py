"""Hypothesis strategies for small random architectures and partitions."""

from __future__ import annotations

from hypothesis import strategies as st

from tnrank import Architecture, Layer, Partition


@st.composite
def architectures(draw, max_depth=3, max_width=3, max_M=3, standard=False):
    """Small architectures of every kind the core accepts (acyclic wiring)."""
    depth = draw(st.integers(1, max_depth))
    M = draw(st.integers(1, max_M))
    if standard:
        return Architecture.rac(depth, draw(st.integers(1, max_width)), M)
    initial = draw(st.sampled_from(["ones", "ones", "state", "zeros"]))
    layers = []
    for k in range(depth):
        width = draw(st.integers(1, max_width))
        choices = ["input"] + [f"l{j}" for j in range(k)]
        sources = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=2, unique=True))
        kinds = ["multiplicative", "additive", "general"]
        if initial == "zeros":
            kinds = ["additive", "general"]
        integration = draw(st.sampled_from(kinds))
        layers.append(Layer(width, tuple(sources), integration, f"l{k}"))
    names = [layer.name for layer in layers]
    output = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
    return Architecture(M=M, layers=layers, output=output, initial=initial)


@st.composite
def partitions(draw, T):
    """A random bipartition of 0..T-1 with both sides non-empty."""
    start = draw(st.lists(st.integers(0, T - 1), min_size=1, max_size=T - 1, unique=True))
    return Partition(T, tuple(start))
