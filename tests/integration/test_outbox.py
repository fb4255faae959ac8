"""The outbox: every committed change is announced once on the EventBridge bus, from the table's
stream, with ids derived from the change; a failed change announces nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rewards_cli.outbox import LocalOutbox, matches
from rewards_cli.template import load
from shared.clock import iso_from_epoch_ms
from shared.domain.outbox import events_of
from shared.messaging import EVENT_SOURCE
from shared.storage.stream import item_change
from tests.support.api import ApiClient
from tests.support.campaigns import awt_seed_campaign, event, rta_seed_campaign, run_window_closer
from tests.support.coupons import create_coupon, customer, order_body, simple_coupon
from tests.support.faults import FaultPlan, injecting_faults
from tests.support.outbox import BusTap, stream_records
from tests.support.rewards import SEED_002_MATERIAL, create_reward, customer_path, give_points

SIGNUP_TIME = 1_708_664_771
KYC = "complete_KYC_Verification"


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    from shared import clock

    now = {"t": SIGNUP_TIME + 16}
    monkeypatch.setattr(clock, "now_epoch", lambda: now["t"])
    return now


def test_a_new_customer_is_announced_once_and_an_update_not_at_all(api: ApiClient, bus: BusTap) -> None:
    created = api.put("/customers/KMN@123", {"name": "Krish", "email": "krish@example.com", "tier": "SILVER"})
    assert created.status == 201

    (announced,) = bus.read()
    assert (announced.source, announced.detail_type, announced.type) == (
        EVENT_SOURCE,
        "customer.created",
        "customer.created",
    )
    assert announced.envelope["app_id"] == api.credentials.app_id
    assert announced.id.startswith("evt_")
    assert len(announced.id) == 25
    assert announced.data == {
        "source_id": "KMN@123",
        "customer_id": created.json()["id"],
        "created_at": created.json()["created_at"],
        "name": "Krish",
        "email": "krish@example.com",
        "tier": "SILVER",
    }
    assert announced.envelope["created_at"] == created.json()["created_at"]

    assert api.put("/customers/KMN@123", {"name": "Krish K"}).status == 200
    assert bus.read() == []


def test_completing_a_rule_announces_the_completion_with_its_reward_and_the_credit(api: ApiClient, bus: BusTap) -> None:
    campaign = api.post("/campaigns", rta_seed_campaign()).json()
    bus.read()
    rule = next(r for r in campaign["rules"] if r["rule_name"] == "Rule 2")

    answer = api.post("/events", event("KMN@123", KYC)).json()

    announced = {a.type: a for a in bus.read()}
    assert sorted(announced) == ["customer.created", "points.credited", "rule.completed"]
    (grant,) = answer["rewards"]
    transaction_id = api.get("/customers/KMN@123/transactions").json()["data"][0]["id"]
    assert announced["rule.completed"].data == {
        "source_id": "KMN@123",
        "campaign_id": campaign["campaign_id"],
        "rule_id": rule["rule_id"],
        "completed_at": iso_from_epoch_ms(answer["timestamp"] * 1000),
        "reward": {"type": "points", "points": 100, "transaction_id": transaction_id},
    }
    assert announced["points.credited"].data == {
        "source_id": "KMN@123",
        "transaction_id": transaction_id,
        "points": 100,
        "balance_after": 100,
        "pending_points": 0,
        "pending_after": 0,
        "reason": "rule_completion",
        "campaign_id": campaign["campaign_id"],
        "rule_id": rule["rule_id"],
        "event_name": KYC,
        "description": "Real time action campaign: Rule 2",
    }
    assert grant["points"] == 100


def test_progress_that_completes_nothing_announces_nothing(api: ApiClient, bus: BusTap) -> None:
    api.post("/campaigns", rta_seed_campaign())
    api.put("/customers/KMN@123", {"name": "Krish"})
    bus.read()

    api.post("/events", event("KMN@123", "money_deposited", amount=500))
    api.post("/events", event("KMN@123", "order_success"))  # Rule 1 still needs 500 more deposited

    assert bus.read() == []
    api.post("/events", event("KMN@123", "money_deposited", amount=500))
    assert bus.types() == ["points.credited", "rule.completed"]


def test_an_expired_window_is_announced_once(api: ApiClient, bus: BusTap, frozen_now: dict[str, int]) -> None:
    campaign = api.post("/campaigns", awt_seed_campaign()).json()
    api.post("/events", event("B", "signup", SIGNUP_TIME))
    bus.read()
    frozen_now["t"] = SIGNUP_TIME + 172800 + 60

    assert run_window_closer()["closed"] == 1
    assert run_window_closer()["closed"] == 0

    (expired,) = bus.read()
    assert expired.type == "window.expired"
    assert expired.data == {
        "source_id": "B",
        "campaign_id": campaign["campaign_id"],
        "rule_id": campaign["rules"][0]["rule_id"],
        "started_at": iso_from_epoch_ms(SIGNUP_TIME * 1000),
        "ended_at": iso_from_epoch_ms((SIGNUP_TIME + 172800) * 1000),
    }


def test_a_rejected_request_announces_nothing(api: ApiClient, bus: BusTap) -> None:
    api.post("/campaigns", rta_seed_campaign())
    bus.read()

    assert api.post("/events", {"source_id": "KMN@123", "event_name": KYC, "timestamp": "soon"}).status == 400
    assert api.put("/customers/KMN@123", {"email": "not an email"}).status == 400

    assert bus.read() == []


def test_a_transaction_that_failed_announces_nothing(api: ApiClient, bus: BusTap) -> None:
    api.post("/campaigns", rta_seed_campaign())
    api.put("/customers/KMN@123", {"name": "Krish"})
    bus.read()

    with injecting_faults() as faults:
        faults.inject(FaultPlan("throttle", where=lambda call: call.operation == "TransactWriteItems"))
        assert api.post("/events", event("KMN@123", KYC)).status == 503

    assert bus.read() == []
    assert api.get("/customers/KMN@123").json()["points"]["balance"] == 0


def test_a_retried_request_is_announced_once(api: ApiClient, bus: BusTap) -> None:
    """The write lands but its response is lost: the client retries with its Idempotency-Key and the
    engine finds its own marker. One completion, one credit, one announcement each."""
    api.post("/campaigns", rta_seed_campaign())
    api.put("/customers/KMN@123", {"name": "Krish"})
    bus.read()
    headers = {"Idempotency-Key": "order-1"}

    with injecting_faults() as faults:
        faults.inject(FaultPlan("lost_response", where=lambda call: call.operation == "TransactWriteItems"))
        first = api.post("/events", event("KMN@123", KYC), headers=headers)
    retried = api.post("/events", event("KMN@123", KYC), headers=headers)
    again = api.post("/events", event("KMN@123", KYC), headers=headers)

    assert faults.injections, "the response was lost at least once"
    assert first.status in (200, 503)  # the engine's own retry may already find its marker
    assert (retried.status, again.status) == (200, 200)
    assert bus.types() == ["points.credited", "rule.completed"]
    assert api.get("/customers/KMN@123").json()["points"]["balance"] == 100


def _publish(outbox: LocalOutbox, records: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = outbox.pool.invoke(outbox.publisher, {"Records": records})
    return result


def test_a_redelivered_stream_batch_keeps_every_event_id(api: ApiClient, bus: BusTap, outbox: LocalOutbox) -> None:
    api.post("/campaigns", rta_seed_campaign())
    api.post("/events", event("KMN@123", KYC))
    first = {a.type: a.id for a in bus.read()}

    # Lambda hands the publisher the same records again (a retry after a timeout, a bisected batch).
    assert _publish(outbox, stream_records()) == {"batchItemFailures": []}
    again = {a.type: a.id for a in bus.read()}

    assert again == first
    assert len(set(first.values())) == 3


def test_a_batch_the_bus_refuses_in_part_resumes_from_the_first_refused_record(
    api: ApiClient, bus: BusTap, outbox: LocalOutbox
) -> None:
    api.post("/campaigns", rta_seed_campaign())
    bus.read()
    api.post("/events", event("A", KYC))
    api.post("/events", event("B", KYC))
    records = [r for r in stream_records() if (c := item_change(r)) and events_of(c)]
    assert len(records) == 6  # per customer: created, completed, credited

    with injecting_faults() as faults:
        faults.inject(FaultPlan("throttle", where=lambda call: call.operation == "PutEvents"))
        refused = _publish(outbox, records)
    resumed = _publish(outbox, records[3:])

    assert refused == {"batchItemFailures": [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]}
    assert resumed == {"batchItemFailures": []}
    announced = bus.read()
    expected = {e.id for r in records for e in events_of(item_change(r))}  # type: ignore[arg-type]
    assert {a.id for a in announced} >= {e.id for r in records[3:] for e in events_of(item_change(r))}  # type: ignore[arg-type]
    assert {a.id for a in announced} <= expected


def test_the_stream_filter_lets_through_exactly_the_records_that_announce_something(
    api: ApiClient, bus: BusTap
) -> None:
    """template.yaml's FilterCriteria keep the publisher from running for the many writes that announce
    nothing; they must never drop one that does."""
    filters = load().functions["OutboxPublisherFunction"].stream_filters or []
    api.post("/campaigns", rta_seed_campaign())
    api.post("/campaigns", awt_seed_campaign())
    api.put("/customers/A", {"name": "A"})
    api.put("/customers/A", {"name": "A2"})
    for name, properties in [("money_deposited", {"amount": 1000}), ("order_success", {}), (KYC, {}), ("signup", {})]:
        api.post("/events", event("A", name, **properties))
    api.post("/webhooks", {"url": "https://93.184.215.14/hooks", "events": ["*"]})

    records = stream_records()
    announcing = [r for r in records if (change := item_change(r)) and events_of(change)]
    passing = [r for r in records if any(matches(f, r) for f in filters)]

    assert len(announcing) == 5  # created; both RTA rules completed and credited (the AWT only opened)
    assert passing == announcing
    assert len(records) > 2 * len(announcing)


def test_every_event_type_is_in_the_catalogue_and_the_openapi_webhooks() -> None:
    from rewards_cli.openapi import SPEC_PATH
    from shared.domain.domain_events import DATA_MODELS, DESCRIPTIONS, ENVELOPES
    from shared.domain.event_types import EVENT_TYPES

    assert set(DATA_MODELS) == set(DESCRIPTIONS) == set(ENVELOPES) == set(EVENT_TYPES)
    assert len(EVENT_TYPES) == 17
    documented = json.loads(SPEC_PATH.read_text())["webhooks"]
    assert set(documented) == set(EVENT_TYPES)
    operation_ids = {documented[kind]["post"]["operationId"] for kind in EVENT_TYPES}
    assert len(operation_ids) == len(EVENT_TYPES)


def test_the_bus_carries_the_envelope_as_detail(api: ApiClient, bus: BusTap) -> None:
    api.put("/customers/KMN@123", {"name": "Krish"})
    (announced,) = bus.read()
    assert set(announced.envelope) == {"id", "type", "created_at", "app_id", "data"}
    json.dumps(announced.envelope)


def test_no_request_path_calls_the_bus_or_the_queue(api: ApiClient, bus: BusTap) -> None:
    """Announcing costs the API nothing: only the stream's publisher puts events or queues deliveries."""
    with injecting_faults() as recorded:
        api.post("/webhooks", {"url": "https://93.184.215.14/hooks", "events": ["*"]})
        api.post("/campaigns", rta_seed_campaign())
        api.put("/customers/KMN@123", {"name": "Krish"})
        api.post("/events", event("KMN@123", KYC), headers={"Idempotency-Key": "k-1"})
        api.get("/webhooks")
    operations = {call.operation for call in recorded.calls}

    assert "TransactWriteItems" in operations  # the recorder sees the API's calls
    assert not operations & {"PutEvents", "SendMessage", "SendMessageBatch"}
    assert bus.types() == ["customer.created", "points.credited", "rule.completed"]


