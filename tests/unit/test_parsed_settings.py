"""A container's parse of stored settings is reused only for the very settings it was parsed from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from shared.domain.parsed_settings import ParsedSettings


class CountingParse:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if settings.get("bad"):
            raise ValueError("refused")
        return {"parsed": dict(settings)}


def test_the_same_settings_are_parsed_once() -> None:
    parse = CountingParse()
    cache = ParsedSettings(parse)
    first = cache.get(("rew_1", 1), {"name": "a"})
    assert cache.get(("rew_1", 1), {"name": "a"}) is first
    assert parse.calls == 1


def test_other_settings_under_the_same_key_are_parsed_again() -> None:
    """No staleness: an item read with other settings (another application's, a rewrite) gets its own."""
    parse = CountingParse()
    cache = ParsedSettings(parse)
    cache.get(("rew_1", 1), {"name": "a"})
    assert cache.get(("rew_1", 1), {"name": "b"}) == {"parsed": {"name": "b"}}
    assert cache.get(("rew_1", 2), {"name": "b"}) == {"parsed": {"name": "b"}}
    assert parse.calls == 3


def test_a_change_to_the_settings_read_after_parsing_is_not_mistaken_for_them() -> None:
    parse = CountingParse()
    cache = ParsedSettings(parse)
    settings: dict[str, Any] = {"name": "a"}
    cache.get(("rew_1", 1), settings)
    settings["name"] = "b"
    assert cache.get(("rew_1", 1), settings) == {"parsed": {"name": "b"}}
    assert parse.calls == 2


def test_refused_settings_are_refused_every_time() -> None:
    parse = CountingParse()
    cache = ParsedSettings(parse)
    for _ in range(2):
        with pytest.raises(ValueError, match="refused"):
            cache.get(("rew_1", 1), {"bad": True})
    assert parse.calls == 2


def test_the_least_recently_used_goes_past_the_capacity() -> None:
    parse = CountingParse()
    cache = ParsedSettings(parse, capacity=2)
    cache.get("a", {"n": 1})
    cache.get("b", {"n": 2})
    cache.get("a", {"n": 1})  # "b" is now the least recently used
    cache.get("c", {"n": 3})
    assert parse.calls == 3
    cache.get("a", {"n": 1})
    assert parse.calls == 3
    cache.get("b", {"n": 2})
    assert parse.calls == 4
