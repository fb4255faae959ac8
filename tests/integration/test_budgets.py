"""The size budgets keep every item far below DynamoDB's 400 KB item limit: the largest customer and the
largest campaign a client can send are created through the API (and a customer holding the most points
lots), and the items stored are measured with DynamoDB's own size rules."""

from __future__ import annotations

from typing import Any

import boto3
from pydantic import TypeAdapter

from shared.api.schemas.attributes import MAX_ATTRIBUTE_TEXT
from shared.api.schemas.campaign_conditions import MAX_CONDITION_TEXT, MAX_CONDITION_VALUES
from shared.api.schemas.campaigns import (
    MAX_ACTIONS,
    MAX_CONDITIONS,
    MAX_RULES,
    MAX_RULES_BYTES,
    RuleIn,
)
from shared.api.schemas.customers import MAX_TAGS
from shared.domain.points.lots import MAX_LOTS
from shared.domain.reward_settings import MAX_POINTS as MAX_POINTS_COST
from shared.entities.points import LAST_DAY, LotKey
from shared.limits import (
    MAX_ATTRIBUTES,
    MAX_ATTRIBUTES_BYTES,
    MAX_LABEL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_SOURCE_ID_LENGTH,
    encoded_size,
)
from shared.storage import dynamodb, keys
from tests.conftest import TABLE_NAME
from tests.support.api import ApiClient, Credentials

WIDE = "😀"  # four bytes in UTF-8: the widest character per character limit
CUSTOMER_ITEM_LIMIT = 50_000
CAMPAIGN_ITEM_LIMIT = 100_000
LOTS_ITEM_LIMIT = 250_000
POINTS_PER_LOT = 199_999  # the widest amount whose MAX_LOTS lots one reward can still cost
DYNAMODB_ITEM_LIMIT = 400 * 1024


def _value_size(value: dict[str, Any]) -> int:
    """DynamoDB's size of an attribute value (AWS docs: "Item sizes and formats")."""
    kind, data = next(iter(value.items()))
    if kind == "S":
        return len(data.encode("utf-8"))
    if kind == "N":
        return len(data.strip("-").replace(".", "").strip("0")) // 2 + 2
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_size(item) for item in data)
    if kind == "M":
        return 3 + sum(1 + len(name.encode("utf-8")) + _value_size(item) for name, item in data.items())
    raise AssertionError(f"unexpected attribute type {kind}")


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def stored_items() -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]


