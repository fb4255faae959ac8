"""Where a redemption's write units land (issue 24): each call's units, by bench/capacity.py's rules,
charged to the partition of each item it writes. Over many redemptions of one limited coupon, and of
one reward with a stock, by different customers, the hottest partition takes at most half a write unit
per redemption on average: DynamoDB's 1,000 write units a second per partition then carry 2,000
redemptions a second of that one coupon or reward."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient

from bench.capacity import capacity_units
from tests.support.api import ApiClient
from tests.support.coupons import create_coupon, customer, order_body, simple_coupon
from tests.support.rewards import create_reward, customer_path, give_points

REDEMPTIONS = 160
HOTTEST_WRITE_UNITS = 0.5


def _index_entries(item: dict[str, Any] | None) -> list[tuple[str, float]]:
    """(index partition key, write units) of the index entries an item written whole adds: its ``*PK``
    attributes; an entry of a keys-only index (the coupon redemptions') is under 1 KB, one unit."""
    return [
        (f"{name}={value['S']}", 1.0) for name, value in (item or {}).items() if name != "PK" and name.endswith("PK")
    ]


def _written(operation: str, params: dict[str, Any]) -> list[tuple[str, float]]:
    """(partition key, write units) of each item a call writes, and of the index entries it adds."""
    if operation == "TransactWriteItems":
        charged = []
        for action in params["TransactItems"]:
            body = next(iter(action.values()))
            key = (body.get("Item") or body["Key"])["PK"]["S"]
            charged.append((key, capacity_units(operation, {"TransactItems": [action]}, {})[1]))
            charged += _index_entries(body.get("Item"))
        return charged
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        key = (params.get("Item") or params["Key"])["PK"]["S"]
        written = capacity_units(operation, params, {"Attributes": params.get("Item")})[1] or 1.0
        return [(key, written), *_index_entries(params.get("Item"))]
    return []


@contextmanager
def write_units_by_partition() -> Iterator[Counter[str]]:
    """Write units of every DynamoDB call made meanwhile, by partition key."""
    units: Counter[str] = Counter()
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        response = original(self, operation, params)
        if self.meta.service_model.service_name == "dynamodb":
            for key, written in _written(operation, params):
                units[key] += written  # type: ignore[assignment]  # a Counter of floats
        return response

    BaseClient._make_api_call = counting  # type: ignore[attr-defined]
    try:
        yield units
    finally:
        BaseClient._make_api_call = original  # type: ignore[attr-defined]


def hottest(units: Counter[str], redemptions: int) -> tuple[str, float]:
    key, total = units.most_common(1)[0]
    return key, total / redemptions


def test_a_limited_coupons_redemptions_spread_their_write_units_over_its_shards(api: ApiClient) -> None:
    coupon_id = create_coupon(api, simple_coupon("HOT", usage_limit=1_000_000))["coupon_id"]
    shoppers = [customer(api, f"s{n}") for n in range(REDEMPTIONS)]

    with write_units_by_partition() as units:
        for shopper in shoppers:
            response = api.post(
                "/coupons/apply?type=redeem", order_body(coupon_id, "HOT", source_id=shopper, order_id=f"o-{shopper}")
            )
            assert response.status == 200, response.body

    key, per_redemption = hottest(units, REDEMPTIONS)
    assert per_redemption <= HOTTEST_WRITE_UNITS, (key, per_redemption, units.most_common(4))
    assert not any(k.endswith("#COUPONS") for k in units)  # the definitions' partition is not written
    assert any(k.startswith("RedemptionsPK=") for k in units)  # its index entries are counted
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == REDEMPTIONS


def test_a_rewards_redemptions_spread_their_write_units_over_its_shards(api: ApiClient) -> None:
    reward = {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": "p"}}, "stock": 1_000_000,
              "points_to_be_redeemed": 10}  # fmt: skip
    reward_id = create_reward(api, reward)
    members = [f"m{n}" for n in range(REDEMPTIONS)]
    for member in members:
        api.put(customer_path(member), {})
        give_points(api, member, 10)

    with write_units_by_partition() as units:
        for member in members:
            response = api.post(f"{customer_path(member)}/rewards/{reward_id}/redeem", {})
            assert response.status == 201, response.body

    key, per_redemption = hottest(units, REDEMPTIONS)
    assert per_redemption <= HOTTEST_WRITE_UNITS, (key, per_redemption, units.most_common(4))
    assert not any(k.endswith("#REWARDS") for k in units)  # the catalog's partition is not written
    assert api.get(f"/rewards/{reward_id}").json()["redeemed"] == REDEMPTIONS
