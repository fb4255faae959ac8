"""API models of webhooks and their deliveries."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.api.schemas.common import RequestModel, ResponseModel
from shared.clock import iso_from_epoch_ms
from shared.domain.event_types import EventType
from shared.limits import Description
from shared.storage.webhooks import DeliveryRecord, DeliveryStatus, WebhookRecord

WebhookUrl = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=r"^[^\x00-\x20\x7f]+$")]
Subscription = EventType | Literal["*"]


class WebhookCreate(RequestModel):
    url: WebhookUrl = Field(description="https URL the events are POSTed to (must resolve to a public address)")
    events: Annotated[list[Subscription], Field(min_length=1, max_length=10)] = Field(
        description='Event types to receive, or ["*"] for all'
    )
    description: Description | None = None


class WebhookResponse(ResponseModel):
    object: Literal["webhook"] = "webhook"
    id: str = Field(description="whk_…")
    url: str
    events: list[str]
    description: str | None
    created_at: str

    @classmethod
    def from_record(cls, record: WebhookRecord) -> WebhookResponse:
        return cls(
            id=record.webhook_id,
            url=record.url,
            events=record.events,
            description=record.description,
            created_at=record.created_at,
        )


class WebhookCreated(WebhookResponse):
    secret: str = Field(description="Signing secret (whsec_…): shown only in this response")

    @classmethod
    def from_new(cls, record: WebhookRecord) -> WebhookCreated:
        return cls(**WebhookResponse.from_record(record).model_dump(), secret=record.secret)


class DeliveryAttempt(ResponseModel):
    attempt: int
    at: str
    status_code: int | None = None
    error: str | None = None


class DeliveryResponse(ResponseModel):
    object: Literal["webhook_delivery"] = "webhook_delivery"
    id: str = Field(description="dlv_…")
    webhook_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    status_code: int | None = Field(description="Status code of the last attempt (null: no response)")
    error: str | None = Field(description="Why the last attempt failed without a status code")
    last_attempt_at: str | None
    next_retry_at: str | None = Field(description="When the next attempt is due, while pending")
    created_at: str
    history: list[DeliveryAttempt] = Field(description="The most recent attempts, oldest first")

    @classmethod
    def from_record(cls, record: DeliveryRecord) -> DeliveryResponse:
        return cls(
            id=record.delivery_id,
            webhook_id=record.webhook_id,
            event_id=record.event_id,
            event_type=record.event_type,
            status=record.status,
            attempts=record.attempts,
            status_code=record.last_status_code,
            error=record.last_error,
            last_attempt_at=record.last_attempt_at,
            next_retry_at=iso_from_epoch_ms(record.next_retry_at * 1000)
            if record.status == "pending" and record.next_retry_at is not None
            else None,
            created_at=record.created_at,
            history=[DeliveryAttempt.model_validate(entry) for entry in record.history],
        )
