"""Tiers tried as a new user would (issue 26's "Done means"): Silver 0 / Gold 1000 / Platinum 5000 on
points earned over a rolling 12 months; upgrades at once with the gap to the next tier, credits outside
the window not counting, a drop after the grace days announced once, an override that shows as such and
ends on its date, and the profile's text tier kept without a program. Time is frozen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.api import ApiClient
from tests.support.outbox import BusTap
from tests.support.points import DAY_MS, FrozenClock, freeze_clock, transactions
from tests.support.rewards import create_reward, customer_path
from tests.support.tiers import PROGRAM, as_read, earning_rule, order, run_tier_job, set_program, tier_of

KIM = "kim@shop"
START = int(datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp() * 1000)


def iso(year: int, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}T00:00:00.000Z"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch, START)


@pytest.fixture
def program(api: ApiClient, clock: FrozenClock) -> dict[str, Any]:
    earning_rule(api)
    return set_program(api)


# ------------------------------------------------------------------------------------------ the program


def test_the_program_reads_back_as_set(api: ApiClient, clock: FrozenClock) -> None:
    assert api.get("/settings/tiers").status == 404
    body = set_program(api)
    expected = {"object": "tier_program", **PROGRAM, "updated_at": clock.iso()}
    expected["tiers"] = [{"multiplier": None, **tier} for tier in PROGRAM["tiers"]]
    assert body == expected
    assert api.get("/settings/tiers").json() == as_read(expected)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"tiers": [{"name": "Silver", "threshold": 10}]}, "tiers.0.threshold: must be 0"),
        (
            {"tiers": [{"name": "Silver", "threshold": 0}, {"name": "Gold", "threshold": 0}]},
            "tiers.1.threshold: must be greater than tiers.0.threshold",
        ),
        ({"tiers": [{"name": "Silver", "threshold": 0}, {"name": "Silver", "threshold": 5}]}, "names must be unique"),
        ({"tiers": [{"name": "Silver", "threshold": 0}, {"name": "silver ", "threshold": 5}]}, "names must be unique"),
        ({"tiers": [{"name": f"T{i}", "threshold": i} for i in range(21)]}, "tiers"),
        ({"window": {"rolling_months": 25}}, "rolling_months"),
        ({"window": {"calendar": "month"}}, "calendar"),
        ({"downgrade": {"grace_days": -1}}, "grace_days"),
        ({"tiers": [{"name": "Silver", "threshold": 0, "multiplier": 0.5}]}, "multiplier"),
    ],
)
def test_a_bad_program_is_a_400_naming_the_field_and_changes_nothing(
    api: ApiClient, clock: FrozenClock, change: dict[str, Any], named: str
) -> None:
    before = set_program(api)
    response = api.put("/settings/tiers", PROGRAM | change)
    assert response.status == 400, response.body
    assert named in response.body.decode(), response.body
    assert api.get("/settings/tiers").json() == as_read(before)


def test_twenty_tiers_are_allowed(api: ApiClient, clock: FrozenClock) -> None:
    tiers = [{"name": f"T{i}", "threshold": i} for i in range(20)]
    assert api.put("/settings/tiers", PROGRAM | {"tiers": tiers}).status == 200


# ------------------------------------------------------------------------------------------ Done means


def test_a_member_credited_1200_is_gold_at_once_with_the_gap_to_platinum(
    api: ApiClient, program: dict[str, Any]
) -> None:
    assert order(api, KIM, "o-1", 1200) == 1200
    tier = tier_of(api, KIM)
    assert tier == {
        "name": "Gold",
        "since": "2026-11-20T12:00:00.000Z",
        "qualifying": 1200,
        "qualify_on": "points_earned",
        "held": "Gold",
        "next": {"name": "Platinum", "needed": 3800, "by": iso(2026, 12, 1)},
        # November 2026 leaves the 12 months on 2027-11-01; 30 days of grace
        "keep": {"name": "Gold", "needed": 1000, "by": iso(2027, 12, 1)},
        "override": None,
    }


def test_999_is_silver_and_1000_is_gold(api: ApiClient, program: dict[str, Any]) -> None:
    order(api, KIM, "o-1", 999)
    assert tier_of(api, KIM)["name"] == "Silver"
    assert tier_of(api, KIM)["next"] == {"name": "Gold", "needed": 1, "by": iso(2026, 12, 1)}
    order(api, KIM, "o-2", 1)
    assert tier_of(api, KIM)["name"] == "Gold"


def test_points_with_an_event_time_13_months_ago_do_not_count(api: ApiClient, program: dict[str, Any]) -> None:
    assert order(api, KIM, "o-old", 1200, occurred_at="2025-10-20T10:00:00Z") == 1200
    assert tier_of(api, KIM)["qualifying"] == 0
    assert tier_of(api, KIM)["name"] == "Silver"
    order(api, KIM, "o-12", 1200, occurred_at="2025-12-01T00:00:00Z")  # 12 months: the window's first month
    assert tier_of(api, KIM)["qualifying"] == 1200


def test_a_gold_member_below_1000_keeps_gold_through_the_grace_then_drops_one_tier_announced_once(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock, bus: BusTap
) -> None:
    order(api, KIM, "o-1", 1200)
    assert api.post("/orders/o-1/cancel").status == 200
    tier = tier_of(api, KIM)
    assert (tier["name"], tier["qualifying"]) == ("Gold", 0)
    # fell on 2026-11-20: grace from the end of that day
    assert tier["keep"] == {"name": "Gold", "needed": 1000, "by": iso(2026, 12, 21)}
    clock.ms = START + 24 * DAY_MS  # 2026-12-14 noon: within the 7 days' notice
    run_tier_job()
    run_tier_job()
    clock.ms = int(datetime(2026, 12, 20, 23, 59, tzinfo=UTC).timestamp() * 1000)
    assert tier_of(api, KIM)["name"] == "Gold"
    clock.ms = int(datetime(2026, 12, 21, tzinfo=UTC).timestamp() * 1000)
    assert tier_of(api, KIM)["name"] == "Silver"  # right at read, before any job ran
    assert tier_of(api, KIM)["since"] == iso(2026, 12, 21)
    run_tier_job()
    run_tier_job()
    tiers_announced = [(a.type, a.envelope["data"]) for a in bus.read() if a.type.startswith("tier.")]
    assert tiers_announced == [
        ("tier.upgraded", {"source_id": KIM, "previous": "Silver", "tier": "Gold", "at": clock_iso(START)}),
        ("tier.downgrade_pending", {"source_id": KIM, "previous": "Gold", "tier": "Silver", "at": iso(2026, 12, 21)}),
        ("tier.downgraded", {"source_id": KIM, "previous": "Gold", "tier": "Silver", "at": iso(2026, 12, 21)}),
    ]


def clock_iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_qualifying_again_within_the_grace_keeps_the_tier(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock
) -> None:
    order(api, KIM, "o-1", 1200)
    api.post("/orders/o-1/cancel")
    clock.advance(days=10)
    order(api, KIM, "o-2", 1000)
    clock.advance(days=30)
    assert tier_of(api, KIM)["name"] == "Gold"
    assert tier_of(api, KIM)["since"] == clock_iso(START)


def test_an_override_to_platinum_shows_as_such_and_ends_on_its_date(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock
) -> None:
    order(api, KIM, "o-1", 1200)
    until = clock_iso(START + 10 * DAY_MS)
    response = api.put(f"{customer_path(KIM)}/tier", {"name": "Platinum", "until": until, "reason": "VIP event"})
    assert response.status == 200, response.body
    shown = tier_of(api, KIM)
    assert response.json() == shown
    assert (shown["name"], shown["held"]) == ("Platinum", "Gold")
    assert shown["override"] == {"name": "Platinum", "until": until, "reason": "VIP event"}
    clock.ms = START + 10 * DAY_MS - 1
    assert tier_of(api, KIM)["name"] == "Platinum"
    clock.ms = START + 10 * DAY_MS
    assert (tier_of(api, KIM)["name"], tier_of(api, KIM)["override"]) == ("Gold", None)


def test_an_override_below_the_held_tier_changes_nothing_and_delete_removes_it(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock
) -> None:
    order(api, KIM, "o-1", 1200)
    until = clock_iso(START + DAY_MS)
    api.put(f"{customer_path(KIM)}/tier", {"name": "Silver", "until": until})
    assert tier_of(api, KIM)["name"] == "Gold"
    assert api.delete(f"{customer_path(KIM)}/tier").status == 204
    assert tier_of(api, KIM)["override"] is None
    assert api.delete(f"{customer_path(KIM)}/tier").status == 204


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"name": "Diamond", "until": "2027-01-01T00:00:00Z"}, 400, "Diamond is not a tier"),
        ({"name": "Gold", "until": "2026-11-20T12:00:00Z"}, 400, "until: must be in the future"),
        ({"name": "Gold"}, 400, "until"),
    ],
)
def test_a_bad_override_is_a_400_naming_the_field(
    api: ApiClient, program: dict[str, Any], body: dict[str, Any], status: int, named: str
) -> None:
    order(api, KIM, "o-1", 10)
    response = api.put(f"{customer_path(KIM)}/tier", body)
    assert response.status == status, response.body
    assert named in response.body.decode(), response.body
    assert tier_of(api, KIM)["override"] is None


def test_an_override_of_an_unknown_customer_or_without_a_program_is_a_404(api: ApiClient, clock: FrozenClock) -> None:
    body = {"name": "Gold", "until": "2027-01-01T00:00:00Z"}
    api.put(customer_path(KIM), {"name": "Kim"})
    assert api.put(f"{customer_path(KIM)}/tier", body).status == 404  # no program
    set_program(api)
    assert api.put(f"{customer_path('nobody')}/tier", body).status == 404
    assert api.delete(f"{customer_path('nobody')}/tier").status == 404


# ------------------------------------------------------------------------------------------ the text tier


def test_without_a_program_the_profiles_text_tier_stays(api: ApiClient, clock: FrozenClock) -> None:
    api.put(customer_path(KIM), {"name": "Kim", "tier": "gold-text"})
    assert tier_of(api, KIM) == "gold-text"
    earning_rule(api)
    order(api, KIM, "o-1", 1200)
    assert tier_of(api, KIM) == "gold-text"
    set_program(api)  # the credits made before the program count
    assert tier_of(api, KIM)["name"] == "Gold"


def test_a_new_program_judges_members_lazily_keeping_a_tier_it_still_has(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock
) -> None:
    order(api, KIM, "o-1", 1200)
    clock.advance(days=1)
    raised = [{"name": "Silver", "threshold": 0}, {"name": "Gold", "threshold": 2000}]
    set_program(api, tiers=raised)
    tier = tier_of(api, KIM)
    assert (tier["name"], tier["since"]) == ("Gold", clock_iso(START))
    # it fell below Gold when the program changed: the grace runs from the end of that day
    assert tier["keep"] == {"name": "Gold", "needed": 800, "by": iso(2026, 12, 22)}
    renamed = [{"name": "Bronze", "threshold": 0}, {"name": "Star", "threshold": 500}]
    set_program(api, tiers=renamed)
    assert tier_of(api, KIM)["name"] == "Star"


# ------------------------------------------------------------------------------------------ benefits


def test_an_earning_rule_credit_for_a_gold_member_is_multiplied_by_1_5_and_says_so(
    api: ApiClient, program: dict[str, Any]
) -> None:
    assert order(api, KIM, "o-1", 1000) == 1000  # Silver when ordering: no multiplier
    assert order(api, KIM, "o-2", 101) == 151  # Gold: 101 x 1.5 = 151.5, rounded down
    (credit,) = [e for e in transactions(api, KIM) if e.get("order_id") == "o-2"]
    assert credit["description"] == "1 point per 1.00: order o-2 (Gold tier x1.5)"
    assert tier_of(api, KIM)["qualifying"] == 1151


def test_an_override_gives_its_tiers_multiplier_while_it_lasts(
    api: ApiClient, program: dict[str, Any], clock: FrozenClock
) -> None:
    api.put(customer_path(KIM), {"name": "Kim"})
    until = clock_iso(START + DAY_MS)
    assert api.put(f"{customer_path(KIM)}/tier", {"name": "Platinum", "until": until}).status == 200
    assert order(api, KIM, "o-1", 100) == 200
    clock.ms = START + DAY_MS
    assert order(api, KIM, "o-2", 100) == 100  # Silver again (200 qualifying points): no multiplier


GOLD_GIFT: dict[str, Any] = {
    "name": "Gold gift",
    "type": "MATERIAL",
    "parameters": {"product": {"id": "prod_gift"}},
    "tier": "Gold",
    "brand": "1",
}


def offered(api: ApiClient, source_id: str) -> dict[str, bool]:
    """Each reward's name -> whether the member may get it (GET /customers/{id}/rewards?explain=true)."""
    response = api.get(f"{customer_path(source_id)}/rewards", query={"explain": "true"})
    assert response.status == 200, response.body
    return {view["reward"]["name"]: view["eligible"] for view in response.json()["data"]}


