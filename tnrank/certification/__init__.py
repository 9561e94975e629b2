"""Certification: proved bounds, certified ranks, and the reports that state them.

- :mod:`~tnrank.certification.bounds`: closed-form upper bounds and the paper's theorems;
- :mod:`~tnrank.certification.degrees`: the degrees and state monomials of polynomial cells;
- :mod:`~tnrank.certification.certify`: :func:`certify` (sampling, exact ranks, repetitions);
- :mod:`~tnrank.certification.sampling`: sizing, growing and timing the sampled matrices;
- :mod:`~tnrank.certification.report`: :class:`Report` and :class:`RankResult`, with their JSON
  forms;
- :mod:`~tnrank.certification.report_fields`: the fields of their JSON forms, read with types
  and ranges checked;
- :mod:`~tnrank.certification.report_text`: the words of the reports (a report's text, how its
  numbers were proved, a rank in a table cell);
- :mod:`~tnrank.certification.bound_report`: min-cut beside the closed-form bounds;
- :mod:`~tnrank.certification.forms`: the family of closed forms, fitted exactly to integers;
- :mod:`~tnrank.certification.fit`, :mod:`~tnrank.certification.fit_report`: closed forms
  fitted to certified ranks, as patterns with their evidence (``tnrank fit``);
- :mod:`~tnrank.certification.glossary`: the words of the reports, each explained in one line.
"""

__all__ = ["bounds", "degrees", "certify", "sampling", "report", "report_fields", "report_text",
           "bound_report", "forms", "fit", "fit_report", "glossary"]
