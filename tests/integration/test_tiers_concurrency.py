"""The tier job exactly once: two runs at once, and a run racing members' own credits, record each drop
once and announce it once; a member with nothing due is never read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import pytest

from rewards_cli.gateway import HttpResponse
from tests.support.api import ApiClient
from tests.support.concurrency import fire_together
from tests.support.outbox import BusTap
from tests.support.points import FrozenClock, freeze_clock
from tests.support.tiers import earning_rule, order, run_tier_job, set_program, tier_of

START = int(datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp() * 1000)
DROP = int(datetime(2026, 12, 21, tzinfo=UTC).timestamp() * 1000)  # 30 days after the end of the fall's day
MEMBERS = [f"m{n}" for n in range(8)]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch, START)


@pytest.fixture
def fallen(api: ApiClient, clock: FrozenClock) -> list[str]:
    """Gold members whose qualifying points fell to 0 on START (their order cancelled)."""
    earning_rule(api)
    set_program(api)
    for member in MEMBERS:
        order(api, member, f"o-{member}", 1200)
        assert api.post(f"/orders/o-{member}/cancel").status == 200
    return MEMBERS


def downgrades(bus: BusTap) -> list[str]:
    return sorted(a.envelope["data"]["source_id"] for a in bus.read() if a.type == "tier.downgraded")


def test_two_runs_at_once_record_each_drop_once(
    api: ApiClient, clock: FrozenClock, fallen: list[str], bus: BusTap
) -> None:
    clock.ms = DROP
    reports = fire_together([run_tier_job, run_tier_job])
    reports.append(run_tier_job())  # a member both runs lost every retry on is left to the next run
    assert sum(r["changes_written"] for r in reports) == len(fallen)
    assert [tier_of(api, m)["name"] for m in fallen] == ["Silver"] * len(fallen)
    assert run_tier_job()["members_read"] == 0
    assert downgrades(bus) == sorted(fallen)


def test_a_run_racing_the_members_credits_records_each_drop_once(
    api: ApiClient, clock: FrozenClock, fallen: list[str], bus: BusTap
) -> None:
    clock.ms = DROP
    credits: list[Callable[[], object]] = [partial(order, api, m, f"late-{m}", 10) for m in fallen]
    *_, ran = fire_together([*credits, run_tier_job])
    report = cast(dict[str, Any], ran)
    assert report["members_skipped"] == 0
    run_tier_job()
    assert downgrades(bus) == sorted(fallen)  # whoever recorded it: the credit's write or the job
    for member in fallen:
        tier = tier_of(api, member)
        assert (tier["name"], tier["qualifying"]) == ("Silver", 10)


def test_a_member_with_nothing_due_is_not_read(api: ApiClient, clock: FrozenClock) -> None:
    earning_rule(api)
    set_program(api)
    order(api, "gold", "o-gold", 1200)  # due to drop in a year, not now
    order(api, "silver", "o-silver", 10)  # the lowest tier: nothing ever due
    clock.ms = START + 86_400_000
    assert run_tier_job()["members_read"] == 0


def test_an_answer_is_never_a_5xx_while_the_job_runs(api: ApiClient, clock: FrozenClock, fallen: list[str]) -> None:
    clock.ms = DROP
    reads: list[Callable[[], object]] = [partial(api.get, f"/customers/{m}") for m in fallen]
    *answers, _ = fire_together([*reads, run_tier_job])
    assert [cast(HttpResponse, a).status for a in answers] == [200] * len(fallen)
