"""CAMPAIGN and COIN rewards, on the coupons module: a redemption issues one code of the pool (never
shown in the reward, only counted) or a single-use coupon worth the points; cancel voids it, and a code
already used makes the cancel a 409."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from shared import clock
from shared.domain import rewards as rewards_domain
from shared.storage import dynamodb, keys
from tests.support.api import ApiClient, Credentials
from tests.support.concurrency import Request, send_together
from tests.support.coupons import order_body
from tests.support.rewards import (
    SEED_002_COIN,
    balance,
    create_reward,
    customer_path,
    give_points,
    ledger_sum,
    seed_001,
    seed_002_campaign,
)

POOL = ["XVFDGT56RT", "XVFDGT90UT", "XVFDGT89GH"]


def pool_coupon(api: ApiClient, codes: list[str] = POOL, usage_limit: int | None = None) -> str:
    body = {"name": "$5 OFF pool", "discount": {"type": "amount", "value": 5}, "usage_limit": usage_limit}
    created = api.post("/coupons", body)
    assert created.status == 201, created.body
    coupon_id: str = created.json()["coupon_id"]
    assert api.post(f"/coupons/{coupon_id}/codes", {"codes": codes}).status in (200, 201)
    return coupon_id


def redeem(api: ApiClient, source_id: str, reward_id: str, body: dict[str, Any] | None = None) -> Any:
    return api.post(f"{customer_path(source_id)}/rewards/{reward_id}/redeem", body or {})


@pytest.fixture
def kim(api: ApiClient) -> str:
    api.put(customer_path("kim"), {"tags": ["cohortA"], "enrolled_at": "2022-05-01T00:00:00Z"})
    give_points(api, "kim", 2000)
    return "kim"


def test_the_seed_001_reward_issues_one_pool_code_and_counts_it(api: ApiClient, kim: str) -> None:
    coupon_id = pool_coupon(api)
    reward = api.post("/rewards", seed_001({"campaign": {"id": coupon_id}})).json()
    assert reward["coupons_info"] == {"total_coupons": 3, "issued_coupons": 0, "redeemed_coupons": 0}
    assert "XVFDGT" not in str(reward)  # the pool's codes never appear
    response = redeem(api, kim, reward["id"], {"custom_transaction_attributes": {"source_of_redemption": "web"}})
    assert response.status == 201, response.body
    issued = response.json()["issued"]
    assert (issued["coupon_id"], issued["code"]) == (coupon_id, "XVFDGT56RT")
    assert balance(api, kim) == 1500
    after = api.get(f"/rewards/{reward['id']}").json()
    assert after["coupons_info"] == {"total_coupons": 3, "issued_coupons": 1, "redeemed_coupons": 0}
    assert "XVFDGT" not in str(api.get("/rewards").json())


def test_the_seed_002_campaign_reward_and_an_exhausted_pool(api: ApiClient, kim: str) -> None:
    coupon_id = pool_coupon(api, ["ONLY1"])
    reward_id = create_reward(api, {**seed_002_campaign(coupon_id), "points_to_be_redeemed": 100})
    assert redeem(api, kim, reward_id).json()["issued"]["code"] == "ONLY1"
    before = balance(api, kim)
    refused = redeem(api, kim, reward_id)
    assert refused.status == 409
    assert refused.json()["details"] == "the reward's coupon pool is exhausted"
    assert balance(api, kim) == before
    explained = api.get(f"{customer_path(kim)}/rewards?explain=true").json()["data"]
    assert explained[0]["unavailable"] == ["the reward's coupon pool is exhausted"]


def test_a_campaign_reward_whose_coupon_is_gone_is_a_409_that_changes_nothing(
    api: ApiClient, kim: str, credentials: Credentials
) -> None:
    coupon_id = pool_coupon(api)
    reward_id = create_reward(api, {**seed_002_campaign(coupon_id), "points_to_be_redeemed": 100})
    assert redeem(api, kim, reward_id).status == 201  # this function now reads the coupon with the reward
    # Given the coupon's definition is gone (coupons are never deleted: a store restored without it)
    dynamodb.client().delete_item(
        TableName=dynamodb.table_name(), Key=dynamodb.to_item(keys.coupon(credentials.app_id, coupon_id))
    )
    refused = redeem(api, kim, reward_id)
    assert refused.status == 409, refused.body
    assert refused.json()["message"] == "Reward unavailable"
    assert refused.json()["details"] == f"the reward's coupon {coupon_id} no longer exists"
    assert balance(api, kim) == 1900
    assert len(api.get(f"{customer_path(kim)}/rewards/redemptions").json()["data"]) == 1


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"status": "disabled"}, "the reward's coupon is disabled"),
        ({"starts_at": "2020-01-01T00:00:00Z", "ends_at": "2021-01-01T00:00:00Z"}, "the reward's coupon is expired"),
    ],
)
def test_a_campaign_reward_whose_coupon_cannot_issue_is_neither_eligible_nor_redeemable(
    api: ApiClient, kim: str, patch: dict[str, Any], reason: str
) -> None:
    # Given a CAMPAIGN reward kim can afford, whose coupon is then disabled or ended
    coupon_id = pool_coupon(api)
    reward_id = create_reward(api, {**seed_002_campaign(coupon_id), "points_to_be_redeemed": 100})
    assert [m["reward"]["id"] for m in api.get(f"{customer_path(kim)}/rewards").json()["data"]] == [reward_id]
    assert api.patch(f"/coupons/{coupon_id}", patch).status == 200
    # Then the listing and the redemption say the same: not eligible now, and why
    assert api.get(f"{customer_path(kim)}/rewards").json()["data"] == []
    explained = api.get(f"{customer_path(kim)}/rewards?explain=true").json()["data"][0]
    assert (explained["eligible"], explained["unavailable"]) == (False, [reason])
    refused = redeem(api, kim, reward_id)
    assert (refused.status, refused.json()["details"]) == (409, reason)
    assert balance(api, kim) == 2000


@pytest.mark.parametrize(
    ("disable", "details"),
    [(False, "the reward's coupon pool is exhausted"), (True, "the reward's coupon is disabled")],
)
def test_a_coupon_that_stopped_issuing_after_the_check_refuses_the_redemption(
    api: ApiClient, kim: str, monkeypatch: pytest.MonkeyPatch, disable: bool, details: str
) -> None:
    coupon_id = pool_coupon(api, ["ONLY1", "ONLY2"] if disable else ["ONLY1"])
    reward_id = create_reward(api, {**seed_002_campaign(coupon_id), "points_to_be_redeemed": 100})
    assert redeem(api, kim, reward_id).status == 201
    if disable:
        assert api.patch(f"/coupons/{coupon_id}", {"status": "disabled"}).status == 200
    before = balance(api, kim)
    # the eligibility check saw the coupon issuable (another request emptied or disabled it right after)
    monkeypatch.setattr(rewards_domain, "unavailable_reasons", lambda *_: ())
    refused = redeem(api, kim, reward_id)
    assert refused.status == 409, refused.body
    assert (refused.json()["message"], refused.json()["details"]) == ("Reward unavailable", details)
    assert balance(api, kim) == before


def test_a_pool_code_the_shop_used_directly_is_skipped_by_the_redemption(
    api: ApiClient, kim: str, credentials: Credentials
) -> None:
    coupon_id = pool_coupon(api, ["NEXT1", "NEXT2"])
    reward_id = create_reward(api, {**seed_002_campaign(coupon_id), "points_to_be_redeemed": 100})
    # the pool's next code was used at the till without being issued
    dynamodb.update_item(
        keys.coupon_code(credentials.app_id, "NEXT1"),
        dynamodb.Expression("SET #s = :r", {"#s": "status"}, {":r": "redeemed"}),
    )
    redeemed = redeem(api, kim, reward_id)
    assert redeemed.status == 201, redeemed.body
    assert redeemed.json()["issued"]["code"] == "NEXT2"
    assert balance(api, kim) == 1900


def test_a_campaign_reward_needs_an_existing_coupon_that_never_changes(api: ApiClient) -> None:
    missing = api.post("/rewards", seed_002_campaign("coupm_000000000000000000000"))
    assert missing.status == 400
    assert "parameters.campaign.id: there is no coupon" in missing.json()["details"]
    reward_id = create_reward(api, seed_002_campaign(pool_coupon(api)))
    other = pool_coupon(api, ["OTHER1"])
    changed = api.patch(f"/rewards/{reward_id}", {"parameters": {"campaign": {"id": other}}})
    assert changed.status == 400
    assert "coupon cannot change" in changed.json()["details"]


def test_cancel_voids_the_issued_code_and_gives_points_back(api: ApiClient, kim: str) -> None:
    coupon_id = pool_coupon(api)
    reward_id = create_reward(api, {**seed_002_campaign(coupon_id), "points_to_be_redeemed": 500})
    redemption = redeem(api, kim, reward_id).json()
    cancelled = api.post(f"{customer_path(kim)}/rewards/redemptions/{redemption['id']}/cancel")
    assert cancelled.status == 200, cancelled.body
    assert balance(api, kim) == 2000
    assert balance(api, kim) == ledger_sum(api, kim)
    stored = dynamodb.get_item(keys.coupon_code(api.credentials.app_id, redemption["issued"]["code"]))
    assert stored is not None
    assert (stored["status"], stored["voided_at"]) == ("voided", cancelled.json()["cancelled_at"])
    held = dynamodb.get_item(keys.customer_coupon(api.credentials.app_id, kim, redemption["issued"]["coupon_id"]))
    assert held is not None
    assert held["granted_at"] == redemption["created_at"], "the member's grant is stamped with the redemption"
    # the voided code is never handed out again: the next redemption gets the next one
    assert redeem(api, kim, reward_id).json()["issued"]["code"] == "XVFDGT90UT"


def test_a_campaign_reward_issues_its_coupon_until_the_coupons_last_second(
    api: ApiClient, kim: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ends_at = "2030-01-01T00:00:00Z"
    body = {"name": "$5 OFF pool", "discount": {"type": "amount", "value": 5}, "ends_at": ends_at}
    coupon_id = api.post("/coupons", body).json()["coupon_id"]
    assert api.post(f"/coupons/{coupon_id}/codes", {"codes": POOL}).status in (200, 201)
    reward_id = create_reward(api, {**seed_002_campaign(coupon_id), "points_to_be_redeemed": 100})
    # half a second into the coupon's last second, it is still issued
    last_second_ms = 1_893_456_000_000
    monkeypatch.setattr(clock, "now_epoch_ms", lambda: last_second_ms + 500)
    redeemed = redeem(api, kim, reward_id)
    assert redeemed.status == 201, redeemed.body
    assert redeemed.json()["issued"]["code"] in POOL


def test_a_cancel_that_lost_on_the_redemption_and_the_code_at_once_is_retried(
    api: ApiClient, kim: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reward_id = create_reward(api, {**seed_002_campaign(pool_coupon(api)), "points_to_be_redeemed": 500})
    redemption = redeem(api, kim, reward_id).json()
    real_write = dynamodb.transact_write
    lost: list[int] = []

    def first_attempt_loses_on_both(actions: list[Any]) -> None:
        if not lost:  # the redemption's condition (first) and the code's void (last) both failed
            lost.append(len(actions))
            raise dynamodb.TransactionCancelled(
                ["ConditionalCheckFailed", *[None] * (len(actions) - 2), "ConditionalCheckFailed"]
            )
        real_write(actions)

    monkeypatch.setattr(dynamodb, "transact_write", first_attempt_loses_on_both)
    # a lost race is read again, not answered as a code used in an order
    cancelled = api.post(f"{customer_path(kim)}/rewards/redemptions/{redemption['id']}/cancel")
    assert lost, "the cancel wrote nothing"
    assert cancelled.status == 200, cancelled.body
    assert balance(api, kim) == 2000


def test_a_coin_redemption_issues_a_single_use_coupon_worth_the_points(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, SEED_002_COIN)  # 50 for 2000 points
    response = redeem(api, kim, reward_id, {"points": 1999})
    assert response.status == 201, response.body
    redemption = response.json()
    assert redemption["points"] == 1999
    assert redemption["issued"]["amount"] == "49.97"  # 1999 * 50 / 2000 = 49.975, rounded down to cents
    coupon = api.get(f"/coupons/{redemption['issued']['coupon_id']}").json()
    assert coupon["discount"] == {"type": "amount", "value": 49.97, "max_discount": None} or coupon["discount"][
        "value"
    ] == pytest.approx(49.97)
    assert coupon["usage_limit"] == 1
    assert coupon["assigned_to"] == "kim"
    assert coupon["coupon_code"] == redemption["issued"]["code"]
    assert redemption["issued"]["coupon_id"].startswith("coupm_")
    assert coupon["name"] == "Pay with points - $50: 49.97"
    assert balance(api, kim) == 1


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, "points is required to redeem a COIN reward"),
        ({"points": 2001}, "1 more points needed: the balance is 2000, the cost 2001"),
    ],
)
def test_coin_refusals_change_nothing(api: ApiClient, kim: str, body: dict[str, Any], details: str) -> None:
    reward_id = create_reward(api, SEED_002_COIN)
    response = redeem(api, kim, reward_id, body)
    assert response.status in (400, 409)
    assert response.json()["details"] == details
    assert balance(api, kim) == 2000
    assert api.get(f"{customer_path(kim)}/rewards/redemptions").json()["data"] == []


def test_a_coin_coupon_holds_at_most_a_billion(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(
        api, {**SEED_002_COIN, "parameters": {"coin": {"exchange_ratio": 1_000_000, "points_ratio": 1}}}
    )
    too_much = redeem(api, kim, reward_id, {"points": 1001})
    assert too_much.status == 400, too_much.body
    assert too_much.json()["details"] == (
        "points: 1001 points are worth more than 1000000000, the most one coupon holds"
    )
    at_most = redeem(api, kim, reward_id, {"points": 1000})
    assert at_most.status == 201, at_most.body
    assert at_most.json()["issued"]["amount"] == "1000000000.00"


def test_points_worth_far_more_than_a_coupon_holds_are_a_400_at_the_widest_ratios(api: ApiClient, kim: str) -> None:
    # 1,000,000,000 points at 10^12 per 10^-6 points: 10^27, 30 digits with the cents (exact decimal arithmetic)
    coin = {"exchange_ratio": 1e12, "points_ratio": 1e-6}
    reward_id = create_reward(api, {**SEED_002_COIN, "parameters": {"coin": coin}})
    refused = redeem(api, kim, reward_id, {"points": 1_000_000_000})
    assert refused.status == 400, refused.body
    assert refused.json()["details"] == (
        "points: 1000000000 points are worth more than 1000000000, the most one coupon holds"
    )
    assert balance(api, kim) == 2000


def test_a_coin_coupons_name_is_cut_to_the_longest_name(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, {**SEED_002_COIN, "name": "N" * 200})
    redemption = redeem(api, kim, reward_id, {"points": 1999}).json()
    assert api.get(f"/coupons/{redemption['issued']['coupon_id']}").json()["name"] == "N" * 200


def test_a_fixed_cost_reward_takes_no_points(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, {**seed_002_campaign(pool_coupon(api)), "points_to_be_redeemed": 100})
    refused = redeem(api, kim, reward_id, {"points": 10})
    assert refused.status == 400, refused.body
    assert refused.json()["details"] == "points: only COIN rewards take points; this reward costs a fixed amount"


def test_the_smallest_coin_redemption_is_one_cent(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(
        api, {**SEED_002_COIN, "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 1000}}}
    )
    refused = redeem(api, kim, reward_id, {"points": 9})  # 0.009
    assert refused.status == 400
    assert refused.json()["details"] == "points: 9 points are worth less than 0.01 at this reward's ratio"
    assert balance(api, kim) == 2000
    assert redeem(api, kim, reward_id, {"points": 10}).json()["issued"]["amount"] == "0.01"
    assert balance(api, kim) == 1990


def test_cancelling_a_coin_redemption_takes_the_coupon_back(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, SEED_002_COIN)
    redemption = redeem(api, kim, reward_id, {"points": 2000}).json()
    cancelled = api.post(f"{customer_path(kim)}/rewards/redemptions/{redemption['id']}/cancel")
    assert cancelled.status == 200, cancelled.body
    assert balance(api, kim) == 2000


def test_concurrent_campaign_redemptions_never_issue_one_code_twice(api: ApiClient) -> None:
    coupon_id = pool_coupon(api, [f"CODE{i:02d}" for i in range(5)])
    reward_id = create_reward(api, seed_002_campaign(coupon_id))
    members = [f"m{i}" for i in range(12)]
    for member in members:
        api.put(customer_path(member), {})
    responses = send_together(
        api, [Request("POST", f"{customer_path(m)}/rewards/{reward_id}/redeem", {}) for m in members]
    )
    statuses = Counter(r.status for r in responses)
    assert statuses == {201: 5, 409: 7}, statuses
    codes = [r.json()["issued"]["code"] for r in responses if r.status == 201]
    assert sorted(codes) == [f"CODE{i:02d}" for i in range(5)]


def test_a_coin_coupon_takes_its_value_off_an_order_once(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, SEED_002_COIN)
    issued = redeem(api, kim, reward_id, {"points": 1000}).json()["issued"]  # worth 25.00
    order = order_body(issued["coupon_id"], issued["code"], source_id=kim)
    applied = api.post("/coupons/apply?type=redeem", order)
    assert applied.status == 200, applied.body
    assert api.get(f"/coupons/{issued['coupon_id']}/redemptions").json()["data"][0]["discount"] == 25
    again = api.post("/coupons/apply?type=redeem", order_body(issued["coupon_id"], issued["code"], source_id=kim,
                                                                order_id="other-order"))  # fmt: skip
    assert again.status >= 400
    # someone else cannot use it
    api.put(customer_path("lee"), {})
    other = api.post("/coupons/apply?type=redeem", order_body(issued["coupon_id"], issued["code"], source_id="lee",
                                                                order_id="lee-order"))  # fmt: skip
    assert other.status >= 400


@pytest.mark.parametrize("kind", ["CAMPAIGN", "COIN"])
def test_cancel_after_the_code_was_used_in_an_order_is_a_409_that_changes_nothing(
    api: ApiClient, kim: str, kind: str
) -> None:
    if kind == "CAMPAIGN":
        reward_id = create_reward(api, {**seed_002_campaign(pool_coupon(api)), "points_to_be_redeemed": 300})
        redemption = redeem(api, kim, reward_id).json()
    else:
        reward_id = create_reward(api, SEED_002_COIN)
        redemption = redeem(api, kim, reward_id, {"points": 300}).json()
    issued = redemption["issued"]
    order = order_body(issued["coupon_id"], issued["code"], source_id=kim)
    assert api.post("/coupons/apply?type=redeem", order).status == 200
    cancel_path = f"{customer_path(kim)}/rewards/redemptions/{redemption['id']}/cancel"
    refused = api.post(cancel_path)
    assert refused.status == 409, refused.body
    assert refused.json()["message"] == "Coupon already used"
    assert refused.json()["details"] == (
        f"the code {issued['code']} of redemption {redemption['id']} was used in an order; revert the order first"
    )
    assert balance(api, kim) == 1700
    assert api.get(f"{customer_path(kim)}/rewards/redemptions").json()["data"][0]["status"] == "completed"
    # once the order is reverted, the cancel goes through
    assert api.post("/coupons/apply?type=revert", order).status == 200
    assert api.post(cancel_path).status == 200
    assert balance(api, kim) == 2000


@pytest.mark.parametrize("usage_limit", [None, 10], ids=["counted on shards", "counted on the definition"])
def test_a_revert_naming_another_code_of_the_pool_moves_nothing(
    api: ApiClient, kim: str, usage_limit: int | None
) -> None:
    # Given kim holds a code from a reward and used it on order o-kim; bo used an unissued code on o-bo
    api.put(customer_path("bo"), {"name": "Bo"})
    coupon_id = pool_coupon(api, usage_limit=usage_limit)
    reward_id = create_reward(api, seed_002_campaign(coupon_id))
    redemption = redeem(api, kim, reward_id).json()
    held, unissued = redemption["issued"]["code"], POOL[2]
    kims = order_body(coupon_id, held, source_id=kim, order_id="o-kim")
    bos = order_body(coupon_id, unissued, source_id="bo", order_id="o-bo")
    assert api.post("/coupons/apply?type=redeem", kims).status == 200
    assert api.post("/coupons/apply?type=redeem", bos).status == 200
    before = api.get(f"/coupons/{coupon_id}").json()["codes"]

    # When each order is reverted naming the other's code, or a code nobody used
    wrong = [
        order_body(coupon_id, unissued, source_id=kim, order_id="o-kim"),
        order_body(coupon_id, held, source_id="bo", order_id="o-bo"),
        order_body(coupon_id, POOL[1], source_id="bo", order_id="o-bo"),
    ]
    answers = [api.post("/coupons/apply?type=revert", body) for body in wrong]

    # Then each is a 400 naming coupon_code, and nothing moved: kim's code stays used (her redemption
    # cannot be cancelled), bo's code cannot be redeemed again, the counts are the same
    for answer in answers:
        assert answer.status == 400, answer.body
        assert answer.json()["details"].startswith("coupon_code: order o-"), answer.body
    assert api.get(f"/coupons/{coupon_id}").json()["codes"] == before == {
        "total": 3, "issued": 0, "redeemed": 2, "voided": 0, "available": 1
    }  # fmt: skip
    again = api.post("/coupons/apply?type=redeem", order_body(coupon_id, unissued, source_id=kim, order_id="o-3"))
    assert again.json()["details"] == "coupon_code was already redeemed"
    cancel_path = f"{customer_path(kim)}/rewards/redemptions/{redemption['id']}/cancel"
    assert api.post(cancel_path).json()["message"] == "Coupon already used"
    # And the right reverts give each code back where it came from: kim's to kim, bo's to the pool
    assert api.post("/coupons/apply?type=revert", kims).status == 200
    assert api.post("/coupons/apply?type=revert", bos).status == 200
    assert api.get(f"/coupons/{coupon_id}").json()["codes"] == {
        "total": 3, "issued": 1, "redeemed": 0, "voided": 0, "available": 2
    }  # fmt: skip
    assert api.post(cancel_path).status == 200
    assert api.get(f"/coupons/{coupon_id}").json()["codes"] == {
        "total": 3, "issued": 0, "redeemed": 0, "voided": 1, "available": 2
    }  # fmt: skip


def test_concurrent_redeems_reverts_and_cancels_of_held_codes_keep_each_code_in_one_state(
    api: ApiClient, credentials: Credentials
) -> None:
    # Given six members each holding one code of a pool (a free reward), the first three having used theirs
    members = [f"m{i}" for i in range(6)]
    codes = [f"HELD{i}" for i in range(6)]
    coupon_id = pool_coupon(api, codes)
    reward_id = create_reward(api, seed_002_campaign(coupon_id))
    cancels = []
    for member in members:
        api.put(customer_path(member), {})
        redemption = redeem(api, member, reward_id).json()
        cancels.append(Request("POST", f"{customer_path(member)}/rewards/redemptions/{redemption['id']}/cancel"))
    used = [order_body(coupon_id, codes[i], source_id=members[i], order_id=f"o-{i}") for i in range(3)]
    for body in used:
        assert api.post("/coupons/apply?type=redeem", body).status == 200

    # When, at once, each of the first three reverts its order (and one of them also names another code)
    # and cancels its reward, and the last three redeem their codes on one order id and cancel their rewards
    wrong_code = order_body(coupon_id, codes[3], source_id=members[0], order_id="o-0")
    shared = [order_body(coupon_id, codes[i], source_id=members[i], order_id="o-shared") for i in range(3, 6)]
    requests = [
        *(Request("POST", "/coupons/apply?type=revert", body) for body in [*used, wrong_code]),
        *(Request("POST", "/coupons/apply?type=redeem", body) for body in shared),
        *cancels,
    ]
    answers = send_together(api, requests)

    # Then each code is in exactly the state its own requests' answers say, and the counts are those states
    reverted, wrong, redeemed, cancelled = answers[:3], answers[3], answers[4:7], answers[7:]
    assert wrong.status == 400, wrong.body
    assert all(r.status == 200 for r in reverted), [r.body for r in reverted]
    # A redeem that the cancel of its own reward beat is refused for the voided code; otherwise one order
    # id takes one code: exactly one redeem wins unless every one of those codes was voided first
    late = [cancelled[i].status == 200 for i in range(3, 6)]
    for redeem_answer, voided_first in zip(redeemed, late, strict=True):
        assert redeem_answer.status in (200, 409) or (
            voided_first and redeem_answer.status == 400 and b"coupon_code was voided" in redeem_answer.body
        ), redeem_answer.body
    assert [r.status for r in redeemed].count(200) == (0 if all(late) else 1), [r.body for r in redeemed]
    assert all(r.status in (200, 409) for r in cancelled)
    expected = {}
    for i, code in enumerate(codes):
        got_cancelled = cancelled[i].status == 200
        got_redeemed = i >= 3 and redeemed[i - 3].status == 200
        assert not (got_cancelled and got_redeemed), code  # a code is either used or taken back
        expected[code] = "voided" if got_cancelled else "redeemed" if got_redeemed else "issued"
        stored = dynamodb.get_item(keys.coupon_code(credentials.app_id, code))
        assert stored is not None
        assert (stored["status"], stored["holder"]) == (expected[code], members[i]), code
    states = list(expected.values())
    assert api.get(f"/coupons/{coupon_id}").json()["codes"] == {
        "total": 6,
        "issued": states.count("issued"),
        "redeemed": states.count("redeemed"),
        "voided": states.count("voided"),
        "available": 0,
    }
    # the order's redemption is the one redeem that won (none when every cancel beat its redeem, above)
    winners = [r for r in api.get(f"/coupons/{coupon_id}/redemptions").json()["data"] if r["order_id"] == "o-shared"]
    assert len(winners) == [r.status for r in redeemed].count(200), winners
    assert all(expected[winner["coupon_code"]] == "redeemed" for winner in winners), winners
