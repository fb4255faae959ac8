"""The coupon engine's arithmetic (shared/domain/coupon_rules.py): conditions and their seed 004
wording, the gap, discounts (capped, never more than their base), stacking, metadata kept by schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.coupon_rules import (
    FailedCondition,
    ItemCheck,
    Order,
    OrderItem,
    check_items,
    discount_on,
    holds,
    judge,
    keep_metadata,
    money,
    stack,
    with_kept_metadata,
)
from shared.entities.coupons import CouponCondition, CouponSpec, Discount, ItemConditions

amounts = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


def order(
    subtotal: float = 800,
    shipping: float = 100,
    metadata: dict[str, Any] | None = None,
    items: tuple[OrderItem, ...] = (),
) -> Order:
    return Order(
        "o1",
        "pending",
        subtotal,
        subtotal,
        items or (OrderItem("p1", subtotal, subtotal),),
        shipping,
        0,
        "UPI",
        metadata or {},
    )


def spec(discount: Discount, *conditions: CouponCondition, items: ItemConditions | None = None) -> CouponSpec:
    return CouponSpec("coupm_x", "CODE", discount, "active", "", "", order_conditions=conditions, item_conditions=items)


# ------------------------------------------------------------------------------------- conditions


@pytest.mark.parametrize(
    ("condition", "subtotal", "message"),
    [
        (CouponCondition("selling_price_subtotal", "gt", 200), 200, "selling_price should be greater than 200.00"),
        (CouponCondition("selling_price_subtotal", "gte", 200.5), 200.49, "selling_price should be at least 200.50"),
        (CouponCondition("selling_price_subtotal", "lt", 100), 100, "selling_price should be less than 100.00"),
        (CouponCondition("selling_price_subtotal", "lte", 100), 100.01, "selling_price should be at most 100.00"),
    ],
)
def test_a_boundary_fails_with_the_seeds_wording(condition: CouponCondition, subtotal: float, message: str) -> None:
    verdict = judge(spec(Discount("amount", 10), condition), order(subtotal))
    (failure,) = verdict.order_failures
    assert failure.message == message


@pytest.mark.parametrize(
    ("condition", "subtotal"),
    [
        (CouponCondition("selling_price_subtotal", "gt", 200), 200.01),
        (CouponCondition("selling_price_subtotal", "gte", 200), 200),
        (CouponCondition("selling_price_subtotal", "lte", 100), 100),
    ],
)
def test_the_other_side_of_each_boundary_holds(condition: CouponCondition, subtotal: float) -> None:
    assert judge(spec(Discount("amount", 10), condition), order(subtotal)).applies


@pytest.mark.parametrize(
    ("operator", "value", "actual", "expected"),
    [
        # a missing value meets only the negative operators
        ("ne", "x", None, True),
        ("not_in", ["x"], None, True),
        ("eq", "x", None, False),
        ("in", ["x"], None, False),
        # a value that is not a number against a number: the same
        ("ne", 5, "abc", True),
        ("eq", 5, "abc", False),
        ("gt", 5, "abc", False),
        # numeric text compares as its number; text against a number that cannot order is not met
        ("gt", 5, "6", True),
        ("gt", 5, "inf", False),
        ("gt", "b", 5, False),
        # against a number, a missing value or a yes/no is no number: only ne holds
        ("ne", 5, None, True),
        ("ne", 5, True, True),
        ("eq", 1, True, False),
    ],
)
def test_a_missing_or_incomparable_value_meets_only_ne_and_not_in(
    operator: Any, value: Any, actual: Any, expected: bool
) -> None:
    assert holds(CouponCondition("metadata.k", operator, value), actual) is expected


def test_metadata_conditions_read_numeric_text_and_name_the_key() -> None:
    condition = CouponCondition("metadata.cart_qty", "gt", 10)
    failed = judge(spec(Discount("amount", 1), condition), order(metadata={"cart_qty": "3"}))
    passed = judge(spec(Discount("amount", 1), condition), order(metadata={"cart_qty": "11"}))
    missing = judge(spec(Discount("amount", 1), condition), order())

    (failure,) = failed.order_failures
    assert (failure.message, failure.gap) == ("cart_qty should be greater than 10", "cart_qty is 3, needs more than 10")
    assert passed.applies
    assert missing.order_failures[0].gap == "cart_qty is missing, needs more than 10"


def test_the_money_gap_is_what_is_missing() -> None:
    verdict = judge(spec(Discount("amount", 1), CouponCondition("selling_price_subtotal", "gte", 200)), order(150))
    assert verdict.order_failures[0].gap == "add 50.00 more to selling_price"


def test_item_conditions_name_the_gap_in_quantity_and_amount() -> None:
    items = (
        OrderItem("a", 100, 100, 1, metadata={"brand": "brand A"}),
        OrderItem("b", 50, 50, 2, metadata={"brand": "brand B"}),
    )
    brand_a = (CouponCondition("metadata.brand", "eq", "brand A"),)
    check = check_items(ItemConditions(brand_a, min_quantity=3, min_amount=150), order(items=items))
    none = check_items(ItemConditions((CouponCondition("metadata.brand", "eq", "brand C"),)), order(items=items))

    assert check.matching == (0,)
    assert [f.gap for f in check.failures] == ["add 2 more of brand A", "add 50.00 more of brand A"]
    assert [f.message for f in none.failures] == ["no item matches brand C"]


# -------------------------------------------------------------------------------------- discounts


@given(base=amounts, value=amounts)
def test_an_amount_is_never_more_than_its_base(base: Decimal, value: Decimal) -> None:
    off = discount_on(Discount("amount", float(value)), base, order())
    assert Decimal(0) <= off <= base
    assert off == min(money(float(value)), base)


@given(base=amounts, percent=st.integers(min_value=1, max_value=100), cap=st.none() | amounts)
def test_a_percent_is_capped_and_never_more_than_its_base(base: Decimal, percent: int, cap: Decimal | None) -> None:
    off = discount_on(Discount("percent", percent, None if cap is None else float(cap)), base, order())
    assert Decimal(0) <= off <= base
    if cap is not None:
        assert off <= cap
    assert off == off.quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("percent", "base", "off"),
    [
        (12.5, "1.00", "0.13"),
        (0.5, "1.00", "0.01"),
        (2.5, "0.20", "0.01"),
        (12.5, "0.20", "0.03"),
        (37.5, "0.60", "0.23"),
    ],
)
def test_a_discount_on_half_a_cent_rounds_half_up(percent: float, base: str, off: str) -> None:
    """The documented rounding: half a cent goes up (12.5% of 1.00 is 0.13), never to the even cent."""
    assert discount_on(Discount("percent", percent), Decimal(base), order()) == Decimal(off)


def test_an_item_level_coupon_discounts_the_matching_items_only() -> None:
    items = (OrderItem("a", 200, 200, 1, metadata={"brand": "A"}), OrderItem("b", 200, 200, 2, metadata={"brand": "B"}))
    coupon = spec(Discount("percent", 50), items=ItemConditions((CouponCondition("metadata.brand", "eq", "B"),)))
    assert judge(coupon, order(600, items=items)).discount == Decimal("200.00")


@pytest.mark.parametrize(
    ("discount", "price", "quantity", "expected"),
    [
        (Discount("percent", 12.5), 1.00, 1, "0.13"),  # 0.125: half-up
        (Discount("percent", 12.5), 0.99, 1, "0.12"),  # 0.12375
        (Discount("amount", 10), 1.99, 1.5, "2.99"),  # the line is 2.985: billed 2.99, the discount its base
        (Discount("percent", 100), 1.99, 1.5, "2.99"),
        (Discount("percent", 50), 1.99, 1.5, "1.50"),  # half of 2.99 is 1.495
        (Discount("percent", 10), 0.01, 0.5, "0.00"),  # the line is 0.005: billed 0.01, 10% of it rounds to 0
        (Discount("amount", 10), 0.01, 0.25, "0.00"),  # 0.0025 is billed 0.00: nothing to take off
        (Discount("percent", 33), 3.33, 2.333, "2.56"),  # 7.76889 billed 7.77; 33% is 2.5641
    ],
)
def test_an_item_level_discount_on_a_fractional_quantity_is_in_cents(
    discount: Discount, price: float, quantity: float, expected: str
) -> None:
    items = (OrderItem("a", price, price, quantity, brand="A"),)
    coupon = spec(discount, items=ItemConditions((CouponCondition("brand", "eq", "A"),)))
    assert str(judge(coupon, order(price, items=items)).discount) == expected


@given(
    price=amounts,
    quantity=st.decimals(min_value=Decimal("0.001"), max_value=1000, places=3),
    percent=st.decimals(min_value=Decimal("0.01"), max_value=100, places=2),
)
def test_every_item_level_discount_is_whole_cents_and_within_the_lines(
    price: Decimal, quantity: Decimal, percent: Decimal
) -> None:
    items = (OrderItem("a", float(price), float(price), float(quantity), brand="A"),)
    matching = ItemConditions((CouponCondition("brand", "eq", "A"),))
    for discount in (Discount("percent", float(percent)), Discount("amount", float(price))):
        off = judge(spec(discount, items=matching), order(float(price), items=items)).discount
        assert off == off.quantize(Decimal("0.01"))
        assert Decimal(0) <= off <= money(price * quantity)


def test_free_shipping_takes_the_order_and_items_shipping() -> None:
    items = (OrderItem("a", 200, 200, 1, shipping=7.5),)
    assert judge(spec(Discount("free_shipping")), order(200, shipping=20, items=items)).discount == Decimal("27.50")


@given(st.lists(amounts, min_size=1, max_size=5), amounts, amounts)
def test_stacked_discounts_never_exceed_the_order(
    discounts: list[Decimal], subtotal: Decimal, shipping: Decimal
) -> None:
    the_order = order(float(subtotal), float(shipping))
    shares = stack(discounts, the_order)
    assert all(Decimal(0) <= share <= discount for share, discount in zip(shares, discounts, strict=True))
    assert sum(shares) <= money(float(subtotal)) + money(float(shipping))
    assert sum(shares) == min(sum(discounts), money(float(subtotal)) + money(float(shipping)))


# --------------------------------------------------------------------------------------- metadata


def test_metadata_outside_the_schema_or_of_another_type_is_nullified() -> None:
    items = (OrderItem("a", 1, 1, metadata={"brand": "A", "size": "L"}), OrderItem("b", 1, 1, metadata={"brand": 5}))
    the_order = order(metadata={"cart_qty": "4", "vip": "yes", "colour": "blue"}, items=items)

    kept = keep_metadata(the_order, {"cart_qty": "number", "vip": "boolean", "brand": "string"})

    assert kept.order == {"cart_qty": 4, "vip": None, "colour": None}
    assert kept.items == ({"brand": "A", "size": None}, {"brand": None})
    assert kept.nullified == (
        "order.metadata.vip",
        "order.metadata.colour",
        "order.items.0.metadata.size",
        "order.items.1.metadata.brand",
    )


@pytest.mark.parametrize("flag", [True, False])
def test_a_yes_or_no_is_not_a_number_to_the_schema(flag: bool) -> None:
    kept = keep_metadata(order(metadata={"cart_qty": flag}), {"cart_qty": "number"})

    assert kept.order == {"cart_qty": None}
    assert kept.nullified == ("order.metadata.cart_qty",)


# ------------------------------------------------------------------ stored values (issue 21)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("1e39", 10**39),  # float("1e39") would be 1000000000000000044885712678075916785664
        ("12345678901234567890123456789012345678", 12345678901234567890123456789012345678),
        ("0.1000000000000000000001", Decimal("0.1000000000000000000001")),
        (" 4 ", 4),
        ("-0", 0),
        ("1e300", None),  # beyond what DynamoDB stores: nullified like any value of another type
        ("1e-200", None),
        ("1" * 39, None),
        ("1e" + "9" * 30, None),
        ("NaN", None),
        ("1_000", None),
    ],
)
def test_numeric_text_is_kept_as_the_exact_number_it_spells_or_nullified(text: str, kept: object) -> None:
    result = keep_metadata(order(metadata={"cart_qty": text}), {"cart_qty": "number"})

    assert result.order["cart_qty"] == kept
    assert type(result.order["cart_qty"]) is type(kept)
    assert ("order.metadata.cart_qty" in result.nullified) is (kept is None)


@pytest.mark.parametrize("value", [1e26, 9.99e125, 10**125, 99999999999999999999999999999999999999])
def test_money_rounds_to_cents_at_any_storable_magnitude(value: float) -> None:
    """A coupon stored with such a condition (before conditions on money were bounded) is still judged:
    rounding it used to raise decimal.InvalidOperation (a 500 on every validate and apply)."""
    spec = CouponSpec("c", "X", Discount("amount", 10), "active", "t", "t",
                      order_conditions=(CouponCondition("selling_price_subtotal", "gt", value),))  # fmt: skip

    verdict = judge(spec, order())

    (failure,) = verdict.order_failures
    assert failure.message == f"selling_price should be greater than {money(value):.2f}"
    assert failure.message.endswith(".00")
    assert failure.gap.startswith("add ")


# ------------------------------------------------------------------------- wording of every failure


@pytest.mark.parametrize(
    ("condition", "metadata", "message", "gap"),
    [
        (
            CouponCondition("payment_mode", "in", ["CARD", "NETBANKING"]),
            {},
            "payment_mode should be one of [CARD, NETBANKING]",
            "payment_mode is UPI, needs one of [CARD, NETBANKING]",
        ),
        # money fields read with two decimals on both sides, in a list too
        (
            CouponCondition("shipping", "lt", 50),
            {},
            "shipping should be less than 50.00",
            "shipping is 100.00, needs less than 50.00",
        ),
        (
            CouponCondition("shipping", "in", [0, 5]),
            {},
            "shipping should be one of [0.00, 5.00]",
            "shipping is 100.00, needs one of [0.00, 5.00]",
        ),
        (
            CouponCondition("metadata.gift", "eq", True),
            {"gift": False},
            "gift should be true",
            "gift is false, needs true",
        ),
        # a whole float reads as the client wrote it
        (
            CouponCondition("metadata.cart_qty", "gt", 10.0),
            {"cart_qty": 3},
            "cart_qty should be greater than 10",
            "cart_qty is 3, needs more than 10",
        ),
    ],
)
def test_each_failed_order_condition_reads_as_written(
    condition: CouponCondition, metadata: dict[str, Any], message: str, gap: str
) -> None:
    (failure,) = judge(spec(Discount("amount", 1), condition), order(metadata=metadata)).order_failures
    assert (failure.message, failure.gap) == (message, gap)


ITEMS = (OrderItem("a", 10, 10, 1.5, brand="A"), OrderItem("b", 20, 20, 1, brand="B"))


def test_item_failures_name_what_was_required_what_the_order_has_and_the_gap() -> None:
    match = (CouponCondition("brand", "eq", "A"), CouponCondition("selling_price", "gte", 5))
    what = "brand eq A and selling_price gte 5"
    check = check_items(ItemConditions(match, min_quantity=3, min_amount=20), order(items=ITEMS))
    assert check == ItemCheck(
        (0,),
        (
            FailedCondition(
                "items.quantity", "gte", 3, 1.5, f"quantity of {what} should be at least 3", f"add 1.5 more of {what}"
            ),
            FailedCondition(
                "items.amount", "gte", 20, 15, f"amount of {what} should be at least 20.00", f"add 5.00 more of {what}"
            ),
        ),
    )


def test_no_matching_item_is_one_failure_and_its_amount_is_zero() -> None:
    check = check_items(ItemConditions((CouponCondition("brand", "eq", "C"),), min_amount=10), order(items=ITEMS))
    assert check == ItemCheck(
        (),
        (
            FailedCondition("items", "match", "C", 0, "no item matches C", "add an item of C"),
            FailedCondition(
                "items.amount", "gte", 10, 0, "amount of C should be at least 10.00", "add 10.00 more of C"
            ),
        ),
    )


def test_item_minimums_without_a_match_count_every_item_and_are_met_at_the_exact_amount() -> None:
    short = check_items(ItemConditions(min_quantity=10), order(items=ITEMS))
    assert [f.message for f in short.failures] == ["quantity of any item should be at least 10"]
    assert check_items(ItemConditions(min_quantity=2.5, min_amount=35), order(items=ITEMS)).failures == ()


def test_free_shipping_on_an_order_without_shipping_is_nothing() -> None:
    assert discount_on(Discount("free_shipping"), Decimal(100), order(shipping=0)) == Decimal(0)


def test_an_order_level_coupon_applies_to_every_item() -> None:
    assert judge(spec(Discount("amount", 1)), order(items=ITEMS)).matching_items == (0, 1)


@pytest.mark.parametrize(
    ("value", "actual"),
    [
        (0.1, "0.1"),  # the float the client wrote, not its binary neighbour
        (5, Decimal("5.5")),  # kept metadata holds exact decimals
    ],
)
def test_numbers_compare_as_the_decimals_they_spell(value: Any, actual: Any) -> None:
    assert holds(CouponCondition("metadata.k", "gte", value), actual)


def test_metadata_of_the_schema_type_is_kept_and_what_is_dropped_is_named_once() -> None:
    placed = order(metadata={"cart_qty": 4, "big": float("inf"), "list": [4], "gift": None, "other": None})
    kept = keep_metadata(placed, {"cart_qty": "number", "big": "number", "list": "number", "gift": "boolean"})
    assert kept.order == {"cart_qty": 4, "big": None, "list": None, "gift": None, "other": None}
    # a null the schema allows is not reported; a null under an unknown key is
    assert kept.nullified == ("order.metadata.big", "order.metadata.list", "order.metadata.other")


def test_the_coupon_sees_the_order_and_item_metadata_as_the_schema_kept_them() -> None:
    placed = order(metadata={"cart_qty": "4", "x": 1}, items=(OrderItem("a", 10, 10, metadata={"cart_qty": "2"}),))
    seen = with_kept_metadata(placed, keep_metadata(placed, {"cart_qty": "number"}))
    assert (seen.metadata, seen.items[0].metadata) == ({"cart_qty": 4, "x": None}, {"cart_qty": 2})
