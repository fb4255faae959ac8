"""No answer can pass Lambda's 6 MB response limit: every list pages (and a page of large items holds fewer
than ``limit``, its cursor after the last item shown), and every single object stays far below it.

Each test stores items at their input limits, filled with the text that grows most once sent (the body
travels inside Lambda's response as an escaped JSON string): ``"`` where a limit counts bytes as stored
(it doubles again when escaped), astral characters where a limit counts characters (``\\ud834\\udd1e``,
14 bytes each once escaped). It then asks for the largest page (``limit=100``), measures the response
as Lambda returns it, and follows the cursors to check that every item comes back exactly once.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from pydantic import ValidationError

from shared.api.schemas.campaigns import MAX_RULES, MAX_RULES_BYTES, CampaignCreate
from shared.api.schemas.coupons import MAX_CONDITIONS_BYTES, CouponCreate
from shared.api.schemas.rewards import RewardCreate
from shared.domain.rewards import MAX_DEFINITION_BYTES
from shared.domain.webhooks import MAX_WEBHOOKS_PER_APPLICATION
from shared.limits import encoded_size
from tests.support.api import ApiClient
from tests.support.coupons import create_coupon, customer, order_body, simple_coupon
from tests.support.rewards import SEED_002_MATERIAL, create_reward, customer_path, give_points

LAMBDA_LIMIT = 6_000_000  # Lambda's response limit is 6 MB (6,291,556 bytes): stay below 6,000,000
QUOTE = '"'
ASTRAL = "\U0001d11e"  # a printable character outside the BMP: 12 bytes as \\uXXXX\\uXXXX, 14 once escaped

MEASURED: dict[str, int] = {}


def measured(name: str, response: Any) -> Any:
    """The answer, after checking it is a 200 within the limit; its size is kept for the report."""
    assert response.status == 200, response.body[:500]
    assert 0 < response.payload_bytes < LAMBDA_LIMIT
    MEASURED[name] = max(MEASURED.get(name, 0), response.payload_bytes)
    print(f"\n{name}: {response.payload_bytes:,} bytes")  # the report quotes these
    return response.json()


def every_page(api: ApiClient, path: str, name: str) -> list[Any]:
    """Every item of a list, following the cursors of its largest pages; each page measured."""
    items: list[Any] = []
    cursor = None
    while True:
        joiner = "&" if "?" in path else "?"
        page = measured(name, api.get(f"{path}{joiner}limit=100" + (f"&cursor={cursor}" if cursor else "")))
        items += page["data"]
        assert page["has_more"] == (page["next_cursor"] is not None)
        if not page["has_more"]:
            return items
        assert page["data"], "a page that has more holds at least one item"
        cursor = page["next_cursor"]


def every_capillary_page(api: ApiClient, path: str, name: str) -> list[Any]:
    """``every_page`` for Capillary's brand rewards: its largest pages (``size=100``), by ``pagingDto``."""
    items: list[Any] = []
    cursor = None
    while True:
        page = measured(name, api.get(f"{path}&size=100" + (f"&cursor={cursor}" if cursor else "")))
        items += page["rewardList"]
        paging = page["pagingDto"]
        assert paging["numberOfElements"] == len(page["rewardList"])
        if paging["last"]:
            return items
        assert page["rewardList"], "a page that has more holds at least one item"
        cursor = paging["nextCursor"]


# ------------------------------------------------------------------------------------------ rewards

RULES = 20  # member_eligibility_rules: at most 20, each of at most 39 terms (20 conditions joined by AND)
CONDITIONS = 20


def stored_size(body: dict[str, Any]) -> int:
    """What the engine counts against MAX_DEFINITION_BYTES."""
    stored = RewardCreate.model_validate(body, strict=False).model_dump(mode="json", exclude_none=True)
    return len(json.dumps(stored))


