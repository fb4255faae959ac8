"""The earning rules' arithmetic: what each rule earns on an event, what its limits let it grant, which
order item earned what, and what a return takes back. Pure functions over immutable specs; no I/O.

Design notes
- Exact: amounts are rationals (``Fraction`` of the decimal the client wrote), so ``points x value / per
  x multiplier x tier multiplier`` is computed without any rounding, then rounded once per rule per event (``down``,
  ``up`` or ``half_up``). 123.45 + 10.99 at 1 per 1.00 rounded down is 134, never 134.44000001 -> 134.
- Items: ``of: "items"`` is the sum of ``selling_price x quantity`` over the items that meet every
  ``match`` condition and no ``exclude`` condition (the coupon conditions' grammar: product_id, sku,
  name, brand, prices, quantity, ``metadata.<key>`` such as ``metadata.category``); shipping and tax
  never count. A rule with a ``match`` earns nothing when no item matches. A rule grants at most
  ``MAX_POINTS_PER_EVENT`` on one event.
- Limits: a rule grants what it earned, capped by what is left of the customer's cap for the event's
  period (counted in the application's time zone, or the cap's own when it sets one) and of its budget:
  "what is left" is a read the caller makes and a conditional write keeps exact (see
  ``shared.domain.orders``).
- Attribution: what a rule granted on an order is split over the items that counted in proportion to
  their amount (by quantity when those amounts are all zero), by largest remainder, so the parts add
  up to the grant exactly. What a cap or budget withheld is in no item's part, so no return takes it.
- Returns: an item's part is taken back in proportion to the units returned, cumulatively: after R of
  Q units came back, ``floor(part x R / Q)`` is taken in all. Partial returns never take more than
  the part, and the last unit takes exactly what is left of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import field
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal
from zoneinfo import ZoneInfo

from shared.domain.coupon_rules import OrderItem, holds, value_of
from shared.domain.rules import condition_holds
from shared.entities.earning import ITEMS, CustomerCap, EarningRuleSpec, ItemSelection, Period, Rounding
from shared.values import value_class

LimitedBy = Literal["per_customer", "budget"]
# What one rule grants on one event at most, as a campaign rule's reward or an adjustment: a rule of
# 1,000,000 points per 0.01 on an order of 1e12 stays a number every balance and counter can hold.
MAX_POINTS_PER_EVENT = 10_000_000


@value_class
class EarningEvent:
    """What the rules judge: the event's name, time (epoch seconds), properties and, for an order, items;
    ``tier_multiplier``: the member's tier's (shared/domain/tiers.py), applied to every rule's amount."""

    event_name: str
    occurred_at: int
    properties: Mapping[str, Any]
    items: tuple[OrderItem, ...] = ()
    tier_multiplier: Fraction | None = None
    # Each item's ``line_amount``, computed once per event rather than once per rule.
    amounts: tuple[Fraction, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "amounts", tuple(line_amount(item) for item in self.items))


