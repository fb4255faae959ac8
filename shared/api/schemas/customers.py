"""API models of customers: the upsert body and the profile response."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationError, field_serializer

from shared import clock
from shared.api.schemas.attributes import ATTRIBUTE_NAME, Attributes, AttributeValue, MetadataKey
from shared.api.schemas.common import IsoDateTime, Label, RequestModel, ResponseModel, ShortText, SourceId
from shared.api.schemas.points import EXPIRING_SHOWN, Points
from shared.api.schemas.tiers import TierStatus
from shared.domain.points.placement import wallet_of
from shared.domain.tiers import TierView
from shared.errors import ValidationFailed
from shared.ids import normalize_referral_code
from shared.limits import (
    MAX_ATTRIBUTES,
    MAX_ATTRIBUTES_BYTES,
    ByteBudget,
    Printable,
)
from shared.storage.customers import PROFILE_FIELDS, CustomerRecord

if TYPE_CHECKING:
    from shared.domain.customers import CustomerChanges

Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), Printable]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=32, pattern=r"^\+?[0-9][0-9 ()\-.]*$")]
MAX_TAGS = 100


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
    tags: Annotated[list[Label], Field(max_length=MAX_TAGS)] | None = None
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

    def command(self) -> "CustomerChanges":
        """The upsert as the domain applies it."""
        # Imported here: the functions sharing this module's types (events, reads) skip the domain.
        from shared.domain.customers import CustomerChanges

        given = self.model_fields_set
        return CustomerChanges(
            profile=self.model_dump(include=set(PROFILE_FIELDS) & given),
            referred_by=self.referred_by,
            referral_code=self.referral_code,
            removes_referrer="referred_by" in given and self.referred_by is None,
        )


class CustomerResponse(ResponseModel):
    object: Literal["customer"] = "customer"
    id: str = Field(description="The engine's customer id (cust_…)")
    source_id: str
    name: str | None
    email: str | None
    phone: str | None
    tags: list[str]
    enrolled_at: str | None
    tier: TierStatus | str | None = Field(
        description="With a tier program: the tier computed from the qualifying points (with its gaps); "
        "without one: the text the merchant set on the profile"
    )
    brand: str | None
    attributes: dict[str, Any]
    referred_by: str | None
    referral_code: str | None = Field(description="This customer's own code, which referees give to be linked to it")
    points: Points
    created_at: str
    updated_at: str

    @classmethod
    def from_record(cls, record: CustomerRecord, tier: TierView | None = None) -> "CustomerResponse":
        return cls(
            id=record.customer_id,
            source_id=record.source_id,
            name=record.name,
            email=record.email,
            phone=record.phone,
            tags=record.tags,
            enrolled_at=record.enrolled_at,
            tier=TierStatus.from_view(tier) if tier else record.tier,
            brand=record.brand,
            attributes=record.attributes,
            referred_by=record.referred_by,
            referral_code=record.referral_code,
            points=Points.from_wallet(wallet_of(record).as_of(clock.now_epoch_ms()), EXPIRING_SHOWN),
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
    metadata: (
        Annotated[dict[MetadataKey, AttributeValue], Field(max_length=MAX_ATTRIBUTES), ByteBudget(MAX_ATTRIBUTES_BYTES)]
        | None
    ) = Field(
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
            if not ATTRIBUTE_NAME.match(key):
                raise ValidationFailed(
                    f"metadata.{key}: custom attribute names are 1 to 64 letters, digits, '_', '.' or '-'"
                )
        return upsert, attributes
