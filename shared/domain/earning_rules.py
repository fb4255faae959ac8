"""Earning rules of an application: create, read, change, delete. What a rule earns is ``earning``'s
arithmetic; orders apply the rules (``orders``).

- At most ``MAX_EARNING_RULES`` per application: an order reads every rule in one query, and writes
  every rule's grant in one transaction (each rule at most an entry, a record, a cap and a budget
  counter: 4 x 20 items, under DynamoDB's 100).
- A change is written only over the version read, whole (it is validated whole by the API); a change
  applies to orders received from then on. ``budget_used`` is what the rule granted less what returns
  took back; a budget lowered below it simply leaves nothing to grant.
- A deleted rule is gone from the list and grants nothing more; the orders it earned on keep naming it,
  and their returns still take its points back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from shared import clock
from shared.entities.earning import EarningRuleSpec
from shared.errors import Conflict, NotFound, ServiceUnavailable
from shared.ids import new_id
from shared.retries import retries
from shared.storage import earning
from shared.values import value_class

MAX_EARNING_RULES = 20
RULE_ID_PREFIX = "ern"


class EarningRuleNotFound(NotFound):
    def __init__(self, rule_id: str) -> None:
        super().__init__(f"Cannot find earning rule with id {rule_id}")


class TooManyEarningRules(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "Too many earning rules",
            f"an application has at most {MAX_EARNING_RULES} earning rules: delete one to add another",
        )


@value_class
class EarningRuleView:
    rule: EarningRuleSpec
    budget_used: int


def create_rule(app_id: str, rule: EarningRuleSpec) -> EarningRuleView:
    """``rule`` as sent (its id, times and version are given here)."""
    now = clock.now_iso()
    stored = replace(rule, rule_id=new_id(RULE_ID_PREFIX), created_at=now, updated_at=now, version=1)
    try:
        earning.create(app_id, stored, MAX_EARNING_RULES)
    except earning.TooManyRules as error:
        raise TooManyEarningRules from error
    return EarningRuleView(stored, 0)


def get_rule(app_id: str, rule_id: str) -> EarningRuleView:
    rule = earning.get(app_id, rule_id)
    if rule is None:
        raise EarningRuleNotFound(rule_id)
    return EarningRuleView(rule, earning.budgets_granted(app_id, [rule_id])[rule_id])


def list_rules(app_id: str, limit: int, cursor: str | None) -> tuple[list[EarningRuleView], str | None]:
    rules, next_cursor = earning.page(app_id, limit, cursor)
    used = earning.budgets_granted(app_id, [rule.rule_id for rule in rules])
    return [EarningRuleView(rule, used[rule.rule_id]) for rule in rules], next_cursor


def update_rule(app_id: str, rule_id: str, change: Callable[[EarningRuleSpec], EarningRuleSpec]) -> EarningRuleView:
    """The rule as ``change`` makes it of the stored one (it keeps id, creation time and version),
    written only over the version read: a concurrent change makes this one read again."""
    for _ in retries():
        current = earning.get(app_id, rule_id)
        if current is None:
            raise EarningRuleNotFound(rule_id)
        changed = replace(
            change(current),
            rule_id=rule_id,
            created_at=current.created_at,
            updated_at=clock.now_iso(),
            version=current.version,
        )
        try:
            stored = earning.replace_rule(app_id, current, changed)
        except earning.StaleRule:
            continue
        return EarningRuleView(stored, earning.budgets_granted(app_id, [rule_id])[rule_id])
    raise ServiceUnavailable


def delete_rule(app_id: str, rule_id: str) -> None:
    """Deleted as read (the audit log keeps what it was): a concurrent change makes this read again."""
    for _ in retries():
        current = earning.get(app_id, rule_id)
        if current is None:
            raise EarningRuleNotFound(rule_id)
        try:
            earning.delete(app_id, current)
        except earning.StaleRule:
            continue
        return
    raise ServiceUnavailable


def active_rules(app_id: str, event_name: str) -> Sequence[EarningRuleSpec]:
    """Read exactly (an order decides on the rules as they are now)."""
    return [rule for rule in earning.all_rules(app_id) if rule.status == "active" and rule.event_name == event_name]
