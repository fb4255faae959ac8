"""The campaign engine's arithmetic: which events match which actions, how progress advances, when a
rule completes, and how progress is shown. Pure functions over immutable specs; no I/O.

Design notes
- A rule's actions, targets and reward never change once created (PATCH changes a campaign's name,
  status and dates only), so progress stored per action index can never be misread.
- RTA: every matching event adds 1 (``count``) or its property's value (``sum``); the rule completes
  once every action reaches its target, and is then frozen: the reward is granted once.
- AWT: the first action is the benchmark X and the second the trigger Y. X reaching its target opens
  the window ``[start, start + time_duration]`` at that event's time; Y counts only inside it, judged
  by event time; the rule completes when Y reaches its target inside the window.
- Sums are exact: amounts and targets are Decimals (as DynamoDB stores numbers), so a thousand
  ``40.1``s make exactly ``40100``, never ``40099.99999999``. A float from a JSON body becomes the
  Decimal of its shortest repr, which is the number the client wrote.
- Referrer rules count distinct referred customers (one each, however many events they send); that
  de-duplication is storage's job, this module only adds the 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any, Literal

from shared.domain.comparators import COMPARATORS
from shared.entities.campaigns import ActionSpec, EventCondition, RuleProgress, RuleSpec
from shared.entities.numbers import Number, exact
from shared.values import value_class


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool) and math.isfinite(value)


def condition_holds(condition: EventCondition, properties: Mapping[str, Any]) -> bool:
    """A missing property, or one whose type cannot be compared with the value, does not match."""
    if condition.property not in properties:
        return condition.operator in ("ne", "not_in")
    actual = properties[condition.property]
    expected = condition.value
    if condition.operator in ("gt", "gte", "lt", "lte") and not (_is_number(actual) and _is_number(expected)):
        return False
    try:
        return bool(COMPARATORS[condition.operator](actual, expected))
    except TypeError:
        return False


def increment(action: ActionSpec, event_name: str, properties: Mapping[str, Any]) -> Number | None:
    """What an event adds to an action, or None when it does not match."""
    if event_name != action.event_name or not all(condition_holds(c, properties) for c in action.conditions):
        return None
    if action.measure == "count":
        return 1
    value: Any = properties.get(action.property or "")
    if not _is_number(value) or value <= 0:
        return None
    return exact(value)


# An action stops counting once it reaches its target (at most 1e12), so what lies past the target is only
# shown; capping it keeps every count a number DynamoDB stores exactly (10**125 + 5 has 126 significant
# digits: storing it failed the whole event).
PROGRESS_CEILING = 10**15


def _add(current: Number, amount: Number) -> Number:
    return exact(min(current + amount, PROGRESS_CEILING))


def advance(
    rule: RuleSpec, progress: RuleProgress, event_name: str, properties: Mapping[str, Any], event_time: int
) -> RuleProgress:
    """Progress after one event (the same object when the event changes nothing)."""
    if progress.status != "active":
        return progress
    amounts = [increment(action, event_name, properties) for action in rule.actions]
    if rule.action_type == "AWT":
        return _advance_awt(rule, progress, amounts, event_time)
    counts = list(progress.counts)
    changed = False
    for index, amount in enumerate(amounts):
        if amount is not None and counts[index] < rule.actions[index].target:
            counts[index] = _add(counts[index], amount)
            changed = True
    if not changed:
        return progress
    updated = replace(progress, counts=tuple(counts))
    return _complete_if_done(rule, updated, event_time)


def count_referee(rule: RuleSpec, progress: RuleProgress, action_index: int, event_time: int) -> RuleProgress:
    """A referrer rule's action gains one distinct referred customer."""
    if progress.status != "active" or progress.counts[action_index] >= rule.actions[action_index].target:
        return progress
    counts = list(progress.counts)
    counts[action_index] = _add(counts[action_index], 1)
    return _complete_if_done(rule, replace(progress, counts=tuple(counts)), event_time)


def _complete_if_done(rule: RuleSpec, progress: RuleProgress, event_time: int) -> RuleProgress:
    if all(count >= action.target for count, action in zip(progress.counts, rule.actions, strict=True)):
        return replace(progress, status="completed", completed_at=event_time)
    return progress


def _advance_awt(rule: RuleSpec, progress: RuleProgress, amounts: list[Number | None], event_time: int) -> RuleProgress:
    (x, y), (x_amount, y_amount) = rule.actions, amounts
    counts, triggered = list(progress.counts), list(progress.triggered)
    start, end = progress.start_time, progress.end_time
    changed = False
    if x_amount is not None and start is None:
        counts[0] = _add(counts[0], x_amount)
        triggered[0] = True
        changed = True
        if counts[0] >= x.target:
            start, end = event_time, event_time + (rule.time_duration or 0)
    # Y counts only inside the window, judged by the event's own time.
    if y_amount is not None and start is not None and end is not None and start <= event_time <= end:
        counts[1] = _add(counts[1], y_amount)
        triggered[1] = True
        changed = True
    if not changed:
        return progress
    updated = replace(progress, counts=tuple(counts), triggered=tuple(triggered), start_time=start, end_time=end)
    if start is not None and counts[1] >= y.target:
        return replace(updated, status="completed", completed_at=event_time)
    return updated


def expire(progress: RuleProgress, now: int) -> RuleProgress | None:
    """The closed window, or None when the window is not due (or already completed/closed)."""
    if progress.status != "active" or progress.end_time is None or progress.end_time > now:
        return None
    return replace(progress, status="expired")


def percent(current: Number, target: Number) -> int:
    """Integer percent of current over target, floored and capped at 100."""
    if target <= 0:
        return 100
    return min(100, math.floor(current * 100 / target))


@value_class
class ActionView:
    """One action of the progress response, in the seed's fields."""

    event_id: str
    event_name: str
    progress: int
    trigger: bool
    status: Literal["active", "completed"]
    current: Number
    target: Number
    start_time: int | None = None
    end_time: int | None = None
    time_duration: int | None = None
    time_left: int | None = None
    expired: bool | None = None


def view(rule: RuleSpec, progress: RuleProgress | None, now: int) -> list[ActionView]:
    state = progress or RuleProgress.empty(rule)
    views: list[ActionView] = []
    for index, action in enumerate(rule.actions):
        current = state.counts[index]
        reached = current >= action.target and (rule.action_type == "RTA" or index == 0 or state.status == "completed")
        item = ActionView(
            event_id=action.event_id,
            event_name=action.event_name,
            progress=percent(current, action.target),
            trigger=rule.action_type == "AWT" and state.triggered[index],
            status="completed" if reached else "active",
            current=current,
            target=action.target,
        )
        if rule.action_type == "AWT":
            item = _awt_view(rule, state, index, item, now)
        views.append(item)
    return views


def _awt_view(rule: RuleSpec, state: RuleProgress, index: int, item: ActionView, now: int) -> ActionView:
    if index == 0:
        return replace(item, start_time=state.start_time)
    if state.start_time is None or state.end_time is None:
        return replace(item, time_duration=rule.time_duration)
    # Once completed the time left is frozen at completion, as in the seed's sample.
    reference = state.completed_at if state.status == "completed" and state.completed_at is not None else now
    return replace(
        item,
        start_time=state.start_time,
        end_time=state.end_time,
        time_duration=rule.time_duration,
        time_left=max(0, state.end_time - reference),
        expired=True if state.status == "expired" else None,
    )
