"""API model of a points ledger entry."""

from typing import Any, Literal

from pydantic import Field

from shared.api.schemas.common import ResponseModel
from shared.clock import iso_from_epoch_ms
from shared.lots import DAY_MS, NEVER, LotKey
from shared.storage.ledger import LedgerEntry, Reason

# Reason: the API names the ledger's own seven reasons (the ?reason= filter too).
__all__ = ["LotShare", "Reason", "TransactionResponse", "lot_shares"]


class LotShare(ResponseModel):
    points: int = Field(description="Added to this lot (positive) or taken from it (negative)")
    expires_at: str | None = Field(description="When the lot's points expire (the end of a UTC day); null: never")
    activates_at: str | None = Field(description="When a pending lot's points become spendable; null: already active")

    @classmethod
    def of(cls, encoded: str, points: int) -> "LotShare":
        key = LotKey.decode(encoded)
        return cls(
            points=points,
            expires_at=iso_from_epoch_ms(key.expires_day * DAY_MS) if key.expires_day != NEVER else None,
            activates_at=iso_from_epoch_ms(key.activates_day * DAY_MS) if key.pending else None,
        )


class TransactionResponse(ResponseModel):
    object: Literal["transaction"] = "transaction"
    id: str
    source_id: str
    points: int = Field(description="The change of the spendable balance")
    balance_after: int
    pending_points: int = Field(description="The change of the pending points (a pending credit, an activation)")
    pending_after: int
    reason: Reason
    campaign_id: str | None
    rule_id: str | None
    event_name: str | None
    reward_id: str | None
    description: str | None
    redemption_id: str | None = Field(default=None, description="The red_ redemption that debited or refunded")
    attributes: dict[str, Any] | None = Field(default=None, description="A redemption's custom transaction attributes")
    lots: list[LotShare] = Field(description="The lots this entry added to or took from, soonest expiry first")
    shortfall: int = Field(
        description="A reversal: what the balance could not give back (return policy within_balance)"
    )
    reverses: str | None = Field(description="A reversal: the txn_ id of the credit it takes back")
    expired: int = Field(
        default=0, description="A reversal: what of the credit had already expired, so was not taken again"
    )
    created_at: str

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> "TransactionResponse":
        return cls(
            id=entry.txn_id,
            source_id=entry.source_id,
            points=entry.points,
            balance_after=entry.balance_after,
            reason=entry.reason,
            campaign_id=entry.campaign_id,
            rule_id=entry.rule_id,
            event_name=entry.event_name,
            reward_id=entry.reward_id,
            description=entry.description,
            redemption_id=entry.redemption_id,
            attributes=entry.attributes,
            pending_points=entry.pending_points,
            pending_after=entry.pending_after,
            lots=lot_shares(entry.lots),
            shortfall=entry.shortfall,
            reverses=entry.reverses,
            expired=entry.expired,
            created_at=entry.created_at,
        )


def lot_shares(lots: dict[str, int] | None) -> list[LotShare]:
    """An entry's lots (``LotKey.encode()`` -> points), soonest expiry first, never-expiring last."""
    return [LotShare.of(k, p) for k, p in sorted((lots or {}).items(), key=_by_expiry)]


def _by_expiry(lot: tuple[str, int]) -> tuple[int, int]:
    key = LotKey.decode(lot[0])
    return (key.expires_day == NEVER, key.expires_day)
