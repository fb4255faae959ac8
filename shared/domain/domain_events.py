"""The domain events the engine announces (EventBridge and webhooks): the envelope and each type's
``data``. These models are the catalogue: the README and the OpenAPI document's ``webhooks`` section are
generated from them, and the publisher builds every event through them."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

from shared.domain.event_types import EVENT_TYPES


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


class CustomerErased(EventData):
    """The customer's personal data was erased (``POST /customers/{source_id}/erase``). The source_id is not
    repeated (it may itself be personal): match on ``customer_id``, the ``cust_`` id every customer answer
    and ``customer.created`` gave."""

    customer_id: str = Field(description="The engine's customer id (cust_…)")
    pseudonym: str = Field(description="What the engine names the customer by from now on (anon_…)")
    erased_at: str


class PointsMoved(EventData):
    """``points.credited`` and ``points.debited``: one ledger entry. ``points`` is the change of the
    spendable balance, ``pending_points`` of the pending points: a credit that is pending (the points
    policy's ``pending_days``) is announced as ``points.credited`` with ``points`` 0 and
    ``pending_points`` the amount, and ``points.activated`` follows when it becomes spendable. Summing
    ``points`` over every ``points.*`` event gives the balance, summing ``pending_points`` the pending."""

    source_id: str
    transaction_id: str = Field(description="The ledger entry (txn_…)")
    points: int = Field(
        description="Signed change of the spendable balance: positive for a credit, negative for a debit"
    )
    balance_after: int
    pending_points: int = Field(default=0, description="Change of the pending points: a pending credit's amount")
    pending_after: int = Field(default=0, description="Pending points after this entry")
    reason: str = Field(description="rule_completion, reward_redemption, redemption_cancelled, adjustment")
    campaign_id: str | None = None
    rule_id: str | None = None
    event_name: str | None = None
    reward_id: str | None = None
    description: str | None = None
    order_id: str | None = Field(default=None, description="The order an earning rule (rule_id) credited on")


class LotMoved(EventData):
    """Points added to or taken from one lot (the lots of a customer's points, grouped by day)."""

    points: int = Field(description="Added to this lot (positive) or taken from it (negative)")
    expires_at: str | None = Field(default=None, description="When the lot expires (end of a UTC day); absent: never")
    activates_at: str | None = Field(default=None, description="When a pending lot becomes spendable; absent: active")


class PointsSettled(EventData):
    """``points.expired`` and ``points.activated``: what the days did to a customer's lots, as the
    scheduled points settler (or the customer's next points write, whichever comes first) recorded it.
    Balances never wait for it: reads already leave expired points out and count activated ones."""

    source_id: str
    transaction_id: str = Field(description="The ledger entry (txn_…) of reason expiry or activation")
    points: int = Field(
        description="Change of the spendable balance: negative for an expiry, positive for an activation"
    )
    balance_after: int
    pending_points: int = Field(
        description="Change of the pending points: pending points that expired or became active"
    )
    pending_after: int
    lots: list[LotMoved] = Field(description="The lots that expired or activated, soonest expiry first")


class PointsReversed(EventData):
    """A credit taken back (all or part) by ``POST /customers/{source_id}/transactions/{txn_id}/reverse``:
    from the credit's own lot first, then from the balance by the application's return policy."""

    source_id: str
    transaction_id: str = Field(description="The reversal's ledger entry (txn_…)")
    reverses: str = Field(description="The credit taken back (txn_…)")
    points: int = Field(description="Change of the spendable balance (negative or 0)")
    balance_after: int
    pending_points: int = Field(description="Change of the pending points: taken from the credit's lot while pending")
    pending_after: int
    shortfall: int = Field(description="What the balance could not give back (return policy within_balance)")
    expired: int = Field(default=0, description="What of the credit had already expired, so was not taken again")
    lots: list[LotMoved] = Field(description="The lots the points were taken from")
    description: str | None = None
    rule_id: str | None = Field(default=None, description="An order's take-back: the earning rule of the credit")
    order_id: str | None = Field(default=None, description="An order's take-back: the order returned or cancelled")
    return_id: str | None = Field(default=None, description="An order's take-back: the return (order.cancel)")


class RewardGranted(EventData):
    type: Literal["points", "coupon", "reward"]
    points: int | None = None
    transaction_id: str | None = Field(default=None, description="The ledger credit of a points reward")
    expire_after_days: int | None = Field(
        default=None, description="A points reward's own expiry (the rule's override)"
    )
    pending_days: int | None = Field(
        default=None, description="A points reward's own pending days (the rule's override)"
    )
    coupon_id: str | None = None
    reward_id: str | None = None


class RuleCompleted(EventData):
    source_id: str
    campaign_id: str
    rule_id: str
    completed_at: str = Field(description="The time of the event that completed the rule")
    reward: RewardGranted | None = None


class WindowExpired(EventData):
    """An AWT window closed without the rule completing (the scheduled window closer)."""

    source_id: str
    campaign_id: str
    rule_id: str
    started_at: str = Field(description="When the window opened (the time of its first action's event)")
    ended_at: str = Field(description="When the window closed")


class TierChanged(EventData):
    """``tier.upgraded`` (in the write whose credit crossed a threshold), ``tier.downgraded`` (once the
    grace ran out, by the write or the scheduled tier job that found it first) and
    ``tier.downgrade_pending`` (the program's ``notice_days`` ahead: ``tier`` is the one it will drop to,
    ``at`` when). Announced once per change."""

    source_id: str
    previous: str = Field(description="The tier held before")
    tier: str = Field(description="The tier held after (pending: the tier it will drop to)")
    at: str = Field(description="When the change took (pending: will take) effect")


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


class ReturnedUnits(EventData):
    product_id: str
    quantity: int | float


class OrderReturned(EventData):
    """Items of an order came back (``POST /orders/{order_id}/returns``) or the order was cancelled
    (``return_id`` ``order.cancel``): ``points`` is what was taken back, each credit's reversal announced
    as ``points.reversed``."""

    source_id: str
    order_id: str
    return_id: str
    items: list[ReturnedUnits]
    points: int = Field(description="Points taken back, over every earning rule")
    cancelled: bool = Field(description="The order was cancelled: everything left came back")


DATA_MODELS: dict[str, type[EventData]] = {
    "customer.created": CustomerCreated,
    "customer.erased": CustomerErased,
    "points.credited": PointsMoved,
    "points.debited": PointsMoved,
    "rule.completed": RuleCompleted,
    "coupon.redeemed": CouponUsed,
    "coupon.reverted": CouponUsed,
    "reward.redeemed": RewardRedemption,
    "reward.redemption_cancelled": RewardRedemption,
    "window.expired": WindowExpired,
    "tier.upgraded": TierChanged,
    "tier.downgraded": TierChanged,
    "tier.downgrade_pending": TierChanged,
    "points.expired": PointsSettled,
    "points.activated": PointsSettled,
    "points.reversed": PointsReversed,
    "order.returned": OrderReturned,
}

DESCRIPTIONS: dict[str, str] = {
    "customer.created": "A customer profile was created (by PUT /customers or by its first event).",
    "customer.erased": "A customer's personal data was erased; its points and ledger stay under a pseudonym.",
    "points.credited": (
        "Points were credited to a customer's ledger (a rule's reward, an adjustment, a refund); a pending credit has"
        " `points` 0 and `pending_points` its amount."
    ),
    "points.debited": "Points were debited from a customer's ledger (a reward redemption, an adjustment).",
    "rule.completed": "A customer completed a campaign rule; `reward` is what it granted.",
    "coupon.redeemed": "A coupon was redeemed against an order.",
    "coupon.reverted": "A coupon redemption was reverted (the use is available again).",
    "reward.redeemed": "A customer redeemed a catalog reward with points.",
    "reward.redemption_cancelled": "A reward redemption was cancelled: points, stock and code given back.",
    "window.expired": "An AWT rule's time window ended without the rule completing.",
    "tier.upgraded": "A member reached a higher tier: in the write whose qualifying credit crossed its threshold.",
    "tier.downgraded": "A member's tier dropped: its qualifying points stayed below it through the grace days.",
    "tier.downgrade_pending": (
        "A member's tier will drop at `at` to `tier` unless it earns the points its `keep` gap shows (the"
        " program's notice_days ahead)."
    ),
    "points.expired": "A customer's points reached their expiry day; `lots` names the lots that expired.",
    "points.activated": "A customer's pending points became spendable (the points policy's pending_days passed).",
    "points.reversed": "A credit was taken back (all or part); `shortfall` is what the balance could not give.",
    "order.returned": "Items of an order came back, or it was cancelled; `points` is what the returns took back.",
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
