"""Every class of hostile input measured against ``make dev`` (issue 13), as a hostile client sends it:
a 4xx with the one error body naming the field, nothing stored, and the application's lists and
objects readable afterwards."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from random import Random
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewards_cli.openapi import build_spec
from shared.api.body import MAX_BODY_BYTES, MAX_DEPTH
from shared.api.schemas.campaigns import MAX_RULES_BYTES
from shared.domain.rules import PROGRESS_CEILING
from shared.limits import MAX_ATTRIBUTES_BYTES, number_in_text
from shared.storage import campaigns
from tests.fuzz import hostile
from tests.support.api import ERROR_BODY_FIELDS, UNAUTHORIZED_BODY, ApiClient
from tests.support.campaigns import event, rta_seed_campaign
from tests.support.coupons import create_coupon, customer, order_body, simple_coupon

BODY_OPERATIONS = [
    (method.upper(), path.replace("{campaign_id}", "camp_x").replace("{source_id}", "c1"))
    for path, item in build_spec()["paths"].items()
    for method, operation in item.items()
    if "requestBody" in operation
]
# Operations behind the authorizer; the public ones (the dashboard's files, ``security: []``) never
# read credentials, so a malformed one changes nothing there (test_the_public_files_ignore_...).
ALL_OPERATIONS = [
    (method.upper(), path.replace("{campaign_id}", "camp_x").replace("{source_id}", "c1"))
    for path, item in build_spec()["paths"].items()
    for method, operation in item.items()
    if operation.get("security") != []
]
PUBLIC_PATHS = ["/dashboard", "/dashboard/app.js"]


def refused(response: Any, status: int = 400) -> str:
    """The ``details`` of the one error body, after checking it is one."""
    assert response.status == status, (response.status, response.body)
    body = response.json()
    assert set(body) == ERROR_BODY_FIELDS
    assert body["code"] == status
    assert body["key"] in (("payload_too_large",) if status == 413 else ("validation_failed", "bad_request"))
    details: str = body["details"]
    return details


def readable(api: ApiClient) -> None:
    """The application's lists and objects still answer."""
    assert api.get("/campaigns").status == 200
    assert api.get("/campaigns/reward-progress", query={"source_id": "c1"}).status in (200, 404)


# ---------------------------------------------------------------------------- the one body parser


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
@pytest.mark.parametrize(
    ("raw", "details"),
    [
        pytest.param("[" * 10_000 + "]" * 10_000, f"body: nested deeper than {MAX_DEPTH} levels", id="deep-10000"),
        pytest.param('{"a":' * 40 + "1" + "}" * 40, f"nested deeper than {MAX_DEPTH} levels", id="deep-40"),
        pytest.param('{"n": ' + "7" * 4301 + "}", "n: integer longer than", id="integer-4301-digits"),
        pytest.param('{"n": NaN}', "n: NaN is not JSON", id="nan"),
        pytest.param('{"n": -Infinity}', "n: -Infinity is not JSON", id="minus-infinity"),
        pytest.param('{"n": 1e308}', "n: must be less than 1e126", id="1e308"),
        pytest.param('{"n": 1234567890123456789012345678901234567890}', "n: must have at most 38", id="40-digits"),
        pytest.param('{"s": "\\ud800"}', "s: must not contain a lone surrogate", id="lone-surrogate"),
        pytest.param("{", "body is not valid JSON", id="truncated"),
    ],
)
def test_every_body_goes_through_the_one_parser(api: ApiClient, method: str, path: str, raw: str, details: str) -> None:
    assert details in refused(api.request(method, path, raw_body=raw))
    readable(api)


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
def test_a_body_over_the_size_limit_is_a_413(api: ApiClient, method: str, path: str) -> None:
    raw = json.dumps({"name": "x" * MAX_BODY_BYTES})
    assert refused(api.request(method, path, raw_body=raw), 413) == f"body: at most {MAX_BODY_BYTES} bytes"


def test_nan_in_event_properties_is_refused_not_silently_accepted(api: ApiClient) -> None:
    raw = '{"source_id": "c1", "event_name": "purchase", "properties": {"amount": NaN}}'
    assert (
        refused(api.request("POST", "/events", raw_body=raw))
        == "properties.amount: NaN is not JSON; numbers must be finite"
    )
    assert api.get("/customers/c1").status == 404


