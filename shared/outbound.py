"""Outbound HTTP to merchants' webhook URLs, safe against server-side request forgery.

A target is checked by what its host resolves to, not by how it is spelt: ``2130706433``,
``0177.0.0.1``, ``0x7f.1``, ``[::ffff:127.0.0.1]`` and a DNS name pointing at 169.254.169.254 all
resolve to internal addresses and are refused. Every address the name resolves to must be public
(``is_global``, IPv6 only in global unicast ``2000::/3``) and so must every IPv4 address an IPv6
address embeds (IPv4-compatible ``[::169.254.169.254]``/``[::a9fe:a9fe]``, IPv4-mapped and -translated,
NAT64 ``64:ff9b::/96`` and ``64:ff9b:1::/48``, 6to4, Teredo, ISATAP). The check runs at registration and again at
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
from urllib.parse import urlsplit

from shared.values import value_class

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DELIVERY_TIMEOUT_SECONDS = 10.0
# IPv6 forms that stand for an IPv4 host: such an address is judged by its IPv4 address alone. Python's
# ``ipaddress`` calls the IPv4-compatible ones (``[::169.254.169.254]``, ``[::a9fe:a9fe]``) global.
_IPV4_HOST_FORMS = [
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated, still parsed everywhere)
    ipaddress.ip_network("::ffff:0:0/96"),  # IPv4-mapped
    ipaddress.ip_network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64, well-known prefix
]
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # NAT64, local-use prefix (RFC 8215)
_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")  # every public IPv6 address is in it
# IETF protocol assignments: Python counts two anycast services in it (192.0.0.9, 192.0.0.10) as global,
# but no webhook endpoint lives there, and the rest of the block is special-purpose.
_PROTOCOL_ASSIGNMENTS = ipaddress.ip_network("192.0.0.0/24")
_ISATAP_INTERFACE = 0x00005EFE  # the interface id's upper half (u/l bit masked), then the IPv4 address
_MAX_RESPONSE_BYTES = 64 * 1024


class UnsafeTarget(Exception):
    """The URL may not be called; the message says why (shown to the merchant, names no internals)."""


@value_class
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address the connection goes to


def _embedded_ipv4s(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address ``address`` carries, in any of the forms that route to or stand for it."""
    value = int(address)
    last32 = ipaddress.IPv4Address(value & 0xFFFFFFFF)
    found = [last32] if any(address in form for form in _IPV4_HOST_FORMS) else []
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)  # the server and the client
    if address in _NAT64_LOCAL:  # RFC 6052 for a /48: bits 48-63 and 72-87, around the u octet
        found.append(ipaddress.IPv4Address(address.packed[6:8] + address.packed[9:11]))
    if (value >> 32) & 0xFDFFFFFF == _ISATAP_INTERFACE:
        found.append(last32)
    return found


def _allowed(address: IpAddress, allow_loopback: bool) -> bool:
    if allow_loopback and address.is_loopback:
        return True
    if isinstance(address, ipaddress.IPv4Address):
        return address.is_global and not address.is_multicast and address not in _PROTOCOL_ASSIGNMENTS
    embedded = _embedded_ipv4s(address)
    if not all(_allowed(ipv4, allow_loopback) for ipv4 in embedded):
        return False
    if any(address in form for form in _IPV4_HOST_FORMS):
        return True  # judged by its IPv4 address, above
    return address in _GLOBAL_UNICAST and address.is_global and not address.is_multicast


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
