"""Daily statistics counters: sharded per day, each event counted once (see keys.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field

from shared.storage import dynamodb, keys
from shared.storage.dynamodb import Expression, Put, TransactionCancelled, Update
from shared.values import value_class

_NEW = Expression("attribute_not_exists(PK)")
FIGURES = (
    "points_credited",
    "points_debited",
    "coupons_redeemed",
    "rewards_redeemed",
    "new_customers",
    "points_expired",
    "points_reversed",
)


@value_class
class DayFigures:
    """One day's figures: one shard's as stored, or the day's total."""

    day: str
    figures: dict[str, int] = field(default_factory=dict)


def add(app_id: str, event_id: str, day: str, increments: Mapping[str, int], expires_at: int) -> bool:
    """Add one event's increments to its day; False when that event was counted before (a redelivery)."""
    if not increments:
        return False
    names = {f"#f{i}": name for i, name in enumerate(increments)}
    values = {f":v{i}": value for i, value in enumerate(increments.values())}
    update = Expression("ADD " + ", ".join(f"#f{i} :v{i}" for i in range(len(increments))), names, values)
    marker = {**keys.stats_counted(app_id, event_id), "type": "stats_counted", keys.TTL_ATTRIBUTE: expires_at}
    counter = keys.stats_counter(app_id, day, keys.stats_shard(event_id))
    try:
        dynamodb.transact_write([Put(marker, _NEW), Update(counter, update)])
    except TransactionCancelled as error:
        if error.reasons[0] == "ConditionalCheckFailed":
            return False
        raise
    return True


def read(app_id: str, first_day: str, last_day: str) -> list[DayFigures]:
    """Every shard of every day in the range (days with no counter have no item): a query per shard."""
    low, high = keys.stats_day_range(first_day, last_day)
    found: list[DayFigures] = []
    for shard in range(keys.STATS_SHARDS):
        condition = Expression(
            "PK = :pk AND SK BETWEEN :low AND :high",
            values={":pk": keys.stats_shard_partition(app_id, shard), ":low": low, ":high": high},
        )
        found += [
            DayFigures(str(item["SK"]).split("#")[1], {n: int(item.get(n, 0)) for n in FIGURES})
            for item in dynamodb.query_all(condition)
        ]
    return found
