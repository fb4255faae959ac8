"""Coupon definitions: create, read (with the uses counted on the usage shards), list and change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shared.entities.coupons import CouponSpec
from shared.storage import dynamodb, keys, pagination
from shared.storage.coupons.errors import CodeTaken, CouponChanged
from shared.storage.coupons.records import EXISTS, CouponRecord, creation_actions, record_from_item, spec_from_item
from shared.storage.dynamodb import Expression, Item, TransactAction, TransactionCancelled, Update

# What PATCH may change; the rest of a definition is fixed once created (redemptions were judged by it).
MUTABLE_FIELDS = ("name", "status", "starts_at", "ends_at", "usage_limit", "usage_limit_per_customer", "updated_at")


def create(app_id: str, spec: CouponSpec) -> CouponSpec:
    """The definition and, for a fixed code, its registry item: a code already taken is ``CodeTaken``.
    Answers the definition as a read will."""
    definition, *registry = creation_actions(app_id, spec)
    try:
        dynamodb.transact_write([definition, *registry])
    except TransactionCancelled as error:
        raise CodeTaken([spec.coupon_code or ""]) from error
    return spec_from_item(dynamodb.as_read(definition.item))


def _shard_keys(app_id: str, coupon_id: str) -> list[dict[str, str]]:
    return [keys.coupon_usage_shard(app_id, coupon_id, shard) for shard in range(keys.COUPON_USAGE_SHARDS)]


def _shard_uses(items: Iterable[Item]) -> dict[str, int]:
    """Uses counted on the shards, per coupon id."""
    uses: dict[str, int] = {}
    for item in items:
        if item.get("type") == "coupon_usage_shard":
            uses[item["coupon_id"]] = uses.get(item["coupon_id"], 0) + int(item.get("uses", 0))
    return uses


def get(app_id: str, coupon_id: str) -> CouponRecord | None:
    """The definition with its counts (its usage shards included): one round trip."""
    found = dynamodb.batch_get([keys.coupon(app_id, coupon_id), *_shard_keys(app_id, coupon_id)])
    definition = next((item for item in found if item.get("type") == "coupon"), None)
    if definition is None:
        return None
    return record_from_item(definition, _shard_uses(found).get(coupon_id, 0))


def get_definition(app_id: str, coupon_id: str) -> CouponRecord | None:
    """The definition alone (its shards' uses not read): what issuing and granting need."""
    item = dynamodb.get_item(keys.coupon(app_id, coupon_id))
    return record_from_item(item) if item else None


def page(
    app_id: str, limit: int, cursor: str | None, status: str | None = None
) -> tuple[list[CouponRecord], str | None]:
    """Definitions in id order, optionally of one status, with their counts."""
    items, next_cursor = pagination.page(
        keys.coupons_partition(app_id), "coupm_", limit, cursor, filter_equals=({"status": status} if status else None)
    )
    shard_keys = [
        k for item in items if item.get("usage_limit") is None for k in _shard_keys(app_id, item["coupon_id"])
    ]
    uses = _shard_uses(dynamodb.batch_get(shard_keys)) if shard_keys else {}
    return [record_from_item(item, uses.get(item["coupon_id"], 0)) for item in items], next_cursor


def _changes(values: Mapping[str, Any], extra_sets: Sequence[str] = ()) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``SET`` the values given, ``REMOVE`` the ones that are None, plus ``extra_sets`` clauses."""
    names = {f"#{name}": name for name in values}
    sets = [f"#{name} = :{name}" for name, value in values.items() if value is not None] + list(extra_sets)
    removes = [f"#{name}" for name, value in values.items() if value is None]
    text = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return text, names, {f":{name}": value for name, value in values.items() if value is not None}


def update(app_id: str, before: CouponRecord, after: CouponSpec) -> None:
    """Write the mutable fields of ``after``. A limit never goes below the uses already counted: the
    condition is checked by DynamoDB against the stored count, so a concurrent redemption cannot slip
    under it. Switching between unlimited and limited moves the uses between the shards and the definition
    in the same transaction. ``CouponChanged`` when a concurrent change made the write impossible."""
    values = {name: getattr(after, name) for name in MUTABLE_FIELDS}
    coupon_key = keys.coupon(app_id, before.coupon_id)
    was_limited, limited = before.spec.usage_limit is not None, after.usage_limit is not None
    if not limited or was_limited:
        text, names, expression_values = _changes(values)
        condition = EXISTS
        if limited:
            condition = Expression(
                "attribute_exists(PK) AND redeemed <= :new_limit", values={":new_limit": after.usage_limit}
            )
        actions: list[TransactAction] = [Update(coupon_key, Expression(text, names, expression_values), condition)]
        if was_limited and not limited:
            actions += [
                Update(shard, Expression("REMOVE closed"), condition=None)
                for shard in _shard_keys(app_id, before.coupon_id)
            ]
    else:
        actions = _close_shards(app_id, before, values)
    try:
        dynamodb.transact_write(actions)
    except TransactionCancelled as error:
        raise CouponChanged from error


def _close_shards(app_id: str, before: CouponRecord, values: Mapping[str, Any]) -> list[TransactAction]:
    """Unlimited -> limited: the shards' uses move onto the definition, each shard closed on the count read."""
    shard_keys = _shard_keys(app_id, before.coupon_id)
    read = {item[keys.PK]: int(item.get("uses", 0)) for item in dynamodb.batch_get(shard_keys)}
    moved = sum(read.values())
    limit = values["usage_limit"]
    text, names, expression_values = _changes(
        values, ["redeemed = redeemed + :moved", "generation = if_not_exists(generation, :zero) + :one"]
    )
    actions: list[TransactAction] = [
        Update(
            keys.coupon(app_id, before.coupon_id),
            Expression(text, names, {**expression_values, ":moved": moved, ":zero": 0, ":one": 1}),
            condition=Expression("attribute_exists(PK) AND redeemed <= :room", values={":room": limit - moved}),
        )
    ]
    for shard in shard_keys:
        count = read.get(shard[keys.PK], 0)
        actions.append(
            Update(
                shard,
                Expression(
                    "SET closed = :closed, uses = :zero, coupon_id = :coupon_id, #type = :type",
                    {"#type": "type"},
                    {":closed": True, ":zero": 0, ":coupon_id": before.coupon_id, ":type": "coupon_usage_shard"},
                ),
                condition=Expression(
                    "attribute_not_exists(uses) OR uses = :read" if count == 0 else "uses = :read",
                    values={":read": count},
                ),
            )
        )
    return actions
