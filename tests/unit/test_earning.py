"""The earning arithmetic: the issue's worked example, every documented boundary (rounding, windows,
caps, periods), and properties of attribution and take-back that hold for any order and returns."""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.coupon_rules import OrderItem
from shared.domain.earning import (
    EarningEvent,
    Limited,
    Usage,
    attribute,
    earned,
    evaluate,
    limit,
    period_key,
    rounded,
    take_back,
    taken_back,
)
from shared.entities.campaigns import EventCondition
from shared.entities.coupons import CouponCondition
from shared.entities.earning import CustomerCap, Earn, EarningRuleSpec, ItemSelection, Multiplier

AT = 1_796_342_400  # 2026-12-04T00:00:00Z, a Friday

BASE = EarningRuleSpec("ern_base", "1 per 1.00", "order", Earn(Decimal(1), Decimal(1)))
ELECTRONICS = EarningRuleSpec(
    "ern_elec",
    "+1 on electronics",
    "order",
    Earn(Decimal(1), Decimal(1)),
    items=ItemSelection(match=(CouponCondition("metadata.category", "eq", "electronics"),)),
)
TV = OrderItem("tv", 123.45, 123.45, 1, metadata={"category": "electronics"})
BOOK = OrderItem("book", 10.99, 10.99, 1, metadata={"category": "books"})


def _order(*items: OrderItem, at: int = AT, **properties: object) -> EarningEvent:
    return EarningEvent("order", at, properties, items)


def test_the_issue_example_earns_134_plus_123() -> None:
    earnings = evaluate([BASE, ELECTRONICS], _order(TV, BOOK), {}, "UTC")
    assert [(e.rule_id, e.granted) for e in earnings] == [("ern_base", 134), ("ern_elec", 123)]
    assert sum(e.granted for e in earnings) == 257
    # the base rule's 134 split by amount: 123.045.. and 10.954.. -> the remainder goes to the book
    assert earnings[0].items == {0: 123, 1: 11}
    assert earnings[1].items == {0: 123}


def test_a_daily_cap_of_300_grants_134_134_32_then_0() -> None:
    capped = replace(BASE, per_customer=CustomerCap(300, "day"))
    used, granted = 0, []
    for _ in range(4):
        usage = {"ern_base": Usage(cap_left=300 - used)}
        (base, _elec) = evaluate([capped, ELECTRONICS], _order(TV, BOOK), usage, "UTC")
        granted.append(base.granted)
        used += base.granted
    assert granted == [134, 134, 32, 0]
    assert base.limited_by == "per_customer"
    assert base.withheld == 134


@pytest.mark.parametrize(
    ("rounding", "amount", "points"),
    [
        ("down", "10.99", 10),
        ("up", "10.01", 11),
        ("up", "10.00", 10),
        ("half_up", "10.49", 10),
        ("half_up", "10.50", 11),
        ("down", "0.99", 0),
    ],
)
def test_rounding_applies_once_to_the_rule_total(rounding: str, amount: str, points: int) -> None:
    rule = replace(BASE, earn=Earn(Decimal(1), Decimal(1), rounding=rounding))  # type: ignore[arg-type]
    assert earned(rule, _order(OrderItem("x", 0, float(amount), 1))) == (points, (0,))


def test_rounding_is_per_rule_not_per_item() -> None:
    # two items of 0.60: per item rounded down would be 0 + 0; the rule's total 1.20 gives 1
    assert earned(BASE, _order(OrderItem("a", 0, 0.6, 1), OrderItem("b", 0, 0.6, 1))) == (1, (0, 1))


def test_exact_decimal_arithmetic_has_no_float_drift() -> None:
    # 0.1 x 3 units + 0.2 is 0.5 exactly; as floats 0.5000000000000001, and 10 per 1.00 rounded up would give 6
    items = (OrderItem("a", 0, 0.1, 3), OrderItem("b", 0, 0.2, 1))
    assert earned(replace(BASE, earn=Earn(Decimal(10), Decimal(1), rounding="up")), _order(*items)) == (5, (0, 1))
    assert earned(replace(BASE, earn=Earn(Decimal(2), Decimal(1))), _order(*items)) == (1, (0, 1))


