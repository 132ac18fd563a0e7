"""A guard that fails any test reaching a non-loopback address.

``tests/conftest.py`` installs it before anything else is imported, so import-time network
access (Presidio, spaCy, tldextract) is caught too, for the whole suite.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any


class NetworkAttemptError(RuntimeError):
    """Code under test tried to open a connection off this machine."""


ATTEMPTS: list[str] = []


def is_loopback(host: Any) -> bool:
    """localhost, 127.0.0.0/8, ::1, or the unspecified address servers bind to."""
    if not isinstance(host, str):
        return False
    if host in ("localhost", ""):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _guard(original: Any, address_index: int) -> Any:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        address = args[address_index] if len(args) > address_index else kwargs.get("address")
        if isinstance(address, tuple) and not is_loopback(address[0]):
            ATTEMPTS.append(str(address[0]))
            raise NetworkAttemptError(f"blocked outbound connection to {address[0]!r}")
        return original(*args, **kwargs)

    return guarded


def _guard_getaddrinfo(original: Any) -> Any:
    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_loopback(host if isinstance(host, str) else ""):
            ATTEMPTS.append(str(host))
            raise NetworkAttemptError(f"blocked name lookup of {host!r}")
        return original(host, *args, **kwargs)

    return getaddrinfo


def install_network_guard() -> None:
    """Patch socket connects and name lookups for the rest of the process."""
    if getattr(socket.socket.connect, "_guarded", False):
        return
    for owner, name, index in (
        (socket.socket, "connect", 1),
        (socket.socket, "connect_ex", 1),
        (socket, "create_connection", 0),
    ):
        wrapper = _guard(getattr(owner, name), index)
        wrapper._guarded = True
        setattr(owner, name, wrapper)
    socket.getaddrinfo = _guard_getaddrinfo(socket.getaddrinfo)
