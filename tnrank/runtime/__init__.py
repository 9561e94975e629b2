"""Runtime: the machine's memory and threads, worker pools, and progress of long runs.

- :mod:`~tnrank.runtime.memory`: available memory and refusing work that will not fit;
- :mod:`~tnrank.runtime.threads`: one setting for tnrank's and BLAS's threads;
- :mod:`~tnrank.runtime.parallel`: independent configurations on any executor;
- :mod:`~tnrank.runtime.progress`: progress of parallel sweeps.
"""

__all__ = ["memory", "threads", "parallel", "progress"]
