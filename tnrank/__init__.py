"""tnrank: certified Start-End ranks of recurrent arithmetic circuits.

Implements and extends Levine, Sharir, Ziv & Shashua, *On the Long-Term Memory
of Deep Recurrent Networks* (arXiv:1710.09431).

The public API is the short list in ``__all__``; everything else lives in the
subpackages, one per stage of the data flow (see the Design page of the docs)::

    model/          architecture, partition, weights
    engine/         arithmetic, evaluation, grids and samples, exact ranks
    networks/       tensor-network graph, unrolling, contraction, min-cut
    certification/  bounds, certify, report types
    files/          safe reading and atomic writing, every file format
    studies/        verify, compare, sweeps, analyses
    presentation/   text, drawings and layouts, plots
    runtime/        memory, threads, worker pools, progress
    experiments/    training RACs on copying tasks (PyTorch)
    cli/            the ``tnrank`` command

Names are imported on first use, so ``import tnrank`` is quick (the command line
starts without loading numpy's linear algebra, networkx or matplotlib).
"""

# The command's Ctrl-C guard comes first, before any other statement: a SIGINT that arrives
# while tnrank starts must print one line and exit 130, not a traceback. The handler is set at
# once (the interpreter's own C module `_signal` is already loaded, where importing `signal`
# would take a while) and given back at once when this is a library import, or when the shell
# started the command with Ctrl-C ignored (a background job); main() restores Python's handler
# once the command line is parsed.
import _signal


def _interrupted_at_start(_signum, _frame):
    """Ctrl-C before the command's ``main`` runs: nothing to save, so one line and exit 130."""
    import os

    os.write(2, b"tnrank: interrupted\n")
    os._exit(130)


try:
    _PREVIOUS_SIGINT = _signal.signal(_signal.SIGINT, _interrupted_at_start)
except ValueError:  # imported outside the main thread: no handler can be set, none is needed
    _PREVIOUS_SIGINT = False

import sys  # noqa: E402


def _started_as_command() -> bool:
    """True in ``python -m tnrank`` and the ``tnrank`` console script, not in a library import."""
    argv = getattr(sys, "orig_argv", sys.argv)
    if any(a == "-m" and b == "tnrank" for a, b in zip(argv, argv[1:], strict=False)):
        return True
    return bool(sys.argv) and sys.argv[0].replace("\\", "/").rsplit("/", 1)[-1] in ("tnrank", "tnrank.exe")


if _PREVIOUS_SIGINT is not False and (
        _PREVIOUS_SIGINT is not _signal.default_int_handler or not _started_as_command()):
    # None: the previous handler was not set from Python; Python's own is the nearest to it
    _signal.signal(_signal.SIGINT, _signal.default_int_handler if _PREVIOUS_SIGINT is None
                   else _PREVIOUS_SIGINT)

import importlib  # noqa: E402 - after the start-up guard
import warnings  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from tnrank.version import __version__ as __version__  # noqa: E402

# public name -> module that defines it
_PUBLIC = {
    "Architecture": "tnrank.model.architecture",
    "Layer": "tnrank.model.architecture",
    "Cell": "tnrank.model.cell",
    "Partition": "tnrank.model.partition",
    "Weights": "tnrank.model.weights",
    "random_weights": "tnrank.model.weights",
    "evaluate": "tnrank.engine.evaluation",
    "grid_tensor": "tnrank.engine.grid",
    "matricize": "tnrank.engine.grid",
    "sample_matrix": "tnrank.engine.grid",
    "rank_mod_p": "tnrank.engine.rank",
    "TensorNetwork": "tnrank.networks.graph",
    "unroll": "tnrank.networks.unrolling",
    "contract": "tnrank.networks.contraction",
    "min_cut": "tnrank.networks.mincut",
    "certify": "tnrank.certification.certify",
    "Report": "tnrank.certification.report",
    "RankResult": "tnrank.certification.report",
    "load": "tnrank.files.formats",
    "save": "tnrank.files.formats",
    "TnrankError": "tnrank.errors",
    "PRIME": "tnrank.primes",
    "Field": "tnrank.field",
    "GF": "tnrank.field",
}

# deprecated names, importable from here with a DeprecationWarning: name -> its home
_MOVED = {
    "grid_matrix": "tnrank.engine.grid.grid_matrix",
    "float_rank": "tnrank.engine.rank.rank_float",
    "witness_weights": "tnrank.model.weights.witness_weights",
    "SECOND_PRIME": "tnrank.primes.SECOND_PRIME",
    "mincut_bound": "tnrank.networks.mincut.min_cut_bound",
}

__all__ = [
    "Architecture", "Layer", "Cell", "Partition", "Weights", "random_weights",
    "evaluate", "grid_tensor", "matricize", "sample_matrix", "rank_mod_p",
    "TensorNetwork", "unroll", "contract", "min_cut",
    "certify", "Report", "RankResult",
    "load", "save", "TnrankError", "PRIME", "Field", "GF",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    elif name in _MOVED:
        module, _, new = _MOVED[name].rpartition(".")
        warnings.warn(
            f"tnrank.{name} is now {module}.{new}; import it from there "
            "(the old name will be removed in the next release)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(module), new)
    else:
        raise AttributeError(f"module 'tnrank' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _register_notebook_display() -> None:
    """Inside IPython (Jupyter), show networks as pictures (:mod:`tnrank.presentation.notebook`)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and hasattr(shell, "display_formatter"):
        from tnrank.presentation.notebook import register

        register(shell)


_register_notebook_display()

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names load on first use
    from tnrank.certification.certify import certify
    from tnrank.certification.report import RankResult, Report
    from tnrank.engine.evaluation import evaluate
    from tnrank.engine.grid import grid_tensor, matricize, sample_matrix
    from tnrank.engine.rank import rank_mod_p
    from tnrank.errors import TnrankError
    from tnrank.files.formats import load, save
    from tnrank.model.architecture import Architecture, Layer
    from tnrank.model.partition import Partition
    from tnrank.model.weights import Weights, random_weights
    from tnrank.networks.contraction import contract
    from tnrank.networks.graph import TensorNetwork
    from tnrank.networks.mincut import min_cut
    from tnrank.networks.unrolling import unroll
    from tnrank.primes import PRIME
