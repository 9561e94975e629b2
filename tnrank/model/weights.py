"""Weights of a recurrent arithmetic circuit: random (float, or elements of a finite field),
the paper's witness, or the user's own arrays."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tnrank.errors import TnrankError
from tnrank.field import Field, as_field
from tnrank.model.architecture import Architecture
from tnrank.model.cell_weights import CellParameters, check_cell_parameters, draw_cell_parameters
from tnrank.primes import MAX_PRIME, PRIME

__all__ = [
    "Weights", "random_weights", "witness_weights", "weight_field", "field_array", "check_seed",
]



@dataclass(frozen=True, eq=False)
class Weights:
    """All weights of one circuit, as float64 arrays or elements of a finite field.

    Parameters
    ----------
    architecture : Architecture
        The circuit these weights belong to.
    input : tuple of ndarray
        ``W^{I,l}``, shape ``(R_l, D_l)`` with ``D_l`` the summed dimension of
        the layer's sources.
    hidden : tuple of ndarray
        ``W^{H,l}``, shape ``(R_l, R_l)``.
    output : tuple of ndarray
        ``w^{O}`` restricted to each output layer, shape ``(R_l,)``.
    merge : tuple of ndarray or None
        For ``general`` layers, rows ``(α, β₁, β₂, bias)``, shape ``(4, R_l)``;
        None for the other layers.
    initial : tuple of ndarray or None
        ``h^{0,l}``, shape ``(R_l,)``, when ``architecture.initial == "state"``.
    field : Field or None
        None for float64 weights, else their field: GF(p) (int64 residues in ``[0, p)``) or
        GF(q²) (Gaussian integers ``a + bi`` modulo ``q``, complex128 with centred integer
        parts); a prime ``p`` stands for GF(p).
    cells : tuple of CellParameters or None
        The arrays of each cell layer (:mod:`tnrank.model.cell_weights`); None for the
        other layers. A cell layer's ``input``, ``hidden``, ``merge`` and ``initial`` entries
        are None.

    Notes
    -----
    Use :func:`random_weights`, :func:`witness_weights` or
    :meth:`Weights.from_arrays` rather than calling this directly.
    """

    architecture: Architecture
    input: tuple[np.ndarray | None, ...]
    hidden: tuple[np.ndarray | None, ...]
    output: tuple[np.ndarray, ...]
    merge: tuple[np.ndarray | None, ...]
    initial: tuple[np.ndarray | None, ...]
    field: Field | None = None
    cells: tuple[CellParameters | None, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.field, Field | None):  # a prime p given for its field GF(p)
            object.__setattr__(self, "field", weight_field(self.field))

    def cell(self, k: int) -> CellParameters | None:
        """The arrays of layer ``k`` when it is a cell."""
        return self.cells[k] if self.cells else None

    @classmethod
    def from_arrays(
        cls,
        architecture: Architecture,
        input: Sequence[np.ndarray | None],
        hidden: Sequence[np.ndarray | None],
        output: Sequence[np.ndarray] | np.ndarray,
        merge: Sequence[np.ndarray | None] | None = None,
        initial: Sequence[np.ndarray | None] | None = None,
        prime: int | Field | None = None,
        cells: Sequence[Mapping[str, object] | None] | None = None,
    ) -> Weights:
        """Validate user arrays and wrap them.

        Parameters
        ----------
        architecture : Architecture
        input, hidden : sequence of array_like
            One ``W^{I,l}`` (``R_l × D_l``) and one ``W^{H,l}`` (``R_l × R_l``)
            per layer.
        output : array_like or sequence of array_like
            ``w^O``: one vector per output layer, or a single vector when the
            output reads one layer.
        merge : sequence, optional
            ``(4, R_l)`` arrays ``(α, β₁, β₂, bias)`` for general layers.
        initial : sequence, optional
            ``h^{0,l}`` vectors when the architecture's initial state is
            ``"state"``.
        prime : int or Field, optional
            Treat the arrays as elements of this field: integers modulo a prime
            ``p < 2**30``, or Gaussian integers (real or complex arrays with integer
            parts) for ``GF(q**2)``.
        cells : sequence, optional
            For each cell layer a mapping from its weight names to arrays (a pair ``(U, V)``
            for a low-rank weight) and from the names of states with ``initial = "state"`` to
            their initial values; None for the other layers. A cell layer's ``input`` and
            ``hidden`` entries are None.

        Returns
        -------
        Weights

        Examples
        --------
        >>> import numpy as np
        >>> from tnrank import Architecture, Weights
        >>> arch = Architecture.rac(depth=1, width=2, M=3)
        >>> w = Weights.from_arrays(arch, input=[np.ones((2, 3))], hidden=[np.eye(2)],
        ...                         output=np.ones(2))
        >>> w.input[0].shape
        (2, 3)
        """
        arch = architecture
        if not isinstance(arch, Architecture):
            raise TnrankError("weights need an Architecture as their first argument")
        field = weight_field(prime)
        L = arch.depth
        outs = [output] if len(arch.output) == 1 and _is_vector(output) else list(output)
        merge = list(merge) if merge is not None else [None] * L
        initial = list(initial) if initial is not None else [None] * L
        cells = list(cells) if cells is not None else [None] * L
        for what, seq, n in (
            ("input", input, L),
            ("hidden", hidden, L),
            ("merge", merge, L),
            ("initial", initial, L),
            ("cells", cells, L),
            ("output", outs, len(arch.output)),
        ):
            if len(seq) != n:
                raise TnrankError(
                    f"{len(seq)} {what} array(s) given, the architecture needs {n}; give one "
                    f"per {'output layer' if what == 'output' else 'layer'}"
                )
        conv = _converter(field)
        ins: list[np.ndarray | None] = []
        hids: list[np.ndarray | None] = []
        merges: list[np.ndarray | None] = []
        inits: list[np.ndarray | None] = []
        params: list[CellParameters | None] = []
        for k, layer in enumerate(arch.layers):
            program = arch.program(k)
            if program is not None:
                params.append(check_cell_parameters(program, cells[k], conv, layer.name))
                ins.append(None)
                hids.append(None)
                merges.append(None)
                inits.append(None)
                continue
            params.append(None)
            r, d = layer.width, sum(arch.source_dims(k))
            ins.append(conv(input[k], (r, d), f"input weights W^I of layer {layer.name!r}"))
            hids.append(conv(hidden[k], (r, r), f"hidden weights W^H of layer {layer.name!r}"))
            if layer.integration == "general":
                if merge[k] is None:
                    raise TnrankError(
                        f"layer {layer.name!r} uses general integration; give merge weights "
                        f"(alpha, beta1, beta2, bias) of shape (4, {r})"
                    )
                merges.append(conv(merge[k], (4, r), f"merge weights of layer {layer.name!r}"))
            else:
                merges.append(None)
            if arch.initial == "state":
                if initial[k] is None:
                    raise TnrankError(
                        f"the architecture uses an explicit initial state; give h^0 of shape ({r},) "
                        f"for layer {layer.name!r}"
                    )
                inits.append(conv(initial[k], (r,), f"initial state of layer {layer.name!r}"))
            else:
                inits.append(None)
        outw = tuple(
            conv(o, (arch.layers[arch.index(name)].width,), f"output weights for {name!r}")
            for o, name in zip(outs, arch.output, strict=False)
        )
        return cls(arch, tuple(ins), tuple(hids), outw, tuple(merges), tuple(inits), field,
                   tuple(params) if arch.has_cells else ())

    @property
    def prime(self) -> int | None:
        """The characteristic of :attr:`field` (None for float weights)."""
        return None if self.field is None else self.field.characteristic

    @property
    def is_modular(self) -> bool:
        """True when the weights are elements of a finite field (:attr:`field`)."""
        return self.field is not None

    def to_float(self) -> Weights:
        """The same weights as float64 (residues taken as integers in ``[0, p)``)."""
        if self.field is not None and self.field.gaussian:
            raise TnrankError("Gaussian weights (elements of GF(q²)) have no float form")
        def real(a: np.ndarray) -> np.ndarray:
            return np.asarray(a, dtype=np.float64)

        def maybe(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else real(a)

        return Weights(
            self.architecture,
            tuple(map(maybe, self.input)),
            tuple(map(maybe, self.hidden)),
            tuple(map(real, self.output)),
            tuple(map(maybe, self.merge)),
            tuple(map(maybe, self.initial)),
            None,
            tuple(None if c is None else c.mapped(real) for c in self.cells),
        )

    def reduced(self, prime: int | Field) -> Weights:
        """Integer weights as elements of the field ``prime`` (raises for non-integers)."""
        return Weights.from_arrays(
            self.architecture, self.input, self.hidden, self.output, self.merge,
            self.initial if self.architecture.initial == "state" else None, prime=prime,
            cells=[None if c is None else c.as_mapping() for c in self.cells] or None,
        )


def _is_vector(value: object) -> bool:
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged: a list of vectors of different lengths
        return False
    return arr.ndim == 1 and arr.dtype != object


def weight_field(prime: int | Field | None) -> Field | None:
    """The field of modular weights: None for float weights, GF(p) for a prime ``p < 2**30``
    (products of two residues fit int64), or a given :class:`~tnrank.field.Field`.

    >>> weight_field(7), weight_field(None)
    (GF(7), None)
    """
    if prime is None:
        return None
    return as_field(prime, maximum=MAX_PRIME - 1,
                    hint=f"use tnrank.PRIME ({PRIME}) or another prime below 2**30 so products "
                    "stay inside int64")


def field_array(value: object, field: Field | None, what: str) -> np.ndarray:
    """``value`` as float64 (``field=None``) or as elements of ``field``
    (:meth:`tnrank.field.Field.residues`).

    The one conversion every array entering tnrank's arithmetic goes through:
    non-numeric, complex (outside GF(q²)), infinite, or (for a field) non-integer and
    overflowing values get a one-line :class:`~tnrank.errors.TnrankError` naming ``what``.

    >>> from tnrank.field import GF
    >>> field_array([-1, 8], GF(7), "inputs").tolist()
    [6, 1]
    """
    if field is not None:
        return field.residues(value, what)
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TnrankError(f"{what}: cannot read as an array ({exc})") from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TnrankError(f"{what} must be numeric, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TnrankError(f"{what} must be real, got complex values")
    out = arr.astype(np.float64)
    if not np.all(np.isfinite(out)):
        raise TnrankError(f"{what} contains inf or nan; give finite values")
    return out


def _converter(field: Field | None) -> Callable[[object, tuple[int, ...], str], np.ndarray]:
    def convert(value: object, shape: tuple[int, ...], what: str) -> np.ndarray:
        arr = field_array(value, field, what)
        if arr.shape != shape:
            raise TnrankError(f"{what} has shape {arr.shape}, expected {shape}")
        return arr

    return convert


def random_weights(
    architecture: Architecture,
    seed: int | np.random.Generator | None = 0,
    prime: int | Field | None = None,
) -> Weights:
    """Seeded random weights: standard normal floats, or uniform elements of a finite field.

    Parameters
    ----------
    architecture : Architecture
    seed : int or numpy Generator, optional
        Seed (default 0) for reproducible weights.
    prime : int or Field, optional
        Draw uniform elements of this field instead of floats: integers from ``[0, p)``
        for a prime ``p < 2**30``, or Gaussian integers for ``GF(q**2)`` (``q ≡ 3 mod 4``,
        see :data:`tnrank.primes.GAUSSIAN_PRIME`: a field of ``q**2`` elements for
        Schwartz–Zippel bounds). Every rank computed over the field is then a certified
        lower bound on the rank for generic real weights.

    Returns
    -------
    Weights

    Examples
    --------
    >>> from tnrank import Architecture, random_weights, PRIME
    >>> w = random_weights(Architecture.rac(2, 3, 3), seed=1, prime=PRIME)
    >>> w.field, w.hidden[1].shape
    (GF(1073741789), (3, 3))
    """
    return _draw(architecture, seed, prime, witness=False)


def witness_weights(
    architecture: Architecture,
    seed: int | np.random.Generator | None = 0,
    prime: int | Field | None = None,
) -> Weights:
    """The paper's witness: every ``W^{H,l} = I``, the other weights random.

    With identity hidden weights (and the all-ones initial convention) the
    circuit's output is a symmetric function of each half's inputs, which is
    what the lower bound of Theorem 1 counts (Levine et al.,
    arXiv:1710.09431, proof of Theorem 1).

    Parameters
    ----------
    architecture, seed, prime
        As for :func:`random_weights`.

    Returns
    -------
    Weights
    """
    return _draw(architecture, seed, prime, witness=True)


def check_seed(seed: object) -> int | None:
    """``seed`` when it is None or a whole number >= 0 (numpy's rule), else a TnrankError.

    Examples
    --------
    >>> check_seed(3)
    3
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: seed must be a whole number >= 0, got -1
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TnrankError(f"seed must be a whole number >= 0, got {seed!r}")
    return int(seed)


def _draw(arch: Architecture, seed: int | np.random.Generator | None, prime: int | Field | None,
          witness: bool) -> Weights:
    if not isinstance(arch, Architecture):
        raise TnrankError("random weights need an Architecture")
    field = weight_field(prime)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_seed(seed))

    def draw(shape: tuple[int, ...]) -> np.ndarray:
        if field is None:
            return rng.standard_normal(shape)
        return field.random(rng, shape)

    ins: list[np.ndarray | None] = []
    hids: list[np.ndarray | None] = []
    merges: list[np.ndarray | None] = []
    inits: list[np.ndarray | None] = []
    cells: list[Mapping[str, object] | None] = []
    for k, layer in enumerate(arch.layers):
        program = arch.program(k)
        cells.append(None if program is None else draw_cell_parameters(program, draw))
        if program is not None:
            ins.append(None)
            hids.append(None)
            merges.append(None)
            inits.append(None)
            continue
        r = layer.width
        ins.append(draw((r, sum(arch.source_dims(k)))))
        hids.append(np.eye(r, dtype=np.float64 if field is None else np.int64) if witness
                    else draw((r, r)))
        merges.append(draw((4, r)) if layer.integration == "general" else None)
        inits.append(draw((r,)) if arch.initial == "state" else None)
    outs = [draw((arch.layers[arch.index(n)].width,)) for n in arch.output]
    return Weights.from_arrays(
        arch, ins, hids, outs, merges, inits if arch.initial == "state" else None, prime=field,
        cells=cells,
    )
