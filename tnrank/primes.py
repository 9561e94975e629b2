"""The prime moduli of tnrank's exact arithmetic, their limits, and the one prime check.

Exact ranks are computed over GF(p). Three limits meet here, lowest layer of the
package so that every stage (weights, evaluation, elimination, certification)
reads them from one place:

- :data:`MAX_PRIME` (``2**30``): the modular evaluation multiplies two residues
  in int64, so its moduli stay below ``2**30``;
- :data:`LARGEST_PRIME` (``2**31 - 1``): the float64 elimination splits larger
  residues into limbs and supports primes up to this one;
- a caller's own minimum, such as certification's ``2**20``, below which a
  Schwartz–Zippel failure bound says nothing.

Some ranks are computed over the larger field GF(q²), as Gaussian integers
``a + bi`` modulo a prime ``q ≡ 3 (mod 4)`` (then ``i² = -1`` has no root in
GF(q), so ``GF(q)[i]`` is a field with ``q²`` elements). numpy's complex128
arithmetic on integer parts is then exact field arithmetic, and one random
point of a field of about ``2**45`` elements gives a Schwartz–Zippel bound that
GF(p) with ``p < 2**31`` needs three or four independent runs to reach.
:data:`GAUSSIAN_PRIME` is the default ``q``; :func:`check_gaussian_prime`
checks others.

The primality test is python-flint's deterministic one for word-size integers.
"""

from __future__ import annotations

import operator
from typing import SupportsIndex

import numpy as np

from tnrank.errors import TnrankError

__all__ = [
    "PRIME", "SECOND_PRIME", "MAX_PRIME", "SMALLEST_PRIME", "LARGEST_PRIME", "check_prime",
    "GAUSSIAN_PRIME", "MAX_GAUSSIAN_PRIME", "check_gaussian_prime", "is_prime", "factorize",
]

#: Default modulus, the largest prime below 2**30 (products of residues fit int64).
PRIME = 1_073_741_789
#: A second prime for independent confirmation runs.
SECOND_PRIME = 1_073_741_783
#: Moduli of the int64 modular evaluation stay below this (products fit int64).
MAX_PRIME = 2**30
#: Smallest modulus :func:`check_prime` accepts by default.
SMALLEST_PRIME = 2
#: Largest prime the float64 elimination supports (``2**31 - 1``, a prime).
LARGEST_PRIME = 2**31 - 1
#: Default ``q`` of the field GF(q²) of Gaussian integers mod ``q``: the largest prime
#: ``q ≡ 3 (mod 4)`` below ``2**22.5`` (field size about 3.5e13; products of centred parts
#: leave room for sums of 512 of them below ``2**53``).
GAUSSIAN_PRIME = 5_931_559
#: Gaussian moduli stay below this: a product of two centred Gaussian residues has parts
#: below ``q**2 / 2 < 2**45``, so 255 of them can be summed exactly in float64.
MAX_GAUSSIAN_PRIME = 2**23


