"""A coupon's definition as the domain judges it and the storage keeps it: immutable values, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any, Literal

from shared.values import value_class

DiscountType = Literal["amount", "percent", "free_shipping"]
CouponOperator = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in"]
CouponStatus = Literal["active", "disabled"]
RedeemableBy = Literal["anyone", "holders"]
MetadataType = Literal["string", "number", "boolean"]


@value_class
class Discount:
    type: DiscountType
    value: float | None = None  # amount off, or percent (0-100]; None for free shipping
    max_discount: float | None = None  # cap of a percent discount


@value_class
class CouponCondition:
    field: str  # an order or item field, or "metadata.<key>"
    operator: CouponOperator
    value: Any


@value_class
class ItemConditions:
    match: tuple[CouponCondition, ...] = ()
    min_quantity: float | None = None
    min_amount: float | None = None


@value_class
class CouponSpec:
    """A coupon definition: a fixed code (``coupon_code``) or, when it is None, a pool of unique codes."""

    coupon_id: str
    coupon_code: str | None
    discount: Discount
    status: CouponStatus
    created_at: str
    updated_at: str
    name: str | None = None
    starts_at: int | None = None
    ends_at: int | None = None
    usage_limit: int | None = None
    usage_limit_per_customer: int | None = None
    assigned_to: str | None = None
    redeemable_by: RedeemableBy = "anyone"
    order_conditions: tuple[CouponCondition, ...] = ()
    item_conditions: ItemConditions | None = None
    metadata_schema: Mapping[str, MetadataType] = field(default_factory=dict)

    @property
    def is_pool(self) -> bool:
        return self.coupon_code is None
