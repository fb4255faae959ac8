"""API model of a redemption, answered by redeem, cancel and list (the redeem body is ``schemas.redeem``'s: the
list and cancel load neither the domain's redeem command nor the rewards' settings)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from shared.api.schemas.common import ResponseModel
from shared.storage.redemptions import RewardRedemptionRecord


class Issued(ResponseModel):
    """What the redemption gave: a product, a pool code, or a single-use coupon worth ``amount``."""

    product_id: str | None
    coupon_id: str | None
    code: str | None
    amount: str | None = Field(description="COIN: the coupon's value, rounded down to cents")


class RedemptionResponse(ResponseModel):
    object: Literal["redemption"] = "redemption"
    id: str
    source_id: str
    reward_id: str
    reward_type: str
    reward_name: str
    status: Literal["completed", "cancelled"]
    points: int = Field(description="Points debited (0 for free rewards and rewards granted by a campaign rule)")
    transaction_id: str | None = Field(description="The ledger debit (txn_…)")
    issued: Issued
    custom_transaction_attributes: dict[str, Any]
    granted_by: dict[str, str] | None = Field(description="{campaign_id, rule_id} when a campaign rule granted it")
    created_at: str
    cancelled_at: str | None
    refund_transaction_id: str | None = Field(description="The ledger credit that gave the points back (txn_…)")

    @classmethod
    def from_record(cls, record: RewardRedemptionRecord) -> RedemptionResponse:
        return cls(
            id=record.redemption_id,
            source_id=record.source_id,
            reward_id=record.reward_id,
            reward_type=record.reward_type,
            reward_name=record.reward_name,
            status=record.status,
            points=record.points,
            transaction_id=record.transaction_id,
            issued=Issued(
                product_id=record.product_id, coupon_id=record.coupon_id, code=record.code, amount=record.amount
            ),
            custom_transaction_attributes=record.custom_transaction_attributes,
            granted_by=record.granted_by,
            created_at=record.created_at,
            cancelled_at=record.cancelled_at,
            refund_transaction_id=record.refund_transaction_id,
        )
