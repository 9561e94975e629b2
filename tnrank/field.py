"""The finite fields of tnrank's exact arithmetic, GF(p) and GF(q²), as one value.

A :class:`Field` says everything tnrank needs to know about where a computation runs:
its characteristic and degree, its order, its names in reports, its checks, how values
become its elements, how random elements are drawn, the one centred reduction, scalar
inverses, the numpy dtypes its elements are stored in, and the Schwartz–Zippel failure
bound of a rank computed at one of its random points. Every stage (weights, evaluation,
elimination, certification, reports) takes a ``Field`` where it computes in a field;
:func:`GF` builds one, in the spirit of galois' ``GF(p**m)``.

Two kinds of field are supported, both exact on numpy arrays:

- ``GF(p)``, degree 1: residues modulo a prime ``p <= 2**31 - 1``, stored as int64 in
  ``[0, p)`` by the evaluation and as centred float64 by the elimination;
- ``GF(q²)``, degree 2: Gaussian integers ``a + bi`` modulo a prime ``q ≡ 3 (mod 4)``
  below ``2**23`` (``i² = -1`` has no root in GF(q), so ``GF(q)[i]`` is a field of ``q²``
  elements), stored as complex128 with centred integer parts.

Why by hand: galois' fields are exact but compute element by element in Python-level
ufuncs and keep their own array type; tnrank's arithmetic runs as float64 and complex128
BLAS products on plain numpy arrays, and needs from the field only its constants, its
conversions and its reduction.

Examples
--------
>>> from tnrank.field import GF
>>> F = GF(7)
>>> F.order, F.name, F.residues([-1, 8], "inputs").tolist()
(7, 'GF(7)', [6, 1])
>>> E = GF(7**2)
>>> E, E.degree, E.label
(GF(7**2), 2, 'GF(q²) with q = 7')
>>> E.inverse(1 + 2j)      # (1 + 2i)(3 + i) = 1 + 7i = 1 mod 7
(3+1j)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tnrank.errors import TnrankError
from tnrank.primes import (
    GAUSSIAN_PRIME,
    LARGEST_PRIME,
    PRIME,
    SECOND_PRIME,
    check_gaussian_prime,
    check_prime,
    is_prime,
)

__all__ = ["Field", "GF", "as_field", "DEFAULT_FIELD", "GAUSSIAN_FIELD", "FLOAT32_EXACT"]

#: float32 holds every integer of absolute value up to this exactly (``2**24``): the limit of
#: 32-bit storage of residues.
FLOAT32_EXACT = 2**24

# primes of tnrank's own constants (the suite checks them): their fields need no primality test
_KNOWN_PRIMES = frozenset({PRIME, SECOND_PRIME, GAUSSIAN_PRIME, LARGEST_PRIME})


@dataclass(frozen=True, repr=False)
class Field:
    """A finite field of tnrank's exact arithmetic: GF(p) (``degree`` 1) or GF(q²) (``degree``
    2, Gaussian integers modulo a prime ``q ≡ 3 mod 4``).

    Parameters
    ----------
    characteristic : int
        The prime ``p`` (at most ``2**31 - 1``) or ``q`` (``≡ 3 mod 4``, below ``2**23``).
    degree : {1, 2}
        1 for GF(p), 2 for GF(q²).

    Raises
    ------
    TnrankError
        For a characteristic that is not a supported prime, or another degree.

    Examples
    --------
    >>> Field(1073741789)
    GF(1073741789)
    >>> Field(5931559, 2).order == 5931559**2
    True
    """

    characteristic: int
    degree: int = 1
    # float copies of p and 1/p for the centred reduction
    _float: float = dataclass_field(init=False, compare=False)
    _inverse: float = dataclass_field(init=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.degree, bool) or self.degree not in (1, 2):
            raise TnrankError(f"field degree {self.degree!r} is not supported; tnrank computes over "
                              "GF(p) (degree 1) and GF(q²) (degree 2)")
        p = self.characteristic
        if self.degree == 2:
            p = check_gaussian_prime(p) if p not in _KNOWN_PRIMES else int(p)
        elif p not in _KNOWN_PRIMES or isinstance(p, bool):
            p = check_prime(p)
        object.__setattr__(self, "characteristic", int(p))
        object.__setattr__(self, "degree", int(self.degree))
        object.__setattr__(self, "_float", float(p))
        object.__setattr__(self, "_inverse", 1.0 / float(p))

    # -- constants and names --------------------------------------------------------------
    @property
    def order(self) -> int:
        """Number of elements, ``p`` or ``q**2``."""
        return int(self.characteristic**self.degree)

    @property
    def gaussian(self) -> bool:
        """True for GF(q²), computed as Gaussian integers (complex numbers with integer parts)."""
        return self.degree == 2

    @property
    def name(self) -> str:
        """The field with its characteristic written out, such as ``GF(1073741789)`` or
        ``GF(5931559²)``."""
        return f"GF({self.characteristic})" if self.degree == 1 else f"GF({self.characteristic}²)"

    @property
    def symbol(self) -> str:
        """``GF(p)`` or ``GF(q²)``, the kind of field without its numbers."""
        return "GF(p)" if self.degree == 1 else "GF(q²)"

    @property
    def label(self) -> str:
        """The run's field as reports name it, ``prime 1073741789`` or
        ``GF(q²) with q = 5931559``."""
        if self.degree == 1:
            return f"prime {self.characteristic}"
        return f"GF(q²) with q = {self.characteristic}"

    @property
    def phrase(self) -> str:
        """A computation in this field as progress lines name it, ``mod 1073741789`` or
        ``over GF(5931559²)``."""
        return f"mod {self.characteristic}" if self.degree == 1 else f"over {self.name}"

    def __repr__(self) -> str:
        if self.degree == 1:
            return f"GF({self.characteristic})"
        return f"GF({self.characteristic}**{self.degree})"

    def __str__(self) -> str:
        return self.name

    # -- storage ------------------------------------------------------------------------
    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of the elements that :meth:`residues` and :meth:`random` return and the
        evaluation computes on, int64 residues in ``[0, p)`` or complex128 Gaussian residues
        with centred parts."""
        return np.dtype(np.complex128) if self.gaussian else np.dtype(np.int64)

    def fits(self, bits: int) -> bool:
        """Whether centred residues (and residues in ``[0, p)``) are stored exactly in floats of
        ``bits`` bits (64: float64 / complex128; 32: float32 / complex64, integers up to
        :data:`FLOAT32_EXACT`).

        >>> GF(16777213).fits(32), GF(1073741789).fits(32), GF(5931559**2).fits(32)
        (True, False, True)
        """
        if bits == 64:
            return True
        if bits == 32:
            return self.characteristic - 1 <= FLOAT32_EXACT
        raise TnrankError(f"storage width {bits!r} is not supported; use 64 or 32 bits")

    def float_dtype(self, bits: int = 64) -> np.dtype[Any]:
        """The dtype the elimination keeps centred residues in: float64 or complex128 for
        ``bits=64``; float32 or complex64 for ``bits=32`` where :meth:`fits` allows.

        >>> GF(7).float_dtype(), GF(7**2).float_dtype(32)
        (dtype('float64'), dtype('complex64'))
        """
        if not self.fits(bits):
            raise TnrankError(f"residues of {self.name} do not fit {bits}-bit floats (integers up "
                              f"to {FLOAT32_EXACT} only); use 64-bit storage or a prime p <= 2**24")
        if self.gaussian:
            return np.dtype(np.complex128 if bits == 64 else np.complex64)
        return np.dtype(np.float64 if bits == 64 else np.float32)

    # -- elements -------------------------------------------------------------------------
    def residues(self, value: object, what: str = "values") -> NDArray[np.int64] | NDArray[np.complex128]:
        """``value`` as elements of the field (:attr:`dtype`): integers reduced to ``[0, p)``,
        or Gaussian integers ``a + bi`` with centred parts for GF(q²) (a real value is
        ``a + 0i``).

        Non-numeric, non-integer, infinite or overflowing values get a one-line
        :class:`~tnrank.errors.TnrankError` naming ``what``.

        >>> GF(7**2).residues([3 + 9j, -4]).tolist()
        [(3+2j), (3+0j)]
        """
        arr = _numeric(value, what)
        if self.gaussian:
            return self._gaussian_residues(arr, what)
        if np.iscomplexobj(arr):
            raise TnrankError(f"{what} must be real, got complex values (elements of {self.name} "
                              "are integers; GF(q²) takes Gaussian integers)")
        p = self.characteristic
        if arr.dtype == np.uint64:
            return (arr % np.uint64(p)).astype(np.int64)
        if not np.issubdtype(arr.dtype, np.integer):
            if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
                raise TnrankError(
                    f"{what} has non-integer values; modular arithmetic (prime {p}) needs "
                    "integers — use float weights for real values"
                )
            if arr.size and np.max(np.abs(arr)) >= 2**62:
                raise TnrankError(f"{what} has integers too large to reduce exactly; reduce them "
                                  f"modulo {p} first")
        return np.mod(arr.astype(np.int64), p)

    def _gaussian_residues(self, arr: NDArray[Any], what: str) -> NDArray[np.complex128]:
        q = self.characteristic
        parts = [arr.real, arr.imag] if np.iscomplexobj(arr) else [arr, np.zeros(arr.shape)]
        out = np.empty(arr.shape, dtype=np.complex128)
        for k, part in enumerate(parts):
            if np.issubdtype(part.dtype, np.integer):
                reduced = np.mod(part.astype(np.int64), q).astype(np.float64)
            else:
                if not np.all(np.isfinite(part)) or not np.all(part == np.round(part)):
                    raise TnrankError(f"{what} has non-integer parts; Gaussian residues modulo {q} "
                                      "need integer real and imaginary parts")
                if part.size and np.max(np.abs(part)) >= 2**53:
                    raise TnrankError(f"{what} has parts too large to reduce exactly; reduce them "
                                      f"modulo {q} first")
                reduced = np.mod(part, q).astype(np.float64)
            self.centre(reduced)
            if k == 0:
                out.real = reduced
            else:
                out.imag = reduced
        return out

    def random(self, rng: np.random.Generator, shape: int | tuple[int, ...]
               ) -> NDArray[np.int64] | NDArray[np.complex128]:
        """Uniform random elements of the given shape, as :meth:`residues` returns them: for
        GF(q²) the real parts are drawn first, then the imaginary parts.

        >>> GF(7).random(np.random.default_rng(0), 3).tolist()
        [5, 4, 3]
        """
        q = self.characteristic
        if self.gaussian:
            real = rng.integers(0, q, size=shape, dtype=np.int64)
            imag = rng.integers(0, q, size=shape, dtype=np.int64)
            return self._gaussian_residues(real + 1j * imag, "random elements")
        return rng.integers(0, q, size=shape, dtype=np.int64)

    # -- arithmetic -----------------------------------------------------------------------
    def centre(self, parts: NDArray[np.floating], scratch: NDArray[np.floating] | None = None
               ) -> NDArray[np.floating]:
        """The one centred reduction: ``x -= p * rint(x / p)`` in place on float integers
        (the float view of complex residues for GF(q²)), returned.

        Integers of absolute value below ``2**53 - 2**32`` come back with ``|x| <= p // 2 + 3``
        (the rounding of ``x / p`` allows the ``+ 3``); residues in ``[0, p)`` come back in
        ``[-(p // 2), p // 2]`` exactly. ``scratch``, an array of ``parts``' shape, saves an
        allocation in loops.

        >>> GF(7).centre(np.array([0.0, 3.0, 4.0, 6.0, -20.0])).tolist()
        [0.0, 3.0, -3.0, -1.0, 1.0]
        """
        t = np.empty_like(parts) if scratch is None else scratch
        np.multiply(parts, self._inverse, out=t)
        np.rint(t, out=t)
        t *= self._float
        parts -= t
        return parts

    def inverse(self, x: int | float | complex) -> int | complex:
        """The inverse of one non-zero element: an int in ``[0, p)``, or for GF(q²)
        ``(a + bi)⁻¹ = (a - bi) / (a² + b²)`` with centred parts (``a² + b² ≠ 0`` as
        ``q ≡ 3 mod 4``).

        >>> GF(7).inverse(3)
        5
        """
        q = self.characteristic
        if not self.gaussian:
            return pow(int(np.real(x)), -1, q)
        z = complex(x)
        a, b = int(round(z.real)) % q, int(round(z.imag)) % q
        n = pow((a * a + b * b) % q, -1, q)
        re, im = a * n % q, -b * n % q
        return complex(re - q if re > q // 2 else re, im - q if im > q // 2 else im)

    def failure_bound(self, rank: int, degree: int) -> float:
        """Schwartz–Zippel: the chance that a matrix whose entries are polynomials of total
        degree ``degree`` in uniform random elements of this field shows rank ``rank`` although
        its generic rank is larger, at most ``(rank + 1) · degree / order`` (an
        ``(rank+1)``-minor is a polynomial of degree ``(rank + 1) · degree``), capped at 1.

        >>> GF(1009).failure_bound(9, 10)
        0.0991...
        """
        return min(1.0, (rank + 1) * degree / self.order)


#: GF(p) for the default prime :data:`~tnrank.primes.PRIME`.
DEFAULT_FIELD = Field(PRIME)
#: GF(q²) for the default Gaussian prime :data:`~tnrank.primes.GAUSSIAN_PRIME`, the field of the
#: last stages and repetitions of certification.
GAUSSIAN_FIELD = Field(GAUSSIAN_PRIME, 2)


def GF(order: int | Field, degree: int | None = None) -> Field:
    """The field of ``order`` elements (a prime ``p``, or ``q**2`` for a prime ``q ≡ 3 mod 4``),
    or the field of characteristic ``order`` and the given ``degree``.

    Parameters
    ----------
    order : int or Field
        ``p`` or ``q**2`` (a Field is returned as it is).
    degree : {1, 2}, optional
        Read ``order`` as the characteristic and build the field of this degree.

    Returns
    -------
    Field

    Raises
    ------
    TnrankError
        For an order that is neither a supported prime nor the square of one.

    Examples
    --------
    >>> GF(1073741789), GF(5931559**2), GF(5931559, 2)
    (GF(1073741789), GF(5931559**2), GF(5931559**2))
    >>> GF(10)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: GF(10): 10 is neither a prime p nor the square q² of a prime ...
    """
    if isinstance(order, Field):
        if degree is not None and degree != order.degree:
            raise TnrankError(f"GF({order!r}, {degree}): the field has degree {order.degree}")
        return order
    if degree is not None:
        return Field(order, degree)
    if isinstance(order, bool) or not isinstance(order, int | np.integer):
        raise TnrankError(f"GF({order!r}): the order must be a whole number, a prime p or a "
                          "square q² of a prime q ≡ 3 mod 4")
    n = int(order)
    q = math.isqrt(n) if n > 0 else 0
    if q * q == n and is_prime(q):
        return Field(q, 2)
    if n in _KNOWN_PRIMES or is_prime(n):
        return Field(n)
    raise TnrankError(f"GF({n}): {n} is neither a prime p nor the square q² of a prime q ≡ 3 "
                      "mod 4; tnrank computes over GF(p) and GF(q²)")


def as_field(value: int | Field, *, name: str = "`prime`", minimum: int = 2,
             maximum: int = LARGEST_PRIME, hint: str | None = None, why_minimum: str = "",
             degrees: tuple[int, ...] = (1, 2)) -> Field:
    """The field meant by a ``prime=`` parameter: a :class:`Field` as it is, a whole number as
    GF(p); checked against the caller's range for ``p`` (``q`` is checked by the field).

    Parameters
    ----------
    value : int or Field
    name : str
        What messages call the parameter.
    minimum, maximum : int
        Range of accepted primes ``p`` of GF(p).
    hint : str, optional
        What messages suggest instead (default: ``tnrank.PRIME`` or another prime in range).
    why_minimum : str
        Why primes below ``minimum`` are refused.
    degrees : tuple of int
        The degrees the caller computes in.

    Examples
    --------
    >>> as_field(7), as_field(GF(7**2))
    (GF(7), GF(7**2))
    >>> as_field(GF(7**2), degrees=(1,))
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: `prime` GF(7**2): this computation runs over GF(p) only; give a prime p
    """
    if isinstance(value, Field):
        if value.degree not in degrees:
            kinds = " or ".join("GF(p)" if d == 1 else "GF(q²)" for d in degrees)
            raise TnrankError(f"{name} {value!r}: this computation runs over {kinds} only; give "
                              f"{'a prime p' if degrees == (1,) else 'another field'}")
        if value.degree == 1:
            check_prime(value.characteristic, minimum=minimum, maximum=maximum, name=name,
                        hint=hint, why_minimum=why_minimum)
        return value
    if 1 not in degrees:
        raise TnrankError(f"{name} {value!r}: give a field of degree {degrees[0]} (tnrank.field.GF)")
    p = check_prime(value, minimum=minimum, maximum=maximum, name=name, hint=hint,
                    why_minimum=why_minimum)
    return Field(p)


def _numeric(value: object, what: str) -> NDArray[Any]:
    """``value`` as a numeric numpy array, or a one-line error naming ``what``."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TnrankError(f"{what}: cannot read as an array ({exc})") from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TnrankError(f"{what} must be numeric, got dtype {arr.dtype}")
    return arr

