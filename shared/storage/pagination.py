"""Pages of one partition with opaque cursors. A cursor carries only the sort key of the last item
returned: the partition is always rebuilt from the caller's own application, so a cursor can never lead
into another tenant's data. One more item than asked is read, so ``next_cursor`` is null exactly when
there is nothing more. A page of large items ends early (``MAX_PAGE_BYTES``): it may hold fewer than asked.

A list spread over shards (``Shards``, for a write rate no one partition takes) pages the same way: its
items are ordered by a sort key no two of them share, so the last one shown is a position in every shard
at once, and the next page reads each shard from strictly after it."""

from __future__ import annotations

import base64
import binascii
import json
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_json

from shared.errors import ValidationFailed
from shared.storage import dynamodb, keys
from shared.storage.dynamodb import Expression, Item
from shared.values import value_class

# A page stops reading once its items take this many bytes (as JSON, near DynamoDB's own measure of an
# item): no answer can carry more (shared/api/pages.py cuts one at 4 MB as sent), so reading on would only
# cost. A page still holds at least one item.
MAX_PAGE_BYTES = 4_000_000
# Items a shard's query reads at least when the list is filtered (``Shards.filter_equals``).
FILTERED_READ_SIZE = 200


def _encode(sort_key: str) -> str:
    # UTF-8, not \u escapes: the longest sort key (a coupon redemption's, with an order id of 128 astral
    # characters) stays a cursor of at most 715 characters, which the cursor parameter accepts
    encoded = json.dumps({"sk": sort_key}, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(encoded).decode().rstrip("=")


def _decode(cursor: str, sort_key_prefix: str) -> str:
    try:
        sort_key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["sk"]
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise ValidationFailed("cursor: is not a cursor this API returned") from error
    # a key is never empty (DynamoDB refuses to compare with an empty one)
    if not isinstance(sort_key, str) or not sort_key or not sort_key.startswith(sort_key_prefix):
        raise ValidationFailed("cursor: is not a cursor this API returned")
    return sort_key


def _within(sort_key: str, sort_key_range: tuple[str, str] | None) -> str:
    """A cursor of a range's page is in the range (DynamoDB refuses to start a query outside its key
    condition): one from a page of other bounds is refused, not a 5xx."""
    if sort_key_range is not None and not sort_key_range[0] <= sort_key <= sort_key_range[1]:
        raise ValidationFailed("cursor: is not a cursor of a page with these filters")
    return sort_key


def cursor_for(sort_key: str) -> str:
    """The opaque cursor of a page that ends at ``sort_key`` (for pages read from an index)."""
    return _encode(sort_key)


def sort_key_of(cursor: str, sort_key_prefix: str) -> str:
    """The sort key a cursor carries; refused when it is not one this API returned."""
    return _decode(cursor, sort_key_prefix)


def page(
    partition: str,
    sort_key_prefix: str,
    limit: int,
    cursor: str | None,
    *,
    newest_first: bool = False,
    consistent: bool = False,
    filter_equals: Mapping[str, Any] | None = None,
    sort_key_range: tuple[str, str] | None = None,
) -> tuple[list[Item], str | None]:
    """``filter_equals``: only items whose attributes have these values. DynamoDB filters after reading,
    so a filtered page may take several reads of the partition (each at most ``limit + 1`` items).
    ``sort_key_range``: only sort keys from the first to the second, both included (each starting with
    ``sort_key_prefix``)."""
    start: Item | None = None
    if cursor:
        start = {keys.PK: partition, keys.SK: _within(_decode(cursor, sort_key_prefix), sort_key_range)}
    key_condition = Expression(
        "PK = :pk AND begins_with(SK, :prefix)", values={":pk": partition, ":prefix": sort_key_prefix}
    )
    if sort_key_range is not None:
        key_condition = Expression(
            "PK = :pk AND SK BETWEEN :first AND :last",
            values={":pk": partition, ":first": sort_key_range[0], ":last": sort_key_range[1]},
        )
    filtered = _equals_filter(filter_equals)
    found: list[Item] = []
    read = 0
    while True:
        result = dynamodb.query(
            key_condition,
            limit=limit + 1,
            start_key=start,
            newest_first=newest_first,
            consistent=consistent,
            filter_expression=filtered,
        )
        for item in result.items:
            if len(found) == limit or read > MAX_PAGE_BYTES:  # full, and there is one more
                return found, _encode(found[-1][keys.SK])
            found.append(item)
            read += len(to_json(item, fallback=str))
        start = result.last_key
        if start is None:
            return found, None


def _equals_filter(filter_equals: Mapping[str, Any] | None) -> Expression | None:
    if not filter_equals:
        return None
    return Expression(
        " AND ".join(f"#f{i} = :f{i}" for i in range(len(filter_equals))),
        {f"#f{i}": name for i, name in enumerate(filter_equals)},
        {f":f{i}": value for i, value in enumerate(filter_equals.values())},
    )


@value_class
class Shards:
    """Partitions holding one list between them (and nothing else), each item under one of them, its
    ``sort_key_name`` unique across all of them; read from ``index`` when given. ``sort_key_range``: only
    sort keys from the first to the second, both included; ``filter_equals``: only items whose attributes
    have these values (filtered after reading: a page may take more queries)."""

    partitions: Sequence[str]
    sort_key_prefix: str
    partition_key_name: str = keys.PK
    sort_key_name: str = keys.SK
    index: str | None = None
    consistent: bool = False
    sort_key_range: tuple[str, str] | None = None
    filter_equals: Mapping[str, Any] | None = None


@dataclass(slots=True)
class _ShardReader:
    """One shard read newest first from strictly before ``before``, a few items a query, as needed."""

    shards: Shards
    partition: str
    before: str | None
    read_size: int
    buffered: deque[Item] = field(default_factory=deque)
    next_start: Item | None = None
    exhausted: bool = False

    def head(self) -> Item | None:
        """The shard's next item, after as many queries as it takes (none once it is buffered)."""
        while not self.buffered and not self.exhausted:
            result = dynamodb.query(
                self._key_condition(),
                index=self.shards.index,
                limit=self.read_size,
                start_key=self.next_start,
                newest_first=True,
                consistent=self.shards.consistent,
                filter_expression=_equals_filter(self.shards.filter_equals),
            )
            # a range's last key may be the cursor's own item (a key condition has one bound on each side)
            self.buffered.extend(item for item in result.items if item[self.shards.sort_key_name] != self.before)
            self.next_start = result.last_key
            self.exhausted = result.last_key is None
        return self.buffered[0] if self.buffered else None

    def _key_condition(self) -> Expression:
        partition_key, sort_key = self.shards.partition_key_name, self.shards.sort_key_name
        bounds = self.shards.sort_key_range
        if bounds is not None:
            last = bounds[1] if self.before is None else min(bounds[1], self.before)
            return Expression(
                f"{partition_key} = :pk AND {sort_key} BETWEEN :first AND :last",
                values={":pk": self.partition, ":first": bounds[0], ":last": last},
            )
        if self.before is not None:
            return Expression(
                f"{partition_key} = :pk AND {sort_key} < :before",
                values={":pk": self.partition, ":before": self.before},
            )
        return Expression(f"{partition_key} = :pk", values={":pk": self.partition})


def newest_first_across(shards: Shards, limit: int, cursor: str | None) -> tuple[list[Item], str | None]:
    """Up to ``limit`` items of every shard merged, newest first, after ``cursor``; the cursor of the next
    page when there is more. Each shard is first asked for its share of the page and one more (a page
    usually takes one query a shard), then for more only when the merge has used up what it gave.
    An item written meanwhile is shown on a later page only if it sorts after the cursor, never twice."""
    before = _within(_decode(cursor, shards.sort_key_prefix), shards.sort_key_range) if cursor else None
    read_size = -(-(limit + 1) // len(shards.partitions)) + 1
    if shards.filter_equals:
        # a query's Limit counts the items read, matching or not: a sparse filter would take a query per
        # few items; index entries are small, so each query reads a good many
        read_size = max(read_size, FILTERED_READ_SIZE)
    readers = [_ShardReader(shards, partition, before, read_size) for partition in shards.partitions]
    found: list[Item] = []
    read = 0
    while True:
        heads = [(head, reader) for reader in readers if (head := reader.head()) is not None]
        if not heads:
            return found, None
        if len(found) == limit or read > MAX_PAGE_BYTES:  # full, and there is one more
            return found, _encode(found[-1][shards.sort_key_name])
        item, reader = max(heads, key=lambda pair: pair[0][shards.sort_key_name])
        found.append(reader.buffered.popleft())
        read += len(to_json(item, fallback=str))