def test_a_coupon_use_and_its_revert_are_announced_once_each(api: ApiClient, bus: BusTap) -> None:
    coupon = create_coupon(api, simple_coupon("ONCE10", usage_limit=1))
    customer(api, "krish123")
    body = order_body(coupon["coupon_id"], "ONCE10", order_id="ord-1")
    bus.read()

    assert api.post("/coupons/apply?type=redeem", body).status == 200
    assert api.post("/coupons/apply?type=redeem", body).status == 200  # the same order again: its first answer
    refused = api.post("/coupons/apply?type=redeem", order_body(coupon["coupon_id"], "ONCE10", order_id="ord-2"))
    assert refused.status == 400  # the one use is taken: nothing changed, nothing announced
    (redeemed,) = bus.read()
    assert api.post("/coupons/apply?type=revert", body).status == 200
    assert api.post("/coupons/apply?type=revert", body).status == 200  # a second revert changes nothing
    (reverted,) = bus.read()
    assert api.post("/coupons/apply?type=redeem", body).status == 200
    (redeemed_again,) = bus.read()

    assert [e.type for e in (redeemed, reverted, redeemed_again)] == ["coupon.redeemed", "coupon.reverted",
                                                                      "coupon.redeemed"]  # fmt: skip
    assert redeemed.data == {"coupon_id": coupon["coupon_id"], "coupon_code": "ONCE10", "order_id": "ord-1",
                             "source_id": "krish123", "discount": 10}  # fmt: skip
    assert reverted.data == redeemed.data
    assert len({redeemed.id, reverted.id, redeemed_again.id}) == 3, "each use and revert is its own change"


