"""What a certification may take on, decided from its inputs alone before any work.

:func:`check_size` refuses circuits whose bounds and evaluations cost too much to start:
every bound and every sampled entry runs the recurrence through all ``T`` steps of all ``L``
layers, so ``T × L`` (:data:`MAX_STEP_LAYERS`) bounds the work of each, and the degree bounds
follow every link between layers with a degree per layer (:data:`MAX_WIRING_STEPS`). :func:`check_reach`
refuses a sample that cannot prove more than the paper's Theorem 1 already does (its side is
capped below the theorem's lower bound) unless the caller fixed the cap.
"""

from __future__ import annotations

from tnrank.certification.bounds import TheoremBound
from tnrank.errors import TnrankError
from tnrank.formatting import format_bound
from tnrank.model.architecture import Architecture
from tnrank.networks.unrolling import MAX_BLOCKS

__all__ = ["MAX_STEP_LAYERS", "MAX_BOUND_STEP_LAYERS", "MAX_WIRING_STEPS", "check_size",
           "check_bound_size", "check_reach"]

#: Largest ``T × L`` (steps times layers) certify accepts: at this size the bounds take about a
#: second and one sampled entry runs 5,000 layer steps.
MAX_STEP_LAYERS = 5_000
#: Largest ``T × L`` the closed-form bounds and the min-cut accept (``tnrank bound``): the
#: limit of unrolled networks, :data:`~tnrank.networks.unrolling.MAX_BLOCKS`.
MAX_BOUND_STEP_LAYERS = MAX_BLOCKS
#: Largest ``T × links × L`` certify accepts, ``links`` the sources of all layers together: the
#: degree bounds follow every link at every step with a degree per layer (a depth-1,000 RAC at
#: ``T = 5`` is at this limit; a wide wiring, every layer reading all earlier ones, reaches it
#: sooner).
MAX_WIRING_STEPS = 5_000_000


def check_size(architecture: Architecture, T: int) -> None:
    """Refuse a certification of ``T`` steps of ``architecture`` above :data:`MAX_STEP_LAYERS`.

    Raises
    ------
    TnrankError
        Naming ``T × L``, the limit and the largest ``T`` allowed at this depth.

    Examples
    --------
    >>> check_size(Architecture.rac(2, 3, 3), 2500)
    >>> check_size(Architecture.rac(1, 2, 2), 10**6)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: T × L = 1,000,000 × 1 = 1,000,000 steps × layers, more than ...
    """
    _check_steps(architecture, T, MAX_STEP_LAYERS,
                 "for certified ranks (every bound and every sampled entry runs all of them)",
                 f"; the bounds alone (tnrank bound) reach T × L = {MAX_BOUND_STEP_LAYERS:,}")


def check_bound_size(architecture: Architecture, T: int) -> None:
    """Refuse the closed-form bounds of ``T`` steps above :data:`MAX_BOUND_STEP_LAYERS` steps ×
    layers or :data:`MAX_WIRING_STEPS` (each bound runs the recurrence's degrees through every
    step, layer and link).

    Examples
    --------
    >>> check_bound_size(Architecture.rac(1, 2, 2), 10**6)
    Traceback (most recent call last):
    ...
    tnrank.errors.TnrankError: T × L = 1,000,000 × 1 = 1,000,000 steps × layers, more than ...
    """
    _check_steps(architecture, T, MAX_BOUND_STEP_LAYERS,
                 "for bounds and min-cuts (each runs all of them)")


def _check_steps(architecture: Architecture, T: int, limit: int, what: str,
                 hint: str = "") -> None:
    """Refuse ``T × L`` above ``limit`` (``what`` says whose limit it is and why; ``hint`` ends
    the line), then the wiring above :data:`MAX_WIRING_STEPS`. A ``T`` that is not a whole
    number is left to the partition, which names it."""
    if isinstance(T, bool) or not isinstance(T, int):
        return
    depth = architecture.depth
    if T * depth > limit:
        most = limit // depth
        raise TnrankError(
            f"T × L = {T:,} × {depth:,} = {T * depth:,} steps × layers, more than tnrank's limit "
            f"of {limit:,} {what}; use T ≤ {most - most % 2:,} at depth {depth:,}{hint}"
        )
    _check_wiring(architecture, T)


def _check_wiring(architecture: Architecture, T: int) -> None:
    depth = architecture.depth
    links = sum(len(layer.sources) for layer in architecture.layers)
    if T * links * depth > MAX_WIRING_STEPS:
        raise TnrankError(
            f"T × links × L = {T:,} × {links:,} × {depth:,} = {T * links * depth:,} (steps, the "
            f"sources of all layers, layers), more than tnrank's limit of {MAX_WIRING_STEPS:,} "
            "(the degree bounds follow every link at every step); use fewer steps, layers or "
            "sources"
        )


def check_reach(target: int, cap: int, theorems: list[TheoremBound]) -> None:
    """Refuse a sample capped at side ``cap`` below a proved lower bound of the paper.

    A ``K × K`` sample proves a rank of at most ``K``. When its target (the best upper bound)
    is out of reach and the paper's Theorem 1 already proves a rank of at least ``cap`` for
    generic weights, the sample cannot tell anything new.

    Raises
    ------
    TnrankError
        Saying what the run could prove, the bound it cannot beat and how to run it anyway.
    """
    if target <= cap:
        return
    for bound in theorems:
        if bound.kind == "lower" and bound.name.startswith("Theorem") and bound.value >= cap:
            raise TnrankError(
                f"the best upper bound, {format_bound(target)}, is out of reach: samples are capped "
                f"at K = {cap:,} by the memory, so the run could prove at most rank ≥ {cap:,}, and "
                f"{bound.name} already proves ≥ {format_bound(bound.value)} for generic weights; "
                "give `max_samples` to compute such a lower bound anyway, or "
                "raise TNRANK_MEMORY"
            )
