"""GET /api_gateway/rewards/core/v1/user/reward/{rewardId}/brand/{brandName}: seed 003's answer (SPEC §7)."""

from __future__ import annotations

from typing import Any

import pytest

from shared import clock
from tests.support.api import CAPILLARY_NOT_FOUND, ApiClient
from tests.support.rewards import SEED_003, create_reward, customer_path, give_points

# Every field of seed 003's reward, in its order
SEED_003_FIELDS = [
    "id", "name", "description", "imageId", "imageUrl", "thumbnailId", "thumbnailUrl", "termAndConditionsId",
    "termAndConditionsUrl", "tier", "label", "priority", "intouchPoints", "group", "startTime", "endTime",
    "expired", "started", "programId", "categoryList", "customFields", "loyaltyProgramCriteria",
    "rewardRestrictions", "appliedPromotions", "groupName", "groupRank", "rewardRank", "images", "videos",
    "rewardRevenueDetails", "paymentConfigs",
]  # fmt: skip


def brand_reward(api: ApiClient, reward_id: str, brand: str = "1", **query: str) -> Any:
    return api.get(f"/api_gateway/rewards/core/v1/user/reward/{reward_id}/brand/{brand}", query=query or None)


def test_the_seed_003_reward_in_the_seeds_shape(api: ApiClient) -> None:
    reward_id = create_reward(api, SEED_003)
    response = brand_reward(api, reward_id)
    assert response.status == 200, response.body
    body = response.json()
    assert body["status"] == {"success": True, "code": 200, "message": "User Reward fetched successfully"}
    reward = body["reward"]
    assert sorted(reward) == sorted(SEED_003_FIELDS)
    assert reward == {
        "id": reward_id,
        "name": " INTOUCH Enabled",
        "description": "Description",
        "imageId": "EXDR12987U",
        "imageUrl": "https://s3.amazonaws.com/crm/SAHANA_TEST/EXDR12987U",
        "thumbnailId": "EXDR12987T",
        "thumbnailUrl": "https://s3.amazonaws.com/crm/SAHANA_TEST/EXDR12987T",
        "termAndConditionsId": "EXDR12987R",
        "termAndConditionsUrl": "https://s3.amazonaws.com/crm/SAHANA_TEST/EXDR12987R",
        "tier": "SILVER",
        "label": None,
        "priority": 1,
        "intouchPoints": 0,
        "group": None,
        "startTime": "2024-04-09 21:05:30",
        "endTime": "2099-11-29 11:09:49",
        "expired": False,
        "started": True,
        "programId": None,
        "categoryList": [],
        "customFields": {},
        "loyaltyProgramCriteria": [],
        "rewardRestrictions": {"isValid": True},
        "appliedPromotions": [],
        "groupName": None,
        "groupRank": None,
        "rewardRank": None,
        "images": [],
        "videos": [],
        "rewardRevenueDetails": {"brandCommission": 0, "endCustomerCommission": 0},
        "paymentConfigs": [{"paymentMode": "CASH", "id": 1, "cash": 500.0}],
    }


@pytest.mark.parametrize(
    ("language", "name", "description"),
    [
        ("fr", "INTOUCH activé", "La description"),
        ("fr-CA", "INTOUCH activé", "La description"),  # its primary language
        ("ja", " INTOUCH Enabled", "Description"),  # no translation: the default
        (None, " INTOUCH Enabled", "Description"),
    ],
)
def test_texts_in_the_language_asked_falling_back_to_the_default(
    api: ApiClient, language: str | None, name: str, description: str
) -> None:
    reward_id = create_reward(api, SEED_003)
    reward = brand_reward(api, reward_id, **({"language": language} if language else {})).json()["reward"]
    assert (reward["name"], reward["description"]) == (name, description)


REGIONAL = {
    "fr": {"name": "Casque offert", "description": "Un casque"},
    "fr-ca": {"description": "Un casque, au Canada"},  # stored in lower case; tags compare case-insensitively
    "pt-BR": {"name": "Fone de ouvido"},
}


