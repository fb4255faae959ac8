"""A container's parses of stored settings, reused while the stored settings are the same.

A catalogue page validates every reward's stored settings (a pydantic model and its eligibility rules)
on every request: a third of the route's own CPU. The settings a request reads are always the ones it
parses, never older: an entry serves only the very item read (its id and version) and only when the
settings it was parsed from are equal to those just read, so there is no staleness to bound and no
entry can serve another application (its settings would have to be equal, and then so is the parse).
The parse is shared between requests: its result is not changed in place by anyone (it is the
settings as read; a change is written as new settings and read again).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# Items whose parse one container keeps (the least recently used dropped first): a few catalogues.
CACHED_ITEMS = 2048


class ParsedSettings(Generic[T]):
    def __init__(self, parse: Callable[[Mapping[str, Any]], T], capacity: int = CACHED_ITEMS) -> None:
        self._parse = parse
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, tuple[Mapping[str, Any], T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, settings: Mapping[str, Any]) -> T:
        """``parse(settings)``, parsed once while ``key`` (an item and its version) reads the same settings."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] == settings:
                self._entries.move_to_end(key)
                return found[1]
        parsed = self._parse(settings)  # raises as before on settings it refuses: nothing kept
        with self._lock:
            self._entries[key] = (copy.deepcopy(settings), parsed)
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return parsed
