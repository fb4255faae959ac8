"""Campaign rules granting a catalog reward (``{"type": "reward", "reward_id": ...}``): the completion
issues it without a points debit, exactly once, in the completion's own write."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shared.domain import redemptions
from tests.support.api import ApiClient
from tests.support.rewards import balance, create_reward, customer_path, seed_002_campaign

MUG: dict[str, Any] = {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": "prod_mug"}}, "stock": 1,
                       "points_to_be_redeemed": 500}  # fmt: skip


def granting_campaign(api: ApiClient, reward_id: str, event_name: str = "signup") -> str:
    body = {
        "campaign_name": "Welcome gift",
        "rules": [
            {
                "rule_name": "Sign up",
                "action_type": "RTA",
                "actions": [{"event_name": event_name, "target": 1}],
                "reward": {"type": "reward", "reward_id": reward_id},
            }
        ],
    }
    created = api.post("/campaigns", body)
    assert created.status == 201, created.body
    campaign_id: str = created.json()["campaign_id"]
    return campaign_id


def event(api: ApiClient, source_id: str, name: str = "signup", key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else None
    response = api.post("/events", {"source_id": source_id, "event_name": name, "properties": {}}, headers=headers)
    assert response.status == 200, response.body
    return response.json()


def test_completion_issues_the_reward_once_without_a_debit(api: ApiClient) -> None:
    reward_id = create_reward(api, {**MUG, "stock": 5})
    campaign_id = granting_campaign(api, reward_id)
    answer = event(api, "kim")
    (granted,) = answer["rewards"]
    assert (granted["type"], granted["reward_id"], granted["campaign_id"]) == ("reward", reward_id, campaign_id)
    assert granted["not_issued"] is None
    (redemption,) = api.get(f"{customer_path('kim')}/rewards/redemptions").json()["data"]
    assert redemption["id"] == granted["redemption_id"]
    assert re.fullmatch(r"red_[A-Za-z0-9]{21}", redemption["id"])
    assert redemption["issued"] == {"product_id": "prod_mug", "coupon_id": None, "code": None, "amount": None}
    assert (redemption["points"], redemption["transaction_id"]) == (0, None)
    assert redemption["granted_by"] == {"campaign_id": campaign_id, "rule_id": granted["rule_id"]}
    assert balance(api, "kim") == 0
    assert api.get(f"/rewards/{reward_id}").json()["redeemed"] == 1
    # a second event (and a retried delivery) grant nothing more
    assert event(api, "kim")["rewards"] == []
    assert len(api.get(f"{customer_path('kim')}/rewards/redemptions").json()["data"]) == 1


def test_a_retried_delivery_answers_the_same_grant(api: ApiClient) -> None:
    reward_id = create_reward(api, {**MUG, "stock": 5})
    granting_campaign(api, reward_id)
    first = event(api, "lee", key="delivery-1")
    again = event(api, "lee", key="delivery-1")
    assert again["rewards"] == first["rewards"]
    assert api.get(f"/rewards/{reward_id}").json()["redeemed"] == 1


def test_a_campaign_reward_grant_issues_a_pool_code(api: ApiClient) -> None:
    coupon_id = api.post("/coupons", {"name": "pool", "discount": {"type": "amount", "value": 5}}).json()["coupon_id"]
    api.post(f"/coupons/{coupon_id}/codes", {"codes": ["WELCOME1"]})
    reward_id = create_reward(api, seed_002_campaign(coupon_id))
    granting_campaign(api, reward_id)
    (granted,) = event(api, "kim")["rewards"]
    assert granted["coupon_code"] == "WELCOME1"
    # the member holds the code, and the granted redemption records it: cancelling it voids the code
    (held,) = api.get(f"{customer_path('kim')}/coupons").json()["data"]
    assert (held["coupon_id"], held["coupon_code"]) == (coupon_id, "WELCOME1")
    (redemption,) = api.get(f"{customer_path('kim')}/rewards/redemptions").json()["data"]
    assert (redemption["issued"]["coupon_id"], redemption["issued"]["code"]) == (coupon_id, "WELCOME1")
    cancel_path = f"{customer_path('kim')}/rewards/redemptions/{redemption['id']}/cancel"
    cancelled = api.post(cancel_path)
    assert cancelled.status == 200, cancelled.body
    assert cancelled.json()["refund_transaction_id"] is None, "a grant debited nothing, so nothing is refunded"
    assert api.get(f"/coupons/{coupon_id}").json()["codes"]["voided"] == 1
    # the pool is now empty: the next member's completion is recorded, with why nothing was issued
    (second,) = event(api, "lee")["rewards"]
    assert (second["redemption_id"], second["not_issued"]) == (None, "the reward's coupon pool is exhausted")


def test_an_out_of_stock_reward_is_recorded_as_not_issued(api: ApiClient) -> None:
    reward_id = create_reward(api, MUG)  # stock 1
    granting_campaign(api, reward_id)
    assert event(api, "kim")["rewards"][0]["not_issued"] is None
    assert event(api, "lee")["rewards"][0]["not_issued"] == "the reward is out of stock"
    assert api.get(f"{customer_path('lee')}/rewards/redemptions").json()["data"] == []


def test_a_grant_refused_for_several_reasons_names_each(api: ApiClient) -> None:
    reward_id = create_reward(api, MUG)  # stock 1
    granting_campaign(api, reward_id)
    assert event(api, "kim")["rewards"][0]["not_issued"] is None
    assert api.patch(f"/rewards/{reward_id}", {"is_active": False}).status == 200
    not_issued = event(api, "lee")["rewards"][0]["not_issued"]
    assert not_issued == "the reward is inactive; the reward is out of stock"


def test_a_pool_emptied_between_the_check_and_the_issue_is_recorded_as_not_issued(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    coupon_id = api.post("/coupons", {"name": "pool", "discount": {"type": "amount", "value": 5}}).json()["coupon_id"]
    api.post(f"/coupons/{coupon_id}/codes", {"codes": ["ONLY1"]})
    reward_id = create_reward(api, seed_002_campaign(coupon_id))
    granting_campaign(api, reward_id)
    assert event(api, "kim")["rewards"][0]["coupon_code"] == "ONLY1"
    # the check saw a code left (another grant took the last one right after it)
    monkeypatch.setattr(redemptions, "unavailable_reasons", lambda *_: [])
    (second,) = event(api, "lee")["rewards"]
    assert (second["redemption_id"], second["not_issued"]) == (None, "the reward's coupon pool is exhausted")


def granting_body(reward_id: str) -> dict[str, Any]:
    rule = {"rule_name": "r", "action_type": "RTA", "actions": [{"event_name": "e", "target": 1}],
            "reward": {"type": "reward", "reward_id": reward_id}}  # fmt: skip
    return {"campaign_name": "x", "rules": [rule]}


def test_a_rule_can_only_grant_an_existing_non_coin_reward(api: ApiClient) -> None:
    ratio = {"exchange_ratio": 1, "points_ratio": 100}
    coin = create_reward(api, {"name": "Coin", "type": "COIN", "parameters": {"coin": ratio}})
    missing = "rew_000000000000000000000"
    for reward_id, details in [
        (missing, f"rules.0.reward.reward_id: there is no reward {missing}"),
        (coin, "a COIN reward turns points into value"),
    ]:
        refused = api.post("/campaigns", granting_body(reward_id))
        assert refused.status == 400
        assert details in refused.json()["details"]
