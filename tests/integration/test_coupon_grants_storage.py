"""The public storage API other capabilities build on (campaign grants, reward redemptions): issue a
pool code or a fixed code to a customer, create a customer's single-use amount coupon, and void what was
given, each inside the caller's own transaction."""

from __future__ import annotations

import pytest

from shared import clock
from shared.ids import new_id
from shared.storage import dynamodb, keys
from shared.storage.coupons import definitions, issuing, pools
from shared.storage.coupons.errors import CouponAlreadyUsed, IssueRaced, PoolExhausted
from tests.support.api import ApiClient, Credentials
from tests.support.coupons import create_coupon, simple_coupon


def issue(app_id: str, coupon_id: str, source_id: str) -> issuing.IssuedCoupon:
    record = definitions.get(app_id, coupon_id)
    assert record is not None
    issued = issuing.issue_coupon(app_id, record, source_id, clock.now_epoch(), clock.now_iso())
    dynamodb.transact_write(issued.actions)
    return issued


def test_pool_codes_are_issued_in_order_once_each_until_the_pool_is_empty(
    api: ApiClient, credentials: Credentials
) -> None:
    app_id = credentials.app_id
    coupon_id = create_coupon(api, simple_coupon(None))["coupon_id"]
    api.post(f"/coupons/{coupon_id}/codes", {"codes": ["P1", "P2", "P3"]})

    issued = [issue(app_id, coupon_id, f"c{n}").grant for n in range(3)]

    assert [(g.coupon_code, g.source_id, g.kind) for g in issued] == [
        ("P1", "c0", "pool_code"),
        ("P2", "c1", "pool_code"),
        ("P3", "c2", "pool_code"),
    ]
    assert api.get(f"/coupons/{coupon_id}").json()["codes"] == {
        "total": 3,
        "issued": 3,
        "redeemed": 0,
        "voided": 0,
        "available": 0,
    }
    code = pools.get_code(app_id, "p2")
    assert code is not None
    assert (code["status"], code["holder"]) == ("issued", "c1")
    with pytest.raises(PoolExhausted):
        issue(app_id, coupon_id, "c9")


def test_two_issues_from_one_read_hand_out_one_code(api: ApiClient, credentials: Credentials) -> None:
    app_id = credentials.app_id
    coupon_id = create_coupon(api, simple_coupon(None))["coupon_id"]
    api.post(f"/coupons/{coupon_id}/codes", {"codes": ["P1", "P2"]})
    record = definitions.get(app_id, coupon_id)
    assert record is not None
    first = issuing.issue_coupon(app_id, record, "a", clock.now_epoch(), clock.now_iso())
    second = issuing.issue_coupon(app_id, record, "b", clock.now_epoch(), clock.now_iso())

    dynamodb.transact_write(first.actions)
    with pytest.raises(dynamodb.TransactionCancelled) as cancelled:
        dynamodb.transact_write(second.actions)
    with pytest.raises(IssueRaced):
        issuing.explain_issue_failure(app_id, second, cancelled.value.reasons)

    assert issue(app_id, coupon_id, "b").grant.coupon_code == "P2"


def test_a_code_the_shop_used_directly_is_skipped(api: ApiClient, credentials: Credentials) -> None:
    app_id = credentials.app_id
    coupon_id = create_coupon(api, simple_coupon(None))["coupon_id"]
    api.post(f"/coupons/{coupon_id}/codes", {"codes": ["P1", "P2"]})
    record = definitions.get(app_id, coupon_id)
    assert record is not None
    attempt = issuing.issue_coupon(app_id, record, "a", clock.now_epoch(), clock.now_iso())
    dynamodb.update_item(
        keys.coupon_code(app_id, "P1"), dynamodb.Expression("SET #s = :r", {"#s": "status"}, {":r": "redeemed"})
    )

    with pytest.raises(dynamodb.TransactionCancelled) as cancelled:
        dynamodb.transact_write(attempt.actions)
    with pytest.raises(IssueRaced):
        issuing.explain_issue_failure(app_id, attempt, cancelled.value.reasons)

    assert issue(app_id, coupon_id, "a").grant.coupon_code == "P2"


def test_an_issued_code_is_voided_once(api: ApiClient, credentials: Credentials) -> None:
    app_id = credentials.app_id
    coupon_id = create_coupon(api, simple_coupon(None))["coupon_id"]
    api.post(f"/coupons/{coupon_id}/codes", {"codes": ["P1"]})
    grant = issue(app_id, coupon_id, "a").grant
    restored = issuing.CouponGrant.from_record(grant.to_record())

    dynamodb.transact_write(issuing.void_coupon(app_id, restored, clock.now_iso()))
    with pytest.raises(dynamodb.TransactionCancelled) as cancelled:
        dynamodb.transact_write(issuing.void_coupon(app_id, restored, clock.now_iso()))
    with pytest.raises(CouponAlreadyUsed):
        issuing.explain_void_failure(cancelled.value.reasons)

    code = pools.get_code(app_id, "P1")
    assert code is not None
    assert code["status"] == "voided"


def test_a_fixed_code_is_granted_and_a_grant_voided_once(api: ApiClient, credentials: Credentials) -> None:
    app_id = credentials.app_id
    coupon_id = create_coupon(api, simple_coupon("MEMBERS", redeemable_by="holders"))["coupon_id"]

    grant = issue(app_id, coupon_id, "a").grant

    assert (grant.coupon_code, grant.kind) == ("MEMBERS", "fixed_code")
    held = dynamodb.get_item(keys.customer_coupon(app_id, "a", coupon_id))
    assert held is not None
    assert (held["granted"], held["uses"]) == (1, 0)
    dynamodb.transact_write(issuing.void_coupon(app_id, grant, clock.now_iso()))
    with pytest.raises(dynamodb.TransactionCancelled):
        dynamodb.transact_write(issuing.void_coupon(app_id, grant, clock.now_iso()))


def test_a_customers_amount_coupon_is_created_by_the_callers_write(api: ApiClient, credentials: Credentials) -> None:
    app_id = credentials.app_id
    coupon_id = new_id("coupm")

    issued = issuing.create_customer_coupon(app_id, coupon_id, "a", 12.5, "COIN reward", clock.now_iso())
    dynamodb.transact_write(issued.actions)

    coupon = api.get(f"/coupons/{coupon_id}").json()
    assert coupon["coupon_code"] == issued.grant.coupon_code
    assert (coupon["discount"]["type"], coupon["discount"]["value"]) == ("amount", 12.5)
    assert (coupon["usage_limit"], coupon["assigned_to"], coupon["redeemable_by"]) == (1, "a", "holders")
    assert issued.grant.kind == "assigned_coupon"
