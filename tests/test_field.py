"""The Field value against independent references: Python integers (pow, %, pairs for Gaussian
integers), sympy's factorint and isprime, and the closed form of the Schwartz–Zippel bound."""

import pickle

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrank import GF, PRIME, Field, TnrankError
from tnrank.field import DEFAULT_FIELD, FLOAT32_EXACT, GAUSSIAN_FIELD, as_field
from tnrank.primes import GAUSSIAN_PRIME, LARGEST_PRIME, SECOND_PRIME, check_prime, factorize

SMALL_GAUSSIAN = [3, 7, 11, 19, 43, 10007]


def test_the_constants_are_the_fields_they_claim():
    # the fields built without a primality test are prime fields all the same
    for p in (PRIME, SECOND_PRIME, GAUSSIAN_PRIME, LARGEST_PRIME):
        assert sympy.isprime(p)
    assert GAUSSIAN_PRIME % 4 == 3
    assert DEFAULT_FIELD == GF(PRIME) == Field(PRIME, 1)
    assert GAUSSIAN_FIELD == GF(GAUSSIAN_PRIME**2) == GF(GAUSSIAN_PRIME, 2)
    assert (GAUSSIAN_FIELD.order, GAUSSIAN_FIELD.characteristic, GAUSSIAN_FIELD.degree) == (
        GAUSSIAN_PRIME**2, GAUSSIAN_PRIME, 2)


@pytest.mark.parametrize("n", [2, 3, 4, 9, 49, 121, 169, 225, 1000, 2**31 - 1, 2**31])
def test_gf_reads_an_order_as_sympy_factors_it(n):
    factors = sympy.factorint(n)
    (q, e), = factors.items() if len(factors) == 1 else ((None, None),)
    supported = (e == 1 and n <= LARGEST_PRIME) or (e == 2 and q % 4 == 3 and q < 2**23)
    if supported:
        F = GF(n)
        assert (F.characteristic, F.degree, F.order) == (q, e, n)
    else:
        with pytest.raises(TnrankError):
            GF(n)


def test_names_and_labels_are_the_ones_reports_print():
    F, E = GF(PRIME), GF(GAUSSIAN_PRIME**2)
    assert (F.name, F.symbol, F.label, F.phrase) == (
        "GF(1073741789)", "GF(p)", "prime 1073741789", "mod 1073741789")
    assert (E.name, E.symbol, E.label, E.phrase) == (
        "GF(5931559²)", "GF(q²)", "GF(q²) with q = 5931559", "over GF(5931559²)")
    assert repr(E) == "GF(5931559**2)" and eval(repr(E)) == E and str(E) == E.name


def test_fields_are_values():
    assert GF(7) == Field(np.int64(7)) and hash(GF(7)) == hash(Field(7))
    assert GF(7) != GF(7**2) and len({GF(7), GF(7), GF(49)}) == 2
    assert pickle.loads(pickle.dumps(GAUSSIAN_FIELD)) == GAUSSIAN_FIELD
    assert type(Field(np.int64(7)).characteristic) is int
    with pytest.raises(AttributeError):
        GF(7).characteristic = 11  # type: ignore[misc]


@pytest.mark.parametrize("bad, message", [
    ((91,), "not a prime .91 = 7 × 13"), ((7, 3), "degree 3"), ((7, True), "degree True"),
    ((13, 2), "not 3 mod 4"), ((8_388_617, 2), "not below 2\\*\\*23"), ((2**31, 1), "too large"),
    ((True,), "boolean"), ((7.0,), "not an integer"),
])
def test_bad_fields_are_refused_in_one_line(bad, message):
    with pytest.raises(TnrankError, match=message):
        Field(*bad)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=20),
       p=st.sampled_from([2, 3, 7, 1009, PRIME, LARGEST_PRIME]))
def test_residues_of_integers_are_python_remainders(values, p):
    assert GF(p).residues(values).tolist() == [v % p for v in values]
    exact = [v >> 11 for v in values]  # integers below 2**52 are exact in float64
    assert GF(p).residues(np.array(exact, dtype=float)).tolist() == [v % p for v in exact]


@settings(max_examples=60, deadline=None)
@given(re=st.lists(st.integers(-(2**52), 2**52), min_size=1, max_size=10),
       q=st.sampled_from(SMALL_GAUSSIAN + [GAUSSIAN_PRIME]))
def test_gaussian_residues_are_centred_python_remainders(re, q):
    im = list(reversed(re))
    got = GF(q, 2).residues(np.array(re, dtype=float) + 1j * np.array(im, dtype=float))
    for z, a, b in zip(got.tolist(), re, im, strict=True):
        assert z.real % q == a % q and z.imag % q == b % q
        assert abs(z.real) <= q // 2 and abs(z.imag) <= q // 2


def test_bad_values_name_what_they_are():
    with pytest.raises(TnrankError, match="inputs has non-integer values"):
        GF(7).residues([0.5], "inputs")
    with pytest.raises(TnrankError, match="inputs must be real"):
        GF(7).residues([1j], "inputs")
    with pytest.raises(TnrankError, match="weights has non-integer parts"):
        GF(7, 2).residues([0.5j], "weights")
    with pytest.raises(TnrankError, match="must be numeric"):
        GF(7).residues(["a"], "inputs")


