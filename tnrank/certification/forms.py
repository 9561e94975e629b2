"""The small family of closed forms that ``tnrank fit`` searches, fitted exactly to integers.

A *form* gives the value at a point from the point's variables (``n = T/2``, or ``T`` for
partitions other than Start-End; ``R`` and ``M``), from the upper bounds tnrank proves there
(``state degree``, ``input degree``, ``min-cut``, ``grid size``) or, for a recurrence, from
the values before it. The family, simplest first:

=============================  ==========================================  =================
family                         example                                     parameters
=============================  ==========================================  =================
bound                          ``state degree``                            0
template                       ``R·C(R + n - 1, n)``                       0
bound minus template           ``state degree - R·C(R - M + n - 1, n)``    0
polynomial                     ``9n(n + 3)/2`` (degree ``d`` ≤ 8)          ``d + 1``
scaled template                ``3·M^n``                                   1
bound times constant           ``(1/2)·state degree``                      1
bound minus scaled template    ``state degree - 4·C(R - M + n - 1, n)``    1
bound minus polynomial         ``state degree - 4``                        ``d + 1``
recurrence                     ``v(n) = v(n - 1) + v(n - 2)``              ``k`` (order ≤ 4)
=============================  ==========================================  =================

A *template* is a binomial or a power in the length variable, times 1, ``R`` or ``M``
(:func:`templates`): ``C(X + n - 1, n)`` (multisets of size ``n`` from ``X`` items: the
paper's Theorem 1 with ``X = min(M,R)``), ``C(X + n, n)`` (monomials of degree at most
``n``) and ``X^n``, for ``X`` among ``R``, ``M``, ``min(M,R)`` and ``R - M`` (no power of
``R - M``); or a product ``C(X + n - 1, n)·C(Y + n - 1, n)`` of two multiset counts.
``C(a, b)`` is 0 when ``a < b`` or ``a < 0``. Polynomials and recurrences need
values along one axis (``T``, ``R`` or ``M``); values spread over several axes use the
other families (and constants).

Every fit is exact, over :class:`fractions.Fraction`: a form's parameters come from the
first values of the sequence (``max(1, parameters)`` of them; ``2k`` for a recurrence of
order ``k``), and every later value must equal the form's value there. The search is
written here rather than taken from sympy, whose ``interpolate`` and
``find_linear_recurrence`` fit one kind of form to all the values given: a fit here is
chosen on a prefix and must predict held-out values, across binomials and bounds as well.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from tnrank.errors import TnrankError

__all__ = ["FAMILIES", "MAX_ORDER", "MAX_DEGREE", "Template", "templates", "template_named", "Form",
           "FormFit", "fit_forms", "format_number", "format_polynomial", "max_skipped"]

#: The families of forms, simplest first among forms fitted on as many values.
FAMILIES = ("bound", "template", "bound minus template", "polynomial", "scaled template",
            "bound times constant", "bound minus scaled template", "bound minus polynomial",
            "recurrence")
#: Families fitted along one axis only.
ONE_AXIS = ("polynomial", "bound minus polynomial", "recurrence")
#: Highest recurrence order searched.
MAX_ORDER = 4
#: Highest polynomial degree searched.
MAX_DEGREE = 8
#: Largest integer root tried when a fitted polynomial is written in factors.
_ROOT_SEARCH = 64

Variables = Mapping[str, int]


def _comb(top: int, k: int) -> int:
    return math.comb(top, k) if 0 <= k <= top else 0


# ------------------------------------------------------------------------------ templates
_SIZES: dict[str, Callable[[Variables], int]] = {
    "R": lambda v: v["R"],
    "M": lambda v: v["M"],
    "min(M,R)": lambda v: min(v["M"], v["R"]),
    "R - M": lambda v: v["R"] - v["M"],
}
_ATOMS = ("multisets", "monomials", "power")


@dataclass(frozen=True)
class Template:
    """One template of the family: a binomial or power in the length, times 1, ``R`` or ``M``,
    or a product of two binomials.

    Attributes
    ----------
    atom : str
        ``multisets`` (``C(X + n - 1, n)``), ``monomials`` (``C(X + n, n)``), ``power``
        (``X^n``), ``product`` (``C(X + n - 1, n)·C(Y + n - 1, n)``) or ``one`` (the factor
        alone).
    size : str or None
        ``X``: ``R``, ``M``, ``min(M,R)`` or ``R - M`` (None for ``one``).
    factor : str or None
        ``R``, ``M`` or None (1); for a product, ``Y``.
    length : str
        The length variable, ``n`` (``T/2``) or ``T``.

    Examples
    --------
    >>> t = Template("multisets", "R", "R", "n")
    >>> t.name, t({"n": 4, "R": 3, "M": 2})
    ('R·C(R + n - 1, n)', 45)
    """

    atom: str
    size: str | None
    factor: str | None
    length: str = "n"

    @property
    def name(self) -> str:
        """The template as text, e.g. ``C(R - M + n - 1, n)``."""
        k = self.length
        if self.atom == "one":
            return str(self.factor)
        if self.atom == "product":
            return f"C({self.size} + {k} - 1, {k})·C({self.factor} + {k} - 1, {k})"
        if self.atom == "power":
            base = self.size if self.size in ("R", "M") else f"{self.size}"
            body = f"{base}^{k}"
        elif self.atom == "multisets":
            body = f"C({self.size} + {k} - 1, {k})"
        else:
            body = f"C({self.size} + {k}, {k})"
        return body if self.factor is None else f"{self.factor}·{body}"

    def __call__(self, v: Variables) -> int | None:
        """The template's value at the point ``v`` (None when a variable it needs is missing)."""
        try:
            k = v[self.length]
            if self.atom == "product":
                factor = _comb(_SIZES[str(self.factor)](v) + k - 1, k)
            else:
                factor = 1 if self.factor is None else v[self.factor]
            if self.atom == "one":
                return factor
            x = _SIZES[str(self.size)](v)
        except (KeyError, TypeError):
            return None
        if not all(isinstance(z, int) for z in (k, factor, x)):
            return None
        if self.atom == "power":
            return int(factor * x**k)
        return factor * _comb(x + k - (self.atom != "monomials"), k)


