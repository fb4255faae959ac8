"""Tiers on spend (issue 26's ``qualify_on: "spend"``): Silver 0 / Gold 1000 / Platinum 5000 on the
orders' value less returns over a rolling 12 months. An order upgrades at once with the gaps in money, a
return subtracts exactly what its units were worth from the order's month (once per return_id), an order
13 months old does not count, and the points counter is never mixed in. Time is frozen."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from shared.domain.tiers import month_key
from shared.limits import number_problem
from shared.storage import customers
from tests.support.api import ApiClient
from tests.support.concurrency import fire_together
from tests.support.points import FrozenClock, freeze_clock
from tests.support.rewards import customer_path
from tests.support.tiers import PROGRAM, as_read, earning_rule, run_tier_job, set_program, tier_of

KIM = "kim@shop"
START = int(datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp() * 1000)
SPEND = {"qualify_on": "spend"}


def iso(year: int, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}T00:00:00.000Z"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch, START)


@pytest.fixture
def program(api: ApiClient, clock: FrozenClock) -> dict[str, Any]:
    return set_program(api, **SPEND)


def order(
    api: ApiClient, order_id: str, price: float, quantity: float, occurred_at: str | None = None, source_id: str = KIM
) -> None:
    """An order of ``quantity`` units at ``price`` each (no earning rule: it earns no points)."""
    value = price * quantity
    body: dict[str, Any] = {
        "order_id": order_id,
        "source_id": source_id,
        "status": "completed",
        "original_price_subtotal": value,
        "selling_price_subtotal": value,
        "items": [{"product_id": "p", "original_price": price, "selling_price": price, "quantity": quantity}],
    }
    if occurred_at is not None:
        body["occurred_at"] = occurred_at
    response = api.post("/orders", body)
    assert response.status == 201, response.body


def give_back(api: ApiClient, order_id: str, return_id: str, units: float) -> None:
    response = api.post(
        f"/orders/{order_id}/returns", {"return_id": return_id, "items": [{"product_id": "p", "quantity": units}]}
    )
    assert response.status in (200, 201), response.body


def test_the_program_reads_back_on_spend(api: ApiClient, program: dict[str, Any]) -> None:
    assert program["qualify_on"] == "spend"
    assert api.get("/settings/tiers").json()["qualify_on"] == "spend"


def test_an_order_of_1200_makes_the_member_gold_at_once_with_the_gaps_in_money(
    api: ApiClient, program: dict[str, Any]
) -> None:
    order(api, "o-1", 600, 2)
    assert tier_of(api, KIM) == {
        "name": "Gold",
        "since": "2026-11-20T12:00:00.000Z",
        "qualifying": 1200,
        "qualify_on": "spend",
        "held": "Gold",
        "next": {"name": "Platinum", "needed": 3800, "by": iso(2026, 12, 1)},
        # November 2026 leaves the 12 months on 2027-11-01; 30 days of grace
        "keep": {"name": "Gold", "needed": 1000, "by": iso(2027, 12, 1)},
        "override": None,
    }


def test_999_99_is_silver_and_a_cent_more_is_gold(api: ApiClient, program: dict[str, Any]) -> None:
    order(api, "o-1", 999.99, 1)
    assert tier_of(api, KIM)["name"] == "Silver"
    assert tier_of(api, KIM)["next"] == {"name": "Gold", "needed": 0.01, "by": iso(2026, 12, 1)}
    order(api, "o-2", 0.01, 1)
    assert (tier_of(api, KIM)["name"], tier_of(api, KIM)["qualifying"]) == ("Gold", 1000)


def test_returning_half_brings_qualifying_to_600_and_starts_the_grace(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock
) -> None:
    order(api, "o-1", 600, 2)
    give_back(api, "o-1", "r-1", 1)
    tier = tier_of(api, KIM)
    assert (tier["name"], tier["qualifying"]) == ("Gold", 600)
    # fell on 2026-11-20: 30 days of grace from the end of that day, 400.00 more to spend by then
    assert tier["keep"] == {"name": "Gold", "needed": 400, "by": iso(2026, 12, 21)}
    clock.ms = int(datetime(2026, 12, 21, tzinfo=UTC).timestamp() * 1000)
    assert tier_of(api, KIM)["name"] == "Silver"


def test_the_same_return_id_twice_subtracts_once_and_a_cancel_takes_the_rest(
    api: ApiClient, program: dict[str, Any]
) -> None:
    order(api, "o-1", 600, 2)
    give_back(api, "o-1", "r-1", 1)
    give_back(api, "o-1", "r-1", 1)
    assert tier_of(api, KIM)["qualifying"] == 600
    assert api.post("/orders/o-1/cancel").status == 200
    assert api.post("/orders/o-1/cancel").status == 200
    assert tier_of(api, KIM)["qualifying"] == 0


def test_returns_subtract_exactly_no_float_drift(api: ApiClient, program: dict[str, Any]) -> None:
    order(api, "o-1", 0.1, 3)  # 0.30 exactly, not 0.30000000000000004
    assert tier_of(api, KIM)["qualifying"] == 0.3
    give_back(api, "o-1", "r-1", 1)
    assert tier_of(api, KIM)["qualifying"] == 0.2
    give_back(api, "o-1", "r-2", 1)
    give_back(api, "o-1", "r-3", 1)
    assert tier_of(api, KIM)["qualifying"] == 0
    order(api, "o-2", 1.5, 0.5)  # a fractional quantity: 0.75
    assert tier_of(api, KIM)["qualifying"] == 0.75


def test_an_order_worth_less_than_dynamodb_stores_keeps_a_storable_spend(
    api: ApiClient, program: dict[str, Any]
) -> None:
    """1e-130 (the smallest price the API takes) x 0.5 is 5e-131: DynamoDB refuses a number below 1e-130
    (moto does not), so the order would be a 500 there. Spend counts to 1e-10 of the currency."""
    item = {"product_id": "p", "original_price": 1e-130, "selling_price": 1e-130, "quantity": 0.5}
    tiny = {"order_id": "o-1", "source_id": KIM, "status": "completed", "items": [item]}
    placed = api.post("/orders", tiny | {"original_price_subtotal": 0, "selling_price_subtotal": 0})
    assert placed.status == 201, placed.body
    assert stored_spend(api) == {}  # nothing to count at that scale
    order(api, "o-2", 0.15, 1)
    give_back(api, "o-2", "r-1", 1e-9)  # 1.5e-10: the half rounds to even, 2e-10
    assert stored_spend(api) == {month_key(START): Decimal("0.1499999998")}
    assert tier_of(api, KIM)["qualifying"] == 0.1499999998


def stored_spend(api: ApiClient) -> dict[str, Any]:
    """The profile's spend counter as stored, each amount one DynamoDB takes."""
    spend = customers.get(api.credentials.app_id, KIM).tier_spend_months  # type: ignore[union-attr]
    assert [number_problem(amount) for amount in spend.values()] == [None] * len(spend), spend
    return dict(spend)


