"""The due index (``DueWindows``'s customer entries): the customers a scheduled job has something to do for
(points to activate or expire, a tier to drop or warn of), each job on its own shards. A module of its own
so that a route reading a tier program or the points policy does not load the customers' storage."""

from __future__ import annotations

from shared.storage import dynamodb, keys
from shared.storage.dynamodb import Expression, Item


def customers_due(
    shard_partition: str, by_epoch_s: int, limit: int, start_after: Item | None
) -> tuple[list[tuple[str, str]], Item | None]:
    """``(app_id, source_id)`` of up to ``limit`` customers on one shard of the due index (the points' or
    the tiers') with something due by ``by_epoch_s``, and where to continue (the index is eventually
    consistent: a run moves forward rather than re-reading what it has just settled)."""
    result = dynamodb.query(
        Expression(
            f"{keys.DUE_PK} = :shard AND {keys.DUE_SK} < :bound",
            values={":shard": shard_partition, ":bound": f"{by_epoch_s + 1:012d}"},
        ),
        index=keys.DUE_INDEX,
        limit=limit,
        start_key=start_after,
    )
    found = [keys.customer_of(item[keys.PK]) for item in result.items]
    return [customer for customer in found if customer is not None], result.last_key