def templates(length: str = "n") -> list[Template]:
    """Every template of the family for the length variable ``length``, simplest first.

    >>> [t.name for t in templates()][:3]
    ['C(R + n - 1, n)', 'C(M + n - 1, n)', 'C(min(M,R) + n - 1, n)']
    >>> len(templates())
    45
    """
    out = []
    for factor in (None, "R", "M"):
        for atom in _ATOMS:
            for size in _SIZES:
                if atom == "power" and size == "R - M":
                    continue
                out.append(Template(atom, size, factor, length))
    out += [Template("one", None, "R", length), Template("one", None, "M", length)]
    sizes = list(_SIZES)
    out += [Template("product", x, y, length) for i, x in enumerate(sizes) for y in sizes[i:]]
    return out


def template_named(name: str) -> Template:
    """The template whose :attr:`Template.name` is ``name``.

    Raises
    ------
    TnrankError
        When no template of the family has that name.
    """
    for length in ("n", "T"):
        for t in templates(length):
            if t.name == name:
                return t
    raise TnrankError(f"{name!r} is not a template of the family (see tnrank.certification.forms)")


# ------------------------------------------------------------------------------ text
def format_number(x: Fraction | int) -> str:
    """``1,604``, ``-4`` or ``9/2``: an integer with thousands separators, else a fraction.

    >>> format_number(Fraction(1604)), format_number(Fraction(-9, 2))
    ('1,604', '-9/2')
    """
    x = Fraction(x)
    return f"{x.numerator:,}" if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def _poly_eval(coeffs: Sequence[Fraction | int], x: int | Fraction) -> Fraction:
    total = Fraction(0)
    for c in reversed(coeffs):
        total = total * x + c
    return total


