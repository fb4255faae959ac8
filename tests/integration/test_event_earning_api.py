"""Earning rules on events sent to POST /events (issue 25): each rule listens to one event name and grants
on every event of it (fixed points, or per a property's value), once per delivery, within its caps and
budget however many events race, and the balance stays the ledger's sum."""

from __future__ import annotations

from typing import Any

import pytest

from rewards_cli.gateway import HttpResponse
from shared import clock
from shared.domain import events
from shared.domain.events import CustomerEvent
from shared.storage import keys
from tests.integration.test_orders_api import assert_balance_is_the_ledger_sum, balance, rule
from tests.support.api import ApiClient
from tests.support.campaigns import event, send_until_done
from tests.support.concurrency import Request, send_together
from tests.support.faults import DynamoCall, FaultKind, FaultPlan, injecting_faults
from tests.support.partition_reads import partition_reads
from tests.support.points import freeze_clock, transactions
from tests.support.rewards import customer_path
from tests.support.tiers import set_program

REVIEW_RULE: dict[str, Any] = {"name": "50 per review", "event_name": "review_written", "earn": {"points": 50}}
TOPUP_RULE: dict[str, Any] = {
    "name": "1 point per 1.00 topped up",
    "event_name": "wallet_topup",
    "earn": {"points": 1, "per": 1, "of": "properties.amount", "rounding": "down"},
}


def is_transaction(call: DynamoCall) -> bool:
    return call.operation == "TransactWriteItems"


