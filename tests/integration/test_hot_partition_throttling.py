"""A hot partition that throttles is survivable (issue 24): DynamoDB throttles one partition while the
table has room, reported as ``ProvisionedThroughputExceededException`` (provisioned), or
``ThrottlingException`` and, inside a transaction, a cancellation whose reason is ``ThrottlingError``
(on-demand). For every hot path and every partition it touches, throttled beyond the SDK's retries:

- the answer is the 503 ``rate_limited`` with ``Retry-After`` and the one error body;
- the store is exactly as before (no partial item, no idempotency claim left in progress) and the
  outbox announces nothing;
- the client's retry (the same ``Idempotency-Key`` where the route takes one) gets the answer one
  fault-free request gets, and leaves its state and announcements: the effect applied exactly once.

Partitions are named by pattern (``HOT_PARTITIONS``), not by exact key, so that the tests hold while
the definitions' cache and the counters' shards move them: a request that no longer touches a pattern
is reported as skipped, and the patterns themselves are checked against the keys module below.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from rewards_cli.outbox import LocalOutbox
from rewards_cli.webhook_listener import WebhookListener
from shared.storage import keys
from tests.support.api import ApiClient
from tests.support.faults import (
    WRITE_OPERATIONS,
    DynamoCall,
    FaultInjector,
    FaultKind,
    FaultPlan,
    at,
    injecting_faults,
    touching,
)
from tests.support.outbox import BusTap
from tests.support.store_outages import (
    COUPON_VALIDATION,
    POINTS_CREDIT,
    PROGRESS_READ,
    SCENARIOS,
    UNLIMITED_COUPON_REDEEM,
    Runner,
    Scenario,
    assert_store_outage_answer,
    first_difference,
    normalized,
    retrying,
    stored_items,
    upsert_customer,
)

# The ways DynamoDB reports a throttled partition (tests/support/faults.py).
THROTTLES: list[FaultKind] = ["throttle", "throttled_transaction"]

HOT_PARTITIONS = {
    "event rules": r"#EVENT#",  # an event name's definition and the rules on it
    "campaign catalogue": r"#CAMPAIGN",  # every campaign of the application (or what caches it)
    "customer": r"#CUST#",  # a customer's profile, ledger, progress, markers and coupons
    "coupon definition": r"#COUPONS$",  # every coupon definition of the application
    "coupon counter": r"#ALLOWANCE#coupm_",  # a coupon's use counter (its allowance shards)
    "code": r"#CODE#",  # one code of a coupon
    "coupon redemptions index": r"#REDEMPTIONS#",  # a shard of a coupon's redemptions' index entries
    "reward stock": r"#REWARDS$|#ALLOWANCE#rew_",  # the reward and its stock's allowance shards
    "api key": r"^APIKEY#",  # the authorizer's credential item
}
_SCENARIO = {scenario.name: scenario for scenario in SCENARIOS}
HOT_PATHS: list[tuple[Scenario, list[str]]] = [
    (_SCENARIO["event ingestion"], ["event rules", "campaign catalogue", "customer"]),
    (PROGRESS_READ, ["campaign catalogue", "customer"]),
    (
        _SCENARIO["coupon redeem"],
        ["coupon definition", "coupon counter", "code", "customer", "coupon redemptions index"],
    ),
    (COUPON_VALIDATION, ["coupon definition", "coupon counter", "code", "customer"]),
    (UNLIMITED_COUPON_REDEEM, ["coupon definition", "coupon counter", "code", "customer", "coupon redemptions index"]),
    (_SCENARIO["reward redemption"], ["reward stock", "customer"]),
    (POINTS_CREDIT, ["customer"]),
    (_SCENARIO["points adjustment"], ["customer"]),  # a debit
]


def is_write(call: DynamoCall) -> bool:
    return call.operation in WRITE_OPERATIONS


# A partition's read and write limits are separate (3,000 RCU, 1,000 WCU): either may throttle alone.
# Its reads come first on every path, so throttling them never reaches the writes: both are tried.
CAPACITIES = {"reads": lambda call: not is_write(call), "writes": is_write}

CASES = [
    pytest.param(scenario, partition, id=f"{scenario.name}-{partition}")
    for scenario, partitions in HOT_PATHS
    for partition in partitions
]


@pytest.fixture
def faults(table: str) -> Iterator[FaultInjector]:
    with injecting_faults() as injector:
        yield injector


@pytest.fixture
def runner(api: ApiClient, faults: FaultInjector) -> Runner:
    return Runner(api, faults)


def canonical(value: Any) -> Any:
    """Lists in a stable order: an answer lists rules by their ids, which differ between applications."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