@settings(max_examples=80, deadline=None)
@given(x=st.integers(-(2**52), 2**52), p=st.sampled_from([3, 7, 1009, 16777213, PRIME, LARGEST_PRIME]))
def test_the_centred_reduction_keeps_the_residue_and_centres_it(x, p):
    got = GF(p).centre(np.array([float(x)]))[0]
    assert got == int(got) and (int(got) - x) % p == 0 and abs(got) <= p // 2 + 3
    small = GF(p).centre(np.array([float(x % p)]))[0]  # residues in [0, p): exactly centred
    assert small == (x % p if x % p <= p // 2 else x % p - p)


@pytest.mark.parametrize("p", [2, 3, 7, 1009, PRIME])
def test_inverses_in_gf_p(p):
    F = GF(p)
    for x in {1, 2, p - 1, p // 2, 12345, -3} - {0}:
        if x % p:
            assert F.inverse(x) * x % p == 1


@pytest.mark.parametrize("q", SMALL_GAUSSIAN + [GAUSSIAN_PRIME])
def test_inverses_in_gf_q2_with_pairs_of_python_integers(q):
    F = GF(q, 2)
    rng = np.random.default_rng(q)
    for _ in range(30):
        a, b = (int(v) for v in rng.integers(0, q, 2))
        if a == b == 0:
            continue
        z = F.inverse(complex(a, b))
        c, d = int(z.real), int(z.imag)
        assert ((a * c - b * d) % q, (a * d + b * c) % q) == (1, 0)
        assert abs(c) <= q // 2 and abs(d) <= q // 2


def test_random_elements_are_uniform_residues():
    for F in (GF(7), GF(7, 2)):
        x = F.random(np.random.default_rng(0), (7000,))
        assert x.dtype == F.dtype and x.shape == (7000,)
        assert np.array_equal(F.residues(x), x)  # already in the field's form
        counts = np.unique(x, return_counts=True)[1]
        assert len(counts) == F.order and counts.min() > 0.5 * 7000 / F.order
    # the same draw as two integer draws in a row (real parts, then imaginary parts)
    rng = np.random.default_rng(3)
    re, im = rng.integers(0, 11, (4, 5)), rng.integers(0, 11, (4, 5))
    want = GF(11, 2).residues(re + 1j * im)
    assert np.array_equal(GF(11, 2).random(np.random.default_rng(3), (4, 5)), want)


@pytest.mark.parametrize("F", [GF(7), GF(PRIME), GF(7**2), GAUSSIAN_FIELD])
def test_the_failure_bound_is_schwartz_zippel(F):
    assert F.failure_bound(106, 404) == min(1.0, 107 * 404 / F.order)
    assert F.failure_bound(10**9, 10**9) == 1.0


def test_storage_widths():
    assert GF(PRIME).float_dtype() == np.float64 and GAUSSIAN_FIELD.float_dtype() == np.complex128
    assert GAUSSIAN_FIELD.fits(32) and GAUSSIAN_FIELD.float_dtype(32) == np.complex64
    largest = GF(16777213)  # the largest prime below 2**24
    assert largest.fits(32) and largest.float_dtype(32) == np.float32
    # every residue and centred residue of such a field survives float32
    r = np.arange(largest.characteristic - 5, largest.characteristic, dtype=np.int64)
    assert np.array_equal(r.astype(np.float32).astype(np.int64), r)
    assert FLOAT32_EXACT == 2**24 and not GF(PRIME).fits(32)
    with pytest.raises(TnrankError, match="do not fit 32-bit"):
        GF(PRIME).float_dtype(32)
    with pytest.raises(TnrankError, match="width 16"):
        GF(7).fits(16)


def test_as_field_keeps_a_callers_range():
    assert as_field(7) == GF(7) and as_field(GAUSSIAN_FIELD) is GAUSSIAN_FIELD
    with pytest.raises(TnrankError, match="runs over GF\\(p\\) only"):
        as_field(GAUSSIAN_FIELD, degrees=(1,))
    with pytest.raises(TnrankError, match="`prime` 101 is below the smallest allowed prime 1000"):
        as_field(GF(101), minimum=1000)


@pytest.mark.parametrize("n", [1, 2, 12, 360, 1001, 2**20, 91, 2**31 - 1, 600851475143])
def test_factorize_agrees_with_sympy(n):
    assert factorize(n) == sympy.factorint(n)


@pytest.mark.parametrize("p, ok", [(2, True), (4, False), (561, False), (PRIME, True),
                                   (1073741827, True), (2**31 - 1, True)])
def test_the_prime_check_agrees_with_sympy(p, ok):
    assert sympy.isprime(p) == ok
    if ok:
        assert check_prime(p) == p
    else:
        with pytest.raises(TnrankError, match=f"{p} is not a prime"):
            check_prime(p)
