"""Closed forms recovered from values alone, random sequences refused, every claimed fit
reproducing its values, and the evidence (kinds, held-out values, predictions) reported."""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import pytest

from tnrank import Architecture, Partition
from tnrank.certification.bounds import state_degree_bound, theorem1_deep_lower
from tnrank.certification.fit import fit_results, fit_sequence
from tnrank.certification.fit_report import FitReport, FitValue, verdict
from tnrank.errors import TnrankError
from tnrank.files.results_file import RESULTS_FORMAT, sweep_config


def reproduces(report: FitReport) -> bool:
    """Every fit's form equals every value it claims (fitted and predicted), and differs from
    no skipped value it is said to follow: checked by evaluating the form afresh."""
    for fit in report.fits:
        initial = fit.form.parameter_count if fit.form.family == "recurrence" else 0
        for i in (*fit.fitted[initial:], *fit.predicted):
            v = report.values[i]
            if report.form_value(fit, v.point) != v.lower:
                return False
    return True


def forms(report: FitReport) -> list[str]:
    return [f.form.text() for f in report.fits]


def named(report: FitReport, text: str):
    """The fit whose form or an alternative reads ``text``."""
    for fit in report.fits:
        if text in [fit.form.text(), *(a.text() for a in fit.alternatives)]:
            return fit
    raise AssertionError(f"{text!r} not among {forms(report)}")


def rows_of(values: dict[tuple[int, int, int, int], int], status: str = "generic-whp",
            bounds=None) -> dict:
    """A results file holding ``values`` at points (L, M, R, T)."""
    rows = []
    for (L, M, R, T), v in values.items():
        b = bounds((L, M, R, T)) if bounds else {}
        rows.append({"L": L, "M": M, "R": R, "T": T, "grid": None,
                     "separation": {"lower": v, "upper": max([v, *b.values()]), "status": status,
                                    "failure_bound": 1e-9 if status == "generic-whp" else None,
                                    "bounds": b}})
    Ls = sorted({k[0] for k in values})
    Ms = sorted({k[1] for k in values})
    Rs = sorted({k[2] for k in values})
    Ts = sorted({k[3] for k in values})
    return {"format": RESULTS_FORMAT, "config": sweep_config(Ls, Ms, Rs, Ts), "rows": rows}


def state_degree(point):
    L, M, R, T = point
    return {"state degree": state_degree_bound(Architecture.rac(L, R, M), Partition.parse("start-end", T))}


# ------------------------------------------------------------------ known closed forms
@pytest.mark.parametrize("R, M", [(2, 3), (3, 5), (4, 6), (5, 9)])
def test_recovers_multisets_in_n(R, M):
    values = [math.comb(R + n - 1, n) for n in range(1, 9)]
    report = fit_sequence(values, R=R, M=M)
    fit = report.fits[0]
    assert fit.form.text() == "C(R + n - 1, n)" and fit.form.parameter_count == 0
    assert len(fit.predicted) == 7 and reproduces(report)
    assert fit.predictions[0].value == math.comb(R + 9 - 1, 9)  # n = 9, T = 18
    assert fit.predictions[0].point["T"] == 18 and fit.predictions[0].verdict == "pattern"


def test_recovers_theorem_1_depth_2_bound_over_M_R_and_T():
    """C(min{M,R} + T/2 - 1, T/2) from its values on a grid of M, R and T: the one template."""
    points = list(itertools.product([2], [1, 2, 3, 4], [1, 2, 3, 4], [2, 4, 6, 8]))
    report = fit_results(rows_of({p: theorem1_deep_lower(p[2], p[1], p[3]) for p in points}))
    assert report.axis is None
    assert forms(report)[0] == "C(min(M,R) + n - 1, n)"
    assert len(report.fits[0].predicted) == len(points) - 1 and reproduces(report)


def test_recovers_a_product_of_binomials():
    values = [math.comb(2 + n - 1, n) * math.comb(3 + n - 1, n) for n in range(1, 9)]
    report = fit_sequence(values, R=2, M=3)
    assert forms(report)[0] == "C(R + n - 1, n)·C(M + n - 1, n)" and reproduces(report)


