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

The primality test is python-flint's deterministic one for word-size integers.
"""

from __future__ import annotations

import operator

import numpy as np

from tnrank.errors import TnrankError

__all__ = ["PRIME", "SECOND_PRIME", "MAX_PRIME", "SMALLEST_PRIME", "LARGEST_PRIME", "check_prime"]

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


def check_prime(p: object, *, minimum: int = SMALLEST_PRIME, maximum: int = LARGEST_PRIME) -> int:
    """``p`` as an int if the exact rank supports it, else a :class:`~tnrank.errors.TnrankError`.

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

    Returns
    -------
    int

    Raises
    ------
    TnrankError
        For booleans and non-integers, numbers that are not prime, primes
        below ``minimum`` and primes above :data:`LARGEST_PRIME`.

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
    hint = f"use tnrank.PRIME ({PRIME}) or another prime in [{minimum}, {maximum}]"
    if isinstance(p, bool | np.bool_):
        raise TnrankError(f"modulus {p!r} is a boolean, not a prime; {hint}")
    try:
        value = operator.index(p)
    except TypeError:
        raise TnrankError(f"modulus {p!r} is not an integer; {hint}") from None
    if value > LARGEST_PRIME:
        raise TnrankError(
            f"modulus {value} is above {LARGEST_PRIME} (2**31 - 1), the largest prime the exact "
            f"rank's float64 arithmetic supports; {hint}"
        )
    if value > maximum:
        raise TnrankError(f"modulus {value} is above the largest allowed prime {maximum}; {hint}")
    if value < minimum:
        raise TnrankError(f"modulus {value} is below the smallest allowed prime {minimum}; {hint}")
    import flint  # python-flint: a deterministic primality test for word-size integers

    if not flint.fmpz(value).is_prime():
        factor = _smallest_factor(value)
        detail = f" ({value} = {factor} × {value // factor})" if 1 < factor < value else ""
        raise TnrankError(f"modulus {value} is not a prime{detail}; {hint}")
    return value


def _smallest_factor(n: int) -> int:
    """Smallest prime factor of ``n >= 2`` (``n < 2**31``: trial division is quick)."""
    if n < 2:
        return n
    for d in (2, 3):
        if n % d == 0:
            return d
    d = 5
    while d * d <= n:
        if n % d == 0:
            return d
        if n % (d + 2) == 0:
            return d + 2
        d += 6
    return n


