"""Model-based test of events → progress → points → ledger (tests/support/stateful.py).

Hypothesis sends random sequences of events for a few customers, some with an Idempotency-Key and some
redelivered with the same key, against one campaign with a counting rule, a summing rule and a rule
that never completes, and checks after every step that:

- progress equals the model's (count and sum per rule, frozen once the rule completed);
- a rule's reward is credited exactly once, when it completes;
- the balance equals the ledger's sum, every entry's ``balance_after`` is the running total, and
  ``earned`` equals the balance (nothing is redeemed yet);
- a redelivery with the same key changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test

from tests.support.stateful import ApiStateMachine, stateful_settings

CUSTOMERS = ["c-1", "c-2", "c-3"]
ORDERS_TARGET, DEPOSIT_TARGET = 3, 1000
ORDERS_POINTS, DEPOSIT_POINTS = 100, 50
CAMPAIGN = {
    "campaign_name": "Stateful",
    "rules": [
        {
            "rule_name": "Three orders",
            "action_type": "RTA",
            "actions": [{"event_name": "order_success", "target": ORDERS_TARGET}],
            "reward": {"type": "points", "points": ORDERS_POINTS},
        },
        {
            "rule_name": "Deposit 1000",
            "action_type": "RTA",
            "actions": [
                {"event_name": "money_deposited", "measure": "sum", "property": "amount", "target": DEPOSIT_TARGET}
            ],
            "reward": {"type": "points", "points": DEPOSIT_POINTS},
        },
        {
            "rule_name": "Never",
            "action_type": "RTA",
            "actions": [{"event_name": "order_success", "target": 10**6}],
            "reward": {"type": "points", "points": 1},
        },
    ],
}


@dataclass
class Progress:
    orders: int = 0
    deposits: int = 0
    all_orders: int = 0
    balance: int = 0
    existing: bool = False

    def apply(self, name: str, amount: int) -> None:
        self.existing = True
        if name == "order_success":
            self.all_orders += 1
            if self.orders < ORDERS_TARGET:
                self.orders += 1
                self.balance += ORDERS_POINTS if self.orders == ORDERS_TARGET else 0
        elif name == "money_deposited" and amount > 0 and self.deposits < DEPOSIT_TARGET:
            self.deposits += amount
            self.balance += DEPOSIT_POINTS if self.deposits >= DEPOSIT_TARGET else 0


@dataclass
class Delivery:
    key: str
    body: dict[str, Any]


@dataclass
class Model:
    customers: dict[str, Progress] = field(default_factory=lambda: {c: Progress() for c in CUSTOMERS})
    sent: list[Delivery] = field(default_factory=list)


class EventsLedgerMachine(ApiStateMachine):
    APPLICATIONS = ("a",)

    def __init__(self) -> None:
        super().__init__()
        self.api = self.clients["a"]
        self.model = Model()
        self.keys = 0

    @initialize()
    def create_campaign(self) -> None:
        assert self.api.post("/campaigns", CAMPAIGN).status == 201

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        name=st.sampled_from(["order_success", "money_deposited", "page_view"]),
        amount=st.sampled_from([0, 100, 250, 600, 1000]),
        keyed=st.booleans(),
    )
    def send_event(self, customer: str, name: str, amount: int, keyed: bool) -> None:
        body = {"source_id": customer, "event_name": name, "properties": {"amount": amount}}
        headers = {}
        if keyed:
            self.keys += 1
            headers = {"Idempotency-Key": f"k-{self.keys}"}
            self.model.sent.append(Delivery(headers["Idempotency-Key"], body))
        response = self.api.post("/events", body, headers=headers)
        assert response.status == 200, response.body
        self.model.customers[customer].apply(name, amount)

    @rule(index=st.integers(0, 50))
    def redeliver(self, index: int) -> None:
        if not self.model.sent:
            return
        delivery = self.model.sent[index % len(self.model.sent)]
        response = self.api.post("/events", delivery.body, headers={"Idempotency-Key": delivery.key})
        assert response.status == 200, response.body
        assert response.header("Idempotent-Replayed") == "true"

    @invariant()
    def progress_points_and_ledger_match_the_model(self) -> None:
        for customer, expected in self.model.customers.items():
            profile = self.api.get(f"/customers/{customer}")
            if not expected.existing:
                assert profile.status == 404
                continue
            points = profile.json()["points"]
            (campaign,) = self.api.get("/campaigns/reward-progress", query={"source_id": customer}).json()
            orders, deposits, never = (r["actions"][0]["current"] for r in campaign["rules"])
            assert (orders, deposits, never) == (expected.orders, expected.deposits, expected.all_orders)
            entries = self.api.get(f"/customers/{customer}/transactions", query={"limit": "100"}).json()["data"]
            assert points["balance"] == points["earned"] == expected.balance == sum(e["points"] for e in entries)
            running = 0
            for entry in reversed(entries):
                running += entry["points"]
                assert entry["balance_after"] == running


def test_events_progress_and_ledger_follow_the_model() -> None:
    run_state_machine_as_test(EventsLedgerMachine, settings=stateful_settings(max_examples=15, steps=15))
