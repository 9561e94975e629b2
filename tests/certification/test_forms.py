"""The family of closed forms: templates, exact interpolation, recurrences and their text,
each against sympy (an independent implementation of the same mathematics)."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy
from sympy.parsing.sympy_parser import (
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from tnrank.certification.forms import (
    FAMILIES,
    Form,
    fit_forms,
    format_polynomial,
    template_named,
    templates,
)
from tnrank.errors import TnrankError

n_sym = sympy.Symbol("n")


def parse(text: str) -> sympy.Expr:
    """A polynomial as tnrank writes it (``9n(n + 3)/2``, ``n^2``) read by sympy."""
    transformations = (*standard_transformations, implicit_multiplication_application)
    return parse_expr(text.replace("^", "**"), local_dict={"n": n_sym}, transformations=transformations)


@pytest.mark.parametrize("seed", range(40))
def test_polynomial_text_is_the_polynomial(seed):
    """format_polynomial's factored text, read back by sympy, is the polynomial given."""
    rng = random.Random(seed)
    degree = rng.randint(0, 4)
    coeffs = [Fraction(rng.randint(-9, 9), rng.choice([1, 1, 2, 3, 6])) for _ in range(degree + 1)]
    if rng.random() < 0.5:  # integer roots, to exercise the factoring
        roots = [rng.randint(-4, 4) for _ in range(degree)]
        poly = sympy.Rational(rng.randint(1, 9), rng.choice([1, 2])) * sympy.prod([n_sym - r for r in roots])
        coeffs = [Fraction(str(c)) for c in reversed(sympy.Poly(poly, n_sym).all_coeffs())]
    expected = sum(sympy.Rational(str(c)) * n_sym**k for k, c in enumerate(coeffs))
    assert sympy.simplify(parse(format_polynomial(coeffs)) - expected) == 0


def test_polynomial_text_examples():
    assert format_polynomial([0, Fraction(27, 2), Fraction(9, 2)]) == "9n(n + 3)/2"
    assert format_polynomial([2, 3, 1]) == "(n + 1)(n + 2)"
    assert format_polynomial([1, 2, 1]) == "(n + 1)^2"
    assert format_polynomial([-2, 3, 2, 1]) == "n^3 + 2n^2 + 3n - 2"
    assert format_polynomial([Fraction(3, 2), 1]) == "(2n + 3)/2"


@pytest.mark.parametrize("seed", range(20))
def test_fitted_polynomial_is_sympys_interpolation(seed):
    """The polynomial family fits what sympy.interpolate gives through the same first points,
    and predicts the rest of a sequence of that degree."""
    rng = random.Random(seed)
    degree = rng.randint(0, 4)
    coeffs = [rng.randint(-20, 20) for _ in range(degree)] + [rng.randint(1, 20)]
    xs = list(range(1, degree + 4))
    values = [sum(c * x**k for k, c in enumerate(coeffs)) for x in xs]
    fits = fit_forms([{"n": x} for x in xs], [{}] * len(xs), values, axis="n")
    poly = next(f for f in fits if f.form.family == "polynomial")
    assert poly.fitted == tuple(range(degree + 1)) and poly.start == 0
    expected = sympy.interpolate(list(zip(xs[:degree + 1], values[:degree + 1], strict=True)), n_sym)
    ours = sum(sympy.Rational(str(c)) * n_sym**k for k, c in enumerate(poly.form.parameters))
    assert sympy.expand(ours - expected) == 0


def test_recurrence_is_sympys_linear_recurrence():
    """Fibonacci-like sequences: the coefficients are those sympy's find_linear_recurrence
    finds on the whole sequence, and the form predicts every held-out value."""
    for a, b, x0, x1 in [(1, 1, 1, 1), (2, 3, 1, 0), (1, 2, 2, 5), (3, -1, 1, 4)]:
        seq = [x0, x1]
        for _ in range(8):
            seq.append(a * seq[-1] + b * seq[-2])
        fits = fit_forms([{"n": k} for k in range(1, 11)], [{}] * 10, seq, axis="n")
        rec = next(f for f in fits if f.form.family == "recurrence")
        coeffs = [Fraction(str(c)) for c in _sympy_recurrence(seq)]
        assert list(rec.form.parameters) == coeffs == [a, b]
        assert rec.fitted == (0, 1, 2, 3) and rec.predicted == tuple(range(4, 10))


def _sympy_recurrence(seq):
    """sympy's find_linear_recurrence on a sequence given by its terms."""
    k = sympy.Symbol("k", integer=True)
    terms = sympy.Piecewise(*[(v, sympy.Eq(k, i)) for i, v in enumerate(seq)])
    return sympy.sequence(terms, (k, 0, len(seq) - 1)).find_linear_recurrence(len(seq))


def test_templates_are_the_binomials_and_powers_they_name():
    """Each template against sympy's binomial and power at a grid of points."""
    R, M, n = sympy.symbols("R M n")
    sizes = {"R": R, "M": M, "min(M,R)": sympy.Min(M, R), "R - M": R - M}
    for t in templates():
        x = sizes.get(t.size)
        factor = 1 if t.factor is None else sizes[t.factor]
        if t.atom == "product":
            factor = sympy.Piecewise((0, factor < 1), (sympy.binomial(factor + n - 1, n), True))
        if t.atom == "one":
            expr = factor
        elif t.atom == "power":
            expr = factor * x**n
        else:
            top = x + n - (0 if t.atom == "monomials" else 1)
            expr = factor * sympy.Piecewise((0, top < n), (sympy.binomial(top, n), True))
        for r in range(1, 5):
            for m in range(1, 5):
                for k in range(1, 6):
                    assert t({"n": k, "R": r, "M": m}) == expr.subs({R: r, M: m, n: k}), (t.name, r, m, k)
        assert template_named(t.name) == t


def test_form_json_round_trip():
    form = Form("bound minus scaled template", (Fraction(-3, 2),), template_named("R·C(R + n, n)"),
                "state degree")
    assert Form.from_dict(form.to_dict()) == form
    assert form.text() == "state degree - (-3/2)·R·C(R + n, n)"
    with pytest.raises(TnrankError, match="family"):
        Form.from_dict({"family": "spline"})
    with pytest.raises(TnrankError, match="template"):
        template_named("C(R + 2n, n)")


def test_families_are_ordered_and_documented():
    import tnrank.certification.forms as forms

    for family in FAMILIES:
        assert family in forms.__doc__


def test_min_held_out_is_checked():
    with pytest.raises(TnrankError, match="min_held_out"):
        fit_forms([{"n": 1}] * 3, [{}] * 3, [1, 2, 3], axis="n", min_held_out=0)
