"""Simulate Ctrl-C in the middle of a long command."""

from __future__ import annotations


def interrupt_on_call(monkeypatch, module, n: int, name: str = "certify") -> None:
    """Make ``module.<name>`` raise KeyboardInterrupt on its ``n``-th call (1-based);
    the calls before it run for real."""
    real = getattr(module, name)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)
