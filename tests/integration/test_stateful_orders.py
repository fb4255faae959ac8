"""Model-based test of orders, returns and cancels through the API (tests/support/stateful.py).

Hypothesis places orders of random items and units for two customers under three rules (1 per 1.00
capped at 300 a day, +1 per 1.00 on electronics doubled, 25 points per order from a budget of 200),
returns random units (sometimes more than are left), replays returns and orders, and cancels. After
every step:

- no order's take-back exceeds what it earned, per rule and item;
- an order fully returned or cancelled keeps nothing: each customer's balance and ``earned`` are the
  sum of what their orders keep, as if the orders taken back had never happened, and the day's cap
  has what those orders keep left (every order is on one day: the capped rule grants
  ``min(earned, 300 - kept)``);
- every balance equals its ledger's sum;
- the budget rule's budget used is what its orders keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule, run_state_machine_as_test

from tests.support.points import transactions
from tests.support.stateful import ApiStateMachine, stateful_settings

CUSTOMERS = ("ann", "bob")
DAY = "2026-11-20T10:00:00Z"  # every order on one day, so the daily cap is one period
CAP = 300
PRODUCTS = (
    ("tv", 123.45, "electronics"),
    ("book", 10.99, "books"),
    ("cable", 0.99, "electronics"),
    ("gift", 0, "books"),
)
RULES: tuple[dict[str, Any], ...] = (
    {"name": "base", "earn": {"points": 1, "per": 1}, "limits": {"per_customer": {"points": CAP, "period": "day"}}},
    {
        "name": "electronics",
        "items": {"match": [{"field": "metadata.category", "operator": "eq", "value": "electronics"}]},
        "earn": {"points": 1, "per": 1, "rounding": "half_up"},
        "multiplier": 2,
    },
    {"name": "per order", "earn": {"points": 25}, "limits": {"budget": 200}},
)


@dataclass
class PlacedOrder:
    order_id: str
    source_id: str
    units: dict[str, int]
    returned: dict[str, int]
    cancelled: bool = False


class OrdersMachine(ApiStateMachine):
    APPLICATIONS = ("shop",)

    @initialize()
    def create_rules(self) -> None:
        self.api = self.clients["shop"]
        self.orders: list[PlacedOrder] = []
        self.rule_ids: list[str] = []
        for body in RULES:
            created = self.api.post("/earning-rules", body)
            assert created.status == 201, created.body
            self.rule_ids.append(created.json()["id"])

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        lines=st.dictionaries(st.sampled_from([p[0] for p in PRODUCTS]), st.integers(1, 3), min_size=1),
    )
    def place(self, customer: str, lines: dict[str, int]) -> None:
        order_id = f"o-{len(self.orders)}"
        items = [
            {"product_id": name, "original_price": price, "selling_price": price, "quantity": lines[name],
             "metadata": {"category": category}}
            for name, price, category in PRODUCTS
            if name in lines
        ]  # fmt: skip
        total = round(sum(price * lines[name] for name, price, _ in PRODUCTS if name in lines), 2)
        body = {
            "order_id": order_id,
            "source_id": customer,
            "occurred_at": DAY,
            "status": "completed",
            "original_price_subtotal": total,
            "selling_price_subtotal": total,
            "items": items,
        }
        cap_left = CAP - self.kept(customer, self.rule_ids[0])
        response = self.api.post("/orders", body)
        assert response.status == 201, response.body
        assert self.api.post("/orders", body).json() == response.json()  # a replay changes nothing
        for earning in response.json()["earnings"]:
            if earning["rule_id"] == self.rule_ids[0]:
                assert earning["granted"] == min(earning["earned"], cap_left)  # what returns gave back is left
        self.orders.append(PlacedOrder(order_id, customer, dict(lines), dict.fromkeys(lines, 0)))

    def kept(self, customer: str, rule_id: str) -> int:
        """What ``rule_id`` granted ``customer``'s orders less what returns took back of it."""
        kept = 0
        for order in self.orders:
            if order.source_id == customer:
                for earning in self.api.get(f"/orders/{order.order_id}").json()["earnings"]:
                    if earning["rule_id"] == rule_id:
                        kept += earning["granted"] - sum(item["taken_back"] for item in earning["items"])
        return kept

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data(), units=st.integers(1, 3), replay=st.booleans())
    def return_units(self, data: st.DataObject, units: int, replay: bool) -> None:
        order = data.draw(st.sampled_from(self.orders))
        product = data.draw(st.sampled_from(sorted(order.units)))
        body = {"return_id": f"r-{order.order_id}-{sum(order.returned.values())}", "items": [
            {"product_id": product, "quantity": units}]}  # fmt: skip
        response = self.api.post(f"/orders/{order.order_id}/returns", body)
        left = order.units[product] - order.returned[product]
        if order.cancelled:
            assert response.status == 409, response.body
        elif units > left:
            assert response.status == 400, response.body
            assert "items.0.quantity" in response.json()["details"]
        else:
            assert response.status == 200, response.body
            order.returned[product] += units
            if replay:
                assert self.api.post(f"/orders/{order.order_id}/returns", body).json() == response.json()

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(self.orders))
        response = self.api.post(f"/orders/{order.order_id}/cancel")
        assert response.status == 200, response.body
        assert response.json()["points"]["kept"] == 0
        order.cancelled = True
        order.returned = dict(order.units)

    @invariant()
    def takes_back_at_most_what_was_earned_and_balances_are_what_orders_keep(self) -> None:
        if not hasattr(self, "api"):
            return
        kept_by_customer = dict.fromkeys(CUSTOMERS, 0)
        budget_kept = 0
        for order in self.orders:
            shown = self.api.get(f"/orders/{order.order_id}").json()
            for earning in shown["earnings"]:
                for item in earning["items"]:
                    assert 0 <= item["taken_back"] <= item["points"]
                    if order.returned[item["product_id"]] == order.units[item["product_id"]]:
                        assert item["taken_back"] == item["points"]  # a full return takes all back
                if earning["rule_id"] == self.rule_ids[2]:
                    budget_kept += earning["granted"] - sum(i["taken_back"] for i in earning["items"])
            assert 0 <= shown["points"]["taken_back"] <= shown["points"]["earned"]
            if all(order.returned[p] == order.units[p] for p in order.units):
                assert shown["points"]["kept"] == 0
            kept_by_customer[order.source_id] += shown["points"]["kept"]
        for customer in {order.source_id for order in self.orders}:
            points = self.api.get(f"/customers/{customer}").json()["points"]
            assert points["balance"] == points["earned"] == kept_by_customer[customer]
            assert points["balance"] == sum(entry["points"] for entry in transactions(self.api, customer))
        budget = self.api.get(f"/earning-rules/{self.rule_ids[2]}").json()
        assert budget["budget_used"] == budget_kept


def test_orders_returns_and_cancels_never_take_back_more_than_was_earned() -> None:
    run_state_machine_as_test(OrdersMachine, settings=stateful_settings(max_examples=10, steps=12))
