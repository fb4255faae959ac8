"""API models of earning rules: "1 point per 1.00 on items", "+1 on electronics", "50 per order"."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from shared.api.schemas.attributes import EventName
from shared.api.schemas.campaign_conditions import ConditionIn
from shared.api.schemas.common import IsoDateTime, RequestModel, ResponseModel, ShortText
from shared.api.schemas.coupon_conditions import CouponConditionIn, check_item_fields
from shared.clock import iso_from_epoch_ms
from shared.domain.earning import MAX_POINTS_PER_EVENT
from shared.domain.earning_rules import EarningRuleView
from shared.entities.campaigns import EventCondition
from shared.entities.earning import (
    ITEMS,
    ORDER_EVENT,
    CustomerCap,
    Earn,
    EarningRuleSpec,
    EarningRuleStatus,
    ItemSelection,
    Multiplier,
    Period,
    Rounding,
)
from shared.errors import ValidationFailed
from shared.limits import MAX_EXPIRE_AFTER_DAYS, MAX_PENDING_DAYS, StorableFloat, TimeZoneName

PropertyPath = Annotated[
    str, StringConstraints(min_length=12, max_length=128, pattern=r"^properties(\.[A-Za-z0-9_\-]+)+$")
]
MAX_POINTS = 1_000_000_000  # a cap per customer and period
Days = Annotated[int, Field(ge=0, le=MAX_EXPIRE_AFTER_DAYS)]


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _iso(epoch: int | None) -> str | None:
    return iso_from_epoch_ms(epoch * 1000) if epoch is not None else None


def _epoch(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


class EarnIn(RequestModel):
    points: Annotated[StorableFloat, Field(gt=0, le=1_000_000)] = Field(
        description="Points per `per` units of `of`; with no `per`, points per event (a rule grants at most "
        f"{MAX_POINTS_PER_EVENT:,} on one event)"
    )
    per: Annotated[StorableFloat, Field(ge=0.01, le=1e9)] | None = Field(
        default=None, description="Units of value per `points` (1: per 1.00 spent)"
    )
    of: Literal["items"] | PropertyPath = Field(
        default=ITEMS,
        description='"items": selling_price x quantity of the matching items; or a property path (properties.amount)',
    )
    rounding: Rounding = Field(default="down", description="Applied once per rule per event")

    @model_validator(mode="after")
    def _of_needs_per(self) -> Self:
        if self.per is None and self.of != ITEMS:
            raise ValueError("per: is required when of names a property (points per how many units?)")
        return self


class ItemsIn(RequestModel):
    match: Annotated[list[CouponConditionIn], Field(max_length=10)] = Field(
        default=[], description="Items that count meet every condition (coupon item grammar: metadata.category...)"
    )
    exclude: Annotated[list[CouponConditionIn], Field(max_length=10)] = Field(
        default=[], description="Items meeting any of these never earn"
    )

    @model_validator(mode="after")
    def _known_fields(self) -> Self:
        check_item_fields(self.match, "items.match")
        check_item_fields(self.exclude, "items.exclude")
        return self


class MultiplierIn(RequestModel):
    factor: Annotated[StorableFloat, Field(gt=0, le=100)]
    starts_at: IsoDateTime | None = Field(default=None, description="Included")
    ends_at: IsoDateTime | None = Field(default=None, description="Included")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValueError("ends_at: must not be before starts_at")
        return self


class CapIn(RequestModel):
    points: Annotated[int, Field(ge=1, le=MAX_POINTS)]
    period: Period
    time_zone: TimeZoneName | None = Field(
        default=None,
        description="IANA time zone the periods are counted in, this rule's own; null: the application's "
        "(`time_zone` of PUT /settings/points, UTC unless set)",
    )


class LimitsIn(RequestModel):
    per_customer: CapIn | None = None
    budget: Annotated[int, Field(ge=1, le=10**12)] | None = Field(
        default=None, description="Total points the rule may grant (returns give back what they take)"
    )


class PointsIn(RequestModel):
    expire_after_days: Days | None = Field(default=None, description="Overrides the points policy's")
    pending_days: Annotated[int, Field(ge=0, le=MAX_PENDING_DAYS)] | None = Field(
        default=None, description="Overrides the points policy's"
    )


class EarningRuleIn(RequestModel):
    name: ShortText
    event_name: EventName = Field(
        default=ORDER_EVENT,
        description="The event the rule earns on: `order` (POST /orders, with its items), or any event name sent "
        "to POST /events (points per event, or per a property's value)",
    )
    status: EarningRuleStatus = "active"
    conditions: Annotated[list[ConditionIn], Field(max_length=10)] = Field(
        default=[], description="On the event's properties (an order's fields), in the campaign grammar"
    )
    items: ItemsIn = ItemsIn()
    earn: EarnIn
    multiplier: Annotated[StorableFloat, Field(gt=0, le=100)] | MultiplierIn | None = Field(
        default=None, description="A factor, or a factor within a window (double-points weekend)"
    )
    limits: LimitsIn = LimitsIn()
    points: PointsIn = PointsIn()

    @model_validator(mode="after")
    def _items_only_on_orders(self) -> Self:
        problem = self.items_problem()
        if problem is not None:
            raise ValueError(problem)
        return self

    def items_problem(self) -> str | None:
        """Only an order has items: another event's rule earns per event or per a property's value."""
        if self.event_name == ORDER_EVENT:
            return None
        if self.items.match or self.items.exclude:
            return f"items: only the event {ORDER_EVENT} has items; {self.event_name} has none"
        if self.earn.of == ITEMS and self.earn.per is not None:
            return f"earn.of: {self.event_name} has no items: name a property path (properties.amount)"
        return None

    def to_spec(self) -> EarningRuleSpec:
        multiplier = self.multiplier
        if isinstance(multiplier, float | int):
            multiplier = MultiplierIn(factor=multiplier)
        cap = self.limits.per_customer
        return EarningRuleSpec(
            rule_id="",
            name=self.name,
            event_name=self.event_name,
            status=self.status,
            conditions=tuple(EventCondition(c.property, c.operator, c.value) for c in self.conditions),
            items=ItemSelection(
                tuple(c.to_spec() for c in self.items.match), tuple(c.to_spec() for c in self.items.exclude)
            ),
            earn=Earn(
                Decimal(repr(self.earn.points)),
                Decimal(repr(self.earn.per)) if self.earn.per is not None else None,
                self.earn.of,
                self.earn.rounding,
            ),
            multiplier=None
            if multiplier is None
            else Multiplier(Decimal(repr(multiplier.factor)), _epoch(multiplier.starts_at), _epoch(multiplier.ends_at)),
            per_customer=None if cap is None else CustomerCap(cap.points, cap.period, cap.time_zone),
            budget=self.limits.budget,
            expire_after_days=self.points.expire_after_days,
            pending_days=self.points.pending_days,
        )


class EarningRulePatch(RequestModel):
    """Any of the rule's fields; the rule is checked whole again."""

    name: ShortText | None = None
    status: EarningRuleStatus | None = None
    conditions: Annotated[list[ConditionIn], Field(max_length=10)] | None = None
    items: ItemsIn | None = None
    earn: EarnIn | None = None
    multiplier: Annotated[StorableFloat, Field(gt=0, le=100)] | MultiplierIn | None = None
    limits: LimitsIn | None = None
    points: PointsIn | None = None

    @model_validator(mode="after")
    def _null_only_removes_the_multiplier(self) -> Self:
        for name in sorted(self.model_fields_set - {"multiplier"}):
            if getattr(self, name) is None:
                raise ValueError(f"{name}: must not be null (leave it out to keep it)")
        return self

    def apply(self, rule: EarningRuleSpec) -> EarningRuleSpec:
        """``rule`` with the fields sent (an explicit null removes a multiplier)."""
        current = EarningRuleIn.model_validate(EarningRuleResponse.body_of(rule))
        sent = {name: getattr(self, name) for name in self.model_fields_set}
        changed = current.model_copy(update=sent)
        problem = changed.items_problem()
        if problem is not None:
            raise ValidationFailed(problem)
        return changed.to_spec()


