"""Which webhook targets the engine may call: by what the host resolves to, however it is spelt."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared.outbound import UnsafeTarget, check
from tests.support.addresses import INTERNAL_NETWORKS, host_spellings, ipv6_embeddings

METADATA_SPELLINGS = [
    "https://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254/",
    "https://2852039166/",  # decimal
    "https://0251.0376.0251.0376/",  # octal
    "https://0xa9fea9fe/",  # hexadecimal
    "https://0xa9.0xfe.0xa9.0xfe/",
    "https://[::ffff:169.254.169.254]/",  # IPv4-mapped IPv6
    "https://[::ffff:a9fe:a9fe]/",
    "https://[64:ff9b::a9fe:a9fe]/",  # NAT64
    "https://[2002:a9fe:a9fe::1]/",  # 6to4
    "https://[fe80::1]/",  # IPv6 link-local
    "https://[fd00:ec2::254]/",  # EC2's IPv6 metadata address (unique local)
    "https://[::169.254.169.254]/",  # IPv4-compatible IPv6: ipaddress calls it global
    "https://[::a9fe:a9fe]/",
    "https://[::ffff:0:a9fe:a9fe]/",  # IPv4-translated
    "https://[64:ff9b:1:a9fe:a9:fe00::]/",  # NAT64 local-use prefix
    "https://[2600:1f18::5efe:169.254.169.254]/",  # ISATAP
]
INTERNAL = [
    "https://10.0.0.1/",
    "https://172.16.5.4/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",  # carrier-grade NAT
    "https://0.0.0.0/",
    "https://0/",
    "https://[::]/",
    "https://[fc00::1]/",
    "https://224.0.0.1/",  # multicast
    "https://198.18.0.1/",  # benchmarking
    "https://[::ffff:10.0.0.1]/",
    "https://[::10.0.0.1]/",
    "https://[::1:0:0:0]/",  # outside global unicast (2000::/3), yet "global" to ipaddress
]
LOOPBACK = [
    "https://127.0.0.1/",
    "http://127.0.0.1:4000/hooks",
    "https://2130706433/",  # decimal
    "https://0177.0.0.1/",  # octal
    "https://127.1/",
    "https://0x7f000001/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "http://localhost:4000/",
]
PUBLIC = ["https://93.184.215.14/hooks?x=1", "https://[2606:4700:4700::1111]/", "https://93.184.215.14:8443/"]


@pytest.mark.parametrize("url", METADATA_SPELLINGS + INTERNAL)
@pytest.mark.parametrize("allow_local", [False, True])
def test_internal_addresses_are_refused_everywhere(url: str, allow_local: bool) -> None:
    with pytest.raises(UnsafeTarget):
        check(url, allow_local=allow_local)


@pytest.mark.parametrize("url", LOOPBACK)
def test_loopback_is_refused_in_aws(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        check(url, allow_local=False)


@pytest.mark.parametrize("url", LOOPBACK)
def test_the_local_runner_alone_allows_loopback(url: str) -> None:
    target = check(url, allow_local=True)
    assert target.address in ("127.0.0.1", "::1", "::ffff:127.0.0.1")


@pytest.mark.parametrize("url", PUBLIC)
@pytest.mark.parametrize("allow_local", [False, True])
def test_public_https_targets_are_allowed(url: str, allow_local: bool) -> None:
    target = check(url, allow_local=allow_local)
    assert target.scheme == "https"


def test_the_connection_goes_to_the_checked_address_with_the_path_and_query() -> None:
    target = check("https://93.184.215.14:8443/a/b?c=d", allow_local=False)
    assert (target.address, target.port, target.path) == ("93.184.215.14", 8443, "/a/b?c=d")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.215.14/", "must be an https URL"),
        ("ftp://93.184.215.14/", "must be an https URL"),
        ("https:///nohost", "must be an https URL"),
        ("https://user:secret@93.184.215.14/", "must not carry credentials"),
        ("https://93.184.215.14:99999/", "is not a valid URL"),
        ("https://[not-an-ip]/", "is not a valid URL"),
    ],
)
def test_malformed_or_plain_http_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeTarget, match=reason):
        check(url, allow_local=False)


def test_http_to_a_public_host_is_refused_even_locally() -> None:
    with pytest.raises(UnsafeTarget, match="https"):
        check("http://93.184.215.14/", allow_local=True)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def resolve(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            family = {True: socket.AF_INET6, False: socket.AF_INET}
            return [(family[":" in a], socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return answers


@pytest.mark.parametrize(
    "addresses",
    [["169.254.169.254"], ["10.1.2.3"], ["93.184.215.14", "10.1.2.3"], ["fe80::1%eth0"], ["127.0.0.1"]],
)
def test_a_name_is_refused_if_any_address_it_resolves_to_is_internal(
    dns: dict[str, list[str]], addresses: list[str]
) -> None:
    dns["hooks.merchant.test"] = addresses
    with pytest.raises(UnsafeTarget, match="internal address"):
        check("https://hooks.merchant.test/", allow_local=False)


@pytest.mark.parametrize("host", ["192.0.0.9", "192.0.0.10", "[::ffff:192.0.0.10]"])
def test_the_protocol_assignment_block_is_refused_though_python_counts_its_anycast_as_global(host: str) -> None:
    # The property test drew 192.0.0.9: ipaddress calls it global, yet no webhook endpoint lives there.
    with pytest.raises(UnsafeTarget, match="internal address"):
        check(f"https://{host}/hooks", allow_local=False)


def test_a_name_resolving_to_public_addresses_is_allowed(dns: dict[str, list[str]]) -> None:
    dns["hooks.merchant.test"] = ["93.184.215.14", "2606:4700:4700::1111"]
    target = check("https://hooks.merchant.test/rewards", allow_local=False)
    assert (target.host, target.address) == ("hooks.merchant.test", "93.184.215.14")


def test_a_name_that_does_not_resolve_is_refused(dns: dict[str, list[str]]) -> None:
    with pytest.raises(UnsafeTarget, match="does not resolve"):
        check("https://no-such-host.invalid/", allow_local=False)


@st.composite
def internal_hosts(draw: st.DrawFn) -> tuple[ipaddress.IPv4Address, str]:
    """An internal IPv4 address and one spelling of it as a URL's host (tests/support/addresses.py)."""
    network = draw(st.sampled_from(INTERNAL_NETWORKS))
    address = network[draw(st.integers(0, network.num_addresses - 1))]
    return address, draw(st.sampled_from(host_spellings(address)))


