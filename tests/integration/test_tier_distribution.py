"""The tier distribution (GET /settings/tiers, `members`): members per tier as stored, moved in the same
transaction as each member's tier: an upgrade in the write that crosses, a drop when the tier job records
it, an erasure; a program change counts members in their former tier until their next qualifying write,
which announces a member the new program raised (once). Time is frozen."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from shared.storage import dynamodb, keys
from shared.storage.dynamodb import Expression
from tests.support.api import ApiClient, Credentials
from tests.support.concurrency import fire_together
from tests.support.outbox import BusTap
from tests.support.points import FrozenClock, freeze_clock
from tests.support.rewards import customer_path
from tests.support.tiers import earning_rule, order, run_tier_job, set_program, tier_of

START = int(datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp() * 1000)
DROP = int(datetime(2026, 12, 21, tzinfo=UTC).timestamp() * 1000)  # 30 days after the end of the fall's day


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch, START)


@pytest.fixture
def program(api: ApiClient, clock: FrozenClock) -> dict[str, Any]:
    earning_rule(api)
    return set_program(api)


def members(api: ApiClient) -> dict[str, int]:
    body = api.get("/settings/tiers").json()
    return {tier["name"]: tier["members"] for tier in body["members"]}


def former(api: ApiClient) -> dict[str, int]:
    return {tier["name"]: tier["members"] for tier in api.get("/settings/tiers").json()["former_tiers"]}


def upgrades(bus: BusTap) -> list[dict[str, Any]]:
    return [a.envelope["data"] for a in bus.read() if a.type == "tier.upgraded"]


def test_a_member_is_counted_in_the_tier_its_qualifying_write_reached(api: ApiClient, program: dict[str, Any]) -> None:
    assert members(api) == {"Silver": 0, "Gold": 0, "Platinum": 0}
    assert api.put(customer_path("ann"), {"name": "Ann"}).status == 201  # no qualifying write: not counted
    order(api, "bo", "o-bo", 999)
    assert members(api) == {"Silver": 1, "Gold": 0, "Platinum": 0}
    order(api, "cy", "o-cy", 1000)  # the threshold itself reaches Gold
    assert members(api) == {"Silver": 1, "Gold": 1, "Platinum": 0}
    order(api, "bo", "o-bo-2", 1)  # 999 + 1: the crossing write moves bo from Silver to Gold
    assert members(api) == {"Silver": 0, "Gold": 2, "Platinum": 0}
    order(api, "cy", "o-cy-2", 4000)
    assert members(api) == {"Silver": 0, "Gold": 1, "Platinum": 1}


def test_a_drop_is_counted_when_the_job_records_it_not_at_read(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock
) -> None:
    order(api, "kim", "o-1", 1200)
    assert api.post("/orders/o-1/cancel").status == 200
    assert members(api) == {"Silver": 0, "Gold": 1, "Platinum": 0}  # in its grace: still Gold
    clock.ms = DROP - 1
    run_tier_job()
    assert members(api) == {"Silver": 0, "Gold": 1, "Platinum": 0}
    clock.ms = DROP
    assert tier_of(api, "kim")["name"] == "Silver"  # a read shows the drop at once
    assert members(api) == {"Silver": 0, "Gold": 1, "Platinum": 0}  # the distribution: once recorded
    run_tier_job()
    run_tier_job()
    assert members(api) == {"Silver": 1, "Gold": 0, "Platinum": 0}


def test_an_override_does_not_move_the_count(api: ApiClient, program: dict[str, Any]) -> None:
    order(api, "kim", "o-1", 1200)
    override = {"name": "Platinum", "until": "2027-01-01T00:00:00Z"}
    assert api.put(customer_path("kim") + "/tier", override).status == 200
    assert members(api) == {"Silver": 0, "Gold": 1, "Platinum": 0}
    assert api.delete(customer_path("kim") + "/tier").status == 204
    assert members(api) == {"Silver": 0, "Gold": 1, "Platinum": 0}


def test_an_erased_member_leaves_the_count_once(api: ApiClient, program: dict[str, Any]) -> None:
    order(api, "kim", "o-1", 1200)
    order(api, "lee", "o-2", 1200)
    for _ in range(2):
        assert api.post(customer_path("kim") + "/erase").status == 200
    assert members(api) == {"Silver": 0, "Gold": 1, "Platinum": 0}
    assert run_tier_job()["members_read"] == 0  # nor is it due for the tier job any more


def test_a_renamed_tier_counts_its_members_as_former_until_their_next_qualifying_write(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock, bus: BusTap
) -> None:
    order(api, "kim", "o-1", 1200)
    order(api, "lee", "o-2", 10)
    clock.advance(days=1)
    set_program(api, tiers=[{"name": "Silver", "threshold": 0}, {"name": "Star", "threshold": 1000}])
    assert members(api) == {"Silver": 1, "Star": 0}
    assert former(api) == {"Gold": 1}
    bus.read()
    order(api, "kim", "o-3", 1)
    assert (members(api), former(api)) == ({"Silver": 1, "Star": 1}, {})
    assert upgrades(bus) == []  # Gold is not in the program: no order to compare it in


def test_a_member_raised_by_a_program_change_is_upgraded_once_at_its_next_write(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock, bus: BusTap
) -> None:
    order(api, "kim", "o-1", 1200)
    order(api, "lee", "o-2", 1099)
    clock.advance(days=1)
    changed = clock.ms
    lowered = [
        {"name": "Silver", "threshold": 0},
        {"name": "Gold", "threshold": 1000},
        {"name": "Platinum", "threshold": 1100},
    ]
    set_program(api, tiers=lowered)
    bus.read()
    assert tier_of(api, "kim")["name"] == "Platinum"  # at read at once
    assert members(api) == {"Silver": 0, "Gold": 2, "Platinum": 0}  # counted as stored
    clock.advance(days=1)
    credits: list[Callable[[], object]] = [partial(order, api, "kim", f"o-k{n}", 1) for n in range(3)]
    fire_together(credits)
    order(api, "kim", "o-k-last", 1)
    announced = upgrades(bus)
    at = datetime.fromtimestamp(changed / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert announced == [{"source_id": "kim", "previous": "Gold", "tier": "Platinum", "at": at}]
    assert members(api) == {"Silver": 0, "Gold": 1, "Platinum": 1}  # lee: 1099, still Gold


def test_members_crossing_at_once_are_each_counted_once(api: ApiClient, program: dict[str, Any]) -> None:
    crowd = [f"m{n}" for n in range(8)]
    # each member twice at once: 600 + 600, one of the two writes crosses into Gold (the other reads again)
    credits: list[Callable[[], object]] = [partial(order, api, m, f"o-{m}-{n}", 600) for m in crowd for n in range(2)]
    fire_together(credits)
    assert [tier_of(api, m)["qualifying"] for m in crowd] == [1200] * len(crowd)
    assert members(api) == {"Silver": 0, "Gold": len(crowd), "Platinum": 0}


def test_upgrades_in_a_sale_spread_over_the_shards_and_sum_back(
    api: ApiClient, credentials: Credentials, program: dict[str, Any]
) -> None:
    crowd = [f"buyer-{n}" for n in range(48)]
    for member in crowd:
        order(api, member, f"o-{member}", 1000)
    per_partition: Counter[str] = Counter()
    for shard in range(keys.TIER_MEMBER_SHARDS):
        partition = keys.tier_members_partition(credentials.app_id, shard)
        for item in dynamodb.query(Expression("PK = :pk", values={":pk": partition})).items:
            per_partition[partition] += int(item["members"]) if item["SK"] == "TIER#Gold" else 0
    # each shard its own partition key: a partition's 1,000 writes a second, as many times over
    assert len(per_partition) > keys.TIER_MEMBER_SHARDS // 2, per_partition
    assert max(per_partition.values()) < len(crowd) / 4, f"one shard took most of the upgrades: {per_partition}"
    assert members(api) == {"Silver": 0, "Gold": len(crowd), "Platinum": 0}


def test_each_application_counts_its_own_members(api: ApiClient, other_api: ApiClient, program: dict[str, Any]) -> None:
    order(api, "kim", "o-1", 1200)
    earning_rule(other_api)
    set_program(other_api)
    assert members(other_api) == {"Silver": 0, "Gold": 0, "Platinum": 0}
    assert members(api) == {"Silver": 0, "Gold": 1, "Platinum": 0}


@pytest.mark.parametrize("renamed", [False, True])
def test_drops_recorded_by_the_job_racing_the_members_own_credits_are_counted_once(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock, renamed: bool
) -> None:
    crowd = [f"m{n}" for n in range(8)]
    for member in crowd:
        order(api, member, f"o-{member}", 1200)
        assert api.post(f"/orders/o-{member}/cancel").status == 200
    clock.ms = DROP
    if renamed:  # Gold gone: the job and the credits judge the members Silver without a change item to collide on
        set_program(api, tiers=[{"name": "Silver", "threshold": 0}, {"name": "Star", "threshold": 1000}])
    credits: list[Callable[[], object]] = [partial(order, api, m, f"late-{m}", 10) for m in crowd]
    fire_together([*credits, run_tier_job, run_tier_job])
    run_tier_job()
    expected = {"Silver": len(crowd), "Star": 0} if renamed else {"Silver": len(crowd), "Gold": 0, "Platinum": 0}
    assert (members(api), former(api)) == (expected, {})


def test_the_tier_job_announces_a_member_a_program_change_raised_once(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock, bus: BusTap
) -> None:
    order(api, "kim", "o-1", 4000)
    order(api, "kim", "o-2", 1200)  # 5,200 points: Platinum
    assert api.post("/orders/o-1/cancel").status == 200  # 1,200: below Platinum, its drop due in 30 days
    clock.advance(days=1)
    changed = clock.ms
    raised = [
        {"name": "Silver", "threshold": 0},
        {"name": "Gold", "threshold": 1000},
        {"name": "Platinum", "threshold": 1100},
        {"name": "Diamond", "threshold": 1150},
    ]
    set_program(api, tiers=raised)
    bus.read()
    clock.ms = DROP
    assert run_tier_job()["changes_written"] == 1  # no write since: the job records the upgrade
    run_tier_job()
    at = datetime.fromtimestamp(changed / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert upgrades(bus) == [{"source_id": "kim", "previous": "Platinum", "tier": "Diamond", "at": at}]
    assert members(api) == {"Silver": 0, "Gold": 0, "Platinum": 0, "Diamond": 1}
