"""The progress arithmetic: properties that hold for any sequence of events, and the seeds' numbers."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.rules import advance, condition_holds, count_referee, expire, percent, view
from shared.entities.campaigns import ActionSpec, EventCondition, RewardSpec, RuleProgress, RuleSpec

POINTS = RewardSpec(type="points", points=100)
RULE1 = RuleSpec(
    rule_id="valr_1",
    rule_name="Rule 1",
    action_type="RTA",
    actions=(
        ActionSpec("even_d", "money_deposited", 1000, "sum", "amount"),
        ActionSpec("even_o", "order_success", 1),
    ),
    reward=POINTS,
)
AWT = RuleSpec(
    rule_id="valr_2",
    rule_name="Order within 2 days of signup",
    action_type="AWT",
    actions=(
        ActionSpec("even_s", "signup", 1),
        ActionSpec("even_o", "order_success", 1, conditions=(EventCondition("amount", "gte", 200),)),
    ),
    reward=POINTS,
    time_duration=172800,
)

events = st.lists(
    st.tuples(
        st.sampled_from(["money_deposited", "order_success", "signup", "other"]),
        st.one_of(st.none(), st.integers(-50, 2000), st.floats(0, 2000, allow_nan=False), st.text(max_size=3)),
        st.integers(1_700_000_000, 1_700_500_000),
    ),
    max_size=40,
)


def _run(rule: RuleSpec, sequence: list[tuple[str, Any, int]]) -> list[RuleProgress]:
    states = [RuleProgress.empty(rule)]
    for name, amount, at in sequence:
        properties = {} if amount is None else {"amount": amount}
        states.append(advance(rule, states[-1], name, properties, at))
    return states


@given(events)
def test_rta_progress_is_monotone_capped_and_completes_iff_every_target_is_reached(
    sequence: list[tuple[str, Any, int]],
) -> None:
    states = _run(RULE1, sequence)
    for before, after in itertools.pairwise(states):
        assert all(a >= b for a, b in zip(after.counts, before.counts, strict=True))
        if before.status == "completed":
            assert after is before  # frozen: the reward is granted once
    for state in states:
        shown = view(RULE1, state, 0)
        assert all(0 <= action.progress <= 100 for action in shown)
        reached = all(c >= a.target for c, a in zip(state.counts, RULE1.actions, strict=True))
        assert (state.status == "completed") == reached


@given(events)
def test_awt_completes_only_with_y_inside_the_window(sequence: list[tuple[str, Any, int]]) -> None:
    states = _run(AWT, sequence)
    final = states[-1]
    if final.status == "completed":
        assert final.start_time is not None
        assert final.end_time == final.start_time + 172800
        assert final.completed_at is not None
        assert final.start_time <= final.completed_at <= final.end_time
    # Y counts only once the window is open (events are applied in arrival order), inside it by event time.
    opened_at = next((i for i, state in enumerate(states) if state.start_time is not None), len(states))
    inside = [
        (n, a, t)
        for n, a, t in sequence[opened_at:]
        if final.start_time is not None
        and n == "order_success"
        and isinstance(a, int | float)
        and not isinstance(a, bool)
        and a >= 200
        and final.start_time <= t <= (final.end_time or 0)
    ]
    assert (final.status == "completed") == (final.start_time is not None and bool(inside))


def test_seed_rta_numbers() -> None:
    state = advance(RULE1, RuleProgress.empty(RULE1), "money_deposited", {"amount": 500}, 1)
    state = advance(RULE1, state, "order_success", {}, 2)
    deposit, order = view(RULE1, state, 3)
    assert (deposit.progress, deposit.status, deposit.current, deposit.trigger) == (50, "active", 500, False)
    assert (order.progress, order.status, order.current) == (100, "completed", 1)
    assert state.status == "active"


def test_awt_y_before_x_and_after_the_window_do_not_count() -> None:
    early = advance(AWT, RuleProgress.empty(AWT), "order_success", {"amount": 500}, 100)
    assert early.counts == (0, 0)
    opened = advance(AWT, early, "signup", {}, 1000)
    assert (opened.start_time, opened.end_time) == (1000, 1000 + 172800)
    late = advance(AWT, opened, "order_success", {"amount": 500}, 1000 + 172801)
    assert late is opened
    small = advance(AWT, opened, "order_success", {"amount": 199}, 2000)
    assert small is opened
    done = advance(AWT, opened, "order_success", {"amount": 200}, 1000 + 172800)
    assert done.status == "completed"
    assert expire(done, 10**10) is None
    closed = expire(opened, 1000 + 172800)
    assert closed is not None
    assert closed.status == "expired"
    assert advance(AWT, closed, "order_success", {"amount": 500}, 2000) is closed


def test_a_second_signup_does_not_restart_the_window() -> None:
    opened = advance(AWT, RuleProgress.empty(AWT), "signup", {}, 1000)
    assert advance(AWT, opened, "signup", {}, 5000) is opened


def test_referee_counts_stop_at_the_target() -> None:
    rule = RuleSpec("valr_r", "Refer 2", "RTA", (ActionSpec("even_o", "order_success", 2),), POINTS, None, "referrer")
    one = count_referee(rule, RuleProgress.empty(rule), 0, 10)
    two = count_referee(rule, one, 0, 11)
    assert (one.counts, one.status) == ((1,), "active")
    assert (two.counts, two.status, two.completed_at) == ((2,), "completed", 11)
    assert count_referee(rule, two, 0, 12) is two


def test_percent_is_floored_and_capped() -> None:
    assert [percent(1, 3), percent(2, 3), percent(5, 4), percent(999, 1000)] == [33, 66, 100, 99]


def test_conditions_compare_only_comparable_values() -> None:
    assert condition_holds(EventCondition("amount", "gte", 200), {"amount": 200})
    assert not condition_holds(EventCondition("amount", "gte", 200), {"amount": "300"})
    assert not condition_holds(EventCondition("amount", "gt", 1), {"amount": True})
    assert not condition_holds(EventCondition("amount", "gt", 1), {})
    assert condition_holds(EventCondition("mode", "in", ["UPI", "CARD"]), {"mode": "UPI"})
    assert condition_holds(EventCondition("mode", "not_in", ["UPI"]), {})
    assert condition_holds(EventCondition("mode", "ne", "UPI"), {"mode": "CARD"})
    assert not condition_holds(EventCondition("tags", "in", ["a"]), {"tags": ["a"]})


@pytest.mark.parametrize(
    ("condition", "properties"),
    [
        # ordering compares numbers only: text that would sort "right" still does not match
        (EventCondition("name", "gt", "a"), {"name": "b"}),
        (EventCondition("name", "gte", "a"), {"name": "a"}),
        (EventCondition("name", "lt", "b"), {"name": "a"}),
        (EventCondition("name", "lte", "a"), {"name": "a"}),
        # both sides must be numbers: a boolean is not 1
        (EventCondition("amount", "gte", 1), {"amount": True}),
        # a membership Python cannot evaluate does not match either way
        (EventCondition("code", "in", "ABC"), {"code": 5}),
        (EventCondition("code", "not_in", "ABC"), {"code": 5}),
    ],
)
def test_a_condition_whose_sides_cannot_be_compared_does_not_match(
    condition: EventCondition, properties: dict[str, Any]
) -> None:
    assert not condition_holds(condition, properties)


def test_a_missing_property_matches_only_the_negative_operators() -> None:
    assert [condition_holds(EventCondition("mode", op, "UPI"), {}) for op in ("eq", "ne", "in", "not_in")] == [
        False,
        True,
        False,
        True,
    ]


def test_an_event_that_changes_nothing_leaves_the_progress_untouched() -> None:
    empty = RuleProgress.empty(RULE1)
    assert advance(RULE1, empty, "other", {}, 1) is empty  # the same object: nothing to write


def test_an_action_stops_counting_at_its_target_and_completion_is_stamped_with_the_event_time() -> None:
    once = advance(RULE1, RuleProgress.empty(RULE1), "order_success", {}, 1)
    assert advance(RULE1, once, "order_success", {}, 2) is once
    done = advance(RULE1, once, "money_deposited", {"amount": 1000}, 3)
    assert (done.counts, done.status, done.completed_at) == ((1000, 1), "completed", 3)


def test_awt_benchmark_with_a_target_above_one_opens_the_window_on_the_event_that_reaches_it() -> None:
    rule = replace(AWT, actions=(replace(AWT.actions[0], target=2), AWT.actions[1]))
    first = advance(rule, RuleProgress.empty(rule), "signup", {}, 1000)
    assert (first.counts, first.start_time) == ((1, 0), None)
    second = advance(rule, first, "signup", {}, 1500)
    assert (second.counts, second.start_time, second.end_time) == ((2, 0), 1500, 1500 + 172800)


def test_awt_trigger_at_the_second_the_window_opens_counts() -> None:
    opened = advance(AWT, RuleProgress.empty(AWT), "signup", {}, 1000)
    done = advance(AWT, opened, "order_success", {"amount": 200}, 1000)
    assert (done.status, done.completed_at) == ("completed", 1000)


def test_awt_view_before_during_and_after_the_window() -> None:
    x, y = view(AWT, None, 50)
    assert (x.status, y.status, y.time_duration, y.time_left) == ("active", "active", 172800, None)
    opened = advance(AWT, RuleProgress.empty(AWT), "signup", {}, 1000)
    x, y = view(AWT, opened, 2000)
    assert (x.status, x.start_time, y.status, y.time_left) == ("completed", 1000, "active", 172800 - 1000)
    done = advance(AWT, opened, "order_success", {"amount": 200}, 5000)
    # once completed, the time left is frozen at the completion, however late it is read
    x, y = view(AWT, done, 100_000)
    assert (x.status, y.status, y.time_left, y.expired) == ("completed", "completed", 172800 - 4000, None)
    closed = expire(opened, 1000 + 172800)
    assert closed is not None
    assert (view(AWT, closed, 10**9)[1].time_left, view(AWT, closed, 10**9)[1].expired) == (0, True)


def test_a_window_is_not_closed_before_its_end_nor_when_never_opened() -> None:
    opened = advance(AWT, RuleProgress.empty(AWT), "signup", {}, 1000)
    assert expire(opened, 1000 + 172800 - 1) is None
    assert expire(RuleProgress.empty(AWT), 10**10) is None


def test_referrer_counts_stop_at_each_actions_target_while_the_rule_is_open() -> None:
    rule = RuleSpec(
        "valr_r2",
        "Refer 1 buyer and 2 depositors",
        "RTA",
        (ActionSpec("even_o", "order_success", 1), ActionSpec("even_d", "money_deposited", 2)),
        POINTS,
        None,
        "referrer",
    )
    one = count_referee(rule, RuleProgress.empty(rule), 0, 10)
    assert count_referee(rule, one, 0, 11) is one
    assert count_referee(rule, one, 1, 12).counts == (1, 1)


def test_percent_of_a_zero_target_is_complete() -> None:
    assert [percent(0, 0), percent(5, 0)] == [100, 100]