_AN_ID = re.compile(r"\b[a-z]+_[A-Za-z0-9]{21}\b")  # shared/ids.py: ids differ between applications


def answer(response: Any) -> tuple[int, Any]:
    text = _AN_ID.sub("<id>", response.body.decode())
    return response.status, canonical(normalized(json.loads(text)))


def assert_same(got: Any, expected: Any, what: str) -> None:
    if got != expected:
        where, value, wanted = first_difference(got, expected)
        raise AssertionError(f"{what} at {where or 'the top'}: {value!r}, one success gives {wanted!r}")


def reference(runner: Runner, bus: BusTap, scenario: Scenario) -> tuple[tuple[int, Any], Any, list[str], list[Any]]:
    """One fault-free request for a new application: its answer, state, announcements and calls."""
    api = runner.prepared(scenario)
    bus.read()
    runner.faults.reset_records()
    response = scenario.request(api)
    calls = list(runner.faults.calls)
    assert response.status < 300, response.body
    return answer(response), scenario.state(api), bus.types(), calls


@pytest.mark.parametrize("capacity", CAPACITIES)
@pytest.mark.parametrize("kind", THROTTLES)
@pytest.mark.parametrize(("scenario", "partition"), CASES)
def test_a_throttled_hot_partition_changes_nothing_and_the_retry_applies_once(
    runner: Runner, bus: BusTap, scenario: Scenario, partition: str, kind: FaultKind, capacity: str
) -> None:
    hot = touching(HOT_PARTITIONS[partition])
    throttled = CAPACITIES[capacity]
    expected_answer, expected_state, expected_announcements, calls = reference(runner, bus, scenario)
    if not any(call.touches(hot) and throttled(call) for call in calls):
        pytest.skip(f"{scenario.name} does not use the {partition} partition's {capacity}")
    # Given a prepared application, and the store as it is
    api = runner.prepared(scenario)
    bus.read()
    before = stored_items()
    # When that partition throttles every call of that capacity, beyond the SDK's retries
    runner.faults.inject(FaultPlan(kind, hot=hot, where=throttled))
    failed = scenario.request(api)
    runner.faults.inject(None)
    # Then the client is told to retry, and nothing was written nor announced
    assert runner.faults.injections, "no call was throttled"
    assert_store_outage_answer(failed)
    assert stored_items() == before, "the throttled request left a change behind"
    assert bus.read() == [], "the throttled request announced something"
    # And the client's retry, once the partition has room, applies the request exactly once
    retried = scenario.request(api)
    assert_same(answer(retried), expected_answer, "the retry's answer")
    assert_same(scenario.state(api), expected_state, "the state")
    assert bus.types() == expected_announcements


@pytest.mark.parametrize("kind", THROTTLES)
@pytest.mark.parametrize(("scenario", "partition"), CASES)
def test_a_partition_throttled_once_ends_in_exactly_one_success(
    runner: Runner, bus: BusTap, scenario: Scenario, partition: str, kind: FaultKind
) -> None:
    hot = touching(HOT_PARTITIONS[partition])
    expected_answer, expected_state, expected_announcements, calls = reference(runner, bus, scenario)
    if not any(call.touches(hot) and is_write(call) for call in calls):
        pytest.skip(f"{scenario.name} does not write to the {partition} partition")
    api = runner.prepared(scenario)
    bus.read()
    # When its first write on the partition throttles beyond the SDK's retries (a read throttled once is the
    # case above), and the client retries on a 5xx
    runner.faults.inject(FaultPlan(kind, at(1), hot=hot, where=is_write))
    responses = retrying(lambda: scenario.request(api))
    runner.faults.inject(None)
    # Then every 5xx is the 503, and the end is one success
    assert runner.faults.injections, "no call was throttled"
    for response in responses[:-1]:
        assert_store_outage_answer(response)
    assert_same(answer(responses[-1]), expected_answer, "the last answer")
    assert_same(scenario.state(api), expected_state, "the state")
    assert bus.types() == expected_announcements


@pytest.mark.parametrize("kind", THROTTLES)
def test_a_throttled_api_key_read_is_a_503_and_never_locks_the_merchant_out(
    api: ApiClient, faults: FaultInjector, kind: FaultKind
) -> None:
    """The authorizer raises (no policy): API Gateway caches no Deny, answers its AUTHORIZER_CONFIGURATION_ERROR
    response (template.yaml: the 503), and the next request is authorized afresh."""
    before = stored_items()
    faults.inject(FaultPlan(kind, hot=touching(HOT_PARTITIONS["api key"])))
    throttled = upsert_customer(api)
    faults.inject(None)
    assert faults.injections, "the credential lookup was not attempted"
    assert_store_outage_answer(throttled)
    assert stored_items() == before
    assert upsert_customer(api).status == 201


