"""Referral campaigns: referrer rules count distinct referees, referee rules only apply to referees."""

from __future__ import annotations

from typing import Any

from tests.support.api import ApiClient
from tests.support.campaigns import event


def referral_campaign() -> dict[str, Any]:
    order = {
        "event_name": "order_success",
        "target": 1,
        "conditions": [{"property": "amount", "operator": "gte", "value": 200}],
    }
    return {
        "campaign_name": "Refer a friend",
        "campaign_type": "referral",
        "rules": [
            {
                "rule_name": "Two friends order",
                "action_type": "RTA",
                "beneficiary": "referrer",
                "actions": [{**order, "target": 2}],
                "reward": {"type": "points", "points": 500},
            },
            {
                "rule_name": "Welcome order",
                "action_type": "RTA",
                "beneficiary": "referee",
                "actions": [order],
                "reward": {"type": "points", "points": 50},
            },
        ],
    }


def test_referrer_counts_distinct_referees_once_each(api: ApiClient) -> None:
    api.post("/campaigns", referral_campaign())
    api.put("/customers/alice", {"name": "Alice"})
    api.put("/customers/bob", {"referred_by": "alice"})
    api.put("/customers/carol", {"referred_by": "alice"})

    first = api.post("/events", event("bob", "order_success", amount=300)).json()
    # bob's own welcome rule pays bob; alice's rule counts bob once
    assert sorted((r["source_id"], r["points"]) for r in first["rewards"]) == [("bob", 50)]
    for _ in range(3):
        api.post("/events", event("bob", "order_success", amount=300))
    progress = api.get("/campaigns/reward-progress", query={"source_id": "alice"}).json()
    referrer_rule = next(r for r in progress[0]["rules"] if r["rule_name"] == "Two friends order")
    assert referrer_rule["actions"][0]["current"] == 1

    api.post("/events", event("carol", "order_success", amount=100))  # below the condition: not counted
    done = api.post("/events", event("carol", "order_success", amount=250)).json()
    assert sorted((r["source_id"], r["points"]) for r in done["rewards"]) == [("alice", 500), ("carol", 50)]
    assert api.get("/customers/alice").json()["points"]["balance"] == 500
    assert api.get("/customers/bob").json()["points"]["balance"] == 50
    ledger = api.get("/customers/alice/transactions").json()["data"]
    assert [(t["points"], t["balance_after"]) for t in ledger] == [(500, 500)]


def test_referee_rules_do_not_apply_to_customers_nobody_referred(api: ApiClient) -> None:
    api.post("/campaigns", referral_campaign())
    result = api.post("/events", event("dave", "order_success", amount=300)).json()
    assert result["progress"] == []
    assert result["rewards"] == []
