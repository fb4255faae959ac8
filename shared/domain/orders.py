"""Orders: each delivered to the earning rules (points per item, within caps and budgets) and to the
campaigns (as the event ``order``), returned item by item, or cancelled.

- Once per order_id. The order, its points (one credit per rule that granted, naming the order and the
  rule), and the rules' counters are written in one transaction: the order only if absent, the
  profile only over the ledger head read, each counter only if its limit still holds (see
  ``storage.earning``). A lost race re-reads and grants what is left: 30 orders at once against a
  budget of 1,000 grant exactly 1,000. The same order_id again answers the first result (after
  delivering it to the campaigns again, which their markers make a no-op); with another body, 409.
- Campaigns see the order after its points are written, keyed by the order (an id derived from it):
  a retry of the request completes a delivery a crash cut short, and never counts it twice.
- Returns take back, per rule, what the returned units earned (``earning.take_back``), as reversals of
  the rule's credit (its own lot first, then the return policy), in one transaction with the order
  rewritten over the version read: a return_id is applied once, and no two returns take the same
  units. A rule's budget, and the customer's cap in the order's period, get back what a return takes,
  so a full return leaves the customer as if the order had not happened (an exchange, a return and a new
  order on one day, earns again). The cancel is the return of everything left, once, then the revert of the
  order's coupon redemptions (seed 004's revert, itself once per coupon; all or none, and none when
  one of them was not redeemed on this order by its customer).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any

from shared import clock
from shared.domain import earning_credits, earning_rules, tier_members
from shared.domain.coupon_apply import CouponDetail, CouponsOnOrder, apply_coupons
from shared.domain.coupon_errors import CouponRedemptionNotFound, InvalidCoupon, InvalidSourceId, NotTheOrdersCode
from shared.domain.coupon_rules import Order, OrderItem
from shared.domain.customers import ensure_customer
from shared.domain.earning import EarningEvent, evaluate, line_amount, take_back
from shared.domain.events import CustomerEvent, ingest_event
from shared.domain.points import placement
from shared.domain.tiers import month_key
from shared.entities.earning import ORDER_EVENT, EarningRuleSpec
from shared.entities.numbers import exact
from shared.entities.points import Posting
from shared.errors import Conflict, CustomerNotFound, NotFound, ServiceUnavailable, ValidationFailed
from shared.ids import keyed_id, new_id
from shared.retries import retries
from shared.settings import get_settings
from shared.storage import dynamodb, earning, orders, points
from shared.storage.dynamodb import TransactAction, TransactionCancelled, Update
from shared.storage.orders import CANCEL_RETURN_ID, OrderRecord, ReturnRecord, RuleEarningRecord
from shared.values import value_class

# Lost races before answering service unavailable: every order on a rule with a budget writes its
# counter, so a burst of orders on one rule retries more than one customer's writes do.
MAX_ATTEMPTS = 60
# Qualifying spend counts to 1e-10 of the currency: every sum of such amounts is 0 or at least 1e-10, a
# number DynamoDB stores (a 1e-130 price times 0.5 is not), and the largest order (500 items of 1e12 x 1e9)
# takes 34 digits of the 38 it keeps.
SPEND_SCALE = Decimal("1e-10")
_SPEND_CONTEXT = Context(prec=38)


class OrderNotFound(NotFound):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"Cannot find order with id {order_id}")


class OrderConflict(Conflict):
    def __init__(self, details: str) -> None:
        super().__init__("Conflict", details)


@value_class
class OrderCommand:
    source_id: str
    occurred_at: int | None  # epoch seconds; None: now
    order: Order
    body: Mapping[str, Any]  # the order as sent: stored, shown, and digested to tell a replay
    coupon_details: tuple[CouponDetail, ...] = ()


@value_class
class PlacedOrder:
    record: OrderRecord
    created: bool


@value_class
class ReturnCommand:
    return_id: str
    items: tuple[tuple[str, int | float], ...]  # product_id, units


# ------------------------------------------------------------------------------------------ orders


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def get_order(app_id: str, order_id: str) -> OrderRecord:
    record = orders.get(app_id, order_id)
    if record is None:
        raise OrderNotFound(order_id)
    return record


def place_order(app_id: str, command: OrderCommand) -> PlacedOrder:
    now = clock.now_epoch()
    limit = get_settings().max_event_future_seconds
    occurred_at = command.occurred_at if command.occurred_at is not None else now
    if occurred_at > now + limit:
        raise ValidationFailed(f"occurred_at: must not be more than {limit} seconds in the future")
    details = tuple({"coupon_id": d.coupon_id, "coupon_code": d.coupon_code} for d in command.coupon_details)
    digest = _digest(command.source_id, command.occurred_at, command.body, details)
    record = orders.get(app_id, command.order.order_id)
    placed = PlacedOrder(record, created=False) if record is not None else None
    if placed is None:
        placed = _credit(app_id, command, occurred_at, digest, details, earning_rules.active_rules(app_id, ORDER_EVENT))
    if placed.record.digest != digest:
        raise OrderConflict(f"order_id: order {placed.record.order_id} was already received with another body")
    _deliver_to_campaigns(app_id, placed.record)
    return placed


def _credit(
    app_id: str,
    command: OrderCommand,
    occurred_at: int,
    digest: str,
    details: tuple[dict[str, str], ...],
    rules: Sequence[EarningRuleSpec],
) -> PlacedOrder:
    """The order written with its points; the stored order when a request with its id got there first."""
    order, source_id = command.order, command.source_id
    by_id = {rule.rule_id: rule for rule in rules}
    for attempt in retries(MAX_ATTEMPTS):
        if attempt:
            landed = orders.get(app_id, order.order_id)
            if landed is not None:
                return PlacedOrder(landed, created=False)
        profile, _, policy = points.read_with_policy(app_id, source_id, [])
        if profile is None:
            profile = ensure_customer(app_id, source_id)[0]  # an order's customer is created by it, as an event's
        usage = earning_credits.usage(app_id, source_id, rules, occurred_at, policy.time_zone)
        tier = tier_members.tier_benefit(app_id, profile)
        event = EarningEvent(ORDER_EVENT, occurred_at, _properties(command.body), order.items, tier.multiplier)
        postings: list[Posting] = []
        counters: list[Update] = []
        earned: list[RuleEarningRecord] = []
        for result in evaluate(rules, event, usage, policy.time_zone):
            rule = by_id[result.rule_id]
            txn_id = new_id("txn") if result.granted else None
            if txn_id is not None:
                description = f"{rule.name}: order {order.order_id}{tier.stated}"
                postings.append(
                    earning_credits.rule_credit(
                        rule,
                        txn_id,
                        result.granted,
                        "order_earning",
                        ORDER_EVENT,
                        occurred_at,
                        policy,
                        description,
                        order.order_id,
                    )
                )
                counters += earning_credits.counters(app_id, source_id, rule, result.granted, result.period)
            earned.append(
                RuleEarningRecord(
                    rule.rule_id,
                    rule.name,
                    result.earned,
                    result.granted,
                    result.limited_by,
                    dict(result.items),
                    txn_id,
                    rule.budget is not None,
                    result.period,
                )
            )
        record = OrderRecord(
            order_id=order.order_id,
            source_id=source_id,
            occurred_at=occurred_at,
            digest=digest,
            order=dict(command.body),
            earnings=tuple(earned),
            created_at=clock.now_iso(),
            returned=(0,) * len(order.items),
            coupon_details=details,
        )
        actions: list[TransactAction] = [orders.creation(app_id, record), *counters]
        spend = _spend(occurred_at, sum(event.amounts, Fraction(0)))
        if postings or spend:
            actions += placement.post(app_id, profile, postings, clock.now_epoch_ms(), spend)[1]
        try:
            dynamodb.transact_write(actions)
        except (TransactionCancelled, ServiceUnavailable):
            continue
        return PlacedOrder(record, created=True)
    raise ServiceUnavailable


def _spend(occurred_at: int, value: Fraction) -> dict[str, Decimal]:
    """What an order (or, negative, a return) adds to the member's qualifying spend: its value in the
    month of the order's time, to ``SPEND_SCALE`` (half to even)."""
    exact = _SPEND_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
    amount = exact.quantize(SPEND_SCALE, context=_SPEND_CONTEXT)
    if not amount:
        return {}
    return {month_key(occurred_at * 1000): amount}


