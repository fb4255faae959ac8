"""API model of a points ledger entry."""

from typing import Literal

from shared.models.common import ResponseModel
from shared.storage.ledger import LedgerEntry


class TransactionResponse(ResponseModel):
    object: Literal["transaction"] = "transaction"
    id: str
    source_id: str
    points: int
    balance_after: int
    reason: Literal["rule_completion", "reward_redemption", "adjustment"]
    campaign_id: str | None
    rule_id: str | None
    event_name: str | None
    reward_id: str | None
    description: str | None
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
            created_at=entry.created_at,
        )
