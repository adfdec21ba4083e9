"""Refuse every network connection that does not stay on this machine.

Installed around each e2e test (and inside the subprocess launcher), so a bot that reaches for
discord.com, a DNS server or anything else fails the test instead of touching the internet.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
GUARD_MARKER = "fakediscord network guard: blocked"
"""Starts every violation message; a subprocess prints it, and the harness looks for it."""


class NetworkBlocked(OSError):
    """Raised instead of connecting anywhere but loopback."""


def is_loopback(host: object) -> bool:
    """True for 127.0.0.0/8, ::1, IPv4-mapped loopback, 'localhost', and no host at all."""
    if host is None or host in ("", b""):
        return True
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False  # a host name would need DNS, which is itself the network
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


class NetworkGuard:
    """Patches socket connect/connect_ex/sendto and getaddrinfo while installed.

    Violations are raised as NetworkBlocked where they happen *and* collected in `violations`,
    because a bot may swallow the exception; callers assert the list is empty afterwards.
    """

    def __init__(self, on_violation: Callable[[str], None] | None = None) -> None:
        self.violations: list[str] = []
        self._on_violation = on_violation
        self._saved: dict[str, Any] = {}

    def install(self) -> None:
        """Start refusing non-loopback connections."""
        if self._saved:
            return
        cls = socket.socket
        self._saved = {
            "connect": cls.connect,
            "connect_ex": cls.connect_ex,
            "sendto": cls.sendto,
            "getaddrinfo": socket.getaddrinfo,
        }
        guard, saved = self, self._saved

        def connect(sock: socket.socket, address: Any) -> None:
            guard._check(sock, address, "connect")
            saved["connect"](sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            guard._check(sock, address, "connect")
            result: int = saved["connect_ex"](sock, address)
            return result

        def sendto(sock: socket.socket, data: Any, *args: Any) -> int:
            guard._check(sock, args[-1], "sendto")
            result: int = saved["sendto"](sock, data, *args)
            return result

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_loopback(host):
                guard._refuse(f"getaddrinfo({host!r})")
            return saved["getaddrinfo"](host, *args, **kwargs)

        cls.connect = connect  # type: ignore[method-assign,assignment]
        cls.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
        cls.sendto = sendto  # type: ignore[method-assign,assignment]
        socket.getaddrinfo = getaddrinfo

    def uninstall(self) -> None:
        """Restore the real socket functions."""
        if not self._saved:
            return
        cls = socket.socket
        cls.connect = self._saved["connect"]  # type: ignore[method-assign]
        cls.connect_ex = self._saved["connect_ex"]  # type: ignore[method-assign]
        cls.sendto = self._saved["sendto"]  # type: ignore[method-assign]
        socket.getaddrinfo = self._saved["getaddrinfo"]
        self._saved = {}

    def __enter__(self) -> NetworkGuard:
        self.install()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.uninstall()

    def _check(self, sock: socket.socket, address: Any, action: str) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return  # unix sockets and socketpairs (the event loop's self-pipe) stay local
        host = address[0] if isinstance(address, tuple) else address
        if not is_loopback(host):
            self._refuse(f"{action} to {address!r}")

    def _refuse(self, what: str) -> None:
        message = f"{GUARD_MARKER} {what} (tests may only use 127.0.0.1)"
        self.violations.append(message)
        if self._on_violation is not None:
            self._on_violation(message)
        raise NetworkBlocked(message)


def report_to_stderr(message: str) -> None:
    """For subprocesses: the parent test finds this line in the output and fails."""
    print(message, file=sys.stderr, flush=True)
