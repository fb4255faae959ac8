"""Campaign definitions as progress reads and events read them, and the points policy events credit by:
cached per container, a change applies within ``STALENESS_SECONDS`` everywhere (at once in the container
that made it), and a read costs no shared partition more than a fraction of a unit however many campaigns
the application has."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest

from shared.domain.campaigns import with_ids
from shared.entities.points import PolicyRecord
from shared.storage import campaigns, points
from shared.storage.versioned_cache import STALENESS_SECONDS, VersionedCache
from tests.support.api import ApiClient
from tests.support.campaigns import event, rta_seed_campaign
from tests.support.partition_reads import partition_reads
from tests.support.points import FrozenClock, freeze_clock, set_policy, transactions

STALENESS_MS = STALENESS_SECONDS * 1000


@pytest.fixture
def wall(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch)


@contextmanager
def another_container(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Requests sent inside are served by another container: this one's cached definitions and points
    policy stay as they were."""
    our_definitions, our_policies = campaigns.DEFINITIONS_CACHE, points.POLICY_CACHE
    with monkeypatch.context() as patch:
        patch.setattr(campaigns, "DEFINITIONS_CACHE", VersionedCache[campaigns.Definitions](STALENESS_MS, 8))
        patch.setattr(points, "POLICY_CACHE", VersionedCache[PolicyRecord](STALENESS_MS, 8))
        yield
    assert campaigns.DEFINITIONS_CACHE is our_definitions
    assert points.POLICY_CACHE is our_policies


def deposited(api: ApiClient, source_id: str, campaign_id: str) -> Any:
    """What the customer's money_deposited action of the campaign stands at."""
    response = api.get("/campaigns/reward-progress", query={"source_id": source_id, "campaign_id": campaign_id})
    assert response.status == 200, response.body
    [shown] = response.json()
    return shown["campaign_name"], shown["rules"][0]["actions"][0]["current"]


