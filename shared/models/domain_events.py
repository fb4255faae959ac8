"""The domain events the engine announces (EventBridge and webhooks): the envelope and each type's
``data``. These models are the catalogue: the README and the OpenAPI document's ``webhooks`` section are
generated from them, and the publisher builds every event through them."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

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
]
EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]


class EventData(BaseModel):
    """What changed; ``source_id`` names the customer. Fields never present are left out of the JSON."""

    model_config = ConfigDict(extra="forbid")


class CustomerCreated(EventData):
    source_id: str
    customer_id: str = Field(description="The engine's customer id (cust_…)")
    created_at: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    tags: list[str] | None = None
    tier: str | None = None
    brand: str | None = None
    enrolled_at: str | None = None
    referred_by: str | None = None
    attributes: dict[str, Any] | None = None


class PointsMoved(EventData):
    """``points.credited`` (points > 0) and ``points.debited`` (points < 0): one ledger entry."""

    source_id: str
    transaction_id: str = Field(description="The ledger entry (txn_…)")
    points: int = Field(description="Signed: positive for a credit, negative for a debit")
    balance_after: int
    reason: str = Field(description="rule_completion, reward_redemption, adjustment, …")
    campaign_id: str | None = None
    rule_id: str | None = None
    event_name: str | None = None
    reward_id: str | None = None
    description: str | None = None


class RewardGranted(EventData):
    type: Literal["points", "coupon", "reward"]
    points: int | None = None
    transaction_id: str | None = Field(default=None, description="The ledger credit of a points reward")
    coupon_id: str | None = None
    reward_id: str | None = None


class RuleCompleted(EventData):
    source_id: str
    campaign_id: str
    rule_id: str
    completed_at: int = Field(description="Epoch seconds: the time of the event that completed the rule")
    reward: RewardGranted | None = None


class WindowExpired(EventData):
    """An AWT window closed without the rule completing (the scheduled window closer)."""

    source_id: str
    campaign_id: str
    rule_id: str
    start_time: int
    end_time: int


class CouponUsed(EventData):
    """``coupon.redeemed`` and ``coupon.reverted``: one use of a coupon against an order."""

    coupon_id: str
    coupon_code: str
    order_id: str
    source_id: str | None = None
    redemption_id: str | None = None
    discount: float | None = None


class RewardRedemption(EventData):
    """``reward.redeemed`` and ``reward.redemption_cancelled``."""

    source_id: str
    redemption_id: str = Field(description="red_…")
    reward_id: str
    points: int | None = Field(default=None, description="Points debited (or given back on cancellation)")
    coupon_code: str | None = None
    transaction_id: str | None = None


DATA_MODELS: dict[str, type[EventData]] = {
    "customer.created": CustomerCreated,
    "points.credited": PointsMoved,
    "points.debited": PointsMoved,
    "rule.completed": RuleCompleted,
    "coupon.redeemed": CouponUsed,
    "coupon.reverted": CouponUsed,
    "reward.redeemed": RewardRedemption,
    "reward.redemption_cancelled": RewardRedemption,
    "window.expired": WindowExpired,
}

DESCRIPTIONS: dict[str, str] = {
    "customer.created": "A customer profile was created (by PUT /customers or by its first event).",
    "points.credited": "Points were credited to a customer's ledger (a rule's reward, an adjustment, a refund).",
    "points.debited": "Points were debited from a customer's ledger (a reward redemption, an adjustment).",
    "rule.completed": "A customer completed a campaign rule; `reward` is what it granted.",
    "coupon.redeemed": "A coupon was redeemed against an order.",
    "coupon.reverted": "A coupon redemption was reverted (the use is available again).",
    "reward.redeemed": "A customer redeemed a catalog reward with points.",
    "reward.redemption_cancelled": "A reward redemption was cancelled: points, stock and code given back.",
    "window.expired": "An AWT rule's time window ended without the rule completing.",
}

D = TypeVar("D", bound=EventData)


class Envelope(BaseModel, Generic[D]):
    """Every event, on EventBridge (as ``detail``) and in a webhook's body."""

    id: str = Field(description="evt_…, derived from the change: a redelivery carries the same id")
    type: str
    created_at: str = Field(description="ISO 8601 UTC time of the change")
    app_id: str
    data: D


def _envelope_model(kind: str) -> type[BaseModel]:
    name = "".join(part.capitalize() for part in kind.replace(".", "_").split("_")) + "Event"
    base: Any = Envelope[DATA_MODELS[kind]]  # type: ignore[valid-type]
    constant: Any = Literal[kind]
    model: type[BaseModel] = create_model(name, __base__=base, type=(constant, Field(description="The event type")))
    return model


# One envelope model per event type (its ``type`` a constant), for the OpenAPI document.
ENVELOPES: dict[str, type[BaseModel]] = {kind: _envelope_model(kind) for kind in EVENT_TYPES}
