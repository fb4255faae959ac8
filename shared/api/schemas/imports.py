"""A member row as an import's file gives it (the jobs' request and answers: ``import_jobs``)."""

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import Field, field_serializer, model_validator

from shared import clock
from shared.api.schemas.attributes import Attributes
from shared.api.schemas.common import IsoDateTime, Label, RequestModel, ShortText, SourceId
from shared.api.schemas.customers import MAX_TAGS, Email, Phone

MAX_OPENING_BALANCE = 1_000_000_000
PROFILE_COLUMNS = ("name", "email", "phone", "tags", "enrolled_at", "tier", "brand")


class MemberRowIn(RequestModel):
    """One member: a CSV row under its header, or one JSON object per line."""

    source_id: SourceId
    name: ShortText | None = None
    email: Email | None = None
    phone: Phone | None = None
    tags: Annotated[list[Label], Field(max_length=MAX_TAGS)] | None = None
    enrolled_at: IsoDateTime | None = None
    tier: Label | None = Field(default=None, description="Stored as the member's tier text")
    brand: Label | None = None
    attributes: Attributes | None = None
    points: Annotated[int, Field(ge=0, le=MAX_OPENING_BALANCE)] = Field(
        default=0, description="The member's balance: one ledger entry of reason import (0: none)"
    )
    expires_at: IsoDateTime | None = Field(
        default=None, description="When the balance expires (rounded up to the next 00:00Z); absent: never"
    )

    @model_validator(mode="after")
    def _expiry_of_points(self) -> Self:
        # a balance of 0 has nothing to expire: its expires_at is ignored, not refused
        if self.expires_at is None or not self.points:
            return self
        if self.expires_at.timestamp() * 1000 <= clock.now_epoch_ms():
            raise ValueError("expires_at: must be in the future (points already expired are not imported)")
        return self

    @field_serializer("enrolled_at")
    def _iso(self, value: datetime | None) -> str | None:
        return value.isoformat().replace("+00:00", "Z") if value else None

    def profile(self) -> dict[str, Any]:
        """The profile fields the row gives, as the profile stores them."""
        return self.model_dump(include=set(PROFILE_COLUMNS) & self.model_fields_set)

    def expires_ms(self) -> int | None:
        return round(self.expires_at.timestamp() * 1000) if self.expires_at and self.points else None