@pytest.mark.parametrize("R", [2, 3, 4])
def test_recovers_state_degree_of_depth_2(R):
    """R·C(R + n - 1, n) from values alone; with the bound given, also 'state degree'."""
    values = [R * math.comb(R + n - 1, n) for n in range(1, 8)]
    alone = fit_sequence(values, R=R, M=R + 1)
    assert forms(alone)[0] == "R·C(R + n - 1, n)"
    with_bound = fit_sequence(values, R=R, M=R + 1, bounds={"state degree": values})
    assert forms(with_bound)[:2] == ["state degree", "R·C(R + n - 1, n)"]
    assert reproduces(alone) and reproduces(with_bound)


def test_recovers_depth_2_deficit_for_M_below_R():
    """R[C(R+n-1, n) - C(R-M+n-1, n)] over M, R and T, with the state-degree bound known."""
    points = list(itertools.product([2], [1, 2, 3], [2, 3, 4], [4, 6, 8, 10]))
    values = {p: p[2] * (math.comb(p[2] + p[3] // 2 - 1, p[3] // 2)
                         - (math.comb(p[2] - p[1] + p[3] // 2 - 1, p[3] // 2) if p[2] > p[1] else 0))
              for p in points}
    report = fit_results(rows_of(values, bounds=state_degree))
    assert forms(report)[0] == "state degree - R·C(R - M + n - 1, n)"
    assert reproduces(report)


def test_recovers_forms_along_R_at_fixed_T():
    """By R at T = 8 (n = 4): C(R + n - 1, n) first, and the quartic in R it equals."""
    values = [math.comb(R + 3, 4) for R in range(1, 9)]
    report = fit_sequence(values, R=list(range(1, 9)), T=8, M=2)
    assert report.axis == "R" and forms(report) == ["C(R + n - 1, n)", "R(R + 1)(R + 2)(R + 3)/24"]
    assert [p.point["R"] for p in report.fits[0].predictions] == [9]
    assert report.fits[0].predictions[0].value == math.comb(12, 4) and reproduces(report)
    with pytest.raises(TnrankError, match="all have T = 8"):
        report.predicting(10)


@pytest.mark.parametrize("a, b, x0, x1", [(1, 1, 1, 1), (1, 1, 2, 1), (2, 1, 0, 1), (1, 2, 3, 1),
                                          (3, -2, 1, 5)])
def test_recovers_fibonacci_like_recurrences(a, b, x0, x1):
    seq = [x0, x1]
    while len(seq) < 9:
        seq.append(a * seq[-1] + b * seq[-2])
    report = fit_sequence(seq)
    rec = next(f for f in report.fits if f.form.family == "recurrence")
    assert rec.form.parameters == (a, b)
    assert rec.predictions[0].value == a * seq[-1] + b * seq[-2]
    assert reproduces(report)


# ------------------------------------------------------------------ refusals
def test_no_fit_for_random_sequences():
    """200 random integer sequences of length 6 to 10 (values below 1,000; R and M random):
    no form is claimed. A chance fit must predict two values in a thousand exactly, so the
    odds of one among these are about 1 in 1,000 (seeded: the outcome is fixed)."""
    rng = random.Random(20240601)
    claimed = []
    for _ in range(200):
        count = rng.randint(6, 10)
        values = [rng.randrange(1000) for _ in range(count)]
        report = fit_sequence(values, R=rng.randint(1, 5), M=rng.randint(1, 5),
                              bounds={"state degree": [v + rng.randrange(1000) for v in values]})
        if report.fits:
            claimed.append((values, forms(report)))
    assert not claimed
    assert "no fit" in report.format()


@pytest.mark.parametrize("position", range(8))
def test_a_value_off_by_one_loses_the_fit_or_is_reported(position):
    """Perturb one value of C(R+n-1, n), of a Fibonacci sequence and of 'state degree - 4':
    every fit left either reproduces the perturbed value (it is fitted or predicted) or lists
    it among the values it leaves out, where it is shown not to follow."""
    R = 3
    cases = [[math.comb(R + n - 1, n) for n in range(1, 9)], [1, 1, 2, 3, 5, 8, 13, 21]]
    bounds = [(n + 1) * (n * (n + 1) // 2 + 1) * 2 for n in range(1, 9)]  # depth 3, R = 2
    cases.append([b - 4 for b in bounds])
    for values in cases:
        values = list(values)
        values[position] += 1
        report = fit_sequence(values, R=R, M=R + 2, bounds={"state degree": bounds})
        assert reproduces(report)
        for fit in report.fits:
            assert position in fit.skipped, (values, fit.form.text())
        if report.fits:
            assert f"not fitted: T = {2 * position + 2} does not follow ({values[position]:,};" \
                in report.format()
        if position == 0:  # the rest still follows the form, which says it misses the first
            assert report.fits


def test_fewer_than_three_values_is_refused():
    with pytest.raises(TnrankError, match="at least 3 known values"):
        fit_sequence([1, 2])


@pytest.mark.parametrize("bad", [2.5, "3", True, None, Fraction(1, 2), 3.0])
def test_non_integers_are_refused(bad):
    with pytest.raises(TnrankError, match=r"`values`\[2\]"):
        fit_sequence([1, 2, bad, 4, 5])


def test_non_integers_in_a_file_are_refused():
    data = rows_of({(2, 2, 2, T): T for T in (2, 4, 6, 8)})
    data["rows"][1]["separation"]["lower"] = 4.5
    with pytest.raises(TnrankError, match="T=4: separation lower bound is 4.5, not a whole number"):
        fit_results(data, source="f.json")


def test_mixed_architectures_are_refused():
    data = rows_of({(L, 2, 2, T): T for L in (2, 3) for T in (2, 4, 6, 8)})
    with pytest.raises(TnrankError, match="several architectures.*depths 2, 3"):
        fit_results(data)
    assert len(fit_results(data, depth=3).values) == 4


def test_lower_bound_only_values_are_labelled_not_fitted():
    """An interval-only value is not fitted; each fit says whether its prediction there lies in
    the proved interval; with fewer than three known values left, nothing is fitted."""
    values = {(3, 2, 2, T): 10 * T for T in (2, 4, 6, 8, 10)}
    data = rows_of(values)
    data["rows"].append({"L": 3, "M": 2, "R": 2, "T": 12, "grid": None,
                         "separation": {"lower": 100, "upper": 130, "status": "lower-bound"}})
    report = fit_results(data)
    assert [v.status for v in report.values][-1] == "lower-bound"
    fit = report.fits[0]
    assert fit.form.text() == "20n" and 5 not in (*fit.fitted, *fit.predicted)
    at12 = fit.predictions[0]
    assert at12.point["T"] == 12 and at12.value == 120
    assert at12.verdict == "undecided (inside the proved 100..130)"
    text = report.format()
    assert "only 100..130 proved: not fitted" in text and "at T = 12: 120, undecided" in text
    data["rows"][-1]["separation"]["upper"] = 110  # now the pattern leaves the proved interval
    assert fit_results(data).fits[0].predictions[0].verdict == "refuted (proved)"
    for row in data["rows"][2:5]:
        row["separation"]["status"] = "lower-bound"
    with pytest.raises(TnrankError, match=r"has 2 \(4 more with only an interval proved\)"):
        fit_results(data)


# ------------------------------------------------------------------ evidence, JSON, verdicts
def test_certified_sweep_evidence_and_round_trip():
    from tnrank.studies.sweeps import sweep

    report = fit_results(sweep([3], 2, 2, [4, 6, 8, 10, 12]), source="sweep")
    fit = named(report, "state degree - 4")
    assert [report.values[i].point["T"] for i in fit.skipped] == [4]
    assert {report.values[i].status for i in fit.predicted} == {"generic-whp"}
    expected = sum(report.values[i].failure_bound for i in (*fit.fitted, *fit.predicted))
    assert report.failure_bound(fit) == pytest.approx(expected)
    text = report.format()
    assert "not fitted: T = 4 does not follow (8; the form gives 20)" in text
    assert "pattern at T = 14: 460\n   certify: tnrank rank -L 3 -R 2 -M 2 -T 14" in text
    again = FitReport.from_dict(report.to_dict())
    assert again.to_dict() == report.to_dict() and again.format() == text
    later = report.predicting(20)
    assert named(later, "state degree - 4").predictions[0].value == 1228  # docs/results: T = 20
    with pytest.raises(TnrankError, match="fit report"):
        FitReport.from_dict({"format": "tnrank-sweep"})


def test_verdicts():
    exact = FitValue({"T": 8}, 45, 45, "exact")
    assert verdict(Fraction(45), exact) == "confirmed (proved)"
    assert verdict(Fraction(44), exact) == "refuted (proved)"
    partial = FitValue({"T": 8}, 40, 50, "lower-bound")
    assert verdict(Fraction(39), partial) == "refuted (proved)"
    assert verdict(Fraction(91, 2), partial) == "refuted (not a whole number)"
    assert verdict(None, partial) == "no prediction"