@pytest.mark.parametrize(
    ("language", "name", "description"),
    [
        ("fr-CA", "Casque offert", "Un casque, au Canada"),  # the tag's own text, else its language's
        ("fr-FR", "Casque offert", "Un casque"),  # no fr-FR: the language
        ("pt-br", "Fone de ouvido", "Free headphones"),  # no pt description: the default
        ("pt", "Headphones", "Free headphones"),  # a language never reads another region's text
        ("de", "Headphones", "Free headphones"),
    ],
)
def test_each_text_falls_back_from_the_tag_to_its_language_to_the_default(
    api: ApiClient, language: str, name: str, description: str
) -> None:
    texts = {"name": "Headphones", "attributes": {"description": "Free headphones"}, "translations": REGIONAL}
    reward_id = create_reward(api, {**SEED_003, **texts})
    reward = brand_reward(api, reward_id, language=language).json()["reward"]
    assert (reward["name"], reward["description"]) == (name, description)


@pytest.mark.parametrize(
    ("window", "started", "expired"),
    [
        ({"start_time": "2099-01-01T00:00:00Z"}, False, False),
        ({"start_time": "2020-01-01T00:00:00Z", "end_time": "2021-01-01T00:00:00Z"}, True, True),
        ({}, True, False),
    ],
)
def test_started_and_expired_are_computed_from_the_window(
    api: ApiClient, window: dict[str, str], started: bool, expired: bool
) -> None:
    body = {k: v for k, v in SEED_003.items() if k not in ("start_time", "end_time")} | window
    reward = brand_reward(api, create_reward(api, body)).json()["reward"]
    assert (reward["started"], reward["expired"]) == (started, expired)


def test_the_window_boundaries_started_at_start_expired_at_end(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    reward_id = create_reward(api, SEED_003)
    start_ms, end_ms = 1712696730000, 4099633789000  # 2024-04-09T21:05:30Z, 2099-11-29T11:09:49Z
    for now_ms, started, expired in [
        (start_ms - 1, False, False),
        (start_ms, True, False),
        (end_ms - 1, True, False),
        (end_ms, True, True),
    ]:
        monkeypatch.setattr(clock, "now_epoch_ms", lambda now=now_ms: now)
        reward = brand_reward(api, reward_id).json()["reward"]
        assert (reward["started"], reward["expired"]) == (started, expired), now_ms


def test_is_valid_tells_whether_the_user_may_redeem(api: ApiClient) -> None:
    costly = {**SEED_003, "payment_configs": [{"payment_mode": "POINTS", "points": 300}]}
    costly["member_eligibility_rules"] = [
        {"conditions": [{"operator": "Equals", "attribute": "Tier", "value": "SILVER"}]}
    ]
    reward_id = create_reward(api, costly)
    api.put(customer_path("silver"), {"tier": "SILVER"})
    api.put(customer_path("gold"), {"tier": "GOLD"})
    give_points(api, "gold", 500)
    assert brand_reward(api, reward_id, userId="silver").json()["reward"]["rewardRestrictions"] == {"isValid": False}
    assert brand_reward(api, reward_id, userId="gold").json()["reward"]["rewardRestrictions"] == {"isValid": False}
    give_points(api, "silver", 300)  # exactly the price
    reward = brand_reward(api, reward_id, userId="silver").json()["reward"]
    assert reward["rewardRestrictions"] == {"isValid": True}
    assert reward["intouchPoints"] == 300
    assert reward["paymentConfigs"] == [{"paymentMode": "POINTS", "id": 1, "points": 300}]
    assert brand_reward(api, reward_id, userId="nobody").json()["reward"]["rewardRestrictions"] == {"isValid": False}


def test_missing_disabled_and_other_brand_rewards_are_6004(api: ApiClient, other_api: ApiClient) -> None:
    reward_id = create_reward(api, SEED_003)
    disabled = create_reward(api, SEED_003)
    api.delete(f"/rewards/{disabled}")
    for response in (
        brand_reward(api, "rew_000000000000000000000"),
        brand_reward(api, "112295"),
        brand_reward(api, disabled),
        brand_reward(api, reward_id, brand="2"),
        brand_reward(other_api, reward_id),
    ):
        assert response.status == 404
        assert response.json() == {"status": CAPILLARY_NOT_FOUND, "reward": None}
