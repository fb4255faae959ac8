"""A condition on an order or its items in the coupons' grammar (``field``, ``operator``, ``value``), as coupons
and earning rules take it: a module of its own so that earning rules do not load the coupons' API models
(and the coupons' domain behind them) at cold start."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, StringConstraints, model_validator

from shared.api.schemas.common import RequestModel
from shared.domain.coupon_rules import ITEM_FIELDS, ITEM_MONEY_FIELDS, money
from shared.entities.coupons import CouponCondition, CouponOperator
from shared.limits import Printable, StorableFloat, StorableInt, check_value_fits_operator

MAX_MONEY = 1e12
Money = Annotated[StorableFloat, Field(ge=0, le=MAX_MONEY)]
ConditionScalar = Annotated[str, StringConstraints(max_length=200), Printable] | StorableInt | StorableFloat | bool
ConditionValue = ConditionScalar | Annotated[list[ConditionScalar], Field(max_length=100)]


class CouponConditionIn(RequestModel):
    field: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    operator: CouponOperator
    value: ConditionValue

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Self:
        check_value_fits_operator(self.operator, self.value)
        return self

    def to_spec(self) -> CouponCondition:
        return CouponCondition(self.field, self.operator, self.value)


def check_fields(
    conditions: list[CouponConditionIn], allowed: tuple[str, ...], money_fields: tuple[str, ...], where: str
) -> None:
    for index, condition in enumerate(conditions):
        name = condition.field
        if name.startswith("metadata.") and len(name) > len("metadata."):
            continue
        if name not in allowed:
            raise ValueError(f"{where}.{index}.field: must be one of {', '.join(allowed)} or metadata.<key>")
        values = condition.value if isinstance(condition.value, list) else [condition.value]
        if name in money_fields and not all(_is_amount(value) for value in values):
            raise ValueError(
                f"{where}.{index}.value: {name} is money: a number from 0 to {MAX_MONEY:.0f} with at most 2 decimals"
            )


def check_item_fields(conditions: list[CouponConditionIn], where: str) -> None:
    """Item conditions name item fields (earning rules select items in the same grammar)."""
    check_fields(conditions, ITEM_FIELDS, ITEM_MONEY_FIELDS, where)


def _is_amount(value: object) -> bool:
    """What an order's money field can hold, and every message can show in cents."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return 0 <= value <= MAX_MONEY and money(value) == Decimal(repr(value) if isinstance(value, float) else value)