def test_a_change_made_elsewhere_applies_here_within_the_staleness_and_never_later(
    api: ApiClient, wall: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign_id = api.post("/campaigns", rta_seed_campaign()).json()["campaign_id"]
    assert api.post("/events", event("kim", "money_deposited", amount=100)).status == 200
    assert deposited(api, "kim", campaign_id) == ("Real time action campaign", 100)
    with another_container(monkeypatch):
        changed = api.patch(f"/campaigns/{campaign_id}", {"campaign_name": "Paused", "status": "paused"})
        assert changed.status == 200, changed.body

    wall.ms += STALENESS_MS - 1  # this container's copy is still current enough: the event counts
    assert api.post("/events", event("kim", "money_deposited", amount=100)).status == 200
    assert deposited(api, "kim", campaign_id) == ("Real time action campaign", 200)

    wall.ms += 1  # the staleness has passed: paused, for progress and for events
    assert deposited(api, "kim", campaign_id) == ("Paused", 200)
    assert api.post("/events", event("kim", "money_deposited", amount=100)).status == 200
    assert deposited(api, "kim", campaign_id) == ("Paused", 200)


def test_a_campaign_created_elsewhere_counts_events_here_within_the_staleness(
    api: ApiClient, wall: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert api.post("/events", event("kim", "money_deposited", amount=100)).status == 200  # nothing to count yet
    with another_container(monkeypatch):
        campaign_id = api.post("/campaigns", rta_seed_campaign()).json()["campaign_id"]
    wall.ms += STALENESS_MS
    assert api.post("/events", event("kim", "money_deposited", amount=100)).status == 200
    assert deposited(api, "kim", campaign_id) == ("Real time action campaign", 100)


def test_the_container_that_made_a_change_sees_it_at_once(api: ApiClient, wall: FrozenClock) -> None:
    campaign_id = api.post("/campaigns", rta_seed_campaign()).json()["campaign_id"]
    assert api.post("/events", event("kim", "money_deposited", amount=100)).status == 200
    assert deposited(api, "kim", campaign_id) == ("Real time action campaign", 100)
    assert api.patch(f"/campaigns/{campaign_id}", {"campaign_name": "Paused", "status": "paused"}).status == 200
    assert api.post("/events", event("kim", "money_deposited", amount=100)).status == 200
    assert deposited(api, "kim", campaign_id) == ("Paused", 100)


# ------------------------------------------------------------------------------------------ points policy

# Completed by a customer's first signup event: a credit of 10 points, whose lot follows the points policy.
WELCOME = {
    "campaign_name": "Welcome",
    "rules": [
        {"rule_name": "Signed up", "action_type": "RTA", "actions": [{"event_name": "signup", "target": 1}],
         "reward": {"type": "points", "points": 10}},
    ],
}  # fmt: skip


def credited_expiry(api: ApiClient, source_id: str) -> str | None:
    """The expiry of the points a new customer's signup event credits (set by the points policy)."""
    assert api.post("/events", event(source_id, "signup")).status == 200
    [credit] = transactions(api, source_id)
    [lot] = credit["lots"]
    assert lot["points"] == 10, credit
    expires_at: str | None = lot["expires_at"]
    return expires_at


def test_a_points_policy_changed_elsewhere_applies_to_events_here_within_the_staleness_and_never_later(
    api: ApiClient, wall: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert api.post("/campaigns", WELCOME).status == 201
    assert credited_expiry(api, "kim-0") is None  # the default policy: points never expire
    with another_container(monkeypatch):
        set_policy(api, expire_after_days=30)

    wall.ms += STALENESS_MS - 1  # this container's copy is still current enough: the old policy
    assert credited_expiry(api, "kim-1") is None

    wall.ms += 1  # the staleness has passed: the new policy
    assert credited_expiry(api, "kim-2") is not None


def test_the_container_that_changed_the_points_policy_credits_by_it_at_once(api: ApiClient, wall: FrozenClock) -> None:
    assert api.post("/campaigns", WELCOME).status == 201
    assert credited_expiry(api, "kim-0") is None
    set_policy(api, expire_after_days=30)
    assert credited_expiry(api, "kim-1") is not None
    set_policy(api, expire_after_days=None)
    assert credited_expiry(api, "kim-2") is None


# ------------------------------------------------------------------------------------------ cost

CAMPAIGN_COUNT = 100
MEASURED = 10  # requests of each kind after the warm-up, one customer each, one a second
HOT_PATH_READ_UNITS = 0.5


def shared_partitions(charged: Mapping[str, float], app_id: str) -> dict[str, float]:
    """Units per request on partitions other customers' requests read too (a customer's own partition
    carries only that customer's traffic)."""
    private = f"APP#{app_id}#CUST#"
    return {partition: units / MEASURED for partition, units in charged.items() if not partition.startswith(private)}


def test_with_100_campaigns_a_progress_read_and_an_event_cost_any_shared_partition_at_most_half_a_unit(
    api: ApiClient, wall: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seed-sized campaigns (2 rules, 3 actions) and one crediting points on signup, under a points policy;
    a request a second, so that the version item and the policy are read every ``STALENESS_SECONDS``
    requests (a busier container reads them less often per request)."""
    app_id = api.credentials.app_id
    first = campaigns.get(app_id, api.post("/campaigns", rta_seed_campaign()).json()["campaign_id"])
    assert first is not None
    event_ids = {action.event_name: action.event_id for rule in first.rules for action in rule.actions}
    for _ in range(CAMPAIGN_COUNT - 2):  # copies through the repository: the API would take minutes of moto
        campaigns.create(app_id, with_ids(first, event_ids, first.created_at))
    assert api.post("/campaigns", WELCOME).status == 201
    set_policy(api, expire_after_days=365)
    customers = [f"customer-{n}" for n in range(MEASURED + 1)]
    assert api.post("/events", event(customers[0], "money_deposited", amount=10)).status == 200  # warm-up
    assert credited_expiry(api, customers[0]) is not None
    assert len(api.get("/campaigns/reward-progress", query={"source_id": customers[0]}).json()) == CAMPAIGN_COUNT

    with partition_reads(monkeypatch) as by_event:
        for customer in customers[1:]:
            wall.ms += 1000
            assert api.post("/events", event(customer, "money_deposited", amount=10)).status == 200
    with partition_reads(monkeypatch) as by_crediting_event:
        for customer in customers[1:]:
            wall.ms += 1000
            assert api.post("/events", event(customer, "signup")).status == 200
    with partition_reads(monkeypatch) as by_progress:
        for customer in customers[1:]:
            wall.ms += 1000
            assert len(api.get("/campaigns/reward-progress", query={"source_id": customer}).json()) == CAMPAIGN_COUNT

    assert all(transactions(api, customer)[0]["lots"][0]["expires_at"] for customer in customers[1:])
    for charged in (by_event, by_crediting_event, by_progress):
        per_request = shared_partitions(charged, app_id)
        assert max(per_request.values()) <= HOT_PATH_READ_UNITS, per_request