def largest_reward() -> dict[str, Any]:
    """A reward at its input limits: 400 eligibility conditions a member can fail, the rest of its 300 KB of
    settings in the texts that grow most when sent."""
    conditions: list[Any] = []
    for position in range(CONDITIONS):
        # a tag of 180 quotes: the explanation's "all of tags …" and "missing tag …" stay under their cut
        value = [QUOTE * 179 + chr(ord("a") + position)]
        conditions += [
            *(["AND"] if position else []),
            {"operator": "Contain all of", "attribute": "User Tags", "value": value},
        ]
    body: dict[str, Any] = {
        "name": QUOTE * 200,
        "brand": QUOTE * 64,
        "type": "MATERIAL",
        "parameters": {"product": {"id": QUOTE * 128}},
        "member_eligibility_rules": [{"conditions": conditions} for _ in range(RULES)],
        "enduser_reward_confirmation_html": QUOTE * 10_000,
        "enduser_reward_post_confirmation_html": QUOTE * 10_000,
        "enduser_reward_short_description": QUOTE * 1000,
        "attributes": {"description": QUOTE * 1000},
        "custom_fields": {f"field_{n}": QUOTE * 200 for n in range(50)},
        "category_list": [QUOTE * 200] * 50,
    }
    translations: dict[str, Any] = {}
    for n in range(50):
        translations[f"l{chr(ord('a') + n // 26)}{chr(ord('a') + n % 26)}"] = {
            "name": QUOTE * 200,
            "description": QUOTE * 1000,
        }
        if stored_size({**body, "translations": translations}) > MAX_DEFINITION_BYTES:
            del translations[next(reversed(translations))]
            break
    body["translations"] = translations
    padding = MAX_DEFINITION_BYTES - stored_size(body)
    body["reward_value"] = QUOTE * min(200, padding // 2 - 20)
    assert MAX_DEFINITION_BYTES - 1000 < stored_size(body) <= MAX_DEFINITION_BYTES
    return body


@pytest.fixture
def big_member(api: ApiClient) -> str:
    """A member failing every condition, with the most text to show as what they have: 100 tags of 64
    astral characters."""
    tags = [ASTRAL * 63 + chr(ord("a") + n % 26) + str(n) for n in range(100)]
    tags = [tag[-64:] for tag in tags]
    assert api.put(customer_path("big"), {"tags": tags}).status in (200, 201)
    give_points(api, "big", 10)
    return "big"


REWARDS = 12  # 12 x 568 KB: more than one answer can carry


def test_a_page_of_the_largest_rewards_fits_and_the_cursors_reach_every_one(api: ApiClient, big_member: str) -> None:
    body = largest_reward()
    created = [api.post("/rewards", body) for _ in range(REWARDS)]
    assert [c.status for c in created] == [201] * REWARDS, created[0].body[:300]
    ids = sorted(c.json()["id"] for c in created)

    one = measured("GET /rewards/{id}", api.get(f"/rewards/{ids[0]}"))
    assert one["id"] == ids[0]
    brand = quote(body["brand"], safe="")
    brand_path = f"/api_gateway/rewards/core/v1/user/reward/{ids[0]}/brand/{brand}?userId={big_member}&language=laa-ZZ"
    assert measured("GET brand reward (Capillary)", api.get(brand_path))["reward"]["id"] == ids[0]
    brand_list = f"/api_gateway/rewards/core/v1/user/reward/brand/{brand}?userId={big_member}&language=laa-ZZ"
    assert [r["id"] for r in every_capillary_page(api, brand_list, "GET brand rewards (Capillary)")] == ids
    listed = every_page(api, "/rewards", "GET /rewards")
    assert [r["id"] for r in listed] == ids

    explained = every_page(
        api, f"{customer_path(big_member)}/rewards?explain=true", "GET /customers/{id}/rewards?explain"
    )
    assert [m["reward"]["id"] for m in explained] == ids
    assert all(len(m["failed_conditions"]) == RULES * CONDITIONS for m in explained)
    assert all(len(f["actual"]) == 200 for m in explained for f in m["failed_conditions"])  # cut, with "…"
    assert every_page(api, f"{customer_path(big_member)}/rewards", "GET /customers/{id}/rewards") == []


# ------------------------------------------------------------------------------------------ campaigns


def rules_size(body: dict[str, Any]) -> int:
    """What the engine counts against the rules' byte budget (UTF-8 JSON of the validated rules)."""
    try:
        return encoded_size(CampaignCreate.model_validate(body).rules)
    except ValidationError:  # over the budget
        return MAX_RULES_BYTES + 1


def largest_campaign() -> dict[str, Any]:
    """A campaign at its input limits: 20 rules, their 64 KB of rules filled with astral text."""

    def campaign(values: int) -> dict[str, Any]:
        per_rule, extra = divmod(values, MAX_RULES)
        rules = [
            {
                "rule_name": ASTRAL * 200,
                "action_type": "RTA",
                "actions": [
                    {
                        "event_name": ASTRAL * 128,
                        "target": 1,
                        "conditions": [
                            {"property": "p", "operator": "in", "value": [ASTRAL * 200] * (per_rule + (n < extra))}
                        ],
                    }
                ],
                "reward": {"type": "points", "points": 1},
            }
            for n in range(MAX_RULES)
        ]
        return {"campaign_name": ASTRAL * 200, "rules": rules}

    values = 0
    while rules_size(campaign(values + 1)) <= MAX_RULES_BYTES:
        values += 1
    assert rules_size(campaign(values)) > MAX_RULES_BYTES - 1000
    return campaign(values)


CAMPAIGNS = 45  # 45 x 217 KB listed, 45 x 100 KB of progress: more than one answer can carry


def test_a_page_of_the_largest_campaigns_fits_and_the_cursors_reach_every_one(api: ApiClient) -> None:
    body = largest_campaign()
    created = [api.post("/campaigns", body) for _ in range(CAMPAIGNS)]
    assert [c.status for c in created] == [201] * CAMPAIGNS, created[0].body[:300]
    ids = sorted(c.json()["campaign_id"] for c in created)
    assert measured("GET /campaigns/{id}", api.get(f"/campaigns/{ids[0]}"))["campaign_id"] == ids[0]
    assert [c["campaign_id"] for c in every_page(api, "/campaigns", "GET /campaigns")] == ids
    # the progress answer keeps seed 000's array: its pages follow the x-next-cursor header
    assert api.put(customer_path("kim"), {}).status in (200, 201)
    shown: list[str] = []
    cursor = ""
    while True:
        response = api.get(f"/campaigns/reward-progress?source_id=kim&limit=100{cursor}")
        page = measured("GET /campaigns/reward-progress", response)
        assert page, "a page that has more holds at least one campaign"
        shown += [c["campaign_id"] for c in page]
        if response.header("x-next-cursor") is None:
            break
        cursor = f"&cursor={response.header('x-next-cursor')}"
    assert shown == ids


# ------------------------------------------------------------------------------------------ coupons


def conditions_size(body: dict[str, Any]) -> int:
    """The larger of the two budgets the engine counts (order conditions, item conditions), or over."""
    try:
        conditions = CouponCreate.model_validate(body).conditions
    except ValidationError:  # over a budget
        return MAX_CONDITIONS_BYTES + 1
    return max(encoded_size(conditions.order), encoded_size(conditions.items))


def largest_coupon(code: str) -> dict[str, Any]:
    """A coupon at its input limits: 20 order and 10 item conditions filling both 32 KB budgets with astral
    text, 50 metadata keys of 64 characters."""

    def coupon(values: int) -> dict[str, Any]:
        def conditions(count: int) -> list[dict[str, Any]]:
            per, extra = divmod(values, count)
            return [
                {
                    "field": f"metadata.{'k' * 60}{n:02d}",
                    "operator": "in",
                    "value": [ASTRAL * 200] * (per + (n < extra)),
                }
                for n in range(count)
            ]

        return {
            "coupon_code": code,
            "name": ASTRAL * 200,
            "discount": {"type": "amount", "value": 5},
            "metadata_schema": {f"{'k' * 62}{n:02d}": "string" for n in range(50)},
            "conditions": {"order": conditions(20), "items": {"match": conditions(10), "min_quantity": 1}},
        }

    values = 0
    while conditions_size(coupon(values + 1)) <= MAX_CONDITIONS_BYTES:
        values += 1
    assert conditions_size(coupon(values)) > MAX_CONDITIONS_BYTES - 1000
    return coupon(values)


COUPONS = 30  # 30 x 230 KB: more than one answer can carry


def test_a_page_of_the_largest_coupons_fits_and_the_cursors_reach_every_one(api: ApiClient) -> None:
    created = [api.post("/coupons", largest_coupon(f"BIG{n}")) for n in range(COUPONS)]
    assert [c.status for c in created] == [201] * COUPONS, created[0].body[:300]
    ids = sorted(c.json()["coupon_id"] for c in created)
    assert measured("GET /coupons/{id}", api.get(f"/coupons/{ids[0]}"))["coupon_id"] == ids[0]
    assert [c["coupon_id"] for c in every_page(api, "/coupons", "GET /coupons")] == ids


# ------------------------------------------------------------------------------------------ redemptions and the ledger

REDEMPTIONS = 25  # 25 x 280 KB: more than one answer can carry


def test_pages_of_the_largest_redemptions_and_ledger_entries_fit(api: ApiClient) -> None:
    # Given a 1-point reward declaring 20 text attributes, redeemed with 1,000 astral characters in each
    declared = [{"attribute_id": f"{'a' * 62}{n:02d}", "attribute_name": ASTRAL * 200} for n in range(20)]
    reward = {**SEED_002_MATERIAL, "name": ASTRAL * 200, "points_to_be_redeemed": 1}
    reward_id = create_reward(api, {**reward, "stock": None, "custom_transaction_attributes": declared})
    assert api.put(customer_path("kim"), {}).status in (200, 201)
    give_points(api, "kim", REDEMPTIONS)
    attributes = {a["attribute_id"]: ASTRAL * 1000 for a in declared}
    for _ in range(REDEMPTIONS):
        redeemed = api.post(
            f"{customer_path('kim')}/rewards/{reward_id}/redeem", {"custom_transaction_attributes": attributes}
        )
        assert redeemed.status == 201, redeemed.body[:300]
    # Then each list pages within the limit and reaches every item
    listed = every_page(api, f"{customer_path('kim')}/rewards/redemptions", "GET /customers/{id}/rewards/redemptions")
    assert len(listed) == len({r["id"] for r in listed}) == REDEMPTIONS
    ledger = every_page(api, f"{customer_path('kim')}/transactions", "GET /customers/{id}/transactions")
    assert len(ledger) == len({t["id"] for t in ledger}) == REDEMPTIONS + 1  # and the credit


# ------------------------------------------------------------------------------------------ coupon redemptions

COUPON_REDEMPTIONS = 110  # 110 x 58 KB: more than one answer can carry


def test_a_page_of_the_largest_coupon_redemptions_fits(api: ApiClient) -> None:
    # Given an unlimited coupon whose schema keeps 16 text keys, redeemed on orders filling each one
    schema = {f"{'m' * 62}{n:02d}": "string" for n in range(16)}
    coupon = create_coupon(api, simple_coupon("BIGORDERS", name=ASTRAL * 200, metadata_schema=schema))
    customer(api, "kim")
    metadata = dict.fromkeys(schema, ASTRAL * 235)  # 16 x 235 x 4 bytes and the keys: the metadata budget, 16 KB
    for n in range(COUPON_REDEMPTIONS):
        body = order_body(coupon["coupon_id"], "BIGORDERS", source_id="kim", order_id=ASTRAL * 120 + f"{n:08d}")
        body["order"]["metadata"] = metadata
        applied = api.post("/coupons/apply?type=redeem", body)
        assert applied.status == 200, applied.body[:300]
    # Then its redemptions page within the limit and the cursors reach every one
    listed = every_page(api, f"/coupons/{coupon['coupon_id']}/redemptions", "GET /coupons/{id}/redemptions")
    assert len({r["order_id"] for r in listed}) == COUPON_REDEMPTIONS
    assert listed[0]["order"]["metadata"] == metadata


# ------------------------------------------------------------------------------------------ bounded by design


def test_every_webhook_of_an_application_fits_one_answer(api: ApiClient) -> None:
    # at most 20 webhooks, each a 2,048-character URL, 10 event types and a 2,000-character description
    url = "https://93.184.215.14/" + ASTRAL * (2048 - len("https://93.184.215.14/"))
    events = ["customer.created", "points.credited", "points.debited", "rule.completed", "coupon.redeemed",
              "coupon.reverted", "reward.redeemed", "reward.redemption_cancelled", "window.expired", "*"]  # fmt: skip
    for _ in range(MAX_WEBHOOKS_PER_APPLICATION):
        created = api.post("/webhooks", {"url": url, "events": events, "description": ASTRAL * 2000})
        assert created.status == 201, created.body[:300]
    page = measured("GET /webhooks", api.get("/webhooks?limit=100"))
    assert (len(page["data"]), page["has_more"]) == (MAX_WEBHOOKS_PER_APPLICATION, False)


def test_the_largest_customer_and_the_longest_stats_range_are_small(api: ApiClient) -> None:
    # a profile at its limits: 100 tags of 64 astral characters, 16 KB of attributes, the longest texts
    tags = [ASTRAL * 60 + f"{n:04d}" for n in range(100)]
    attributes = {f"{'a' * 60}{n:02d}": ASTRAL * 235 for n in range(16)}
    profile = {"name": ASTRAL * 200, "tags": tags, "tier": ASTRAL * 64, "brand": ASTRAL * 64, "attributes": attributes}
    assert api.put(customer_path(ASTRAL * 128), profile).status in (200, 201)
    assert measured("GET /customers/{id}", api.get(customer_path(ASTRAL * 128)))["tags"] == tags
    days = measured("GET /stats", api.get("/stats?from=2026-01-01&to=2026-04-02"))["days"]
    assert len(days) == 92


def test_a_page_of_the_largest_customers_fits_and_the_cursors_reach_every_one(api: ApiClient) -> None:
    # 40 profiles at their limits (as above) take more than one answer: each page ends at its budget
    tags = [ASTRAL * 60 + f"{n:04d}" for n in range(100)]
    attributes = {f"{'a' * 60}{n:02d}": ASTRAL * 235 for n in range(16)}
    profile = {"name": ASTRAL * 200, "tags": tags, "tier": ASTRAL * 64, "brand": ASTRAL * 64, "attributes": attributes}
    source_ids = [f"{n:03d}" + ASTRAL * 125 for n in range(40)]
    for source_id in source_ids:
        assert api.put(customer_path(source_id), profile).status == 201
    assert [c["source_id"] for c in every_page(api, "/customers", "GET /customers")] == source_ids