def test_points_per_a_unit_that_does_not_divide() -> None:
    # 1 point per 3.00: 10.00 -> 3.33.. -> 3 down, 4 up
    ten = _order(OrderItem("a", 0, 10, 1))
    assert earned(replace(BASE, earn=Earn(Decimal(1), Decimal(3))), ten) == (3, (0,))
    assert earned(replace(BASE, earn=Earn(Decimal(1), Decimal(3), rounding="up")), ten) == (4, (0,))


def test_exclude_removes_items_and_shipping_never_counts() -> None:
    rule = replace(BASE, items=ItemSelection(exclude=(CouponCondition("sku", "in", ["GIFT"]),)))
    gift = OrderItem("card", 50, 50, 1, shipping=5, sku="GIFT")
    assert earned(rule, _order(TV, gift, shipping=20, tax=3)) == (123, (0,))
    assert earned(rule, _order(gift)) is None


def test_a_match_no_item_meets_earns_nothing_and_quantity_multiplies() -> None:
    assert earned(ELECTRONICS, _order(BOOK)) is None
    assert earned(BASE, _order(OrderItem("a", 0, 2.5, 3))) == (7, (0,))


def test_fixed_points_and_property_paths() -> None:
    fixed = replace(BASE, earn=Earn(Decimal(50)))
    assert earned(fixed, _order(TV)) == (50, (0,))
    by_property = replace(BASE, earn=Earn(Decimal(2), Decimal(1), of="properties.totals.net"))
    assert earned(by_property, _order(TV, totals={"net": 12.5})) == (25, (0,))
    assert earned(by_property, _order(TV, totals={"net": "12.5"})) is None
    assert earned(by_property, _order(TV)) is None
    assert earned(by_property, _order(TV, totals={"net": -1})) is None


def test_event_name_status_and_conditions() -> None:
    rule = replace(BASE, conditions=(EventCondition("status", "eq", "PAID"),))
    assert earned(rule, _order(TV, status="PAID")) is not None
    assert earned(rule, _order(TV, status="PENDING")) is None
    assert earned(replace(rule, status="inactive"), _order(TV, status="PAID")) is None
    assert earned(replace(rule, event_name="signup"), _order(TV, status="PAID")) is None


def test_a_multiplier_applies_inside_its_window_both_ends_included() -> None:
    window = Multiplier(Decimal(2), starts_at=AT, ends_at=AT + 86_399)
    rule = replace(BASE, multiplier=window)
    item = OrderItem("a", 0, 10, 1)
    assert earned(rule, _order(item, at=AT - 1))[0] == 10  # type: ignore[index]
    assert earned(rule, _order(item, at=AT))[0] == 20  # type: ignore[index]
    assert earned(rule, _order(item, at=AT + 86_399))[0] == 20  # type: ignore[index]
    assert earned(rule, _order(item, at=AT + 86_400))[0] == 10  # type: ignore[index]
    # rounded once, after the multiplier: 10.30 x 1.5 = 15.45 -> 15 (not 10 x 1.5 = 15 from a rounded base, nor 16)
    half = replace(BASE, multiplier=Multiplier(Decimal("1.5")), earn=Earn(Decimal(1), Decimal(1), rounding="half_up"))
    assert earned(half, _order(OrderItem("a", 0, 10.3, 1)))[0] == 15  # type: ignore[index]
    assert earned(half, _order(OrderItem("a", 0, 10.34, 1)))[0] == 16  # type: ignore[index]


def test_limits_grant_what_is_left_and_name_the_limit() -> None:
    assert limit(100, Usage()) == limit(100, Usage(cap_left=100, budget_left=100))
    assert limit(100, Usage(cap_left=100, budget_left=100)).limited_by is None
    assert limit(100, Usage(cap_left=99)).granted == 99
    assert limit(100, Usage(cap_left=40, budget_left=30)).limited_by == "budget"
    assert limit(100, Usage(cap_left=30, budget_left=40)).limited_by == "per_customer"
    assert limit(100, Usage(cap_left=-5)).granted == 0  # a cap lowered below what was used


