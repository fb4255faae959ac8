"""Outbound HTTP to merchants' webhook URLs, safe against server-side request forgery.

A target is checked by what its host resolves to, not by how it is spelt: ``2130706433``,
``0177.0.0.1``, ``0x7f.1``, ``[::ffff:127.0.0.1]`` and a DNS name pointing at 169.254.169.254 all
resolve to internal addresses and are refused. Every address the name resolves to must be public
(``is_global``, IPv4 embedded in IPv6 checked as IPv4). The check runs at registration and again at
each delivery, and the connection goes to the very address that was checked (no second lookup a
rebinding DNS server could answer differently). Redirects are never followed: a 3xx is a failed
delivery like any non-2xx.

Only the local runner allows ``http`` and loopback targets (``127.0.0.1``, ``localhost``, ``::1``), so
a developer can receive on their machine; link-local, private and metadata addresses stay refused.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DELIVERY_TIMEOUT_SECONDS = 10.0
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_MAX_RESPONSE_BYTES = 64 * 1024


class UnsafeTarget(Exception):
    """The URL may not be called; the message says why (shown to the merchant, names no internals)."""


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address the connection goes to


def _embedded_ipv4(address: IpAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _allowed(address: IpAddress, allow_loopback: bool) -> bool:
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return _allowed(embedded, allow_loopback)
    if allow_loopback and address.is_loopback:
        return True
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list[IpAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise UnsafeTarget("host does not resolve") from error
    found: list[IpAddress] = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        found.append(ipaddress.ip_address(text))
    if not found:
        raise UnsafeTarget("host does not resolve")
    return found


def check(url: str, *, allow_local: bool) -> Target:
    """The target ``url`` names, once every address it resolves to is one the engine may call."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeTarget("is not a valid URL") from error
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeTarget("must be an https URL")
    if scheme == "http" and not allow_local:
        raise UnsafeTarget("must be an https URL")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("must not carry credentials")
    host = parts.hostname
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(host, port)
    if not all(_allowed(address, allow_local) for address in addresses):
        raise UnsafeTarget("resolves to a loopback, private, link-local or otherwise internal address")
    if scheme == "http" and not all(address.is_loopback for address in addresses):
        raise UnsafeTarget("must be an https URL (http only for a local receiver)")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, path, str(addresses[0]))


class _PinnedHttps(http.client.HTTPSConnection):
    """HTTPS to the checked address, with SNI and certificate checks for the host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHttp(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float | None = None) -> int:
    """POST ``body``; the response's status code. Raises OSError (timeouts included) when none came."""
    timeout = timeout or DELIVERY_TIMEOUT_SECONDS
    connection = _PinnedHttps(target, timeout) if target.scheme == "https" else _PinnedHttp(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(_MAX_RESPONSE_BYTES)
        return response.status
    except http.client.HTTPException as error:
        raise OSError(str(error)) from error
    finally:
        connection.close()
