"""API models of redemptions: the redeem body and the redemption answered by redeem, cancel and list."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from shared.api.schemas.common import RequestModel, ResponseModel
from shared.domain.redemptions import RedeemCommand
from shared.domain.reward_settings import MAX_POINTS, AttributeId
from shared.storage.redemptions import RewardRedemptionRecord

AttributeValue = Annotated[str, StringConstraints(max_length=1000, pattern=r"^[^\x00-\x1f\x7f]*$")] | int | float | bool


class RedeemRequest(RequestModel):
    points: Annotated[int, Field(gt=0, le=MAX_POINTS)] | None = Field(
        default=None, description="COIN rewards only: the points to turn into a coupon of their value"
    )
    custom_transaction_attributes: Annotated[dict[AttributeId, AttributeValue], Field(max_length=20)] | None = Field(
        default=None, description="Values of the reward's custom transaction attributes, by attribute_id"
    )

    def to_command(self) -> RedeemCommand:
        return RedeemCommand(self.points, self.custom_transaction_attributes)


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
