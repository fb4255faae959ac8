"""A customer's reward redemptions, newest first: read only, apart from ``redemptions`` (redeem and cancel),
so that the list's function loads neither the rewards catalogue nor the points' writes nor the coupons'
issuing (README "Cold start and SnapStart")."""

from __future__ import annotations

from shared.domain.customers import get_customer
from shared.storage import redemptions
from shared.storage.redemptions import RewardRedemptionRecord


def list_redemptions(
    app_id: str, source_id: str, limit: int, cursor: str | None
) -> tuple[list[RewardRedemptionRecord], str | None]:
    get_customer(app_id, source_id)  # the seed's not-found for an unknown customer
    return redemptions.page(app_id, source_id, limit, cursor)
