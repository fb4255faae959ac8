"""API models of event ingestion."""

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StringConstraints, TypeAdapter, ValidationError

from shared.api.schemas.attributes import AttributeValue, EventName, MetadataKey, PropertyName
from shared.api.schemas.common import RequestModel, ResponseModel, SourceId
from shared.api.schemas.progress import ActionProgress
from shared.limits import ByteBudget

if TYPE_CHECKING:
    from shared.domain.events import CustomerEvent, EventOutcome

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

Timestamp = Annotated[int, Field(ge=0, le=32503680000)]
_TIMESTAMP_DESCRIPTION = "Epoch seconds; defaults to now; at most 5 minutes in the future"


class EventIn(RequestModel):
    source_id: SourceId
    event_name: EventName
    timestamp: Timestamp | None = Field(default=None, description=_TIMESTAMP_DESCRIPTION)
    properties: Annotated[
        dict[PropertyName, PropertyValue], Field(max_length=MAX_PROPERTIES), ByteBudget(MAX_PROPERTIES_BYTES)
    ] = {}

    def command(self) -> "CustomerEvent":
        """The event as the domain ingests it."""
        # Imported here: functions sharing this module without ingesting (check-auth) skip the domain.
        from shared.domain.events import CustomerEvent

        return CustomerEvent(self.source_id, self.event_name, self.timestamp, self.properties)


_RULE_PROPERTY = TypeAdapter(tuple[PropertyName, PropertyValue], config={"strict": True})


def _comparable(name: str, value: Any) -> bool:
    try:
        _RULE_PROPERTY.validate_python((name, value))
    except ValidationError:
        return False
    return True


class EventInvoke(RequestModel):
    """``POST /events/invoke`` as Rehook's integrations send it (Segment's track, page and screen)."""

    event_name: EventName
    source_id: SourceId
    metadata: (
        Annotated[dict[MetadataKey, AttributeValue], Field(max_length=MAX_PROPERTIES), ByteBudget(MAX_PROPERTIES_BYTES)]
        | None
    ) = Field(
        default=None,
        description="The event's properties; they may nest objects and arrays (Segment's products), which "
        "rules do not compare: conditions and sums read its top-level values",
    )
    timestamp: Timestamp | None = Field(default=None, description=_TIMESTAMP_DESCRIPTION)

    def to_event(self) -> EventIn:
        """The same event as ``POST /events`` takes: ``metadata`` as ``properties``, keeping the values a
        rule can compare (top-level numbers, strings, booleans and lists of them)."""
        properties = {k: v for k, v in (self.metadata or {}).items() if _comparable(k, v)}
        return EventIn(
            source_id=self.source_id, event_name=self.event_name, timestamp=self.timestamp, properties=properties
        )


class RuleProgressChange(ResponseModel):
    campaign_id: str
    rule_id: str
    rule_name: str
    source_id: str = Field(description="Whose progress changed (the referrer's, for referrer rules)")
    status: Literal["active", "completed", "expired"]
    actions: list[ActionProgress]


class RewardGranted(ResponseModel):
    type: Literal["points"] = "points"
    points: int
    source_id: str
    campaign_id: str
    rule_id: str
    transaction_id: str
    activates_at: str | None = Field(
        default=None, description="When these points become spendable (the points policy's pending_days); null: now"
    )
    expires_at: str | None = Field(
        default=None, description="When these points expire (the end of a UTC day); null: never"
    )


class CouponRewardGranted(ResponseModel):
    type: Literal["coupon"] = "coupon"
    coupon_id: str
    coupon_code: str | None = Field(description="The code given (a pool code, or the fixed code); null if refused")
    source_id: str
    campaign_id: str
    rule_id: str
    refused: str | None = Field(default=None, description="Why no coupon could be given (e.g. the pool is empty)")


class CatalogRewardGranted(ResponseModel):
    type: Literal["reward"] = "reward"
    reward_id: str = Field(description="The catalog reward given")
    redemption_id: str | None = Field(description="The red_ redemption recording it; null if not issued")
    coupon_code: str | None = Field(default=None, description="The code issued, for a CAMPAIGN reward")
    source_id: str
    campaign_id: str
    rule_id: str
    not_issued: str | None = Field(default=None, description="Why nothing could be issued (e.g. out of stock)")


def _granted(grant: Any) -> RewardGranted | CouponRewardGranted | CatalogRewardGranted:
    if hasattr(grant, "reward_id"):
        return CatalogRewardGranted.model_validate(grant)
    if hasattr(grant, "coupon_id"):
        return CouponRewardGranted.model_validate(grant)
    return RewardGranted.model_validate(grant)


class EventResponse(ResponseModel):
    object: Literal["event"] = "event"
    source_id: str
    event_name: str
    timestamp: int
    customer_created: bool
    progress: list[RuleProgressChange]
    rewards: list[RewardGranted | CouponRewardGranted | CatalogRewardGranted]

    @classmethod
    def from_outcome(cls, outcome: "EventOutcome") -> "EventResponse":
        return cls(
            source_id=outcome.source_id,
            event_name=outcome.event_name,
            timestamp=outcome.timestamp,
            customer_created=outcome.customer_created,
            progress=[RuleProgressChange.model_validate(change) for change in outcome.changes],
            rewards=[_granted(grant) for grant in outcome.grants],
        )
