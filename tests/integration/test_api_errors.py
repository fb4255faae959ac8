"""How the API answers what it cannot serve (issue 23, "Errors"), through the gateway's event shapes:
every failing field by its full path, all at once, in plain words; a method a path lacks is a 405 with
``Allow``; each status its own key; an absent body is ``{}`` where the body needs nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rewards_cli.gateway import HttpResponse
from rewards_cli.openapi import build_spec
from tests.support.api import ERROR_BODY_FIELDS, ApiClient
from tests.support.coupons import seed_apply_body
from tests.support.rewards import create_reward, customer_path, give_points

# What pydantic's own words look like; none may reach a client.
VALIDATOR_INTERNALS = ("literal[", "constrained-str", "function-", "union[", "list[", "[key]", "Value error", "dict[")


def error_of(response: HttpResponse, status: int, key: str) -> str:
    """The ``details`` of the one error body, after checking it is one with this status and key."""
    assert response.status == status, (response.status, response.body)
    body = response.json()
    assert set(body) == ERROR_BODY_FIELDS, body
    assert (body["code"], body["key"]) == (status, key), body
    assert body["request_id"] == response.header("x-request-id")
    details: str = body["details"]
    assert not any(internal in details for internal in VALIDATOR_INTERNALS), details
    return details


# ------------------------------------------------------------------------- every field, by its path


def test_validate_names_every_missing_nested_field_by_its_path_in_one_answer(api: ApiClient) -> None:
    # Given seed 004's order without its id, the first item's selling_price and the second item's product_id
    body = seed_apply_body()
    del body["order"]["order_id"]
    del body["order"]["items"][0]["selling_price"]
    del body["order"]["items"][1]["product_id"]

    # When it is validated
    response = api.post("/coupons/validate", body)

    # Then one answer names all three, each by its full path
    assert error_of(response, 400, "validation_failed") == (
        "order.order_id is required; order.items.0.selling_price is required; order.items.1.product_id is required"
    )


def test_validate_names_a_missing_coupon_field_as_any_other(api: ApiClient) -> None:
    body = seed_apply_body()
    del body["coupon_details"][0]["coupon_code"]
    body["order"]["items"][1]["quantity"] = "two"

    details = error_of(api.post("/coupons/validate", body), 400, "validation_failed")

    assert details == "coupon_details.0.coupon_code is required; order.items.1.quantity: input should be a valid number"


def test_apply_keeps_seed_004s_rows_verbatim(api: ApiClient) -> None:
    """Seed 004's table fixes these answers of /coupons/apply (SPEC §8): the first missing field by its
    own name, and its own message for a missing coupon_id or coupon_code (tests/integration/test_coupons_apply.py
    has every row)."""
    body = seed_apply_body()
    del body["order"]["items"][0]["selling_price"]
    assert error_of(api.post("/coupons/apply?type=redeem", body), 400, "validation_failed") == (
        "selling_price is required"
    )
    del body["coupon_details"][0]["coupon_code"]
    response = api.post("/coupons/apply?type=redeem", body)
    assert error_of(response, 400, "bad_request") == "coupon id or coupon code is required"
    assert response.json()["message"] == "coupon_code or coupon_id is missing"


@pytest.mark.parametrize(
    ("path", "body", "details"),
    [
        (
            "/events",
            {"source_id": 5, "event_name": 7, "timestamp": "x"},
            "source_id: input should be a valid string; event_name: input should be a valid string; "
            "timestamp: input should be a valid integer",
        ),
        (
            "/events",
            {"source_id": "c1", "event_name": "x", "properties": {"sizes": [1, {"a": 1}]}},
            "properties.sizes.1: must be a valid string, integer, number or boolean",
        ),
        (
            "/campaigns",
            {"campaign_name": "x", "campaign_type": "cashback", "rules": [{"rule_name": "r", "action_type": "RTA",
             "actions": [{"event_name": "e", "target": 0}], "reward": {"type": "cash"}}]},
            "campaign_type: must be one of: loyalty, referral; rules.0.actions.0.target: input should be greater "
            "than 0; rules.0.reward.type: must be one of: points, coupon, reward",
        ),
        ("/coupons", {"discount": {"type": "amount", "value": 5}, "coupon_code": "A B"}, "coupon_code: string should"),
    ],
)  # fmt: skip
def test_every_failing_field_is_named_in_plain_words(api: ApiClient, path: str, body: Any, details: str) -> None:
    assert error_of(api.post(path, body), 400, "validation_failed").startswith(details)


def test_a_subscription_to_no_event_type_lists_the_types_there_are(api: ApiClient) -> None:
    details = error_of(api.post("/webhooks", {"url": "https://93.184.215.14/", "events": ["*", "nope"]}), 400,
                       "validation_failed")  # fmt: skip
    assert details.startswith("events.1: must be one of: customer.created, points.credited, "), details
    assert details.endswith(", *"), details


# ------------------------------------------------------------------------------- 405 and 404


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/events", "POST"),
        ("GET", "/events", "POST"),
        ("PUT", "/campaigns/camp_1I7vOuIsPbyL4fB0Kck2K", "DELETE, GET, PATCH"),
        # a literal segment's resource is the one answering, as in API Gateway: not /campaigns/{campaign_id}
        ("DELETE", "/campaigns/reward-progress", "GET"),
        ("POST", "/customers/KMN%40123", "GET, PUT"),
    ],
)
def test_a_method_the_path_lacks_is_a_405_listing_its_methods(
    api: ApiClient, method: str, path: str, allowed: str
) -> None:
    response = api.request(method, path, json_body={})

    details = error_of(response, 405, "method_not_allowed")
    assert response.header("Allow") == allowed
    assert details == f"{method} is not a method of {path}; allowed: {allowed}"


def test_a_405_needs_no_credentials_as_the_documented_routes_do_not(api: ApiClient) -> None:
    response = api.request("DELETE", "/events", authorization=None)

    error_of(response, 405, "method_not_allowed")
    assert response.header("Allow") == "POST"


@pytest.mark.parametrize(("method", "path"), [("GET", "/nope"), ("DELETE", "/events/nope"), ("GET", "/")])
def test_an_unknown_path_stays_a_404(api: ApiClient, method: str, path: str) -> None:
    response = api.request(method, path)

    assert error_of(response, 404, "not_found") == f"No route for {method} {path}"
    assert response.header("Allow") is None


# ------------------------------------------------------------------------------- precise keys


def test_a_body_over_the_limit_is_a_413_payload_too_large(api: ApiClient) -> None:
    response = api.request("POST", "/events", raw_body=json.dumps({"source_id": "x" * (1024 * 1024)}))

    assert error_of(response, 413, "payload_too_large") == "body: at most 1048576 bytes"
    assert response.json()["message"] == "Payload too large"


@pytest.mark.parametrize("query", [{}, {"source_id": ""}, {"campaign_type": "loyalty"}])
def test_progress_without_a_source_id_names_it(api: ApiClient, query: dict[str, str]) -> None:
    """Seed 000 answers a progress read without source_id with its 404 body; the details name what is
    missing rather than an empty id."""
    response = api.get("/campaigns/reward-progress", query=query)

    assert error_of(response, 404, "not_found") == "source_id is required to find the customer"
    assert response.json()["message"] == "Resource not found"


# ------------------------------------------------------------------------- bodies that need nothing


def _required_fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    required: list[str] = schema.get("required", [])
    return required


def test_the_document_says_a_body_is_optional_exactly_where_it_needs_no_field() -> None:
    spec = build_spec()
    bodies = {
        f"{method.upper()} {path}": operation["requestBody"]
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }
    optional = {name for name, body in bodies.items() if not body.get("required", False)}
    needs_nothing = {
        name for name, body in bodies.items()
        if not _required_fields(spec, body["content"]["application/json"]["schema"])
    }  # fmt: skip

    assert optional == needs_nothing
    assert "POST /customers/{source_id}/rewards/{reward_id}/redeem" in optional
    assert "POST /customers/{source_id}/transactions/{txn_id}/reverse" in optional
    assert "POST /events" not in optional


def test_redeem_without_a_body_is_redeem_with_an_empty_one(api: ApiClient) -> None:
    # Given a member with 1,000 points and a reward of 300 that asks for nothing at redemption
    api.put(customer_path("kim"), {"name": "Kim"})
    give_points(api, "kim", 1000)
    reward_id = create_reward(api, {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": "prod_1"}},
                                    "stock": 5, "points_to_be_redeemed": 300})  # fmt: skip

    # When it is redeemed once without a body and once with {}
    without = api.request("POST", f"{customer_path('kim')}/rewards/{reward_id}/redeem")
    empty = api.post(f"{customer_path('kim')}/rewards/{reward_id}/redeem", {})

    # Then both redeem alike
    assert (without.status, empty.status) == (201, 201), (without.body, empty.body)
    assert without.json()["points"] == empty.json()["points"] == 300
    assert api.get(customer_path("kim")).json()["points"]["balance"] == 400


def test_a_retry_may_send_an_absent_body_as_empty(api: ApiClient) -> None:
    # Given a member with 1,000 points and a reward of 300
    api.put(customer_path("kim"), {"name": "Kim"})
    give_points(api, "kim", 1000)
    reward_id = create_reward(api, {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": "prod_1"}},
                                    "stock": 5, "points_to_be_redeemed": 300})  # fmt: skip
    path, key = f"{customer_path('kim')}/rewards/{reward_id}/redeem", {"Idempotency-Key": "redeem-1"}

    # When it is redeemed without a body, then retried with {} under the same Idempotency-Key
    first = api.request("POST", path, headers=key)
    retry = api.post(path, {}, headers=key)

    # Then the retry is the same request: the first answer, and one debit
    assert (first.status, retry.status) == (201, 201), retry.body
    assert retry.json() == first.json()
    assert api.get(customer_path("kim")).json()["points"]["balance"] == 700


def test_a_body_with_a_required_field_is_still_required(api: ApiClient) -> None:
    assert error_of(api.request("POST", "/events"), 400, "validation_failed") == "body is required"
    assert error_of(api.request("POST", "/events", raw_body="null"), 400, "validation_failed") == "body is required"
