"""A Dask scheduler as a place to run: connected, described, and closed in one line each.

Dask is optional (the ``distributed`` extra) and imported only here, when a scheduler address
is given. Every failure is one :class:`~tnrank.errors.TnrankError` line: Dask missing, an empty,
malformed or unreachable address, a scheme no other process can reach (``inproc://``), and a
scheduler that goes away while it works (the tracebacks Dask's client would log meanwhile are
held back; the rows finished before are the caller's to keep).
"""

from __future__ import annotations

import logging
import socket
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tnrank.errors import TnrankError
from tnrank.runtime.parallel import first_line

__all__ = ["EXTRA_HINT", "SCHEMES", "connect", "dask_client", "dask_slots", "scheduler_line"]

#: What to install for a scheduler.
EXTRA_HINT = 'pip install "tnrank[distributed]"'
#: The address schemes of a scheduler in another process (checked by a connection first).
SCHEMES = ("tcp", "tls", "ws", "wss")
#: Dask's loggers that print tracebacks while a client reconnects to a scheduler that is gone.
_LOGGERS = ("distributed.client", "distributed.comm", "distributed.core", "distributed.batched",
            "distributed.utils")
#: Seconds to wait for a client to close (a scheduler that went away answers nothing).
_CLOSE_TIMEOUT = 5


def _unreachable(address: str, why: str) -> TnrankError:
    return TnrankError(f"cannot reach the Dask scheduler at {address} ({why}); start one with "
                       "`dask scheduler` or check the address")


def _probe(address: str) -> None:
    """Fail fast on an address that is malformed, of a scheme no other process reaches, or that
    refuses connections (a client that cannot connect retries until its timeout)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
    except (ValueError, TypeError) as exc:
        raise TnrankError(f"`scheduler` {address!r} is not a scheduler address ({first_line(exc)}); "
                          "write tcp://host:8786") from None
    if scheme not in SCHEMES:
        reached = ", ".join(f"{s}://" for s in SCHEMES)
        raise TnrankError(f"`scheduler` {address!r}: tnrank reaches a running `dask scheduler` "
                          f"over the network ({reached}), never through {scheme}://; give its "
                          "address, such as tcp://host:8786")
    try:
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise TnrankError(f"`scheduler` {address!r} is not a scheduler address ({first_line(exc)}); "
                          "write tcp://host:8786") from None
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as exc:
        raise _unreachable(address, str(exc.strerror or exc)) from None


def _discard_partial_client(tb: types.TracebackType | None, client_type: Any) -> None:
    """Close a client whose constructor failed, so that it does not try again, and complain,
    when it is collected (``Exception ignored in Client.__del__`` a minute later)."""
    while tb is not None:
        candidate: Any = tb.tb_frame.f_locals.get("self")
        if isinstance(candidate, client_type):
            try:
                candidate.close(timeout=_CLOSE_TIMEOUT)
            except Exception:  # a loop that never started: nothing left to close
                pass
            candidate.status = "closed"
        tb = tb.tb_next


def connect(address: str) -> Any:
    """A ``distributed.Client`` of the Dask scheduler at ``address``.

    Raises
    ------
    TnrankError
        When Dask is not installed, or the address is empty, malformed, of a scheme no other
        process reaches (``inproc://``), refuses connections or is not a scheduler.
    """
    if not address.strip():
        raise TnrankError("`scheduler` needs the address of a running Dask scheduler, such as "
                          "tcp://host:8786; leave it out to run here")
    try:
        from distributed import Client  # the optional extra
    except ImportError:
        raise TnrankError(f"`scheduler` needs Dask, which is not installed: {EXTRA_HINT}") from None
    _probe(address)
    try:
        return Client(address, timeout="30s", set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        _discard_partial_client(exc.__traceback__, Client)
        raise _unreachable(address, first_line(exc)) from None


def dask_slots(client: Any) -> int | None:
    """The threads of the client's workers together (None when the scheduler does not say)."""
    try:
        workers = client.scheduler_info(n_workers=-1)["workers"]
    except Exception:  # progress counts only; never stop a sweep for them
        return None
    return sum(int(w.get("nthreads", 1)) for w in workers.values()) or None


def scheduler_line(client: Any, address: str) -> str:
    """``Dask scheduler ADDRESS: 2 workers, 2 threads; dashboard URL``."""
    info = client.scheduler_info(n_workers=-1)
    workers = info.get("workers", {})
    line = (f"Dask scheduler {address}: {len(workers)} workers, "
            f"{sum(int(w.get('nthreads', 1)) for w in workers.values())} threads")
    if "dashboard" in info.get("services", {}):
        line += f"; dashboard {client.dashboard_link}"
    return line


@contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's client logs nothing below CRITICAL while tnrank works (its reconnection
    tracebacks when the scheduler goes away): the failure reaches the user as one line."""
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


@contextmanager
def dask_client(address: str) -> Iterator[Any]:
    """A client of the scheduler at ``address`` (:func:`connect`), closed at the end.

    A scheduler lost while the block runs (killed, or its machine gone) ends the block with one
    :class:`TnrankError` line instead of Dask's cancellation tracebacks.

    Raises
    ------
    TnrankError
        As :func:`connect`, and when the scheduler goes away.
    """
    client = connect(address)
    with _quiet_dask():
        try:
            yield client
        except Exception:
            if client.status not in ("running", "closing", "closed"):  # connecting: it is gone
                raise TnrankError(f"lost the Dask scheduler at {address} while it worked; the "
                                  "configurations finished before were kept") from None
            raise
        finally:
            try:
                client.close(timeout=_CLOSE_TIMEOUT)
            except Exception:  # a scheduler that went away: nothing left to close
                client.status = "closed"
