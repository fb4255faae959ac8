"""Coupon definitions: create, read (with the uses counted on their allowance shards), list and change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.entities.coupons import CouponSpec
from shared.storage import allowance, audit, dynamodb, keys, pagination
from shared.storage.coupons.errors import CodeTaken, CouponChanged
from shared.storage.coupons.records import (
    CouponRecord,
    creation_actions,
    record_from_item,
    record_with_uses,
    spec_from_item,
    usage_keys,
    usage_stamp,
)
from shared.storage.dynamodb import Expression, TransactAction, TransactionCancelled, Update

# What PATCH may change; the rest of a definition is fixed once created (redemptions were judged by it).
MUTABLE_FIELDS = ("name", "status", "starts_at", "ends_at", "usage_limit", "usage_limit_per_customer", "updated_at")


def create(app_id: str, spec: CouponSpec) -> CouponSpec:
    """The definition, its allowance shards and, for a fixed code, its registry item: a code already taken
    is ``CodeTaken``. Answers the definition as a read will."""
    definition, *others = creation_actions(app_id, spec)
    created = audit.entry(app_id, "coupon", spec.coupon_id, "created", after=definition.item)
    try:
        dynamodb.transact_write([definition, *others, created])
    except TransactionCancelled as error:
        raise CodeTaken([spec.coupon_code or ""]) from error
    return spec_from_item(dynamodb.as_read(definition.item))


def get(app_id: str, coupon_id: str) -> CouponRecord | None:
    """The definition with its uses (its allowance shards): one round trip."""
    found = dynamodb.batch_get([keys.coupon(app_id, coupon_id), *usage_keys(app_id, coupon_id)])
    definition = next((item for item in found if item.get("type") == "coupon"), None)
    return record_with_uses(definition, found) if definition else None


def get_definition(app_id: str, coupon_id: str) -> CouponRecord | None:
    """The definition alone (its uses not read): what issuing and granting need."""
    item = dynamodb.get_item(keys.coupon(app_id, coupon_id))
    return record_from_item(item) if item else None


def page(
    app_id: str, limit: int, cursor: str | None, status: str | None = None
) -> tuple[list[CouponRecord], str | None]:
    """Definitions in id order, optionally of one status, with their uses."""
    items, next_cursor = pagination.page(
        keys.coupons_partition(app_id), "coupm_", limit, cursor, filter_equals=({"status": status} if status else None)
    )
    found = (
        dynamodb.batch_get([key for item in items for key in usage_keys(app_id, item["coupon_id"])]) if items else []
    )
    return [record_with_uses(item, found) for item in items], next_cursor


def _changes(values: Mapping[str, Any], extra_sets: Sequence[str] = ()) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``SET`` the values given, ``REMOVE`` the ones that are None, plus ``extra_sets`` clauses."""
    names = {f"#{name}": name for name in values}
    sets = [f"#{name} = :{name}" for name, value in values.items() if value is not None] + list(extra_sets)
    removes = [f"#{name}" for name, value in values.items() if value is None]
    text = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return text, names, {f":{name}": value for name, value in values.items() if value is not None}


def update(app_id: str, before: CouponRecord, after: CouponSpec) -> None:
    """Write the mutable fields of ``after``, on the limit read (a concurrent change of it cancels the
    write). A new limit or status moves the allowance shards in the same transaction: the uses left
    follow the limit exactly, and a limit below the uses counted is refused by DynamoDB on the shards, so
    a concurrent redemption cannot slip under it. ``CouponChanged`` when a concurrent change made the
    write impossible."""
    assert before.usage is not None  # read by ``get``
    changed = {name: getattr(after, name) for name in MUTABLE_FIELDS}
    text, names, values = _changes(changed)
    # the definition as read (its audit entry's before is exact; a concurrent change makes the caller read again)
    condition = Expression("updated_at = :read_at", values={":read_at": before.spec.updated_at})
    if before.spec.usage_limit is not None:
        condition = Expression(
            "updated_at = :read_at AND usage_limit = :read_limit",
            values={":read_at": before.spec.updated_at, ":read_limit": before.spec.usage_limit},
        )
    actions: list[TransactAction] = [
        Update(keys.coupon(app_id, before.coupon_id), Expression(text, names, values), condition)
    ]
    if (after.usage_limit, after.status) != (before.spec.usage_limit, before.spec.status):
        actions += allowance.change(app_id, before.coupon_id, before.usage, after.usage_limit, usage_stamp(after))
    was = {name: getattr(before.spec, name) for name in MUTABLE_FIELDS}
    actions.append(audit.entry(app_id, "coupon", before.coupon_id, "updated", was, changed))
    try:
        dynamodb.transact_write(actions)
    except TransactionCancelled as error:
        raise CouponChanged from error