def _fraction(value: Any) -> Fraction | None:
    """The exact rational of a JSON number (a float by its shortest repr); None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, float):
        return Fraction(Decimal(repr(value))) if math.isfinite(value) else None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    return Fraction(value)


def rounded(amount: Fraction, rounding: Rounding) -> int:
    if rounding == "down":
        return math.floor(amount)
    if rounding == "up":
        return math.ceil(amount)
    return math.floor(amount + Fraction(1, 2))


# ------------------------------------------------------------------------------------------ items


def _selected(selection: ItemSelection, item: OrderItem) -> bool:
    matches = all(holds(c, value_of(item, c.field)) for c in selection.match)
    return matches and not any(holds(c, value_of(item, c.field)) for c in selection.exclude)


def line_amount(item: OrderItem) -> Fraction:
    """``selling_price x quantity``, exact (a price that is no number counts as zero)."""
    return max((_fraction(item.selling_price) or Fraction(0)) * (_fraction(item.quantity) or Fraction(0)), Fraction(0))


def counted_items(rule: EarningRuleSpec, items: Sequence[OrderItem]) -> tuple[int, ...]:
    """Indexes of the items that earn under ``rule``."""
    return tuple(index for index, item in enumerate(items) if _selected(rule.items, item))


# ------------------------------------------------------------------------------------------ earning


def _property(properties: Mapping[str, Any], path: str) -> Any:
    """``properties.amount`` or ``properties.totals.net``: the value at the path, None when absent."""
    value: Any = properties
    for part in path.removeprefix("properties.").split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def earned(rule: EarningRuleSpec, event: EarningEvent) -> tuple[int, tuple[int, ...]] | None:
    """What ``rule`` earns on ``event`` before limits, and the indexes of the items that counted; None
    when the rule does not apply (another event, inactive, a condition fails, no item matches)."""
    if rule.status != "active" or event.event_name != rule.event_name:
        return None
    if not all(condition_holds(c, event.properties) for c in rule.conditions):
        return None
    counted = counted_items(rule, event.items)
    if event.items and not counted:
        return None
    earn = rule.earn
    amount = Fraction(earn.points)
    if earn.per is not None:
        if earn.of == ITEMS:
            base: Fraction | None = sum((event.amounts[i] for i in counted), Fraction(0))
        else:
            base = _fraction(_property(event.properties, earn.of))
        if base is None or base < 0:
            return None
        amount = amount * base / Fraction(earn.per)
    multiplier = rule.multiplier
    if multiplier is not None and multiplier.applies_at(event.occurred_at):
        amount *= Fraction(multiplier.factor)
    if event.tier_multiplier is not None:
        amount *= event.tier_multiplier
    return min(max(rounded(amount, earn.rounding), 0), MAX_POINTS_PER_EVENT), counted


# ------------------------------------------------------------------------------------------ limits


def period_key(period: Period, at: int, zone: str = "UTC") -> str:
    """The period an event at ``at`` (epoch seconds) falls in, in the time zone ``zone``: ``2026-12-04``,
    ``2026-W49`` (ISO weeks, from Monday), ``2026-12``, ``2026``, or ``lifetime``."""
    if period == "lifetime":
        return "lifetime"
    moment = datetime.fromtimestamp(at, UTC).astimezone(ZoneInfo(zone))
    if period == "day":
        return moment.date().isoformat()
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{moment.year}-{moment.month:02d}"
    return str(moment.year)


@value_class
class Usage:
    """What a rule's limits have left for this customer and event, as read (None: no such limit)."""

    cap_left: int | None = None
    budget_left: int | None = None


@value_class
class Limited:
    granted: int
    limited_by: LimitedBy | None


def limit(points: int, usage: Usage) -> Limited:
    """``points`` within what the cap and the budget have left (never below zero); which one cut it."""
    granted = points
    limited_by: LimitedBy | None = None
    if usage.cap_left is not None and usage.cap_left < granted:
        granted, limited_by = max(usage.cap_left, 0), "per_customer"
    if usage.budget_left is not None and usage.budget_left < granted:
        granted, limited_by = max(usage.budget_left, 0), "budget"
    return Limited(granted, limited_by)


# ------------------------------------------------------------------------------------------ attribution


