"""``@value_class`` answers as ``@dataclass(frozen=True, slots=True)`` does (shared/values.py)."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from shared.values import value_class


@value_class
class Point:
    x: int
    y: int = 0
    note: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class GeneratedPoint:
    x: int
    y: int = 0
    note: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)


@value_class
class One:
    only: tuple[int, ...]


@value_class
class Nothing:
    pass


@value_class
class Node:
    children: list[Node]


def test_repr_is_the_generated_ones() -> None:
    made, generated = Point(1, 2, "n", "s"), GeneratedPoint(1, 2, "n", "s")
    assert repr(made) == repr(generated).replace("GeneratedPoint", "Point") == "Point(x=1, y=2, note='n')"
    assert repr(Nothing()) == "Nothing()"
    looped = Node([])
    looped.children.append(looped)
    assert repr(looped) == "Node(children=[...])"


def test_equality_compares_the_compared_fields_of_the_same_class() -> None:
    assert Point(1, 2, "a") == Point(1, 2, "b")  # note is not compared
    assert Point(1, 2, secret="a") != Point(1, 2, secret="b")  # hidden from repr, still compared
    assert Point(1, 2) != Point(1, 3)
    assert Point(1, 2) != GeneratedPoint(1, 2)  # type: ignore[comparison-overlap]
    assert Point(1, 2).__eq__(GeneratedPoint(1, 2)) is NotImplemented
    assert One((1,)) == One((1,))
    assert One((1,)) != One((2,))
    assert Nothing() == Nothing()


def test_equal_values_hash_alike_and_work_as_keys() -> None:
    assert hash(Point(1, 2, "a")) == hash(Point(1, 2, "b"))
    assert {Point(1, 2): "p"}[Point(1, 2, "other note")] == "p"
    assert len({One((1,)), One((1,)), One((2,))}) == 2
    assert hash(Nothing()) == hash(Nothing())


def test_it_is_a_frozen_slotted_dataclass() -> None:
    made = Point(1)
    assert dataclasses.is_dataclass(made)
    assert not hasattr(made, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.x = 2  # type: ignore[misc]
    assert dataclasses.replace(made, y=5) == Point(1, 5)
    assert pickle.loads(pickle.dumps(made)) == made  # noqa: S301 - our own bytes
    assert Point.__match_args__ == ("x", "y", "note", "secret")
