"""The words of tnrank's reports, each explained in one line.

Reports end with the terms they used, in the order they first appear
(:func:`glossary_lines`), so that a reader meets no unexplained word:
``state degree``, ``generic-whp``, ``w.p.``, ``mod p``, ``min-cut`` and the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["GLOSSARY", "glossary_lines", "terms_used"]

#: Every technical term of a report and its one-line meaning.
GLOSSARY: dict[str, str] = {
    "grid": "grid rank: rank of the start-end matricization of the grid tensor A[d_1..d_T] = "
            "y(template d_1, ..., template d_T) on the M one-hot template inputs",
    "separation": "separation rank: least K with y = sum of K products g_k(start inputs)·"
                  "h_k(end inputs), y taken as a polynomial in the representation vectors",
    "mod p": "computed exactly modulo the prime p with random integer weights; a rank mod p of "
             "an integer matrix is at most its rank over the reals, so it is a proved lower bound",
    "GF(q²)": "the field of q² elements, computed as Gaussian integers a + bi modulo a prime "
              "q ≡ 3 (mod 4); a run over it draws its random weights and inputs from q² ≈ 3.5e13 "
              "values, so one run gives a Schwartz–Zippel bound that runs mod p need several for",
    "state degree": "upper bound: across the cut y depends on the start only through the hidden "
                    "states at the cut, as a polynomial of known degree in them; its number of "
                    "monomials bounds the rank",
    "affine state": "upper bound: y is affine in the states at the cut (each layer's update "
                    "affine in its own state and read from it alone), a sum of N + 1 products "
                    "over the N state entries, so the rank is at most N + 1",
    "input degree": "upper bound: y has bounded degree in each input vector; the dimension of "
                    "the polynomials of the smaller side bounds the rank",
    "grid size": "upper bound on the grid rank: the grid matricization has M^|S| rows, one per "
                 "sequence of template inputs on the start steps",
    "template rows": "rows of the grid matricization, one per sequence of template (one-hot) "
                     "inputs on the start steps",
    "min-cut": "upper bound: product of the bond dimensions on a smallest set of bonds whose "
               "removal separates the start legs from the end legs of the unrolled tensor network",
    "exact": "status: the proved lower and upper bounds meet, so the rank is known",
    "generic-whp": "status 'generic, with high probability': random samples were rank-deficient, "
                   "so lower is the rank for generic weights with the stated probability; only "
                   "lower ≤ rank ≤ upper is proved",
    "lower-bound": "status: only lower ≤ rank ≤ upper is known (sample budget reached, or "
                   "sampled grid rows, which are not generic points)",
    "w.p.": "with probability",
    "Schwartz–Zippel": "a non-zero polynomial of degree d vanishes at a uniformly random point "
                       "of a field of |F| elements with probability at most d/|F| (|F| = p mod p, "
                       "q² over GF(q²)); applied to the (r+1)-minor of the matrix, of degree "
                       "(r+1)·D, D the total degree of y",
    "float64 SVD": "numpy's floating-point rank of a same-shape matrix with float weights: an "
                   "estimate, not a bound; entries spanning many orders of magnitude make it "
                   "too low",
    "tol": "singular values above tol count towards the float rank; numpy's default "
           "tol = σ_max·max(m, n)·ε, with ε = 2.2e-16 the float64 precision",
    "holds": "verdict: the certified ranks satisfy the paper's bound",
    "tight": "verdict: the paper's bound equals the certified rank",
    "undecided": "verdict: the certified interval lower..upper does not settle the paper's bound",
    "violated": "verdict: the certified ranks contradict the paper's bound",
}


def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])")


def terms_used(text: str, terms: Iterable[str] | None = None) -> list[str]:
    """The glossary terms that occur in ``text``, in the order they first appear.

    Parameters
    ----------
    text : str
    terms : iterable of str, optional
        Candidates (default: every key of :data:`GLOSSARY`).

    Examples
    --------
    >>> terms_used("106 w.p. ≥ 1 - 1e-9 (generic-whp); upper: state degree")
    ['w.p.', 'generic-whp', 'state degree']
    """
    found = []
    for term in GLOSSARY if terms is None else terms:
        match = _pattern(term).search(text)
        if match is not None:
            found.append((match.start(), term))
    return [term for _pos, term in sorted(found)]


def glossary_lines(text: str, terms: Iterable[str] | None = None, indent: str = "  ") -> list[str]:
    """``term  meaning`` lines for the terms of ``text`` (see :func:`terms_used`), aligned.

    Examples
    --------
    >>> print("\\n".join(glossary_lines("rank 3 w.p. ≥ 0.99")))
      w.p.  with probability
    """
    used = terms_used(text, terms)
    if not used:
        return []
    width = max(len(t) for t in used)
    return [f"{indent}{t.ljust(width)}  {GLOSSARY[t]}" for t in used]
