"""The paged reads an export's worker streams from: never a scan, never more than one page held.

Customers come from the Customers index (every listed shard, then the erased customers' partition), a
customer's ledger and reward redemptions from its partition, coupon redemptions from each coupon's shards
of the redemptions index between two times.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from shared.entities.points import LedgerEntry
from shared.storage import dynamodb, keys
from shared.storage.coupons.redemptions import CouponRedemptionRecord
from shared.storage.customers import CustomerRecord
from shared.storage.dynamodb import Expression, Item
from shared.storage.points import entry_from_item
from shared.storage.redemptions import RewardRedemptionRecord

PAGE_ITEMS = 100


def _pages(key_condition: Expression, index: str | None = None) -> Iterator[list[Item]]:
    start: Item | None = None
    while True:
        page = dynamodb.query(key_condition, index=index, limit=PAGE_ITEMS, start_key=start)
        if page.items:
            yield page.items
        if page.last_key is None:
            return
        start = page.last_key


def profiles(app_id: str) -> Iterator[list[CustomerRecord]]:
    """Every profile of the application, a page at a time: the listed shards, then the erased customers."""
    partitions = [keys.customers_shard_partition(app_id, shard) for shard in range(keys.CUSTOMER_SHARDS)]
    for partition in [*partitions, keys.erased_customers_partition(app_id)]:
        condition = Expression(f"{keys.CUSTOMERS_PK} = :pk", values={":pk": partition})
        for entries in _pages(condition, keys.CUSTOMERS_INDEX):
            found = dynamodb.batch_get([{keys.PK: e[keys.PK], keys.SK: e[keys.SK]} for e in entries], consistent=False)
            yield sorted((CustomerRecord.from_item(item) for item in found), key=lambda record: record.source_id)


def profiles_of(app_id: str, source_ids: Sequence[str]) -> dict[str, CustomerRecord]:
    found = dynamodb.batch_get([keys.customer(app_id, source_id) for source_id in source_ids], consistent=False)
    return {item["source_id"]: CustomerRecord.from_item(item) for item in found}


def ledger_entries(app_id: str, source_id: str, from_ms: int, to_ms: int) -> Iterator[list[LedgerEntry]]:
    low, high = keys.ledger_range(from_ms, to_ms)
    condition = Expression(
        "PK = :pk AND SK BETWEEN :low AND :high",
        values={":pk": keys.customer_partition(app_id, source_id), ":low": low, ":high": high},
    )
    for items in _pages(condition):
        yield [entry_from_item(item) for item in items]


def reward_redemptions(app_id: str, source_id: str) -> Iterator[list[RewardRedemptionRecord]]:
    condition = Expression(
        "PK = :pk AND begins_with(SK, :prefix)",
        values={":pk": keys.customer_partition(app_id, source_id), ":prefix": keys.REDEMPTION_SK_PREFIX},
    )
    for items in _pages(condition):
        yield [RewardRedemptionRecord.from_item(item) for item in items]


def coupon_ids(app_id: str) -> Iterator[list[str]]:
    condition = Expression(
        "PK = :pk AND begins_with(SK, :prefix)", values={":pk": keys.coupons_partition(app_id), ":prefix": "coupm_"}
    )
    for items in _pages(condition):
        yield [item["coupon_id"] for item in items]


def coupon_redemptions(app_id: str, coupon_id: str, from_ms: int, to_ms: int) -> Iterator[list[CouponRedemptionRecord]]:
    low, high = keys.coupon_redemptions_range(from_ms, to_ms)
    for partition in keys.coupon_redemptions_partitions(app_id, coupon_id):
        condition = Expression(
            f"{keys.COUPON_REDEMPTIONS_PK} = :pk AND {keys.COUPON_REDEMPTIONS_SK} BETWEEN :low AND :high",
            values={":pk": partition, ":low": low, ":high": high},
        )
        for entries in _pages(condition, keys.COUPON_REDEMPTIONS_INDEX):
            found = dynamodb.batch_get([{keys.PK: e[keys.PK], keys.SK: e[keys.SK]} for e in entries], consistent=False)
            yield sorted((CouponRedemptionRecord.from_item(item) for item in found), key=lambda r: r.created_ms)
