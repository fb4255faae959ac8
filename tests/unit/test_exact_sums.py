"""Sum measures are exact: amounts become Decimals, as DynamoDB stores numbers, and survive the store."""

from __future__ import annotations

import random
from decimal import Decimal

from shared.domain.rules import advance, view
from shared.entities.campaigns import ActionSpec, RewardSpec, RuleProgress, RuleSpec
from shared.entities.numbers import exact
from shared.storage import dynamodb
from shared.storage.progress import _progress_item, progress_from_item

SUM_RULE = RuleSpec(
    rule_id="valr_sum",
    rule_name="Revenue",
    action_type="RTA",
    actions=(ActionSpec("even_o", "Order Completed", exact(10**9), "sum", "revenue"),),
    reward=RewardSpec(type="points", points=1),
)


def _stored(progress: RuleProgress) -> RuleProgress:
    """Through the table's serialisation both ways, as every event's write and the next event's read."""
    item = _progress_item("app_x", "u1", ("camp_x", "valr_sum"), progress, "2026-01-01T00:00:00.000Z")
    return progress_from_item(dynamodb.from_item(dynamodb.to_item(item)))


def test_a_thousand_decimal_amounts_sum_exactly_through_the_store() -> None:
    rng = random.Random(1)  # noqa: S311 - reproducible amounts, not crypto
    amounts = [Decimal(rng.randint(1, 10**9)) / 10**7 for _ in range(1000)]  # seven places: 0.0000001 .. 100
    total = sum(amounts, Decimal(0))
    assert round(total, 6) != total  # the seventh place counts
    progress = RuleProgress.empty(SUM_RULE)
    for amount in amounts:
        progress = _stored(advance(SUM_RULE, progress, "Order Completed", {"revenue": float(amount)}, 0))
    assert progress.counts == (total,)
    assert view(SUM_RULE, progress, 0)[0].current == total


def test_float_drift_does_not_reach_the_sum() -> None:
    progress = RuleProgress.empty(SUM_RULE)
    for _ in range(1000):
        progress = _stored(advance(SUM_RULE, progress, "Order Completed", {"revenue": 0.1}, 0))
    assert progress.counts == (100,)  # float addition gives 99.9999999999986


def test_a_sum_beyond_float_precision_is_kept_exactly() -> None:
    progress = RuleProgress.empty(SUM_RULE)
    for amount in (123456789.12345678, 0.00000001):
        progress = _stored(advance(SUM_RULE, progress, "Order Completed", {"revenue": amount}, 0))
    assert progress.counts == (Decimal("123456789.12345679"),)


def test_a_decimal_target_is_reached_exactly() -> None:
    rule = RuleSpec(
        rule_id="valr_t",
        rule_name="Target 100.1",
        action_type="RTA",
        actions=(ActionSpec("even_o", "Order Completed", exact(100.1), "sum", "revenue"),),
        reward=RewardSpec(type="points", points=1),
    )
    progress = RuleProgress.empty(rule)
    for amount in (50.05, 50.04):
        progress = advance(rule, progress, "Order Completed", {"revenue": amount}, 0)
    assert progress.status == "active"
    done = advance(rule, progress, "Order Completed", {"revenue": 0.01}, 0)
    assert done.status == "completed"
    assert view(rule, done, 0)[0].progress == 100
