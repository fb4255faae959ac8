"""Earning rules, their budget counters and the customers' cap counters.

A rule item holds the whole rule and a ``version``: a change is written only over the version read. A
counter item in the rules' partition caps the rules of an application (an order reads them all in one
query). Counters count points granted less points taken back by returns: a rule's ``BUDGET`` item
(``granted``) and a customer's ``EARNCAP`` item per rule and period (``used``). Both are moved only in
the transaction that credits the points, under a condition that the limit still holds after the move
(``granted <= budget - points``), so however many orders race, no limit is ever passed: the losers read
again and grant what is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from shared.entities.campaigns import EventCondition
from shared.entities.coupons import CouponCondition
from shared.entities.earning import CustomerCap, Earn, EarningRuleSpec, ItemSelection, Multiplier
from shared.storage import audit, dynamodb, keys, pagination
from shared.storage.dynamodb import Delete, Expression, Item, Put, TransactionCancelled, Update
from shared.storage.versioned_cache import VersionedCache

ITEM_TYPE = "earning_rule"


class TooManyRules(Exception):
    pass


class StaleRule(Exception):
    """The rule changed (or went) since it was read."""


# ------------------------------------------------------------------------------------------ items


def _decimal(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _conditions(conditions: Sequence[CouponCondition]) -> list[dict[str, Any]]:
    return [{"field": c.field, "operator": c.operator, "value": c.value} for c in conditions]


def to_item(app_id: str, rule: EarningRuleSpec) -> Item:
    earn, multiplier, cap = rule.earn, rule.multiplier, rule.per_customer
    return {
        **keys.earning_rule(app_id, rule.rule_id),
        "type": ITEM_TYPE,
        "rule_id": rule.rule_id,
        "name": rule.name,
        "event_name": rule.event_name,
        "status": rule.status,
        "conditions": [{"property": c.property, "operator": c.operator, "value": c.value} for c in rule.conditions],
        "match": _conditions(rule.items.match),
        "exclude": _conditions(rule.items.exclude),
        "earn": {"points": earn.points, "per": earn.per, "of": earn.of, "rounding": earn.rounding},
        "multiplier": None
        if multiplier is None
        else {"factor": multiplier.factor, "starts_at": multiplier.starts_at, "ends_at": multiplier.ends_at},
        "per_customer": None
        if cap is None
        else {"points": cap.points, "period": cap.period, "time_zone": cap.time_zone},
        "budget": rule.budget,
        "expire_after_days": rule.expire_after_days,
        "pending_days": rule.pending_days,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
        "version": rule.version,
    }


def _coupon_conditions(items: Sequence[Mapping[str, Any]]) -> tuple[CouponCondition, ...]:
    return tuple(CouponCondition(c["field"], c["operator"], c.get("value")) for c in items)


def from_item(item: Item) -> EarningRuleSpec:
    earn, multiplier, cap = item["earn"], item.get("multiplier"), item.get("per_customer")
    return EarningRuleSpec(
        rule_id=item["rule_id"],
        name=item["name"],
        event_name=item["event_name"],
        status=item["status"],
        conditions=tuple(EventCondition(c["property"], c["operator"], c.get("value")) for c in item["conditions"]),
        items=ItemSelection(_coupon_conditions(item["match"]), _coupon_conditions(item["exclude"])),
        earn=Earn(
            _decimal(earn["points"]),
            _decimal(earn["per"]) if earn.get("per") is not None else None,
            earn["of"],
            earn["rounding"],
        ),
        multiplier=None
        if multiplier is None
        else Multiplier(_decimal(multiplier["factor"]), multiplier.get("starts_at"), multiplier.get("ends_at")),
        per_customer=None if cap is None else CustomerCap(int(cap["points"]), cap["period"], cap["time_zone"]),
        budget=item.get("budget"),
        expire_after_days=item.get("expire_after_days"),
        pending_days=item.get("pending_days"),
        created_at=item["created_at"],
        updated_at=item["updated_at"],
        version=int(item["version"]),
    )


# ------------------------------------------------------------------------------------------ rules


def create(app_id: str, rule: EarningRuleSpec, limit: int) -> None:
    try:
        _create(app_id, rule, limit)
    finally:
        RULES_CACHE.forget(app_id)


def _create(app_id: str, rule: EarningRuleSpec, limit: int) -> None:
    try:
        dynamodb.transact_write(
            [
                Update(
                    keys.earning_rules_counter(app_id),
                    Expression("ADD rule_count :one", values={":one": 1}),
                    condition=Expression(
                        "attribute_not_exists(rule_count) OR rule_count < :limit", values={":limit": limit}
                    ),
                ),
                Put(to_item(app_id, rule), condition=Expression("attribute_not_exists(PK)")),
                audit.entry(app_id, "earning_rule", rule.rule_id, "created", after=to_item(app_id, rule)),
            ]
        )
    except TransactionCancelled as error:
        if error.reasons[:1] == ["ConditionalCheckFailed"]:
            raise TooManyRules from error
        # Only the rule's own put lost: this very write landed on an attempt whose answer was lost.


def get(app_id: str, rule_id: str) -> EarningRuleSpec | None:
    item = dynamodb.get_item(keys.earning_rule(app_id, rule_id))
    return from_item(item) if item else None


def _at_version(version: int) -> Expression:
    return Expression("version = :read", values={":read": version})


def replace_rule(app_id: str, before: EarningRuleSpec, rule: EarningRuleSpec) -> EarningRuleSpec:
    """``rule`` written over ``before``, the version it was read at (``StaleRule`` when it changed), with
    its audit entry; the one stored."""
    stored = replace(rule, version=rule.version + 1)
    change = audit.entry(
        app_id, "earning_rule", rule.rule_id, "updated", to_item(app_id, before), to_item(app_id, stored)
    )
    try:
        audit.audited([Put(to_item(app_id, stored), condition=_at_version(rule.version))], change)
    except TransactionCancelled as error:
        raise StaleRule from error
    finally:
        RULES_CACHE.forget(app_id)
    return stored


def delete(app_id: str, rule: EarningRuleSpec) -> None:
    """``rule`` deleted, if it is still the version read (``StaleRule`` when it changed or is gone)."""
    try:
        dynamodb.transact_write(
            [
                Delete(keys.earning_rule(app_id, rule.rule_id), condition=_at_version(rule.version)),
                Update(
                    keys.earning_rules_counter(app_id),
                    Expression("ADD rule_count :minus_one", values={":minus_one": -1}),
                ),
                audit.entry(app_id, "earning_rule", rule.rule_id, "deleted", before=to_item(app_id, rule)),
            ]
        )
    except TransactionCancelled as error:
        raise StaleRule from error
    finally:
        RULES_CACHE.forget(app_id)


def page(app_id: str, limit: int, cursor: str | None) -> tuple[list[EarningRuleSpec], str | None]:
    items, next_cursor = pagination.page(
        keys.earning_rules_partition(app_id), keys.EARNING_RULE_SK_PREFIX, limit, cursor, consistent=True
    )
    return [from_item(item) for item in items], next_cursor


def all_rules(app_id: str) -> list[EarningRuleSpec]:
    """Every rule of the application, oldest id first: one query (their number is capped)."""
    result = dynamodb.query(
        Expression(
            "PK = :pk AND begins_with(SK, :prefix)",
            values={":pk": keys.earning_rules_partition(app_id), ":prefix": keys.EARNING_RULE_SK_PREFIX},
        ),
        consistent=True,
    )
    return [from_item(item) for item in result.items]


# Every event reads the rules on its name: from each container's copy (shared/storage/versioned_cache.py),
# read whole again (one query: their number is capped) once it is STALENESS_SECONDS old, so an event
# no rule listens to costs no read. A change forgets this container's copy, whatever its outcome.
RULES_CACHE: VersionedCache[tuple[EarningRuleSpec, ...]] = VersionedCache()


def recent_rules(app_id: str) -> tuple[EarningRuleSpec, ...]:
    return RULES_CACHE.get_whole(app_id, lambda: tuple(all_rules(app_id)))


# ------------------------------------------------------------------------------------------ deliveries


def delivery_credited(app_id: str, source_id: str, delivery_id: str) -> bool:
    return dynamodb.get_item(keys.earning_applied(app_id, source_id, delivery_id)) is not None


def credit_marker(app_id: str, source_id: str, delivery_id: str, expires_at: int) -> Put:
    """Written with an event delivery's credits, only once: a second write of the delivery is cancelled."""
    return Put(
        {
            **keys.earning_applied(app_id, source_id, delivery_id),
            "type": "earning_applied",
            keys.TTL_ATTRIBUTE: expires_at,
        },
        condition=Expression("attribute_not_exists(PK)"),
    )