def check_prime(p: object, *, minimum: int = SMALLEST_PRIME, maximum: int = LARGEST_PRIME,
                name: str = "modulus", hint: str | None = None, why_minimum: str = "") -> int:
    """``p`` as an int if the exact rank supports it, else a :class:`~tnrank.errors.TnrankError`.

    The one prime check of tnrank: every modulus a user gives passes here, directly or
    through :class:`tnrank.field.Field`.

    Parameters
    ----------
    p : int
        The modulus (Python or numpy integer).
    minimum : int
        Smallest accepted prime (callers raise it when a small prime would
        make a failure bound meaningless).
    maximum : int
        Largest accepted prime (callers lower it when other arithmetic, such
        as the int64 evaluation, needs smaller residues).
    name : str
        What the messages call ``p`` (a parameter in backticks, such as ```prime```).
    hint : str, optional
        What the messages suggest instead; default: ``tnrank.PRIME`` or another prime in
        range.
    why_minimum : str
        Why primes below ``minimum`` are refused, added to that message.

    Returns
    -------
    int

    Raises
    ------
    TnrankError
        For booleans and non-integers, numbers that are not prime, primes
        below ``minimum`` and primes above ``maximum`` (at most :data:`LARGEST_PRIME`).

    Examples
    --------
    >>> check_prime(1073741789)
    1073741789
    >>> check_prime(91)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: modulus 91 is not a prime (91 = 7 × 13); use tnrank.PRIME (1073741789) ...
    """
    maximum = min(maximum, LARGEST_PRIME)
    if hint is None:
        hint = f"use tnrank.PRIME ({PRIME}) or another prime in [{minimum}, {maximum}]"
    if isinstance(p, bool | np.bool_):
        raise TnrankError(f"{name} {p!r} is a boolean, not a prime; {hint}")
    if not isinstance(p, SupportsIndex):
        raise TnrankError(f"{name} {p!r} is not an integer; {hint}")
    value = operator.index(p)
    if value > maximum:
        raise TnrankError(f"{name} {value} is too large for the exact arithmetic (it must be below "
                          f"{_power_text(maximum + 1)}); {hint}")
    if value >= 2 and not is_prime(value):
        factor = min(factorize(value))
        detail = f" ({value} = {factor} × {value // factor})"
        raise TnrankError(f"{name} {value} is not a prime{detail}; {hint}")
    if value < minimum:
        where = (f"{_power_text(minimum)}: {why_minimum}" if why_minimum else
                 f"the smallest allowed prime {_power_text(minimum)}")
        raise TnrankError(f"{name} {value} is below {where}; {hint}")
    return value


def is_prime(n: int) -> bool:
    """Whether the integer ``n`` is prime (python-flint's test, deterministic for word-size ``n``).

    >>> [n for n in range(20) if is_prime(n)]
    [2, 3, 5, 7, 11, 13, 17, 19]
    """
    if n < 2:
        return False
    import flint  # python-flint: imported on first use, `import tnrank` stays light

    return bool(flint.fmpz(n).is_prime())


def factorize(n: int) -> dict[int, int]:
    """The prime factorization ``{prime: exponent}`` of a whole number ``n >= 1`` (python-flint).

    >>> factorize(360)
    {2: 3, 3: 2, 5: 1}
    >>> factorize(1)
    {}
    """
    if n < 1:
        raise TnrankError(f"only whole numbers >= 1 have a prime factorization, got {n}")
    import flint  # python-flint: imported on first use, `import tnrank` stays light

    return {int(prime): int(exp) for prime, exp in flint.fmpz(n).factor()}


def _power_text(n: int) -> str:
    """``2**k = n`` for a power of two of at least ``2**8``, else ``n``."""
    k = n.bit_length() - 1
    return f"2**{k} = {n}" if k >= 8 and n == 2**k else str(n)


def check_gaussian_prime(q: object, *, name: str = "modulus") -> int:
    """``q`` as an int if Gaussian integers mod ``q`` form the field GF(q²) that tnrank's
    complex arithmetic supports: a prime ``q ≡ 3 (mod 4)`` below :data:`MAX_GAUSSIAN_PRIME`.

    Examples
    --------
    >>> check_gaussian_prime(5931559)
    5931559
    >>> check_gaussian_prime(5)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: modulus 5 is not 3 mod 4, so the Gaussian integers mod 5 are not a field ...
    """
    hint = (f"use tnrank.primes.GAUSSIAN_PRIME ({GAUSSIAN_PRIME}) or another prime q = 3 mod 4 "
            "below 2**23")
    if isinstance(q, int | np.integer) and not isinstance(q, bool) and q >= MAX_GAUSSIAN_PRIME:
        raise TnrankError(f"{name} {q} is not below 2**23, the limit of exact complex128 "
                          f"products of Gaussian residues; {hint}")
    value = check_prime(q, maximum=MAX_GAUSSIAN_PRIME - 1, name=name, hint=hint)
    if value % 4 != 3:
        raise TnrankError(f"{name} {value} is not 3 mod 4, so the Gaussian integers mod {value} "
                          f"are not a field (i² = -1 has a root or {value} = 2); {hint}")
    return value
