"""API model of the redeem body: the points of a COIN reward and the reward's custom transaction attributes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from shared.api.schemas.common import RequestModel
from shared.domain.redemptions import RedeemCommand
from shared.domain.reward_settings import MAX_POINTS, AttributeId

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
