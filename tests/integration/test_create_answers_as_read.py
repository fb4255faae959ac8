"""A created resource is answered as every later read answers it: the same fields, the same values in
the same JSON form (a number sent as `10.0` is stored as DynamoDB's 10 and answered `10` on create too)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import ApiClient

WHOLE_FLOATS_CAMPAIGN = {
    "campaign_name": "Deposits",
    "rules": [
        {
            "rule_name": "Deposit 1000",
            "action_type": "RTA",
            "actions": [
                {"event_name": "money_deposited", "measure": "sum", "property": "amount", "target": 1000.0,
                 "conditions": [{"property": "amount", "operator": "gte", "value": 10.0}]},
                {"event_name": "order_success", "target": 2.0},
            ],
            "reward": {"type": "points", "points": 100},
        }
    ],
}  # fmt: skip
WHOLE_FLOATS_COUPON = {
    "coupon_code": "TENOFF",
    "discount": {"type": "percent", "value": 10.0, "max_discount": 50.0},
    "conditions": {
        "order": [{"field": "selling_price_subtotal", "operator": "gt", "value": 200.0}],
        "items": {"match": [{"field": "metadata.brand", "operator": "in", "value": ["A", "B"]}],
                  "min_quantity": 2.0, "min_amount": 100.0},
    },
}  # fmt: skip
WHOLE_FLOATS_REWARD = {
    "name": "Coins",
    "type": "COIN",
    "parameters": {"coin": {"exchange_ratio": 50.0, "points_ratio": 2000.0}},
}
WHOLE_FLOATS_MATERIAL = {
    "name": "Headphones",
    "type": "MATERIAL",
    "parameters": {"product": {"id": "prod_1"}},
    "stock": "70",
    "payment_configs": [{"payment_mode": "POINTS", "points": 500}],
}


@pytest.mark.parametrize(
    ("collection", "body", "id_field"),
    [
        ("/campaigns", WHOLE_FLOATS_CAMPAIGN, "campaign_id"),
        ("/coupons", WHOLE_FLOATS_COUPON, "coupon_id"),
        ("/rewards", WHOLE_FLOATS_REWARD, "id"),
        ("/rewards", WHOLE_FLOATS_MATERIAL, "id"),
    ],
    ids=["campaign", "coupon", "coin reward", "material reward"],
)
def test_a_create_answers_what_a_read_answers(
    api: ApiClient, collection: str, body: dict[str, Any], id_field: str
) -> None:
    created = api.post(collection, body)
    assert created.status == 201, created.body
    read = api.get(f"{collection}/{created.json()[id_field]}")
    assert read.status == 200, read.body
    assert created.body == read.body, "the create's answer differs from the read's, byte for byte"
