"""Exactly once under concurrency and faults: events, grants, ledger and the window closer."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.support.api import ApiClient
from tests.support.campaigns import awt_seed_campaign, event, run_window_closer, send_until_done
from tests.support.concurrency import Request, fire_together, send_together
from tests.support.faults import WRITE_OPERATIONS, FaultPlan, every_nth, injecting_faults

CUSTOMERS = [f"buyer-{n}" for n in range(40)]


def counting_campaign(points_after: int) -> dict[str, Any]:
    """One rule that counts every order (never completes) and one that pays after ``points_after`` orders."""
    return {
        "campaign_name": "Orders",
        "rules": [
            {
                "rule_name": "Count",
                "action_type": "RTA",
                "actions": [{"event_name": "order_success", "target": 1e9}],
                "reward": {"type": "points", "points": 1},
            },
            {
                "rule_name": "Pay",
                "action_type": "RTA",
                "actions": [{"event_name": "order_success", "target": points_after}],
                "reward": {"type": "points", "points": 100},
            },
        ],
    }


def counts_of(api: ApiClient, source_id: str) -> tuple[int, int]:
    (campaign,) = api.get("/campaigns/reward-progress", query={"source_id": source_id}).json()
    count_rule, pay_rule = campaign["rules"]
    return count_rule["actions"][0]["current"], pay_rule["actions"][0]["current"]


def assert_ledger_matches_balance(api: ApiClient, source_id: str, expected_balance: int) -> None:
    points = api.get(f"/customers/{source_id}").json()["points"]
    entries = api.get(f"/customers/{source_id}/transactions", query={"limit": "100"}).json()["data"]
    assert points["balance"] == expected_balance
    assert sum(e["points"] for e in entries) == points["balance"] == points["earned"]
    running = 0
    for entry in reversed(entries):
        running += entry["points"]
        assert entry["balance_after"] == running


def test_200_events_and_100_redeliveries_at_once_count_once(api: ApiClient) -> None:
    api.post("/campaigns", counting_campaign(points_after=5))
    deliveries = [(f"key-{n}", event(CUSTOMERS[n % 40], "order_success")) for n in range(200)]
    redeliveries = deliveries[::2]
    requests = [Request("POST", "/events", body, {"Idempotency-Key": key}) for key, body in deliveries + redeliveries]
    responses = send_together(api, requests)

    statuses = Counter(r.status for r in responses)
    assert set(statuses) <= {200, 409, 503}, statuses
    for (key, body), response in zip(deliveries + redeliveries, responses, strict=True):
        send_until_done(api, body, key, first=response)
    for customer in CUSTOMERS:
        assert counts_of(api, customer) == (5, 5)
        assert_ledger_matches_balance(api, customer, 100)


@pytest.mark.parametrize("kind", ["throttle", "lost_response"])
@pytest.mark.parametrize("attempts", [1, None], ids=["sdk-recovers", "fault-reaches-client"])
def test_faults_on_every_third_write_lose_and_double_nothing(api: ApiClient, kind: Any, attempts: int | None) -> None:
    api.post("/campaigns", counting_campaign(points_after=4))
    # The engine's own writes; the idempotency layer's records are exercised by tests/integration/test_faults.py.
    business_writes = lambda call: (  # noqa: E731
        call.operation in WRITE_OPERATIONS and not (call.partition_key or "").startswith("idempotency#")
    )
    with injecting_faults() as injector:
        injector.inject(FaultPlan(kind=kind, when=every_nth(3), attempts=attempts, where=business_writes))
        for n in range(12):
            send_until_done(api, event(CUSTOMERS[n % 2], "order_success"), f"fault-{n}")
        assert injector.injections, "the plan injected no fault"
    for customer in CUSTOMERS[:2]:
        assert counts_of(api, customer) == (6, 4)
        assert_ledger_matches_balance(api, customer, 100)


def test_a_fault_that_outlives_the_sdk_retries_is_a_503_with_retry_after(api: ApiClient) -> None:
    api.post("/campaigns", counting_campaign(points_after=4))
    with injecting_faults() as injector:
        injector.inject(FaultPlan(kind="throttle", where=lambda call: call.operation == "TransactWriteItems"))
        response = api.post("/events", event("c1", "order_success"))
    assert response.status == 503
    body = response.json()
    assert (body["key"], body["code"]) == ("rate_limited", 503)
    assert response.header("Retry-After") == "1"
    assert api.get("/customers/c1").status == 404  # nothing half-written


def test_two_closer_runs_at_once_close_each_window_once(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from shared import clock

    now = {"t": 1_700_000_000}
    monkeypatch.setattr(clock, "now_epoch", lambda: now["t"])
    api.post("/campaigns", awt_seed_campaign(duration=60))
    for n in range(40):
        api.post("/events", event(f"late-{n}", "signup", now["t"]))
    api.post("/events", event("on-time", "signup", now["t"]))
    api.post("/events", event("on-time", "order_success", now["t"] + 30, amount=500))
    now["t"] += 61

    reports = fire_together([run_window_closer, run_window_closer])
    # A run out of time leaves the rest to the next run (on a loaded machine it can): count those too.
    backlog = any(r["backlog_left"] for r in reports)
    while backlog:
        reports.append(run_window_closer())
        backlog = reports[-1]["backlog_left"]
    assert sum(r["closed"] for r in reports) == 40
    assert run_window_closer()["closed"] == 0
    for n in (0, 39):
        (campaign,) = api.get("/campaigns/reward-progress", query={"source_id": f"late-{n}"}).json()
        assert campaign["rules"][0]["actions"][1]["expired"] is True
    (campaign,) = api.get("/campaigns/reward-progress", query={"source_id": "on-time"}).json()
    assert "expired" not in campaign["rules"][0]["actions"][1]
    assert campaign["rules"][0]["actions"][1]["status"] == "completed"


def test_the_closer_reads_only_due_windows(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from shared import clock

    now = {"t": 1_700_000_000}
    monkeypatch.setattr(clock, "now_epoch", lambda: now["t"])
    api.post("/campaigns", awt_seed_campaign(duration=60))
    for n in range(5):
        api.post("/events", event(f"soon-{n}", "signup", now["t"]))
    for n in range(7):
        api.post("/events", event(f"later-{n}", "signup", now["t"] + 600))
    now["t"] += 61
    report = run_window_closer()
    assert (report["closed"], report["windows_read"]) == (5, 5)


def test_concurrent_requests_of_two_applications_stay_in_their_tenant(api: ApiClient, other_api: ApiClient) -> None:
    """The in-process runner serves requests on threads: each must see only its own caller."""
    calls = [
        (lambda n=n: (api if n % 2 else other_api).put("/customers/shared-id", {"tags": [f"t{n}"]})) for n in range(20)
    ]
    fire_together(calls)
    mine, theirs = api.get("/customers/shared-id").json(), other_api.get("/customers/shared-id").json()
    assert mine["id"] != theirs["id"]
    assert int(mine["tags"][0][1:]) % 2 == 1
    assert int(theirs["tags"][0][1:]) % 2 == 0
