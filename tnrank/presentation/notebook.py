"""Rich display in Jupyter: pictures of networks, registered with IPython's formatters.

The model and the networks know nothing of drawings; when ``import tnrank`` runs
inside IPython (a notebook or a console), :func:`register` tells IPython's display
formatters how to show tnrank's objects, by type name, so that no drawing code is
imported until an object is actually displayed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register", "FORMATTERS"]


def _network_svg(network: Any) -> str | None:
    from tnrank.presentation.draw import network_svg  # noqa: PLC0415 - matplotlib on display

    return network_svg(network)


#: (module, class name) -> (MIME type, function returning that representation or None)
FORMATTERS: dict[tuple[str, str], tuple[str, Callable[[Any], Any]]] = {
    ("tnrank.networks.graph", "TensorNetwork"): ("image/svg+xml", _network_svg),
}


def register(shell: Any) -> None:
    """Register every formatter of :data:`FORMATTERS` with an IPython shell.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell
        ``get_ipython()``; anything with ``display_formatter.formatters``.
    """
    formatters = shell.display_formatter.formatters
    for (module, name), (mime, func) in FORMATTERS.items():
        formatters[mime].for_type_by_name(module, name, func)
