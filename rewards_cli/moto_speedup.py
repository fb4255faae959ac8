"""moto's TransactWriteItems backs up the whole table before applying a transaction, so that it can roll
back: a deep copy of every item, once per item of the transaction. That makes each transaction cost
O(table size) (413 ms at 20,000 items; a 100,000-code pool import would take hours). Real DynamoDB
touches only the transaction's items, and so does this: the backup is a copy of the items the
transaction names (and the length of the table's stream), restored if the transaction fails; moto's own
whole-table copy is skipped.

moto also parses every condition expression anew (70% of a 99-item transaction's time); the parsed
expression depends only on its text, names and values, so it is cached."""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.models.table as table_module
from moto.dynamodb import comparisons
from moto.dynamodb.models.table import Table

_local = threading.local()


class _NoTableCopies:
    """Stands in for the ``copy`` module inside moto's DynamoDB backend: during a transaction a table's
    "backup" is the table itself (its touched items are backed up by ``_TouchedItems`` instead)."""

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if getattr(_local, "in_transaction", False) and isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


@dataclass(slots=True)
class _Backup:
    table: Table
    hash_key: Any
    range_key: Any
    item: Any  # a deep copy of the item before the transaction, or None when it did not exist


class _TouchedItems:
    def __init__(self, backend: Any, transact_items: list[dict[str, Any]]) -> None:
        self.backups: list[_Backup] = []
        self.stream_lengths: dict[int, tuple[Table, int]] = {}
        for entry in transact_items:
            operation: dict[str, Any] = next(iter(entry.values()), {})
            table = backend.tables.get(operation.get("TableName"))
            if table is None:
                continue
            key = operation.get("Key")
            if key is None and "Item" in operation:
                names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
                key = {name: operation["Item"][name] for name in names if name in operation["Item"]}
            try:
                hash_key, range_key = backend.get_keys_value(table, key or {})
                current = table.get_item(hash_key, range_key)
            except Exception:  # noqa: S112 - an invalid key is moto's to report; nothing is written to it
                continue
            self.backups.append(_Backup(table, hash_key, range_key, copy.deepcopy(current)))
            if table.stream_shard is not None:
                self.stream_lengths.setdefault(id(table), (table, len(table.stream_shard.items)))

    def restore(self) -> None:
        for backup in reversed(self.backups):
            items = backup.table.items
            if backup.range_key is not None:
                if backup.item is None:
                    items[backup.hash_key].pop(backup.range_key, None)
                else:
                    items[backup.hash_key][backup.range_key] = backup.item
            elif backup.item is None:
                items.pop(backup.hash_key, None)
            else:
                items[backup.hash_key] = backup.item
        # A cancelled transaction leaves no stream records, as in DynamoDB.
        for table, length in self.stream_lengths.values():
            if table.stream_shard is not None:
                del table.stream_shard.items[length:]


@lru_cache(maxsize=4096)
def _parsed(expression: str | None, names: str, values: str) -> Any:
    return comparisons.get_filter_expression(expression, json.loads(names), json.loads(values))


def _cached_filter_expression(expression: str | None, names: Any = None, values: Any = None) -> Any:
    return _parsed(expression, json.dumps(names, sort_keys=True), json.dumps(values, sort_keys=True))


def install() -> None:
    backend = dynamodb_models.DynamoDBBackend
    if getattr(backend.transact_write_items, "_touched_items_only", False):
        return
    original = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        touched = _TouchedItems(self, transact_items)
        _local.in_transaction = True
        try:
            original(self, transact_items)
        except BaseException:
            touched.restore()
            raise
        finally:
            _local.in_transaction = False

    transact_write_items._touched_items_only = True  # type: ignore[attr-defined]
    transact_write_items.__wrapped__ = original  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    setattr(dynamodb_models, "copy", _NoTableCopies())  # noqa: B010 - replaces its module reference
    setattr(dynamodb_models, "get_filter_expression", _cached_filter_expression)  # noqa: B010 - same
    setattr(table_module, "get_filter_expression", _cached_filter_expression)  # noqa: B010 - same