def test_a_summed_property_dynamodb_cannot_store_is_refused(api: ApiClient) -> None:
    assert api.post("/campaigns", rta_seed_campaign()).status == 201
    body = event("c1", "order_success", amount=1e126)
    assert "properties.amount: must be less than 1e126" in refused(api.post("/events", body))
    readable(api)


def test_a_condition_with_minus_infinity_is_refused_and_progress_stays_readable(api: ApiClient) -> None:
    payload = rta_seed_campaign()
    raw = json.dumps(payload).replace('"actions": [', '"actions": [{"event_name": "x", "target": 1, "conditions": '
                                      '[{"property": "p", "operator": "gt", "value": -Infinity}]}, ', 1)  # fmt: skip
    assert "rules.0.actions.0.conditions.0.value: -Infinity is not JSON" in refused(
        api.request("POST", "/campaigns", raw_body=raw)
    )
    assert api.get("/campaigns").json()["data"] == []
    assert api.post("/events", event("c1", "order_success", amount=5)).status == 200
    assert api.get("/campaigns/reward-progress", query={"source_id": "c1"}).status == 200


# -------------------------------------------------------------------------------------------- dates

EXTREME_DATES = [
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "1969-12-31T23:59:59Z",
    "10000-01-01T00:00:00Z",
]


@pytest.mark.parametrize("date", EXTREME_DATES)
@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_a_campaign_date_out_of_range_is_refused_on_create(api: ApiClient, field: str, date: str) -> None:
    details = refused(api.post("/campaigns", {**rta_seed_campaign(), field: date}))
    assert details.startswith(f"{field}: ")
    assert api.get("/campaigns").json()["data"] == []


@pytest.mark.parametrize("date", EXTREME_DATES)
@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_a_campaign_date_out_of_range_is_refused_on_patch_and_changes_nothing(
    api: ApiClient, field: str, date: str
) -> None:
    created = api.post("/campaigns", rta_seed_campaign()).json()
    details = refused(api.patch(f"/campaigns/{created['campaign_id']}", {field: date}))
    assert details.startswith(f"{field}: ")
    assert api.get(f"/campaigns/{created['campaign_id']}").json() == created
    assert api.get("/campaigns").json()["data"] == [created]


# pydantic's lax datetime reads a number, or a string of digits, as epoch seconds, or as milliseconds above
# 2e10: "20260101" became 1970-08-23 and 253402300799 (9999-12-31 in seconds) became 1978-01-11.
NOT_ISO_DATES = [20260101, "20260101", 253402300799, "253402300799", 1.5]


@pytest.mark.parametrize("date", NOT_ISO_DATES)
def test_a_date_that_is_not_an_iso_string_is_refused_not_read_as_epoch(api: ApiClient, date: object) -> None:
    assert refused(api.post("/campaigns", {**rta_seed_campaign(), "starts_at": date})).startswith("starts_at: ")
    created = api.post("/campaigns", rta_seed_campaign()).json()
    assert refused(api.patch(f"/campaigns/{created['campaign_id']}", {"ends_at": date})).startswith("ends_at: ")
    assert api.get("/campaigns").json()["data"] == [created]
    assert refused(api.put("/customers/c1", {"enrolled_at": date})).startswith("enrolled_at: ")
    identify = {"source_id": "c1", "metadata": {"enrolled_at": date}}
    assert refused(api.post("/customers", identify)).startswith("metadata.enrolled_at: ")
    assert api.get("/customers/c1").status == 404


def test_dates_are_stored_in_utc_and_the_last_storable_second_renders(api: ApiClient) -> None:
    payload = {**rta_seed_campaign(), "starts_at": "2026-03-01T10:00:00+05:30", "ends_at": "9999-12-31T23:59:59Z"}
    created = api.post("/campaigns", payload)
    assert created.status == 201, created.body
    assert created.json()["starts_at"] == "2026-03-01T04:30:00.000Z"
    assert created.json()["ends_at"] == "9999-12-31T23:59:59.000Z"
    assert api.get("/campaigns").json()["data"] == [created.json()]


def test_an_enrolment_date_out_of_range_is_refused(api: ApiClient) -> None:
    details = refused(api.put("/customers/c1", {"enrolled_at": "9999-12-31T23:59:59-23:59"}))
    assert details.startswith("enrolled_at: ")
    assert api.get("/customers/c1").status == 404


# ---------------------------------------------------------------------------------------- budgets


