"""Exact numbers, as DynamoDB stores them: campaign targets and sums, coupon conditions' amounts."""

from __future__ import annotations

from decimal import Decimal

Number = int | Decimal


def exact(value: int | float | Decimal) -> Number:
    """The number as an int when whole, else as an exact Decimal (a float by its shortest repr)."""
    number = Decimal(repr(value)) if isinstance(value, float) else value
    if isinstance(number, Decimal) and number == number.to_integral_value():
        return int(number)
    return number
