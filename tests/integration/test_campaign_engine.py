"""The campaign engine through the API: the seeds' RTA and AWT examples, points, the window closer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.api import ApiClient
from tests.support.campaigns import TWO_DAYS, awt_rule, awt_seed_campaign, event, rta_seed_campaign, run_window_closer

SIGNUP_TIME = 1_708_664_771  # the seed's start_time


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Engine time (not wall time) under the test's control."""
    from shared import clock

    now = {"t": SIGNUP_TIME + 16}
    monkeypatch.setattr(clock, "now_epoch", lambda: now["t"])
    return now


def progress_of(api: ApiClient, source_id: str, **filters: str) -> Any:
    query = {"source_id": source_id, **filters}
    response = api.get("/campaigns/reward-progress", query=query)
    assert response.status == 200, response.body
    return response.json()


def test_seed_rta_example(api: ApiClient) -> None:
    created = api.post("/campaigns", rta_seed_campaign())
    assert created.status == 201, created.body
    campaign = created.json()
    assert campaign["campaign_id"].startswith("camp_")
    assert all(rule["rule_id"].startswith("valr_") for rule in campaign["rules"])

    # deposit 500 of 1000, one order, KYC untouched
    assert api.post("/events", event("KMN@123", "money_deposited", amount=500)).status == 200
    assert api.post("/events", event("KMN@123", "order_success")).status == 200

    body = progress_of(api, "KMN@123", campaign_type="loyalty", campaign_id=campaign["campaign_id"])
    rule1, rule2 = body[0]["rules"]
    event_ids = {a["event_name"]: a["event_id"] for r in campaign["rules"] for a in r["actions"]}
    assert body == [
        {
            "campaign_id": campaign["campaign_id"],
            "campaign_name": "Real time action campaign",
            "campaign_type": "loyalty",
            "rules": [
                {
                    "rule_id": rule1["rule_id"],
                    "rule_name": "Rule 1",
                    "action_type": "RTA",
                    "actions": [
                        {
                            "event_id": event_ids["money_deposited"],
                            "event_name": "money_deposited",
                            "progress": 50,
                            "trigger": False,
                            "status": "active",
                            "current": 500,
                            "target": 1000,
                        },
                        {
                            "event_id": event_ids["order_success"],
                            "event_name": "order_success",
                            "progress": 100,
                            "trigger": False,
                            "status": "completed",
                            "current": 1,
                            "target": 1,
                        },
                    ],
                },
                {
                    "rule_id": rule2["rule_id"],
                    "rule_name": "Rule 2",
                    "action_type": "RTA",
                    "actions": [
                        {
                            "event_id": event_ids["complete_KYC_Verification"],
                            "event_name": "complete_KYC_Verification",
                            "progress": 0,
                            "trigger": False,
                            "status": "active",
                            "current": 0,
                            "target": 1,
                        },
                    ],
                },
            ],
        }
    ]
    # no reward yet: rule 1 is half done
    assert api.get("/customers/KMN@123").json()["points"] == {
        "balance": 0,
        "earned": 0,
        "redeemed": 0,
        "pending": 0,
        "expired": 0,
        "expiring": [],
    }


def test_completing_a_rule_credits_its_points_once(api: ApiClient) -> None:
    api.post("/campaigns", rta_seed_campaign())
    api.post("/events", event("c1", "order_success"))
    done = api.post("/events", event("c1", "money_deposited", amount=1000))
    assert done.status == 200
    rewards = done.json()["rewards"]
    assert [(r["points"], r["source_id"]) for r in rewards] == [(100, "c1")]
    # further matching events change nothing: the rule is frozen once completed
    again = api.post("/events", event("c1", "money_deposited", amount=1000)).json()
    assert again["rewards"] == []
    assert again["progress"] == []
    assert api.get("/customers/c1").json()["points"] == {
        "balance": 100,
        "earned": 100,
        "redeemed": 0,
        "pending": 0,
        "expired": 0,
        "expiring": [],
    }
    ledger = api.get("/customers/c1/transactions").json()
    assert [(t["points"], t["balance_after"], t["reason"]) for t in ledger["data"]] == [(100, 100, "rule_completion")]
    assert ledger["data"][0]["id"] == rewards[0]["transaction_id"]


