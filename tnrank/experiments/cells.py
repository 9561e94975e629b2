"""Trainable recurrent cells and their stacks (PyTorch).

* :class:`EURNNCell` — tunable efficient unitary RNN (Jing et al., *Tunable
  Efficient Unitary Neural Networks (EUNN) and their application to RNNs*,
  ICML 2017): ``h_t = modReLU(W x_t + D F_K ⋯ F_1 h_{t-1})`` with complex state,
  where each ``F_k`` is a layer of 2×2 rotations
  ``[[e^{iφ} cos θ, -e^{iφ} sin θ], [sin θ, cos θ]]`` on the pairs
  ``(s, s+1), (s+2, s+3), …`` (``s = k mod 2``, alternating), ``D`` a diagonal
  of phases and ``K`` the capacity. Each layer is applied as
  ``d ⊙ h + o ⊙ h[p]`` (a fixed pair swap ``p``): no loop over rotations.
  The next layer and the readout see ``[Re h, Im h]``.
* :class:`RACCell` — the recurrent arithmetic circuit of Levine et al.
  (arXiv:1710.09431): ``h_t = (W^I v_t) ⊙ (W^H h_{t-1})`` with
  ``W^H h_0 = 1``; layer 1 reads ``v_t = f(x_t) = F e_{x_t}`` (representation
  layer ``F``, ``M × V``). Its forward pass equals :func:`tnrank.evaluate` of
  :meth:`StackedRNN.rac_weights`.
* :class:`LSTMCell` — the usual LSTM, written out gate by gate.

:class:`StackedRNN` stacks any number of layers of one kind and adds a linear
readout (per step for copying, at the last step for Start-End Similarity).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from tnrank.errors import TnrankError
from tnrank.experiments.budget import DEFAULT_INIT, INITS, CellSpec

__all__ = ["EURNNCell", "RACCell", "LSTMCell", "StackedRNN", "build_network", "rotation_layout",
           "INITS", "DEFAULT_INIT"]


def rotation_layout(width: int, capacity: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Index pairs ``(a, b)`` rotated by each of the ``capacity`` layers.

    Layer ``k`` pairs ``(s, s+1), (s+2, s+3), …`` with ``s = k mod 2``.

    Examples
    --------
    >>> [(a.tolist(), b.tolist()) for a, b in rotation_layout(5, 2)]
    [([0, 2], [1, 3]), ([1, 3], [2, 4])]
    """
    out = []
    for k in range(capacity):
        s = k % 2
        a = np.arange(s, width - 1, 2)
        out.append((a, a + 1))
    return out