def test_one_huge_attribute_value_is_refused_naming_it(api: ApiClient) -> None:
    assert api.put("/customers/c1", {"name": "Krish"}).status == 201
    details = refused(api.put("/customers/c1", {"attributes": {"bio": "x" * 500_000}}))
    assert details.startswith("attributes.bio")
    assert api.put("/customers/c1", {"attributes": {"bio": "short"}}).status == 200


def test_many_attributes_within_their_own_limit_are_refused_by_the_total_budget(api: ApiClient) -> None:
    attributes = {f"a{i}": "x" * 900 for i in range(45)}
    details = refused(api.put("/customers/c1", {"attributes": attributes}))
    assert details == f"attributes: must be at most {MAX_ATTRIBUTES_BYTES} bytes in total (as UTF-8 JSON)"
    small = api.put("/customers/c1", {"name": "Krish", "attributes": {"a": "b"}})
    assert small.status == 201, small.body


def test_a_campaign_over_the_rules_budget_is_refused(api: ApiClient) -> None:
    condition = {"property": "sku", "operator": "in", "value": ["s" * 200] * 100}
    action = {"event_name": "order_success", "target": 1, "conditions": [condition] * 3}
    rule = {"rule_name": "r", "action_type": "RTA", "actions": [action], "reward": {"type": "points", "points": 1}}
    details = refused(api.post("/campaigns", {"campaign_name": "big", "rules": [rule] * 2}))
    assert details == f"rules: must be at most {MAX_RULES_BYTES} bytes in total (as UTF-8 JSON)"


# ------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize("bad", ["a\x00b", "a\nb", "a\x7fb", "a\uffffb", "a\ue000b", "   "])
def test_control_characters_and_blank_names_are_refused_everywhere(api: ApiClient, bad: str) -> None:
    assert refused(api.put("/customers/c1", {"name": bad})).startswith("name: ")
    assert refused(api.put("/customers/c1", {"tags": ["vip", bad]})).startswith("tags.1: ")
    assert refused(api.put("/customers/c1", {"tier": bad})).startswith("tier: ")
    assert refused(api.post("/campaigns", {**rta_seed_campaign(), "campaign_name": bad})).startswith("campaign_name: ")
    payload = rta_seed_campaign()
    payload["rules"][0]["rule_name"] = bad
    assert refused(api.post("/campaigns", payload)).startswith("rules.0.rule_name: ")
    created = api.post("/campaigns", rta_seed_campaign()).json()
    assert refused(api.patch(f"/campaigns/{created['campaign_id']}", {"campaign_name": bad})).startswith(
        "campaign_name: "
    )
    assert api.get("/customers/c1").status == 404


# API Gateway (and the local runner) pass a body that is not valid UTF-8 with U+FFFD in place of each bad
# byte: "M\xfcller" and "M\xe4ller" sent as Latin-1 both arrive as "M\ufffdller", the same customer.
MOJIBAKE = "M\ufffdller"


def test_text_that_was_not_valid_utf8_is_refused_not_merged_into_one_customer(api: ApiClient) -> None:
    identify = json.dumps({"source_id": MOJIBAKE, "metadata": {}}, ensure_ascii=False)
    assert refused(api.request("POST", "/customers", raw_body=identify)).startswith("source_id: ")
    invoke = json.dumps({"event_name": "Order Completed", "source_id": MOJIBAKE}, ensure_ascii=False)
    assert refused(api.request("POST", "/events/invoke", raw_body=invoke)).startswith("source_id: ")
    assert refused(api.post("/events", event(MOJIBAKE, "order_success"))).startswith("source_id: ")
    assert refused(api.put("/customers/c1", {"name": MOJIBAKE})).startswith("name: ")
    assert refused(api.post("/campaigns", {**rta_seed_campaign(), "campaign_name": MOJIBAKE})).startswith(
        "campaign_name: "
    )
    assert api.get("/customers/c1").status == 404
    assert refused(api.get(f"/customers/{quote(MOJIBAKE, safe='')}")).startswith("source_id: ")


# ------------------------------------------------------------------------------------------- auth


