"""A per-container cache of what changes rarely and is read on every request, never served more than
``max_age_ms`` past its last check: once an entry is that old, the next read first reads the value's
version (one small item) and loads the value again only when the version moved. Every writer changes the
version in the same transaction as the value, and forgets its own container's entry, so that its
container sees the change at once and every other one within ``max_age_ms``. A value as small as a
version item is its own version (``get_whole``): read whole when its entry is that old.

Why not Powertools' Parameters utility (``DynamoDBProvider`` with ``max_age``), the library for this:
- its ``get`` reads an item by partition key alone; this table's items need their sort key too;
- its ``get_multiple`` reads the whole partition again each time ``max_age`` passes, in every container,
  and a value is one attribute per item: the catalogue is whole items, and reading all of them per
  container per ``max_age`` is the cost this cache removes (here only a change triggers a load);
- it reads through a boto3 resource of its own (beside ``shared.storage.dynamodb``'s client, its error
  translation and the local runner's endpoint) and ages entries by ``datetime.now``, which tests cannot
  move (they move ``shared.clock``).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from shared import clock
from shared.values import value_class

V = TypeVar("V")

# How old an application's settings that every request reads (its campaigns, its points policy) may be:
# a change made in one container applies in every other within this many seconds (at once in its own).
# Short enough that a merchant pausing a campaign or changing the points policy sees events follow it
# before they can check; long enough that each container reads each version item only every few seconds
# (1,000 containers: 200 units a second of a partition's 3,000).
STALENESS_SECONDS = 5
# Applications whose settings one container keeps (the least recently read are dropped first).
CACHED_APPLICATIONS = 64


@value_class
class _Entry(Generic[V]):
    version: object
    checked_ms: int  # when the version was read (taken before reading it)
    value: V


class VersionedCache(Generic[V]):
    """At most ``capacity`` keys (the least recently read go first); safe to share between threads."""

    # every cache made, for ``clear_every`` (tests that start a new store)
    _made: weakref.WeakSet[VersionedCache[Any]] = weakref.WeakSet()

    def __init__(self, max_age_ms: int = STALENESS_SECONDS * 1000, capacity: int = CACHED_APPLICATIONS) -> None:
        self.max_age_ms = max_age_ms
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, _Entry[V]] = OrderedDict()
        self._lock = threading.Lock()
        # Counts ``forget`` calls: a load that began before one must not store what it read.
        self._forgotten = 0
        VersionedCache._made.add(self)

    def get(self, key: Hashable, version: Callable[[], object], load: Callable[[], V]) -> V:
        """The value of ``key``: cached while younger than ``max_age_ms``; else ``version()`` is read and,
        when it differs from the cached entry's, ``load()``. ``load`` must read at least as new as
        ``version`` (strongly consistent, after it)."""

        def refreshed(entry: _Entry[V] | None) -> tuple[object, V]:
            current = version()
            return current, entry.value if entry is not None and entry.version == current else load()

        return self._read(key, refreshed)

    def get_whole(self, key: Hashable, read: Callable[[], V]) -> V:
        """The value of ``key``, for a value as small as a version item (its own version): cached while
        younger than ``max_age_ms``; else ``read()`` again."""

        def refreshed(_: _Entry[V] | None) -> tuple[object, V]:
            value = read()
            return value, value

        return self._read(key, refreshed)

    def _read(self, key: Hashable, refreshed: Callable[[_Entry[V] | None], tuple[object, V]]) -> V:
        now = clock.now_epoch_ms()
        with self._lock:
            entry = self._entries.get(key)
            forgotten = self._forgotten
            # a clock that went back counts as expired: the age is then unknown
            if entry is not None and 0 <= now - entry.checked_ms < self.max_age_ms:
                self._entries.move_to_end(key)
                return entry.value
        current, value = refreshed(entry)
        with self._lock:
            if self._forgotten == forgotten:
                self._entries[key] = _Entry(current, now, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
        return value

    def forget(self, key: Hashable) -> None:
        """After this container changed ``key``'s value: its next read loads it again."""
        with self._lock:
            self._entries.pop(key, None)
            self._forgotten += 1

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._forgotten += 1

    @classmethod
    def clear_every(cls) -> None:
        """Every cache of this process forgets everything (a test's new store holds none of it)."""
        for cache in list(cls._made):
            cache.clear()
