"""DynamoDB round trips per request (SPEC §9): a redemption takes at most 3 besides the idempotency
record; a page of a member's eligibility over the catalog (up to 100 rewards) one query, the rewards'
allowance shards (8 keys a reward, 100 keys a batch) and one batch for the profile and pools."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from shared.storage import allowance
from tests.support.api import ApiClient
from tests.support.faults import FaultInjector, injecting_faults
from tests.support.rewards import create_reward, customer_path, give_points, seed_002_campaign

MATERIAL = {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": "p"}}, "stock": 50,
            "points_to_be_redeemed": 10,
            "member_eligibility_rules": [{"conditions": [
                {"operator": "Contain any of", "attribute": "User Tags", "value": ["vip"]}]}]}  # fmt: skip
COIN = {"name": "Coin", "type": "COIN", "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 10}}}


@pytest.fixture
def recorder(table: str) -> Iterator[FaultInjector]:
    with injecting_faults() as injector:
        yield injector


def business_calls(recorder: FaultInjector) -> list[str]:
    """Calls on the application's data: not the authorizer's credential read, not idempotency records
    (calls without a single partition key, batches and transactions, are the application's)."""
    return [c.operation for c in recorder.calls if c.partition_key is None or c.partition_key.startswith("APP#")]


@pytest.fixture
def kim(api: ApiClient) -> str:
    api.put(customer_path("kim"), {"tags": ["vip"]})
    give_points(api, "kim", 1000)
    return "kim"


def pool_reward(api: ApiClient) -> str:
    coupon_id = api.post("/coupons", {"name": "pool", "discount": {"type": "amount", "value": 5}}).json()["coupon_id"]
    api.post(f"/coupons/{coupon_id}/codes", {"codes": [f"C{i}" for i in range(10)]})
    return create_reward(api, {**seed_002_campaign(coupon_id), "points_to_be_redeemed": 10})


@pytest.mark.parametrize("kind", ["MATERIAL", "COIN", "CAMPAIGN"])
def test_a_redemption_takes_at_most_3_round_trips(api: ApiClient, kim: str, recorder: FaultInjector, kind: str) -> None:
    reward_id = {"MATERIAL": lambda: create_reward(api, MATERIAL), "COIN": lambda: create_reward(api, COIN),
                 "CAMPAIGN": lambda: pool_reward(api)}[kind]()  # fmt: skip
    body = {"points": 100} if kind == "COIN" else {}
    path = f"{customer_path(kim)}/rewards/{reward_id}/redeem"
    assert api.post(path, body).status == 201  # a warm function (it knows a CAMPAIGN reward's coupon)
    recorder.reset_records()
    response = api.post(path, body, headers={"Idempotency-Key": f"rt-{kind}"})
    assert response.status == 201, response.body
    calls = business_calls(recorder)
    assert len(calls) <= 3, calls
    assert calls[0] == "BatchGetItem"
    assert calls[-1] == "TransactWriteItems"


@pytest.mark.parametrize("catalog_size", [1, 60])
def test_eligibility_over_the_whole_catalog_takes_a_query_and_a_batch_per_100_keys(
    api: ApiClient, kim: str, recorder: FaultInjector, catalog_size: int
) -> None:
    for index in range(catalog_size):
        create_reward(api, {**MATERIAL, "name": f"Reward {index}"})
    pool_reward(api)
    recorder.reset_records()
    response = api.get(f"{customer_path(kim)}/rewards", query={"explain": "true", "limit": "100"})
    assert response.status == 200
    assert len(response.json()["data"]) == catalog_size + 1
    shard_batches = math.ceil((catalog_size + 1) * allowance.SHARDS / 100)
    # a page of the catalog, its redeemed and stock counts, the profile and pools
    assert business_calls(recorder) == ["Query", *["BatchGetItem"] * shard_batches, "BatchGetItem"]
