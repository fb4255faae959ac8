"""The points ledger: one immutable entry per credit or debit, in the customer's partition, newest last
by sort key. Entries are written in the same transaction as the balance they change."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from shared.storage import keys, pagination
from shared.storage.dynamodb import Expression, Item, Put, TransactAction, Update

Reason = Literal["rule_completion", "reward_redemption", "redemption_cancelled", "adjustment"]


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
    redemption_id: str | None = None
    attributes: dict[str, Any] | None = None  # a redemption's custom transaction attributes


def put(app_id: str, entry: LedgerEntry) -> Put:
    return Put(
        {
            **keys.ledger_entry(app_id, entry.source_id, entry.created_ms, entry.txn_id),
            "type": "ledger_entry",
            **asdict(entry),
        },
        condition=Expression("attribute_not_exists(PK)"),
    )


# The one place points leave a balance (and come back when a redemption is cancelled): both are parts of
# the caller's transaction, conditioned on the balance read, so that ``balance_after`` is exact and a
# balance never goes below zero.


def debit(app_id: str, entry: LedgerEntry, balance_read: int) -> list[TransactAction]:
    """``-entry.points`` taken from the balance the caller read (``entry.points`` is negative)."""
    taken = -entry.points
    return [
        Update(
            keys.customer(app_id, entry.source_id),
            Expression(
                "SET points_balance = points_balance - :taken, points_redeemed = points_redeemed + :taken, "
                "updated_at = :now",
                values={":taken": taken, ":now": entry.created_at},
            ),
            condition=Expression(
                "points_balance = :balance_read AND points_balance >= :taken",
                values={":balance_read": balance_read, ":taken": taken},
            ),
        ),
        put(app_id, entry),
    ]


def refund(app_id: str, entry: LedgerEntry, balance_read: int) -> list[TransactAction]:
    """``entry.points`` given back for a cancelled redemption: no longer counted as redeemed."""
    return [
        Update(
            keys.customer(app_id, entry.source_id),
            Expression(
                "SET points_balance = points_balance + :given, points_redeemed = points_redeemed - :given, "
                "updated_at = :now",
                values={":given": entry.points, ":now": entry.created_at},
            ),
            condition=Expression("points_balance = :balance_read", values={":balance_read": balance_read}),
        ),
        put(app_id, entry),
    ]


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