def test_a_reward_redemption_and_its_cancellation_are_announced_once_each(api: ApiClient, bus: BusTap) -> None:
    give_points(api, "kim", 1200)
    reward_id = create_reward(api, {**SEED_002_MATERIAL, "points_to_be_redeemed": 500})
    bus.read()

    redeemed = api.post(f"{customer_path('kim')}/rewards/{reward_id}/redeem", {})
    assert redeemed.status == 201, redeemed.body
    redemption_id = redeemed.json()["id"]
    cancel = f"{customer_path('kim')}/rewards/redemptions/{redemption_id}/cancel"
    announced_redeem = [e for e in bus.read() if e.type.startswith("reward.")]
    assert api.post(cancel).status == 200
    assert api.post(cancel).status in (200, 409)  # cancelled once: a second cancel changes nothing
    announced_cancel = [e for e in bus.read() if e.type.startswith("reward.")]

    (redeemed_event,) = announced_redeem
    (cancelled_event,) = announced_cancel
    assert redeemed_event.type == "reward.redeemed"
    assert redeemed_event.data["redemption_id"] == redemption_id
    assert (redeemed_event.data["reward_id"], redeemed_event.data["points"]) == (reward_id, 500)
    assert cancelled_event.type == "reward.redemption_cancelled"
    assert cancelled_event.data["transaction_id"] != redeemed_event.data["transaction_id"]  # the refund credit
    assert redeemed_event.id != cancelled_event.id