# ------------------------------------------------------------------------------------------ counters


def budgets_granted(app_id: str, rule_ids: Sequence[str]) -> dict[str, int]:
    """Points each rule granted (less what returns took back), by rule id; 0 for a rule that never granted."""
    granted, _ = read_counters(app_id, "", rule_ids, {})
    return {rule_id: granted.get(rule_id, 0) for rule_id in rule_ids}


def read_counters(
    app_id: str, source_id: str, budgets: Sequence[str], caps: Mapping[str, str]
) -> tuple[dict[str, int], dict[str, int]]:
    """One round trip: the budget counters of ``budgets`` (rule ids) as ``granted`` by rule id, and the
    customer's cap counters of ``caps`` (rule id -> period) as ``used`` by rule id (absent: 0)."""
    item_keys = [keys.earning_budget(app_id, rule_id) for rule_id in budgets] + [
        keys.earning_cap(app_id, source_id, rule_id, period) for rule_id, period in caps.items()
    ]
    items = dynamodb.batch_get(item_keys) if item_keys else []
    granted = {item["rule_id"]: int(item.get("granted", 0)) for item in items if item.get("type") == "earning_budget"}
    used = {item["rule_id"]: int(item.get("used", 0)) for item in items if item.get("type") == "earning_cap"}
    return granted, used


def _counter(
    key: Mapping[str, str], kind: str, attribute: str, rule_id: str, points: int, at_most: int | None
) -> Update:
    """``attribute`` moved by ``points``; when ``at_most`` is given, only if it stays within it."""
    condition = None
    values: dict[str, Any] = {":points": points, ":kind": kind, ":rule": rule_id}
    if at_most is not None:
        condition = Expression(
            "attribute_not_exists(#counted) OR #counted <= :before",
            {"#counted": attribute},
            {":before": at_most - points},
        )
    return Update(
        dict(key),
        Expression(
            "SET #type = :kind, rule_id = :rule ADD #counted :points",
            {"#type": "type", "#counted": attribute},
            values,
        ),
        condition=condition,
    )


def move_budget(app_id: str, rule_id: str, points: int, budget: int | None) -> Update:
    """A grant's part (``points`` > 0, within ``budget``) or a return's (``points`` < 0, unconditional)."""
    return _counter(keys.earning_budget(app_id, rule_id), "earning_budget", "granted", rule_id, points, budget)


def move_cap(app_id: str, source_id: str, rule_id: str, period: str, points: int, cap: int | None) -> Update:
    """A grant's part (``points`` > 0, within ``cap``) or a return's (``points`` < 0, unconditional)."""
    return _counter(keys.earning_cap(app_id, source_id, rule_id, period), "earning_cap", "used", rule_id, points, cap)
