"""Ingestion at merchant scale: any number of rules per event, written several transactions per event,
each rule exactly once on its own, through faults between those writes and concurrent events."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from rewards_cli.gateway import HttpResponse
from shared.api.idempotency_store import COMPRESS_FROM_BYTES
from shared.domain.campaigns import MAX_ACTIVE_RULES_PER_EVENT_NAME
from tests.support.api import ApiClient
from tests.support.campaigns import event, ledger, send_until_done
from tests.support.concurrency import Request, send_together
from tests.support.faults import DynamoCall, FaultKind, FaultPlan, injecting_faults

RULES_PER_CAMPAIGN = 20  # the API's cap per campaign


def rule(name: str, points: int, target: int = 1, event_name: str = "order_success") -> dict[str, Any]:
    return {
        "rule_name": name,
        "action_type": "RTA",
        "actions": [{"event_name": event_name, "target": target}],
        "reward": {"type": "points", "points": points},
    }


def create_rules(api: ApiClient, rules: list[dict[str, Any]], status: str = "active") -> list[str]:
    """Campaigns of up to 20 of ``rules`` each; their ids."""
    ids = []
    for start in range(0, len(rules), RULES_PER_CAMPAIGN):
        body = {"campaign_name": f"Campaign {start}", "status": status, "rules": rules[start : start + 20]}
        response = api.post("/campaigns", body)
        assert response.status == 201, response.body
        ids.append(response.json()["campaign_id"])
    return ids


def assert_ledger_is_the_balance(api: ApiClient, source_id: str, expected_balance: int) -> list[dict[str, Any]]:
    points = api.get(f"/customers/{source_id}").json()["points"]
    entries = ledger(api, source_id)
    assert points["balance"] == points["earned"] == expected_balance == sum(e["points"] for e in entries)
    running = 0
    for entry in reversed(entries):
        running += entry["points"]
        assert entry["balance_after"] == running
    return entries


def test_500_rules_on_one_event_credit_500_exactly_once(api: ApiClient) -> None:
    create_rules(api, [rule(f"Rule {n}", points=1) for n in range(500)])
    body = event("big-spender", "order_success")

    first = api.post("/events", body, headers={"Idempotency-Key": "order-1"})
    assert first.status == 200, first.body
    answer = first.json()
    assert len(answer["progress"]) == len(answer["rewards"]) == 500
    assert {change["status"] for change in answer["progress"]} == {"completed"}
    assert len({reward["rule_id"] for reward in answer["rewards"]}) == 500
    entries = assert_ledger_is_the_balance(api, "big-spender", 500)
    assert len({entry["rule_id"] for entry in entries}) == 500

    assert len(first.body) > COMPRESS_FROM_BYTES  # replayed below from a compressed record
    again = api.post("/events", body, headers={"Idempotency-Key": "order-1"})
    assert (again.status, again.json()) == (200, answer)
    assert again.header("Idempotent-Replayed") == "true"
    unkeyed = api.post("/events", body).json()
    assert (unkeyed["progress"], unkeyed["rewards"]) == ([], [])
    assert_ledger_is_the_balance(api, "big-spender", 500)

    progress = api.get("/campaigns/reward-progress", query={"source_id": "big-spender"}).json()
    statuses = Counter(r["actions"][0]["status"] for campaign in progress for r in campaign["rules"])
    assert statuses == {"completed": 500}


def test_ten_rules_completed_by_one_event_list_newest_first(api: ApiClient) -> None:
    create_rules(api, [rule(f"Rule {n}", points=n) for n in range(1, 11)])
    api.post("/events", event("c1", "order_success"))
    entries = assert_ledger_is_the_balance(api, "c1", 55)
    balances = [entry["balance_after"] for entry in entries]
    assert balances == sorted(balances, reverse=True)
    assert len(set(balances)) == 10


def test_a_second_event_lists_after_the_first_even_when_the_clock_is_behind(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_rules(api, [rule("First", points=1), rule("Second", points=2, target=2)])
    api.post("/events", event("c1", "order_success"))
    real = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real() - 3_600 * 10**9)  # another container, an hour behind
    api.post("/events", event("c1", "order_success"))
    entries = assert_ledger_is_the_balance(api, "c1", 3)
    assert [entry["points"] for entry in entries] == [2, 1]
    assert entries[0]["created_at"] >= entries[1]["created_at"]


HUNDRED_RULES = [rule(f"Rule {n}", points=n + 1) for n in range(100)]
HUNDRED_POINTS = sum(range(1, 101))


def is_transaction(call: DynamoCall) -> bool:
    return call.operation == "TransactWriteItems"


@pytest.fixture
def hundred_rules(api: ApiClient) -> Iterator[None]:
    create_rules(api, HUNDRED_RULES)
    yield
    (campaign, *_) = api.get("/campaigns/reward-progress", query={"source_id": "c1"}).json()
    assert {r["actions"][0]["status"] for r in campaign["rules"]} == {"completed"}
    entries = assert_ledger_is_the_balance(api, "c1", HUNDRED_POINTS)
    assert sorted(entry["points"] for entry in entries) == list(range(1, 101))


def assert_complete_answer(response: HttpResponse) -> None:
    assert response.status == 200, response.body
    answer = response.json()
    assert len(answer["progress"]) == 100
    assert sorted(reward["points"] for reward in answer["rewards"]) == list(range(1, 101))


@pytest.mark.parametrize("kind", ["throttle", "lost_response", "crash"])
def test_a_fault_on_one_write_of_an_event_is_absorbed(api: ApiClient, hundred_rules: None, kind: FaultKind) -> None:
    """100 granting rules take 4 transactions; the second one fails (every SDK attempt of it)."""
    with injecting_faults() as injector:
        injector.inject(FaultPlan(kind=kind, when=lambda n: n == 2, where=is_transaction))
        response = api.post("/events", event("c1", "order_success"), headers={"Idempotency-Key": "k"})
        assert injector.injections
    if kind == "crash":  # the function died: the client retries
        assert response.status >= 500
        response = send_until_done(api, event("c1", "order_success"), "k")
    assert_complete_answer(response)


@pytest.mark.parametrize("kind", ["throttle", "lost_response", "crash"])
def test_faults_between_the_writes_of_one_event_then_a_retry_lose_and_double_nothing(
    api: ApiClient, hundred_rules: None, kind: FaultKind
) -> None:
    with injecting_faults() as injector:
        injector.inject(FaultPlan(kind=kind, when=lambda n: n >= 2, where=is_transaction))
        failed = api.post("/events", event("c1", "order_success"), headers={"Idempotency-Key": "k"})
    assert failed.status in (500, 503), failed.body
    assert b"Traceback" not in failed.body
    applied = api.get("/customers/c1").json()["points"]["balance"]
    # Whole rules landed: the first write, and for lost responses every write (applied, answer lost).
    assert 0 < applied <= HUNDRED_POINTS if kind == "lost_response" else 0 < applied < HUNDRED_POINTS
    assert_complete_answer(send_until_done(api, event("c1", "order_success"), "k"))


def test_without_a_key_a_partly_applied_event_names_the_key_that_completes_it(
    api: ApiClient, hundred_rules: None
) -> None:
    with injecting_faults() as injector:
        injector.inject(FaultPlan(kind="throttle", when=lambda n: n >= 2, where=is_transaction))
        failed = api.post("/events", event("c1", "order_success"))
    assert failed.status == 503
    details = failed.json()["details"]
    assert "Idempotency-Key: dlv_" in details
    key = details.rsplit(" ", 1)[-1]
    assert_complete_answer(send_until_done(api, event("c1", "order_success"), key))


def test_concurrent_events_of_one_customer_across_many_rules_keep_the_ledger_exact(api: ApiClient) -> None:
    """40 rules of targets 1 to 5 on every order; 8 orders at once, with redeliveries of each."""
    rules = [rule(f"Rule {n}", points=n + 1, target=n % 5 + 1) for n in range(40)]
    create_rules(api, rules)
    deliveries = [(f"order-{n}", event("c1", "order_success")) for n in range(8)]
    requests = [Request("POST", "/events", body, {"Idempotency-Key": key}) for key, body in deliveries * 2]
    responses = send_together(api, requests)
    assert {r.status for r in responses} <= {200, 409, 503}
    for (key, body), response in zip(deliveries * 2, responses, strict=True):
        send_until_done(api, body, key, first=response)
    (first, second) = api.get("/campaigns/reward-progress", query={"source_id": "c1"}).json()
    assert [r["actions"][0]["current"] for r in first["rules"] + second["rules"]] == [n % 5 + 1 for n in range(40)]
    entries = assert_ledger_is_the_balance(api, "c1", sum(range(1, 41)))
    assert len(entries) == 40


def test_active_rules_per_event_name_are_capped_at_create_and_activate(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.domain import campaigns

    monkeypatch.setattr(campaigns, "MAX_ACTIVE_RULES_PER_EVENT_NAME", 30)
    create_rules(api, [rule(f"Rule {n}", points=1) for n in range(20)])
    paused = create_rules(api, [rule(f"Paused {n}", points=1) for n in range(10)], status="paused")[0]
    # 20 active + 10 = 30: exactly at the cap.
    assert api.patch(f"/campaigns/{paused}", {"status": "active"}).status == 200
    over = api.post("/campaigns", {"campaign_name": "One more", "rules": [rule("Over", points=1)]})
    assert over.status == 400
    assert over.json()["details"].startswith("rules: event order_success already has 30 rules in active campaigns")
    other_event = {"campaign_name": "Elsewhere", "rules": [rule("Signup", points=1, event_name="signup")]}
    assert api.post("/campaigns", other_event).status == 201
    assert api.patch(f"/campaigns/{paused}", {"status": "paused"}).status == 200
    created = api.post("/campaigns", {"campaign_name": "Fits again", "rules": [rule("Fits", points=1)]})
    assert created.status == 201
    again = api.patch(f"/campaigns/{paused}", {"status": "active"})
    assert again.status == 400
    assert "at most 30 per event name" in again.json()["details"]


def test_the_cap_is_high() -> None:
    assert MAX_ACTIVE_RULES_PER_EVENT_NAME >= 1000


def test_entries_written_before_the_sequence_stay_readable_and_in_order(api: ApiClient) -> None:
    """A customer whose ledger predates sequences: its profile has no head, its entries are keyed
    ``TXN#<ms>#<txn_id>``; new entries list before them, and the balance stays the ledger's sum."""
    from shared.storage import dynamodb, keys

    app_id = api.credentials.app_id
    partition = keys.customer_partition(app_id, "old-timer")
    api.put("/customers/old-timer", {"name": "Old timer"})
    dynamodb.update_item(
        keys.customer(app_id, "old-timer"),
        dynamodb.Expression("SET points_balance = :p, points_earned = :p", values={":p": 7}),
    )
    dynamodb.put_item(
        {
            keys.PK: partition,
            keys.SK: f"{keys.TRANSACTION_SK_PREFIX}{1_700_000_000_000:013d}#txn_legacy",
            "type": "ledger_entry",
            "txn_id": "txn_legacy",
            "source_id": "old-timer",
            "points": 7,
            "balance_after": 7,
            "reason": "adjustment",
            "created_at": "2023-11-14T22:13:20.000Z",
            "created_ms": 1_700_000_000_000,
        }
    )
    create_rules(api, [rule("First", points=1), rule("Second", points=2)])
    api.post("/events", event("old-timer", "order_success"))
    entries = assert_ledger_is_the_balance(api, "old-timer", 10)
    balances = [entry["balance_after"] for entry in entries]
    assert (balances[0], balances[-1]) == (10, 7)
    assert balances == sorted(set(balances), reverse=True)
    assert entries[-1]["id"] == "txn_legacy"
