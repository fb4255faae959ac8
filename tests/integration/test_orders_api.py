"""Orders over the API, tried as a new user would (issue 25's "Done means"): the two rules' 134 + 123,
a daily cap's 134, 134, 32, 0, returns taking back exactly what units earned, once per return_id,
cancels, campaigns receiving the order, and the balance equal to the ledger's sum after every step."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from shared.storage import keys
from tests.support.api import ApiClient
from tests.support.coupons import create_coupon, customer, simple_coupon
from tests.support.coupons import order_body as coupon_order
from tests.support.outbox import BusTap
from tests.support.partition_reads import partition_reads
from tests.support.points import day_end_iso, freeze_clock, transactions

BASE_RULE: dict[str, Any] = {"name": "1 point per 1.00", "earn": {"points": 1, "per": 1, "rounding": "down"}}
ELECTRONICS_RULE: dict[str, Any] = {
    "name": "+1 on electronics",
    "items": {"match": [{"field": "metadata.category", "operator": "eq", "value": "electronics"}]},
    "earn": {"points": 1, "per": 1},
}
DAY = "2026-11-20T10:00:00Z"
DAY_MS = 86_400_000


def order_body(order_id: str, source_id: str = "KMN@123", tv_units: int = 1, **fields: Any) -> dict[str, Any]:
    tv_total = round(123.45 * tv_units, 2)
    return {
        "order_id": order_id,
        "source_id": source_id,
        "occurred_at": DAY,
        "status": "completed",
        "original_price_subtotal": tv_total + 10.99,
        "selling_price_subtotal": tv_total + 10.99,
        "shipping": 5,
        "tax": 7.5,
        "items": [
            {"product_id": "tv", "sku": "TV-1", "original_price": 123.45, "selling_price": 123.45,
             "quantity": tv_units, "metadata": {"category": "electronics"}},
            {"product_id": "book", "sku": "BK-1", "original_price": 10.99, "selling_price": 10.99, "quantity": 1,
             "metadata": {"category": "books"}},
        ],
        **fields,
    }  # fmt: skip


def rule(api: ApiClient, body: dict[str, Any]) -> str:
    response = api.post("/earning-rules", body)
    assert response.status == 201, response.body
    rule_id: str = response.json()["id"]
    return rule_id


def place(api: ApiClient, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = api.post("/orders", body)
    assert response.status == status, response.body
    answer: dict[str, Any] = response.json()
    return answer


def balance(api: ApiClient, source_id: str) -> int:
    value: int = api.get(f"/customers/{quote(source_id, safe='')}").json()["points"]["balance"]
    return value


def assert_balance_is_the_ledger_sum(api: ApiClient, source_id: str) -> int:
    entries = transactions(api, source_id)
    total = balance(api, source_id)
    assert total == sum(entry["points"] for entry in entries)
    return total


def test_two_rules_give_134_plus_123_per_item_and_rule(api: ApiClient) -> None:
    base, electronics = rule(api, BASE_RULE), rule(api, ELECTRONICS_RULE)
    placed = place(api, order_body("o-1"))
    assert placed["points"] == {"earned": 257, "taken_back": 0, "kept": 257}
    earned = {e["rule_id"]: e for e in placed["earnings"]}
    assert [(i["product_id"], i["points"]) for i in earned[base]["items"]] == [("tv", 123), ("book", 11)]
    assert [(i["product_id"], i["points"]) for i in earned[electronics]["items"]] == [("tv", 123)]
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 257
    entries = transactions(api, "KMN@123")
    assert {(e["rule_id"], e["points"], e["reason"], e["order_id"]) for e in entries} == {
        (base, 134, "order_earning", "o-1"),
        (electronics, 123, "order_earning", "o-1"),
    }
    assert api.get("/orders/o-1").json() == placed


def test_a_rate_of_0_3_per_1_00_earns_3_on_10_00_rounding_down(api: ApiClient) -> None:
    # 0.3 is read back from the table as a float; as a binary fraction (0.29999...) ten of it round down to 2
    rule(api, {"name": "0.3 per 1.00", "earn": {"points": 0.3, "per": 1, "rounding": "down"}})
    item = {"product_id": "p", "original_price": 10, "selling_price": 10, "quantity": 1}
    body = {"order_id": "o-1", "source_id": "KMN@123", "status": "completed", "items": [item]}
    placed = place(api, {**body, "original_price_subtotal": 10, "selling_price_subtotal": 10})
    assert placed["points"]["earned"] == 3


def test_an_order_reads_the_rules_as_they_are_now(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    rule(api, BASE_RULE)
    with partition_reads(monkeypatch) as charged:
        assert place(api, order_body("o-1"))["points"]["earned"] == 134
    # moto is always consistent; DynamoDB is only for a strongly consistent read: the rules' one query (under
    # 4 KB) costs 1 unit, where an eventually consistent one costs 0.5 and may miss a rule just changed
    assert charged[keys.earning_rules_partition(api.credentials.app_id)] == 1.0


def test_a_daily_cap_of_300_earns_134_134_32_then_0(api: ApiClient) -> None:
    capped = rule(api, {**BASE_RULE, "limits": {"per_customer": {"points": 300, "period": "day"}}})
    granted = []
    for n in range(4):
        placed = place(api, order_body(f"o-{n}"))
        (earning,) = placed["earnings"]
        granted.append(earning["granted"])
        assert earning["rule_id"] == capped
        assert_balance_is_the_ledger_sum(api, "KMN@123")
    assert granted == [134, 134, 32, 0]
    assert placed["earnings"][0]["limited_by"] == "per_customer"
    assert placed["earnings"][0]["transaction_id"] is None
    # the next day is a new period
    assert place(api, order_body("o-next", occurred_at="2026-11-21T00:00:00Z"))["points"]["earned"] == 134


def test_a_daily_cap_counts_the_applications_days_across_a_dst_change(api: ApiClient) -> None:
    """29 March 2026 in Paris lasts 23 hours, from 23:00 UTC on the 28th to 22:00 UTC on the 29th: a cap
    without a zone of its own counts it so; a cap with its own (UTC) counts UTC days."""
    assert api.put("/settings/points", {"time_zone": "Europe/Paris"}).json()["time_zone"] == "Europe/Paris"
    paris = rule(api, {**BASE_RULE, "limits": {"per_customer": {"points": 300, "period": "day"}}})
    utc = rule(api, {**BASE_RULE, "limits": {"per_customer": {"points": 300, "period": "day", "time_zone": "UTC"}}})
    times = ["2026-03-28T23:00:00Z"] * 3 + ["2026-03-29T21:59:59Z", "2026-03-29T22:00:00Z"]
    granted: dict[str, list[int]] = {paris: [], utc: []}
    for n, at in enumerate(times):
        for earning in place(api, order_body(f"o-{n}", occurred_at=at))["earnings"]:
            granted[earning["rule_id"]].append(earning["granted"])
        assert_balance_is_the_ledger_sum(api, "KMN@123")
    # Paris: the first four on the 29th (the fourth finds the cap spent), the fifth at midnight of the 30th
    assert granted[paris] == [134, 134, 32, 0, 134]
    # UTC: three on the 28th, two on the 29th
    assert granted[utc] == [134, 134, 32, 134, 134]


def test_the_same_order_again_answers_the_first_result_and_another_body_is_a_409(api: ApiClient) -> None:
    rule(api, BASE_RULE)
    first = place(api, order_body("o-1"))
    assert place(api, order_body("o-1"), status=200) == first
    conflict = api.post("/orders", order_body("o-1", tv_units=2))
    assert conflict.status == 409
    assert "order_id" in conflict.json()["details"]
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 134


def test_returning_1_of_2_units_takes_back_exactly_what_it_earned_once(api: ApiClient) -> None:
    base, electronics = rule(api, BASE_RULE), rule(api, ELECTRONICS_RULE)
    placed = place(api, order_body("o-2", tv_units=2))  # 246.90 + 10.99: 257 + 246
    assert placed["points"]["earned"] == 503
    back = {"return_id": "r-1", "items": [{"product_id": "tv", "quantity": 1}]}
    returned = api.post("/orders/o-2/returns", back)
    assert returned.status == 200, returned.body
    body = returned.json()
    (entry,) = body["returns"]
    assert entry["points"] == 123 + 123  # half the tv's 246 (base) and half its 246 (electronics)
    assert set(entry["transaction_ids"]) == {base, electronics}
    assert body["points"] == {"earned": 503, "taken_back": 246, "kept": 257}
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 257
    # the same return_id again changes nothing
    assert api.post("/orders/o-2/returns", back).json() == body
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 257
    reversals = [e for e in transactions(api, "KMN@123") if e["reason"] == "order_return"]
    assert {(e["return_id"], e["order_id"], e["points"]) for e in reversals} == {("r-1", "o-2", -123)}
    assert len(reversals) == 2


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([{"product_id": "tv", "quantity": 3}], "items.0.quantity"),
        ([{"product_id": "tv", "quantity": 1}, {"product_id": "tv", "quantity": 2}], "items.1.quantity"),
        ([{"product_id": "lamp", "quantity": 1}], "items.0.product_id"),
        ([{"product_id": "tv", "quantity": 0}], "items.0.quantity"),
    ],
)
def test_returning_more_units_than_are_left_is_a_400_naming_the_item(
    api: ApiClient, items: list[dict[str, Any]], field: str
) -> None:
    rule(api, BASE_RULE)
    placed = place(api, order_body("o-3", tv_units=2))
    response = api.post("/orders/o-3/returns", {"return_id": "r-x", "items": items})
    assert response.status == 400, response.body
    assert field in response.json()["details"]
    assert api.get("/orders/o-3").json() == placed
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == placed["points"]["earned"]


def test_a_full_return_then_a_cancel_leave_the_customer_as_before(api: ApiClient) -> None:
    rule(api, BASE_RULE)
    rule(api, {**ELECTRONICS_RULE, "multiplier": 3})
    place(api, order_body("o-4", tv_units=2))
    api.post("/orders/o-4/returns", {"return_id": "r-1", "items": [{"product_id": "tv", "quantity": 1}]})
    cancelled = api.post("/orders/o-4/cancel")
    assert cancelled.status == 200, cancelled.body
    body = cancelled.json()
    assert body["cancelled_at"] is not None
    assert body["points"]["kept"] == 0
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 0
    assert api.post("/orders/o-4/cancel").json() == body
    after = api.post("/orders/o-4/returns", {"return_id": "r-2", "items": [{"product_id": "book", "quantity": 1}]})
    assert after.status == 409


def test_a_full_return_leaves_the_customer_as_if_the_order_had_not_happened(api: ApiClient) -> None:
    """Balance, earned, the day's cap and the budget: an exchange (a return and the same order again on one
    day) earns what the first order earned."""
    capped = rule(api, {**BASE_RULE, "limits": {"per_customer": {"points": 300, "period": "day"}}})
    budgeted = rule(api, {**ELECTRONICS_RULE, "limits": {"budget": 500}})
    place(api, order_body("o-1"))  # 134 + 123
    before = api.get("/customers/KMN%40123").json()["points"]
    first = {e["rule_id"]: e for e in place(api, order_body("o-2", tv_units=2))["earnings"]}
    assert first[capped]["granted"] == 166  # the cap's 300 less 134
    assert first[budgeted]["granted"] == 246  # of the budget's 377 left
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 257 + 412
    back = {"return_id": "r-1", "items": [{"product_id": "tv", "quantity": 2}, {"product_id": "book", "quantity": 1}]}
    assert api.post("/orders/o-2/returns", back).json()["points"] == {"earned": 412, "taken_back": 412, "kept": 0}
    assert api.get("/customers/KMN%40123").json()["points"] == before
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 257
    assert api.get(f"/earning-rules/{budgeted}").json()["budget_left"] == 500 - 123
    again = {e["rule_id"]: e for e in place(api, order_body("o-3", tv_units=2))["earnings"]}
    assert {rule_id: {**e, "transaction_id": None} for rule_id, e in again.items()} == {
        rule_id: {**e, "transaction_id": None} for rule_id, e in first.items()
    }
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 257 + 412


def test_a_return_gives_back_to_the_budget(api: ApiClient) -> None:
    budgeted = rule(api, {**BASE_RULE, "limits": {"budget": 200}})
    assert place(api, order_body("o-5"))["points"]["earned"] == 134
    assert place(api, order_body("o-6", source_id="other"))["points"]["earned"] == 66
    assert api.get(f"/earning-rules/{budgeted}").json()["budget_left"] == 0
    api.post("/orders/o-5/returns", {"return_id": "r-1", "items": [{"product_id": "tv", "quantity": 1}]})
    assert api.get(f"/earning-rules/{budgeted}").json()["budget_left"] == 123


def test_campaigns_receive_the_order_as_an_event(api: ApiClient) -> None:
    campaign = {
        "campaign_name": "Spend 200",
        "campaign_type": "loyalty",
        "rules": [
            {
                "rule_name": "Spend 200 in orders",
                "action_type": "RTA",
                "actions": [
                    {"event_name": "order", "measure": "sum", "property": "selling_price_subtotal", "target": 200}
                ],
                "reward": {"type": "points", "points": 50},
            }
        ],
    }
    created = api.post("/campaigns", campaign)
    assert created.status == 201, created.body
    place(api, order_body("o-7"))
    assert balance(api, "KMN@123") == 0
    place(api, order_body("o-8"))
    place(api, order_body("o-8"), status=200)  # a replay counts nothing twice
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 50


def test_another_application_never_sees_an_order(api: ApiClient, other_api: ApiClient) -> None:
    rule(api, BASE_RULE)
    placed = place(api, order_body("o-9"))
    assert other_api.get("/orders/o-9").status == 404
    assert (
        other_api.post("/orders/o-9/returns", {"return_id": "r", "items": [{"product_id": "tv", "quantity": 1}]}).status
        == 404
    )
    assert other_api.post("/orders/o-9/cancel").status == 404
    assert api.get("/orders/o-9").json() == placed


def test_credits_reversals_and_returns_are_announced_naming_order_rule_and_return(api: ApiClient, bus: BusTap) -> None:
    base = rule(api, BASE_RULE)
    place(api, order_body("o-10", tv_units=2))
    api.post("/orders/o-10/returns", {"return_id": "r-1", "items": [{"product_id": "tv", "quantity": 1}]})
    api.post("/orders/o-10/cancel")
    announced = [(a.type, a.envelope["data"]) for a in bus.read() if a.type != "customer.created"]
    credited = [data for kind, data in announced if kind == "points.credited"]
    reversed_ = [data for kind, data in announced if kind == "points.reversed"]
    returned = [data for kind, data in announced if kind == "order.returned"]
    assert [(c["order_id"], c["rule_id"], c["points"], c["reason"]) for c in credited] == [
        ("o-10", base, 257, "order_earning")
    ]
    assert [(r["order_id"], r["rule_id"], r["return_id"], r["points"]) for r in reversed_] == [
        ("o-10", base, "r-1", -123),
        ("o-10", base, "order.cancel", -134),
    ]
    assert returned == [
        {"source_id": "KMN@123", "order_id": "o-10", "return_id": "r-1", "points": 123, "cancelled": False,
         "items": [{"product_id": "tv", "quantity": 1}]},
        {"source_id": "KMN@123", "order_id": "o-10", "return_id": "order.cancel", "points": 134, "cancelled": True,
         "items": [{"product_id": "tv", "quantity": 1}, {"product_id": "book", "quantity": 1}]},
    ]  # fmt: skip
    assert sum(c["points"] for c in credited) + sum(r["points"] for r in reversed_) == balance(api, "KMN@123") == 0


def test_a_cancel_reverts_the_orders_coupon_redemptions_once(api: ApiClient) -> None:
    coupon_id: str = create_coupon(api, simple_coupon())["coupon_id"]
    customer(api)
    redeem = coupon_order(coupon_id, "SAVE10", order_id="o-11")
    applied = api.post("/coupons/apply?type=redeem", redeem)
    assert applied.status == 200, applied.body
    rule(api, BASE_RULE)
    body = {**redeem["order"], "source_id": "krish123", "coupon_details": redeem["coupon_details"]}
    place(api, body)
    assert api.get(f"/coupons/{coupon_id}/redemptions").json()["data"][0]["status"] == "completed"
    cancelled = api.post("/orders/o-11/cancel")
    assert cancelled.status == 200, cancelled.body
    assert api.get(f"/coupons/{coupon_id}/redemptions").json()["data"][0]["status"] == "reverted"
    assert api.post("/orders/o-11/cancel").json() == cancelled.json()
    assert assert_balance_is_the_ledger_sum(api, "krish123") == 0


def test_points_follow_the_policy_and_the_rules_own_days(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = freeze_clock(monkeypatch)
    assert api.put("/settings/points", {"pending_days": 14, "expire_after_days": 365}).status == 200
    rule(api, BASE_RULE)
    rule(api, {**ELECTRONICS_RULE, "points": {"pending_days": 0, "expire_after_days": 30}})
    place(api, order_body("o-12", occurred_at=frozen.iso()))
    entries = {e["description"].split(":")[0]: e for e in transactions(api, "KMN@123")}
    base, electronics = entries["1 point per 1.00"], entries["+1 on electronics"]
    assert (base["points"], base["pending_points"]) == (0, 134)  # pending 14 days from the order
    assert base["lots"][0]["activates_at"] == day_end_iso(frozen.ms + 14 * DAY_MS)
    assert base["lots"][0]["expires_at"] == day_end_iso(frozen.ms + 365 * DAY_MS)
    assert (electronics["points"], electronics["pending_points"]) == (123, 0)
    assert electronics["lots"][0]["expires_at"] == day_end_iso(frozen.ms + 30 * DAY_MS)
    assert assert_balance_is_the_ledger_sum(api, "KMN@123") == 123
