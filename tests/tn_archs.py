"""Architectures of every kind the core accepts, shared by the tensor-network tests."""

from __future__ import annotations

from tnrank import Architecture, Layer

ARCHITECTURES = {
    "rac-1": Architecture.rac(1, 3, 2),
    "rac-2": Architecture.rac(2, 2, 3),
    "rac-3": Architecture.rac(3, 2, 2),
    "widths": Architecture.rac(3, [3, 1, 2], 2),
    "state": Architecture(M=2, layers=[2, 3], initial="state"),
    "skip": Architecture(M=2, layers=[Layer(2), Layer(2, sources=("input", "layer1"))]),
    "two-outputs": Architecture(M=2, layers=[2, 2], output=("layer1", "layer2")),
    "additive": Architecture(M=2, layers=[Layer(2, integration="additive")]),
    "general": Architecture(M=2, layers=[Layer(2, integration="general"), Layer(2)]),
    "zeros": Architecture(
        M=2, layers=[Layer(2, integration="additive"), Layer(2, integration="general")], initial="zeros"
    ),
    "mixed-state": Architecture(
        M=2,
        layers=[Layer(2, integration="general"),
                Layer(3, sources=("input", "layer1"), integration="additive"),
                Layer(2, sources=("layer2", "layer1"))],
        output=("layer3", "layer1"),
        initial="state",
    ),
}
