"""The Capillary client's two list calls (a brand's rewards, a user's vouchers) and seed 003's route, all
under Capillary's ``/api_gateway`` prefix, sent exactly as the public Shopify app
sunilyadavwebmaster/CapillaryLoyalty sends them (``RewardCatalogController``): Basic auth with the
application's keys, ``content-type: application/json`` on a GET, the storefront's query passed through,
and for the vouchers ``&username=`` (the store's till) appended, even after an empty query."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from shared.api import pages
from tests.integration.test_capillary_reward import SEED_003_FIELDS
from tests.integration.test_coupon_rewards import pool_coupon, redeem
from tests.support.api import CAPILLARY_NOT_FOUND, CAPILLARY_USER_NOT_FOUND, ApiClient
from tests.support.coupons import order_body
from tests.support.rewards import SEED_003, create_reward, customer_path, give_points, seed_002_campaign

REWARD_BRAND = "/api_gateway/rewards/core/v1/user/reward/brand"  # config/global.php
VOUCHERS_BRAND = "/api_gateway/rewards/core/v1/user/vouchers/brand"
BRAND = "1"  # the shop's brand_name setting
TILL = "shop.till"  # the shop's brand_username setting
FETCHED = {"success": True, "code": 200, "message": "User Reward fetched successfully"}
VOUCHER_FIELDS = ["code", "expiry", "vendor", "rewardId", "issued", "seriesId", "seriesName", "redemptionCount",
                  "redemptions"]  # fmt: skip
REWARD_DETAILS_FIELDS = ["rewardId", "name", "description", "thumbnailId", "thumbnailUrl", "imageId",
                         "termNConditionsId", "termNConditionsUrl", "imageUrl", "tier", "label", "group",
                         "tillId"]  # fmt: skip


def brand_rewards(api: ApiClient, storefront_query: dict[str, str], brand: str = BRAND) -> Any:
    """getBrandRewards: ``'/'.$path.'/'.$brand_name.'?'.http_build_query($request->query())``."""
    return api.get(f"{REWARD_BRAND}/{brand}?{urlencode(storefront_query)}")


def user_vouchers(api: ApiClient, storefront_query: dict[str, str], brand: str = BRAND) -> Any:
    """issueBrandRewards: the same, then ``'&username='.$brand_username``."""
    return api.get(f"{VOUCHERS_BRAND}/{brand}?{urlencode(storefront_query)}&username={TILL}")


@pytest.fixture
def kim(api: ApiClient) -> str:
    api.put(customer_path("kim"), {"tier": "SILVER"})
    give_points(api, "kim", 1000)
    return "kim"


# ------------------------------------------------------------------------------------ the brand's rewards


def test_the_brand_rewards_in_capillarys_list_shape(api: ApiClient, kim: str) -> None:
    costly = {**SEED_003, "payment_configs": [{"payment_mode": "POINTS", "points": 300}]}
    dear = {**SEED_003, "name": "Dear", "payment_configs": [{"payment_mode": "POINTS", "points": 5000}]}
    ids = sorted([create_reward(api, costly), create_reward(api, dear)])
    create_reward(api, {**SEED_003, "brand": "2"})  # another brand's
    response = brand_rewards(api, {"userId": kim})
    assert response.status == 200, response.body
    body = response.json()
    assert sorted(body) == ["pagingDto", "rewardList", "status"]
    assert body["status"] == FETCHED
    assert [reward["id"] for reward in body["rewardList"]] == ids  # id order, the brand's only
    for reward in body["rewardList"]:
        assert sorted(reward) == sorted(SEED_003_FIELDS)  # each as seed 003 shapes one reward
    valid = {r["name"]: r["rewardRestrictions"]["isValid"] for r in body["rewardList"]}
    assert valid == {" INTOUCH Enabled": True, "Dear": False}  # 1000 points cover 300, not 5000
    assert body["pagingDto"] == {"first": True, "last": True, "size": 20, "numberOfElements": 2, "nextCursor": None}


def test_the_storefront_query_is_passed_through(api: ApiClient, kim: str) -> None:
    create_reward(api, SEED_003)
    anonymous = brand_rewards(api, {}).json()["rewardList"][0]  # "?" and nothing: no user asked
    assert anonymous["rewardRestrictions"] == {"isValid": True}
    french = brand_rewards(api, {"userId": kim, "language": "fr"}).json()["rewardList"][0]
    assert (french["name"], french["description"]) == ("INTOUCH activé", "La description")
    unknown = brand_rewards(api, {"userId": "nobody"}).json()["rewardList"][0]
    assert unknown["rewardRestrictions"] == {"isValid": False}  # as seed 003's route answers


def test_expired_rewards_only_when_asked_and_upcoming_ones_show_as_not_started(api: ApiClient) -> None:
    ended = create_reward(api, {**SEED_003, "start_time": "2020-01-01T00:00:00Z", "end_time": "2021-01-01T00:00:00Z"})
    upcoming = create_reward(api, {**SEED_003, "start_time": "2099-01-01T00:00:00Z"})
    shown = brand_rewards(api, {}).json()["rewardList"]
    assert [(r["id"], r["started"], r["expired"]) for r in shown] == [(upcoming, False, False)]
    every = brand_rewards(api, {"includeExpired": "true"}).json()["rewardList"]
    assert {r["id"]: r["expired"] for r in every} == {ended: True, upcoming: False}


def test_pages_follow_the_cursor_to_the_last(api: ApiClient) -> None:
    ids = sorted(create_reward(api, SEED_003) for _ in range(5))
    create_reward(api, {**SEED_003, "brand": "2"})
    seen: list[str] = []
    query = {"size": "2"}
    while True:
        body = brand_rewards(api, query).json()
        seen += [reward["id"] for reward in body["rewardList"]]
        paging = body["pagingDto"]
        assert paging["first"] == ("cursor" not in query)
        assert paging["numberOfElements"] == len(body["rewardList"]) <= 2
        if paging["last"]:
            assert paging["nextCursor"] is None
            break
        query = {"size": "2", "cursor": paging["nextCursor"]}
    assert seen == ids


def test_a_brand_without_an_enabled_reward_is_6004(api: ApiClient, other_api: ApiClient) -> None:
    disabled = create_reward(api, {**SEED_003, "brand": "gone"})
    api.delete(f"/rewards/{disabled}")
    create_reward(api, SEED_003)
    for response in (brand_rewards(api, {}, brand="gone"), brand_rewards(api, {}, brand="3"),
                     brand_rewards(other_api, {})):  # fmt: skip
        assert response.status == 404, response.body
        assert response.json()["status"] == CAPILLARY_NOT_FOUND


@pytest.mark.parametrize("query", [{"page": "1"}, {"size": "0"}, {"size": "101"}, {"includeExpired": "yes"}])
def test_a_page_the_engine_cannot_give_is_a_400(api: ApiClient, query: dict[str, str]) -> None:
    create_reward(api, SEED_003)
    response = brand_rewards(api, query)
    assert response.status == 400, response.body
    assert next(iter(query)) in response.json()["message"] + response.json()["details"]
    assert brand_rewards(api, {"page": "0"}).status == 200  # Capillary's first page


# ------------------------------------------------------------------------------------ the user's vouchers


def test_the_users_vouchers_grouped_by_reward(api: ApiClient, kim: str) -> None:
    coupon_id = pool_coupon(api)
    campaign = create_reward(api, {**seed_002_campaign(coupon_id), "brand": BRAND, "tier": "GOLD"})
    material = create_reward(api, SEED_003)
    elsewhere = create_reward(api, {**SEED_003, "brand": "2"})
    first = redeem(api, kim, campaign).json()
    redeem(api, kim, material)
    second = redeem(api, kim, campaign).json()
    redeem(api, kim, elsewhere)
    response = user_vouchers(api, {"userId": kim})
    assert response.status == 200, response.body
    body = response.json()
    assert sorted(body) == ["pagingDto", "status", "userVouchers"]
    assert body["status"] == FETCHED
    groups = body["userVouchers"]
    # newest first: the campaign reward's vouchers (its newest is the newest), then the product's
    assert [group["rewardDetails"]["rewardId"] for group in groups] == [campaign, material]
    for group in groups:
        assert sorted(group["rewardDetails"]) == sorted(REWARD_DETAILS_FIELDS)
        for voucher in group["vouchers"]:
            assert sorted(voucher) == sorted(VOUCHER_FIELDS)
    details = groups[0]["rewardDetails"]
    assert (details["name"], details["tier"], details["tillId"]) == ("40 USD", "GOLD", None)
    codes = [(v["code"], v["seriesId"], v["seriesName"], v["redemptionCount"]) for v in groups[0]["vouchers"]]
    assert codes == [(second["issued"]["code"], coupon_id, "$5 OFF pool", 0), (first["issued"]["code"], coupon_id,
                                                                                "$5 OFF pool", 0)]  # fmt: skip
    assert groups[0]["vouchers"][0]["issued"] == second["created_at"]
    product = groups[1]["vouchers"]
    assert [(v["code"], v["seriesId"], v["rewardId"]) for v in product] == [(None, None, material)]
    assert body["pagingDto"] == {"first": True, "last": True, "size": 20, "numberOfElements": 3, "nextCursor": None}


def test_a_used_code_counts_its_redemption_and_a_cancelled_voucher_is_gone(api: ApiClient, kim: str) -> None:
    coupon_id = pool_coupon(api)
    reward_id = create_reward(api, {**seed_002_campaign(coupon_id), "brand": BRAND})
    used = redeem(api, kim, reward_id).json()
    cancelled = redeem(api, kim, reward_id).json()
    applied = api.post("/coupons/apply?type=redeem", order_body(coupon_id, used["issued"]["code"], source_id=kim))
    assert applied.status == 200, applied.body
    assert api.post(f"{customer_path(kim)}/rewards/redemptions/{cancelled['id']}/cancel").status == 200
    vouchers = user_vouchers(api, {"externalId": kim}).json()["userVouchers"][0]["vouchers"]
    assert [(v["code"], v["redemptionCount"]) for v in vouchers] == [(used["issued"]["code"], 1)]


def test_vouchers_pages_follow_the_cursor(api: ApiClient, kim: str) -> None:
    material = create_reward(api, SEED_003)
    elsewhere = create_reward(api, {**SEED_003, "brand": "2"})
    for _ in range(3):
        redeem(api, kim, material)
        redeem(api, kim, elsewhere)
    seen = 0
    query = {"userId": kim, "size": "2"}
    while True:
        body = user_vouchers(api, query).json()
        shown = sum(len(group["vouchers"]) for group in body["userVouchers"])
        assert body["pagingDto"]["numberOfElements"] == shown <= 2
        seen += shown
        if body["pagingDto"]["last"]:
            break
        query = {**query, "cursor": body["pagingDto"]["nextCursor"]}
    assert seen == 3


def test_an_empty_storefront_query_still_sends_a_valid_username(api: ApiClient, kim: str) -> None:
    # "?&username=…": no user named, so Capillary's identifiers are asked for
    response = user_vouchers(api, {})
    assert response.status == 400, response.body
    assert "userId, externalId" in response.json()["message"] + response.json()["details"]
    both = user_vouchers(api, {"userId": kim, "externalId": kim})
    assert both.status == 400
    no_till = api.get(f"{VOUCHERS_BRAND}/{BRAND}?userId={kim}")
    assert no_till.status == 400
    assert "username" in no_till.json()["message"] + no_till.json()["details"]


def test_an_unknown_user_is_816_and_a_brand_without_vouchers_an_empty_list(
    api: ApiClient, other_api: ApiClient, kim: str
) -> None:
    redeem(api, kim, create_reward(api, SEED_003))
    for response in (user_vouchers(api, {"userId": "nobody"}), user_vouchers(other_api, {"userId": kim})):
        assert response.status == 404, response.body
        assert response.json()["status"] == CAPILLARY_USER_NOT_FOUND
    empty = user_vouchers(api, {"userId": kim}, brand="2").json()
    assert (empty["status"], empty["userVouchers"], empty["pagingDto"]["last"]) == (FETCHED, [], True)


# ------------------------------------------------------------------------------------ answers that fit


def test_a_page_ends_where_the_answer_budget_does_and_the_cursor_goes_on(
    api: ApiClient, kim: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a budget of about two items' worth, so that pages of large items are cut as Lambda's 6 MB would cut them
    monkeypatch.setattr(pages, "ANSWER_BUDGET", 3_000)
    ids = sorted(create_reward(api, SEED_003) for _ in range(5))
    for reward_id in ids:
        redeem(api, kim, reward_id)
    rewards_seen: list[str] = []
    vouchers_seen: list[str] = []
    for path, seen, key in (
        (f"{REWARD_BRAND}/{BRAND}?userId={kim}", rewards_seen, "rewardList"),
        (f"{VOUCHERS_BRAND}/{BRAND}?userId={kim}&username={TILL}", vouchers_seen, "userVouchers"),
    ):
        cursor = None
        while True:
            body = api.get(f"{path}&size=100" + (f"&cursor={cursor}" if cursor else "")).json()
            items = body[key] if key == "rewardList" else [g["rewardDetails"] for g in body[key]]
            assert 1 <= len(items) < 5, "a page of large items holds fewer than size, and at least one"
            seen += [item["id"] if key == "rewardList" else item["rewardId"] for item in items]
            if body["pagingDto"]["last"]:
                break
            cursor = body["pagingDto"]["nextCursor"]
    assert rewards_seen == ids
    assert sorted(vouchers_seen) == ids
