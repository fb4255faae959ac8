"""The table's stream, read back: each record becomes the committed item change it reports, with the
application it belongs to (taken from the key, the one place tenant keys are known)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.entities.changes import ItemChange
from shared.storage import keys
from shared.storage.dynamodb import from_item


def item_change(record: Mapping[str, Any]) -> ItemChange | None:
    """The change a DynamoDB stream record reports; None for items outside any application."""
    change = record.get("dynamodb") or {}
    app_id = keys.app_id_of(str(change.get("Keys", {}).get(keys.PK, {}).get("S", "")))
    if app_id is None:
        return None
    old, new = change.get("OldImage"), change.get("NewImage")
    return ItemChange(
        app_id=app_id,
        kind=record["eventName"],
        old=from_item(old) if old else None,
        new=from_item(new) if new else None,
    )


def sequence_number(record: Mapping[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])
