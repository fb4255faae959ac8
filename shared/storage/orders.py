"""Orders as the earning rules saw them: the order as sent (and its digest, which tells a replay from a
different order under the same id), what each rule earned on each item, and the returns.

The order item is written once (``attribute_not_exists``) in the transaction that credits its points;
a return or the cancel rewrites it only over the ``version`` read, in the transaction that reverses
the points, so a return_id is applied once and no two returns take the same units.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shared.entities.numbers import Number
from shared.storage import dynamodb, keys
from shared.storage.dynamodb import Expression, Item, Put
from shared.values import value_class

ITEM_TYPE = "order"
CANCEL_RETURN_ID = "order.cancel"  # the cancel's return (a client's return_id cannot hold a dot)


@value_class
class RuleEarningRecord:
    """What one rule granted on the order: its credit (``txn_id``; None when nothing was granted)."""

    rule_id: str
    rule_name: str
    earned: int
    granted: int
    limited_by: str | None
    items: dict[int, int]  # item index -> points
    txn_id: str | None
    budget: bool  # the rule had a budget: a return gives back to it
    cap_period: str | None = None  # the customer's cap period the grant counted in: a return gives back to it


@value_class
class ReturnRecord:
    return_id: str
    items: dict[int, Number]  # item index -> units returned
    taken: dict[str, dict[int, int]]  # rule id -> item index -> points taken back
    txn_ids: dict[str, str]  # rule id -> the reversal's txn_id
    created_at: str


@value_class
class OrderRecord:
    order_id: str
    source_id: str
    occurred_at: int
    digest: str
    order: dict[str, Any]  # the order as sent, items included
    earnings: tuple[RuleEarningRecord, ...]
    created_at: str
    returned: tuple[Number, ...]  # units returned so far, per item index
    returns: tuple[ReturnRecord, ...] = ()
    coupon_details: tuple[dict[str, str], ...] = ()
    cancelled_at: str | None = None
    version: int = 1

    def with_return(self, record: ReturnRecord, returned: tuple[Number, ...], cancelled_at: str | None) -> OrderRecord:
        return replace(self, returns=(*self.returns, record), returned=returned, cancelled_at=cancelled_at)


def _int_keys(values: dict[str, Any]) -> dict[int, Any]:
    return {int(k): v for k, v in values.items()}


def _str_keys(values: dict[int, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in values.items()}


def to_item(app_id: str, order: OrderRecord) -> Item:
    return {
        **keys.order(app_id, order.order_id),
        "type": ITEM_TYPE,
        "order_id": order.order_id,
        "source_id": order.source_id,
        "occurred_at": order.occurred_at,
        "digest": order.digest,
        "order": order.order,
        "earnings": [
            {
                "rule_id": e.rule_id,
                "rule_name": e.rule_name,
                "earned": e.earned,
                "granted": e.granted,
                "limited_by": e.limited_by,
                "items": _str_keys(e.items),
                "txn_id": e.txn_id,
                "budget": e.budget,
                "cap_period": e.cap_period,
            }
            for e in order.earnings
        ],
        "created_at": order.created_at,
        "returned": list(order.returned),
        "returns": [
            {
                "return_id": r.return_id,
                "items": _str_keys(r.items),
                "taken": {rule: _str_keys(parts) for rule, parts in r.taken.items()},
                "txn_ids": r.txn_ids,
                "created_at": r.created_at,
            }
            for r in order.returns
        ],
        "coupon_details": list(order.coupon_details),
        "cancelled_at": order.cancelled_at,
        "version": order.version,
    }


def from_item(item: Item) -> OrderRecord:
    return OrderRecord(
        order_id=item["order_id"],
        source_id=item["source_id"],
        occurred_at=int(item["occurred_at"]),
        digest=item["digest"],
        order=item["order"],
        earnings=tuple(
            RuleEarningRecord(
                rule_id=e["rule_id"],
                rule_name=e["rule_name"],
                earned=int(e["earned"]),
                granted=int(e["granted"]),
                limited_by=e.get("limited_by"),
                items={k: int(v) for k, v in _int_keys(e["items"]).items()},
                txn_id=e.get("txn_id"),
                budget=bool(e["budget"]),
                cap_period=e.get("cap_period"),  # absent on orders stored before returns gave back to caps
            )
            for e in item["earnings"]
        ),
        created_at=item["created_at"],
        returned=tuple(item["returned"]),
        returns=tuple(
            ReturnRecord(
                return_id=r["return_id"],
                items=_int_keys(r["items"]),
                taken={rule: {k: int(v) for k, v in _int_keys(parts).items()} for rule, parts in r["taken"].items()},
                txn_ids=r["txn_ids"],
                created_at=r["created_at"],
            )
            for r in item["returns"]
        ),
        coupon_details=tuple(item.get("coupon_details", [])),
        cancelled_at=item.get("cancelled_at"),
        version=int(item["version"]),
    )


def get(app_id: str, order_id: str) -> OrderRecord | None:
    item = dynamodb.get_item(keys.order(app_id, order_id))
    return from_item(item) if item else None


def creation(app_id: str, order: OrderRecord) -> Put:
    """The order's first write, for the transaction that credits its points: once per order_id."""
    return Put(to_item(app_id, order), condition=Expression("attribute_not_exists(PK)"))


def rewrite(app_id: str, order: OrderRecord) -> Put:
    """The order with a return (or the cancel), over the version read: for the transaction reversing its points."""
    return Put(
        to_item(app_id, replace(order, version=order.version + 1)),
        condition=Expression("version = :read", values={":read": order.version}),
    )