def attribute(points: int, weights: Mapping[int, Fraction]) -> dict[int, int]:
    """``points`` split over the keys of ``weights`` (none negative) in proportion to them (equally when
    they are all zero), by largest remainder (ties to the lower key): the parts add up to ``points``
    exactly. In integers: the weights over their common denominator, so that each share is
    ``scaled * points / total`` and its remainder ``scaled * points % total`` (Fractions cost 6 ms of CPU
    an order of 100 items and 20 rules)."""
    if not weights:
        return {}
    common = math.lcm(*(weight.denominator for weight in weights.values()))
    scaled = {k: weight.numerator * (common // weight.denominator) for k, weight in weights.items()}
    total = sum(scaled.values())
    if not total:
        scaled, total = dict.fromkeys(scaled, 1), len(scaled)
    parts = {k: share * points // total for k, share in scaled.items()}
    rest = points - sum(parts.values())
    for k in sorted(scaled, key=lambda k: (-(scaled[k] * points % total), k))[:rest]:
        parts[k] += 1
    return {k: p for k, p in parts.items() if p}


def item_weights(event: EarningEvent, counted: Sequence[int]) -> dict[int, Fraction]:
    """The counted items' amounts; their quantities when every amount is zero (free items still earn a
    fixed grant, and a return of them takes it back)."""
    amounts = {i: event.amounts[i] for i in counted}
    if any(amounts.values()):
        return amounts
    return {i: max(_fraction(event.items[i].quantity) or Fraction(0), Fraction(0)) for i in counted}


@value_class
class RuleEarning:
    """What one rule gave on one event: ``earned`` before limits, ``granted`` after them, and the
    granted points per item index (empty for an event without items)."""

    rule_id: str
    earned: int
    granted: int
    limited_by: LimitedBy | None
    items: Mapping[int, int] = field(default_factory=dict)
    period: str | None = None  # the cap's period key, when the rule has a cap

    @property
    def withheld(self) -> int:
        return self.earned - self.granted


def cap_period(cap: CustomerCap | None, at: int, time_zone: str) -> str | None:
    """The cap's period of an event at ``at``, in the cap's own zone or else ``time_zone`` (the application's)."""
    return period_key(cap.period, at, cap.time_zone or time_zone) if cap is not None else None


def evaluate(
    rules: Sequence[EarningRuleSpec], event: EarningEvent, usage: Mapping[str, Usage], time_zone: str
) -> list[RuleEarning]:
    """Every rule that applies, in order, each on its own (rules stack: a 1x rule and a +1x rule both
    grant). ``usage``: by rule id, what its limits have left for this customer in this event's period;
    ``time_zone``: the application's, the periods' of caps without their own."""
    earnings = []
    for rule in rules:
        result = earned(rule, event)
        if result is None:
            continue
        points, counted = result
        limited = limit(points, usage.get(rule.rule_id, Usage()))
        earnings.append(
            RuleEarning(
                rule.rule_id,
                points,
                limited.granted,
                limited.limited_by,
                attribute(limited.granted, item_weights(event, counted)),
                cap_period(rule.per_customer, event.occurred_at, time_zone),
            )
        )
    return earnings


# ------------------------------------------------------------------------------------------ returns


def taken_back(part: int, bought: Fraction, returned_before: Fraction, returning: Fraction) -> int:
    """What ``returning`` more units of an item take back of the ``part`` its ``bought`` units earned,
    after ``returned_before`` units came back: the cumulative share now less the cumulative share before."""
    return _taken(part, returned_shares(bought, returned_before, returning))


def _taken(part: int, shares: tuple[Fraction, Fraction] | None) -> int:
    """``taken_back`` from the item's shares (``returned_shares``), in integers: a Fraction's denominator
    is positive, so ``floor(part * n / d)`` is ``part * n // d``."""
    if shares is None:
        return 0
    before, after = shares
    return part * after.numerator // after.denominator - part * before.numerator // before.denominator


def returned_shares(
    bought: Fraction, returned_before: Fraction, returning: Fraction
) -> tuple[Fraction, Fraction] | None:
    """The shares of ``bought`` returned before and after ``returning`` more units; None for none bought."""
    if bought <= 0:
        return None
    return returned_before / bought, (returned_before + returning) / bought


def take_back(
    parts: Mapping[str, Mapping[int, int]],
    bought: Sequence[Fraction],
    returned_before: Sequence[Fraction],
    returning: Mapping[int, Fraction],
) -> dict[str, dict[int, int]]:
    """By rule id and item index, what returning ``returning`` units (by item index) takes back of the
    ``parts`` each rule granted each item; the caller has checked no more units come back than are left.
    Each item's shares are computed once, not once per rule."""
    shares = {
        index: returned_shares(bought[index], returned_before[index], units) for index, units in returning.items()
    }
    taken: dict[str, dict[int, int]] = {}
    for rule_id, items in parts.items():
        by_item = {index: _taken(items.get(index, 0), item_shares) for index, item_shares in shares.items()}
        kept = {index: points for index, points in by_item.items() if points}
        if kept:
            taken[rule_id] = kept
    return taken