def test_seed_awt_example_and_the_window_closer(api: ApiClient, frozen_now: dict[str, int]) -> None:
    campaign = api.post("/campaigns", awt_seed_campaign()).json()
    # customer A: signup, then an order of $250 16 seconds later
    api.post("/events", event("A", "signup", SIGNUP_TIME))
    api.post("/events", event("A", "order_success", SIGNUP_TIME + 16, amount=250))
    (a_rule,) = progress_of(api, "A")[0]["rules"]
    x, y = a_rule["actions"]
    ids = {a["event_name"]: a["event_id"] for a in campaign["rules"][0]["actions"]}
    assert a_rule["action_type"] == "AWT"
    assert x == {
        "event_id": ids["signup"],
        "event_name": "signup",
        "progress": 100,
        "trigger": True,
        "status": "completed",
        "current": 1,
        "target": 1,
        "start_time": SIGNUP_TIME,
    }
    assert y == {
        "event_id": ids["order_success"],
        "event_name": "order_success",
        "progress": 100,
        "trigger": True,
        "status": "completed",
        "current": 1,
        "target": 1,
        "start_time": SIGNUP_TIME,
        "end_time": SIGNUP_TIME + TWO_DAYS,
        "time_duration": TWO_DAYS,
        "time_left": TWO_DAYS - 16,
    }

    # customer B: signup, an order after the window
    api.post("/events", event("B", "signup", SIGNUP_TIME))
    frozen_now["t"] = SIGNUP_TIME + TWO_DAYS + 60
    late = api.post("/events", event("B", "order_success", SIGNUP_TIME + TWO_DAYS + 30, amount=250))
    assert late.status == 200
    assert late.json()["rewards"] == []
    (b_rule,) = progress_of(api, "B")[0]["rules"]
    b_y = b_rule["actions"][1]
    assert (b_y["time_left"], b_y["trigger"], b_y["status"], b_y["current"]) == (0, False, "active", 0)
    assert "expired" not in b_y

    report = run_window_closer()
    assert report["closed"] == 1
    (b_rule,) = progress_of(api, "B")[0]["rules"]
    assert b_rule["actions"][1]["expired"] is True
    assert b_rule["actions"][1]["status"] == "active"
    # a second run closes nothing more, and a late Y no longer counts
    assert run_window_closer()["closed"] == 0
    api.post("/events", event("B", "order_success", SIGNUP_TIME + 100, amount=250))
    assert progress_of(api, "B")[0]["rules"][0]["actions"][1]["current"] == 0
    assert api.get("/customers/A").json()["points"]["balance"] == 50
    assert api.get("/customers/B").json()["points"]["balance"] == 0


def test_unknown_customer_progress_is_the_seed_404(api: ApiClient) -> None:
    api.post("/campaigns", rta_seed_campaign())
    response = api.get("/campaigns/reward-progress", query={"source_id": "nobody"})
    assert response.status == 404
    assert response.json()["details"] == "Cannot find customer with source id nobody"


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def test_a_campaigns_dates_are_inclusive_to_the_second(api: ApiClient, frozen_now: dict[str, int]) -> None:
    """An event stamped exactly at a campaign's start or end counts (progress and the reward); one
    second outside either does not."""
    starts, ends = SIGNUP_TIME, SIGNUP_TIME + TWO_DAYS
    rule = {
        "rule_name": "One order",
        "action_type": "RTA",
        "actions": [{"event_name": "order_success", "target": 1}],
        "reward": {"type": "points", "points": 10},
    }
    body = {"campaign_name": "Dated", "starts_at": _iso(starts), "ends_at": _iso(ends), "rules": [rule]}
    assert api.post("/campaigns", body).status == 201
    frozen_now["t"] = ends + 60
    for source_id, at in (("at-start", starts), ("at-end", ends), ("before", starts - 1), ("after", ends + 1)):
        assert api.post("/events", event(source_id, "order_success", at)).status == 200
    balances = {s: api.get(f"/customers/{s}").json()["points"]["balance"] for s in ("at-start", "at-end")}
    assert balances == {"at-start": 10, "at-end": 10}
    for outside in ("before", "after"):
        assert api.get(f"/customers/{outside}").json()["points"]["balance"] == 0
        assert progress_of(api, outside)[0]["rules"][0]["actions"][0]["current"] == 0


def test_a_zero_amount_leaves_a_summed_time_window_action_untouched(api: ApiClient, frozen_now: dict[str, int]) -> None:
    """A deposit of 0 on an AWT rule whose first action sums amounts neither triggers it nor writes
    progress: the customer's progress reads as before, and a later real deposit opens the window."""
    rule = {
        **awt_rule(),
        "actions": [
            {"event_name": "money_deposited", "target": 100, "measure": "sum", "property": "amount"},
            {"event_name": "order_success", "target": 1},
        ],
    }
    api.post("/campaigns", {"campaign_name": "Deposit then order", "rules": [rule]})
    api.post("/events", event("Z", "signup", SIGNUP_TIME))  # the customer exists, with no progress yet
    zero = api.post("/events", event("Z", "money_deposited", SIGNUP_TIME + 1, amount=0))
    assert zero.status == 200
    assert zero.json()["progress"] == []
    (x, _) = progress_of(api, "Z")[0]["rules"][0]["actions"]
    assert (x["current"], x["trigger"], x["progress"]) == (0, False, 0)
    assert "start_time" not in x

    api.post("/events", event("Z", "money_deposited", SIGNUP_TIME + 2, amount=100))
    (x, _) = progress_of(api, "Z")[0]["rules"][0]["actions"]
    assert (x["current"], x["trigger"], x["start_time"]) == (100, True, SIGNUP_TIME + 2)
