"""Store outages as a client sees them: the answer a fault surviving the SDK's retries must get, a client
that retries on every 5xx, and requests (scenarios) replayed for a fresh application under a fault plan
(tests/support/faults.py) so that their end state can be compared with one fault-free success.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3

from rewards_cli.gateway import HttpResponse
from tests.support.api import ERROR_BODY_FIELDS, ApiClient
from tests.support.coupons import order_body
from tests.support.faults import DynamoCall, FaultInjector, FaultPlan
from tests.support.rewards import give_points
from tests.support.stateful import new_credentials

MAX_CLIENT_ATTEMPTS = 20
# Ids, times and request ids differ between runs and tenants; what they point at is compared instead.
_VOLATILE = {
    "id",
    "referral_code",
    "created_at",
    "updated_at",
    "timestamp",
    "request_id",
    "next_cursor",
    "time_left",
    "reverted_at",
    "cancelled_at",
}


def normalized(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: normalized(v)
            for k, v in value.items()
            if k not in _VOLATILE and not (k.endswith(("_id", "Id")) and k != "source_id")  # seed 004 says couponId
        }
    if isinstance(value, list):
        return [normalized(v) for v in value]
    return value


def assert_store_outage_answer(response: HttpResponse) -> None:
    text = response.body.decode()
    assert response.status == 503, f"{response.status}: {text}"
    body = response.json()
    assert set(body) == ERROR_BODY_FIELDS, body
    assert body["key"] == "rate_limited", body
    assert body["request_id"] == response.header("x-request-id"), body
    assert response.header("Retry-After"), "a 503 without Retry-After"
    assert "Traceback" not in text, text
    assert "botocore" not in text, text


def stored_items() -> list[dict[str, Any]]:
    """Every item of the table, in a stable order (idempotency records included)."""
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": "rewards-test"}
    while True:
        page = client.scan(**request)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def retrying(request: Callable[[], HttpResponse]) -> list[HttpResponse]:
    """A client that sends the same request again (same Idempotency-Key) on every 5xx."""
    responses = [request()]
    while responses[-1].status >= 500 and len(responses) < MAX_CLIENT_ATTEMPTS:
        responses.append(request())
    return responses


@dataclass(frozen=True)
class Scenario:
    """A request retried through faults, the fault-free setup before it, and the state it leaves."""

    name: str
    prepare: Callable[[ApiClient], None]
    request: Callable[[ApiClient], HttpResponse]
    state: Callable[[ApiClient], Any]


def upsert_customer(api: ApiClient) -> HttpResponse:
    body = {"name": "Krish", "tags": ["vip"], "attributes": {"city": "Pune"}, "email": "k@example.com"}
    return api.put("/customers/KMN@123", body, headers={"Idempotency-Key": "upsert-1"})


def _answers(api: ApiClient, *paths: str) -> list[tuple[int, Any]]:
    """The status and normalized body of a GET of each path: the state a scenario compares."""
    return [(response.status, normalized(response.json())) for response in map(api.get, paths)]


def _customer_state(api: ApiClient) -> Any:
    return _answers(api, "/customers/KMN@123")


COUNTING_CAMPAIGN = {
    "campaign_name": "Orders",
    "rules": [
        {"rule_name": "Three orders", "action_type": "RTA",
         "actions": [{"event_name": "order_success", "target": 3}], "reward": {"type": "points", "points": 300}},
        {"rule_name": "First order", "action_type": "RTA",
         "actions": [{"event_name": "order_success", "target": 1}], "reward": {"type": "points", "points": 50}},
    ],
}  # fmt: skip


def _create_campaign(api: ApiClient) -> None:
    assert api.post("/campaigns", COUNTING_CAMPAIGN).status == 201


def _ingest(api: ApiClient) -> HttpResponse:
    event = {"source_id": "KMN@123", "event_name": "order_success", "properties": {"amount": 250}}
    return api.post("/events", event, headers={"Idempotency-Key": "event-1"})


def _event_state(api: ApiClient) -> Any:
    """Counted once: the progress (1 of 3, not 2), the points and the ledger."""
    return _answers(
        api, "/customers/KMN@123", "/campaigns/reward-progress?source_id=KMN@123", "/customers/KMN@123/transactions"
    )


MUG = {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": "prod_mug"}}, "stock": 5,
       "points_to_be_redeemed": 100}  # fmt: skip


# The ids a scenario's prepare step made, per application: the request itself must be one call to the API.
_PREPARED: dict[str, str] = {}


def _prepare_redemption(api: ApiClient) -> None:
    created = api.post("/rewards", MUG)
    assert created.status == 201
    _PREPARED[f"{api.credentials.app_id}/reward"] = created.json()["id"]
    give_points(api, "KMN@123", 300)


def _redeem_reward(api: ApiClient) -> HttpResponse:
    reward_id = _PREPARED[f"{api.credentials.app_id}/reward"]
    return api.post(f"/customers/KMN@123/rewards/{reward_id}/redeem", {}, headers={"Idempotency-Key": "red-1"})


def _prepare_cancel(api: ApiClient) -> None:
    _prepare_redemption(api)
    redeemed = _redeem_reward(api)
    assert redeemed.status == 201
    _PREPARED[f"{api.credentials.app_id}/redemption"] = redeemed.json()["id"]


def _cancel(api: ApiClient) -> HttpResponse:
    redemption_id = _PREPARED[f"{api.credentials.app_id}/redemption"]
    return api.post(
        f"/customers/KMN@123/rewards/redemptions/{redemption_id}/cancel", headers={"Idempotency-Key": "c-1"}
    )


def _redemption_state(api: ApiClient) -> Any:
    """Redeemed (or cancelled) once: the points, the ledger, the stock and the redemptions."""
    return _answers(
        api,
        "/customers/KMN@123",
        "/customers/KMN@123/transactions",
        "/rewards",
        "/customers/KMN@123/rewards/redemptions",
    )


_COUPON_OF_APPLICATION: dict[str, str] = {}


def _create_limited_pool_coupon(api: ApiClient) -> None:
    """A customer and a pool coupon limited to 2 uses, with the codes the order uses."""
    _create_pool_coupon(api, {"usage_limit": 2})


def _create_unlimited_pool_coupon(api: ApiClient) -> None:
    """The same without a limit: its uses are counted apart from its definition."""
    _create_pool_coupon(api, {})


def _create_pool_coupon(api: ApiClient, limit: dict[str, int]) -> None:
    assert api.put("/customers/KMN@123", {"name": "Krish"}).status in (200, 201)
    created = api.post("/coupons", {"discount": {"type": "amount", "value": 10}, **limit})
    assert created.status == 201
    coupon_id = created.json()["coupon_id"]
    assert api.post(f"/coupons/{coupon_id}/codes", {"codes": ["POOL-A", "POOL-B"]}).status == 200
    _COUPON_OF_APPLICATION[api.credentials.app_id] = coupon_id


def _coupon_order(api: ApiClient) -> dict[str, Any]:
    return order_body(_COUPON_OF_APPLICATION[api.credentials.app_id], "POOL-A", source_id="KMN@123")


def _redeem(api: ApiClient) -> HttpResponse:
    return api.post("/coupons/apply?type=redeem", _coupon_order(api), headers={"Idempotency-Key": "redeem-1"})


def _redeem_then_prepare_revert(api: ApiClient) -> None:
    _create_limited_pool_coupon(api)
    assert api.post("/coupons/apply?type=redeem", _coupon_order(api)).status == 200


def _revert(api: ApiClient) -> HttpResponse:
    return api.post("/coupons/apply?type=revert", _coupon_order(api), headers={"Idempotency-Key": "revert-1"})


def _coupon_state(api: ApiClient) -> Any:
    """Consumed once: the coupon's counts, its redemption records and the customer's coupons."""
    coupon_id = _COUPON_OF_APPLICATION[api.credentials.app_id]
    return _answers(api, f"/coupons/{coupon_id}", f"/coupons/{coupon_id}/redemptions", "/customers/KMN@123/coupons")


def _prepare_points(api: ApiClient) -> None:
    """A customer with 150 points in two lots (a credit of 100 expiring in 30 days, 50 never), 60 spent."""
    assert api.put("/customers/KMN@123", {"name": "Krish"}).status in (200, 201)
    assert api.post("/customers/KMN@123/transactions", {"points": 50, "description": "welcome"}).status == 201
    assert api.put("/settings/points", {"expire_after_days": 30}).status == 200
    credited = api.post("/customers/KMN@123/transactions", {"points": 100, "description": "order"})
    assert credited.status == 201
    _PREPARED[f"{api.credentials.app_id}/credit"] = credited.json()["id"]
    assert api.post("/customers/KMN@123/transactions", {"points": -60, "description": "fix"}).status == 201


def _adjust(api: ApiClient) -> HttpResponse:
    body = {"points": -70, "description": "duplicate order"}
    return api.post("/customers/KMN@123/transactions", body, headers={"Idempotency-Key": "adj-1"})


def _reverse(api: ApiClient) -> HttpResponse:
    credit_id = _PREPARED[f"{api.credentials.app_id}/credit"]
    return api.post(
        f"/customers/KMN@123/transactions/{credit_id}/reverse", {"points": 80}, headers={"Idempotency-Key": "rev-1"}
    )


def _points_state(api: ApiClient) -> Any:
    """Adjusted or reversed once: the points and the ledger (a reversal names its credit, whose id differs
    between applications)."""
    credit_id = _PREPARED[f"{api.credentials.app_id}/credit"]
    return [
        (r.status, normalized(json.loads(r.body.decode().replace(credit_id, "<credit>"))))
        for r in (api.get("/customers/KMN@123"), api.get("/customers/KMN@123/transactions"))
    ]


def _prepare_progress(api: ApiClient) -> None:
    _create_campaign(api)
    assert _ingest(api).status == 200


def _progress(api: ApiClient) -> HttpResponse:
    return api.get("/campaigns/reward-progress?source_id=KMN@123")


def _validate(api: ApiClient) -> HttpResponse:
    return api.post("/coupons/validate", _coupon_order(api))


def _credit(api: ApiClient) -> HttpResponse:
    body = {"points": 40, "description": "goodwill"}
    return api.post("/customers/KMN@123/transactions", body, headers={"Idempotency-Key": "credit-1"})


SCENARIOS = [
    Scenario("customer upsert", lambda api: None, upsert_customer, _customer_state),
    Scenario("event ingestion", _create_campaign, _ingest, _event_state),
    Scenario("reward redemption", _prepare_redemption, _redeem_reward, _redemption_state),
    Scenario("redemption cancel", _prepare_cancel, _cancel, _redemption_state),
    Scenario("coupon redeem", _create_limited_pool_coupon, _redeem, _coupon_state),
    Scenario("coupon revert", _redeem_then_prepare_revert, _revert, _coupon_state),
    Scenario("points adjustment", _prepare_points, _adjust, _points_state),
    Scenario("credit reversal", _prepare_points, _reverse, _points_state),
]
# Requests on the hot paths that the sweeps above leave out (a read's state is its answer, compared too).
PROGRESS_READ = Scenario("progress read", _prepare_progress, _progress, _event_state)
COUPON_VALIDATION = Scenario("coupon validation", _create_limited_pool_coupon, _validate, _coupon_state)
POINTS_CREDIT = Scenario("points credit", _prepare_points, _credit, _points_state)
UNLIMITED_COUPON_REDEEM = Scenario("unlimited coupon redeem", _create_unlimited_pool_coupon, _redeem, _coupon_state)


@dataclass
class Run:
    responses: list[HttpResponse]
    state: Any
    calls: list[DynamoCall]


class Runner:
    """Runs a scenario for a fresh application (tenant) of the one table, under a fault plan."""

    def __init__(self, gateway_api: ApiClient, faults: FaultInjector) -> None:
        self.gateway = gateway_api.gateway
        self.faults = faults

    def prepared(self, scenario: Scenario) -> ApiClient:
        """A new application with the scenario's setup done, and its state read once."""
        api = ApiClient(self.gateway, new_credentials(scenario.name))
        scenario.prepare(api)
        scenario.state(api)  # also caches the authorizer's policy for these credentials
        return api

    def run(self, scenario: Scenario, plan: FaultPlan | None) -> Run:
        api = self.prepared(scenario)
        self.faults.reset_records()
        self.faults.inject(plan)
        try:
            responses = retrying(lambda: scenario.request(api))
        finally:
            self.faults.inject(None)
        calls = list(self.faults.calls)
        return Run(responses, scenario.state(api), calls)


def describe(run: Run) -> str:
    return " -> ".join(f"{r.status} {r.json().get('key', '')}".strip() for r in run.responses)


def check_run(run: Run, reference: Run, situation: str) -> list[str]:
    problems = []
    for response in run.responses:
        if response.status >= 500:
            try:
                assert_store_outage_answer(response)
            except AssertionError as error:
                problems.append(f"{situation}: {error}")
    if run.state != reference.state:
        where, got, expected = first_difference(run.state, reference.state)
        problems.append(
            f"{situation}: responses {describe(run)}; the state is not that of one success: "
            f"at {where or 'the top'}, got {json.dumps(got)[:300]}, expected {json.dumps(expected)[:300]}"
        )
    return problems


def first_difference(got: Any, expected: Any, where: str = "") -> tuple[str, Any, Any]:
    if isinstance(got, dict) and isinstance(expected, dict) and got.keys() == expected.keys():
        key = next(k for k in got if got[k] != expected[k])
        return first_difference(got[key], expected[key], f"{where}.{key}")
    if isinstance(got, list | tuple) and isinstance(expected, list | tuple) and len(got) == len(expected):
        index = next(i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e)
        return first_difference(got[index], expected[index], f"{where}[{index}]")
    return where, got, expected
