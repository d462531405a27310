"""A network guard: any connection or name lookup other than loopback is refused and recorded.

Installed with `sys.addaudithook` so that it sees every socket the process opens, whatever library
opens it (requests, urllib3, aiohttp, msal's IMDS probe). Audit hooks cannot be removed, so the hook
is installed once per process and consults a module-level list of violations.
"""

from __future__ import annotations

import ipaddress
import sys
from typing import Any

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
violations: list[str] = []
_installed = False


class NetworkGuardError(ConnectionRefusedError):
    """Raised inside the process that tried to leave loopback."""


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port) binds the wildcard locally; it resolves nothing
    if isinstance(host, bytes):
        host = host.decode("idna", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in LOOPBACK_NAMES or name == "":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect":
        address = args[1]
        if not isinstance(address, tuple):
            return  # AF_UNIX path
        host = address[0]
    else:
        return
    if _is_loopback(host):
        return
    message = f"network guard: {event} to {host!r} refused (tests may reach only loopback)"
    violations.append(message)
    if _fatal:
        sys.stderr.write(message + "\n")
    raise NetworkGuardError(message)


_fatal = False


def install(*, fatal: bool = False) -> None:
    global _installed, _fatal
    _fatal = fatal
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
