"""Coupons redeemed on orders and reverted (seed 004's apply): one record per (coupon, order), written
with every use it counts in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any, Literal

from shared.storage import allowance, dynamodb, keys, pagination
from shared.storage.coupons.errors import ApplyRaced
from shared.storage.coupons.records import (
    ACTIVE,
    EXISTS,
    CouponRecord,
    normalize,
    pool_counters,
    record_with_uses,
    usage_keys,
)
from shared.storage.dynamodb import Expression, Item, Put, TransactAction, TransactionCancelled, Update
from shared.values import value_class


@value_class
class CouponRedemptionRecord:
    """One coupon redeemed on one order (and maybe reverted): keyed by (coupon, order)."""

    coupon_id: str
    order_id: str
    source_id: str
    coupon_code: str
    status: Literal["completed", "reverted"]
    order_status: str
    discount: float
    order: dict[str, Any]  # the order's amounts and the metadata the coupon's schema kept
    nullified_metadata: list[str]
    request_id: str
    created_at: str
    created_ms: int
    updated_at: str
    revert_request_id: str | None = None
    reverted_at: str | None = None
    order_digest: str | None = None  # the order as redeemed (status aside): a replay must send the same one

    @classmethod
    def from_item(cls, item: Item) -> CouponRedemptionRecord:
        return cls(**{name: item.get(name) for name in cls.__dataclass_fields__})  # type: ignore[arg-type]


@value_class
class CouponState:
    """What one entry of ``coupon_details`` reads: the definition, the code's registry item, the
    customer's uses of the coupon, the customer's copy of the code, and the redemption on this order."""

    coupon: CouponRecord | None
    code: Item | None
    held: Item | None
    held_code: Item | None
    redemption: CouponRedemptionRecord | None

    @property
    def uses_by_customer(self) -> int:
        return int((self.held or {}).get("uses", 0))

    @property
    def granted_to_customer(self) -> int:
        return int((self.held or {}).get("granted", 0))


@value_class
class ApplySnapshot:
    customer_exists: bool
    coupons: list[CouponState]


def load_for_apply(app_id: str, source_id: str, order_id: str, details: Sequence[tuple[str, str]]) -> ApplySnapshot:
    """Everything validate, redeem and revert read, for every coupon of the order: one round trip."""
    profile = keys.customer(app_id, source_id)
    wanted: list[dict[str, str]] = [profile]
    for coupon_id, code in details:
        code_key = normalize(code)
        wanted += [
            keys.coupon(app_id, coupon_id),
            *usage_keys(app_id, coupon_id),
            keys.coupon_code(app_id, code_key),
            keys.customer_coupon(app_id, source_id, coupon_id),
            keys.customer_coupon_code(app_id, source_id, coupon_id, code_key),
            keys.coupon_redemption(app_id, coupon_id, order_id),
        ]
    items = dynamodb.batch_get(wanted)
    found = {(item[keys.PK], item[keys.SK]): item for item in items}

    def at(key: Mapping[str, str]) -> Item | None:
        return found.get((key[keys.PK], key[keys.SK]))

    states = []
    for coupon_id, code in details:
        code_key = normalize(code)
        definition = at(keys.coupon(app_id, coupon_id))
        redemption = at(keys.coupon_redemption(app_id, coupon_id, order_id))
        states.append(
            CouponState(
                coupon=record_with_uses(definition, items) if definition else None,
                code=at(keys.coupon_code(app_id, code_key)),
                held=at(keys.customer_coupon(app_id, source_id, coupon_id)),
                held_code=at(keys.customer_coupon_code(app_id, source_id, coupon_id, code_key)),
                redemption=CouponRedemptionRecord.from_item(redemption) if redemption else None,
            )
        )
    return ApplySnapshot(at(profile) is not None, states)


def _redemption_item(app_id: str, record: CouponRedemptionRecord) -> Item:
    return {
        **keys.coupon_redemption(app_id, record.coupon_id, record.order_id),
        **keys.coupon_redemptions_entry(app_id, record.coupon_id, record.created_ms, record.order_id),
        "type": "coupon_redemption",
        **asdict(record),
    }


def redeem_actions(
    app_id: str,
    state: CouponState,
    record: CouponRedemptionRecord,
    now_iso: str,
    tried: allowance.Tried | None = None,
) -> list[TransactAction]:
    """The writes of one coupon's redemption; every limit is a condition DynamoDB checks, so concurrent
    redemptions can never exceed it:
    - the redemption record, new (or replacing a reverted one): the same order is redeemed once;
    - the use, taken from one of the coupon's allowance shards (none of ``tried`` while another has a use
      left), which a limited coupon takes only while one is left on it, and only from an active coupon's
      shard (shared/storage/allowance.py);
    - the customer's uses of the coupon, under their limit (and within their grants, for a coupon
      redeemable by holders only);
    - a pool code, from the state read (available, or issued to this customer) to redeemed."""
    assert state.coupon is not None  # the domain refuses unknown coupons before this
    spec = state.coupon.spec
    coupon_id, source_id = spec.coupon_id, record.source_id
    status = {"#status": "status"}
    actions: list[TransactAction] = [
        Put(
            _redemption_item(app_id, record),
            # A new order, or this customer's own order redeemed again after its revert.
            condition=Expression(
                "attribute_not_exists(PK) OR (#status = :reverted AND source_id = :source_id)",
                status,
                {":reverted": "reverted", ":source_id": source_id},
            ),
        )
    ]
    # A code issued to this customer leaves the pool's held codes.
    if spec.is_pool and (state.code or {}).get("status") == "issued":
        actions.append(pool_counters(app_id, coupon_id, {"codes_held": -1}))
    assert state.coupon.usage is not None  # read with the definition
    try:
        actions.append(allowance.take(app_id, coupon_id, state.coupon.usage, ACTIVE, tried))
    except allowance.NoShardFits as error:
        raise ApplyRaced from error  # the batch read a limit and shards on either side of a PATCH
    held_conditions, held_values = [], {}
    if spec.usage_limit_per_customer is not None:
        held_conditions.append("(attribute_not_exists(uses) OR uses < :per_customer)")
        held_values[":per_customer"] = spec.usage_limit_per_customer
    if spec.redeemable_by == "holders" and spec.coupon_code is not None:
        held_conditions.append("granted > uses")
    actions.append(
        Update(
            keys.customer_coupon(app_id, source_id, coupon_id),
            Expression(
                "SET #type = :type, coupon_id = :coupon_id, source_id = :source_id, updated_at = :now, "
                "granted = if_not_exists(granted, :zero) ADD uses :one",
                {"#type": "type"},
                {
                    ":type": "customer_coupon",
                    ":coupon_id": coupon_id,
                    ":source_id": source_id,
                    ":now": now_iso,
                    ":zero": 0,
                    ":one": 1,
                },
            ),
            condition=Expression(" AND ".join(held_conditions), values=held_values) if held_conditions else None,
        )
    )
    if spec.is_pool and state.code is not None:
        code_key = normalize(record.coupon_code)
        read_status = state.code.get("status")
        condition = Expression(
            "#status = :read AND coupon_id = :coupon_id", status, {":read": read_status, ":coupon_id": coupon_id}
        )
        if read_status == "issued":
            condition = Expression(
                condition.text + " AND holder = :source_id", status, {**condition.values, ":source_id": source_id}
            )
        actions.append(
            Update(
                keys.coupon_code(app_id, code_key),
                Expression(
                    "SET #status = :redeemed, order_id = :order_id, redeemed_by = :source_id, redeemed_at = :now",
                    status,
                    {":redeemed": "redeemed", ":order_id": record.order_id, ":source_id": source_id, ":now": now_iso},
                ),
                condition=condition,
            )
        )
        if state.held_code is not None:
            actions.append(_held_code_status(app_id, source_id, coupon_id, code_key, "redeemed", now_iso))
    return actions


def _held_code_status(
    app_id: str, source_id: str, coupon_id: str, code_key: str, new_status: str, now_iso: str
) -> Update:
    return Update(
        keys.customer_coupon_code(app_id, source_id, coupon_id, code_key),
        Expression(
            "SET #status = :new_status, updated_at = :now",
            {"#status": "status"},
            {":new_status": new_status, ":now": now_iso},
        ),
        condition=EXISTS,
    )


def revert_actions(
    app_id: str, state: CouponState, order_status: str, request_id: str, now_iso: str
) -> list[TransactAction]:
    """The writes that give one redemption's use back: the record to reverted (once: conditioned on it
    being completed), the use back to one of the coupon's allowance shards, the customer's use, and a pool
    code back to its holder or pool."""
    record, coupon = state.redemption, state.coupon
    assert record is not None  # the domain checks both first
    assert coupon is not None
    coupon_id, source_id = record.coupon_id, record.source_id
    status = {"#status": "status"}
    actions: list[TransactAction] = [
        Update(
            keys.coupon_redemption(app_id, coupon_id, record.order_id),
            Expression(
                "SET #status = :reverted, order_status = :order_status, revert_request_id = :request_id, "
                "reverted_at = :now, updated_at = :now",
                status,
                {":reverted": "reverted", ":order_status": order_status, ":request_id": request_id, ":now": now_iso},
            ),
            condition=Expression("#status = :completed", status, {":completed": "completed"}),
        )
    ]
    # The code goes back to the customer it was issued to, or to the pool: the code item read is the
    # record's own (the domain refuses a revert naming another code).
    code = state.code or {}
    holder = code.get("holder")
    held = {"codes_held": 1} if coupon.spec.is_pool and holder else {}
    assert coupon.usage is not None  # read with the definition
    try:
        actions.append(allowance.give_back(app_id, coupon_id, coupon.usage))
    except allowance.NoShardFits as error:
        raise ApplyRaced from error  # the batch read the redemption, not yet its shard's take
    if held:
        actions.append(pool_counters(app_id, coupon_id, held))
    actions.append(
        Update(
            keys.customer_coupon(app_id, source_id, coupon_id),
            Expression("SET updated_at = :now ADD uses :minus_one", values={":now": now_iso, ":minus_one": -1}),
            condition=Expression("uses >= :one", values={":one": 1}),
        )
    )
    if coupon.spec.is_pool:
        code_key = normalize(record.coupon_code)
        back_to = "issued" if holder else "available"
        same_holder = "holder = :holder" if holder else "attribute_not_exists(holder)"
        actions.append(
            Update(
                keys.coupon_code(app_id, code_key),
                Expression(
                    "SET #status = :back_to REMOVE order_id, redeemed_by, redeemed_at", status, {":back_to": back_to}
                ),
                condition=Expression(
                    f"#status = :redeemed AND order_id = :order_id AND coupon_id = :coupon_id AND {same_holder}",
                    status,
                    {":redeemed": "redeemed", ":order_id": record.order_id, ":coupon_id": coupon_id}
                    | ({":holder": holder} if holder else {}),
                ),
            )
        )
        if holder == source_id and state.held_code is not None:
            actions.append(_held_code_status(app_id, source_id, coupon_id, code_key, "issued", now_iso))
    return actions


def write_all(actions: Sequence[TransactAction]) -> None:
    """The writes of one redeem or revert, all or nothing."""
    try:
        dynamodb.transact_write(actions)
    except TransactionCancelled as error:
        raise ApplyRaced from error


def update_order_status(app_id: str, record: CouponRedemptionRecord, order_status: str, now_iso: str) -> None:
    """A redeem repeated with the order's new status (pending -> completed) stores it on that very
    redemption, still completed; nothing is consumed. ``ApplyRaced`` when it changed meanwhile."""
    try:
        dynamodb.update_item(
            keys.coupon_redemption(app_id, record.coupon_id, record.order_id),
            Expression(
                "SET order_status = :order_status, updated_at = :now",
                values={":order_status": order_status, ":now": now_iso},
            ),
            condition=Expression(
                "#status = :completed AND request_id = :request_id",
                {"#status": "status"},
                {":completed": "completed", ":request_id": record.request_id},
            ),
        )
    except dynamodb.ConditionFailed as error:
        raise ApplyRaced from error


def page(
    app_id: str, coupon_id: str, limit: int, cursor: str | None
) -> tuple[list[CouponRedemptionRecord], str | None]:
    """Newest first, merged from the index's shards (which hold keys only), then the records shown read
    in one BatchGetItem; the cursor carries only the index's sort key."""
    entries, next_cursor = pagination.newest_first_across(
        pagination.Shards(
            keys.coupon_redemptions_partitions(app_id, coupon_id),
            sort_key_prefix="",
            partition_key_name=keys.COUPON_REDEMPTIONS_PK,
            sort_key_name=keys.COUPON_REDEMPTIONS_SK,
            index=keys.COUPON_REDEMPTIONS_INDEX,
        ),
        limit,
        cursor,
    )
    table_keys = [{keys.PK: entry[keys.PK], keys.SK: entry[keys.SK]} for entry in entries]
    # eventually consistent, as the index the page was found on: half the read units
    found = {item[keys.PK]: item for item in dynamodb.batch_get(table_keys, consistent=False)}
    return [
        CouponRedemptionRecord.from_item(found[key[keys.PK]]) for key in table_keys if key[keys.PK] in found
    ], next_cursor
