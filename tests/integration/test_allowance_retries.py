"""A redemption whose take from an allowance shard (a coupon's uses, a reward's stock) loses there, to
another transaction changing the shard at that moment (``TransactionConflict``) or to the shard running
dry, reads again and takes from a shard none of its earlier attempts took from, within the route's
bounded attempts (shared/storage/allowance.py):

- one conflicted shard: the request succeeds, once, on another shard;
- a limit under many concurrent redemptions, with conflicts on their shards: exactly the limit is given,
  every other request refused as over the limit (none told to retry);
- every attempt conflicted: the 503 with ``Retry-After``, having tried each shard with units left before
  any again, and nothing applied nor announced.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from shared.storage import allowance
from tests.support.api import ApiClient
from tests.support.concurrency import Request, send_together
from tests.support.coupons import create_coupon, customer, order_body, simple_coupon
from tests.support.faults import DynamoCall, FaultInjector, FaultPlan, injecting_faults, randomly, touching
from tests.support.outbox import BusTap
from tests.support.rewards import create_reward, customer_path
from tests.support.store_outages import MUG, SCENARIOS, Runner, Scenario, assert_store_outage_answer, stored_items

SHARDS = touching(r"#ALLOWANCE#")
_SCENARIO = {scenario.name: scenario for scenario in SCENARIOS}
# Each scenario's redemption, and the units its allowance starts with (tests/support/store_outages.py).
REDEMPTIONS = [
    pytest.param(_SCENARIO["reward redemption"], MUG["stock"], id="reward"),
    pytest.param(_SCENARIO["coupon redeem"], 2, id="limited coupon"),
]


def shards_taken(call: DynamoCall) -> list[str]:
    """The allowance shards a transaction writes (a redemption's take)."""
    return [p for p in call.partitions if SHARDS.search(p)] if call.operation == "TransactWriteItems" else []


def takes(faults: FaultInjector) -> list[str]:
    """The shard of each attempt's take, in order."""
    found = [shards_taken(call) for call in faults.calls]
    return [shard for shards in found for shard in shards]


class FirstShardTaken:
    """Selects the transactions writing the shard the first take wrote: another transaction keeps changing it."""

    def __init__(self) -> None:
        self.shard: str | None = None

    def __call__(self, call: DynamoCall) -> bool:
        shards = shards_taken(call)
        if shards and self.shard is None:
            self.shard = shards[0]
        return self.shard in shards


@pytest.fixture
def faults(table: str) -> Iterator[FaultInjector]:
    with injecting_faults() as injector:
        yield injector


@pytest.fixture
def runner(api: ApiClient, faults: FaultInjector) -> Runner:
    return Runner(api, faults)


@pytest.mark.parametrize(("scenario", "units"), REDEMPTIONS)
def test_a_take_conflicting_on_its_shard_is_retried_on_another_and_applies_once(
    runner: Runner, scenario: Scenario, units: int
) -> None:
    # Given what one fault-free redemption leaves, for another application
    reference = runner.prepared(scenario)
    assert scenario.request(reference).status < 300
    expected = scenario.state(reference)
    # When another transaction keeps changing the shard the redemption first takes from
    api = runner.prepared(scenario)
    runner.faults.reset_records()
    conflicted = FirstShardTaken()
    runner.faults.inject(FaultPlan("transaction_conflict", where=conflicted, hot=SHARDS))
    response = scenario.request(api)
    runner.faults.inject(None)
    # Then the second attempt took from another shard, and the redemption applied once
    assert response.status < 300, response.body
    assert takes(runner.faults) == [conflicted.shard, takes(runner.faults)[1]]
    assert takes(runner.faults)[1] != conflicted.shard
    assert scenario.state(api) == expected


@pytest.mark.parametrize(("scenario", "units"), REDEMPTIONS)
def test_a_take_conflicting_at_every_attempt_is_the_503_after_trying_each_shard_and_changes_nothing(
    runner: Runner, bus: BusTap, scenario: Scenario, units: int
) -> None:
    api = runner.prepared(scenario)
    bus.read()
    before = stored_items()
    runner.faults.reset_records()
    runner.faults.inject(FaultPlan("transaction_conflict", where=lambda call: bool(shards_taken(call)), hot=SHARDS))
    failed = scenario.request(api)
    runner.faults.inject(None)

    assert_store_outage_answer(failed)
    assert stored_items() == before, "the failed request left a change behind"
    assert bus.read() == [], "the failed request announced something"
    attempts = takes(runner.faults)
    with_units = sum(1 for share in allowance.split(units) if share)
    assert len(attempts) > with_units, attempts  # attempts enough to come back to a shard
    assert len(set(attempts[:with_units])) == with_units, attempts  # each shard with units once, first


def test_a_stock_of_10_under_40_concurrent_redemptions_with_conflicting_shards_gives_exactly_10(
    api: ApiClient, faults: FaultInjector
) -> None:
    reward = {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": "prod_mug"}}, "stock": 10}
    reward_id = create_reward(api, reward)
    members = [f"m{n}" for n in range(40)]
    for source_id in members:
        api.put(customer_path(source_id), {})
    faults.inject(FaultPlan("transaction_conflict", randomly(0.2, seed=24), where=lambda c: bool(shards_taken(c))))

    responses = send_together(
        api, [Request("POST", f"{customer_path(m)}/rewards/{reward_id}/redeem", {}) for m in members]
    )
    faults.inject(None)

    assert faults.injections, "no take conflicted"
    assert Counter(r.status for r in responses) == {201: 10, 409: 30}
    assert {r.json()["details"] for r in responses if r.status == 409} == {"the reward is out of stock"}
    assert api.get(f"/rewards/{reward_id}").json()["redeemed"] == 10


def test_a_usage_limit_of_10_under_40_concurrent_orders_with_conflicting_shards_gives_exactly_10(
    api: ApiClient, faults: FaultInjector
) -> None:
    shoppers = [customer(api, f"shopper-{n}") for n in range(40)]
    coupon_id = create_coupon(api, simple_coupon("TEN", usage_limit=10))["coupon_id"]
    faults.inject(FaultPlan("transaction_conflict", randomly(0.2, seed=24), where=lambda c: bool(shards_taken(c))))

    orders = [order_body(coupon_id, "TEN", source_id=s, order_id=f"o-{s}") for s in shoppers]
    responses = send_together(api, [Request("POST", "/coupons/apply?type=redeem", order) for order in orders])
    faults.inject(None)

    assert faults.injections, "no take conflicted"
    assert Counter(r.status for r in responses) == {200: 10, 400: 30}
    assert {r.json()["details"] for r in responses if r.status == 400} == {"coupon usage limit reached"}
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == 10