@pytest.mark.parametrize(("method", "path"), ALL_OPERATIONS)
@pytest.mark.parametrize(
    "authorization", ["Basic été", "Basic \x00\x01", "Basic ÿÿÿÿ", "été", "Basic YWs6c2s=\x7f", "Basic " + "é" * 600]
)
def test_any_malformed_authorization_is_the_one_401(api: ApiClient, method: str, path: str, authorization: str) -> None:
    response = api.request(method, path, json_body={}, authorization=authorization)
    assert response.status == 401, response.body
    assert {k: v for k, v in response.json().items() if k != "request_id"} == UNAUTHORIZED_BODY


@pytest.mark.parametrize("path", PUBLIC_PATHS)
@pytest.mark.parametrize("authorization", ["Basic été", "Basic \x00\x01", "Basic " + "é" * 600, "Bearer x"])
def test_the_public_files_ignore_any_authorization(api: ApiClient, path: str, authorization: str) -> None:
    response = api.request("GET", path, authorization=authorization)
    assert response.status == 200, response.body


def test_a_stored_date_that_cannot_render_never_fails_a_list(api: ApiClient) -> None:
    """A campaign stored before dates were checked (year 10000 in UTC) used to make every list of the
    application answer 500; it now renders at the end of the renderable range."""
    created = api.post("/campaigns", rta_seed_campaign()).json()
    app_id = api.credentials.app_id
    before = campaigns.get(app_id, created["campaign_id"])
    assert before is not None
    campaigns.update(app_id, before, replace(before, starts_at=253402387140))  # 9999-12-31T23:59:59-23:59
    listed = api.get("/campaigns")
    assert listed.status == 200, listed.body
    assert listed.json()["data"][0]["starts_at"] == "9999-12-31T23:59:59.999Z"
    assert api.get(f"/campaigns/{created['campaign_id']}").status == 200
    assert api.get("/campaigns/reward-progress", query={"source_id": "c1"}).status in (200, 404)


def test_a_huge_summed_amount_after_a_small_one_is_stored(api: ApiClient) -> None:
    """10**125 is storable, but 5 + 10**125 has 126 significant digits: the second event answered 500."""
    assert api.post("/campaigns", rta_seed_campaign()).status == 201
    assert api.post("/events", event("c1", "money_deposited", amount=5)).status == 200
    response = api.post("/events", event("c1", "money_deposited", amount=10**125))
    assert response.status == 200, response.body
    action = response.json()["progress"][0]["actions"][0]
    assert (action["current"], action["progress"]) == (PROGRESS_CEILING, 100)
    assert api.get("/campaigns/reward-progress", query={"source_id": "c1"}).status == 200


# ------------------------------------------------- stored values that later reads consume (issue 21)


def _member_with(api: ApiClient, attributes: dict[str, Any]) -> None:
    assert api.put("/customers/c1", {"name": "Member", "attributes": attributes}).status in (200, 201)
    credited = api.post("/customers/c1/transactions", {"points": 100, "description": "Welcome"})
    assert credited.status == 201, credited.body


def _reward_on(api: ApiClient, operator: str, attribute: str, value: Any) -> str:
    rule = {"conditions": [{"operator": operator, "attribute": attribute, "value": value}]}
    created = api.post("/rewards", {"name": "Nested", "type": "MATERIAL", "parameters": {"product": {"id": "p1"}},
                                    "member_eligibility_rules": [rule]})  # fmt: skip
    assert created.status == 201, created.body
    reward_id: str = created.json()["id"]
    return reward_id


@pytest.mark.parametrize("shape", hostile.NESTED_SHAPES, ids=str)
@pytest.mark.parametrize("operator", ["Contain any of", "Contain all of", "Equals", "Not equals", "Greater than"])
def test_a_nested_attribute_meets_every_operator_without_a_500(api: ApiClient, shape: Any, operator: str) -> None:
    """Segment sends objects and lists of objects as traits: a reward condition on one made the member's
    rewards (with and without explain) and the redeem a 500, for good."""
    _member_with(api, {"orders": shape})
    value = 1 if operator == "Greater than" else ["a"] if operator.startswith("Contain") else "a"
    reward_id = _reward_on(api, operator, "attributes.orders", value)

    assert api.get("/customers/c1/rewards").status == 200
    explained = api.get("/customers/c1/rewards", query={"explain": "true"})
    assert explained.status == 200, explained.body
    assert api.post(f"/customers/c1/rewards/{reward_id}/redeem", {}).status in (201, 409)


