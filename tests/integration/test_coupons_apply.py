"""POST /coupons/apply?type=redeem|revert exactly as seed 004, and POST /coupons/validate with the gap."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rewards_cli.gateway import HttpResponse
from tests.support.api import ERROR_BODY_FIELDS, UNAUTHORIZED_BODY, ApiClient, basic
from tests.support.concurrency import Request, send_together
from tests.support.coupons import create_coupon, customer, order_body, seed_apply_body, simple_coupon, spec_coupon

REDEEM, REVERT = "/coupons/apply?type=redeem", "/coupons/apply?type=revert"


def error_of(response: HttpResponse) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == ERROR_BODY_FIELDS, body
    assert body["request_id"] == response.header("x-request-id")
    return response.status, body["message"], body["details"]


@pytest.fixture
def seed_coupon(api: ApiClient) -> str:
    """The seed's coupon KS: a fixed code with no conditions, redeemed by customer krish123."""
    customer(api)
    coupon_id: str = create_coupon(api, simple_coupon("KS"))["coupon_id"]
    return coupon_id


def seed_body(coupon_id: str) -> dict[str, Any]:
    body = seed_apply_body()
    body["coupon_details"][0]["coupon_id"] = coupon_id
    return body


def test_the_seeds_full_payload_redeems_and_reverts_with_the_seeds_bodies(api: ApiClient, seed_coupon: str) -> None:
    redeemed = api.post(REDEEM, seed_body(seed_coupon))
    reverted = api.post(REVERT, seed_body(seed_coupon))

    assert redeemed.status == 200, redeemed.body
    assert redeemed.json() == {
        "status": "completed",
        "couponId": seed_coupon,
        "orderId": "1223456",
        "request_id": redeemed.header("x-request-id"),
        "coupon_code": "KS",
    }
    assert reverted.status == 200, reverted.body
    assert reverted.json() == {
        "status": "reverted",
        "couponId": seed_coupon,
        "orderId": "1223456",
        "request_id": reverted.header("x-request-id"),
        "coupon_code": "KS",
    }


def without(body: dict[str, Any], *path: str | int) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return changed


