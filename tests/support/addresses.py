"""Internal IPv4 addresses and the ways to spell them in a URL: the IPv4 text forms ``inet_aton`` reads
(decimal, octal, hexadecimal, fewer than four parts) and every IPv6 form that embeds an IPv4 address.
Used by the webhook target property tests and by the hostile fuzzing of URL fields."""

from __future__ import annotations

import ipaddress
from random import Random

# Everything a webhook may never reach: RFC 6890's special-purpose blocks that are not global.
INTERNAL_NETWORKS = [
    ipaddress.IPv4Network(n)
    for n in ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
              "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
              "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")
]  # fmt: skip
LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
_PUBLIC_TEREDO_SERVER = ipaddress.IPv4Address("65.54.227.120")


def ipv4_spellings(address: ipaddress.IPv4Address) -> list[str]:
    """Host names that ``getaddrinfo`` reads as ``address`` without asking DNS."""
    a, b, c, d = address.packed
    n = int(address)
    return [
        str(address),
        str(n),  # 2852039166
        hex(n),  # 0xa9fea9fe
        "0" + format(n, "o"),  # 025177524776
        ".".join(f"0{part:o}" for part in (a, b, c, d)),  # 0251.0376.0251.0376
        ".".join(hex(part) for part in (a, b, c, d)),  # 0xa9.0xfe.0xa9.0xfe
        f"{a}.{b}.{(c << 8) | d}",  # 169.254.43518
        f"{a}.{(b << 16) | (c << 8) | d}",  # 169.16689662
    ]


def ipv6_embeddings(address: ipaddress.IPv4Address) -> list[str]:
    """IPv6 addresses (without brackets) that carry ``address``, each in a form that routes to it or
    stands for it."""
    n = int(address)
    words = f"{n >> 16:x}:{n & 0xFFFF:x}"
    obscured = int(address) ^ 0xFFFFFFFF
    local_nat64 = b"\x00\x64\xff\x9b\x00\x01" + address.packed[:2] + b"\x00" + address.packed[2:] + b"\x00" * 5
    return [
        f"::{address}",  # IPv4-compatible
        f"::{words}",
        f"0:0:0:0:0:0:{address}",
        f"::ffff:{address}",  # IPv4-mapped
        f"::FFFF:{words.upper()}",
        f"0000:0000:0000:0000:0000:ffff:{address}",
        f"::ffff:0:{address}",  # IPv4-translated
        f"64:ff9b::{address}",  # NAT64
        f"64:ff9b::{words}",
        str(ipaddress.IPv6Address(local_nat64)),  # NAT64 local-use prefix
        f"2002:{words}::1",  # 6to4
        f"2001:0:{_PUBLIC_TEREDO_SERVER.packed.hex()[:4]}:{_PUBLIC_TEREDO_SERVER.packed.hex()[4:]}:8000:63bf:"
        f"{obscured >> 16:x}:{obscured & 0xFFFF:x}",  # Teredo client
        f"2001:0:{words}:8000:63bf:3fff:fdd2",  # Teredo server
        f"2600:1f18::5efe:{address}",  # ISATAP
        f"2600:1f18::200:5efe:{words}",
    ]


def host_spellings(address: ipaddress.IPv4Address) -> list[str]:
    """``address`` as the host part of a URL, every way."""
    return ipv4_spellings(address) + [f"[{v6}]" for v6 in ipv6_embeddings(address)]


def internal_address(rng: Random, *, loopback: bool = True) -> ipaddress.IPv4Address:
    network = rng.choice([n for n in INTERNAL_NETWORKS if loopback or n != LOOPBACK])
    return network[rng.randrange(network.num_addresses)]


def internal_url(rng: Random) -> str:
    """An https URL whose host is an internal IPv4 address, spelt any way; not loopback, which the local
    runner and the tests allow."""
    return f"https://{rng.choice(host_spellings(internal_address(rng, loopback=False)))}/hooks"