def test_a_condition_on_a_nested_attribute_reads_the_path(api: ApiClient) -> None:
    _member_with(api, {"address": {"city": "Paris"}})
    reward_id = _reward_on(api, "Equals", "attributes.address.city", "Paris")

    listed = api.get("/customers/c1/rewards").json()["data"]

    assert [view["reward"]["id"] for view in listed] == [reward_id]
    assert api.post(f"/customers/c1/rewards/{reward_id}/redeem", {}).status == 201


def test_a_disabled_reward_is_not_evaluated_by_explain(api: ApiClient) -> None:
    _member_with(api, {"tier_points": 5})
    reward_id = _reward_on(api, "Greater than", "attributes.tier_points", 10)
    assert api.delete(f"/rewards/{reward_id}").status == 200

    (view,) = api.get("/customers/c1/rewards", query={"explain": "true"}).json()["data"]

    assert (view["eligible"], view["unavailable"], view["failed_conditions"]) == (
        False, ["the reward is inactive"], []
    )  # fmt: skip


@pytest.mark.parametrize("value", [1e26, 9.99e125, 99999999999999999999999999999999999999, 200.001, -1, "200"])
@pytest.mark.parametrize("field", ["selling_price_subtotal", "original_price_subtotal", "shipping", "tax"])
def test_a_condition_on_money_takes_an_amount(api: ApiClient, field: str, value: Any) -> None:
    """A coupon condition of 1e26 on a money field was stored, and every later validate and apply of the
    coupon was a 500 (rounding it to cents overflowed the decimal context)."""
    body = simple_coupon("BIG", conditions={"order": [{"field": field, "operator": "gt", "value": value}]})

    details = refused(api.post("/coupons", body))
    assert details.startswith("conditions")
    assert "order.0" in details
    assert "value" in details


def test_an_item_condition_on_money_takes_an_amount(api: ApiClient) -> None:
    match = [{"field": "selling_price", "operator": "in", "value": [10, 1e26]}]
    body = simple_coupon("BIG", conditions={"items": {"match": match}})

    assert "match.0.value" in refused(api.post("/coupons", body))


@pytest.mark.parametrize("text", hostile.NUMERIC_TEXTS)
def test_numeric_text_in_typed_metadata_never_fails_and_is_never_another_number(api: ApiClient, text: str) -> None:
    """``"1e300"`` and ``"1e-200"`` on a key the coupon types as a number were a 500 when written (DynamoDB
    cannot store them); ``"1e39"`` was stored as 1000000000000000044885712678075916785664."""
    coupon = create_coupon(api, simple_coupon("META", metadata_schema={"cart_qty": "number"}))
    customer(api)

    applied = api.post("/coupons/apply?type=redeem", order_body(coupon["coupon_id"], "META", cart_qty=text))

    assert applied.status == 200, applied.body
    (redemption,) = api.get(f"/coupons/{coupon['coupon_id']}/redemptions").json()["data"]
    kept = redemption["order"]["metadata"]["cart_qty"]
    number = number_in_text(text)
    assert kept is None if number is None else Decimal(str(kept)) == number
    assert ("order.metadata.cart_qty" in redemption["nullified_metadata"]) is (number is None)


# Where stored numbers and shapes wait for later reads: free-form maps of every body that has one.
MAP_FIELDS = [
    ("PUT", "/customers/c1", {"name": "Member", "attributes": {}}, ("attributes",)),
    ("POST", "/customers", {"source_id": "c1", "metadata": {}}, ("metadata",)),
    ("POST", "/events", event("c1", "money_deposited", amount=5), ("properties",)),
    ("POST", "/events/invoke", {"source_id": "c1", "event_name": "money_deposited", "metadata": {}}, ("metadata",)),
]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False))
def test_numeric_text_and_nested_shapes_in_any_map_never_fail_a_later_read(api: ApiClient, rng: Random) -> None:
    method, path, body, field = rng.choice(MAP_FIELDS)
    literal = hostile.numeric_text(rng) if rng.random() < 0.5 else hostile.nested_shape(rng)
    key = rng.choice(["orders", "cart_qty", "amount", "x"])

    sent = api.request(method, path, raw_body=hostile.place(body, (*field, key), literal))

    assert sent.status < 500, sent.body
    _reward_on(api, "Contain any of", f"attributes.{key}", ["a"])
    for read in ("/customers/c1", "/customers/c1/rewards?explain=true", "/campaigns/reward-progress?source_id=c1"):
        assert api.get(read).status < 500, read
