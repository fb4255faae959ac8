"""Rehook-compatible ingestion, tried with the request shapes of Rehook's Segment destination:
check-auth, identify (POST /customers) and track (POST /events/invoke), with Basic auth."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from tests.support.api import UNAUTHORIZED_BODY, ApiClient, basic
from tests.support.campaigns import event


def order_completed_campaign(target: float = 100, points: int = 250) -> dict[str, Any]:
    return {
        "campaign_name": "Spend 100",
        "rules": [
            {
                "rule_name": "Revenue 100",
                "action_type": "RTA",
                "actions": [
                    {"event_name": "Order Completed", "measure": "sum", "property": "revenue", "target": target}
                ],
                "reward": {"type": "points", "points": points},
            }
        ],
    }


def track(source_id: str, name: str, **metadata: Any) -> dict[str, Any]:
    """The body of the destination's trackEvent action."""
    return {"event_name": name, "source_id": source_id, "metadata": metadata}


# ------------------------------------------------------------------------------------ check-auth


def test_check_auth_answers_200_with_a_small_body(api: ApiClient) -> None:
    response = api.get("/events/segment/check-auth")
    assert response.status == 200, response.body
    assert response.json() == {"object": "auth_check", "authenticated": True, "app_id": api.credentials.app_id}


@pytest.mark.parametrize("secret_suffix", ["x", None])
def test_check_auth_with_bad_credentials_is_the_gateways_one_401(api: ApiClient, secret_suffix: str | None) -> None:
    authorization = (
        basic(api.credentials.api_key, api.credentials.secret_key + secret_suffix) if secret_suffix else None
    )
    response = api.get("/events/segment/check-auth", authorization=authorization)
    assert response.status == 401
    assert response.json() == {**UNAUTHORIZED_BODY, "request_id": response.header("x-request-id")}


# ------------------------------------------------------------------------------------ identify


def test_identify_creates_then_updates_a_customer_from_its_metadata(api: ApiClient) -> None:
    traits = {
        "firstName": "Krish",
        "lastName": "Menon",
        "email": "krish@example.com",
        "phone": "+91 98765 43210",
        "tier": "GOLD",
        "tags": ["cohortA"],
        "plan": "pro",
        "address": {"city": "Pune", "lines": ["12 MG Road", "Camp"]},
    }
    created = api.post("/customers", {"source_id": "KMN@123", "metadata": traits, "referral_code": None})
    assert created.status == 201, created.body
    body = created.json()
    assert (body["name"], body["email"], body["phone"], body["tier"], body["tags"]) == (
        "Krish Menon",
        "krish@example.com",
        "+91 98765 43210",
        "GOLD",
        ["cohortA"],
    )
    assert body["attributes"] == {"plan": "pro", "address": {"city": "Pune", "lines": ["12 MG Road", "Camp"]}}
    assert body["id"].startswith("cust_")

    # a later identify with some traits changes those, merges attributes, and null removes one
    updated = api.post("/customers", {"source_id": "KMN@123", "metadata": {"tier": "SILVER", "plan": None, "age": 31}})
    assert updated.status == 200, updated.body
    again = updated.json()
    assert (again["id"], again["name"], again["tier"]) == (body["id"], "Krish Menon", "SILVER")
    assert again["attributes"] == {"address": {"city": "Pune", "lines": ["12 MG Road", "Camp"]}, "age": 31}
    assert api.get("/customers/KMN@123").json() == again


def test_identify_with_only_the_required_field_creates_the_customer(api: ApiClient) -> None:
    response = api.post("/customers", {"source_id": "anon-1"})
    assert response.status == 201, response.body
    assert response.json()["attributes"] == {}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"metadata": {}}, "source_id is required"),
        ({"source_id": "c1", "metadata": {"email": "nope"}}, "metadata.email: string should match pattern"),
        ({"source_id": "c1", "metadata": {"bad key!": 1}}, "metadata.bad key!: custom attribute names"),
        (
            {"source_id": "c1", "metadata": {"a": {"b": {"c": {"d": {"e": {}}}}}}},
            "metadata.a.b.c.d.e: must not nest deeper than 5 levels",
        ),
        (
            {"source_id": "c1", "metadata": {"a": [[[[[1]]]]]}},
            "metadata.a.0.0.0.0: must not nest deeper than 5 levels",
        ),
        ({"source_id": "c1", "metadata": {"n": 1e200}}, "metadata.n: must be less than 1e126 in magnitude"),
        ({"source_id": "c1", "metadata": {"n": 10**38 + 1}}, "metadata.n: must have at most 38 significant digits"),
        (
            {"source_id": "c1", "metadata": {"s": "x" * 1001}},
            "metadata.s: must have at most 1000 characters",
        ),
        (
            {"source_id": "c1", "metadata": {"k": {"a\u0007": 1}}},
            "metadata.k: keys must be 1 to 64 printable characters",
        ),
        ({"source_id": "c1", "referral_code": "not a code!"}, "referral_code: not a referral code"),
        ({"source_id": "c1", "nickname": "K"}, "nickname is not a known field"),
    ],
)
def test_bad_identify_is_a_400_naming_the_field_and_writes_nothing(
    api: ApiClient, body: dict[str, Any], detail: str
) -> None:
    response = api.post("/customers", body)
    assert response.status == 400, response.body
    assert response.json()["details"].startswith(detail), response.json()["details"]
    assert api.get("/customers/c1").status == 404