def test_the_hot_partition_patterns_name_the_keys_they_are_for() -> None:
    """Guards the patterns against typos: each matches the partition it names and no other listed one."""
    app = "app_1"
    examples = {
        "event rules": keys.event_partition(app, "order_success"),
        "campaign catalogue": keys.campaigns_partition(app),
        "customer": keys.customer_partition(app, "KMN@123"),
        "coupon definition": keys.coupons_partition(app),
        "coupon counter": keys.allowance_shard(app, "coupm_1", 0)[keys.PK],
        "code": keys.coupon_code(app, "SAVE10")[keys.PK],
        "coupon redemptions index": keys.coupon_redemptions_entry(app, "coupm_1", 0, "o-1")[keys.COUPON_REDEMPTIONS_PK],
        "reward stock": keys.allowance_shard(app, "rew_1", 0)[keys.PK],
        "api key": keys.api_key("ak_1")[keys.PK],
    }
    for name, pattern in HOT_PARTITIONS.items():
        matched = {other for other, key in examples.items() if touching(pattern).search(key)}
        assert matched == {name}, f"{name}: {pattern} matches {sorted(matched)}"


def is_answer_saved(call: DynamoCall) -> bool:
    """Powertools' write of the answer onto the claim (UpdateItem of an idempotency record), after the work."""
    pk = call.partition_key or ""
    return call.operation == "UpdateItem" and not pk.startswith(("APP#", "APIKEY#"))


def expire_claims() -> int:
    """What the function's timeout does to a claim left in progress: its in-progress expiry passes (set in
    the table, rather than waiting the function's timeout out)."""
    client = boto3.client("dynamodb")
    expired = 0
    for item in stored_items():
        if item.get("status", {}).get("S") == "INPROGRESS":
            key = {"PK": item["PK"], "SK": item["SK"]}
            client.update_item(
                TableName="rewards-test",
                Key=key,
                UpdateExpression="SET in_progress_expiration = :past",
                ExpressionAttributeValues={":past": {"N": "1"}},
            )
            expired += 1
    return expired


# Every keyed write of the sweeps but the customer upsert, a PUT: run again, it answers 200 (updated) where
# the first run would have answered 201, with the same customer stored.
@pytest.mark.parametrize("scenario", [*SCENARIOS[1:], POINTS_CREDIT], ids=lambda s: s.name)
def test_a_throttled_save_of_the_answer_leaves_no_key_stuck_and_applies_once(
    runner: Runner, bus: BusTap, scenario: Scenario
) -> None:
    """The work is done, then saving its answer on the idempotency claim throttles beyond the SDK's retries:
    the claim stays in progress (Powertools keeps it, since the work did happen). Retries are refused
    with 409 and Retry-After until the claim's in-progress expiry (the function's timeout) passes, then
    the request runs again: it must find its own work rather than do it twice."""
    expected_answer, expected_state, expected_announcements, _ = reference(runner, bus, scenario)
    api = runner.prepared(scenario)
    bus.read()
    runner.faults.inject(FaultPlan("throttle", hot=touching("."), where=is_answer_saved))
    first = scenario.request(api)
    runner.faults.inject(None)
    assert runner.faults.injections, "the answer was not saved through an UpdateItem"
    assert first.status == 503 or answer(first) == expected_answer
    blocked = scenario.request(api)
    assert blocked.status == 409, blocked.body
    assert blocked.header("Retry-After")
    assert expire_claims() == 1
    retried = scenario.request(api)
    assert_same(answer(retried), expected_answer, "the retry's answer")
    assert_same(scenario.state(api), expected_state, "the state")
    assert bus.types() == expected_announcements


# The publisher's hot partitions: every announced event of an application counts on its statistics and
# reads its webhooks (their version, once this container's copy is a few seconds old); every delivery is
# recorded on a shard of its webhook's delivery log.
FAN_OUT_PARTITIONS = {
    "statistics": r"#STATS",
    "webhook subscriptions": r"#WEBHOOKS$",
    "webhook deliveries": r"#WEBHOOK#",
}


@contextmanager
def listening() -> Iterator[WebhookListener]:
    listener = WebhookListener().start()
    try:
        yield listener
    finally:
        listener.stop()


def credit_points_with_a_webhook(api: ApiClient, url: str) -> None:
    """A webhook on credited points, then an event (of the event ingestion scenario) that credits some."""
    assert api.post("/webhooks", {"url": url, "events": ["points.credited"]}).status == 201
    ingestion = _SCENARIO["event ingestion"]
    ingestion.prepare(api)
    assert ingestion.request(api).status == 200


