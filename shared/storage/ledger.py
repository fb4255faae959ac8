"""The points ledger: one immutable entry per credit or debit, in the customer's partition, newest last
by sort key. Entries are written in the same transaction as the balance they change, and that
transaction moves the customer's ledger head (balance, entry count, last entry's time) on the profile
only if it is still the head read, so ``balance_after`` is exact and sort keys strictly increase."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from shared.lots import LotKey, Movement, ReturnPolicy
from shared.storage import keys, pagination
from shared.storage.dynamodb import Expression, Item, Put

Reason = Literal[
    "rule_completion", "reward_redemption", "redemption_cancelled", "adjustment", "reversal", "expiry", "activation"
]
# What a posting does to the customer's lots (see shared/lots.py); a settlement records what time did
# (activations, expiries), placed by ``storage.points`` itself.
Operation = Literal["credit", "debit", "refund", "reversal", "settlement"]


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
    """An entry to write, before its place in the ledger (balance after, sequence, time) is known.
    ``points``: what is asked (positive for a credit or refund, negative for a debit or reversal); what
    the entry records is what the lots gave (a reversal may fall short)."""

    txn_id: str
    points: int
    reason: Reason
    operation: Operation
    campaign_id: str | None = None
    rule_id: str | None = None
    event_name: str | None = None
    reward_id: str | None = None
    description: str | None = None
    redemption_id: str | None = None
    attributes: dict[str, Any] | None = None  # a redemption's custom transaction attributes
    # credits: when the points activate and expire, from the event's time and the points policy (None:
    # at once, never); rounded up to a day boundary when placed
    activates_ms: int | None = None
    expires_ms: int | None = None
    # refunds: the lots the refunded debit took from
    refund_lots: Mapping[LotKey, int] = field(default_factory=dict)
    # debits: what the points count as ("earned" for a correction that takes back what was earned)
    counted_as: Literal["redeemed", "earned"] = "redeemed"
    # reversals: the credit taken back, its lot, and the application's return policy
    reverses: str | None = None
    own_lot: LotKey | None = None
    return_policy: ReturnPolicy = "within_balance"


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
    pending_points: int = 0  # the change of the pending points (a pending credit, an activation)
    pending_after: int = 0
    lots: dict[str, int] | None = None  # the lots added to (+) or taken from (-), by ``LotKey.encode()``
    shortfall: int = 0  # a reversal: what the balance could not give back (return policy within_balance)
    reverses: str | None = None  # a reversal: the credit's txn_id
    expired: int = 0  # a reversal: what of the credit had expired, so was not taken


def entry(
    source_id: str,
    posting: Posting,
    head: LedgerHead,
    created_at: str,
    movement: Movement | None = None,
    pending_after: int = 0,
) -> LedgerEntry:
    """``posting`` as the entry that moved the ledger to ``head``; ``movement``: what the lots gave."""
    return LedgerEntry(
        txn_id=posting.txn_id,
        source_id=source_id,
        points=movement.points if movement else posting.points,
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
        pending_points=movement.pending_points if movement else 0,
        pending_after=pending_after,
        lots={key.encode(): points for key, points in movement.lots.items()} if movement else None,
        shortfall=movement.shortfall if movement else 0,
        reverses=posting.reverses,
        expired=movement.expired if movement else 0,
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


def from_item(item: Item) -> LedgerEntry:
    fields = LedgerEntry.__dataclass_fields__
    return LedgerEntry(**{name: item[name] for name in fields if name in item})


def page(
    app_id: str, source_id: str, limit: int, cursor: str | None, reason: Reason | None = None
) -> tuple[list[LedgerEntry], str | None]:
    """Newest first; ``reason``: only entries of that reason."""
    items, next_cursor = pagination.page(
        keys.customer_partition(app_id, source_id),
        keys.TRANSACTION_SK_PREFIX,
        limit,
        cursor,
        newest_first=True,
        consistent=True,
        filter_equals={"reason": reason} if reason else None,
    )
    return [from_item(item) for item in items], next_cursor
