"""A coupon definition as stored: its record with the counts, the mapping of its spec to and from an item,
the items that create it, and the update that moves its counters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

from shared.entities.coupons import CouponCondition, CouponSpec, Discount, ItemConditions
from shared.storage import allowance, keys
from shared.storage.allowance import Allowance
from shared.storage.dynamodb import Expression, Item, Put, Update
from shared.values import value_class

IS_NEW = Expression("attribute_not_exists(PK)")
EXISTS = Expression("attribute_exists(PK)")


def normalize(code: str) -> str:
    """Codes match case-insensitively: a shopper typing ``wholecart`` means ``WHOLECART``."""
    return code.upper()


@value_class
class CouponRecord:
    spec: CouponSpec
    codes_total: int = 0
    codes_issued: int = 0  # the pool's next code to hand out: codes handed out, and codes skipped as used
    codes_held: int = 0  # codes issued to a customer and not used (nor voided) now
    codes_voided: int = 0
    usage: Allowance | None = None  # its uses (and uses left), when read with the definition

    @property
    def coupon_id(self) -> str:
        return self.spec.coupon_id

    @property
    def uses(self) -> int:
        return self.usage.used if self.usage else 0


def _condition_to_map(condition: CouponCondition) -> dict[str, Any]:
    return {"field": condition.field, "operator": condition.operator, "value": condition.value}


def _condition_from_map(data: Mapping[str, Any]) -> CouponCondition:
    return CouponCondition(data["field"], data["operator"], data["value"])


def _spec_to_values(spec: CouponSpec) -> dict[str, Any]:
    items = spec.item_conditions
    return {
        "coupon_id": spec.coupon_id,
        "coupon_code": spec.coupon_code,
        "name": spec.name,
        "discount": asdict(spec.discount),
        "status": spec.status,
        "starts_at": spec.starts_at,
        "ends_at": spec.ends_at,
        "usage_limit": spec.usage_limit,
        "usage_limit_per_customer": spec.usage_limit_per_customer,
        "assigned_to": spec.assigned_to,
        "redeemable_by": spec.redeemable_by,
        "order_conditions": [_condition_to_map(c) for c in spec.order_conditions],
        "item_conditions": None
        if items is None
        else {
            "match": [_condition_to_map(c) for c in items.match],
            "min_quantity": items.min_quantity,
            "min_amount": items.min_amount,
        },
        "metadata_schema": dict(spec.metadata_schema),
        "created_at": spec.created_at,
        "updated_at": spec.updated_at,
    }


# What PATCH may change; the rest of a definition is fixed once created (redemptions were judged by it).
def spec_from_item(item: Item) -> CouponSpec:
    discount = item["discount"]
    items = item.get("item_conditions")
    return CouponSpec(
        coupon_id=item["coupon_id"],
        coupon_code=item.get("coupon_code"),
        name=item.get("name"),
        discount=Discount(discount["type"], discount.get("value"), discount.get("max_discount")),
        status=item["status"],
        starts_at=item.get("starts_at"),
        ends_at=item.get("ends_at"),
        usage_limit=item.get("usage_limit"),
        usage_limit_per_customer=item.get("usage_limit_per_customer"),
        assigned_to=item.get("assigned_to"),
        redeemable_by=item.get("redeemable_by", "anyone"),
        order_conditions=tuple(_condition_from_map(c) for c in item.get("order_conditions") or ()),
        item_conditions=None
        if items is None
        else ItemConditions(
            match=tuple(_condition_from_map(c) for c in items.get("match") or ()),
            min_quantity=items.get("min_quantity"),
            min_amount=items.get("min_amount"),
        ),
        metadata_schema=item.get("metadata_schema") or {},
        created_at=item["created_at"],
        updated_at=item["updated_at"],
    )


def record_from_item(item: Item, uses: Allowance | None = None) -> CouponRecord:
    return CouponRecord(
        spec_from_item(item),
        codes_total=item.get("codes_total", 0),
        codes_issued=item.get("codes_issued", 0),
        codes_held=item.get("codes_held", 0),
        codes_voided=item.get("codes_voided", 0),
        usage=uses,
    )


def record_with_uses(item: Item, found: Iterable[Item]) -> CouponRecord:
    """The definition ``item`` with its uses, from a batch read that included its ``usage_keys``."""
    return record_from_item(item, allowance.from_items(item["coupon_id"], found))


def usage_keys(app_id: str, coupon_id: str) -> list[dict[str, str]]:
    """The keys of the coupon's uses: its allowance shards."""
    return allowance.shard_keys(app_id, coupon_id)


def usage_stamp(spec: CouponSpec) -> dict[str, str]:
    """What the allowance shards carry of the definition: a redemption takes a use only from an active
    coupon's shard."""
    return {"status": spec.status}


ACTIVE = {"status": "active"}


def _definition_item(app_id: str, spec: CouponSpec) -> Item:
    return {
        **keys.coupon(app_id, spec.coupon_id),
        "type": "coupon",
        **_spec_to_values(spec),
        "codes_total": 0,
        "codes_issued": 0,
        "codes_held": 0,
        "codes_voided": 0,
    }


def _fixed_code_item(app_id: str, spec: CouponSpec) -> Item:
    code = spec.coupon_code or ""
    return {
        **keys.coupon_code(app_id, normalize(code)),
        "type": "coupon_code",
        "kind": "fixed",
        "coupon_id": spec.coupon_id,
        "coupon_code": code,
        "created_at": spec.created_at,
    }


def creation_actions(app_id: str, spec: CouponSpec) -> list[Put]:
    """The definition first, then its allowance shards and a fixed code's registry item."""
    actions = [
        Put(_definition_item(app_id, spec), condition=IS_NEW),
        *allowance.creation(app_id, spec.coupon_id, spec.usage_limit, usage_stamp(spec)),
    ]
    if spec.coupon_code is not None:
        actions.append(Put(_fixed_code_item(app_id, spec), condition=IS_NEW))
    return actions


def pool_counters(app_id: str, coupon_id: str, deltas: Mapping[str, int]) -> Update:
    """The definition's pool counters moved by ``deltas`` (a pool code's state)."""
    adds = ", ".join(f"{name} :{name}" for name in deltas)
    return Update(
        keys.coupon(app_id, coupon_id),
        Expression(f"ADD {adds}", values={f":{name}": delta for name, delta in deltas.items()}),
    )
