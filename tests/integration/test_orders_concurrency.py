"""Orders fired at the same instant (tests/support/concurrency.py): a rule's budget and a customer's cap
are never passed, the same order_id is credited once, concurrent returns never take the same units
twice, and every balance equals its ledger's sum."""

from __future__ import annotations

from typing import Any

from tests.integration.test_orders_api import BASE_RULE, assert_balance_is_the_ledger_sum, order_body, rule
from tests.support.api import ApiClient
from tests.support.concurrency import Request, send_together

ORDERS = 30


def hundred_points(order_id: str, source_id: str) -> dict[str, Any]:
    """An order of 100.00: 100 points at 1 per 1.00."""
    item = {"product_id": "p", "original_price": 100, "selling_price": 100, "quantity": 1}
    return {
        "order_id": order_id,
        "source_id": source_id,
        "status": "completed",
        "original_price_subtotal": 100,
        "selling_price_subtotal": 100,
        "items": [item],
    }


def test_30_concurrent_orders_against_a_budget_of_1000_grant_exactly_1000(api: ApiClient) -> None:
    budgeted = rule(api, {**BASE_RULE, "limits": {"budget": 1000}})
    requests = [Request("POST", "/orders", hundred_points(f"o-{n}", f"c-{n}")) for n in range(ORDERS)]
    responses = send_together(api, requests)
    assert all(r.status == 201 for r in responses), [r.body for r in responses if r.status != 201]
    granted = [r.json()["points"]["earned"] for r in responses]
    assert sum(granted) == 1000
    assert sorted(granted)[-10:] == [100] * 10  # every order granted all or nothing: 100 was never split
    assert api.get(f"/earning-rules/{budgeted}").json()["budget_left"] == 0
    for n in range(ORDERS):
        assert assert_balance_is_the_ledger_sum(api, f"c-{n}") == granted[n]


def test_concurrent_orders_of_one_customer_never_pass_the_daily_cap(api: ApiClient) -> None:
    rule(api, {**BASE_RULE, "limits": {"per_customer": {"points": 250, "period": "day"}}})
    requests = [Request("POST", "/orders", hundred_points(f"o-{n}", "kim")) for n in range(6)]
    responses = send_together(api, requests)
    assert all(r.status == 201 for r in responses), [r.body for r in responses if r.status != 201]
    assert sorted(r.json()["points"]["earned"] for r in responses) == [0, 0, 0, 50, 100, 100]
    assert assert_balance_is_the_ledger_sum(api, "kim") == 250


def test_the_same_order_sent_at_once_is_credited_once(api: ApiClient) -> None:
    rule(api, BASE_RULE)
    responses = send_together(api, [Request("POST", "/orders", order_body("o-1"))] * 8)
    assert sorted(r.status for r in responses) == [200] * 7 + [201]
    assert all(r.json() == responses[0].json() for r in responses)
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 134


def test_concurrent_returns_never_take_the_same_units_twice(api: ApiClient) -> None:
    rule(api, BASE_RULE)
    placed = api.post("/orders", order_body("o-2", tv_units=2)).json()
    assert placed["points"]["earned"] == 257
    requests = [
        Request("POST", "/orders/o-2/returns", {"return_id": f"r-{n}", "items": [{"product_id": "tv", "quantity": 1}]})
        for n in range(5)
    ]
    responses = send_together(api, requests)
    assert sorted(r.status for r in responses) == [200, 200, 400, 400, 400]
    final = api.get("/orders/o-2").json()
    assert final["points"]["taken_back"] == 246
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 11
