"""The names of the domain events (``shared.domain.domain_events`` holds their models): apart, so that
the routes that only name them (a webhook's subscriptions) do not build the catalogue's models."""

from typing import Literal

EventType = Literal[
    "customer.created",
    "points.credited",
    "points.debited",
    "rule.completed",
    "coupon.redeemed",
    "coupon.reverted",
    "reward.redeemed",
    "reward.redemption_cancelled",
    "window.expired",
    "points.expired",
    "points.activated",
    "points.reversed",
    "order.returned",
    "customer.erased",
    "tier.upgraded",
    "tier.downgraded",
    "tier.downgrade_pending",
]
EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]
