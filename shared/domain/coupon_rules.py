"""The coupon engine's arithmetic: does a coupon apply to an order, what is its discount, and, when it
does not apply, which conditions failed, by how much (the gap). Pure functions over immutable specs,
no I/O, so that every rule is property-testable.

Design notes
- Money is computed in ``Decimal`` and rounded half-up to cents; a discount is never negative and never
  more than its base: the matching items' amount for an item-level coupon, else the order's
  ``selling_price_subtotal`` (plus shipping for ``free_shipping``).
- Several coupons on one order (``coupon_details`` is an array) are each judged against the order as
  sent and their discounts add up; the sum is capped at the order's subtotal plus shipping, the cap
  taken from the last coupons in the array first. Each coupon may appear once per order.
- Order conditions name an order field (``selling_price_subtotal``, ``original_price_subtotal``,
  ``shipping``, ``tax``, ``payment_mode``, ``status``) or an order metadata key (``metadata.cart_qty``);
  a failure reads as seed 004 writes it: ``selling_price should be greater than 200.00`` (money fields
  with two decimals, metadata values as they are).
- Item conditions select the items whose every ``match`` condition holds (fields ``product_id``, ``sku``,
  ``name``, ``brand``, ``selling_price``, ``original_price``, ``quantity``, or ``metadata.<key>``) and
  require a minimum quantity and/or amount (selling price x quantity) of them.
- Metadata keys the coupon's schema does not name, or whose value has another type, are nullified
  (kept as null), never refused: seed 004's rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import field, replace
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from shared.clock import iso_from_epoch_ms
from shared.domain.comparators import COMPARATORS
from shared.entities.coupons import CouponCondition, CouponSpec, Discount, ItemConditions, MetadataType
from shared.entities.numbers import exact
from shared.limits import number_in_text
from shared.values import value_class

CENT = Decimal("0.01")
# Rounding to cents needs as many digits as the amount has: the default context's 28 failed (an internal error) for
# 1e26 and more, which coupons stored before conditions on money were bounded may hold (DynamoDB's
# numbers reach 9.99e125: 126 digits and the cents).
_MONEY_CONTEXT = Context(prec=130)

# Order fields a condition may name, and the name seed 004 uses for them in its messages.
MONEY_FIELDS = {
    "selling_price_subtotal": "selling_price",
    "original_price_subtotal": "original_price",
    "shipping": "shipping",
    "tax": "tax",
}
ORDER_TEXT_FIELDS = ("payment_mode", "status")
ITEM_FIELDS = ("product_id", "sku", "name", "brand", "selling_price", "original_price", "quantity")
ITEM_MONEY_FIELDS = ("selling_price", "original_price")

_WORDS: dict[str, str] = {
    "eq": "should be",
    "ne": "should not be",
    "gt": "should be greater than",
    "gte": "should be at least",
    "lt": "should be less than",
    "lte": "should be at most",
    "in": "should be one of",
    "not_in": "should not be one of",
}
_GAP_WORDS: dict[str, str] = {
    "eq": "needs",
    "ne": "needs anything but",
    "gt": "needs more than",
    "gte": "needs at least",
    "lt": "needs less than",
    "lte": "needs at most",
    "in": "needs one of",
    "not_in": "needs none of",
}


# ------------------------------------------------------------------------------------------ orders


@value_class
class OrderItem:
    product_id: str
    original_price: float
    selling_price: float
    quantity: float = 1
    shipping: float = 0
    sku: str | None = None
    name: str | None = None
    brand: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        """The line's amount in cents: a fractional quantity (1.5 kg at 1.99) gives 2.985, billed 2.99."""
        return money(money(self.selling_price) * _decimal(self.quantity))


@value_class
class Order:
    order_id: str
    status: str
    original_price_subtotal: float
    selling_price_subtotal: float
    items: tuple[OrderItem, ...]
    shipping: float = 0
    tax: float = 0
    payment_mode: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def shipping_total(self) -> Decimal:
        return money(self.shipping) + sum((money(i.shipping) for i in self.items), Decimal(0))


def value_of(holder: Order | OrderItem, name: str) -> Any:
    """The field a condition names, of an order or of one of its items: ``metadata.<key>`` reads metadata."""
    if name.startswith("metadata."):
        return holder.metadata.get(name.removeprefix("metadata."))
    return getattr(holder, name, None)


def _decimal(value: float | int | Decimal) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def money(value: float | int | Decimal) -> Decimal:
    amount = value if isinstance(value, Decimal) else _decimal(value)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP, context=_MONEY_CONTEXT)