def _fill_attributes() -> dict[str, Any]:
    """As many wide attribute texts as the byte budget allows."""
    attributes: dict[str, Any] = {}
    for index in range(MAX_ATTRIBUTES):
        candidate = {**attributes, f"attribute_{index:02d}": WIDE * (MAX_ATTRIBUTE_TEXT // 8)}
        if encoded_size(candidate) > MAX_ATTRIBUTES_BYTES:
            break
        attributes = candidate
    return attributes


def test_the_largest_customer_fits_with_room_to_spare(api: ApiClient) -> None:
    source_id = "s" * MAX_SOURCE_ID_LENGTH
    body = {
        "name": WIDE * MAX_NAME_LENGTH,
        "email": "a" * 240 + "@example.com",
        "phone": "+" + "1" * 31,
        "tags": [WIDE * (MAX_LABEL_LENGTH - 2) + f"{i:02d}" for i in range(MAX_TAGS)],
        "tier": WIDE * MAX_LABEL_LENGTH,
        "brand": WIDE * MAX_LABEL_LENGTH,
        "enrolled_at": "2026-01-01T00:00:00Z",
        "attributes": _fill_attributes(),
    }
    for _ in range(2):  # a second full update replaces, it never grows the item
        response = api.put(f"/customers/{source_id}", body)
        assert response.status in (200, 201), response.body
    sizes = [item_size(item) for item in stored_items() if "CUST#" in item["PK"]["S"]]
    assert sizes
    assert max(sizes) < CUSTOMER_ITEM_LIMIT < DYNAMODB_ITEM_LIMIT


_RULES = TypeAdapter(list[RuleIn])


def _largest_campaign() -> dict[str, Any]:
    """Rules filled with wide condition values, one condition at a time while the rules budget allows."""
    values = [WIDE * (MAX_CONDITION_TEXT // 20)] * MAX_CONDITION_VALUES
    rules: list[dict[str, Any]] = [
        {
            "rule_name": WIDE * MAX_NAME_LENGTH,
            "action_type": "RTA",
            "actions": [{"event_name": f"event_{index}", "target": 1, "conditions": []} for _ in range(MAX_ACTIONS)],
            "reward": {"type": "points", "points": 1},
        }
        for index in range(MAX_RULES)
    ]
    for _ in range(MAX_CONDITIONS):
        for rule in rules:
            for action in rule["actions"]:
                action["conditions"].append({"property": "sku", "operator": "in", "value": list(values)})
                if encoded_size(_RULES.validate_python(rules)) > MAX_RULES_BYTES:  # measured as the model sees them
                    action["conditions"].pop()
                    return {"campaign_name": WIDE * MAX_NAME_LENGTH, "rules": rules}
    return {"campaign_name": WIDE * MAX_NAME_LENGTH, "rules": rules}


def test_the_largest_campaign_fits_with_room_to_spare(api: ApiClient) -> None:
    payload = _largest_campaign()
    response = api.post("/campaigns", payload)
    assert response.status == 201, response.body[:500]
    campaign_id = response.json()["campaign_id"]
    patched = api.patch(f"/campaigns/{campaign_id}", {"campaign_name": WIDE * MAX_NAME_LENGTH, "status": "paused"})
    assert patched.status == 200, patched.body[:500]
    sizes = [
        item_size(item) for item in stored_items() if "CAMPAIGNS" in item["PK"]["S"] or "EVENT#" in item["PK"]["S"]
    ]
    assert max(sizes) < CAMPAIGN_ITEM_LIMIT < DYNAMODB_ITEM_LIMIT


def _fill(budget: int, make: Any) -> list[Any]:
    """As many entries ``make(index)`` as fit in ``budget`` bytes of UTF-8 JSON."""
    entries: list[Any] = []
    while encoded_size([*entries, make(len(entries))]) <= budget:
        entries.append(make(len(entries)))
    return entries


def test_the_largest_coupon_redemption_fits_with_room_to_spare(api: ApiClient) -> None:
    from shared.api.schemas.coupon_apply import MAX_ITEMS_BYTES, MAX_ITEMS_PER_ORDER, MAX_METADATA_BYTES
    from tests.support.coupons import create_coupon, customer, order_body

    keys = [f"k{n:02d}" for n in range(50)]
    coupon_id = create_coupon(
        api,
        {
            "coupon_code": "BIG",
            "discount": {"type": "amount", "value": 1},
            "metadata_schema": dict.fromkeys(keys, "string"),
        },
    )["coupon_id"]
    customer(api, "s" * MAX_SOURCE_ID_LENGTH)
    metadata: dict[str, Any] = {}
    for key in keys:
        candidate = {**metadata, key: WIDE * 120}
        if encoded_size(candidate) > MAX_METADATA_BYTES:
            break
        metadata = candidate
    item_metadata = dict.fromkeys(keys[:10], WIDE * 20)
    items = _fill(
        MAX_ITEMS_BYTES,  # measured as the model measures it: every field, prices as floats
        lambda n: {
            "product_id": f"p{n}",
            "sku": None,
            "name": None,
            "brand": None,
            "original_price": 1.0,
            "selling_price": 1.0,
            "quantity": 1.0,
            "shipping": 0.0,
            "metadata": item_metadata,
        },
    )[:MAX_ITEMS_PER_ORDER]
    body = order_body(coupon_id, "BIG", source_id="s" * MAX_SOURCE_ID_LENGTH, order_id="o" * 128)
    body["order"]["metadata"] = {**metadata, **{f"x{n}": 1 for n in range(50 - len(metadata))}}
    body["order"]["items"] = items

    response = api.post("/coupons/apply?type=redeem", body)

    assert response.status == 200, response.body
    sizes = [item_size(item) for item in stored_items() if "REDEMPTION#" in item["PK"]["S"]]
    assert sizes
    assert max(sizes) < 300_000 < DYNAMODB_ITEM_LIMIT


def _profile_size() -> int:
    return max(item_size(i) for i in stored_items() if i["SK"]["S"] == "PROFILE" and "CUST#" in i["PK"]["S"])


def test_a_customer_with_the_most_lots_and_a_debit_naming_them_all_fit_with_room_to_spare(
    api: ApiClient, credentials: Credentials
) -> None:
    """MAX_LOTS lots at the widest day numbers, on a large profile; then one debit of nearly everything
    names every lot in its entry."""
    assert POINTS_PER_LOT * MAX_LOTS <= MAX_POINTS_COST
    source_id = "s" * MAX_SOURCE_ID_LENGTH
    assert (
        api.put(f"/customers/{source_id}", {"name": WIDE * MAX_NAME_LENGTH, "attributes": _fill_attributes()}).status
        == 201
    )
    lots = {LotKey(LAST_DAY - n).encode(): POINTS_PER_LOT for n in range(MAX_LOTS)}
    dynamodb.update_item(
        keys.customer(credentials.app_id, source_id),
        dynamodb.Expression(
            "SET lots = :lots, points_balance = :total, points_earned = :total",
            values={":lots": lots, ":total": POINTS_PER_LOT * MAX_LOTS},
        ),
    )
    reward = api.post(
        "/rewards",
        {
            "name": "All",
            "type": "MATERIAL",
            "parameters": {"product": {"id": "p"}},
            "points_to_be_redeemed": POINTS_PER_LOT * MAX_LOTS - 1,
        },
    )
    assert reward.status == 201, reward.body
    profile_size = _profile_size()
    redeemed = api.post(f"/customers/{source_id}/rewards/{reward.json()['id']}/redeem", {})
    assert redeemed.status == 201, redeemed.body
    entry_sizes = [item_size(i) for i in stored_items() if i["SK"]["S"].startswith(keys.TRANSACTION_SK_PREFIX)]
    assert profile_size < LOTS_ITEM_LIMIT < DYNAMODB_ITEM_LIMIT
    assert max(entry_sizes) < LOTS_ITEM_LIMIT