def test_metadata_nests_five_levels_deep(api: ApiClient) -> None:
    deepest = {"a": {"b": {"c": {"d": {"e": 1}}}}, "list": [[[[1, "x"]]]], "big": 10**40, "tiny": 1e-130}
    response = api.post("/customers", {"source_id": "c1", "metadata": deepest})
    assert response.status == 201, response.body
    assert api.get("/customers/c1").json()["attributes"] == deepest


def test_attributes_of_one_customer_are_bounded_across_identifies(api: ApiClient) -> None:
    first = {f"k{i}": i for i in range(50)}
    assert api.post("/customers", {"source_id": "c1", "metadata": first}).status == 201
    assert api.post("/customers", {"source_id": "c1", "metadata": {"k0": "changed"}}).status == 200  # 50 still
    more = api.post("/customers", {"source_id": "c1", "metadata": {"k50": 1}})
    assert more.status == 400
    assert more.json()["details"].startswith("metadata: a customer keeps at most 50 custom attributes")
    big = api.post("/customers", {"source_id": "c1", "metadata": {f"k{i}": "x" * 1000 for i in range(40)}})
    assert big.status == 400
    assert "at most 16384 bytes" in big.json()["details"]
    assert api.get("/customers/c1").json()["attributes"]["k0"] == "changed"


# ------------------------------------------------------------------------------------ invoke


def test_a_campaign_on_order_completed_summing_revenue_completes_at_its_target(api: ApiClient) -> None:
    campaign = api.post("/campaigns", order_completed_campaign(target=100, points=250))
    assert campaign.status == 201, campaign.body
    assert campaign.json()["rules"][0]["actions"][0]["event_name"] == "Order Completed"
    api.post("/customers", {"source_id": "u1", "metadata": {"email": "u1@example.com"}})

    first = api.post("/events/invoke", track("u1", "Order Completed", revenue=40.5, products=[{"sku": "A"}]))
    assert first.status == 200, first.body
    assert first.json()["progress"][0]["actions"][0]["current"] == 40.5
    assert first.json()["rewards"] == []
    api.post("/events/invoke", track("u1", "Order Completed", revenue=40.5))
    short = api.get("/campaigns/reward-progress", query={"source_id": "u1"}).json()
    assert short[0]["rules"][0]["actions"][0]["current"] == 81  # 40.5 + 40.5, exactly
    assert short[0]["rules"][0]["actions"][0]["status"] == "active"

    done = api.post("/events/invoke", track("u1", "Order Completed", revenue=19)).json()
    assert [(r["source_id"], r["points"]) for r in done["rewards"]] == [("u1", 250)]
    assert api.get("/customers/u1").json()["points"]["balance"] == 250
    # a further order changes nothing: the reward is granted once
    assert api.post("/events/invoke", track("u1", "Order Completed", revenue=500)).json()["rewards"] == []
    assert api.get("/customers/u1").json()["points"]["balance"] == 250


def test_invoke_answers_as_post_events_does(api: ApiClient) -> None:
    api.post("/campaigns", order_completed_campaign())
    timestamp = 1_700_000_000
    invoked = api.post("/events/invoke", {**track("a", "Order Completed", revenue=10), "timestamp": timestamp}).json()
    posted = api.post("/events", event("b", "Order Completed", timestamp, revenue=10)).json()
    as_b = {**invoked, "source_id": "b", "progress": [{**p, "source_id": "b"} for p in invoked["progress"]]}
    assert as_b == posted
    assert invoked["timestamp"] == timestamp
    assert invoked["customer_created"] is True


def test_an_event_for_an_unknown_customer_creates_it_with_a_referral_code(api: ApiClient) -> None:
    response = api.post("/events/invoke", track("new-1", "page", url="/home"))
    assert response.status == 200, response.body
    assert response.json()["customer_created"] is True
    customer = api.get("/customers/new-1").json()
    assert customer["id"].startswith("cust_")
    assert len(customer["referral_code"]) == 8
    assert api.post("/events/invoke", track("new-1", "page")).json()["customer_created"] is False