@given(drawn=internal_hosts(), allow_local=st.booleans(), port=st.sampled_from(["", ":443", ":8443"]))
@settings(max_examples=400, deadline=None)
def test_an_internal_ipv4_address_is_refused_however_it_is_spelt(
    drawn: tuple[ipaddress.IPv4Address, str], allow_local: bool, port: str
) -> None:
    """README: internal addresses are refused "however they are spelt": every IPv4 text form and every
    IPv6 form embedding the address (the local runner alone may call loopback)."""
    address, host = drawn
    resolved = {ipaddress.ip_address(info[4][0]) for info in socket.getaddrinfo(host.strip("[]"), 443)}
    assert len(resolved) == 1, (host, resolved)  # the spelling is read as an address, not looked up
    # The local runner's allowance: loopback, also where the spelling is IPv6's own loopback (::0.0.0.1 is ::1)
    assume(not (allow_local and (address.is_loopback or resolved.pop().is_loopback)))
    with pytest.raises(UnsafeTarget, match=r"internal address|https URL"):
        check(f"https://{host}{port}/hooks", allow_local=allow_local)


# The IPv6 forms that stand for an IPv4 host (IPv4-compatible, -mapped, -translated, NAT64's well-known prefix).
IPV4_HOST_FORMS = [ipaddress.IPv6Network(n) for n in ("::/96", "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96")]


@pytest.mark.parametrize(
    "embedded",
    [
        v6
        for v6 in ipv6_embeddings(ipaddress.IPv4Address("93.184.215.14"))
        if any(ipaddress.IPv6Address(v6) in form for form in IPV4_HOST_FORMS)
    ],
)
def test_a_public_ipv4_address_in_an_ipv4_form_of_ipv6_is_judged_by_the_ipv4_address(embedded: str) -> None:
    """Those forms are refused for what they carry, not for their form (6to4, Teredo and ISATAP, which
    reach it through relays, are refused whatever they carry: not global to ``ipaddress``, or relayed)."""
    assert check(f"https://[{embedded}]/hooks", allow_local=False).address == str(ipaddress.IPv6Address(embedded))
