"""Instrumented MAC count: run one time step and count the multiplications
the ops actually perform (PyTorch's dispatch layer sees every op).

This is the independent check of the closed forms in
:mod:`tnrank.experiments.budget`, under the same counting rules: matrix
products ``r·d`` per sample, element-wise products and quotients one per
element, ×2 when one operand is complex and ×4 when both are; everything
else is free.
"""

from __future__ import annotations

import math

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from tnrank.experiments.cells import StackedRNN

__all__ = ["MacCounter", "count_step_macs"]

_aten = torch.ops.aten
_ELEMENTWISE = {_aten.mul.Tensor, _aten.div.Tensor}
_MATMUL = {_aten.mm.default, _aten.addmm.default, _aten.bmm.default, _aten.mv.default}


def _factor(*tensors) -> int:
    complex_count = sum(1 for t in tensors if isinstance(t, torch.Tensor) and t.is_complex())
    return (1, 2, 4)[complex_count]


class MacCounter(TorchDispatchMode):
    """Counts MACs of the ops run inside ``with MacCounter() as c:`` in ``c.macs``."""

    def __init__(self) -> None:
        super().__init__()
        self.macs = 0
        self.ops: dict[str, int] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        n = 0
        if func in _MATMUL:
            a, b = (args[1], args[2]) if func is _aten.addmm.default else (args[0], args[1])
            if func is _aten.mv.default:
                n = a.shape[0] * a.shape[1]
            else:
                n = math.prod(a.shape) * b.shape[-1]
            n *= _factor(a, b)
        elif func in _ELEMENTWISE:
            a, b = args[0], args[1]
            if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.dim() and b.dim():
                n = out.numel() * _factor(a, b)
        if n:
            self.macs += n
            self.ops[str(func)] = self.ops.get(str(func), 0) + n
        return out


def count_step_macs(network: StackedRNN) -> int:
    """MACs of one generic time step (not the first) of ``network`` on one sequence.

    The readout is excluded (counting rule 3); the per-pass coefficients of
    the EURNN (rotation factors, phases) are computed outside the counted step.
    """
    with torch.no_grad():
        x = torch.zeros(1, network.spec.vocab, dtype=network.readout.weight.dtype)
        x[0, 0] = 1.0
        preps = [c.prepare() for c in network.cells]
        states = [c.init_state(1, x.device) for c in network.cells]

        def one_step():
            v = x
            for k, cell in enumerate(network.cells):
                v, states[k] = cell.step(v, states[k], preps[k])

        one_step()  # the first step (RAC: W^H h^0 = 1 skips W^H)
        with MacCounter() as counter:
            one_step()
    return counter.macs