def test_a_reward_restricted_to_gold_is_offered_to_gold_and_platinum_members_only(
    api: ApiClient, program: dict[str, Any]
) -> None:
    assert create_reward(api, GOLD_GIFT)
    for member, value in (("silver", 999), ("gold", 1000), ("platinum", 5000)):
        order(api, member, f"o-{member}", value)
    assert [offered(api, m)["Gold gift"] for m in ("silver", "gold", "platinum")] == [False, True, True]
    response = api.get(f"{customer_path('silver')}/rewards", query={"explain": "true"})
    (view,) = response.json()["data"]
    assert view["failed_conditions"] == [
        {"condition": "tier", "attribute": "Tier", "operator": "At least", "required": "tier Gold or above",
         "actual": "tier Silver", "gap": "needs tier Gold or above"}
    ]  # fmt: skip
    brand = api.get("/api_gateway/rewards/core/v1/user/reward/brand/1?userId=silver").json()["rewardList"]
    assert [r["rewardRestrictions"]["isValid"] for r in brand] == [False]
    brand = api.get("/api_gateway/rewards/core/v1/user/reward/brand/1?userId=gold").json()["rewardList"]
    assert [r["rewardRestrictions"]["isValid"] for r in brand] == [True]


def test_without_a_program_a_rewards_tier_is_a_label(api: ApiClient, clock: FrozenClock) -> None:
    create_reward(api, GOLD_GIFT)
    api.put(customer_path(KIM), {"name": "Kim"})
    assert offered(api, KIM) == {"Gold gift": True}


