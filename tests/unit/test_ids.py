"""New ids: a prefix and 21 characters of the 62, each character uniform and independent of the others."""

from __future__ import annotations

import secrets
import string
from collections import Counter

import pytest

from shared import ids


def test_a_new_id_is_its_prefix_and_21_characters_of_the_alphabet() -> None:
    made = ids.new_id("txn")
    prefix, characters = made.split("_")
    assert prefix == "txn"
    assert len(characters) == ids.ID_LENGTH == 21
    assert set(characters) <= set(string.ascii_letters + string.digits)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "a" * 21),  # the lowest draw
        (1, "b" + "a" * 20),  # lowest digit first
        (61, "9" + "a" * 20),
        (62, "ab" + "a" * 19),
        (62**21 - 1, "9" * 21),  # the highest draw: every string of 21 characters is one draw
    ],
)
def test_a_draw_is_spelled_in_base_62_lowest_digit_first(value: int, expected: str) -> None:
    assert ids._characters(value) == expected


def test_every_character_is_drawn_in_every_position(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []
    real_randbelow = secrets.randbelow

    def recorded(bound: int) -> int:
        assert bound == 62**21  # the whole range: the first and the last strings can be drawn
        drawn.append(real_randbelow(bound))
        return drawn[-1]

    monkeypatch.setattr(secrets, "randbelow", recorded)
    made = [ids.new_id("x")[2:] for _ in range(4000)]
    assert len(set(made)) == len(made)
    for position in (0, 10, 20):  # ~65 of each character expected per position
        counts = Counter(m[position] for m in made)
        assert len(counts) == 62
        assert min(counts.values()) > 25


def test_a_keyed_id_is_the_same_for_the_same_parts() -> None:
    assert ids.keyed_id("req", "app_1", "order_1") == ids.keyed_id("req", "app_1", "order_1")
    assert ids.keyed_id("req", "app_1", "order_1") != ids.keyed_id("req", "app_1", "order_2")
    assert ids.keyed_id("req", "a", 1) == "req_O4FPypbVnQlDLbMI8XAuZ"  # unchanged by the shared spelling
