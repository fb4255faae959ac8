"""Builders of reward payloads (seeds 001, 002, 003 as SPEC §6 maps them) and of customers with points."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.support.api import ApiClient

SEED_002_MATERIAL: dict[str, Any] = {
    "name": "Headphones - Reward",
    "type": "MATERIAL",
    "parameters": {"product": {"id": "prod_3ttSkdxGuAfcv3"}},
    "stock": "70",
    "attributes": {"image_url": "", "description": "Free Headphones, series 265-ER352"},
}
SEED_002_COIN: dict[str, Any] = {
    "name": "Pay with points - $50",
    "type": "COIN",
    "parameters": {"coin": {"exchange_ratio": 50, "points_ratio": 2000}},
    "attributes": {},
}


def seed_002_campaign(coupon_id: str) -> dict[str, Any]:
    return {
        "name": "40 USD",
        "type": "CAMPAIGN",
        "parameters": {"campaign": {"id": coupon_id, "type": "DISCOUNT_COUPONS"}},
        "attributes": {},
    }


SEED_001_RULES: list[dict[str, Any]] = [
    {
        "show_on_member_dashboard": "True",
        "include_in_api_response": "False",
        "conditions": [
            {"operator": "Between", "attribute": "Enrolment Date", "value": "11/1/2021-2/28/2023"},
            "AND",
            {"operator": "Contain all of", "attribute": "User Tags", "value": ["cohortA"]},
        ],
    },
    {
        "show_on_member_dashboard": "True",
        "include_in_api_response": "False",
        "conditions": [{"operator": "Contain all of", "attribute": "User Tags", "value": ["cohortC", "cohortD"]}],
    },
]


def seed_001(parameters: dict[str, Any], reward_type: str = "CAMPAIGN") -> dict[str, Any]:
    """Seed 001's reward object, its fields named as SPEC §6 maps them (reward_name: name, reward_id:
    code), its texts as the seed writes them ("True", "500")."""
    return {
        "name": "$5 OFF",
        "code": "$5_OFF",
        "type": reward_type,
        "parameters": parameters,
        "is_active": "True",
        "reward_type": "coupon_based_reward",
        "reward_sub_type": "fixed_amount_discount",
        "show_on_guest_dashboard": "True",
        "reward_card_background_image_url": "https://d1qbqkkh49kht1.cloudfront.net/fb112084ec96f50e717a86bb8d52d589.png",
        "enduser_reward_short_description": "$5 OFF for 500 points",
        "enduser_reward_confirmation_html": "<div> 500 points will be redeemed from your account balance and you "
        "will receive a $5 OFF coupon.<br> Do you wish to confirm?.</div>",
        "enduser_reward_post_confirmation_html": "<div> 500 points have been redeemed. Here is your coupon code. "
        "<br> Copy this code and use it on checkout..</div>",
        "points_to_be_redeemed": "500",
        "reward_value": "$5",
        "member_eligibility_rules": SEED_001_RULES,
        "custom_transaction_attributes": [
            {
                "attribute_name": "Source Of Redemption",
                "attribute_type": "Text",
                "attribute_id": "source_of_redemption",
                "is_attribute_mandatory": "False",
            }
        ],
    }


SEED_003: dict[str, Any] = {
    "name": " INTOUCH Enabled",
    "type": "MATERIAL",
    "parameters": {"product": {"id": "prod_intouch"}},
    "attributes": {"description": "Description", "image_url": "https://s3.amazonaws.com/crm/SAHANA_TEST/EXDR12987U"},
    "brand": "1",
    "image_id": "EXDR12987U",
    "thumbnail_id": "EXDR12987T",
    "thumbnail_url": "https://s3.amazonaws.com/crm/SAHANA_TEST/EXDR12987T",
    "term_and_conditions_id": "EXDR12987R",
    "term_and_conditions_url": "https://s3.amazonaws.com/crm/SAHANA_TEST/EXDR12987R",
    "tier": "SILVER",
    "priority": 1,
    "start_time": "2024-04-09T21:05:30Z",
    "end_time": "2099-11-29T11:09:49Z",
    "category_list": [],
    "custom_fields": {},
    "reward_revenue_defaults": [
        {"commission_participant": "BRAND", "default_value": 0},
        {"commission_participant": "END_CUSTOMER", "default_value": 0},
    ],
    "payment_configs": [{"payment_mode": "CASH", "cash": 500.0}],
    "translations": {"fr": {"name": "INTOUCH activé", "description": "La description"}},
}


def customer_path(source_id: str) -> str:
    return f"/customers/{quote(source_id, safe='')}"


def create_reward(api: ApiClient, body: dict[str, Any]) -> str:
    created = api.post("/rewards", body)
    assert created.status == 201, created.body
    reward_id: str = created.json()["id"]
    return reward_id


def points_campaign(event_name: str, points: int, **reward: Any) -> dict[str, Any]:
    """A one-rule campaign whose rule credits ``points`` on one ``event_name``; ``reward``: the rule's
    own expire_after_days or pending_days."""
    return {
        "campaign_name": f"Bonus {points}",
        "rules": [
            {
                "rule_name": "Bonus",
                "action_type": "RTA",
                "actions": [{"event_name": event_name, "target": 1}],
                "reward": {"type": "points", "points": points, **reward},
            }
        ],
    }


def give_points(api: ApiClient, source_id: str, points: int) -> None:
    """Credit ``points`` through the campaign engine: a one-rule campaign on an event of its own."""
    event_name = f"bonus_{points}_{source_id.replace('@', '_')}"[:100]
    assert api.post("/campaigns", points_campaign(event_name, points)).status == 201
    sent = api.post("/events", {"source_id": source_id, "event_name": event_name, "properties": {}})
    assert sent.status == 200, sent.body
    assert sent.json()["rewards"], sent.body


def balance(api: ApiClient, source_id: str) -> int:
    points: int = api.get(customer_path(source_id)).json()["points"]["balance"]
    return points


def ledger_sum(api: ApiClient, source_id: str) -> int:
    total, cursor = 0, None
    while True:
        page = api.get(
            f"{customer_path(source_id)}/transactions", query={"limit": "100", **({"cursor": cursor} if cursor else {})}
        ).json()
        total += sum(int(entry["points"]) for entry in page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return total
