"""The one place points leave a customer's balance (a reward redemption) and come back (its
cancellation): each is the profile's update and the ledger entry, for the caller's transaction, written
only if the ledger head read is still the stored one, so ``balance_after`` is exact, sort keys strictly
increase and a balance never goes below zero."""

from __future__ import annotations

from shared.storage import customers, keys, ledger
from shared.storage.dynamodb import Expression, TransactAction, Update
from shared.storage.ledger import LedgerEntry, LedgerHead, Posting


class InsufficientPoints(Exception):
    def __init__(self, balance: int, needed: int) -> None:
        super().__init__(f"balance {balance}, needed {needed}")
        self.balance = balance
        self.needed = needed


def _existing_with_head(head: LedgerHead) -> Expression:
    unchanged = customers.ledger_head_is(head)
    return Expression(f"attribute_exists(PK) AND ({unchanged.text})", unchanged.names, unchanged.values)


def _move(
    app_id: str, source_id: str, posting: Posting, head: LedgerHead, now_ms: int, created_at: str
) -> tuple[LedgerEntry, list[TransactAction]]:
    after = head.after(posting.points, now_ms)
    entry = ledger.entry(source_id, posting, after, created_at)
    profile = Update(
        keys.customer(app_id, source_id),
        Expression(
            "SET points_balance = :balance, points_redeemed = points_redeemed - :moved, updated_at = :now, "
            "ledger_seq = :ledger_seq, ledger_ms = :ledger_ms",
            values={
                ":balance": after.balance,
                ":moved": posting.points,
                ":now": created_at,
                ":ledger_seq": after.sequence,
                ":ledger_ms": after.last_ms,
            },
        ),
        condition=_existing_with_head(head),
    )
    return entry, [profile, ledger.put(app_id, entry)]


def debit(
    app_id: str, source_id: str, posting: Posting, head: LedgerHead, now_ms: int, created_at: str
) -> tuple[LedgerEntry, list[TransactAction]]:
    """``-posting.points`` taken from the balance of ``head`` (``posting.points`` is negative); counted as redeemed."""
    if head.balance + posting.points < 0:
        raise InsufficientPoints(head.balance, -posting.points)
    return _move(app_id, source_id, posting, head, now_ms, created_at)


def refund(
    app_id: str, source_id: str, posting: Posting, head: LedgerHead, now_ms: int, created_at: str
) -> tuple[LedgerEntry, list[TransactAction]]:
    """``posting.points`` given back for a cancelled redemption: no longer counted as redeemed."""
    return _move(app_id, source_id, posting, head, now_ms, created_at)
