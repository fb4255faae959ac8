"""The points aggregate's values, as the domain decides them and storage keeps them: lot keys, the
application's points policy, postings and ledger entries, transaction records, and what a placement
writes. Immutable, no I/O and no arithmetic of points (that is ``shared.domain.points``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from shared import clock
from shared.clock import iso_from_epoch_ms
from shared.entities.tiers import TierWrite
from shared.values import value_class

DAY_MS = clock.DAY_MS
NEVER = 0  # a lot's expiry day when it never expires
ACTIVE = 0  # a lot's activation day once it is spendable
# The last day a lot can expire or activate (9999-12-31, the API's last date): lot times from extreme
# event times stay renderable.
LAST_DAY = 2_932_896

ReturnPolicy = Literal["within_balance", "allow_negative"]


@dataclass(frozen=True, slots=True, order=True)
class LotKey:
    """Where a lot's points sit: ``expires_day`` (``NEVER``) and ``activates_day`` (``ACTIVE`` when spendable).
    Ordered by expiry, so sorting active lots gives the spending order (never-expiring last, see
    ``shared.domain.points.lots``)."""

    expires_day: int
    activates_day: int = ACTIVE

    @property
    def pending(self) -> bool:
        return self.activates_day != ACTIVE

    def encode(self) -> str:
        return f"{self.activates_day}:{self.expires_day}"

    @classmethod
    def decode(cls, text: str) -> LotKey:
        activates, expires = text.split(":")
        return cls(int(expires), int(activates))

    def activated(self) -> LotKey:
        return LotKey(self.expires_day)


@value_class
class DatedLot:
    """A ledger entry's share of one lot as the API and the events show it: instants, not day numbers."""

    points: int
    expires_at: str | None  # the end of a UTC day; None: never expires
    activates_at: str | None  # None: already spendable


def dated_lots(lots: Mapping[str, int] | None) -> list[DatedLot]:
    """An entry's lots (``LotKey.encode()`` -> points), soonest expiry first, never-expiring last."""
    keyed = sorted(((LotKey.decode(k), p) for k, p in (lots or {}).items()), key=lambda lot: _by_expiry(lot[0]))
    return [
        DatedLot(
            points=points,
            expires_at=iso_from_epoch_ms(key.expires_day * DAY_MS) if key.expires_day != NEVER else None,
            activates_at=iso_from_epoch_ms(key.activates_day * DAY_MS) if key.pending else None,
        )
        for key, points in keyed
    ]


def _by_expiry(key: LotKey) -> tuple[bool, int]:
    return (key.expires_day == NEVER, key.expires_day)


# ------------------------------------------------------------------------------------------ policy


@value_class
class PolicyRecord:
    """An application's points policy; the default (no item): points activate at once and never expire."""

    expire_after_days: int | None = None
    pending_days: int = 0
    return_policy: ReturnPolicy = "within_balance"
    updated_at: str | None = None
    time_zone: str = "UTC"  # IANA: the earning rules' per-customer periods (day, week...) are counted in it


# ------------------------------------------------------------------------------------------ the ledger

Reason = Literal[
    "rule_completion",
    "reward_redemption",
    "redemption_cancelled",
    "adjustment",
    "reversal",
    "expiry",
    "activation",
    "order_earning",
    "event_earning",
    "order_return",
    "import",
]
# What a posting does to the customer's lots (see shared/domain/points/lots.py). What time does
# (activations, expiries) is no posting: ``shared.domain.points.placement`` records it itself.
Operation = Literal["credit", "debit", "refund", "reversal"]


@value_class
class LedgerHead:
    """Where a customer's ledger stands, as the profile holds it: the balance, the number of entries
    written since sequences exist, and the time of the last one (a new entry never goes before it)."""

    balance: int = 0
    sequence: int = 0
    last_ms: int = 0


@value_class
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
    # orders: the order an earning rule credited on, and the return (or cancel) taking it back
    order_id: str | None = None
    return_id: str | None = None
    # qualifying credits (and their reversals): the month of the credit's event time its points count
    # in for tiers (shared/domain/tiers.py)
    qualifies_in: str | None = None


@value_class
class LedgerEntry:
    """One immutable entry of the points ledger, in the customer's partition, newest last by sort key."""

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
    order_id: str | None = None  # an earning rule's credit on an order, or its take-back by a return
    return_id: str | None = None


@value_class
class TransactionRecord:
    """Kept per credit and per retryable entry, written only once: a retried request whose first attempt
    landed finds it (and is not applied twice); a credit's record counts what reversals took back."""

    txn_id: str
    points: int
    lot: LotKey | None  # credits: the lot the points went to
    reversed: int
    entry: LedgerEntry | None  # adjustments and reversals: the entry, for a retry's answer
    qualifies_in: str | None = None  # a qualifying credit: the month its points count in for tiers


# ------------------------------------------------------------------------------------------ writes

# Entries a placement may add besides its postings: an activation and an expiry before them, and an
# expiry after (a credit already past its expiry). Transactions budget for them.
SETTLEMENT_ENTRIES = 3


@value_class
class ProfilePoints:
    """A profile's points as its item keeps them, once a write's entries are in: counters, lots, the
    ledger head, and the first day the scheduled job has something to do (None: nothing ever)."""

    balance: int
    pending: int
    earned: int
    redeemed: int
    expired: int
    debt: int
    lots: Mapping[str, int]  # LotKey.encode() -> points
    lapsed: Mapping[str, int]  # expiry day -> expired points no reversal counted yet
    clawed: Mapping[str, int]  # a claim's encoding -> points (see shared/domain/points/lots.py)
    head: LedgerHead
    due_day: int | None
    tier: TierWrite | None = None


@value_class
class PointsWrite:
    """What one placement writes for ``source_id`` of ``app_id``: the profile's points (only if its ledger
    head is still ``read_head``, the one the entries were placed after), the entries and the records."""

    app_id: str
    source_id: str
    read_head: LedgerHead
    after: ProfilePoints
    entries: Sequence[LedgerEntry]
    records: Sequence[TransactionRecord]