def published(outbox: LocalOutbox, receiver: WebhookListener, api: ApiClient) -> tuple[list[str], Any]:
    """Once the outbox is drained: the types of the deliveries received, and the application's statistics."""
    deadline = time.monotonic() + 15
    outbox.drain()
    while not receiver.arrivals and time.monotonic() < deadline:
        time.sleep(0.1)
        outbox.drain()
    return sorted(arrival.envelope()["type"] for arrival in receiver.arrivals), api.get("/stats").json()


@pytest.mark.parametrize("kind", THROTTLES)
@pytest.mark.parametrize("partition", FAN_OUT_PARTITIONS)
def test_a_throttled_fan_out_is_published_again_and_counted_and_delivered_once(
    api: ApiClient,
    other_api: ApiClient,
    faults: FaultInjector,
    outbox: LocalOutbox,
    partition: str,
    kind: FaultKind,
) -> None:
    # Given what a fault-free publication delivers and counts, for another application
    with listening() as reference_receiver:
        credit_points_with_a_webhook(other_api, reference_receiver.url)
        expected = published(outbox, reference_receiver, other_api)
    assert expected[0] == ["points.credited"]
    with listening() as receiver:
        credit_points_with_a_webhook(api, receiver.url)
        # When the partition throttles while the stream's batch is published
        faults.inject(FaultPlan(kind, hot=touching(FAN_OUT_PARTITIONS[partition])))
        outbox.pump_stream()
        faults.inject(None)
        # Then the batch is reported failed, nothing delivered; published again, it is counted and delivered once
        assert faults.injections, f"the publisher did not touch the {partition} partition"
        assert receiver.arrivals == []
        assert published(outbox, receiver, api) == expected


# The sharded lists' reads (a coupon's redemptions, a webhook's deliveries): one throttled shard is the 503.
@pytest.mark.parametrize("kind", THROTTLES)
def test_a_throttled_shard_of_a_sharded_list_is_a_503(runner: Runner, kind: FaultKind) -> None:
    faults = runner.faults
    api = runner.prepared(_SCENARIO["coupon redeem"])
    assert _SCENARIO["coupon redeem"].request(api).status == 200
    coupon_id = api.get("/coupons").json()["data"][0]["coupon_id"]
    webhook_id = api.post("/webhooks", {"url": "https://93.184.215.14/hooks", "events": ["*"]}).json()["id"]
    lists = {
        f"/coupons/{coupon_id}/redemptions": r"#REDEMPTIONS#.*#\d+$",
        f"/webhooks/{webhook_id}/deliveries": r"#WEBHOOK#.*#\d+$",
    }
    for path, shard in lists.items():
        assert api.get(path).status == 200
        faults.inject(FaultPlan(kind, hot=touching(shard)))
        throttled = api.get(path)
        faults.inject(None)
        assert faults.injections, f"{path} read no shard"
        assert_store_outage_answer(throttled)
        assert api.get(path).status == 200


@pytest.mark.parametrize("capacity", CAPACITIES)
def test_a_throttled_delivery_shard_makes_no_attempt_and_the_message_delivers_once_later(
    api: ApiClient, faults: FaultInjector, outbox: LocalOutbox, capacity: str
) -> None:
    with listening() as receiver:
        # Given a delivery recorded and queued
        webhook_id = api.post("/webhooks", {"url": receiver.url, "events": ["customer.created"]}).json()["id"]
        assert upsert_customer(api).status == 201
        outbox.pump_stream()
        # When its shard of the delivery log throttles while the deliverer handles the message
        faults.inject(FaultPlan("throttled_transaction", hot=touching(r"#WEBHOOK#"), where=CAPACITIES[capacity]))
        assert outbox.pump_queue() == 1
        faults.inject(None)
        # Then nothing was sent nor counted as an attempt, and the message comes back to deliver once
        assert faults.injections, "the deliverer did not touch the delivery's shard"
        assert receiver.arrivals == []
        (pending,) = api.get(f"/webhooks/{webhook_id}/deliveries").json()["data"]
        assert (pending["status"], pending["attempts"]) == ("pending", 0)
        deadline = time.monotonic() + 30
        while not receiver.arrivals and time.monotonic() < deadline:
            time.sleep(0.2)
            outbox.drain()
        outbox.drain()
        assert len(receiver.arrivals) == 1
        (done,) = api.get(f"/webhooks/{webhook_id}/deliveries").json()["data"]
        assert (done["status"], done["attempts"]) == ("succeeded", 1)
