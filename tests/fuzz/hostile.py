"""Hostile values, the inputs a schema-driven fuzzer never generates (issue 13): deep nesting, huge and
non-finite numbers, dates whose UTC value leaves the storable range, oversized strings and objects,
control and invisible characters, lone surrogates, invalid UTF-8, odd header bytes.

A hostile request is a valid-looking request (a schemathesis case or a known-good example body) with
one part replaced: one field anywhere in the JSON body (present or not), the whole body, one query or
path parameter, or one header. Body values are JSON text placed verbatim, so that literals Python's
``json`` would never write (``NaN``, a 5,000-digit integer, 10,000 levels of nesting, ``"\\ud800"``)
reach the API as a hostile client sends them.

Choices are made with a ``random.Random`` that hypothesis seeds (``st.randoms()``): hypothesis favours
the first and simplest choices, which left whole classes (a date on one field) unvisited in 300
examples; a seeded generator spreads the examples evenly over fields and classes, and a failure still
replays from hypothesis' database.
"""

from __future__ import annotations

import json
from random import Random
from typing import Any
from urllib.parse import quote

_SENTINEL = "\x00hostile-value\x00"
_ENCODED_SENTINEL = json.dumps(_SENTINEL)

NUMBER_LITERALS = [
    "NaN", "Infinity", "-Infinity", "1e308", "-1e308", "1e400", "-1e400", "1e126", "-1e126",
    "9.9999999999999999999e125", "1e-131", "1e-400", "5e-324", "0.1e-129", "1" * 39, "-" + "9" * 40, "1" * 4301,
    "-" + "7" * 5000, "1" + "0" * 126,
    "12345678901234567890123456789012345678.5", "0." + "0" * 140 + "1", str(2**63), str(-(2**63) - 1), str(2**64),
    "1E+999999999", "-0", "1.0e0000000000000001", "0", "-1", "1.5",
]  # fmt: skip
FIXED_DATES = [
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "1969-12-31T23:59:59Z", "10000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00", "2026-01-01", "99999999999999999999", "1e20",
]  # fmt: skip
_DATE_EDGES = ["9999-12-31T23:59:59", "9999-12-31T00:00:00", "0001-01-01T00:00:00", "1970-01-01T00:00:00",
               "1969-12-31T23:59:59", "2026-06-15T12:00:00"]  # fmt: skip
_OFFSETS = ["-23:59", "+23:59", "-00:01", "+00:01", "Z", "+00:00", "+14:00", "-12:00"]
INVISIBLE = ["\x00", "\n", "\r", "\t", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\uffff", "\ufffe",
             "\ue000", "\U000f0000", "\U0010fffd", "\u0378", "\u200b", "\u202e"]  # fmt: skip
_BLANKS = [" ", "   ", "\u3000", "\u00a0", " \t "]
_LONE_SURROGATES = ['"\\ud800"', '"a\\udfffb"', '"\\udc00\\ud800"']
_OVERSIZED = [65, 129, 201, 256, 1001, 2001, 70_000, 500_000]
STRUCTURES = [
    "[" * 33 + "]" * 33, "[" * 1_000 + "]" * 1_000, "[" * 10_000 + "]" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000,
    '{"a":' * 33 + "1" + "}" * 33, json.dumps({f"k{i}": i for i in range(20_000)}), json.dumps(list(range(100_000))),
    json.dumps(["x" * 1000] * 600), "{}", "[]", "null", "true", '""', '{"a": 1, "a": 2}',
]  # fmt: skip
RAW_BODIES = [b"\xff\xfe{}", b'{"name": "\xc3"}', b'{"name": "\xed\xa0\x80"}', b"{", b"", b"\x00", b"[1,]"]
AUTHORIZATIONS = ["Basic été", "Basic ", "Basic", "Bearer x", "Basic Og==", "Basic " + "A" * 5000, "basic\tYTpi"]
_PATH_SEGMENTS = ["%ff%fe", "%00", "%c3", "%ed%a0%80", "%25", "..", "%2e%2e", "a%2fb", "%", "%zz"]


def extreme_date(rng: Random) -> str:
    """ISO 8601 at the edges of the storable range (or anywhere), with offsets up to ±23:59 that push the
    UTC value out of it."""
    if rng.random() < 0.8:
        edge = rng.choice(_DATE_EDGES)
    else:
        edge = f"{rng.randint(1, 9999):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00"
    offset = rng.choice(_OFFSETS) if rng.random() < 0.8 else f"{rng.choice('+-')}{rng.randint(0, 23):02d}:59"
    return edge + rng.choice(["", ".999999", ".5"]) + offset


