"""Model-based test of events → progress → points → ledger (tests/support/stateful.py).

Hypothesis sends random sequences of events for a few customers, some with an Idempotency-Key and some
redelivered with the same key, against campaigns of counting and summing rules (one rule never
completes), and checks after every step that:

- progress equals the model's (count or sum per rule, frozen once the rule completed);
- a rule's reward is credited exactly once, when it completes;
- the balance equals the ledger's sum, every entry's ``balance_after`` is the running total (newest
  first), and ``earned`` equals the balance (nothing is redeemed yet);
- a redelivery with the same key changes nothing.

It runs with three rules, and with 63 rules, where one event completes dozens of rules at once and is
written in several transactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test

from tests.support.campaigns import ledger
from tests.support.stateful import ApiStateMachine, stateful_settings

CUSTOMERS = ["c-1", "c-2", "c-3"]
RULES_PER_CAMPAIGN = 20


@dataclass(frozen=True)
class RuleModel:
    name: str
    event_name: str
    target: int
    points: int
    measure: Literal["count", "sum"] = "count"

    def body(self) -> dict[str, Any]:
        action: dict[str, Any] = {"event_name": self.event_name, "target": self.target}
        if self.measure == "sum":
            action |= {"measure": "sum", "property": "amount"}
        return {
            "rule_name": self.name,
            "action_type": "RTA",
            "actions": [action],
            "reward": {"type": "points", "points": self.points},
        }

    def advance(self, current: int, event_name: str, amount: int) -> int:
        if event_name != self.event_name or current >= self.target:
            return current
        if self.measure == "count":
            return current + 1
        return current + amount if amount > 0 else current


BASE_RULES = [
    RuleModel("Three orders", "order_success", 3, 100),
    RuleModel("Deposit 1000", "money_deposited", 1000, 50, "sum"),
    RuleModel("Never", "order_success", 10**6, 1),
]
MANY_RULES = [
    *BASE_RULES,
    *(RuleModel(f"Order {n}", "order_success", n % 3 + 1, n + 1) for n in range(40)),
    *(RuleModel(f"Deposit {n}", "money_deposited", 100 * (n % 10 + 1), n + 1, "sum") for n in range(20)),
]


@dataclass
class Progress:
    current: dict[str, int]
    balance: int = 0
    existing: bool = False

    def apply(self, rules: list[RuleModel], event_name: str, amount: int) -> None:
        self.existing = True
        for rule_model in rules:
            before = self.current[rule_model.name]
            after = rule_model.advance(before, event_name, amount)
            self.current[rule_model.name] = after
            if before < rule_model.target <= after:
                self.balance += rule_model.points


@dataclass
class Delivery:
    key: str
    body: dict[str, Any]


@dataclass
class Model:
    rules: list[RuleModel]
    customers: dict[str, Progress] = field(default_factory=dict)
    sent: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.customers = {c: Progress({r.name: 0 for r in self.rules}) for c in CUSTOMERS}


class EventsLedgerMachine(ApiStateMachine):
    APPLICATIONS = ("a",)
    RULES: ClassVar[list[RuleModel]] = BASE_RULES

    def __init__(self) -> None:
        super().__init__()
        self.api = self.clients["a"]
        self.model = Model(self.RULES)
        self.keys = 0

    @initialize()
    def create_campaigns(self) -> None:
        for start in range(0, len(self.RULES), RULES_PER_CAMPAIGN):
            rules = [r.body() for r in self.RULES[start : start + RULES_PER_CAMPAIGN]]
            assert self.api.post("/campaigns", {"campaign_name": f"Stateful {start}", "rules": rules}).status == 201

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
        self.model.customers[customer].apply(self.RULES, name, amount)

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
            campaigns = self.api.get("/campaigns/reward-progress", query={"source_id": customer}).json()
            current = {r["rule_name"]: r["actions"][0]["current"] for c in campaigns for r in c["rules"]}
            assert current == expected.current
            entries = ledger(self.api, customer)
            assert points["balance"] == points["earned"] == expected.balance == sum(e["points"] for e in entries)
            running = 0
            for entry in reversed(entries):
                running += entry["points"]
                assert entry["balance_after"] == running


class ManyRulesMachine(EventsLedgerMachine):
    RULES = MANY_RULES


def test_events_progress_and_ledger_follow_the_model() -> None:
    run_state_machine_as_test(EventsLedgerMachine, settings=stateful_settings(max_examples=15, steps=15))


def test_with_many_rules_per_event_progress_and_ledger_follow_the_model() -> None:
    run_state_machine_as_test(ManyRulesMachine, settings=stateful_settings(max_examples=4, steps=12))