def send(api: ApiClient, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    response = api.post("/events", body, headers={"Idempotency-Key": key} if key else None)
    assert response.status == 200, response.body
    answer: dict[str, Any] = response.json()
    return answer


def test_a_fixed_rule_credits_50_on_each_of_its_events_and_nothing_on_another(api: ApiClient) -> None:
    rule_id = rule(api, REVIEW_RULE)
    assert send(api, event("KMN@1", "review_written"))["customer_created"] is True  # its credit created the customer
    send(api, event("KMN@1", "review_written"))
    send(api, event("KMN@1", "page_viewed"))
    send(api, event("KMN@1", "order"))  # an order's rules earn with POST /orders only
    assert assert_balance_is_the_ledger_sum(api, "KMN@1") == 100
    entries = transactions(api, "KMN@1")
    assert [(e["points"], e["reason"], e["rule_id"], e["event_name"]) for e in entries] == [
        (50, "event_earning", rule_id, "review_written")
    ] * 2


def test_a_property_rule_credits_the_rounded_amount_and_nothing_without_it(api: ApiClient) -> None:
    rule(api, TOPUP_RULE)
    send(api, event("KMN@2", "wallet_topup", amount=123.99))
    send(api, event("KMN@2", "wallet_topup", amount=0.99))  # rounds down to 0: no entry
    send(api, event("KMN@2", "wallet_topup", amount="12"))  # no number
    send(api, event("KMN@2", "wallet_topup"))
    assert assert_balance_is_the_ledger_sum(api, "KMN@2") == 123
    assert [e["points"] for e in transactions(api, "KMN@2")] == [123]


def test_a_rule_created_then_made_inactive_earns_from_its_creation_until_then(api: ApiClient) -> None:
    send(api, event("KMN@3", "review_written"))  # no rule yet (and this container has read the rules)
    rule_id = rule(api, REVIEW_RULE)
    send(api, event("KMN@3", "review_written"))
    assert api.patch(f"/earning-rules/{rule_id}", {"status": "inactive"}).status == 200
    send(api, event("KMN@3", "review_written"))
    assert assert_balance_is_the_ledger_sum(api, "KMN@3") == 50


def test_a_rule_deleted_stops_earning_at_once_though_this_container_had_read_it(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch)  # within the copy's 5 seconds: only the delete itself makes the rules read again
    rule_id = rule(api, REVIEW_RULE)
    send(api, event("KMN@9", "review_written"))
    assert api.delete(f"/earning-rules/{rule_id}").status == 204
    send(api, event("KMN@9", "review_written"))
    assert assert_balance_is_the_ledger_sum(api, "KMN@9") == 50


def test_the_same_event_twice_with_one_idempotency_key_credits_once(api: ApiClient) -> None:
    rule(api, REVIEW_RULE)
    body = event("KMN@4", "review_written")
    send(api, body, key="review-1")
    send(api, body, key="review-1")
    send(api, body, key="review-2")
    assert assert_balance_is_the_ledger_sum(api, "KMN@4") == 100


def test_a_delivery_retried_past_the_api_is_credited_once(api: ApiClient) -> None:
    """A retry whose first answer was lost (the API kept no answer): the delivery's marker holds."""
    rule(api, REVIEW_RULE)
    app_id = api.credentials.app_id
    delivered = CustomerEvent("KMN@5", "review_written", None, {})
    events.ingest_event(app_id, delivered, delivery_id="lost-answer")
    events.ingest_event(app_id, delivered, delivery_id="lost-answer")
    assert assert_balance_is_the_ledger_sum(api, "KMN@5") == 50


def test_a_budget_of_2_grants_exactly_2_under_5_concurrent_events(api: ApiClient) -> None:
    rule(api, {**REVIEW_RULE, "limits": {"budget": 100}})
    customers = [f"RACE@{n}" for n in range(5)]
    responses = send_together(api, [Request("POST", "/events", event(c, "review_written")) for c in customers])
    assert [r.status for r in responses] == [200] * 5
    assert sorted(assert_balance_is_the_ledger_sum(api, c) for c in customers) == [0, 0, 0, 50, 50]
    assert api.get("/earning-rules").json()["data"][0]["budget_left"] == 0


def test_concurrent_events_of_one_customer_credit_each_once_within_the_daily_cap(api: ApiClient) -> None:
    rule(api, {**REVIEW_RULE, "limits": {"per_customer": {"points": 100, "period": "day"}}})
    responses = send_together(api, [Request("POST", "/events", event("KMN@6", "review_written"))] * 3)
    assert [r.status for r in responses] == [200] * 3
    assert assert_balance_is_the_ledger_sum(api, "KMN@6") == 100  # the cap's 100 is reached, not passed
    assert balance(api, "KMN@6") == 100


def assert_400_naming(response: HttpResponse, field: str) -> None:
    assert response.status == 400, response.body
    assert response.json()["details"].startswith(f"{field}:"), response.body


def test_a_rule_on_another_event_names_a_property_not_items(api: ApiClient) -> None:
    assert_400_naming(api.post("/earning-rules", {**REVIEW_RULE, "earn": {"points": 1, "per": 1}}), "earn.of")
    matching = {**REVIEW_RULE, "items": {"match": [{"field": "sku", "operator": "eq", "value": "TV-1"}]}}
    assert_400_naming(api.post("/earning-rules", matching), "items")
    rule_id = rule(api, REVIEW_RULE)
    assert_400_naming(api.patch(f"/earning-rules/{rule_id}", {"items": matching["items"]}), "items")
    assert api.get("/earning-rules").json()["data"][0]["items"] == {"match": [], "exclude": []}


def test_a_gold_members_event_credit_is_multiplied_by_1_5_and_says_so(api: ApiClient) -> None:
    set_program(api)
    api.put(customer_path("KMN@7"), {"name": "Kim"})
    until = clock.iso_from_epoch_ms(clock.now_epoch_ms() + 30 * 86_400_000)
    assert api.put(f"{customer_path('KMN@7')}/tier", {"name": "Gold", "until": until}).status == 200
    rule(api, {**REVIEW_RULE, "earn": {"points": 51}})
    send(api, event("KMN@7", "review_written"))
    assert assert_balance_is_the_ledger_sum(api, "KMN@7") == 76  # 51 x 1.5 = 76.5, rounded down
    assert transactions(api, "KMN@7")[0]["description"] == "50 per review: review_written (Gold tier x1.5)"


def test_events_read_the_rules_from_the_containers_copy(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch)  # within the copy's 5 seconds
    rule(api, REVIEW_RULE)
    send(api, event("KMN@8", "page_viewed"))  # this container reads the rules once
    with partition_reads(monkeypatch) as charged:
        for _ in range(3):
            send(api, event("KMN@8", "page_viewed"))
        send(api, event("KMN@8", "review_written"))
    assert charged, "the probe sees the requests' reads"
    assert keys.earning_rules_partition(api.credentials.app_id) not in charged, charged
    assert assert_balance_is_the_ledger_sum(api, "KMN@8") == 50


@pytest.mark.parametrize("kind", ["throttle", "lost_response", "crash"])
def test_faults_after_the_credit_then_a_retry_with_the_key_credit_once(api: ApiClient, kind: FaultKind) -> None:
    """The credit lands, the campaigns' part of the event fails (its write is the second transaction); what
    the SDK or the client retries completes the campaigns' part and credits nothing again."""
    rule(api, REVIEW_RULE)
    campaign = {
        "rule_name": "First review",
        "action_type": "RTA",
        "actions": [{"event_name": "review_written", "target": 1}],
    }
    body = {"campaign_name": "Reviews", "rules": [{**campaign, "reward": {"type": "points", "points": 10}}]}
    assert api.post("/campaigns", body).status == 201
    api.put(customer_path("KMN@9"), {"name": "Kim"})
    with injecting_faults() as injector:
        injector.inject(FaultPlan(kind=kind, when=lambda n: n >= 2, where=is_transaction))
        failed = api.post("/events", event("KMN@9", "review_written"), headers={"Idempotency-Key": "k"})
        assert injector.injections
    if kind == "crash":  # the function died after its writes: the client retries
        assert failed.status >= 500, failed.body
    send_until_done(api, event("KMN@9", "review_written"), "k", first=failed)
    assert assert_balance_is_the_ledger_sum(api, "KMN@9") == 60
