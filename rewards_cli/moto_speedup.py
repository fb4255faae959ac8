"""moto's TransactWriteItems backs up the whole table before applying a transaction, so that it can roll
back, but it takes that deep copy once per item of the transaction (all of the same, untouched table),
which makes a 6-item transaction cost six full-table copies. Taking it once per transaction gives the
same backup, and keeps local ingestion from slowing down as the embedded table grows."""

from __future__ import annotations

import copy
import threading
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.table import Table

_local = threading.local()


class _OneBackupPerTransaction:
    """Stands in for the ``copy`` module inside moto's DynamoDB backend."""

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        backups: dict[int, Any] | None = getattr(_local, "backups", None)
        if backups is None or not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if id(value) not in backups:
            backups[id(value)] = copy.deepcopy(value, memo)
        return backups[id(value)]

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def install() -> None:
    backend = dynamodb_models.DynamoDBBackend
    if getattr(backend.transact_write_items, "_one_backup", False):
        return
    original = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        _local.backups = {}
        try:
            original(self, transact_items)
        finally:
            _local.backups = None

    transact_write_items._one_backup = True  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    setattr(dynamodb_models, "copy", _OneBackupPerTransaction())  # noqa: B010 - replaces its module reference