def test_an_eligibility_rule_at_least_gold_uses_the_computed_tier(api: ApiClient, program: dict[str, Any]) -> None:
    at_least_gold = [{"conditions": [{"operator": "At least", "attribute": "Tier", "value": "Gold"}]}]
    create_reward(api, {**GOLD_GIFT, "tier": None, "member_eligibility_rules": at_least_gold})
    api.put(customer_path(KIM), {"name": "Kim", "tier": "Gold"})  # the text does not count with a program
    assert offered(api, KIM) == {"Gold gift": False}
    order(api, KIM, "o-1", 5000)
    assert offered(api, KIM) == {"Gold gift": True}


# ------------------------------------------------------------------------------------------ adjustments


def test_an_adjustment_counts_toward_tiers_only_when_marked_qualifying(api: ApiClient, program: dict[str, Any]) -> None:
    api.put(customer_path(KIM), {"name": "Kim"})
    path = f"{customer_path(KIM)}/transactions"
    assert api.post(path, {"points": 900, "description": "Goodwill"}).status == 201
    assert tier_of(api, KIM)["qualifying"] == 0
    credit = api.post(path, {"points": 1000, "description": "Migrated", "qualifying": True})
    assert credit.status == 201, credit.body
    assert (tier_of(api, KIM)["qualifying"], tier_of(api, KIM)["name"]) == (1000, "Gold")
    assert api.post(f"{path}/{credit.json()['id']}/reverse", {"points": 1}).status == 201
    assert tier_of(api, KIM)["qualifying"] == 999
    refused = api.post(path, {"points": -5, "description": "x", "qualifying": True})
    assert refused.status == 400
    assert "qualifying: only a credit qualifies" in refused.body.decode()


def test_the_list_shows_each_customers_tier_as_the_get_does(api: ApiClient, program: dict[str, Any]) -> None:
    order(api, KIM, "o-1", 1200)
    order(api, "lee", "o-2", 10)
    listed = {c["source_id"]: c["tier"] for c in api.get("/customers").json()["data"]}
    assert listed == {KIM: tier_of(api, KIM), "lee": tier_of(api, "lee")}
    assert (listed[KIM]["name"], listed["lee"]["name"]) == ("Gold", "Silver")
