"""Multiply-accumulates (MACs) and parameters of the trainable cells, and the
width that matches a MAC budget at each depth (numpy-free arithmetic).

Counting rules (per time step, per sequence; checked against an instrumented
count of the ops one step actually runs, see ``tnrank.experiments.counting``):

1. A matrix-vector product with an ``r × d`` matrix costs ``r·d`` MACs when
   both are real, ``2·r·d`` when one is complex, ``4·r·d`` when both are.
   Inputs are one-hot but multiplied as dense vectors (``d`` = vocabulary).
2. An element-wise product or quotient of two length-``r`` tensors costs ``r``
   (real), ``2r`` (one complex) or ``4r`` (both complex).
3. Additions, element-wise nonlinearities (tanh, sigmoid, ReLU, ``|z|``),
   index permutations and the readout layer cost nothing.

Per layer, with width ``N`` (EURNN: complex units; others: real units), input
dimension ``D`` and EURNN capacity ``K``:

* EURNN: ``2ND`` (real input to complex) ``+ 8NK`` (``K`` rotation layers,
  each ``d ⊙ h + o ⊙ h[p]``) ``+ 4N`` (diagonal phase) ``+ 3N`` (modReLU:
  one real quotient, one real-by-complex product). The next layer reads
  ``[Re h, Im h]``, so ``D = 2N`` above the first layer.
* RAC: ``ND + N² + N`` (``W^I``, ``W^H``, Hadamard product), plus ``M·V`` for
  the representation layer ``f`` (``M × V``) in layer 1.
* LSTM: ``4ND + 4N² + 3N`` (gates, cell update ``f⊙c + i⊙g``, ``o⊙tanh c``).

Every depth gets one width for all its layers: the one whose MACs per step
come closest to the budget, accepted when within the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

from tnrank.errors import TnrankError

__all__ = [
    "CELLS",
    "CellSpec",
    "layer_macs",
    "network_macs",
    "network_params",
    "match_width",
    "DEFAULT_TOLERANCE",
    "INITS",
    "DEFAULT_INIT",
    "width_ladder",
]

#: Trainable cells.
CELLS = ("eurnn", "rac", "lstm")
#: Initialisations of an EURNN layer's input weights ``W``: ``reference``
#: draws them from U(-0.01, 0.01) as the EUNN reference code does; ``normal``
#: from N(0, 1/D). The other parameters start the same way under both.
INITS = ("reference", "normal")
#: The default (chosen by a measured comparison, see docs/experiments.md).
DEFAULT_INIT = "normal"
#: Default relative tolerance of MAC matching.
DEFAULT_TOLERANCE = 0.05
_MAX_WIDTH = 20_000


@dataclass(frozen=True)
class CellSpec:
    """Everything besides width and depth that fixes a network's size.

    Parameters
    ----------
    cell : {"eurnn", "rac", "lstm"}
    vocab : int
        One-hot input size ``V``.
    classes : int
        Output classes ``C`` (for the parameter count).
    capacity : int
        EURNN capacity ``K`` (number of rotation layers).
    representation : int
        RAC representation size ``M`` (``f`` maps ``V`` symbols to ``R^M``).
    """

    cell: str
    vocab: int
    classes: int
    capacity: int = 2
    representation: int = 0

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise TnrankError(f"unknown cell {self.cell!r}; use one of {', '.join(CELLS)}")
        if self.capacity < 1:
            raise TnrankError(f"EURNN capacity must be at least 1, got {self.capacity}")
        if self.cell == "rac" and self.representation < 1:
            raise TnrankError(f"RAC representation size M must be at least 1, got {self.representation}")

    @property
    def min_width(self) -> int:
        return 2 if self.cell == "eurnn" else 1


def _layer_input(spec: CellSpec, width: int, first: bool) -> int:
    if first:
        return spec.representation if spec.cell == "rac" else spec.vocab
    return 2 * width if spec.cell == "eurnn" else width


def layer_macs(spec: CellSpec, width: int, first: bool) -> int:
    """MACs per step of one layer (see the module's counting rules)."""
    N, D = width, _layer_input(spec, width, first)
    if spec.cell == "eurnn":
        return 2 * N * D + 8 * N * spec.capacity + 4 * N + 3 * N
    if spec.cell == "rac":
        rep = spec.representation * spec.vocab if first else 0
        return rep + N * D + N * N + N
    return 4 * N * D + 4 * N * N + 3 * N


def network_macs(spec: CellSpec, depth: int, width: int) -> int:
    """MACs per step of a stack of ``depth`` layers of one ``width`` (no readout).

    Examples
    --------
    >>> spec = CellSpec("lstm", vocab=10, classes=9)
    >>> network_macs(spec, 1, 8) == 4 * 8 * 10 + 4 * 64 + 24
    True
    """
    return sum(layer_macs(spec, width, k == 0) for k in range(depth))


def _rotation_params(width: int, capacity: int) -> int:
    # layer k pairs (s, s+1), (s+2, s+3), ... with s = k mod 2; each pair has (theta, phi)
    return sum(2 * ((width - (k % 2)) // 2) for k in range(capacity))


def network_params(spec: CellSpec, depth: int, width: int) -> int:
    """Trainable parameters, readout included (equals the torch model's count)."""
    total = 0
    N, C = width, spec.classes
    for k in range(depth):
        D = _layer_input(spec, width, k == 0)
        if spec.cell == "eurnn":
            total += 2 * N * D + _rotation_params(N, spec.capacity) + N + N  # + phases, modReLU bias
        elif spec.cell == "rac":
            total += (spec.representation * spec.vocab if k == 0 else 0) + N * D + N * N
        else:
            total += 4 * N * D + 4 * N * N + 4 * N
    if spec.cell == "eurnn":
        total += 2 * N * C + C
    elif spec.cell == "rac":
        total += N * C  # y = <w^O, h>: no bias, as in the circuit
    else:
        total += N * C + C
    return total


def match_width(spec: CellSpec, depth: int, budget: int, tolerance: float = DEFAULT_TOLERANCE) -> int:
    """The width whose MACs per step are closest to ``budget`` at ``depth``.

    Parameters
    ----------
    spec : CellSpec
    depth : int
    budget : int
        Target MACs per step.
    tolerance : float
        Largest accepted ``|macs - budget| / budget``.

    Returns
    -------
    int

    Raises
    ------
    TnrankError
        When no width at this depth comes within the tolerance.

    Examples
    --------
    >>> spec = CellSpec("eurnn", vocab=34, classes=33, capacity=2)
    >>> [match_width(spec, L, 20000) for L in (1, 2, 3)]
    [220, 58, 42]
    """
    if depth < 1:
        raise TnrankError(f"depth must be at least 1, got {depth}")
    if budget < 1:
        raise TnrankError(f"MAC budget must be at least 1, got {budget}")
    if not 0 < tolerance < 1:
        raise TnrankError(f"MAC tolerance must lie between 0 and 1, got {tolerance}")
    w0 = spec.min_width
    smallest = network_macs(spec, depth, w0)
    if smallest > budget * (1 + tolerance):
        raise TnrankError(
            f"a MAC budget of {budget:,} is too small for depth {depth} ({spec.cell}): its narrowest "
            f"network (width {w0}) needs {smallest:,} MACs per step; raise --macs to at least "
            f"{smallest:,} or drop depth {depth}"
        )
    best, best_err = w0, abs(smallest - budget)
    w = w0
    while w < _MAX_WIDTH:
        w += 1
        macs = network_macs(spec, depth, w)
        if abs(macs - budget) < best_err:
            best, best_err = w, abs(macs - budget)
        if macs > budget:
            break
    if best_err > tolerance * budget:
        got = network_macs(spec, depth, best)
        raise TnrankError(
            f"no width at depth {depth} ({spec.cell}) comes within {tolerance:.0%} of {budget:,} MACs "
            f"per step (closest: width {best}, {got:,} MACs); change --macs or raise --mac-tolerance"
        )
    return best


def width_ladder(spec: CellSpec, depth: int, low: int, high: int,
                 ratio: float = 1.0) -> list[tuple[int, int]]:
    """``(width, MACs per step)`` of the widths whose MACs lie in ``[low, high]``,
    thinned so that consecutive MACs grow by at least ``ratio`` (the capacity sweep's candidates).

    Examples
    --------
    >>> spec = CellSpec("eurnn", vocab=10, classes=9, capacity=2)
    >>> width_ladder(spec, 3, 200, 1300)
    [(2, 210), (3, 339), (4, 484), (5, 645), (6, 822), (7, 1015), (8, 1224)]
    >>> [w for w, _ in width_ladder(spec, 1, 80, 1300, ratio=1.5)]
    [2, 3, 5, 8, 12, 18, 27]
    """
    if depth < 1:
        raise TnrankError(f"depth must be at least 1, got {depth}")
    if not 1 <= low <= high:
        raise TnrankError(f"a MAC range needs 1 <= low <= high, got {low:,} to {high:,}")
    if ratio < 1:
        raise TnrankError(f"the MAC ratio between candidates must be at least 1, got {ratio}")
    out: list[tuple[int, int]] = []
    w = spec.min_width
    while w < _MAX_WIDTH:
        macs = network_macs(spec, depth, w)
        if macs > high:
            break
        if macs >= low and (not out or macs >= out[-1][1] * ratio):
            out.append((w, macs))
        w += 1
    return out