def test_an_event_that_moves_a_rule_creates_the_customer_with_a_referral_code(api: ApiClient) -> None:
    api.post("/campaigns", order_completed_campaign())
    assert api.post("/events/invoke", track("new-2", "Order Completed", revenue=5)).json()["customer_created"]
    assert len(api.get("/customers/new-2").json()["referral_code"]) == 8


def test_invoke_is_counted_once_per_idempotency_key(api: ApiClient) -> None:
    api.post("/campaigns", order_completed_campaign())
    headers = {"Idempotency-Key": "order-50314b8e"}
    first = api.post("/events/invoke", track("u1", "Order Completed", revenue=30), headers=headers)
    again = api.post("/events/invoke", track("u1", "Order Completed", revenue=30), headers=headers)
    assert again.status == first.status == 200
    assert again.json() == first.json()
    assert again.header("Idempotent-Replayed") == "true"
    other = api.post("/events/invoke", track("u1", "Order Completed", revenue=31), headers=headers)
    assert other.status == 409
    progress = api.get("/campaigns/reward-progress", query={"source_id": "u1"}).json()
    assert progress[0]["rules"][0]["actions"][0]["current"] == 30


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (track("u1", ""), "event_name: string should have at least 1 character"),
        (track("u1", "   "), "event_name: must not be blank"),
        (track("u1", "Order\nCompleted"), "event_name: must not contain a control character"),
        (track("u1", "x" * 129), "event_name: string should have at most 128 characters"),
        ({"event_name": "page", "metadata": {}}, "source_id is required"),
        ({**track("u1", "page"), "timestamp": "yesterday"}, "timestamp: input should be a valid integer"),
        ({**track("u1", "page"), "properties": {}}, "properties is not a known field"),
    ],
)
def test_bad_invoke_is_a_400_naming_the_field(api: ApiClient, body: dict[str, Any], detail: str) -> None:
    response = api.post("/events/invoke", body)
    assert response.status == 400, response.body
    assert response.json()["details"].startswith(detail), response.json()["details"]
    assert api.get("/customers/u1").status == 404


# ------------------------------------------------------------------------------------ event names


@pytest.mark.parametrize(
    "name", ["Order Completed", "Signed Up", "page", "Product Viewed (v2) #1: 50% off!", "x" * 128]
)
def test_pipeline_event_names_work_in_campaigns_and_events_with_a_stable_id(api: ApiClient, name: str) -> None:
    campaign = {**order_completed_campaign(), "rules": [{**order_completed_campaign()["rules"][0]}]}
    campaign["rules"][0]["actions"] = [{"event_name": name, "target": 2}]
    first = api.post("/campaigns", campaign)
    assert first.status == 201, first.body
    second = api.post("/campaigns", campaign).json()
    event_id = first.json()["rules"][0]["actions"][0]["event_id"]
    assert event_id.startswith("even_")
    assert second["rules"][0]["actions"][0]["event_id"] == event_id
    api.post("/events", event("u1", name))
    done = api.post("/events/invoke", track("u1", name)).json()
    assert sorted(r["points"] for r in done["rewards"]) == [250, 250]


@pytest.mark.parametrize("name", ["", " ", "tab\there", "nul\u0000", "del\u007f", "c1\u0085", "x" * 129])
def test_a_campaign_refuses_blank_and_control_character_event_names(api: ApiClient, name: str) -> None:
    campaign = order_completed_campaign()
    campaign["rules"][0]["actions"][0]["event_name"] = name
    response = api.post("/campaigns", campaign)
    assert response.status == 400, response.body
    assert response.json()["details"].startswith("rules.0.actions.0.event_name")


# ------------------------------------------------------------------------------------ exact sums


def test_decimal_amounts_sum_exactly_end_to_end(api: ApiClient) -> None:
    """Seven decimal places, through JSON, the table and back (1,000 amounts: tests/unit/test_exact_sums.py)."""
    rng = random.Random(0)  # noqa: S311 - reproducible amounts, not crypto
    amounts = [Decimal(rng.randint(1, 10**9)) / 10**7 for _ in range(100)]
    total = sum(amounts, Decimal(0))
    assert round(total, 6) != total  # the seventh place counts
    api.post("/campaigns", order_completed_campaign(target=float(total) + 1))
    last: dict[str, Any] = {}
    for amount in amounts:
        last = api.post("/events/invoke", track("u1", "Order Completed", revenue=float(amount))).json()
    current = last["progress"][0]["actions"][0]["current"]
    assert Decimal(repr(current)) == total, (current, total)
    shown = api.get("/campaigns/reward-progress", query={"source_id": "u1"}).json()
    assert Decimal(repr(shown[0]["rules"][0]["actions"][0]["current"])) == total
