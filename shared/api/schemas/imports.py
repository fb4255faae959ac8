"""API models of imports: a member row as a file gives it, and the import job's request and answers."""

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import Field, field_serializer, model_validator

from shared import clock
from shared.api.schemas.attributes import Attributes
from shared.api.schemas.common import IsoDateTime, Label, RequestModel, ResponseModel, ShortText, SourceId
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
        if self.expires_at is None:
            return self
        if not self.points:
            raise ValueError("expires_at: given without points")
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
        return round(self.expires_at.timestamp() * 1000) if self.expires_at else None


ImportFormatIn = Literal["csv", "jsonl"]


class ImportCreate(RequestModel):
    format: ImportFormatIn = Field(description="csv (a header row, then one member per row) or jsonl")


class RejectedRowOut(ResponseModel):
    line: int = Field(description="The file's line the row starts on (1 is the first line, a CSV's header)")
    source_id: str | None
    reason: str = Field(description="What is wrong, naming the field")


class ImportResponse(ResponseModel):
    object: Literal["import"] = "import"
    id: str = Field(description="The import's id (imp_…)")
    format: ImportFormatIn
    status: Literal["pending", "processing", "completed"] = Field(
        description="pending: the file is not uploaded or not read through yet"
    )
    total_rows: int | None = Field(description="Rows in the file, once it is read through")
    rows_done: int
    created: int = Field(description="Members the import created")
    updated: int = Field(description="Members whose profile or balance it changed")
    unchanged: int = Field(description="Members that already held everything their row gives")
    rejected: int
    created_at: str
    upload_url: str | None = Field(default=None, description="Where to PUT the file (answered once, at creation)")
    upload_expires_in: int | None = Field(default=None, description="Seconds the upload URL stays valid")
    rejected_rows: list[RejectedRowOut] = Field(
        default_factory=list, description="The first rejected rows, in line order (page on with rejected_cursor)"
    )
    rejected_cursor: str | None = None
