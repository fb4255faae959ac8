"""The local runner's usage plans: API keys must be active, and each key's token bucket holds its plan's
burst and refills at its rate, independently of every other key."""

from __future__ import annotations

import pytest

from rewards_cli.template import RateLimits
from rewards_cli.usage_plans import Admission, KeyPlan, UsagePlans

DEFAULT = RateLimits(rate=2, burst=3)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def plans(clock: FakeClock, table: dict[str, KeyPlan | None]) -> UsagePlans:
    return UsagePlans(DEFAULT, table.get, refresh_seconds=1.0, clock=clock)


def test_the_burst_is_admitted_at_once_and_the_next_request_is_throttled(clock: FakeClock) -> None:
    usage = plans(clock, {"ak_a": KeyPlan(None)})
    answers = [usage.admit("ak_a") for _ in range(DEFAULT.burst + 1)]
    assert answers == [Admission.ADMITTED] * DEFAULT.burst + [Admission.THROTTLED]


def test_tokens_come_back_at_the_plans_rate(clock: FakeClock) -> None:
    usage = plans(clock, {"ak_a": KeyPlan(None)})
    for _ in range(DEFAULT.burst):
        usage.admit("ak_a")
    clock.now += 0.49  # rate 2/s: a token takes 0.5 s
    assert usage.admit("ak_a") is Admission.THROTTLED
    clock.now += 0.01
    assert usage.admit("ak_a") is Admission.ADMITTED
    assert usage.admit("ak_a") is Admission.THROTTLED
    clock.now += 60  # never more than the burst, however long the pause
    assert [usage.admit("ak_a") for _ in range(DEFAULT.burst + 1)].count(Admission.ADMITTED) == DEFAULT.burst


def test_one_key_over_its_limit_leaves_the_others_alone(clock: FakeClock) -> None:
    usage = plans(clock, {"ak_noisy": KeyPlan(RateLimits(rate=1, burst=1)), "ak_quiet": KeyPlan(None)})
    assert usage.admit("ak_noisy") is Admission.ADMITTED
    assert usage.admit("ak_noisy") is Admission.THROTTLED
    assert [usage.admit("ak_quiet") for _ in range(DEFAULT.burst)] == [Admission.ADMITTED] * DEFAULT.burst


@pytest.mark.parametrize("api_key", ["ak_unknown", None, ""])
def test_an_unknown_or_missing_key_is_refused(clock: FakeClock, api_key: str | None) -> None:
    assert plans(clock, {}).admit(api_key) is Admission.INVALID_API_KEY


def test_a_changed_plan_applies_after_the_refresh_period(clock: FakeClock) -> None:
    table: dict[str, KeyPlan | None] = {"ak_a": KeyPlan(None)}
    usage = plans(clock, table)
    assert usage.admit("ak_a") is Admission.ADMITTED
    table["ak_a"] = KeyPlan(RateLimits(rate=0.001, burst=1))
    clock.now += 0.5
    assert usage.admit("ak_a") is Admission.ADMITTED, "still the old plan within the refresh period"
    clock.now += 0.5
    assert usage.admit("ak_a") is Admission.ADMITTED, "the new plan starts with a full bucket of 1"
    assert usage.admit("ak_a") is Admission.THROTTLED


def test_a_disabled_key_is_refused_after_the_refresh_period(clock: FakeClock) -> None:
    table: dict[str, KeyPlan | None] = {"ak_a": KeyPlan(None)}
    usage = plans(clock, table)
    assert usage.admit("ak_a") is Admission.ADMITTED
    table["ak_a"] = None
    clock.now += 1.0
    assert usage.admit("ak_a") is Admission.INVALID_API_KEY
