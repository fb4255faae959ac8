"""API models of customers: the upsert body and the profile response."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationError, field_serializer

from shared.errors import ValidationFailed
from shared.ids import normalize_referral_code
from shared.models.common import IsoDateTime, Label, RequestModel, ResponseModel, ShortText, SourceId
from shared.storage.customers import CustomerRecord

Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=32, pattern=r"^\+?[0-9][0-9 ()\-.]*$")]
_ATTRIBUTE_NAME_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"
_ATTRIBUTE_NAME = re.compile(_ATTRIBUTE_NAME_PATTERN)
AttributeName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_ATTRIBUTE_NAME_PATTERN)]

# Custom attributes (and Rehook's ``metadata``) may nest objects and arrays, as Segment traits do
# (``address: {city, ...}``). They are stored as given, as DynamoDB maps and lists, within these limits
# (each a 400 naming the field): depth 5, arrays of 100, nested keys of 64 printable characters,
# strings of 1,000 characters, numbers DynamoDB can store (38 digits, magnitude 1e-130 to 1e126).
MAX_DEPTH = 5
MAX_ARRAY = 100
MAX_STRING = 1000
MAX_KEY = 64
_INTEGER_LIMIT = 10**38
_CONTROL = frozenset(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])


def _check_json(value: Any, path: str, depth: int) -> None:
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise ValueError(f"{path}: nested deeper than {MAX_DEPTH} levels")
        for key, item in value.items():
            _check_key(key, path)
            _check_json(item, f"{path}.{key}", depth + 1)
    elif isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise ValueError(f"{path}: nested deeper than {MAX_DEPTH} levels")
        if len(value) > MAX_ARRAY:
            raise ValueError(f"{path}: at most {MAX_ARRAY} items")
        for index, item in enumerate(value):
            _check_json(item, f"{path}.{index}", depth + 1)
    elif isinstance(value, str):
        if len(value) > MAX_STRING:
            raise ValueError(f"{path}: at most {MAX_STRING} characters")
    elif isinstance(value, float):
        if not math.isfinite(value) or (value != 0 and not 1e-130 <= abs(value) < 1e126):
            raise ValueError(f"{path}: a number DynamoDB cannot store")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _INTEGER_LIMIT:
        raise ValueError(f"{path}: at most 38 digits")


def _check_key(key: str, path: str) -> None:
    if not key or len(key) > MAX_KEY or _CONTROL.intersection(key):
        raise ValueError(f"{path}: keys are 1 to {MAX_KEY} printable characters")


def nested_values(values: dict[str, Any]) -> dict[str, Any]:
    for key, value in values.items():
        _check_key(key, key[:MAX_KEY].encode("unicode_escape").decode())
        _check_json(value, key, 1)
    return values


# A JSON object of up to 50 keys whose values may nest (Rehook's ``metadata``).
JsonObject = Annotated[dict[str, Any], Field(max_length=50), AfterValidator(nested_values)]


Attributes = Annotated[dict[AttributeName, Any], Field(max_length=50), AfterValidator(nested_values)]
AttributeValue = Any


def _referral_code(typed: str) -> str:
    code = normalize_referral_code(typed)
    if code is None:
        raise ValueError("not a referral code (8 letters and digits, as shown on the referrer's profile)")
    return code


ReferralCodeIn = Annotated[
    str,
    StringConstraints(max_length=32),
    AfterValidator(_referral_code),
    Field(description="The referrer's referral code (case, spaces and hyphens do not matter)"),
]


class CustomerUpsert(RequestModel):
    """Fields given replace the stored ones, fields absent are kept, and ``null`` removes a field."""

    name: ShortText | None = None
    email: Email | None = None
    phone: Phone | None = None
    tags: Annotated[list[Label], Field(max_length=100)] | None = None
    enrolled_at: IsoDateTime | None = None
    tier: Label | None = None
    brand: Label | None = None
    attributes: Attributes | None = None
    referred_by: SourceId | None = Field(
        default=None, description="source_id of the customer who referred this one; set once"
    )
    referral_code: ReferralCodeIn | None = Field(
        default=None,
        description="The referrer's referral code: links this customer to its referrer as referred_by does "
        "(set once); null or absent links nobody",
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
    attributes: dict[str, AttributeValue]
    referred_by: str | None
    referral_code: str | None = Field(description="This customer's own code, which referees give to be linked to it")
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
            referral_code=record.referral_code,
            points=Points(balance=record.points_balance, earned=record.points_earned, redeemed=record.points_redeemed),
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


# Rehook's identify: profile fields found in ``metadata`` under these names (Segment's reserved traits
# included) go to the profile; every other key is a custom attribute.
_PROFILE_KEYS = {
    "name": "name",
    "email": "email",
    "phone": "phone",
    "tags": "tags",
    "tier": "tier",
    "brand": "brand",
    "enrolled_at": "enrolled_at",
    "enrolledAt": "enrolled_at",
}
_FIRST_NAMES = ("first_name", "firstName")
_LAST_NAMES = ("last_name", "lastName")
_CONSUMED = {*_PROFILE_KEYS, *_FIRST_NAMES, *_LAST_NAMES, "referral_code"}


class CustomerIdentify(RequestModel):
    """``POST /customers`` as Rehook's integrations send it (Segment's identify)."""

    source_id: SourceId
    metadata: JsonObject | None = Field(
        default=None,
        description="Profile fields (name, first_name/firstName and last_name/lastName, email, phone, tags, tier, "
        "brand, enrolled_at) go to the profile; every other key is merged into the custom attributes "
        "(null removes one)",
    )
    referral_code: ReferralCodeIn | None = None

    def profile_changes(self) -> tuple[CustomerUpsert, dict[str, Any]]:
        """The profile fields as an upsert, and the attributes to merge."""
        metadata = self.metadata or {}
        fields: dict[str, Any] = {_PROFILE_KEYS[k]: v for k, v in metadata.items() if k in _PROFILE_KEYS}
        names = [metadata.get(key) for key in (*_FIRST_NAMES, *_LAST_NAMES)]
        if "name" not in fields and any(isinstance(n, str) and n.strip() for n in names):
            fields["name"] = " ".join(n.strip() for n in names if isinstance(n, str) and n.strip())
        code = self.referral_code
        if code is None and isinstance(metadata.get("referral_code"), str):
            fields["referral_code"] = metadata["referral_code"]
        try:
            upsert = CustomerUpsert.model_validate(fields)
        except ValidationError as error:
            problems = [
                f"metadata.{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg'][:1].lower()}{e['msg'][1:]}"
                for e in error.errors()[:5]
            ]
            raise ValidationFailed("; ".join(problems)) from error
        if code is not None:
            upsert = upsert.model_copy(update={"referral_code": code})
        attributes = {k: v for k, v in metadata.items() if k not in _CONSUMED}
        for key in attributes:
            if not _ATTRIBUTE_NAME.match(key):
                raise ValidationFailed(
                    f"metadata.{key}: custom attribute names are 1 to 64 letters, digits, '_', '.' or '-'"
                )
        return upsert, attributes
