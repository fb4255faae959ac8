"""Campaign rules granting coupons (``{"type": "coupon", "coupon_id": ...}``): on completion the customer
gets a pool code, or the fixed code made theirs, exactly once, in the completion's own write; and
``GET /customers/{source_id}/coupons`` lists what a customer holds with its state."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from shared import clock
from shared.domain.coupons import grant_for_rule
from shared.storage import dynamodb, keys
from shared.storage.coupons import definitions, issuing, pools
from tests.support.api import ApiClient
from tests.support.concurrency import Request, send_together
from tests.support.coupons import create_coupon, customer, order_body, simple_coupon

REDEEM, REVERT = "/coupons/apply?type=redeem", "/coupons/apply?type=revert"


def kyc_campaign(coupon_id: str) -> dict[str, Any]:
    return {
        "campaign_name": "Welcome coupon",
        "rules": [
            {
                "rule_name": "KYC",
                "action_type": "RTA",
                "actions": [{"event_name": "complete_KYC_Verification", "target": 1}],
                "reward": {"type": "coupon", "coupon_id": coupon_id},
            }
        ],
    }


def kyc(source_id: str) -> dict[str, Any]:
    return {"source_id": source_id, "event_name": "complete_KYC_Verification"}


def pool_with_codes(api: ApiClient, codes: list[str], **changes: Any) -> str:
    coupon_id: str = create_coupon(api, simple_coupon(None, **changes))["coupon_id"]
    assert api.post(f"/coupons/{coupon_id}/codes", {"codes": codes}).status == 200
    return coupon_id


def held(api: ApiClient, source_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/customers/{source_id}/coupons")
    assert response.status == 200, response.body
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def test_completing_a_rule_issues_the_next_pool_code_to_the_customer_once(api: ApiClient) -> None:
    coupon_id = pool_with_codes(api, ["WELCOME-1", "WELCOME-2"])
    assert api.post("/campaigns", kyc_campaign(coupon_id)).status == 201

    first = api.post("/events", kyc("krish123"), headers={"Idempotency-Key": "kyc-1"})
    again = api.post("/events", kyc("krish123"), headers={"Idempotency-Key": "kyc-1"})
    later = api.post("/events", kyc("krish123"))

    (reward,) = first.json()["rewards"]
    assert reward["type"] == "coupon"
    assert (reward["coupon_id"], reward["coupon_code"], reward["source_id"]) == (coupon_id, "WELCOME-1", "krish123")
    assert again.json()["rewards"] == first.json()["rewards"]
    assert later.json()["rewards"] == []  # the rule is complete: nothing more
    assert api.get(f"/coupons/{coupon_id}").json()["codes"] == {
        "total": 2,
        "issued": 1,
        "redeemed": 0,
        "voided": 0,
        "available": 1,
    }
    (mine,) = held(api, "krish123")
    assert (mine["coupon_code"], mine["state"], mine["uses"]) == ("WELCOME-1", "available", 0)


def test_an_issued_code_redeems_only_for_its_customer(api: ApiClient) -> None:
    coupon_id = pool_with_codes(api, ["GIFT-1"])
    api.post("/campaigns", kyc_campaign(coupon_id))
    api.post("/events", kyc("krish123"))
    customer(api, "someone-else")

    stolen = api.post(REDEEM, order_body(coupon_id, "GIFT-1", source_id="someone-else"))
    mine = api.post(REDEEM, order_body(coupon_id, "GIFT-1"))

    assert stolen.status == 400
    assert stolen.json()["details"] == "coupon_code was issued to another customer"
    assert mine.status == 200
    assert [c["state"] for c in held(api, "krish123")] == ["redeemed"]
    api.post(REVERT, order_body(coupon_id, "GIFT-1"))
    assert [c["state"] for c in held(api, "krish123")] == ["available"]


def test_twenty_customers_completing_at_once_get_twenty_different_codes(api: ApiClient) -> None:
    coupon_id = pool_with_codes(api, [f"C{n:02d}" for n in range(25)])
    api.post("/campaigns", kyc_campaign(coupon_id))

    responses = send_together(api, [Request("POST", "/events", kyc(f"buyer-{n}")) for n in range(20)])

    assert all(r.status == 200 for r in responses), [r.body for r in responses if r.status != 200]
    codes = [r.json()["rewards"][0]["coupon_code"] for r in responses]
    assert len(set(codes)) == 20
    assert api.get(f"/coupons/{coupon_id}").json()["codes"]["issued"] == 20
    for n in (0, 19):
        (mine,) = held(api, f"buyer-{n}")
        assert mine["coupon_code"] == codes[n]


def test_a_fixed_code_for_holders_only_is_made_redeemable_by_the_customer(api: ApiClient) -> None:
    coupon_id = create_coupon(api, simple_coupon("MEMBERS10", redeemable_by="holders"))["coupon_id"]
    api.post("/campaigns", kyc_campaign(coupon_id))
    customer(api, "stranger")
    before = api.post(REDEEM, order_body(coupon_id, "MEMBERS10", source_id="stranger"))

    granted = api.post("/events", kyc("krish123")).json()["rewards"]
    first = api.post(REDEEM, order_body(coupon_id, "MEMBERS10", order_id="o1"))
    second = api.post(REDEEM, order_body(coupon_id, "MEMBERS10", order_id="o2"))

    assert before.json()["details"] == "coupon was not given to this customer"
    assert granted[0]["coupon_code"] == "MEMBERS10"
    assert first.status == 200
    assert second.json()["details"] == "coupon already used as often as given"
    (mine,) = held(api, "krish123")
    assert (mine["state"], mine["uses"]) == ("redeemed", 1)


def test_an_empty_pool_completes_the_rule_and_says_why_no_coupon_was_given(api: ApiClient) -> None:
    coupon_id = pool_with_codes(api, ["ONLY-1"])
    api.post("/campaigns", kyc_campaign(coupon_id))
    api.post("/events", kyc("first"))

    response = api.post("/events", kyc("second"))

    assert response.status == 200
    (reward,) = response.json()["rewards"]
    assert (reward["coupon_code"], reward["refused"]) == (None, "the coupon's pool has no code left")
    assert response.json()["progress"][0]["status"] == "completed"
    assert held(api, "second") == []


def test_the_customers_coupons_show_expired_and_an_unknown_customer_is_a_404(api: ApiClient) -> None:
    customer(api)
    expired = create_coupon(api, simple_coupon("OLDIE", ends_at="2021-01-01T00:00:00Z"))["coupon_id"]
    active = create_coupon(api, simple_coupon("FRESH", usage_limit_per_customer=2))["coupon_id"]
    api.post(REDEEM, order_body(active, "FRESH"))

    _, actions = grant_for_rule(api.credentials.app_id, expired, "krish123", "camp_x", "valr_x")

    assert actions == ()  # an expired coupon is not handed out
    assert Counter(c["state"] for c in held(api, "krish123")) == Counter({"available": 1})
    assert held(api, "krish123")[0]["uses"] == 1
    dynamodb.update_item(  # the coupon's end passes
        keys.coupon(api.credentials.app_id, active),
        dynamodb.Expression("SET ends_at = :past", values={":past": 1_600_000_000}),
    )
    assert [c["state"] for c in held(api, "krish123")] == ["expired"]
    missing = api.get("/customers/nobody/coupons")
    assert missing.status == 404
    assert missing.json()["details"] == "Cannot find customer with source id nobody"


def issue(api: ApiClient, coupon_id: str) -> issuing.IssuedCoupon:
    """``coupon_id`` given to krish123 as a campaign rule or a reward gives it (a pool code, or a fixed code)."""
    record = definitions.get(api.credentials.app_id, coupon_id)
    assert record is not None
    issued = issuing.issue_coupon(api.credentials.app_id, record, "krish123", clock.now_epoch(), clock.now_iso())
    dynamodb.transact_write(issued.actions)
    return issued


def test_the_customers_coupons_show_redeemed_voided_disabled_and_available_through_their_last_second(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer(api)
    ending, holders = {"ends_at": "2030-01-01T00:00:00Z"}, {"redeemable_by": "holders"}
    fixed: dict[str, dict[str, Any]] = {"ONCE": {"usage_limit_per_customer": 1}, "PAUSED": {}, "ENDING": ending}
    fixed |= dict.fromkeys(("HELD", "USED", "GONE"), holders)
    coupon_ids = {
        code: create_coupon(api, simple_coupon(code, **limits))["coupon_id"] for code, limits in fixed.items()
    }
    given = {code: issue(api, coupon_ids[code]) for code in ("HELD", "USED", "GONE")}
    for number, code in enumerate(("ONCE", "PAUSED", "ENDING", "USED")):
        assert api.post(REDEEM, order_body(coupon_ids[code], code, order_id=f"o{number}")).status == 200
    assert api.patch(f"/coupons/{coupon_ids['PAUSED']}", {"status": "disabled"}).status == 200
    voided, _ = (issue(api, pool_with_codes(api, [code], **limits)) for code, limits in (("V1", {}), ("E1", ending)))
    for grant in (voided.grant, given["GONE"].grant):
        dynamodb.transact_write(issuing.void_coupon(api.credentials.app_id, grant, clock.now_iso()))
    last_second = 1_893_456_000  # 2030-01-01T00:00:00Z: the end of ENDING and E1, still valid

    monkeypatch.setattr(clock, "now_epoch", lambda: last_second)
    at_the_end = {c["coupon_code"]: (c["state"], c["uses"]) for c in held(api, "krish123")}
    monkeypatch.setattr(clock, "now_epoch", lambda: last_second + 1)
    after_it = {c["coupon_code"]: (c["state"], c["uses"]) for c in held(api, "krish123")}

    assert at_the_end == {
        "ONCE": ("redeemed", 1),
        "PAUSED": ("disabled", 1),
        "ENDING": ("available", 1),
        "HELD": ("available", 0),
        "USED": ("redeemed", 1),
        "GONE": ("voided", 0),
        "V1": ("voided", 0),
        "E1": ("available", 0),
    }
    assert after_it == at_the_end | {"ENDING": ("expired", 1), "E1": ("expired", 0)}


def test_the_customers_coupons_and_a_coupons_redemptions_are_read_page_by_page(api: ApiClient) -> None:
    customer(api)
    shared_id = create_coupon(api, simple_coupon("SHARED"))["coupon_id"]
    for number, code in enumerate(("FIRST", "SECOND")):
        coupon_id = create_coupon(api, simple_coupon(code))["coupon_id"]
        assert api.post(REDEEM, order_body(coupon_id, code, order_id=f"own{number}")).status == 200
    for number in range(3):
        assert api.post(REDEEM, order_body(shared_id, "SHARED", order_id=f"o{number}")).status == 200

    for path, count in (("/customers/krish123/coupons", 3), (f"/coupons/{shared_id}/redemptions", 3)):
        first = api.get(f"{path}?limit=2").json()
        rest = api.get(f"{path}?limit=2&cursor={first['next_cursor']}").json()
        assert (len(first["data"]), first["has_more"], len(rest["data"]), rest["has_more"]) == (2, True, 1, False)
        assert len({str(item) for item in first["data"] + rest["data"]}) == count


def test_a_rule_granting_a_coupon_that_is_missing_or_disabled_gives_nothing_and_says_why(api: ApiClient) -> None:
    disabled = create_coupon(api, simple_coupon("OFF", status="disabled"))["coupon_id"]

    answers = [
        grant_for_rule(api.credentials.app_id, coupon_id, "krish123", "camp_x", "valr_x")
        for coupon_id in ("coupm_missing", disabled)
    ]

    assert [(granted.coupon_code, granted.refused, actions) for granted, actions in answers] == [
        (None, "coupon not found", ()),
        (None, "the coupon is disabled", ()),
    ]


def test_a_rule_grants_the_next_code_the_shop_has_not_used_and_records_when_it_was_issued(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer(api)
    coupon_id = pool_with_codes(api, ["TILL-1", "NEXT-2"])
    assert api.post(REDEEM, order_body(coupon_id, "TILL-1")).status == 200  # used at the till, never issued
    monkeypatch.setattr(clock, "now_epoch_ms", lambda: 1_796_342_400_000)

    granted, actions = grant_for_rule(api.credentials.app_id, coupon_id, "krish123", "camp_x", "valr_x")
    dynamodb.transact_write(actions)

    assert (granted.coupon_code, granted.refused) == ("NEXT-2", None)
    code = pools.get_code(api.credentials.app_id, "NEXT-2")
    assert code is not None
    assert (code["status"], code["holder"], code["issued_at"]) == ("issued", "krish123", "2026-12-04T00:00:00.000Z")