def test_an_order_dated_13_months_ago_does_not_count_and_its_return_subtracts_from_its_own_month(
    api: ApiClient, program: dict[str, Any]
) -> None:
    order(api, "o-old", 1200, 1, occurred_at="2025-10-20T10:00:00Z")
    assert (tier_of(api, KIM)["qualifying"], tier_of(api, KIM)["name"]) == (0, "Silver")
    order(api, "o-12", 1200, 1, occurred_at="2025-12-01T00:00:00Z")  # 12 months: the window's first month
    assert (tier_of(api, KIM)["qualifying"], tier_of(api, KIM)["name"]) == (1200, "Gold")
    assert api.post("/orders/o-old/cancel").status == 200
    assert tier_of(api, KIM)["qualifying"] == 1200


def test_points_and_spend_are_counted_apart_and_a_switch_never_mixes_them(api: ApiClient, clock: FrozenClock) -> None:
    earning_rule(api, {"name": "2 points per 1.00", "earn": {"points": 2, "per": 1, "rounding": "down"}})
    set_program(api)
    order(api, "o-1", 300, 1)
    assert tier_of(api, KIM)["qualifying"] == 600  # points earned
    set_program(api, **SPEND)
    assert tier_of(api, KIM)["qualifying"] == 300  # the same order's value
    order(api, "o-2", 100, 1)
    assert tier_of(api, KIM)["qualifying"] == 400
    set_program(api)
    assert tier_of(api, KIM)["qualifying"] == 800


def test_orders_at_once_each_count_though_they_earn_no_points(api: ApiClient, program: dict[str, Any]) -> None:
    api.put(customer_path(KIM), {"name": "Kim"})
    fire_together([partial(order, api, f"o-{n}", 100, 1) for n in range(6)])
    assert tier_of(api, KIM)["qualifying"] == 600


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"qualify_on": "revenue"}, "qualify_on"),
        ({"tiers": [{"name": "Silver", "threshold": 0}, {"name": "Gold", "threshold": 0}]}, "tiers.1.threshold"),
    ],
)
def test_a_bad_spend_program_is_a_400_naming_the_field(
    api: ApiClient, program: dict[str, Any], change: dict[str, Any], named: str
) -> None:
    response = api.put("/settings/tiers", PROGRAM | SPEND | change)
    assert response.status == 400, response.body
    assert named in response.body.decode(), response.body
    assert api.get("/settings/tiers").json() == as_read(program)


def test_the_tier_job_judges_a_spend_member_on_spend(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock
) -> None:
    order(api, "o-1", 600, 2)
    path = f"{customer_path(KIM)}/transactions"
    assert api.post(path, {"points": 5000, "description": "Migrated", "qualifying": True}).status == 201
    assert api.post("/orders/o-1/cancel").status == 200
    clock.ms = int(datetime(2026, 12, 21, tzinfo=UTC).timestamp() * 1000)
    assert run_tier_job()["changes_written"] == 1  # the drop: 5,000 qualifying points are not spend
    assert run_tier_job()["changes_written"] == 0
    assert (tier_of(api, KIM)["name"], tier_of(api, KIM)["qualifying"]) == ("Silver", 0)
