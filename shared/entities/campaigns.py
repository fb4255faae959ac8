"""A campaign as the engine keeps it (its rules, their actions and rewards) and a customer's progress on
one of its rules: immutable values, stored by ``shared.storage`` and worked on by ``shared.domain.rules``."""

from __future__ import annotations

from typing import Any, Literal

from shared.entities.numbers import Number
from shared.values import value_class

ActionType = Literal["RTA", "AWT"]
Measure = Literal["count", "sum"]
Operator = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in"]
Beneficiary = Literal["referrer", "referee"]
RuleStatus = Literal["active", "completed", "expired"]
CampaignStatus = Literal["active", "paused", "archived"]
CampaignType = Literal["loyalty", "referral"]


@value_class
class EventCondition:
    """A condition on a property of an event, which an action counts only when it holds."""

    property: str
    operator: Operator
    value: Any


@value_class
class ActionSpec:
    event_id: str
    event_name: str
    target: Number
    measure: Measure = "count"
    property: str | None = None
    conditions: tuple[EventCondition, ...] = ()


@value_class
class RewardSpec:
    type: Literal["points", "coupon", "reward"]
    points: int | None = None
    coupon_id: str | None = None
    reward_id: str | None = None
    # points: this rule's own points policy (None: the application's)
    expire_after_days: int | None = None
    pending_days: int | None = None


@value_class
class RuleSpec:
    rule_id: str
    rule_name: str
    action_type: ActionType
    actions: tuple[ActionSpec, ...]
    reward: RewardSpec
    time_duration: int | None = None
    beneficiary: Beneficiary | None = None


@value_class
class CampaignSpec:
    campaign_id: str
    campaign_name: str
    campaign_type: CampaignType
    status: CampaignStatus
    rules: tuple[RuleSpec, ...]
    created_at: str
    updated_at: str
    starts_at: int | None = None
    ends_at: int | None = None

    def accepts(self, event_time: int) -> bool:
        """Active and ``event_time`` inside its dates (inclusive)."""
        return (
            self.status == "active"
            and (self.starts_at is None or event_time >= self.starts_at)
            and (self.ends_at is None or event_time <= self.ends_at)
        )


@value_class
class RuleProgress:
    """One customer's progress on one rule. ``version`` guards concurrent writers (optimistic locking)."""

    counts: tuple[Number, ...]
    triggered: tuple[bool, ...]
    status: RuleStatus = "active"
    start_time: int | None = None
    end_time: int | None = None
    completed_at: int | None = None
    version: int = 0

    @classmethod
    def empty(cls, rule: RuleSpec) -> RuleProgress:
        return cls(counts=tuple(0 for _ in rule.actions), triggered=tuple(False for _ in rule.actions))