@pytest.mark.parametrize(
    ("period", "zone", "at", "key"),
    [
        ("day", "UTC", AT - 1, "2026-12-03"),
        ("day", "UTC", AT, "2026-12-04"),
        ("day", "America/New_York", AT, "2026-12-03"),  # 19:00 the evening before
        ("day", "Asia/Tokyo", AT - 9 * 3600, "2026-12-04"),
        ("day", "Asia/Tokyo", AT - 9 * 3600 - 1, "2026-12-03"),
        ("week", "UTC", AT, "2026-W49"),
        ("week", "UTC", AT + 3 * 86_400 - 1, "2026-W49"),  # Sunday 23:59:59
        ("week", "UTC", AT + 3 * 86_400, "2026-W50"),  # Monday
        ("month", "UTC", AT, "2026-12"),
        ("year", "UTC", AT + 28 * 86_400 - 1, "2026"),
        ("year", "UTC", AT + 28 * 86_400, "2027"),
        ("lifetime", "UTC", AT, "lifetime"),
    ],
)
def test_periods_in_the_cap_time_zone(period: str, zone: str, at: int, key: str) -> None:
    assert period_key(period, at, zone) == key  # type: ignore[arg-type]


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


@pytest.mark.parametrize(
    ("period", "zone", "at", "key"),
    [
        # a Paris day ends at local midnight, 23:00 UTC in winter
        ("day", "Europe/Paris", "2026-12-03T22:59:59Z", "2026-12-03"),
        ("day", "Europe/Paris", "2026-12-03T23:00:00Z", "2026-12-04"),
        # 29 March 2026, clocks go forward in Paris: the day begins at 23:00 UTC and ends at 22:00 UTC (23 hours)
        ("day", "Europe/Paris", "2026-03-28T22:59:59Z", "2026-03-28"),
        ("day", "Europe/Paris", "2026-03-28T23:00:00Z", "2026-03-29"),
        ("day", "Europe/Paris", "2026-03-29T21:59:59Z", "2026-03-29"),
        ("day", "Europe/Paris", "2026-03-29T22:00:00Z", "2026-03-30"),
        # 25 October 2026, clocks go back: the day begins at 22:00 UTC and ends at 23:00 UTC (25 hours)
        ("day", "Europe/Paris", "2026-10-24T21:59:59Z", "2026-10-24"),
        ("day", "Europe/Paris", "2026-10-24T22:00:00Z", "2026-10-25"),
        ("day", "Europe/Paris", "2026-10-25T22:59:59Z", "2026-10-25"),
        ("day", "Europe/Paris", "2026-10-25T23:00:00Z", "2026-10-26"),
        # New York's spring-forward day (8 March 2026) ends at 04:00 UTC, its fall-back day (1 November) at 05:00
        ("day", "America/New_York", "2026-03-09T03:59:59Z", "2026-03-08"),
        ("day", "America/New_York", "2026-03-09T04:00:00Z", "2026-03-09"),
        ("day", "America/New_York", "2026-11-02T04:59:59Z", "2026-11-01"),
        ("day", "America/New_York", "2026-11-02T05:00:00Z", "2026-11-02"),
        # a Tokyo week begins on Monday at local midnight: Sunday 15:00 UTC
        ("week", "Asia/Tokyo", "2026-12-06T14:59:59Z", "2026-W49"),
        ("week", "Asia/Tokyo", "2026-12-06T15:00:00Z", "2026-W50"),
        # a month and a year end at local midnight too
        ("month", "Europe/Paris", "2026-03-31T21:59:59Z", "2026-03"),
        ("month", "Europe/Paris", "2026-03-31T22:00:00Z", "2026-04"),
        ("year", "America/New_York", "2027-01-01T04:59:59Z", "2026"),
        ("year", "America/New_York", "2027-01-01T05:00:00Z", "2027"),
    ],
)
def test_periods_end_at_local_midnight_on_dst_change_days(period: str, zone: str, at: str, key: str) -> None:
    assert period_key(period, _epoch(at), zone) == key  # type: ignore[arg-type]