class EarningRuleResponse(ResponseModel):
    object: Literal["earning_rule"] = "earning_rule"
    id: str = Field(description="ern_…")
    name: str
    event_name: str
    status: EarningRuleStatus
    conditions: list[dict[str, Any]]
    items: dict[str, list[dict[str, Any]]]
    earn: dict[str, Any]
    multiplier: dict[str, Any] | None
    limits: dict[str, Any]
    points: dict[str, int | None]
    budget_used: int = Field(description="Points granted less what returns took back")
    budget_left: int | None = Field(description="What the budget can still grant; null: no budget")
    created_at: str
    updated_at: str

    @staticmethod
    def body_of(rule: EarningRuleSpec) -> dict[str, Any]:
        """The rule as a request would send it."""
        multiplier, cap = rule.multiplier, rule.per_customer
        return {
            "name": rule.name,
            "event_name": rule.event_name,
            "status": rule.status,
            "conditions": [{"property": c.property, "operator": c.operator, "value": c.value} for c in rule.conditions],
            "items": {
                "match": [{"field": c.field, "operator": c.operator, "value": c.value} for c in rule.items.match],
                "exclude": [{"field": c.field, "operator": c.operator, "value": c.value} for c in rule.items.exclude],
            },
            "earn": {
                "points": _number(rule.earn.points),
                "per": _number(rule.earn.per),
                "of": rule.earn.of,
                "rounding": rule.earn.rounding,
            },
            "multiplier": None
            if multiplier is None
            else {
                "factor": _number(multiplier.factor),
                "starts_at": _iso(multiplier.starts_at),
                "ends_at": _iso(multiplier.ends_at),
            },
            "limits": {
                "per_customer": None
                if cap is None
                else {"points": cap.points, "period": cap.period, "time_zone": cap.time_zone},
                "budget": rule.budget,
            },
            "points": {"expire_after_days": rule.expire_after_days, "pending_days": rule.pending_days},
        }

    @classmethod
    def from_view(cls, view: EarningRuleView) -> EarningRuleResponse:
        rule = view.rule
        return cls(
            id=rule.rule_id,
            **cls.body_of(rule),
            budget_used=view.budget_used,
            budget_left=None if rule.budget is None else max(rule.budget - view.budget_used, 0),
            created_at=rule.created_at,
            updated_at=rule.updated_at,
        )