def _monomial(c: int, power: int, var: str, first: bool) -> str:
    sign = "-" if c < 0 else ("" if first else "+")
    c = abs(c)
    body = var if power == 1 else (f"{var}^{power}" if power else "")
    digits = "" if c == 1 and power else str(c)
    text = f"{digits}{body}"
    return f"{sign}{text}" if first else f" {sign} {text}"


def _integer_poly_text(coeffs: Sequence[int], var: str) -> str:
    terms = [(c, p) for p, c in enumerate(coeffs) if c]
    return "".join(_monomial(c, p, var, i == 0) for i, (c, p) in enumerate(reversed(terms))) or "0"


def format_polynomial(coeffs: Sequence[Fraction | int], var: str = "n") -> str:
    """A polynomial (coefficients from the constant term up) in factored, readable form.

    The common denominator and the integer content come out front, integer roots as
    factors ``(n + 3)``; what is left is written out.

    Examples
    --------
    >>> format_polynomial([0, Fraction(27, 2), Fraction(9, 2)])
    '9n(n + 3)/2'
    >>> format_polynomial([-2, 3, 2, 1]), format_polynomial([4]), format_polynomial([0, -1])
    ('n^3 + 2n^2 + 3n - 2', '4', '-n')
    """
    coeffs = [Fraction(c) for c in coeffs]
    while len(coeffs) > 1 and coeffs[-1] == 0:
        coeffs.pop()
    if len(coeffs) == 1:
        return format_number(coeffs[0])
    den = math.lcm(*(c.denominator for c in coeffs))
    ints = [int(c * den) for c in coeffs]
    content = math.gcd(*ints) * (1 if ints[-1] > 0 else -1)
    ints = [c // content for c in ints]
    roots: list[int] = []
    for root in sorted(range(-_ROOT_SEARCH, _ROOT_SEARCH + 1), key=lambda r: (r != 0, abs(r), -r)):
        while len(ints) > 1 and _poly_eval(ints, root) == 0:
            ints = _divide_root(ints, root)
            roots.append(root)
    factors = []
    for r in dict.fromkeys(roots):
        base = var if r == 0 else f"({var} {'-' if r > 0 else '+'} {abs(r)})"
        power = roots.count(r)
        factors.append(base if power == 1 else f"{base}^{power}")
    rest = _integer_poly_text(ints, var)
    lead = {1: "", -1: "-"}.get(content, str(content))
    if factors:
        text = lead + "".join(factors) + ("" if rest == "1" else f"({rest})")
    elif " " in rest and content != 1:
        text = f"{lead}({rest})"
    else:
        text = f"{lead}{rest}"
    if den == 1:
        return text
    return f"({text})/{den}" if " " in text and not factors and content == 1 else f"{text}/{den}"


def _divide_root(coeffs: list[int], root: int) -> list[int]:
    """Synthetic division of ``coeffs`` (constant first) by ``(x - root)``."""
    high = list(reversed(coeffs))
    out = [high[0]]
    for c in high[1:-1]:
        out.append(c + out[-1] * root)
    return list(reversed(out))


# ------------------------------------------------------------------------------ forms
@dataclass(frozen=True)
class Form:
    """One closed form: a member of :data:`FAMILIES` with its fitted parameters.

    Attributes
    ----------
    family : str
    parameters : tuple of Fraction
        The scale (scaled families), the polynomial's coefficients from the constant up,
        or the recurrence's coefficients ``c_1 .. c_k`` in
        ``v(x) = c_1 v(x - s) + ... + c_k v(x - k s)``.
    template : Template or None
    bound : str or None
        The name of the upper bound the form uses.
    variable : str or None
        The polynomial's variable, or the axis of a recurrence.
    step : int
        A recurrence's spacing ``s`` along its axis.

    Examples
    --------
    >>> f = Form("bound minus polynomial", (Fraction(4),), bound="state degree", variable="n")
    >>> f.text(), f.value({"n": 5}, {"state degree": 192})
    ('state degree - 4', Fraction(188, 1))
    """

    family: str
    parameters: tuple[Fraction, ...] = ()
    template: Template | None = None
    bound: str | None = None
    variable: str | None = None
    step: int = 1

    @property
    def size(self) -> int:
        """How many values fix the form (a fit's first ``size`` values are its fitted ones)."""
        if self.family == "recurrence":
            return 2 * len(self.parameters)
        return max(1, len(self.parameters))

    @property
    def parameter_count(self) -> int:
        """Parameters fitted to the values (0 for a template or a bound)."""
        return len(self.parameters)

    def value(self, variables: Variables, bounds: Mapping[str, int],
              earlier: Callable[[int], Fraction | None] | None = None) -> Fraction | None:
        """The form at a point, or None when it needs a bound or earlier value not known there.

        Parameters
        ----------
        variables : mapping
            ``n``/``T``, ``R``, ``M`` at the point.
        bounds : mapping
            The upper bounds at the point, by name.
        earlier : callable, optional
            For a recurrence: the value at an earlier position of its axis.
        """
        fam, p = self.family, self.parameters
        b = bounds.get(self.bound) if self.bound is not None else None
        if self.bound is not None and b is None:
            return None
        t = None
        if self.template is not None:
            t = self.template(variables)
            if t is None:
                return None
        if fam == "bound":
            return Fraction(_given(b))
        if fam == "template":
            return Fraction(_given(t))
        if fam == "bound minus template":
            return Fraction(_given(b) - _given(t))
        if fam == "scaled template":
            return p[0] * _given(t)
        if fam == "bound times constant":
            return p[0] * _given(b)
        if fam == "bound minus scaled template":
            return _given(b) - p[0] * _given(t)
        if fam in ("polynomial", "bound minus polynomial"):
            x = variables.get(str(self.variable))
            if not isinstance(x, int):
                return None
            poly = _poly_eval(p, x)
            return poly if fam == "polynomial" else _given(b) - poly
        if fam == "recurrence":
            x = variables.get(str(self.variable))
            if not isinstance(x, int) or earlier is None:
                return None
            total = Fraction(0)
            for i, c in enumerate(p, start=1):
                before = earlier(x - i * self.step)
                if before is None:
                    return None
                total += c * before
            return total
        raise TnrankError(f"unknown family {fam!r}; use one of {', '.join(FAMILIES)}")

    def text(self) -> str:
        """The form as one line of text (``state degree - 9n(n + 3)/2``)."""
        fam, p = self.family, self.parameters
        t = self.template.name if self.template is not None else ""
        if fam == "bound":
            return str(self.bound)
        if fam == "template":
            return t
        if fam == "bound minus template":
            return f"{self.bound} - {t}"
        if fam == "scaled template":
            return f"{_scale(p[0])}·{t}"
        if fam == "bound times constant":
            return f"{_scale(p[0])}·{self.bound}"
        if fam == "bound minus scaled template":
            return f"{self.bound} - {_scale(p[0])}·{t}"
        if fam == "polynomial":
            return format_polynomial(p, str(self.variable))
        if fam == "bound minus polynomial":
            poly = format_polynomial(p, str(self.variable))
            if poly.startswith("-"):
                negated = format_polynomial([-c for c in p], str(self.variable))
                return f"{self.bound} + {negated}"
            return f"{self.bound} - {poly}"
        v = str(self.variable)
        terms = []
        for i, c in enumerate(p, start=1):
            if c == 0:
                continue
            sign = "-" if c < 0 else "+"
            mag = "" if abs(c) == 1 else f"{format_number(abs(c))}·"
            terms.append((sign, f"{mag}v({v} - {i * self.step})"))
        body = "".join(f"{'-' if s == '-' else ''}{x}" if j == 0 else f" {s} {x}"
                       for j, (s, x) in enumerate(terms))
        return f"v({v}) = {body or '0'}"

    def describe(self) -> str:
        """The family and parameter count in words (``bound minus a polynomial of degree 0``)."""
        fam = self.family
        if fam in ("polynomial", "bound minus polynomial"):
            degree = len(self.parameters) - 1
            what = "constant" if degree == 0 else f"polynomial of degree {degree} in {self.variable}"
            if fam != "polynomial":
                what = f"bound minus a {what}"
        elif fam == "recurrence":
            what = f"linear recurrence of order {len(self.parameters)} with constant coefficients"
        else:
            what = fam
        count = self.parameter_count
        return f"{what}; {count} parameter{'s' if count != 1 else ''}"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (fractions as text); inverse of :meth:`from_dict`."""
        return {"family": self.family, "expression": self.text(),
                "parameters": [str(c) for c in self.parameters],
                "template": None if self.template is None else self.template.name,
                "bound": self.bound, "variable": self.variable, "step": self.step}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Form:
        """The form written by :meth:`to_dict`.

        Raises
        ------
        TnrankError
            When the family or template is unknown or a parameter is not a fraction.
        """
        if data.get("family") not in FAMILIES:
            raise TnrankError(f"form family {data.get('family')!r} is unknown; use one of "
                              f"{', '.join(FAMILIES)}")
        try:
            params = tuple(Fraction(str(c)) for c in data.get("parameters", []))
        except (ValueError, ZeroDivisionError):
            raise TnrankError(f"form parameters {data.get('parameters')!r} are not fractions") from None
        name = data.get("template")
        return cls(data["family"], params, None if name is None else template_named(str(name)),
                   data.get("bound"), data.get("variable"), int(data.get("step", 1)))


def _scale(c: Fraction) -> str:
    return format_number(c) if c.denominator == 1 else f"({format_number(c)})"


# ------------------------------------------------------------------------------ fitting
@dataclass(frozen=True)
class FormFit:
    """A form that reproduces a sequence from some position on.

    Attributes
    ----------
    form : Form
    start : int
        Position of the first value the form is fitted to; the values before it are not
        part of the fit (the caller reports whether each follows the form).
    fitted : tuple of int
        Positions of the values that fixed the form.
    predicted : tuple of int
        Positions of the later values, each equal to the form's value there.
    alternatives : tuple of Form
        Other members of the same family fitted on as many values, from the same position,
        that reproduce the same values.
    """

    form: Form
    start: int
    fitted: tuple[int, ...]
    predicted: tuple[int, ...]
    alternatives: tuple[Form, ...] = field(default=())


def max_skipped(count: int) -> int:
    """Most leading values a fit may leave out: a third of them (at least one).

    >>> max_skipped(9), max_skipped(4)
    (3, 1)
    """
    return max(1, count // 3)


def fit_forms(
    variables: Sequence[Variables],
    bounds: Sequence[Mapping[str, int]],
    values: Sequence[int],
    *,
    axis: str | None,
    length: str = "n",
    min_held_out: int = 2,
) -> list[FormFit]:
    """Every family's simplest form that fits ``values``, simplest first.

    Parameters
    ----------
    variables, bounds : sequences of mappings
        At each position: the point's variables (``n`` or ``T``, ``R``, ``M``) and its upper
        bounds by name.
    values : sequence of int
        The sequence, in order (along ``axis`` when there is one).
    axis : str or None
        The variable the positions run along (``n``, ``T``, ``R`` or ``M``); None for values
        spread over several variables (no polynomials of positive degree, no recurrences).
    length : str
        The templates' length variable, ``n`` or ``T``.
    min_held_out : int
        Values each form must predict beyond those it is fitted on.

    Returns
    -------
    list of FormFit
        At most one per family: its member that predicts the most values, then is fitted on
        the fewest, from the earliest position, then comes first in the family's order; a
        one-parameter form equal at every position to a form without parameters is left out.
        Ordered by the number of values fitted, the position, then :data:`FAMILIES`.

    Examples
    --------
    >>> fib = [1, 1, 2, 3, 5, 8, 13, 21]
    >>> fits = fit_forms([{"n": k} for k in range(1, 9)], [{}] * 8, fib, axis="n")
    >>> [(f.form.text(), f.fitted, len(f.predicted)) for f in fits]
    [('v(n) = v(n - 1) + v(n - 2)', (0, 1, 2, 3), 4)]
    """
    if min_held_out < 1:
        raise TnrankError(f"`min_held_out` must be at least 1, got {min_held_out}")
    count = len(values)
    vals = [Fraction(v) for v in values]
    found: list[FormFit] = []
    for family in FAMILIES:
        if axis is None and family == "recurrence":
            continue
        fits = [fit for start in range(max_skipped(count) + 1)
                for form in _candidates(family, variables, bounds, vals, start, axis, length, count,
                                        min_held_out)
                if (fit := _check(form, variables, bounds, vals, start, axis, min_held_out))]
        if not fits:
            continue
        best = min(fits, key=_preference)  # min keeps the first of equals: the family's order
        same = tuple(f.form for f in fits if f is not best and _preference(f) == _preference(best))
        if best.form.parameter_count == 1 and any(
                _same_values(best, other, variables, bounds) for other in found
                if other.form.parameter_count == 0 and other.start <= best.start):
            continue  # a constant times a template or bound that equals one with no parameter
        found.append(FormFit(best.form, best.start, best.fitted, best.predicted, same))
    return sorted(found, key=lambda f: (f.form.size, f.start, FAMILIES.index(f.form.family)))


def _given(value: int | None) -> int:
    """The bound or template value of a form that names one (its family needs it)."""
    if value is None:
        raise TnrankError("a form's bound or template has no value here")
    return value


def _same_values(a: FormFit, b: FormFit, variables: Sequence[Variables],
                 bounds: Sequence[Mapping[str, int]]) -> bool:
    """Whether two fits give the same value at every position of ``a``."""
    return all(a.form.value(variables[i], bounds[i]) == b.form.value(variables[i], bounds[i])
               for i in range(a.start, len(variables)))


def _preference(fit: FormFit) -> tuple[int, int, int]:
    """Most values predicted first, then fewest fitted, then the earliest start."""
    return (-len(fit.predicted), fit.form.size, fit.start)


def _candidates(family: str, variables: Sequence[Variables], bounds: Sequence[Mapping[str, int]],
                vals: Sequence[Fraction], start: int, axis: str | None, length: str, count: int,
                min_held_out: int) -> Iterator[Form]:
    """The members of ``family`` fitted on the values from ``start``, fewest values first."""
    room = count - start - min_held_out  # most values a form may be fitted on
    if room < 1:
        return
    first_bounds, first = bounds[start], vals[start]
    names = sorted({name for b in bounds for name in b})
    if family == "bound":
        for name in names:
            yield Form(family, bound=name)
    elif family in ("template", "bound minus template", "scaled template",
                    "bound minus scaled template"):
        for t in templates(length):
            at = [t(v) for v in variables[start:]]
            if any(x is None for x in at) or len(set(at)) == 1:
                continue  # a template constant at every point is a constant: no template
            t0 = at[0]
            if family == "template":
                yield Form(family, template=t)
            elif family == "scaled template":
                if t0:
                    c = first / t0
                    if c not in (0, 1):
                        yield Form(family, (c,), template=t)
            else:
                for name in names:
                    b0 = first_bounds.get(name)
                    if b0 is None:
                        continue
                    if family == "bound minus template":
                        yield Form(family, template=t, bound=name)
                    elif t0:
                        c = (b0 - first) / t0
                        if c not in (0, 1):
                            yield Form(family, (c,), template=t, bound=name)
    elif family == "bound times constant":
        for name in names:
            b0 = first_bounds.get(name)
            if b0:
                c = first / b0
                if c not in (0, 1):
                    yield Form(family, (c,), bound=name)
    elif family in ("polynomial", "bound minus polynomial"):
        top = min(room - 1, MAX_DEGREE) if axis is not None else 0
        for degree in range(top + 1):
            span = range(start, start + degree + 1)
            at = [variables[i].get(axis) if axis is not None else 0 for i in span]
            xs = [x for x in at if isinstance(x, int)]
            if len(xs) < len(at) or len(set(xs)) < len(xs):
                continue
            series: dict[str | None, list[Fraction]]
            if family == "polynomial":
                series = {None: [vals[i] for i in span]}
            else:
                series = {name: [bounds[i][name] - vals[i] for i in span] for name in names
                          if all(name in bounds[i] for i in span)}
            for bound, ys in series.items():
                coeffs = _interpolate(xs, ys)
                if len(coeffs) == degree + 1 or degree == 0:  # a lower degree was tried already
                    yield Form(family, tuple(coeffs), bound=bound, variable=axis)
    elif family == "recurrence":
        if axis is None:
            return
        at = [variables[i].get(axis) for i in range(start, count)]
        xs = [x for x in at if isinstance(x, int)]
        if len(xs) < len(at) or len(xs) < 2:
            return
        step = xs[1] - xs[0]
        if step <= 0 or any(b - a != step for a, b in zip(xs, xs[1:], strict=False)):
            return
        for order in range(1, min(MAX_ORDER, room // 2) + 1):
            rec = _recurrence(vals[start:start + 2 * order], order)
            if rec is not None and not _is_polynomial_recurrence(rec):
                yield Form(family, tuple(rec), variable=axis, step=step)


def _check(form: Form, variables: Sequence[Variables], bounds: Sequence[Mapping[str, int]],
           vals: Sequence[Fraction], start: int, axis: str | None,
           min_held_out: int) -> FormFit | None:
    """The fit of ``form`` when it reproduces every value from ``start`` on."""
    size = form.size
    count = len(vals)
    if count - start - size < min_held_out:
        return None
    where = {variables[i].get(axis): i for i in range(start, count)} if axis is not None else {}

    def earlier(x: int) -> Fraction | None:
        i = where.get(x)
        return vals[i] if i is not None else None

    check_from = start if form.family != "recurrence" else start + len(form.parameters)
    for i in range(check_from, count):
        if form.value(variables[i], bounds[i], earlier) != vals[i]:
            return None
    fitted = tuple(range(start, start + size))
    return FormFit(form, start, fitted, tuple(range(start + size, count)))


def _interpolate(xs: Sequence[int], ys: Sequence[Fraction]) -> list[Fraction]:
    """Coefficients (constant first) of the polynomial of degree ``len(xs) - 1`` through the points
    (Newton's divided differences, exact)."""
    n = len(xs)
    table = [Fraction(y) for y in ys]
    newton = [table[0]]
    for level in range(1, n):
        table = [(table[i + 1] - table[i]) / (xs[i + level] - xs[i]) for i in range(n - level)]
        newton.append(table[0])
    coeffs = [Fraction(0)] * n
    basis = [Fraction(1)]  # prod_{j < level} (x - xs[j]), constant first
    for level, a in enumerate(newton):
        for k, b in enumerate(basis):
            coeffs[k] += a * b
        if level < n - 1:
            basis = [Fraction(0)] + basis
            for k in range(len(basis) - 1):
                basis[k] -= xs[level] * basis[k + 1]
    while len(coeffs) > 1 and coeffs[-1] == 0:
        coeffs.pop()
    return coeffs


def _recurrence(window: Sequence[Fraction], order: int) -> list[Fraction] | None:
    """``c_1..c_k`` with ``v_j = sum c_i v_{j-i}`` for ``j = k..2k-1``; None when not unique."""
    rows = [[window[j - i] for i in range(1, order + 1)] + [window[j]] for j in range(order, 2 * order)]
    for col in range(order):  # Gauss–Jordan over the rationals
        pivot = next((r for r in range(col, order) if rows[r][col] != 0), None)
        if pivot is None:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        lead = rows[col][col]
        rows[col] = [x / lead for x in rows[col]]
        for r in range(order):
            if r != col and rows[r][col] != 0:
                f = rows[r][col]
                rows[r] = [x - f * y for x, y in zip(rows[r], rows[col], strict=True)]
    return [rows[i][order] for i in range(order)]


def _is_polynomial_recurrence(coeffs: Sequence[Fraction]) -> bool:
    """True for the recurrence of ``(1 - E)^k``, which every polynomial of degree below ``k``
    satisfies (the polynomial family already states that fit)."""
    k = len(coeffs)
    return all(c == (-1) ** (i + 1) * math.comb(k, i) for i, c in enumerate(coeffs, start=1))