class EURNNCell(nn.Module):
    """One tunable-unitary layer: ``N`` complex units, input dimension ``D``.

    Parameters
    ----------
    in_dim : int
    width : int
        Complex units ``N`` (at least 2).
    capacity : int
        Number of rotation layers ``K`` (``K = N`` reaches every unitary
        matrix up to the diagonal; small ``K`` is cheap).
    init : {"reference", "normal"}
        Input weights from U(±0.01) or N(0, 1/D) (see :data:`INITS`).
    """

    def __init__(self, in_dim: int, width: int, capacity: int, init: str = DEFAULT_INIT) -> None:
        super().__init__()
        if width < 2:
            raise TnrankError(f"an EURNN layer needs at least 2 complex units, got {width}")
        self.width, self.capacity, self.out_dim = width, capacity, 2 * width
        self.input = nn.Linear(in_dim, 2 * width, bias=False)  # real x -> (Re, Im) of W x
        if init == "reference":
            nn.init.uniform_(self.input.weight, -0.01, 0.01)
        elif init == "normal":
            nn.init.normal_(self.input.weight, std=1.0 / math.sqrt(in_dim))
        else:
            raise TnrankError(f"unknown initialisation {init!r}; use one of {', '.join(INITS)}")
        layout = rotation_layout(width, capacity)
        self.theta = nn.ParameterList()
        self.phi = nn.ParameterList()
        for k, (a, b) in enumerate(layout):
            self.theta.append(nn.Parameter(torch.empty(len(a)).uniform_(-math.pi, math.pi)))
            self.phi.append(nn.Parameter(torch.empty(len(a)).uniform_(-math.pi, math.pi)))
            rest = np.setdiff1d(np.arange(width), np.concatenate([a, b]))
            # values are built in the order [a..., b..., rest...]; `place` puts them at their index
            order = np.concatenate([a, b, rest])
            self.register_buffer(f"place{k}", torch.as_tensor(np.argsort(order)), persistent=False)
            perm = np.arange(width)
            perm[a], perm[b] = b, a
            self.register_buffer(f"perm{k}", torch.as_tensor(perm), persistent=False)
            self.register_buffer(f"rest{k}", torch.ones(len(rest)), persistent=False)
        self.omega = nn.Parameter(torch.empty(width).uniform_(-math.pi, math.pi))
        self.bias = nn.Parameter(torch.zeros(width))  # modReLU bias

    def coefficients(self) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Per rotation layer, ``(d, o, p)`` with ``F_k h = d ⊙ h + o ⊙ h[p]``."""
        out = []
        for k in range(self.capacity):
            th, ph = self.theta[k], self.phi[k]
            c, s = torch.cos(th), torch.sin(th)
            e = torch.polar(torch.ones_like(ph), ph)
            rest = getattr(self, f"rest{k}")
            zero = torch.zeros_like(rest)
            place = getattr(self, f"place{k}")
            d = torch.cat([e * c, torch.complex(c, torch.zeros_like(c)), torch.complex(rest, zero)])[place]
            o = torch.cat([-e * s, torch.complex(s, torch.zeros_like(s)), torch.complex(zero, zero)])[place]
            out.append((d, o, getattr(self, f"perm{k}")))
        return out

    def diagonal(self) -> torch.Tensor:
        return torch.polar(torch.ones_like(self.omega), self.omega)

    def prepare(self) -> dict:
        """Coefficients computed once per forward pass (they do not change within it)."""
        return {"rot": self.coefficients(), "diag": self.diagonal()}

    @staticmethod
    def rotate(h: torch.Tensor, prep: dict) -> torch.Tensor:
        """``U h = D F_K ⋯ F_1 h`` for a batch ``h`` of shape ``(batch, N)``."""
        for d, o, p in prep["rot"]:
            h = d * h + o * h.index_select(1, p)
        return prep["diag"] * h

    def recurrent_matrix(self) -> torch.Tensor:
        """The unitary ``U = D F_K ⋯ F_1`` as a dense ``N × N`` matrix."""
        eye = torch.eye(self.width, dtype=torch.complex64 if self.omega.dtype == torch.float32
                        else torch.complex128, device=self.omega.device)
        return self.rotate(eye, self.prepare()).T  # rows of rotate(I) are U e_j

    def init_state(self, batch: int, device) -> torch.Tensor:
        dtype = torch.complex64 if self.omega.dtype == torch.float32 else torch.complex128
        return torch.zeros(batch, self.width, dtype=dtype, device=device)

    def step(self, x: torch.Tensor, h: torch.Tensor, prep: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """One step: ``h = modReLU(W x + U h)``; returns ``([Re h, Im h], h)``."""
        wx = self.input(x)
        z = torch.complex(wx[:, :self.width], wx[:, self.width:]) + self.rotate(h, prep)
        r = z.abs()
        h = z * (torch.relu(r + self.bias) / (r + 1e-6))  # modReLU
        return torch.cat([h.real, h.imag], dim=1), h


class RACCell(nn.Module):
    """One multiplicative-integration layer of a recurrent arithmetic circuit.

    Parameters
    ----------
    in_dim : int
        Dimension of what the layer reads (``M`` for layer 1, else the width
        below).
    width : int
        Hidden channels ``R``.
    vocab : int, optional
        For layer 1: the one-hot vocabulary ``V``; the layer then owns the
        representation ``F`` (``in_dim × V``) and reads ``v_t = F e_{x_t}``.
    """

    def __init__(self, in_dim: int, width: int, vocab: int | None = None) -> None:
        super().__init__()
        self.width, self.out_dim = width, width
        self.representation = None
        if vocab is not None:
            # f starts near the constant 1 in the first coordinate so products stay near 1
            self.representation = nn.Linear(vocab, in_dim, bias=False)
            with torch.no_grad():
                self.representation.weight.normal_(0.0, 0.3)
                self.representation.weight[0] = 1.0
        self.w_in = nn.Linear(in_dim, width, bias=False)
        self.w_hid = nn.Linear(width, width, bias=False)
        with torch.no_grad():
            self.w_in.weight.normal_(0.0, 0.3 / math.sqrt(in_dim))
            self.w_in.weight[:, 0] += 1.0
            self.w_hid.weight.copy_(torch.eye(width) + 0.3 / math.sqrt(width) * torch.randn(width, width))

    def prepare(self) -> dict:
        return {}

    def init_state(self, batch: int, device):
        return None  # W^H h^0 = 1 (the paper's convention)

    def step(self, x: torch.Tensor, h, prep: dict):
        """One step: ``h = (W^I v) ⊙ (W^H h)``, or ``W^I v`` at the first step (``h is None``)."""
        if self.representation is not None:
            x = self.representation(x)
        a = self.w_in(x)
        h = a if h is None else a * self.w_hid(h)
        return h, h


class LSTMCell(nn.Module):
    """A standard LSTM layer (forget, input, cell, output gates)."""

    def __init__(self, in_dim: int, width: int) -> None:
        super().__init__()
        self.width, self.out_dim = width, width
        self.w_in = nn.Linear(in_dim, 4 * width)
        self.w_hid = nn.Linear(width, 4 * width, bias=False)
        with torch.no_grad():
            self.w_in.bias[:width] = 1.0  # forget-gate bias 1

    def prepare(self) -> dict:
        return {}

    def init_state(self, batch: int, device):
        z = torch.zeros(batch, self.width, device=device)
        return (z, z)

    def step(self, x: torch.Tensor, state, prep: dict):
        """One LSTM step on ``state = (h, c)``; returns ``(h, (h, c))``."""
        h, c = state
        g = self.w_in(x) + self.w_hid(h)
        f, i, u, o = g.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(u)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, (h, c)


class StackedRNN(nn.Module):
    """``depth`` layers of one cell kind and a linear readout of the top layer.

    Parameters
    ----------
    spec : CellSpec
    depth, width : int
    per_step : bool
        Logits at every step (copying) or at the last step only (ses).
    init : {"reference", "normal"}
        EURNN input-weight initialisation (ignored by the other cells).
    """

    def __init__(self, spec: CellSpec, depth: int, width: int, per_step: bool,
                 init: str = DEFAULT_INIT) -> None:
        super().__init__()
        self.spec, self.depth, self.width, self.per_step = spec, depth, width, per_step
        cells = []
        for k in range(depth):
            if spec.cell == "eurnn":
                cells.append(EURNNCell(spec.vocab if k == 0 else 2 * width, width, spec.capacity, init))
            elif spec.cell == "rac":
                cells.append(RACCell(spec.representation if k == 0 else width, width,
                                     vocab=spec.vocab if k == 0 else None))
            else:
                cells.append(LSTMCell(spec.vocab if k == 0 else width, width))
        self.cells = nn.ModuleList(cells)
        self.readout = nn.Linear(cells[-1].out_dim, spec.classes, bias=spec.cell != "rac")

    def forward(self, symbols: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, T, C)`` (per step) or ``(batch, C)`` from symbols ``(batch, T)``."""
        x = nn.functional.one_hot(symbols, self.spec.vocab).to(self.readout.weight.dtype)
        batch, T = symbols.shape
        preps = [c.prepare() for c in self.cells]
        states = [c.init_state(batch, symbols.device) for c in self.cells]
        tops = []
        for t in range(T):
            v = x[:, t]
            for k, cell in enumerate(self.cells):
                v, states[k] = cell.step(v, states[k], preps[k])
            if self.per_step or t == T - 1:
                tops.append(v)
        if self.per_step:
            return self.readout(torch.stack(tops, dim=1))
        return self.readout(tops[-1])

    def rac_weights(self, output_class: int):
        """The trained RAC as :class:`tnrank.Weights` for the score of one class,
        with the representation ``F`` (``M × V``) whose columns are the
        templates of the one-hot symbols."""
        from tnrank.model.architecture import Architecture
        from tnrank.model.weights import Weights

        if self.spec.cell != "rac":
            raise TnrankError(f"only a trained RAC has tnrank weights, this network is {self.spec.cell}")
        arr = lambda t: t.detach().cpu().double().numpy()
        arch = Architecture.rac(self.depth, self.width, self.spec.representation)
        weights = Weights.from_arrays(
            arch,
            input=[arr(c.w_in.weight) for c in self.cells],
            hidden=[arr(c.w_hid.weight) for c in self.cells],
            output=arr(self.readout.weight[output_class]),
        )
        return weights, arr(self.cells[0].representation.weight)


def build_network(spec: CellSpec, depth: int, width: int, per_step: bool, seed: int,
                  init: str = DEFAULT_INIT) -> StackedRNN:
    """A freshly initialised network; ``seed`` fixes the initial weights."""
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        return StackedRNN(spec, depth, width, per_step, init)
    finally:
        torch.random.set_rng_state(gen_state)
