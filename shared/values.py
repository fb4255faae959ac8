"""``@value_class``: ``@dataclass(frozen=True, slots=True)`` with less to compile at import.

A dataclass generates its ``__repr__``, ``__eq__`` and ``__hash__`` as source text and compiles them for
each class, about 0.17 ms of CPU per class, 30% of what the decorator costs; a function's cold start
defines 30 to 60 of our values (README "Cold start and SnapStart"). Here the three are written once and
shared by every value class, reading the names of the fields each one shows, compares and hashes from
the class. They answer as the generated ones do: the same text, the same equality (the same class,
then every compared field equal) and equal values hashing alike; ``field(repr=False)``,
``field(compare=False)`` and ``field(hash=...)`` are respected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, dataclass_transform


def _values(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The values of ``names`` of an instance, as one tuple (``attrgetter`` of one name answers the value)."""
    if not names:
        return lambda _: ()
    getter = attrgetter(*names)
    return getter if len(names) > 1 else lambda instance: (getter(instance),)


@recursive_repr()
def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__value_shown__)
    return f"{self.__class__.__qualname__}({shown})"


def _eq(self: Any, other: Any) -> object:  # a bool, or NotImplemented for another class
    if self is other:
        return True
    if other.__class__ is self.__class__:
        compared: Callable[[Any], tuple[Any, ...]] = self.__value_compared__
        return compared(self) == compared(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self.__value_hashed__(self))


@dataclass_transform(frozen_default=True)
def value_class[T](cls: type[T]) -> type[T]:
    made: Any = dataclass(cls, frozen=True, slots=True, eq=False, repr=False)
    own = fields(made)
    made.__value_shown__ = tuple(f.name for f in own if f.repr)
    made.__value_compared__ = staticmethod(_values(tuple(f.name for f in own if f.compare)))
    made.__value_hashed__ = staticmethod(
        _values(tuple(f.name for f in own if (f.compare if f.hash is None else f.hash)))
    )
    made.__repr__, made.__eq__, made.__hash__ = _repr, _eq, _hash
    return made  # type: ignore[no-any-return]
