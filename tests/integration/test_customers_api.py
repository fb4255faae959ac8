"""PUT/GET /customers/{source_id} through the gateway: authorizer, handler, table."""

from __future__ import annotations

import pytest

from tests.support.api import ApiClient


def test_put_creates_then_get_returns_the_profile_with_points(api: ApiClient) -> None:
    # Given a new customer
    created = api.put(
        "/customers/KMN@123",
        {
            "name": "Krish",
            "email": "k@example.com",
            "tags": ["cohortA"],
            "enrolled_at": "2022-01-05T10:00:00Z",
            "tier": "SILVER",
            "attributes": {"city": "Pune", "age": 31},
        },
    )
    # Then it is created with an engine id and empty points
    assert created.status == 201, created.body
    body = created.json()
    assert body["id"].startswith("cust_")
    assert len(body["id"]) == 26
    assert body["points"] == {"balance": 0, "earned": 0, "redeemed": 0, "pending": 0, "expired": 0, "expiring": []}
    # And GET returns the same profile
    fetched = api.get("/customers/KMN@123")
    assert fetched.status == 200
    assert fetched.json() == body
    assert fetched.json()["enrolled_at"] == "2022-01-05T10:00:00Z"


def test_put_again_updates_only_the_given_fields_and_null_removes(api: ApiClient) -> None:
    first = api.put("/customers/c1", {"name": "A", "email": "a@example.com", "tier": "GOLD"}).json()
    second = api.put("/customers/c1", {"tier": "SILVER", "email": None})
    assert second.status == 200
    body = second.json()
    assert body["id"] == first["id"]
    assert body["created_at"] == first["created_at"]
    assert (body["name"], body["email"], body["tier"]) == ("A", None, "SILVER")


def test_unknown_customer_gets_the_seed_404_body(api: ApiClient) -> None:
    response = api.get("/customers/KMN@123")
    assert response.status == 404
    body = response.json()
    assert body == {
        "code": 404,
        "key": "not_found",
        "message": "Resource not found",
        "details": "Cannot find customer with source id KMN@123",
        "request_id": response.header("x-request-id"),
    }


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("{not json", "body is not valid JSON"),
        ('{"name": 5}', "name: input should be a valid string"),
        ('{"tags": "vip"}', "tags: input should be a valid list"),
        ('{"email": "nope"}', "email: string should match pattern"),
        ('{"enrolled_at": "yesterday"}', "enrolled_at: input should be a valid datetime"),
        ('{"nickname": "K"}', "nickname is not a known field"),
        ("[1, 2]", "body: input should be a valid dictionary"),
        ('{"attributes": {"bad key!": 1}}', "attributes: the key 'bad key!': string should match pattern"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api: ApiClient, raw: str, detail: str) -> None:
    response = api.request("PUT", "/customers/c1", raw_body=raw)
    assert response.status == 400
    body = response.json()
    assert body["key"] == "validation_failed"
    assert body["message"] == "Invalid payload"
    assert body["details"].startswith(detail), body["details"]
    assert "Traceback" not in response.body.decode()
    # nothing was written
    assert api.get("/customers/c1").status == 404


def test_oversized_field_is_a_400_not_a_5xx(api: ApiClient) -> None:
    response = api.put("/customers/c1", {"name": "x" * 100_000})
    assert response.status == 400
    assert response.json()["details"].startswith("name: string should have at most 200 characters")


def test_a_customer_cannot_refer_itself(api: ApiClient) -> None:
    response = api.put("/customers/c1", {"referred_by": "c1"})
    assert response.status == 400
    assert response.json()["details"] == "referred_by: a customer cannot refer itself"


def test_referrer_is_set_once(api: ApiClient) -> None:
    assert api.put("/customers/c2", {"referred_by": "c1"}).status == 201
    assert api.put("/customers/c2", {"referred_by": "c1"}).status == 200
    changed = api.put("/customers/c2", {"referred_by": "c9"})
    assert changed.status == 409
    assert changed.json()["details"] == "referred_by: customer c2 was already referred by c1"
    assert api.put("/customers/c2", {"referred_by": None}).status == 409
    assert api.get("/customers/c2").json()["referred_by"] == "c1"


def test_every_response_carries_its_request_id(api: ApiClient) -> None:
    for response in (api.get("/customers/none"), api.put("/customers/x", {"name": "X"}), api.get("/nowhere")):
        request_id = response.header("x-request-id")
        assert request_id
        assert response.json().get("request_id", request_id) == request_id


def test_unknown_route_is_404(api: ApiClient) -> None:
    response = api.get("/no/such/route")
    assert response.status == 404
    assert response.json()["key"] == "not_found"


def test_another_application_cannot_see_the_customer(api: ApiClient, other_api: ApiClient) -> None:
    api.put("/customers/KMN@123", {"name": "Krish"})
    assert other_api.get("/customers/KMN@123").status == 404
    # and its own upsert of the same source_id is a different customer
    mine = other_api.put("/customers/KMN@123", {"name": "Other"}).json()
    assert mine["id"] != api.get("/customers/KMN@123").json()["id"]
    assert api.get("/customers/KMN@123").json()["name"] == "Krish"