def hostile_text(rng: Random) -> str:
    """Readable text with invisible code points mixed in, blank text, or text far over any length limit."""
    kind = rng.randrange(4)
    if kind == 0:
        return "".join(rng.choice([*INVISIBLE, "a", "é", "名", "😀", " "]) for _ in range(rng.randint(1, 8)))
    if kind == 1:
        return rng.choice(_BLANKS)
    if kind == 2:
        return rng.choice(["x", "é", "😀", "\x00"]) * rng.choice(_OVERSIZED)
    return "".join(chr(rng.choice([rng.randint(0x20, 0x7E), rng.randint(0, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))
                   for _ in range(rng.randint(1, 20)))  # fmt: skip


def _string(rng: Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(_LONE_SURROGATES)
    kind = rng.randrange(3)
    text = hostile_text(rng) if kind == 0 else extreme_date(rng) if kind == 1 else rng.choice(FIXED_DATES)
    return json.dumps(text)  # escapes every non-ASCII character, so the text survives any transport


def _number(rng: Random) -> str:
    if rng.random() < 0.7:
        return rng.choice(NUMBER_LITERALS)
    return rng.choice([str(rng.randint(-(10**60), 10**60)), json.dumps(rng.uniform(-1e300, 1e300))])


def json_literal(rng: Random) -> str:
    """A JSON text snippet: a hostile number, string or structure."""
    kind = rng.randrange(3)
    return _number(rng) if kind == 0 else _string(rng) if kind == 1 else rng.choice(STRUCTURES)


def date_literal(rng: Random) -> str:
    """For fields the spec declares as date-time: mostly dates, the rest anything."""
    if rng.random() < 0.75:
        return json.dumps(extreme_date(rng) if rng.random() < 0.8 else rng.choice(FIXED_DATES))
    return json_literal(rng)


def raw_body(rng: Random) -> bytes:
    """A whole body: a hostile JSON literal, invalid UTF-8 or random bytes."""
    kind = rng.randrange(3)
    if kind == 0:
        return json_literal(rng).encode()
    if kind == 1:
        return rng.choice(RAW_BODIES)
    return rng.randbytes(rng.randint(0, 64))


def header_value(rng: Random) -> str:
    """Any latin-1 text an HTTP client can put in a header (no line breaks)."""
    raw = rng.randbytes(rng.randint(0, 80)).decode("latin-1")
    return raw.replace("\r", "").replace("\n", "")


def authorization(rng: Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return rng.choice(AUTHORIZATIONS)
    return ("Basic " if kind == 1 else "") + header_value(rng)


def path_segment(rng: Random) -> str:
    """A path parameter as a client would encode it (undecodable text as invalid UTF-8 bytes)."""
    if rng.random() < 0.3:
        return rng.choice(_PATH_SEGMENTS)
    text = hostile_text(rng) if rng.random() < 0.7 else extreme_date(rng)
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def query_value(rng: Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return hostile_text(rng)
    return extreme_date(rng) if kind == 1 else rng.choice(NUMBER_LITERALS)


# ----------------------------------------------------------------------------------- placement


def body_targets(body: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every node of a JSON body, the body itself included."""
    targets = [prefix]
    if isinstance(body, dict):
        for key, value in body.items():
            targets.extend(body_targets(value, (*prefix, key)))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            targets.extend(body_targets(value, (*prefix, index)))
    return targets


def node_at(body: Any, target: tuple[str | int, ...]) -> Any:
    for step in target:
        body = body[step]
    return body


def body_target(rng: Random, body: Any, declared: list[str]) -> tuple[str | int, ...]:
    """Mostly a field the operation declares (where the body has it, or at the top level where it does
    not yet), so that each of its fields gets its share; otherwise any node or a new key anywhere."""
    nodes = body_targets(body)
    if isinstance(body, dict) and rng.random() < 0.7:
        name = rng.choice(declared)
        return rng.choice([node for node in nodes if node and node[-1] == name] or [(name,)])
    objects = [node for node in nodes if isinstance(node_at(body, node), dict)]
    if objects and rng.random() < 0.3:
        return (*rng.choice(objects), rng.choice(declared))
    return rng.choice(nodes)


def place(body: Any, target: tuple[str | int, ...], literal: str) -> str:
    """The JSON text of ``body`` with the node at ``target`` (or a new key, for a missing one) replaced."""
    if not target:
        return literal
    copy = json.loads(json.dumps(body))
    node_at(copy, target[:-1])[target[-1]] = _SENTINEL
    return json.dumps(copy).replace(_ENCODED_SENTINEL, literal, 1)


# ------------------------------------------------------- stored values that later reads consume (issue 21)

# Numbers written as text, where a schema types a key as a number (seed 004's ``"cart_qty": "4"``): beyond
# what DynamoDB stores, beyond a float's precision, or not numbers at all.
NUMERIC_TEXTS = [
    "1e300",
    "1e-200",
    "1e39",
    "1e400",
    "-0",
    "0e-999999",
    "0.1000000000000000000001",
    "12345678901234567890123456789012345678901",
    "1e" + "9" * 30,
    " 4 ",
    "NaN",
    "Infinity",
    "1_000",
]
# What Segment sends as traits and properties: objects, lists of objects, lists of lists, nulls inside.
NESTED_SHAPES: list[object] = [
    {"city": "Paris", "zip": {"code": 75001}},
    [{"id": 1}, {"id": "a"}],
    [["a"], [], [{"b": None}]],
    [None, True, 1, "a"],
    {"a": {"b": {"c": {"d": 1}}}},
    [],
    {},
]


def numeric_text(rng: Random) -> str:
    """A JSON string literal holding a number as text."""
    return json.dumps(rng.choice(NUMERIC_TEXTS))


def nested_shape(rng: Random) -> str:
    """A JSON literal of a nested object or list, as an event pipeline sends one."""
    return json.dumps(rng.choice(NESTED_SHAPES))
