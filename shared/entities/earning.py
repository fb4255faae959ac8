"""An earning rule as the engine keeps it ("1 point per 1.00 on items", "+1 on electronics", "50 per
order"): immutable values, stored by ``shared.storage.earning`` and worked on by ``shared.domain.earning``."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from shared.entities.campaigns import EventCondition
from shared.entities.coupons import CouponCondition
from shared.values import value_class

Rounding = Literal["down", "up", "half_up"]
Period = Literal["day", "week", "month", "year", "lifetime"]
EarningRuleStatus = Literal["active", "inactive"]
ITEMS = "items"  # ``Earn.of`` for the sum over the matching items
# The event of POST /orders: the only one with items; its rules credit with the order (shared/domain/orders.py).
ORDER_EVENT = "order"


@value_class
class Earn:
    """``points`` per ``per`` units of ``of`` (``ITEMS`` or a property path such as ``properties.amount``);
    ``per`` None: ``points`` fixed per event. Rounded once per rule per event."""

    points: Decimal
    per: Decimal | None = None
    of: str = ITEMS
    rounding: Rounding = "down"


@value_class
class Multiplier:
    """``factor`` applies to events whose time lies in ``[starts_at, ends_at]`` (epoch seconds, both ends
    included; None: open)."""

    factor: Decimal
    starts_at: int | None = None
    ends_at: int | None = None

    def applies_at(self, at: int) -> bool:
        return (self.starts_at is None or self.starts_at <= at) and (self.ends_at is None or at <= self.ends_at)


@value_class
class ItemSelection:
    """Which items count: those meeting every ``match`` condition and none of the ``exclude`` ones."""

    match: tuple[CouponCondition, ...] = ()
    exclude: tuple[CouponCondition, ...] = ()


@value_class
class CustomerCap:
    """At most ``points`` per customer per ``period``, its days counted in ``time_zone`` (an IANA name): the
    rule's own, or None for the application's (the points policy's)."""

    points: int
    period: Period
    time_zone: str | None = None


@value_class
class EarningRuleSpec:
    rule_id: str
    name: str
    event_name: str
    earn: Earn
    status: EarningRuleStatus = "active"
    conditions: tuple[EventCondition, ...] = ()
    items: ItemSelection = ItemSelection()
    multiplier: Multiplier | None = None
    per_customer: CustomerCap | None = None
    budget: int | None = None  # total points the rule may ever grant (less what returns gave back)
    expire_after_days: int | None = None  # None: the points policy's
    pending_days: int | None = None  # None: the points policy's
    created_at: str = ""
    updated_at: str = ""
    version: int = 1
