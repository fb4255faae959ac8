"""What the earning rules grant a customer on an event, within their caps and budgets, and the credit of
an event sent to POST /events by the rules listening to its name (orders credit theirs in
``shared.domain.orders``, with the order).

An event's credits are written once per delivery (its Idempotency-Key, or the request's own id, as the
campaigns count it: ``shared.domain.events``): one transaction holds a marker of the delivery (written only
if absent), a ledger credit per rule that granted (reason ``event_earning``, naming the rule and the
event), the rules' counters (each only if its limit still holds) and the profile over the ledger head
read. A lost race re-reads and grants what is left; a delivery already marked grants nothing again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared import clock
from shared.domain import tier_members
from shared.domain.customers import ensure_customer
from shared.domain.earning import EarningEvent, Usage, cap_period, evaluate
from shared.domain.points import placement
from shared.domain.points.ledger import lot_times
from shared.domain.tiers import month_key
from shared.entities.earning import ORDER_EVENT, EarningRuleSpec
from shared.entities.points import PolicyRecord, Posting, Reason
from shared.errors import ServiceUnavailable
from shared.ids import new_id
from shared.retries import retries
from shared.storage import dynamodb, earning, points
from shared.storage.dynamodb import TransactAction, TransactionCancelled, Update

# Lost races before answering service unavailable: as many as an order's (budgets race alike).
MAX_ATTEMPTS = 60


def listening(app_id: str, event_name: str) -> list[EarningRuleSpec]:
    """The active rules on ``event_name``, from this container's copy: usually no read at all."""
    if event_name == ORDER_EVENT:  # its rules credit with the order, never again as its event
        return []
    return [r for r in earning.recent_rules(app_id) if r.status == "active" and r.event_name == event_name]


def usage(
    app_id: str, source_id: str, rules: Sequence[EarningRuleSpec], occurred_at: int, time_zone: str
) -> dict[str, Usage]:
    """What each rule's limits have left for this customer in the event's period, as read now."""
    periods = {
        rule.rule_id: period for rule in rules if (period := cap_period(rule.per_customer, occurred_at, time_zone))
    }
    budgets = [rule.rule_id for rule in rules if rule.budget is not None]
    granted, used = earning.read_counters(app_id, source_id, budgets, periods)
    return {
        rule.rule_id: Usage(
            cap_left=rule.per_customer.points - used.get(rule.rule_id, 0) if rule.per_customer else None,
            budget_left=rule.budget - granted.get(rule.rule_id, 0) if rule.budget is not None else None,
        )
        for rule in rules
    }


def rule_credit(
    rule: EarningRuleSpec,
    txn_id: str,
    granted: int,
    reason: Reason,
    event_name: str,
    occurred_at: int,
    policy: PolicyRecord,
    description: str,
    order_id: str | None = None,
) -> Posting:
    """The credit an earning rule grants for an event (or an order): its lot follows the points policy and
    the rule's own days, and it qualifies for tiers in the event's month."""
    times = lot_times(policy, occurred_at * 1000, rule.expire_after_days, rule.pending_days)
    return Posting(
        txn_id=txn_id,
        points=granted,
        reason=reason,
        operation="credit",
        rule_id=rule.rule_id,
        event_name=event_name,
        description=description,
        activates_ms=times.activates_ms,
        expires_ms=times.expires_ms,
        order_id=order_id,
        qualifies_in=month_key(occurred_at * 1000),
    )


def counters(app_id: str, source_id: str, rule: EarningRuleSpec, points: int, period: str | None) -> list[Update]:
    moves = []
    if rule.budget is not None:
        moves.append(earning.move_budget(app_id, rule.rule_id, points, rule.budget))
    if rule.per_customer is not None and period is not None:
        moves.append(earning.move_cap(app_id, source_id, rule.rule_id, period, points, rule.per_customer.points))
    return moves


def credit_event(
    app_id: str,
    source_id: str,
    event_name: str,
    occurred_at: int,
    properties: Mapping[str, Any],
    rules: Sequence[EarningRuleSpec],
    delivery_id: str,
    marker_expires_at: int,
) -> bool:
    """Credit the delivery ``delivery_id`` of an event once; whether the customer was created by it (an
    unknown source_id is created, as the campaigns' part of the event would)."""
    by_id = {rule.rule_id: rule for rule in rules}
    created = False
    for attempt in retries(MAX_ATTEMPTS):
        if attempt and earning.delivery_credited(app_id, source_id, delivery_id):
            return created
        profile, _, policy = points.read_with_policy(app_id, source_id, [])
        if profile is None:
            profile, created = ensure_customer(app_id, source_id)
        tier = tier_members.tier_benefit(app_id, profile)
        event = EarningEvent(event_name, occurred_at, properties, tier_multiplier=tier.multiplier)
        postings: list[Posting] = []
        moves: list[Update] = []
        for result in evaluate(
            rules, event, usage(app_id, source_id, rules, occurred_at, policy.time_zone), policy.time_zone
        ):
            if not result.granted:
                continue
            rule = by_id[result.rule_id]
            description = f"{rule.name}: {event_name}{tier.stated}"
            postings.append(
                rule_credit(
                    rule, new_id("txn"), result.granted, "event_earning", event_name, occurred_at, policy, description
                )
            )
            moves += counters(app_id, source_id, rule, result.granted, result.period)
        if not postings:
            return created
        actions: list[TransactAction] = [
            earning.credit_marker(app_id, source_id, delivery_id, marker_expires_at),
            *moves,
        ]
        actions += placement.post(app_id, profile, postings, clock.now_epoch_ms())[1]
        try:
            dynamodb.transact_write(actions)
        except (TransactionCancelled, ServiceUnavailable):
            continue
        return created
    raise ServiceUnavailable
