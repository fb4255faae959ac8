"""API models of campaigns (SPEC §10 payloads) and their conversion to and from the engine's specs."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from shared.api.schemas.attributes import EventName, PropertyName
from shared.api.schemas.campaign_conditions import ConditionIn
from shared.api.schemas.common import IsoDateTime, RequestModel, ResponseModel, ShortText
from shared.clock import iso_from_epoch_ms
from shared.entities.campaigns import (
    ActionSpec,
    ActionType,
    Beneficiary,
    CampaignSpec,
    CampaignStatus,
    CampaignType,
    EventCondition,
    Measure,
    Operator,
    RewardSpec,
    RuleSpec,
)
from shared.entities.numbers import exact
from shared.limits import ByteBudget, ExpireAfterDays, PendingDays

if TYPE_CHECKING:
    from shared.domain.campaigns import CampaignChanges

MAX_CONDITIONS = 10
MAX_ACTIONS = 10
MAX_RULES = 20
# All of a campaign's rules together; with the fields around them the campaign item stays far below
# DynamoDB's 400 KB, and so do the per-event copies of its rules (README, "Input limits").
MAX_RULES_BYTES = 64 * 1024
MAX_TIME_DURATION = 366 * 24 * 3600


class ActionIn(RequestModel):
    event_name: EventName
    target: Annotated[float, Field(gt=0, le=1e12)]
    measure: Measure = "count"
    property: PropertyName | None = Field(default=None, description="The summed property when measure is sum")
    conditions: Annotated[list[ConditionIn], Field(max_length=MAX_CONDITIONS)] = []

    @model_validator(mode="after")
    def _property_when_summing(self) -> Self:
        if self.measure == "sum" and self.property is None:
            raise ValueError("property is required when measure is sum")
        if self.measure == "count" and self.property is not None:
            raise ValueError("property is only used when measure is sum")
        if self.measure == "count" and not float(self.target).is_integer():
            raise ValueError("target must be a whole number when measure is count")
        return self


class RewardIn(RequestModel):
    type: Literal["points", "coupon", "reward"]
    points: Annotated[int, Field(gt=0, le=10_000_000)] | None = None
    coupon_id: Annotated[str, StringConstraints(pattern=r"^coupm_[A-Za-z0-9]{21}$")] | None = None
    reward_id: Annotated[str, StringConstraints(pattern=r"^rew_[A-Za-z0-9]{21}$")] | None = None
    expire_after_days: ExpireAfterDays | None = Field(
        default=None,
        description="Points rewards: days after the event until these points expire (default: the policy's)",
    )
    pending_days: PendingDays | None = Field(
        default=None,
        description="Points rewards: days after the event until these points can be spent (default: the policy's)",
    )

    @model_validator(mode="after")
    def _fields_of_type(self) -> Self:
        wanted = {"points": "points", "coupon": "coupon_id", "reward": "reward_id"}[self.type]
        if getattr(self, wanted) is None:
            raise ValueError(f"{wanted} is required when type is {self.type}")
        if self.type != "points" and (self.expire_after_days is not None or self.pending_days is not None):
            raise ValueError("expire_after_days and pending_days apply only when type is points")
        return self


class RuleIn(RequestModel):
    rule_name: ShortText
    action_type: ActionType
    actions: Annotated[list[ActionIn], Field(min_length=1, max_length=MAX_ACTIONS)]
    reward: RewardIn
    time_duration: Annotated[int, Field(gt=0, le=MAX_TIME_DURATION)] | None = Field(
        default=None, description="AWT only: seconds after event X within which event Y must happen"
    )
    beneficiary: Beneficiary | None = Field(default=None, description="Referral campaigns: who is rewarded")

    @model_validator(mode="after")
    def _shape_of_type(self) -> Self:
        if self.action_type == "AWT":
            if len(self.actions) != 2:
                raise ValueError("actions: an AWT rule has exactly two actions, event X then event Y")
            if self.time_duration is None:
                raise ValueError("time_duration is required for an AWT rule")
        elif self.time_duration is not None:
            raise ValueError("time_duration is only used by AWT rules")
        return self


def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value else None


class CampaignCreate(RequestModel):
    campaign_name: ShortText
    campaign_type: CampaignType = "loyalty"
    status: Literal["active", "paused"] = "active"
    starts_at: IsoDateTime | None = None
    ends_at: IsoDateTime | None = None
    rules: Annotated[list[RuleIn], Field(min_length=1, max_length=MAX_RULES), ByteBudget(MAX_RULES_BYTES)]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        for index, rule in enumerate(self.rules):
            if self.campaign_type == "referral" and rule.beneficiary is None:
                raise ValueError(f"rules.{index}.beneficiary is required in a referral campaign")
            if self.campaign_type == "loyalty" and rule.beneficiary is not None:
                raise ValueError(f"rules.{index}.beneficiary is only used in referral campaigns")
        return self

    def command(self) -> CampaignSpec:
        """The campaign as the domain creates it; its ids and times are drawn there, so are blank here."""
        rules = tuple(
            RuleSpec(
                rule_id="",
                rule_name=rule.rule_name,
                action_type=rule.action_type,
                actions=tuple(
                    ActionSpec(
                        event_id="",
                        event_name=action.event_name,
                        target=exact(action.target),
                        measure=action.measure,
                        property=action.property,
                        conditions=tuple(EventCondition(c.property, c.operator, c.value) for c in action.conditions),
                    )
                    for action in rule.actions
                ),
                reward=RewardSpec(
                    type=rule.reward.type,
                    points=rule.reward.points,
                    coupon_id=rule.reward.coupon_id,
                    reward_id=rule.reward.reward_id,
                    expire_after_days=rule.reward.expire_after_days,
                    pending_days=rule.reward.pending_days,
                ),
                time_duration=rule.time_duration,
                beneficiary=rule.beneficiary,
            )
            for rule in self.rules
        )
        return CampaignSpec(
            campaign_id="",
            campaign_name=self.campaign_name,
            campaign_type=self.campaign_type,
            status=self.status,
            starts_at=_epoch(self.starts_at),
            ends_at=_epoch(self.ends_at),
            rules=rules,
            created_at="",
            updated_at="",
        )


class CampaignPatch(RequestModel):
    """What may change on a live campaign. Rules are immutable: changing a target or an action under
    customers' existing progress would corrupt it; create a new campaign and archive the old one."""

    campaign_name: ShortText | None = None
    status: CampaignStatus | None = None
    starts_at: IsoDateTime | None = None
    ends_at: IsoDateTime | None = None

    def command(self) -> "CampaignChanges":
        """The patch as the domain applies it."""
        # Imported here: the event functions share this module's field types without the campaigns domain.
        from shared.domain.campaigns import CampaignChanges

        return CampaignChanges(
            frozenset(self.model_fields_set),
            self.campaign_name,
            self.status,
            _epoch(self.starts_at),
            _epoch(self.ends_at),
        )