@given(st.integers(0, 10_000), st.lists(st.fractions(min_value=0, max_value=1000), min_size=1, max_size=8))
def test_attribution_adds_up_and_follows_the_weights(points: int, weights: list[Fraction]) -> None:
    parts = attribute(points, dict(enumerate(weights)))
    assert sum(parts.values()) == points
    total = sum(weights)
    for index, weight in enumerate(weights):
        share = weight / total * points if total else Fraction(points, len(weights))
        assert abs(parts.get(index, 0) - share) < 1


returns = st.lists(st.integers(1, 5), max_size=10)


@given(st.integers(0, 5_000), st.integers(1, 20), returns)
def test_take_back_never_exceeds_the_part_and_a_full_return_takes_it_all(
    part: int, bought: int, sequence: list[int]
) -> None:
    back, returned = 0, 0
    for asked in sequence:
        units = min(asked, bought - returned)
        if units == 0:
            break
        step = taken_back(part, Fraction(bought), Fraction(returned), Fraction(units))
        assert step >= 0
        back, returned = back + step, returned + units
        assert back <= part
        assert back == part * returned // bought
    back += taken_back(part, Fraction(bought), Fraction(returned), Fraction(bought - returned))
    assert back == part


def test_returning_1_of_2_units_takes_back_what_that_unit_earned() -> None:
    two = OrderItem("tv", 123.45, 123.45, 2, metadata={"category": "electronics"})
    earnings = evaluate([BASE, ELECTRONICS], _order(two, BOOK), {}, "UTC")
    parts = {e.rule_id: e.items for e in earnings}
    assert parts == {"ern_base": {0: 246, 1: 11}, "ern_elec": {0: 246}}
    bought = [Fraction(2), Fraction(1)]
    first = take_back(parts, bought, [Fraction(0)] * 2, {0: Fraction(1)})
    assert first == {"ern_base": {0: 123}, "ern_elec": {0: 123}}
    second = take_back(parts, bought, [Fraction(1), Fraction(0)], {0: Fraction(1), 1: Fraction(1)})
    assert second == {"ern_base": {0: 123, 1: 11}, "ern_elec": {0: 123}}


def test_what_a_cap_withheld_is_not_taken_back() -> None:
    capped = replace(BASE, per_customer=CustomerCap(300, "day"))
    (third,) = evaluate([capped], _order(TV, BOOK), {"ern_base": Usage(cap_left=32)}, "UTC")
    assert third.granted == 32
    assert sum(third.items.values()) == 32
    back = take_back({"ern_base": third.items}, [Fraction(1)] * 2, [Fraction(0)] * 2, {0: Fraction(1), 1: Fraction(1)})
    assert sum(back["ern_base"].values()) == 32


def test_free_items_share_a_fixed_grant_by_quantity() -> None:
    fixed = replace(BASE, earn=Earn(Decimal(10)))
    (earning,) = evaluate([fixed], _order(OrderItem("a", 0, 0, 3), OrderItem("b", 0, 0, 1)), {}, "UTC")
    assert earning.items == {0: 8, 1: 2}  # 7.5 and 2.5: the remainder to the lower index


def test_an_event_without_items_earns_unattributed() -> None:
    fixed = replace(BASE, event_name="signup", earn=Earn(Decimal(50)))
    (earning,) = evaluate([fixed], EarningEvent("signup", AT, {}), {}, "UTC")
    assert (earning.granted, earning.items) == (50, {})


def test_rounded_half_up_on_exact_halves() -> None:
    assert [rounded(Fraction(n, 2), "half_up") for n in (1, 3, 5)] == [1, 2, 3]
    assert [rounded(Fraction(n, 2), "down") for n in (1, 3)] == [0, 1]
    assert [rounded(Fraction(n, 2), "up") for n in (1, 2)] == [1, 1]