def as_number(value: Decimal) -> float | int:
    """A JSON number for an amount of money: 100 stays 100, 12.5 is 12.5."""
    return int(value) if value == value.to_integral_value() else float(value)


def iso(epoch: int | None) -> str | None:
    """A coupon's date (epoch seconds) as the API shows it."""
    return iso_from_epoch_ms(epoch * 1000) if epoch is not None else None


# ---------------------------------------------------------------------------------------- metadata


@value_class
class KeptMetadata:
    """Metadata as the coupon's schema keeps it: unknown keys and wrong types become None."""

    order: dict[str, Any]
    items: tuple[dict[str, Any], ...]
    nullified: tuple[str, ...]


def _fits(value: Any, kind: MetadataType) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "number":
        if isinstance(value, bool):
            return False
        if isinstance(value, int | float):
            return math.isfinite(value)
        return isinstance(value, str) and number_in_text(value) is not None
    return isinstance(value, str)


def _kept(
    metadata: Mapping[str, Any], schema: Mapping[str, MetadataType], where: str, nullified: list[str]
) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in metadata.items():
        kind = schema.get(key)
        if kind is None or value is None or not _fits(value, kind):
            kept[key] = None
            if value is not None or kind is None:
                nullified.append(f"{where}{key}")
        elif kind == "number" and isinstance(value, str):
            # Seed 004 sends numbers as text ("cart_qty": "4"): kept as the exact number the text spells (a
            # text DynamoDB could not store, "1e300", does not fit the type and is nullified).
            number = number_in_text(value)
            kept[key] = None if number is None else exact(number)
        else:
            kept[key] = value
    return kept


def keep_metadata(order: Order, schema: Mapping[str, MetadataType]) -> KeptMetadata:
    nullified: list[str] = []
    order_kept = _kept(order.metadata, schema, "order.metadata.", nullified)
    items_kept = tuple(
        _kept(item.metadata, schema, f"order.items.{index}.metadata.", nullified)
        for index, item in enumerate(order.items)
    )
    return KeptMetadata(order_kept, items_kept, tuple(nullified))


def with_kept_metadata(order: Order, kept: KeptMetadata) -> Order:
    """The order as the coupon sees it: conditions on metadata read only what the schema kept."""
    items = tuple(replace(item, metadata=meta) for item, meta in zip(order.items, kept.items, strict=True))
    return replace(order, metadata=kept.order, items=items)


# -------------------------------------------------------------------------------------- conditions


def _comparable(actual: Any, expected: Any) -> tuple[Any, Any] | None:
    """Numbers compare as decimals; text compares case-sensitively; None never matches an ordering."""
    if isinstance(expected, list):
        return actual, expected
    if _is_number(expected):
        if _is_number(actual):
            return _decimal(actual), _decimal(expected)
        number = number_in_text(actual) if isinstance(actual, str) else None
        return None if number is None else (number, _decimal(expected))
    return actual, expected


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def holds(condition: CouponCondition, actual: Any) -> bool:
    if actual is None and condition.operator not in ("ne", "not_in"):
        return False
    pair = _comparable(actual, condition.value)
    if pair is None:
        return condition.operator in ("ne", "not_in")
    try:
        return bool(COMPARATORS[condition.operator](*pair))
    except TypeError:
        return False


def _shown(field_name: str, value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_shown(field_name, v) for v in value) + "]"
    if field_name in MONEY_FIELDS and _is_number(value):
        return f"{money(value):.2f}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def display_name(field_name: str) -> str:
    """``selling_price_subtotal`` -> ``selling_price``, ``metadata.cart_qty`` -> ``cart_qty`` (seed 004's names)."""
    return MONEY_FIELDS.get(field_name, field_name.removeprefix("metadata."))


@value_class
class FailedCondition:
    """What was required, what the order has, and the gap in words."""

    field: str
    operator: str
    required: Any
    actual: Any
    message: str  # seed 004's wording: "selling_price should be greater than 200.00"
    gap: str  # "add 50.00 more of brand A", "cart_qty is 3, needs more than 10"


def _order_failure(condition: CouponCondition, actual: Any) -> FailedCondition:
    if isinstance(actual, float) and actual.is_integer():
        actual = int(actual)  # 150, as the client sent it, not 150.0
    name = display_name(condition.field)
    message = f"{name} {_WORDS[condition.operator]} {_shown(condition.field, condition.value)}"
    if actual is None:
        gap = f"{name} is missing, {_GAP_WORDS[condition.operator]} {_shown(condition.field, condition.value)}"
    elif condition.field in MONEY_FIELDS and condition.operator in ("gt", "gte") and _is_number(actual):
        missing = money(condition.value) - money(actual) + (CENT if condition.operator == "gt" else 0)
        gap = f"add {missing:.2f} more to {name}"
    else:
        shown_actual = _shown(condition.field, actual)
        gap = f"{name} is {shown_actual}, {_GAP_WORDS[condition.operator]} {_shown(condition.field, condition.value)}"
    return FailedCondition(condition.field, condition.operator, condition.value, actual, message, gap)


