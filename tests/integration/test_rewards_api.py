"""The rewards catalog through the API: the seeds' rewards created and read back, list filters and pages,
PATCH and DELETE, bad conditions refused when the reward is saved, and a member's view with the gaps."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shared.domain import rewards as reward_catalog
from tests.support.api import ApiClient
from tests.support.coupons import order_body
from tests.support.rewards import (
    SEED_001_RULES,
    SEED_002_COIN,
    SEED_002_MATERIAL,
    SEED_003,
    create_reward,
    customer_path,
    give_points,
    seed_001,
    seed_002_campaign,
)

FREE_GIFT: dict[str, Any] = {"name": "Gift", "type": "MATERIAL", "parameters": {"product": {"id": "prod_gift"}}}


def test_the_seed_002_rewards_are_created_and_read_back(api: ApiClient) -> None:
    for body in (SEED_002_MATERIAL, SEED_002_COIN):
        created = api.post("/rewards", body)
        assert created.status == 201, created.body
        reward = created.json()
        assert re.fullmatch(r"rew_[A-Za-z0-9]{21}", reward["id"])
        assert reward["object"] == "reward"
        assert (reward["name"], reward["type"], reward["parameters"]) == (
            body["name"],
            body["type"],
            body["parameters"],
        )
        assert reward["attributes"] == body["attributes"]
        assert reward["redeemed"] == 0
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", reward["created_at"])
        assert reward["updated_at"] is None
        assert api.get(f"/rewards/{reward['id']}").json() == reward
    material = api.get("/rewards", query={"type": "MATERIAL"}).json()["data"][0]
    assert material["stock"] == 70  # the seed's "70"


def test_the_seed_001_reward_keeps_every_field(api: ApiClient) -> None:
    body = seed_001({"product": {"id": "prod_5off"}}, reward_type="MATERIAL")
    reward = api.post("/rewards", body).json()
    assert reward["code"] == "$5_OFF"
    assert reward["points_to_be_redeemed"] == 500
    assert reward["is_active"] is True
    assert reward["show_on_guest_dashboard"] is True
    for field in ("reward_type", "reward_sub_type", "reward_value", "reward_card_background_image_url",
                  "enduser_reward_short_description", "enduser_reward_confirmation_html",
                  "enduser_reward_post_confirmation_html"):  # fmt: skip
        assert reward[field] == body[field], field
    rules = reward["member_eligibility_rules"]
    assert [r["include_in_api_response"] for r in rules] == [False, False]
    assert rules[0]["conditions"] == SEED_001_RULES[0]["conditions"]
    assert reward["custom_transaction_attributes"] == [
        {"attribute_id": "source_of_redemption", "attribute_name": "Source Of Redemption",
         "attribute_type": "Text", "is_attribute_mandatory": False}
    ]  # fmt: skip
    assert api.get(f"/rewards/{reward['id']}").json() == reward


def test_the_seed_003_reward_keeps_every_field(api: ApiClient) -> None:
    reward = api.post("/rewards", SEED_003).json()
    for field in ("brand", "image_id", "thumbnail_id", "thumbnail_url", "term_and_conditions_id",
                  "term_and_conditions_url", "tier", "priority", "translations", "reward_revenue_defaults",
                  "payment_configs"):  # fmt: skip
        assert reward[field] == SEED_003[field], field
    assert reward["start_time"] == "2024-04-09T21:05:30.000Z"
    assert api.get(f"/rewards/{reward['id']}").json() == reward


@pytest.mark.parametrize(
    ("change", "details"),
    [
        ({"type": "COIN"}, "parameters must hold exactly coin"),
        ({"stock": 5, "type": "COIN", "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 1}}}, "stock is"),
        ({"parameters": {"product": {"id": "p"}, "coin": {"exchange_ratio": 1, "points_ratio": 1}}}, "exactly product"),
        ({"start_time": "2027-01-01T00:00:00Z", "end_time": "2026-01-01T00:00:00Z"}, "end_time must be after"),
        ({"stock": -1}, "stock"),
        ({"points_to_be_redeemed": 5, "payment_configs": [{"payment_mode": "POINTS", "points": 6}]}, "disagree"),
        ({"payment_configs": [{"payment_mode": "CASH"}]}, "cash is required when payment_mode is CASH"),
        ({"start_time": "9999-12-31T23:59:59-23:59"}, "start_time"),
        ({"shoe_size": 42}, "shoe_size is not a known field"),
        ({"member_eligibility_rules": [{"conditions": [{"operator": "Equals", "attribute": "Shoe Size", "value": 1}]}]},
         "member_eligibility_rules.0.conditions.0: attribute 'Shoe Size' is unknown"),
        ({"member_eligibility_rules": [{"conditions": [{"operator": "Between", "attribute": "Enrolment Date",
                                                        "value": "tomorrow"}]}]},
         "member_eligibility_rules.0.conditions.0: value must be a range"),
    ],
)  # fmt: skip
def test_a_bad_reward_is_a_400_naming_the_field_and_nothing_is_created(
    api: ApiClient, change: dict[str, Any], details: str
) -> None:
    response = api.post("/rewards", {**FREE_GIFT, **change})
    assert response.status == 400, response.body
    assert details in response.json()["details"]
    assert api.get("/rewards").json()["data"] == []


def test_list_filters_by_type_brand_and_active_across_pages(api: ApiClient) -> None:
    made: dict[str, list[str]] = {"a": [], "b": []}
    for index in range(7):
        brand = "a" if index % 2 else "b"
        made[brand].append(create_reward(api, {**FREE_GIFT, "name": f"Gift {index}", "brand": brand}))
    create_reward(api, SEED_002_COIN)
    api.delete(f"/rewards/{made['a'][0]}")

    def collect(**query: str) -> list[str]:
        seen, cursor = [], None
        while True:
            page = api.get("/rewards", query={"limit": "2", **query, **({"cursor": cursor} if cursor else {})}).json()
            assert len(page["data"]) <= 2
            seen += [reward["id"] for reward in page["data"]]
            cursor = page["next_cursor"]
            assert page["has_more"] is (cursor is not None)
            if cursor is None:
                return seen

    assert sorted(collect(brand="a")) == sorted(made["a"])
    assert sorted(collect(brand="a", active="true")) == sorted(made["a"][1:])
    assert collect(active="false") == [made["a"][0]]
    assert len(collect(type="MATERIAL")) == 7
    assert len(collect(type="COIN")) == 1
    assert len(collect()) == 8
    assert api.get("/rewards", query={"type": "GADGET"}).status == 400


def test_patch_changes_given_fields_and_checks_the_whole_reward(api: ApiClient) -> None:
    reward_id = create_reward(api, {**SEED_002_MATERIAL, "brand": "1", "tier": "GOLD"})
    patched = api.patch(f"/rewards/{reward_id}", {"name": "New name", "tier": None, "stock": 80})
    assert patched.status == 200, patched.body
    reward = patched.json()
    assert (reward["name"], reward["tier"], reward["brand"], reward["stock"]) == ("New name", None, "1", 80)
    assert reward["updated_at"] is not None
    assert api.patch(f"/rewards/{reward_id}", {"type": "COIN"}).status == 400
    assert api.patch(f"/rewards/{reward_id}", {"name": None}).status == 400
    assert api.get(f"/rewards/{reward_id}").json() == reward


def test_stock_cannot_go_below_what_was_redeemed(api: ApiClient) -> None:
    reward_id = create_reward(api, {**FREE_GIFT, "stock": 3})
    api.put(customer_path("kim"), {})
    for _ in range(2):
        assert api.post(f"{customer_path('kim')}/rewards/{reward_id}/redeem", {}).status == 201
    refused = api.patch(f"/rewards/{reward_id}", {"stock": 1})
    assert refused.status == 400
    assert "2 already redeemed" in refused.json()["details"]
    assert api.patch(f"/rewards/{reward_id}", {"stock": 2}).json()["stock"] == 2  # the boundary: none left
    assert api.post(f"{customer_path('kim')}/rewards/{reward_id}/redeem", {}).status == 409


def test_a_reward_id_drawn_twice_never_overwrites_the_first_reward(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reward_catalog, "new_id", lambda prefix: f"{prefix}_000000000000000000001")
    first = create_reward(api, {**FREE_GIFT, "stock": 3})
    api.put(customer_path("kim"), {})
    assert api.post(f"{customer_path('kim')}/rewards/{first}/redeem", {}).status == 201
    # Ids are 21 random characters, so a second draw of one never happens in practice; if it did, the
    # create must be refused rather than silently replace the first reward (its stock, its redemptions).
    assert api.post("/rewards", {**FREE_GIFT, "name": "Other"}).status != 201
    kept = api.get(f"/rewards/{first}").json()
    assert (kept["name"], kept["stock"], kept["redeemed"]) == ("Gift", 3, 1)


def test_delete_disables_and_an_unknown_reward_is_404(api: ApiClient) -> None:
    reward_id = create_reward(api, FREE_GIFT)
    disabled = api.delete(f"/rewards/{reward_id}")
    assert disabled.status == 200
    assert disabled.json()["is_active"] is False
    assert api.get(f"/rewards/{reward_id}").json()["is_active"] is False
    assert api.delete(f"/rewards/{reward_id}").json()["is_active"] is False  # again: still disabled
    missing = api.get("/rewards/rew_000000000000000000000")
    assert missing.status == 404
    assert missing.json()["details"] == "Cannot find reward with id rew_000000000000000000000"


# ------------------------------------------------------------------------------------------ a member's view


def _seed_001_visible(api: ApiClient) -> str:
    body = seed_001({"product": {"id": "prod_5off"}}, reward_type="MATERIAL")
    body["member_eligibility_rules"] = [{**rule, "include_in_api_response": True} for rule in SEED_001_RULES]
    return create_reward(api, body)


def test_a_member_in_the_window_with_cohort_a_sees_the_reward_and_whether_it_is_affordable(api: ApiClient) -> None:
    reward_id = _seed_001_visible(api)
    api.put(customer_path("kim"), {"tags": ["cohortA"], "enrolled_at": "2022-05-01T00:00:00Z"})
    give_points(api, "kim", 380)
    listed = api.get(f"{customer_path('kim')}/rewards").json()["data"]
    assert [entry["reward"]["id"] for entry in listed] == [reward_id]
    entry = listed[0]
    assert (entry["eligible"], entry["affordable"], entry["points_cost"], entry["points_missing"]) == (
        True,
        False,
        500,
        120,
    )


def test_a_member_without_the_tag_sees_why_not_with_explain(api: ApiClient) -> None:
    reward_id = _seed_001_visible(api)
    api.put(customer_path("lee"), {"tags": ["cohortC"], "enrolled_at": "2023-03-03T10:00:00Z"})
    assert api.get(f"{customer_path('lee')}/rewards").json()["data"] == []
    explained = api.get(f"{customer_path('lee')}/rewards", query={"explain": "true"}).json()["data"]
    assert [entry["reward"]["id"] for entry in explained] == [reward_id]
    assert explained[0]["eligible"] is False
    assert [(f["condition"], f["gap"]) for f in explained[0]["failed_conditions"]] == [
        ("member_eligibility_rules.0.conditions.0", "enrolled 3 days after the window"),
        ("member_eligibility_rules.0.conditions.2", "missing tag cohortA"),
        ("member_eligibility_rules.1.conditions.0", "missing tag cohortD"),
    ]
    assert explained[0]["points_missing"] == 500


def test_include_in_api_response_false_hides_the_reward_from_members_it_alone_matches(api: ApiClient) -> None:
    hidden = create_reward(api, seed_001({"product": {"id": "prod_5off"}}, reward_type="MATERIAL"))
    api.put(customer_path("kim"), {"tags": ["cohortA"], "enrolled_at": "2022-05-01T00:00:00Z"})
    assert api.get(f"{customer_path('kim')}/rewards").json()["data"] == []
    explained = api.get(f"{customer_path('kim')}/rewards", query={"explain": "true"}).json()["data"]
    assert [(e["reward"]["id"], e["eligible"]) for e in explained] == [(hidden, True)]


@pytest.mark.parametrize(
    ("reward", "reason"),
    [
        ({**FREE_GIFT, "is_active": False}, "the reward is inactive"),
        ({**FREE_GIFT, "start_time": "2099-01-01T00:00:00Z"}, "the reward starts at 2099-01-01T00:00:00.000Z"),
        ({**FREE_GIFT, "end_time": "2020-01-01T00:00:00Z"}, "the reward ended at 2020-01-01T00:00:00.000Z"),
        ({**FREE_GIFT, "stock": 0}, "the reward is out of stock"),
    ],
)
def test_unavailable_rewards_are_not_listed_and_explain_says_why(
    api: ApiClient, reward: dict[str, Any], reason: str
) -> None:
    create_reward(api, reward)
    open_one = create_reward(api, {**FREE_GIFT, "name": "Open"})
    api.put(customer_path("kim"), {})
    assert [e["reward"]["id"] for e in api.get(f"{customer_path('kim')}/rewards").json()["data"]] == [open_one]
    explained = {e["reward"]["name"]: e for e in api.get(f"{customer_path('kim')}/rewards?explain=true").json()["data"]}
    assert explained["Gift"]["unavailable"] == [reason]
    assert explained["Open"]["unavailable"] == []


def test_an_unknown_customer_is_the_seed_404(api: ApiClient) -> None:
    response = api.get(f"{customer_path('nobody')}/rewards")
    assert response.status == 404
    assert response.json()["details"] == "Cannot find customer with source id nobody"


def test_a_members_rewards_page_listed_ones_filling_each_page_and_explain_pages_them_all(api: ApiClient) -> None:
    # Given 9 rewards, 4 of them only for VIPs, and a member who is not one
    vip_only = [{"conditions": [{"operator": "Contain any of", "attribute": "User Tags", "value": ["vip"]}]}]
    ids: dict[str, bool] = {}  # reward id: open to every member
    for n in range(9):
        rules = {"member_eligibility_rules": vip_only} if n % 2 else {}
        ids[create_reward(api, {**SEED_002_MATERIAL, "name": f"R{n}", **rules})] = n % 2 == 0
    api.put(customer_path("kim"), {"tags": ["regular"]})

    def pages(explain: bool, limit: int) -> list[list[str]]:
        found: list[list[str]] = []
        query = {"limit": str(limit), **({"explain": "true"} if explain else {})}
        while True:
            page = api.get(f"{customer_path('kim')}/rewards", query=query).json()
            found.append([m["reward"]["id"] for m in page["data"]])
            assert page["has_more"] == (page["next_cursor"] is not None)
            if not page["has_more"]:
                return found
            query["cursor"] = page["next_cursor"]

    listed = sorted(reward_id for reward_id, open_to_all in ids.items() if open_to_all)
    # Then the listed rewards come in id order, every page full but the last, none twice
    assert pages(explain=False, limit=2) == [listed[0:2], listed[2:4], listed[4:5]]
    assert pages(explain=False, limit=5) == [listed]
    # and with explain every reward, in pages of the size asked
    every = sorted(ids)
    assert pages(explain=True, limit=4) == [every[0:4], every[4:8], every[8:9]]
    bad = api.get(f"{customer_path('kim')}/rewards", query={"cursor": "not-a-cursor"})
    assert (bad.status, bad.json()["details"]) == (400, "cursor: is not a cursor this API returned")


def test_a_campaign_rewards_pool_counts_are_shown_in_the_catalog_and_to_a_member(api: ApiClient) -> None:
    coupon = api.post("/coupons", {"name": "$5 OFF pool", "discount": {"type": "amount", "value": 5}}).json()
    assert api.post(f"/coupons/{coupon['coupon_id']}/codes", {"codes": ["POOL1", "POOL2"]}).status in (200, 201)
    reward_id = create_reward(api, {**seed_002_campaign(coupon["coupon_id"]), "points_to_be_redeemed": 0})
    api.put(customer_path("kim"), {})
    redeemed = api.post(f"{customer_path('kim')}/rewards/{reward_id}/redeem", {})
    assert redeemed.status == 201
    code = redeemed.json()["issued"]["code"]
    counts = {"total_coupons": 2, "issued_coupons": 1, "redeemed_coupons": 0}
    assert api.get(f"/rewards/{reward_id}").json()["coupons_info"] == counts
    assert api.get("/rewards").json()["data"][0]["coupons_info"] == counts
    assert api.get(f"{customer_path('kim')}/rewards").json()["data"][0]["reward"]["coupons_info"] == counts
    # the code used on an order: a use of the coupon, counted on its allowance shards, read with the reward
    used = api.post("/coupons/apply?type=redeem", order_body(coupon["coupon_id"], code, source_id="kim"))
    assert used.status == 200, used.body
    counts = {**counts, "redeemed_coupons": 1}
    assert api.get(f"/rewards/{reward_id}").json()["coupons_info"] == counts
    assert api.get("/rewards").json()["data"][0]["coupons_info"] == counts
    assert api.get(f"{customer_path('kim')}/rewards").json()["data"][0]["reward"]["coupons_info"] == counts