def with_value(body: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


INVALID_PAYLOAD = "Invalid payload"
INVALID_COUPON = ("Invalid coupon code or coupon id", "coupon not found, invalid coupon code or coupon id")
DETAILS_MISSING = ("coupon_code or coupon_id is missing", "coupon id or coupon code is required")


@pytest.mark.parametrize("path", [REDEEM, REVERT])
def test_every_row_of_the_seeds_error_table(api: ApiClient, seed_coupon: str, path: str) -> None:
    body = seed_body(seed_coupon)
    cases: list[tuple[str, dict[str, Any], tuple[str, str]]] = [
        ("wrong source id", with_value(body, "nobody", "source_id"), (INVALID_PAYLOAD, "Invalid source_id")),
        ("no source id", without(body, "source_id"), (INVALID_PAYLOAD, "Invalid source_id")),
        ("source id not text", with_value(body, 42, "source_id"), (INVALID_PAYLOAD, "Invalid source_id")),
        (
            "item field missing",
            without(body, "order", "items", 0, "selling_price"),
            (INVALID_PAYLOAD, "selling_price is required"),
        ),
        (
            "item shipping missing",
            without(body, "order", "items", 1, "shipping"),
            (INVALID_PAYLOAD, "shipping is required"),
        ),
        ("order field missing", without(body, "order", "order_id"), (INVALID_PAYLOAD, "order_id is required")),
        ("order status missing", without(body, "order", "status"), (INVALID_PAYLOAD, "status is required")),
        ("order missing", without(body, "order"), (INVALID_PAYLOAD, "order is required")),
        ("code of no coupon", with_value(body, "NOPE", "coupon_details", 0, "coupon_code"), INVALID_COUPON),
        (
            "unknown coupon id",
            with_value(body, "coupm_000000000000000000000", "coupon_details", 0, "coupon_id"),
            INVALID_COUPON,
        ),
        ("coupon_id missing", without(body, "coupon_details", 0, "coupon_id"), DETAILS_MISSING),
        ("coupon_code missing", without(body, "coupon_details", 0, "coupon_code"), DETAILS_MISSING),
        ("coupon_code empty", with_value(body, "", "coupon_details", 0, "coupon_code"), DETAILS_MISSING),
        ("coupon_details missing", without(body, "coupon_details"), DETAILS_MISSING),
        ("coupon_details empty", with_value(body, [], "coupon_details"), DETAILS_MISSING),
    ]
    for situation, case, (message, details) in cases:
        response = api.post(path, case)
        assert error_of(response) == (400, message, details), situation


def test_a_code_of_another_coupon_does_not_match_the_id(api: ApiClient, seed_coupon: str) -> None:
    other = create_coupon(api, simple_coupon("OTHER"))["coupon_id"]
    body = seed_body(seed_coupon)

    mismatched = api.post(REDEEM, with_value(body, other, "coupon_details", 0, "coupon_id"))

    assert error_of(mismatched) == (400, *INVALID_COUPON)
    assert (
        api.post(REDEEM, with_value(body, "ks", "coupon_details", 0, "coupon_code")).status == 200
    )  # case-insensitive


@pytest.mark.parametrize("query", ["?type=burn", "?type=REDEEM", "", "?type="])
def test_a_wrong_type_is_the_seeds_invalid_query_param(api: ApiClient, seed_coupon: str, query: str) -> None:
    response = api.post(f"/coupons/apply{query}", seed_body(seed_coupon))

    assert error_of(response) == (400, "Invalid query param", "type should be redeem or revert")


def test_bad_credentials_get_the_one_401(api: ApiClient, seed_coupon: str) -> None:
    response = api.post(REDEEM, seed_body(seed_coupon), authorization=basic(api.credentials.api_key, "wrong"))

    assert response.status == 401
    assert response.json() == {**UNAUTHORIZED_BODY, "request_id": response.header("x-request-id")}


# ---------------------------------------------------------------------------- SPEC §10's coupon


@pytest.fixture
def wholecart(api: ApiClient) -> str:
    customer(api)
    coupon_id: str = create_coupon(api, spec_coupon())["coupon_id"]
    return coupon_id


def test_the_spec_coupon_refuses_a_150_order_and_accepts_a_qualifying_one(api: ApiClient, wholecart: str) -> None:
    small = api.post(REDEEM, order_body(wholecart, "WHOLECART", subtotal=150, cart_qty="12"))
    few = api.post(REDEEM, order_body(wholecart, "WHOLECART", subtotal=250, cart_qty="4"))
    exactly_200 = api.post(REDEEM, order_body(wholecart, "WHOLECART", subtotal=200, cart_qty="12"))
    good = api.post(REDEEM, order_body(wholecart, "WHOLECART", subtotal=250, cart_qty="12"))

    assert error_of(small) == (400, "coupon validation failed", "selling_price should be greater than 200.00")
    assert error_of(few) == (400, "coupon validation failed", "cart_qty should be greater than 10")
    assert error_of(exactly_200)[2] == "selling_price should be greater than 200.00"  # gt: 200.00 itself is refused
    assert good.status == 200, good.body
    assert good.json()["status"] == "completed"


def test_item_conditions_answer_the_seeds_discount_validation_message(api: ApiClient, wholecart: str) -> None:
    body = order_body(wholecart, "WHOLECART", subtotal=250, cart_qty="12")
    body["order"]["items"][0]["metadata"]["brand"] = "brand C"

    response = api.post(REDEEM, body)

    status, message, details = error_of(response)
    assert (status, message) == (
        400,
        "Discount validation is failed, please check terms and condition in the coupon tray",
    )
    assert "brand A" in details


def test_validate_names_every_failed_condition_and_the_gap(api: ApiClient, wholecart: str) -> None:
    body = order_body(wholecart, "WHOLECART", subtotal=150, cart_qty="3")
    body["order"]["items"][0]["metadata"]["brand"] = "brand C"

    response = api.post("/coupons/validate", body)

    assert response.status == 200, response.body
    answer = response.json()
    assert (answer["valid"], answer["discount"], answer["order_id"]) == (False, 0, "1223456")
    (coupon,) = answer["coupons"]
    assert (coupon["valid"], coupon["message"]) == (False, "coupon validation failed")
    failures = {f["field"]: f for f in coupon["failures"]}
    assert failures["selling_price_subtotal"] == {
        "field": "selling_price_subtotal",
        "operator": "gt",
        "required": 200,
        "actual": 150,
        "message": "selling_price should be greater than 200.00",
        "gap": "add 50.01 more to selling_price",
    }
    assert failures["metadata.cart_qty"]["gap"] == "cart_qty is 3, needs more than 10"
    assert failures["items"]["gap"] == "add an item of brand A"
    assert api.get(f"/coupons/{wholecart}").json()["redeemed"] == 0


def test_validate_gives_the_discount_on_the_matching_items_and_consumes_nothing(api: ApiClient) -> None:
    customer(api)
    coupon_id = create_coupon(
        api,
        {
            "coupon_code": "BRANDB20",
            "discount": {"type": "percent", "value": 20, "max_discount": 70},
            "metadata_schema": {"brand": "string"},
            "conditions": {
                "items": {
                    "match": [{"field": "metadata.brand", "operator": "eq", "value": "brand B"}],
                    "min_amount": 500,
                }
            },
        },
    )["coupon_id"]
    body = order_body(coupon_id, "BRANDB20")

    short = api.post("/coupons/validate", body).json()["coupons"][0]
    body["order"]["items"][1]["quantity"] = 3
    enough = api.post("/coupons/validate", body).json()

    assert short["valid"] is False
    assert short["failures"][0]["gap"] == "add 100.00 more of brand B"  # 2 x 200 of brand B, needs 500
    assert enough["valid"] is True
    assert enough["discount"] == 70  # 20% of 600 is 120, capped at 70
    assert enough["coupons"][0]["failures"] == []
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == 0


@pytest.mark.parametrize(
    ("discount", "expected"), [({"type": "amount", "value": 10}, 2.99), ({"type": "percent", "value": 50}, 1.5)]
)
def test_an_item_level_discount_on_a_fractional_quantity_is_answered_and_stored_in_cents(
    api: ApiClient, discount: dict[str, Any], expected: float
) -> None:
    # Given a coupon on brand B's items, and an order of 1.5 units of brand B at 1.99 (a line of 2.985)
    customer(api)
    match = [{"field": "metadata.brand", "operator": "eq", "value": "brand B"}]
    coupon = {"coupon_code": "LOOSE", "discount": discount, "metadata_schema": {"brand": "string"}}
    coupon_id = create_coupon(api, {**coupon, "conditions": {"items": {"match": match}}})["coupon_id"]
    body = order_body(coupon_id, "LOOSE")
    body["order"]["items"][1].update(selling_price=1.99, original_price=1.99, quantity=1.5)

    # When it is validated and redeemed
    validated = api.post("/coupons/validate", body).json()
    assert api.post(REDEEM, body).status == 200

    # Then the discount is in cents (rounded half-up, as README says), in the answer and the record
    assert (validated["discount"], validated["coupons"][0]["discount"]) == (expected, expected)
    assert api.get(f"/coupons/{coupon_id}/redemptions").json()["data"][0]["discount"] == expected


# ---------------------------------------------------------------------------- redemption records


def test_metadata_outside_the_schema_is_nullified_and_the_record_says_what_was_kept(
    api: ApiClient, wholecart: str
) -> None:
    body = order_body(wholecart, "WHOLECART", subtotal=250, cart_qty="12")
    body["order"]["metadata"]["color"] = "blue"
    body["order"]["items"][1]["metadata"]["brand"] = 7  # a number where the schema says string

    assert api.post(REDEEM, body).status == 200

    (record,) = api.get(f"/coupons/{wholecart}/redemptions").json()["data"]
    assert record["order"]["metadata"] == {"cart_qty": 12, "color": None}
    assert record["order"]["items"][0]["metadata"] == {"brand": "brand A", "category": "grocery"}
    assert record["order"]["items"][1]["metadata"] == {"brand": None, "category": "vegetables"}
    assert record["nullified_metadata"] == ["order.metadata.color", "order.items.1.metadata.brand"]
    assert (record["source_id"], record["order_id"], record["discount"]) == ("krish123", "1223456", 100)
    assert (record["status"], record["order_status"]) == ("completed", "pending")


def test_the_redemption_record_keeps_the_orders_amounts_under_their_names(api: ApiClient, seed_coupon: str) -> None:
    body = with_value(seed_body(seed_coupon), 900, "order", "original_price_subtotal")

    assert api.post(REDEEM, body).status == 200

    (record,) = api.get(f"/coupons/{seed_coupon}/redemptions").json()["data"]
    amounts = {key: value for key, value in record["order"].items() if key not in ("metadata", "items")}
    assert amounts == {
        "original_price_subtotal": 900,
        "selling_price_subtotal": 800,
        "shipping": 100,
        "tax": 20,
        "payment_mode": "UPI",
    }


def test_the_same_order_redeemed_again_answers_the_first_result_and_stores_the_new_order_status(
    api: ApiClient, seed_coupon: str
) -> None:
    first = api.post(REDEEM, seed_body(seed_coupon))
    again = api.post(REDEEM, with_value(seed_body(seed_coupon), "completed", "order", "status"))

    assert again.json() == first.json()
    assert again.json()["request_id"] == first.header("x-request-id") != again.header("x-request-id")
    coupon = api.get(f"/coupons/{seed_coupon}").json()
    assert coupon["redeemed"] == 1
    (record,) = api.get(f"/coupons/{seed_coupon}/redemptions").json()["data"]
    assert record["order_status"] == "completed"


def test_an_order_id_already_redeemed_is_a_409_for_anything_but_its_replay(api: ApiClient) -> None:
    # Given krish redeemed a pool code on order o1 (pending)
    customer(api)
    customer(api, "other")
    coupon_id = create_coupon(api, simple_coupon(None))["coupon_id"]
    api.post(f"/coupons/{coupon_id}/codes", {"codes": ["POOL-1", "POOL-2"]})
    first = api.post(REDEEM, order_body(coupon_id, "POOL-1", order_id="o1"))
    assert first.status == 200

    # When the order id comes again from another customer, with another code, or with another order
    attempts = {
        "source_id": order_body(coupon_id, "POOL-2", order_id="o1", source_id="other"),
        "coupon_code": order_body(coupon_id, "POOL-2", order_id="o1"),
        "order": order_body(coupon_id, "POOL-1", order_id="o1", subtotal=900),
    }
    answers = {
        field: api.post(REDEEM, with_value(body, "completed", "order", "status")) for field, body in attempts.items()
    }

    # Then each is a 409 naming the field; the first redemption is untouched, and nothing was consumed
    for field, answer in answers.items():
        assert error_of(answer)[0] == 409
        assert error_of(answer)[2].startswith(f"{field}: order o1 redeemed coupon {coupon_id}"), answer.body
    (record,) = api.get(f"/coupons/{coupon_id}/redemptions").json()["data"]
    assert (record["source_id"], record["coupon_code"], record["order_status"]) == ("krish123", "POOL-1", "pending")
    assert record["request_id"] == first.json()["request_id"]
    assert api.get(f"/coupons/{coupon_id}").json()["codes"]["redeemed"] == 1
    # And the replay (800 is 800.0, the status moved on) answers the first result
    replay = with_value(order_body(coupon_id, "pool-1", order_id="o1", subtotal=800.0), "completed", "order", "status")
    assert api.post(REDEEM, replay).json() == first.json()
    # And once krish reverted it, the order id is still krish's: the other customer gets a 409
    assert api.post(REVERT, order_body(coupon_id, "POOL-1", order_id="o1")).status == 200
    taken = api.post(REDEEM, attempts["source_id"])
    assert error_of(taken)[0] == 409
    (record,) = api.get(f"/coupons/{coupon_id}/redemptions").json()["data"]
    assert (record["source_id"], record["status"]) == ("krish123", "reverted")
    assert api.post(REDEEM, attempts["coupon_code"]).status == 200  # krish may redeem it again, with any code


def test_an_order_whose_metadata_holds_exact_numeric_text_is_replayed_by_its_every_digit(api: ApiClient) -> None:
    # Given an order redeemed with a 35-digit number as text on a metadata key the coupon types as a number
    customer(api)
    coupon_id = create_coupon(api, simple_coupon("EXACT", metadata_schema={"cart_qty": "number"}))["coupon_id"]
    spelt = "1234567890123456789012345678901234.5"
    first = api.post(REDEEM, order_body(coupon_id, "EXACT", order_id="o-exact", cart_qty=spelt))
    assert first.status == 200, first.body
    # When the same order comes again, the number spelt another way, and then differing in its last digit
    replay = api.post(REDEEM, order_body(coupon_id, "EXACT", order_id="o-exact", cart_qty=spelt + "0"))
    other = api.post(REDEEM, order_body(coupon_id, "EXACT", order_id="o-exact", cart_qty=spelt[:-1] + "6"))
    # Then the replay answers the first result, and the other order (past Decimal's 28 default digits) is a 409
    assert replay.json() == first.json()
    assert error_of(other)[0] == 409
    assert error_of(other)[2].startswith("order: order o-exact redeemed coupon"), other.body


def test_a_replay_is_told_from_another_order_by_its_items_and_its_numbers_by_value(api: ApiClient) -> None:
    # Given an order redeemed with a whole number on a metadata key the coupon types as a number
    customer(api)
    coupon_id = create_coupon(api, simple_coupon("SAME", metadata_schema={"cart_qty": "number"}))["coupon_id"]
    first = api.post(REDEEM, order_body(coupon_id, "SAME", order_id="o-same", cart_qty=4))
    assert first.status == 200, first.body
    # When it comes again with 4.0 for 4, and then with another quantity of its first item
    replay = api.post(REDEEM, order_body(coupon_id, "SAME", order_id="o-same", cart_qty=4.0))
    other_items = order_body(coupon_id, "SAME", order_id="o-same", cart_qty=4)
    other_items["order"]["items"][0]["quantity"] += 1
    other = api.post(REDEEM, other_items)
    # Then the replay answers the first result, and the order with other items is a 409
    assert replay.json() == first.json()
    assert error_of(other)[0] == 409
    assert error_of(other)[2].startswith("order: order o-same redeemed coupon"), other.body


def test_a_revert_of_an_order_never_redeemed_is_a_400_and_a_second_revert_changes_nothing(
    api: ApiClient, seed_coupon: str
) -> None:
    never = api.post(REVERT, seed_body(seed_coupon))
    api.post(REDEEM, seed_body(seed_coupon))
    first = api.post(REVERT, with_value(seed_body(seed_coupon), "reverted", "order", "status"))
    second = api.post(REVERT, seed_body(seed_coupon))

    assert error_of(never) == (400, "Redemption not found", f"coupon {seed_coupon} was not redeemed on order 1223456")
    assert second.json() == first.json()
    assert api.get(f"/coupons/{seed_coupon}").json()["redeemed"] == 0
    (record,) = api.get(f"/coupons/{seed_coupon}/redemptions").json()["data"]
    assert (record["status"], record["order_status"]) == ("reverted", "reverted")


def test_a_revert_by_another_customer_is_refused(api: ApiClient, seed_coupon: str) -> None:
    api.post(REDEEM, seed_body(seed_coupon))
    customer(api, "someone-else")

    response = api.post(REVERT, with_value(seed_body(seed_coupon), "someone-else", "source_id"))

    assert error_of(response) == (400, INVALID_PAYLOAD, "Invalid source_id")
    assert api.get(f"/coupons/{seed_coupon}").json()["redeemed"] == 1


# ---------------------------------------------------------------------------- several coupons


def test_several_coupons_are_redeemed_together_or_not_at_all(api: ApiClient) -> None:
    customer(api)
    first = create_coupon(api, simple_coupon("TEN"))["coupon_id"]
    second = create_coupon(api, simple_coupon("ONCE", usage_limit=1))["coupon_id"]
    pair = order_body(first, "TEN")
    pair["coupon_details"].append({"coupon_id": second, "coupon_code": "ONCE"})

    both = api.post(REDEEM, pair)
    pair["order"]["order_id"] = "second-order"
    refused = api.post(REDEEM, pair)

    assert both.status == 200, both.body
    assert [c["couponId"] for c in both.json()["coupons"]] == [first, second]
    assert both.json()["couponId"] == first
    assert error_of(refused) == (400, "coupon validation failed", "coupon usage limit reached")
    assert api.get(f"/coupons/{first}").json()["redeemed"] == 1  # the first coupon was not consumed either
    assert len(api.get(f"/coupons/{first}/redemptions").json()["data"]) == 1


def test_coupons_redeemed_together_are_reverted_together_and_a_revert_goes_past_one_already_reverted(
    api: ApiClient,
) -> None:
    customer(api)
    first = create_coupon(api, simple_coupon("TEN"))["coupon_id"]
    second = create_coupon(api, simple_coupon("MORE"))["coupon_id"]
    pair = order_body(first, "TEN", order_id="o1")
    pair["coupon_details"].append({"coupon_id": second, "coupon_code": "MORE"})

    api.post(REDEEM, pair)
    together = api.post(REVERT, pair)
    pair["order"]["order_id"] = "o2"
    api.post(REDEEM, pair)
    api.post(REVERT, order_body(first, "TEN", order_id="o2"))
    after_one = api.post(REVERT, pair)

    assert [c["status"] for c in together.json()["coupons"]] == ["reverted", "reverted"]
    assert [c["couponId"] for c in after_one.json()["coupons"]] == [first, second]
    assert api.get(f"/coupons/{first}").json()["redeemed"] == 0
    assert api.get(f"/coupons/{second}").json()["redeemed"] == 0


def test_a_coupon_that_does_not_apply_takes_nothing_off_the_order(api: ApiClient) -> None:
    customer(api)
    expired = create_coupon(api, simple_coupon("OLD", ends_at="2020-01-01T00:00:00Z"))["coupon_id"]
    big = create_coupon(api, {"coupon_code": "BIG", "discount": {"type": "amount", "value": 800}})["coupon_id"]
    body = order_body(expired, "OLD")
    body["coupon_details"].append({"coupon_id": big, "coupon_code": "BIG"})

    validated = api.post("/coupons/validate", body).json()

    assert [c["discount"] for c in validated["coupons"]] == [0, 800]  # the expired coupon's 10 is not counted
    assert validated["discount"] == 800


def test_stacked_discounts_never_exceed_the_order(api: ApiClient) -> None:
    customer(api)
    big = create_coupon(api, {"coupon_code": "BIG", "discount": {"type": "amount", "value": 700}})["coupon_id"]
    more = create_coupon(api, {"coupon_code": "MORE", "discount": {"type": "amount", "value": 300}})["coupon_id"]
    body = order_body(big, "BIG")
    body["coupon_details"].append({"coupon_id": more, "coupon_code": "MORE"})

    validated = api.post("/coupons/validate", body).json()
    api.post(REDEEM, body)

    assert [c["discount"] for c in validated["coupons"]] == [700, 200]  # 800 subtotal + 100 shipping
    assert validated["discount"] == 900
    assert api.get(f"/coupons/{more}/redemptions").json()["data"][0]["discount"] == 200


def test_a_coupon_twice_on_one_order_is_refused(api: ApiClient, seed_coupon: str) -> None:
    body = seed_body(seed_coupon)
    body["coupon_details"].append(dict(body["coupon_details"][0]))

    assert error_of(api.post(REDEEM, body)) == (
        400,
        INVALID_PAYLOAD,
        "coupon_details: each coupon may appear once per order",
    )


# ---------------------------------------------------------------------------- limits and states


def test_eligibility_refusals(api: ApiClient) -> None:
    customer(api)
    customer(api, "other")
    disabled = create_coupon(api, simple_coupon("OFF", status="disabled"))["coupon_id"]
    expired = create_coupon(api, simple_coupon("OLD", ends_at="2020-01-01T00:00:00Z"))["coupon_id"]
    future = create_coupon(api, simple_coupon("SOON", starts_at="2099-01-01T00:00:00Z"))["coupon_id"]
    assigned = create_coupon(api, simple_coupon("MINE", assigned_to="other"))["coupon_id"]
    holders = create_coupon(api, simple_coupon("VIP", redeemable_by="holders"))["coupon_id"]
    cases = [
        (disabled, "OFF", "coupon is disabled"),
        (expired, "OLD", "coupon has expired"),
        (future, "SOON", "coupon is not active yet"),
        (assigned, "MINE", "coupon is assigned to another customer"),
        (holders, "VIP", "coupon was not given to this customer"),
    ]
    for coupon_id, code, details in cases:
        response = api.post(REDEEM, order_body(coupon_id, code))
        assert error_of(response) == (400, "coupon validation failed", details), code
    assert api.post(REDEEM, order_body(assigned, "MINE", source_id="other")).status == 200


def test_validate_names_the_date_a_coupon_ended_or_starts(api: ApiClient) -> None:
    customer(api)
    expired = create_coupon(api, simple_coupon("OLD", ends_at="2020-01-01T00:00:00Z"))["coupon_id"]
    future = create_coupon(api, simple_coupon("SOON", starts_at="2099-01-01T00:00:00Z"))["coupon_id"]

    (ended,) = api.post("/coupons/validate", order_body(expired, "OLD")).json()["coupons"][0]["failures"]
    (starts,) = api.post("/coupons/validate", order_body(future, "SOON")).json()["coupons"][0]["failures"]

    assert (ended["field"], ended["required"], ended["gap"]) == (
        "ends_at",
        "2020-01-01T00:00:00.000Z",
        "ended at 2020-01-01T00:00:00.000Z",
    )
    assert (starts["field"], starts["required"], starts["gap"]) == (
        "starts_at",
        "2099-01-01T00:00:00.000Z",
        "starts at 2099-01-01T00:00:00.000Z",
    )
    assert ended["actual"].endswith(".000Z")  # now, as the API shows dates
    assert starts["actual"].endswith(".000Z")


def test_per_customer_limit_and_revert_gives_the_use_back(api: ApiClient) -> None:
    customer(api)
    coupon_id = create_coupon(api, simple_coupon("ONEEACH", usage_limit_per_customer=1))["coupon_id"]

    first = api.post(REDEEM, order_body(coupon_id, "ONEEACH", order_id="o1"))
    second = api.post(REDEEM, order_body(coupon_id, "ONEEACH", order_id="o2"))
    api.post(REVERT, order_body(coupon_id, "ONEEACH", order_id="o1"))
    third = api.post(REDEEM, order_body(coupon_id, "ONEEACH", order_id="o2"))

    assert first.status == 200
    assert error_of(second) == (400, "coupon validation failed", "usage limit per customer reached")
    assert third.status == 200
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == 1


def test_a_pool_code_redeems_under_its_coupon_once(api: ApiClient) -> None:
    customer(api)
    customer(api, "other")
    coupon_id = create_coupon(api, simple_coupon(None))["coupon_id"]
    api.post(f"/coupons/{coupon_id}/codes", {"codes": ["POOL-1", "POOL-2"]})

    first = api.post(REDEEM, order_body(coupon_id, "pool-1", order_id="o1"))
    reused = api.post(REDEEM, order_body(coupon_id, "POOL-1", order_id="o2", source_id="other"))
    api.post(REVERT, order_body(coupon_id, "POOL-1", order_id="o1"))
    after_revert = api.post(REDEEM, order_body(coupon_id, "POOL-1", order_id="o2", source_id="other"))

    assert first.status == 200
    assert first.json()["coupon_code"] == "POOL-1"
    assert error_of(reused) == (400, "coupon validation failed", "coupon_code was already redeemed")
    assert after_revert.status == 200
    assert api.get(f"/coupons/{coupon_id}").json()["codes"] == {
        "total": 2,
        "issued": 0,
        "redeemed": 1,
        "voided": 0,
        "available": 1,
    }


def test_a_revert_naming_another_code_of_the_pool_names_the_coupon_and_the_order(api: ApiClient) -> None:
    customer(api)
    coupon_id = create_coupon(api, simple_coupon(None))["coupon_id"]
    api.post(f"/coupons/{coupon_id}/codes", {"codes": ["POOL-1", "POOL-2"]})
    api.post(REDEEM, order_body(coupon_id, "POOL-1", order_id="o1"))

    response = api.post(REVERT, order_body(coupon_id, "POOL-2", order_id="o1"))

    assert error_of(response) == (
        400,
        "Invalid coupon code for this order",
        f"coupon_code: order o1 did not redeem this code of coupon {coupon_id}; a revert names the code the order used",
    )


def test_the_idempotency_key_replays_the_first_answer(api: ApiClient, seed_coupon: str) -> None:
    headers = {"Idempotency-Key": "order-1223456"}
    first = api.post(REDEEM, seed_body(seed_coupon), headers=headers)
    replay = api.post(REDEEM, seed_body(seed_coupon), headers=headers)
    other = api.post(REDEEM, with_value(seed_body(seed_coupon), "9", "order", "order_id"), headers=headers)

    assert replay.json() == first.json()
    assert replay.header("Idempotent-Replayed") == "true"
    assert other.status == 409
    assert api.get(f"/coupons/{seed_coupon}").json()["redeemed"] == 1


def test_a_replay_racing_a_revert_never_writes_its_status_on_the_reverted_redemption(
    api: ApiClient, seed_coupon: str
) -> None:
    # Given orders redeemed as pending
    orders = [f"race-{n}" for n in range(8)]
    for order_id in orders:
        assert api.post(REDEEM, with_value(seed_body(seed_coupon), order_id, "order", "order_id")).status == 200

    # When each is replayed as completed and reverted at the same instant
    requests = []
    for order_id in orders:
        body = with_value(seed_body(seed_coupon), order_id, "order", "order_id")
        requests += [
            Request("POST", REDEEM, with_value(body, "completed", "order", "status")),
            Request("POST", REVERT, with_value(body, "reverted", "order", "status")),
        ]
    answers = send_together(api, requests)

    # Then every revert went through, and each record keeps the status of its revert (a replay that lost
    # the race either landed before it or read the revert and redeemed the order again, as its customer)
    assert all(answer.status == 200 for answer in answers), [a.body for a in answers if a.status != 200]
    records = {r["order_id"]: r for r in api.get(f"/coupons/{seed_coupon}/redemptions").json()["data"]}
    for order_id, replay in zip(orders, answers[::2], strict=True):
        record = records[order_id]
        if record["status"] == "reverted":
            assert record["order_status"] == "reverted", record
        else:
            assert (record["status"], record["order_status"]) == ("completed", "completed"), record
            assert record["request_id"] == replay.json()["request_id"]