def test_a_cap_counts_its_days_in_its_own_time_zone() -> None:
    evening = AT - 3600  # 23:00 UTC on the 3rd, 18:00 in New York, 08:00 on the 4th in Tokyo
    for zone, day in [("UTC", "2026-12-03"), ("America/New_York", "2026-12-03"), ("Asia/Tokyo", "2026-12-04")]:
        capped = replace(BASE, per_customer=CustomerCap(300, "day", zone))
        (earning,) = evaluate([capped], _order(TV, at=evening), {}, "Asia/Tokyo" if zone == "UTC" else "UTC")
        assert earning.period == day


def test_a_cap_without_a_zone_counts_its_days_in_the_applications() -> None:
    evening = AT - 3600  # 23:00 UTC on the 3rd, 08:00 on the 4th in Tokyo
    capped = replace(BASE, per_customer=CustomerCap(300, "day"))
    for application_zone, day in [("UTC", "2026-12-03"), ("Asia/Tokyo", "2026-12-04")]:
        (earning,) = evaluate([capped], _order(TV, at=evening), {}, application_zone)
        assert earning.period == day


def test_a_rule_grants_at_most_ten_million_points_on_one_event() -> None:
    huge = replace(BASE, earn=Earn(Decimal(1_000_000), Decimal("0.01")), multiplier=Multiplier(Decimal(100)))
    assert earned(huge, _order(OrderItem("a", 0, 1e12, 1e9))) == (10_000_000, (0,))
    assert earned(replace(BASE, earn=Earn(Decimal(10_000_001))), _order(TV)) == (10_000_000, (0,))
    assert earned(replace(BASE, earn=Earn(Decimal(10_000_000))), _order(TV)) == (10_000_000, (0,))


def test_time_zones_resolve_without_the_systems_zone_files() -> None:
    # Lambda's python3.13 image has no /usr/share/zoneinfo: the zones must come from the shipped tzdata.
    zoneinfo.reset_tzpath(to=[])
    try:
        assert zoneinfo.ZoneInfo.no_cache("Europe/Paris").utcoffset(datetime(2026, 7, 1)) == timedelta(hours=2)
    finally:
        zoneinfo.reset_tzpath()


_UNITS = st.fractions(min_value=0, max_value=1000, max_denominator=1000)


@given(
    st.integers(min_value=0, max_value=10**9),
    st.fractions(min_value=Fraction(1, 1000), max_value=1000, max_denominator=1000),
    _UNITS,
    _UNITS,
)
def test_what_a_return_takes_back_is_the_cumulative_share_now_less_before(
    part: int, bought: Fraction, returned_before: Fraction, returning: Fraction
) -> None:
    """Exact: floor(part x returned after / bought) - floor(part x returned before / bought), as Fractions."""
    expected = math.floor(part * (returned_before + returning) / bought) - math.floor(part * returned_before / bought)
    taken = take_back({"r": {0: part}}, [bought], [returned_before], {0: returning})
    assert taken.get("r", {}).get(0, 0) == expected


def test_an_item_none_of_was_bought_takes_nothing_back() -> None:
    assert take_back({"r": {0: 50}}, [Fraction(0)], [Fraction(0)], {0: Fraction(1)}) == {}


def _attribute_in_fractions(points: int, weights: dict[int, Fraction]) -> dict[int, int]:
    """The attribution's definition, in Fractions: shares, floors, then the largest remainders."""
    total = sum(weights.values(), Fraction(0))
    shares = {k: (w / total if total else Fraction(1, len(weights))) * points for k, w in weights.items()}
    parts = {k: math.floor(share) for k, share in shares.items()}
    for k in sorted(shares, key=lambda k: (-(shares[k] - parts[k]), k))[: points - sum(parts.values())]:
        parts[k] += 1
    return {k: p for k, p in parts.items() if p}