def _describe_match(match: Sequence[CouponCondition]) -> str:
    if not match:
        return "any item"
    if len(match) == 1 and match[0].operator == "eq":
        return str(match[0].value)
    return " and ".join(f"{display_name(c.field)} {c.operator} {_shown(c.field, c.value)}" for c in match)


@value_class
class ItemCheck:
    matching: tuple[int, ...]  # indexes of the items the coupon applies to
    failures: tuple[FailedCondition, ...]


def check_items(conditions: ItemConditions, order: Order) -> ItemCheck:
    matching = tuple(
        index
        for index, item in enumerate(order.items)
        if all(holds(c, value_of(item, c.field)) for c in conditions.match)
    )
    what = _describe_match(conditions.match)
    quantity = sum((_decimal(order.items[i].quantity) for i in matching), Decimal(0))
    amount = sum((order.items[i].amount for i in matching), Decimal(0))
    failures: list[FailedCondition] = []
    if not matching:
        failures.append(FailedCondition("items", "match", what, 0, f"no item matches {what}", f"add an item of {what}"))
    if conditions.min_quantity is not None and quantity < _decimal(conditions.min_quantity):
        needed = _decimal(conditions.min_quantity) - quantity
        failures.append(
            FailedCondition(
                "items.quantity",
                "gte",
                conditions.min_quantity,
                as_number(quantity),
                f"quantity of {what} should be at least {_shown('quantity', conditions.min_quantity)}",
                f"add {as_number(needed)} more of {what}",
            )
        )
    if conditions.min_amount is not None and amount < money(conditions.min_amount):
        needed = money(conditions.min_amount) - amount
        failures.append(
            FailedCondition(
                "items.amount",
                "gte",
                conditions.min_amount,
                as_number(amount),
                f"amount of {what} should be at least {money(conditions.min_amount):.2f}",
                f"add {needed:.2f} more of {what}",
            )
        )
    return ItemCheck(matching, tuple(failures))


# ---------------------------------------------------------------------------------------- verdicts


@value_class
class Verdict:
    """A coupon judged against an order: ``discount`` when it applies, the failed conditions otherwise.
    ``order_failures`` answer "coupon validation failed", ``item_failures`` answer seed 004's
    "Discount validation is failed, please check terms and condition in the coupon tray"."""

    discount: Decimal
    order_failures: tuple[FailedCondition, ...] = ()
    item_failures: tuple[FailedCondition, ...] = ()
    matching_items: tuple[int, ...] = ()

    @property
    def applies(self) -> bool:
        return not self.order_failures and not self.item_failures


def judge(spec: CouponSpec, order: Order) -> Verdict:
    """Conditions and discount of one coupon on one order (its metadata already kept by the schema)."""
    order_failures = tuple(
        _order_failure(c, value_of(order, c.field))
        for c in spec.order_conditions
        if not holds(c, value_of(order, c.field))
    )
    if spec.item_conditions is not None:
        items = check_items(spec.item_conditions, order)
        base = sum((order.items[i].amount for i in items.matching), Decimal(0))
        matching, item_failures = items.matching, items.failures
    else:
        base = money(order.selling_price_subtotal)
        matching, item_failures = tuple(range(len(order.items))), ()
    return Verdict(discount_on(spec.discount, base, order), order_failures, item_failures, matching)


def discount_on(discount: Discount, base: Decimal, order: Order) -> Decimal:
    base = max(base, Decimal(0))
    if discount.type == "free_shipping":
        return max(order.shipping_total, Decimal(0))
    if discount.type == "amount":
        return min(money(discount.value or 0), base)
    off = money(base * _decimal(discount.value or 0) / 100)
    if discount.max_discount is not None:
        off = min(off, money(discount.max_discount))
    return min(off, base)


def stack(discounts: Sequence[Decimal], order: Order) -> list[Decimal]:
    """Each coupon's share once stacked: the total never exceeds the subtotal plus shipping; the cap
    trims the last coupons first."""
    room = max(money(order.selling_price_subtotal), Decimal(0)) + max(order.shipping_total, Decimal(0))
    shares = []
    for discount in discounts:
        share = min(discount, room)
        shares.append(share)
        room -= share
    return shares
