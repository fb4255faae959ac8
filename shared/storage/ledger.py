"""The points ledger: one immutable entry per credit or debit, in the customer's partition, newest last
by sort key. Entries are written in the same transaction as the balance they change."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from shared.storage import keys, pagination
from shared.storage.dynamodb import Expression, Item, Put

Reason = Literal["rule_completion", "reward_redemption", "adjustment"]


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    txn_id: str
    source_id: str
    points: int
    balance_after: int
    reason: Reason
    created_at: str
    created_ms: int
    campaign_id: str | None = None
    rule_id: str | None = None
    event_name: str | None = None
    reward_id: str | None = None
    description: str | None = None


def put(app_id: str, entry: LedgerEntry) -> Put:
    return Put(
        {
            **keys.ledger_entry(app_id, entry.source_id, entry.created_ms, entry.txn_id),
            "type": "ledger_entry",
            **asdict(entry),
        },
        condition=Expression("attribute_not_exists(PK)"),
    )


def _from_item(item: Item) -> LedgerEntry:
    fields = LedgerEntry.__dataclass_fields__
    return LedgerEntry(**{name: item.get(name) for name in fields})  # type: ignore[arg-type]


def page(app_id: str, source_id: str, limit: int, cursor: str | None) -> tuple[list[LedgerEntry], str | None]:
    """Newest first."""
    items, next_cursor = pagination.page(
        keys.customer_partition(app_id, source_id),
        keys.TRANSACTION_SK_PREFIX,
        limit,
        cursor,
        newest_first=True,
        consistent=True,
    )
    return [_from_item(item) for item in items], next_cursor
