"""API models of customers: the upsert body and the profile response."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_serializer

from shared.models.common import IsoDateTime, Label, RequestModel, ResponseModel, ShortText, SourceId
from shared.models.limits import ByteBudget, MultilinePrintable, Printable
from shared.storage.customers import CustomerRecord

Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), Printable]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=32, pattern=r"^\+?[0-9][0-9 ()\-.]*$")]
AttributeName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
# Budgets that keep a customer's item far below DynamoDB's 400 KB whatever is sent (README, "Input limits").
MAX_TAGS = 100
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_TEXT = 1000
MAX_ATTRIBUTE_LIST_ITEMS = 50
MAX_ATTRIBUTE_LIST_TEXT = 200
MAX_ATTRIBUTES_BYTES = 16 * 1024
AttributeText = Annotated[str, StringConstraints(max_length=MAX_ATTRIBUTE_TEXT), MultilinePrintable]
AttributeListText = Annotated[str, StringConstraints(max_length=MAX_ATTRIBUTE_LIST_TEXT), Printable]
AttributeList = Annotated[list[AttributeListText], Field(max_length=MAX_ATTRIBUTE_LIST_ITEMS)]
AttributeValue = AttributeText | int | float | bool | AttributeList | None
Attributes = Annotated[
    dict[AttributeName, AttributeValue], Field(max_length=MAX_ATTRIBUTES), ByteBudget(MAX_ATTRIBUTES_BYTES)
]


class CustomerUpsert(RequestModel):
    """Fields given replace the stored ones, fields absent are kept, and ``null`` removes a field."""

    name: ShortText | None = None
    email: Email | None = None
    phone: Phone | None = None
    tags: Annotated[list[Label], Field(max_length=MAX_TAGS)] | None = None
    enrolled_at: IsoDateTime | None = None
    tier: Label | None = None
    brand: Label | None = None
    attributes: Attributes | None = None
    referred_by: SourceId | None = Field(
        default=None, description="source_id of the customer who referred this one; set once"
    )

    @field_serializer("enrolled_at")
    def _iso(self, value: datetime | None) -> str | None:
        return value.isoformat().replace("+00:00", "Z") if value else None


class Points(ResponseModel):
    balance: int
    earned: int
    redeemed: int


class CustomerResponse(ResponseModel):
    object: Literal["customer"] = "customer"
    id: str = Field(description="The engine's customer id (cust_…)")
    source_id: str
    name: str | None
    email: str | None
    phone: str | None
    tags: list[str]
    enrolled_at: str | None
    tier: str | None
    brand: str | None
    attributes: dict[str, str | int | float | bool | list[str] | None]
    referred_by: str | None
    points: Points
    created_at: str
    updated_at: str

    @classmethod
    def from_record(cls, record: CustomerRecord) -> CustomerResponse:
        return cls(
            id=record.customer_id,
            source_id=record.source_id,
            name=record.name,
            email=record.email,
            phone=record.phone,
            tags=record.tags,
            enrolled_at=record.enrolled_at,
            tier=record.tier,
            brand=record.brand,
            attributes=record.attributes,
            referred_by=record.referred_by,
            points=Points(balance=record.points_balance, earned=record.points_earned, redeemed=record.points_redeemed),
            created_at=record.created_at,
            updated_at=record.updated_at,
        )
