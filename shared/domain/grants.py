"""Records of what a completed campaign rule granted, shared by event ingestion (which answers them) and
the modules that write the grants; kept free of imports so that ingestion loads no grant module it
does not use."""

from __future__ import annotations

from typing import Literal

from shared.values import value_class


@value_class
class RewardGrant:
    """A catalog reward a completed rule gave (``type: "reward"`` in the event's answer)."""

    reward_id: str
    source_id: str
    campaign_id: str
    rule_id: str
    redemption_id: str | None  # the redemption recording it; None when nothing could be issued
    coupon_code: str | None = None
    not_issued: str | None = None  # why nothing was issued: inactive, outside the window, out of stock
    type: Literal["reward"] = "reward"


@value_class
class CouponGranted:
    """A coupon given by a completed campaign rule, as the event's answer shows it. ``refused`` says
    why nothing was given (the pool ran out, the coupon was disabled or has expired): the rule still
    completes, once, and the merchant sees why its reward could not be handed out."""

    coupon_id: str
    coupon_code: str | None
    source_id: str
    campaign_id: str
    rule_id: str
    refused: str | None = None
    type: Literal["coupon"] = "coupon"
