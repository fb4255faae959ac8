"""API models of event ingestion."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints

from shared.models.campaigns import EventName, PropertyName
from shared.models.common import RequestModel, ResponseModel, SourceId
from shared.models.limits import ByteBudget
from shared.models.progress import ActionProgress

if TYPE_CHECKING:
    from shared.domain.events import EventOutcome, GrantRecord

MAX_PROPERTIES = 50
MAX_PROPERTY_TEXT = 1000
MAX_PROPERTY_LIST_ITEMS = 100
MAX_PROPERTIES_BYTES = 64 * 1024
PropertyText = Annotated[str, StringConstraints(max_length=MAX_PROPERTY_TEXT)]
PropertyValue = (
    PropertyText
    | int
    | float
    | bool
    | None
    | Annotated[list[PropertyText | int | float | bool], Field(max_length=MAX_PROPERTY_LIST_ITEMS)]
)


class EventIn(RequestModel):
    source_id: SourceId
    event_name: EventName
    timestamp: Annotated[int, Field(ge=0, le=32503680000)] | None = Field(
        default=None, description="Epoch seconds; defaults to now; at most 5 minutes in the future"
    )
    properties: Annotated[
        dict[PropertyName, PropertyValue], Field(max_length=MAX_PROPERTIES), ByteBudget(MAX_PROPERTIES_BYTES)
    ] = {}


class RuleProgressChange(ResponseModel):
    campaign_id: str
    rule_id: str
    rule_name: str
    source_id: str = Field(description="Whose progress changed (the referrer's, for referrer rules)")
    status: Literal["active", "completed", "expired"]
    actions: list[ActionProgress]


class RewardGranted(ResponseModel):
    type: Literal["points", "reward"]
    points: int | None = None
    source_id: str
    campaign_id: str
    rule_id: str
    transaction_id: str | None = None
    reward_id: str | None = Field(default=None, description="type reward: the catalog reward given")
    redemption_id: str | None = Field(default=None, description="type reward: the red_ redemption recording it")
    coupon_code: str | None = Field(default=None, description="type reward: the code issued, for a CAMPAIGN reward")
    not_issued: str | None = Field(default=None, description="type reward: why nothing could be issued")

    @classmethod
    def from_grant(cls, grant: GrantRecord) -> RewardGranted:
        kind = "reward" if hasattr(grant, "reward_id") else "points"
        return cls.model_validate({**asdict(grant), "type": kind})


class EventResponse(ResponseModel):
    object: Literal["event"] = "event"
    source_id: str
    event_name: str
    timestamp: int
    customer_created: bool
    progress: list[RuleProgressChange]
    rewards: list[RewardGranted]

    @classmethod
    def from_outcome(cls, outcome: EventOutcome) -> EventResponse:
        return cls(
            source_id=outcome.source_id,
            event_name=outcome.event_name,
            timestamp=outcome.timestamp,
            customer_created=outcome.customer_created,
            progress=[RuleProgressChange.model_validate(change) for change in outcome.changes],
            rewards=[RewardGranted.from_grant(grant) for grant in outcome.grants],
        )