@given(
    st.integers(0, 10**7),
    st.lists(st.fractions(min_value=0, max_value=10**6, max_denominator=10**4), min_size=1, max_size=12),
)
def test_attribution_is_the_largest_remainder_split_exactly(points: int, weights: list[Fraction]) -> None:
    assert attribute(points, dict(enumerate(weights))) == _attribute_in_fractions(points, dict(enumerate(weights)))


def test_attribution_ties_go_to_the_lower_index_and_zero_weights_split_equally() -> None:
    assert attribute(2, {0: Fraction(1), 1: Fraction(1), 2: Fraction(1)}) == {0: 1, 1: 1}
    assert attribute(5, {3: Fraction(0), 1: Fraction(0)}) == {1: 3, 3: 2}
    assert attribute(10, {0: Fraction(1, 3), 1: Fraction(2, 3)}) == {0: 3, 1: 7}


def test_an_amount_that_is_infinite_or_no_number_earns_nothing_and_a_stored_decimal_earns() -> None:
    by_property = replace(BASE, earn=Earn(Decimal(2), Decimal(1), of="properties.totals.net"))
    for endless in (float("inf"), Decimal("Infinity"), Decimal("NaN")):
        assert earned(by_property, _order(TV, totals={"net": endless})) is None
    assert earned(by_property, _order(TV, totals={"net": Decimal("12.5")})) == (25, (0,))


def test_a_free_item_and_an_item_of_no_units_add_nothing_to_the_amount() -> None:
    order = _order(OrderItem("free", 0, 0, 3), OrderItem("none", 10, 10, 0), OrderItem("paid", 5, 5, 1))
    (earning,) = evaluate([BASE], order, {}, "UTC")
    assert (earning.earned, earning.items) == (5, {2: 5})


def test_a_fixed_grant_over_free_items_skips_those_of_no_units_and_splits_by_fractional_quantity() -> None:
    fixed = replace(BASE, earn=Earn(Decimal(8)))
    order = _order(OrderItem("none", 0, 0, 0), OrderItem("half", 0, 0, 0.5), OrderItem("more", 0, 0, 1.5))
    (earning,) = evaluate([fixed], order, {}, "UTC")
    assert earning.items == {1: 2, 2: 6}


def test_a_budget_lowered_below_what_was_granted_grants_nothing() -> None:
    assert limit(100, Usage(budget_left=-5)) == Limited(0, "budget")
    assert limit(100, Usage(cap_left=-5, budget_left=-5)) == Limited(0, "budget")


def test_an_item_bought_in_no_units_gives_nothing_back() -> None:
    assert taken_back(10, Fraction(0), Fraction(0), Fraction(1)) == 0


def test_a_period_is_counted_in_utc_unless_a_time_zone_is_given() -> None:
    assert period_key("day", AT - 1) == "2026-12-03"
    assert period_key("day", AT - 1, "Asia/Tokyo") == "2026-12-04"


def test_a_rule_that_does_not_apply_leaves_the_rules_after_it_to_earn() -> None:
    earnings = evaluate([ELECTRONICS, BASE], _order(BOOK), {}, "UTC")
    assert [(e.rule_id, e.granted) for e in earnings] == [("ern_base", 10)]


def test_a_rule_that_applies_to_a_zero_amount_earns_zero_rather_than_not_applying() -> None:
    assert earned(BASE, _order(OrderItem("free", 0, 0, 1))) == (0, (0,))
    by_property = replace(BASE, earn=Earn(Decimal(2), Decimal(1), of="properties.total"))
    assert earned(by_property, _order(TV, total=0)) == (0, (0,))


def test_points_over_weights_that_are_all_zero_are_split_equally_the_remainder_to_the_lower_keys() -> None:
    assert attribute(10, {0: Fraction(0), 1: Fraction(0)}) == {0: 5, 1: 5}
    assert attribute(5, {0: Fraction(0), 1: Fraction(0), 2: Fraction(0)}) == {0: 2, 1: 2, 2: 1}