class ConditionOut(ResponseModel):
    property: str
    operator: Operator
    value: Any


class ActionOut(ResponseModel):
    event_id: str
    event_name: str
    target: int | float
    measure: Measure
    property: str | None = None
    conditions: list[ConditionOut]


class RewardOut(ResponseModel):
    type: Literal["points", "coupon", "reward"]
    points: int | None = None
    coupon_id: str | None = None
    reward_id: str | None = None
    expire_after_days: int | None = None
    pending_days: int | None = None


class RuleOut(ResponseModel):
    rule_id: str
    rule_name: str
    action_type: ActionType
    actions: list[ActionOut]
    reward: RewardOut
    time_duration: int | None = None
    beneficiary: Beneficiary | None = None


def _iso(epoch: int | None) -> str | None:
    return iso_from_epoch_ms(epoch * 1000) if epoch is not None else None


class CampaignResponse(ResponseModel):
    object: Literal["campaign"] = "campaign"
    campaign_id: str
    campaign_name: str
    campaign_type: CampaignType
    status: CampaignStatus
    starts_at: str | None
    ends_at: str | None
    rules: list[RuleOut]
    created_at: str
    updated_at: str

    @classmethod
    def from_spec(cls, spec: CampaignSpec) -> "CampaignResponse":
        return cls(
            campaign_id=spec.campaign_id,
            campaign_name=spec.campaign_name,
            campaign_type=spec.campaign_type,
            status=spec.status,
            starts_at=_iso(spec.starts_at),
            ends_at=_iso(spec.ends_at),
            rules=[RuleOut.model_validate(rule) for rule in spec.rules],
            created_at=spec.created_at,
            updated_at=spec.updated_at,
        )
