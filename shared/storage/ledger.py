"""The points ledger: one immutable entry per credit or debit, in the customer's partition, newest last
by sort key. Entries are written in the same transaction as the balance they change, and that
transaction moves the customer's ledger head (balance, entry count, last entry's time) on the profile
only if it is still the head read, so ``balance_after`` is exact and sort keys strictly increase."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from shared.storage import keys, pagination
from shared.storage.dynamodb import Expression, Item, Put

Reason = Literal["rule_completion", "reward_redemption", "redemption_cancelled", "adjustment"]


@dataclass(frozen=True, slots=True)
class LedgerHead:
    """Where a customer's ledger stands, as the profile holds it: the balance, the number of entries
    written since sequences exist, and the time of the last one (a new entry never goes before it)."""

    balance: int = 0
    sequence: int = 0
    last_ms: int = 0

    def after(self, points: int, now_ms: int) -> LedgerHead:
        """The head once one more entry of ``points`` is written at ``now_ms``."""
        return LedgerHead(self.balance + points, self.sequence + 1, max(now_ms, self.last_ms))


@dataclass(frozen=True, slots=True)
class Posting:
    """An entry to write, before its place in the ledger (balance after, sequence, time) is known."""

    txn_id: str
    points: int
    reason: Reason
    campaign_id: str | None = None
    rule_id: str | None = None
    event_name: str | None = None
    reward_id: str | None = None
    description: str | None = None
    redemption_id: str | None = None
    attributes: dict[str, Any] | None = None  # a redemption's custom transaction attributes


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
    sequence: int | None = None  # None on entries written before sequences existed
    redemption_id: str | None = None
    attributes: dict[str, Any] | None = None


def entry(source_id: str, posting: Posting, head: LedgerHead, created_at: str) -> LedgerEntry:
    """``posting`` as the entry that moved the ledger to ``head``."""
    return LedgerEntry(
        txn_id=posting.txn_id,
        source_id=source_id,
        points=posting.points,
        balance_after=head.balance,
        reason=posting.reason,
        created_at=created_at,
        created_ms=head.last_ms,
        campaign_id=posting.campaign_id,
        rule_id=posting.rule_id,
        event_name=posting.event_name,
        reward_id=posting.reward_id,
        description=posting.description,
        sequence=head.sequence,
        redemption_id=posting.redemption_id,
        attributes=posting.attributes,
    )


def put(app_id: str, entry: LedgerEntry) -> Put:
    return Put(
        {
            **keys.ledger_entry(app_id, entry.source_id, entry.created_ms, entry.sequence or 0),
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