def _properties(body: Mapping[str, Any]) -> dict[str, Any]:
    """The order's fields as the event's properties (items are the rules' business, not a property)."""
    return {name: value for name, value in body.items() if name != "items"}


def _deliver_to_campaigns(app_id: str, record: OrderRecord) -> None:
    event = CustomerEvent(record.source_id, ORDER_EVENT, record.occurred_at, _properties(record.order))
    ingest_event(app_id, event, delivery_id=keyed_id("dlv", app_id, ORDER_EVENT, record.order_id))


# ------------------------------------------------------------------------------------------ returns


def _units(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _left(record: OrderRecord) -> list[Decimal]:
    return [
        _units(item.get("quantity", 1)) - _units(returned)
        for item, returned in zip(record.order["items"], record.returned, strict=True)
    ]


def _returning(record: OrderRecord, command: ReturnCommand) -> dict[int, Decimal]:
    """Units returned by item index; a 400 naming the item for an unknown product or too many units."""
    index_of = {item["product_id"]: index for index, item in enumerate(record.order["items"])}
    left = _left(record)
    returning: dict[int, Decimal] = {}
    for position, (product_id, units) in enumerate(command.items):
        index = index_of.get(product_id)
        if index is None:
            raise ValidationFailed(f"items.{position}.product_id: order {record.order_id} has no item {product_id}")
        returning[index] = returning.get(index, Decimal(0)) + _units(units)
        if returning[index] > left[index]:
            raise ValidationFailed(
                f"items.{position}.quantity: {exact(returning[index])} units of {product_id} is more than the "
                f"{exact(left[index])} left to return"
            )
    return returning


def return_items(app_id: str, order_id: str, command: ReturnCommand) -> OrderRecord:
    """Take back what the returned units earned, once per return_id."""
    if command.return_id == CANCEL_RETURN_ID:
        raise ValidationFailed(f"return_id: {CANCEL_RETURN_ID} is the cancel's")
    for _ in retries():
        record = get_order(app_id, order_id)
        done = next((r for r in record.returns if r.return_id == command.return_id), None)
        if done is not None:
            return record
        if record.cancelled_at is not None:
            raise OrderConflict(f"order_id: order {order_id} was cancelled: nothing is left to return")
        returning = _returning(record, command)
        after, actions = _take_back(app_id, record, command.return_id, returning, cancelled_at=None)
        try:
            dynamodb.transact_write(actions)
        except (TransactionCancelled, ServiceUnavailable):
            continue
        return after
    raise ServiceUnavailable


def cancel_order(app_id: str, order_id: str) -> OrderRecord:
    """Return everything left and revert the order's coupon redemptions, once."""
    for _ in retries():
        record = get_order(app_id, order_id)
        if record.cancelled_at is None:
            left = {index: units for index, units in enumerate(_left(record)) if units > 0}
            record, actions = _take_back(app_id, record, CANCEL_RETURN_ID, left, cancelled_at=clock.now_iso())
            try:
                dynamodb.transact_write(actions)
            except (TransactionCancelled, ServiceUnavailable):
                continue
        _revert_coupons(app_id, record)
        return record
    raise ServiceUnavailable


def _revert_coupons(app_id: str, record: OrderRecord) -> None:
    if not record.coupon_details:
        return
    details = tuple(CouponDetail(d["coupon_id"], d["coupon_code"]) for d in record.coupon_details)
    request_id = keyed_id("req", app_id, record.order_id, CANCEL_RETURN_ID)
    try:
        apply_coupons(app_id, CouponsOnOrder(record.source_id, _order_of(record), details), "revert", request_id)
    except (CouponRedemptionNotFound, InvalidCoupon, InvalidSourceId, NotTheOrdersCode):
        return  # the coupons named were not redeemed on this order by its customer: nothing of it to revert


def _order_of(record: OrderRecord) -> Order:
    """The stored order as the coupon engine reads it."""
    body = record.order
    items = tuple(
        OrderItem(
            product_id=item["product_id"],
            original_price=item["original_price"],
            selling_price=item["selling_price"],
            quantity=item.get("quantity", 1),
            shipping=item.get("shipping", 0),
            sku=item.get("sku"),
            name=item.get("name"),
            brand=item.get("brand"),
            metadata=item.get("metadata", {}),
        )
        for item in body["items"]
    )
    return Order(
        order_id=record.order_id,
        status=body["status"],
        original_price_subtotal=body["original_price_subtotal"],
        selling_price_subtotal=body["selling_price_subtotal"],
        items=items,
        shipping=body.get("shipping") or 0,
        tax=body.get("tax") or 0,
        payment_mode=body.get("payment_mode"),
        metadata=body.get("metadata", {}),
    )


def _take_back(
    app_id: str,
    record: OrderRecord,
    return_id: str,
    returning: Mapping[int, Decimal],
    cancelled_at: str | None,
) -> tuple[OrderRecord, list[TransactAction]]:
    """The order with the return, and the transaction's writes: the order over its version, a reversal
    of each rule's credit (what the units earned, at most what the credit has left), the budgets."""
    credits = {e.rule_id: e for e in record.earnings if e.txn_id is not None}
    bought = [Fraction(_units(item.get("quantity", 1))) for item in record.order["items"]]
    taken = take_back(
        {rule_id: e.items for rule_id, e in credits.items()},
        bought,
        [Fraction(_units(units)) for units in record.returned],
        {index: Fraction(units) for index, units in returning.items()},
    )
    txn_ids_read = [credits[rule_id].txn_id for rule_id in taken]
    profile, records, policy = points.read_with_policy(app_id, record.source_id, [t for t in txn_ids_read if t])
    if profile is None:
        raise CustomerNotFound(record.source_id)
    postings: list[Posting] = []
    writes: list[TransactAction] = []
    reversal_ids: dict[str, str] = {}
    for rule_id, by_item in taken.items():
        earned = credits[rule_id]
        credit = records[earned.txn_id or ""]
        points_back = sum(by_item.values())
        wanted = min(points_back, credit.points - credit.reversed)  # a manual reversal may have taken some
        if wanted > 0:
            reversal_ids[rule_id] = new_id("txn")
            postings.append(
                Posting(
                    txn_id=reversal_ids[rule_id],
                    points=-wanted,
                    reason="order_return",
                    operation="reversal",
                    rule_id=rule_id,
                    event_name=ORDER_EVENT,
                    description=f"{earned.rule_name}: return {return_id} of order {record.order_id}",
                    reverses=credit.txn_id,
                    own_lot=credit.lot,
                    return_policy=policy.return_policy,
                    order_id=record.order_id,
                    return_id=return_id,
                    qualifies_in=credit.qualifies_in,
                )
            )
            writes.append(points.count_reversal(app_id, record.source_id, credit, credit.reversed + wanted))
        if earned.budget:
            writes.append(earning.move_budget(app_id, rule_id, -points_back, None))
        if earned.cap_period is not None:
            writes.append(earning.move_cap(app_id, record.source_id, rule_id, earned.cap_period, -points_back, None))
    returned = tuple(
        exact(_units(units) + returning.get(index, Decimal(0))) for index, units in enumerate(record.returned)
    )
    entry = ReturnRecord(
        return_id=return_id,
        items={index: exact(units) for index, units in returning.items()},
        taken=taken,
        txn_ids=reversal_ids,
        created_at=clock.now_iso(),
    )
    after = record.with_return(entry, returned, cancelled_at)
    actions: list[TransactAction] = [orders.rewrite(app_id, after), *writes]
    items = _order_of(record).items
    value = sum(
        (line_amount(items[index]) * Fraction(units) / bought[index] for index, units in returning.items() if units),
        Fraction(0),
    )
    spend = _spend(record.occurred_at, -value)
    if postings or spend:
        actions += placement.post(app_id, profile, postings, clock.now_epoch_ms(), spend)[1]
    return replace(after, version=after.version + 1), actions
