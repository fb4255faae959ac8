"""A reward's settings: what a merchant sets, one reward holding the fields of seeds 001, 002 and 003
(SPEC §6), with their shapes and consistency checked whole, on every create and change.

Seed 002 gives the entity (``name``, ``type``, ``parameters``, ``stock``, ``redeemed``, ``attributes``),
seed 001 the points cost, texts, eligibility rules and custom transaction attributes (its ``reward_id``
is ``code`` here, its ``reward_name`` is ``name``), seed 003 the brand, tier, time window, images,
translations, revenue commissions and payment configurations. The seeds write some numbers and booleans
as text (``"stock": "70"``, ``"is_active": "True"``): those fields accept the seed's text too, and are
answered as numbers and booleans.

The API's reward bodies (``shared/api/schemas/rewards.py``) are these models: their field descriptions
are the OpenAPI document's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_serializer, model_validator

from shared.clock import iso_from_epoch_ms
from shared.limits import IsoDate, IsoDateTime, Label, Printable, ShortText, StorableNumber

RewardType = Literal["MATERIAL", "CAMPAIGN", "COIN"]
PaymentMode = Literal["POINTS", "FREE", "CASH", "POINTS_CASH", "CONV_RATIO"]
CommissionParticipant = Literal["BRAND", "CAPILLARY", "AFFILIATE", "END_CUSTOMER"]
AttributeType = Literal["Text", "Number", "Boolean", "Date"]
MAX_POINTS = 1_000_000_000
MAX_STOCK = 1_000_000_000


def _seed_int(value: Any) -> Any:
    """Seeds 001 and 002 write counts as text ("70"): a text of digits is that number."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    return value


def _seed_bool(value: Any) -> Any:
    """Seed 001 writes booleans as text ("True")."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


SeedBool = Annotated[bool, BeforeValidator(_seed_bool)]
Points = Annotated[int, BeforeValidator(_seed_int), Field(ge=0, le=MAX_POINTS)]
Stock = Annotated[int, BeforeValidator(_seed_int), Field(ge=0, le=MAX_STOCK)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+$")]
Html = Annotated[
    str, StringConstraints(min_length=1, max_length=10000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+$")
]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=r"^https?://[^\s\x00-\x1f\x7f]+$")]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=128), Printable]
AttributeId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
Ratio = Annotated[float, Field(ge=1e-6, le=1e12, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
Rank = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
CouponDefinitionId = Annotated[str, StringConstraints(pattern=r"^coupm_[A-Za-z0-9]{21}$")]


class SettingsModel(BaseModel):
    """Settings are read as the API reads request bodies (``RequestModel``): unknown fields refused, types
    strict, validators built when first used (a function that only reads rewards never builds them)."""

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


# ------------------------------------------------------------------------------------------ parameters


class ProductRef(SettingsModel):
    id: ExternalId


class CampaignRef(SettingsModel):
    id: CouponDefinitionId = Field(description="The coupon definition (coupm_…) whose pool issues the codes")
    type: Label | None = Field(default=None, description="Seed 002's campaign type, e.g. DISCOUNT_COUPONS")


class CoinRatio(SettingsModel):
    exchange_ratio: Ratio = Field(description="Value given for points_ratio points")
    points_ratio: Ratio = Field(description="Points worth exchange_ratio in value")


class RewardParameters(SettingsModel):
    """Exactly one of ``product`` (MATERIAL), ``campaign`` (CAMPAIGN), ``coin`` (COIN)."""

    product: ProductRef | None = None
    campaign: CampaignRef | None = None
    coin: CoinRatio | None = None


class RewardAttributes(SettingsModel):
    description: Text | None = None
    image_url: Url | Literal[""] | None = None


# ------------------------------------------------------------------------------------------ seed 001

ConditionValue = Annotated[str, StringConstraints(max_length=200), Printable] | StorableNumber | bool


class EligibilityCondition(SettingsModel):
    """One condition; what operator, attribute and value may be is checked as a whole when the reward is
    saved, and a bad one is a 400 naming it (see shared/domain/eligibility.py)."""

    operator: Annotated[str, StringConstraints(max_length=32), Printable]
    attribute: Annotated[str, StringConstraints(max_length=100), Printable]
    value: ConditionValue | list[ConditionValue] = Field(
        description="A date, a range (M/D/YYYY-M/D/YYYY), a number, a text or a list, as the operator needs"
    )


class EligibilityRule(SettingsModel):
    show_on_member_dashboard: SeedBool = True
    include_in_api_response: SeedBool = Field(
        default=True, description="false: members matched only by this rule do not see the reward in the API"
    )
    conditions: Annotated[list[EligibilityCondition | Literal["AND", "OR"]], Field(min_length=1, max_length=39)] = (
        Field(description='Conditions joined by "AND" / "OR" (AND binds tighter)')
    )


class TransactionAttribute(SettingsModel):
    attribute_id: AttributeId
    attribute_name: ShortText
    attribute_type: AttributeType = "Text"
    is_attribute_mandatory: SeedBool = False


# ------------------------------------------------------------------------------------------ seed 003


class Translation(SettingsModel):
    name: ShortText | None = None
    description: Text | None = None


class RevenueMeta(SettingsModel):
    commission_participant: CommissionParticipant
    commission_rate: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
    cycle_start_date: IsoDate
    cycle_end_date: IsoDate

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.cycle_end_date < self.cycle_start_date:
            raise ValueError("cycle_end_date must not be before cycle_start_date")
        return self


class RevenueDefault(SettingsModel):
    commission_participant: CommissionParticipant
    default_value: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0


class PaymentConfig(SettingsModel):
    payment_mode: PaymentMode
    points: Points | None = None
    cash: Money | None = None
    conversion_ratio: Ratio | None = None

    @model_validator(mode="after")
    def _fields_of_mode(self) -> Self:
        wanted = {
            "POINTS": {"points"},
            "FREE": set(),
            "CASH": {"cash"},
            "POINTS_CASH": {"points", "cash"},
            "CONV_RATIO": {"conversion_ratio"},
        }[self.payment_mode]
        given = {name for name in ("points", "cash", "conversion_ratio") if getattr(self, name) is not None}
        if wanted - given:
            raise ValueError(
                f"{', '.join(sorted(wanted - given))} is required when payment_mode is {self.payment_mode}"
            )
        if given - wanted:
            raise ValueError(
                f"{', '.join(sorted(given - wanted))} is not used when payment_mode is {self.payment_mode}"
            )
        return self


# ------------------------------------------------------------------------------------------ the reward


class RewardSettings(SettingsModel):
    """Every field a merchant sets (all optional here: PATCH takes any of them)."""

    name: ShortText | None = None
    type: RewardType | None = None
    parameters: RewardParameters | None = None
    stock: Stock | None = Field(default=None, description="MATERIAL: how many can be redeemed; null is unlimited")
    attributes: RewardAttributes | None = None
    # seed 001
    code: ExternalId | None = Field(default=None, description="The merchant's reward code (seed 001's reward_id)")
    is_active: SeedBool | None = None
    reward_type: Label | None = Field(default=None, description="Seed 001's label, e.g. coupon_based_reward")
    reward_sub_type: Label | None = None
    points_to_be_redeemed: Points | None = Field(default=None, description="Points a redemption costs")
    reward_value: ShortText | None = None
    show_on_guest_dashboard: SeedBool | None = None
    reward_card_background_image_url: Url | None = None
    enduser_reward_short_description: Text | None = None
    enduser_reward_confirmation_html: Html | None = None
    enduser_reward_post_confirmation_html: Html | None = None
    member_eligibility_rules: Annotated[list[EligibilityRule], Field(max_length=20)] | None = Field(
        default=None, description="OR'ed; none means every member is eligible"
    )
    custom_transaction_attributes: Annotated[list[TransactionAttribute], Field(max_length=20)] | None = None
    # seed 003
    brand: Label | None = None
    tier: Label | None = None
    label: ShortText | None = None
    priority: Rank | None = None
    group: ShortText | None = None
    group_rank: Rank | None = None
    reward_rank: Rank | None = None
    start_time: IsoDateTime | None = None
    end_time: IsoDateTime | None = None
    program_id: ExternalId | None = None
    category_list: Annotated[list[ShortText], Field(max_length=50)] | None = None
    custom_fields: Annotated[dict[AttributeId, ShortText], Field(max_length=50)] | None = None
    image_id: ExternalId | None = None
    thumbnail_id: ExternalId | None = None
    thumbnail_url: Url | None = None
    term_and_conditions_id: ExternalId | None = None
    term_and_conditions_url: Url | None = None
    images: Annotated[list[Url], Field(max_length=20)] | None = None
    videos: Annotated[list[Url], Field(max_length=20)] | None = None
    translations: Annotated[dict[Language, Translation], Field(max_length=50)] | None = None
    reward_revenue_meta: Annotated[list[RevenueMeta], Field(max_length=20)] | None = None
    reward_revenue_defaults: Annotated[list[RevenueDefault], Field(max_length=4)] | None = None
    payment_configs: Annotated[list[PaymentConfig], Field(max_length=10)] | None = None

    @field_serializer("start_time", "end_time")
    def _iso(self, value: datetime | None) -> str | None:
        return iso_z(value) if value else None


def iso_z(value: datetime) -> str:
    """The seed's format: ``2021-02-09T13:58:20.194Z``."""
    return iso_from_epoch_ms(round(value.timestamp() * 1000))


class RewardDefinition(RewardSettings):
    """A whole reward as stored and checked: the fields a create needs, and their consistency."""

    name: ShortText
    type: RewardType
    parameters: RewardParameters

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        wanted = {"MATERIAL": "product", "CAMPAIGN": "campaign", "COIN": "coin"}[self.type]
        given = [name for name in ("product", "campaign", "coin") if getattr(self.parameters, name) is not None]
        if given != [wanted]:
            raise ValueError(f"parameters must hold exactly {wanted} for a {self.type} reward")
        if self.stock is not None and self.type != "MATERIAL":
            raise ValueError("stock is only used by MATERIAL rewards")
        if self.type == "COIN" and self.points_to_be_redeemed is not None:
            raise ValueError("points_to_be_redeemed is not used by COIN rewards: the member chooses the points")
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        ids = [a.attribute_id for a in self.custom_transaction_attributes or []]
        if len(ids) != len(set(ids)):
            raise ValueError("custom_transaction_attributes: attribute_id must be unique")
        configured = {c.points for c in self.payment_configs or [] if c.points is not None}
        if self.points_to_be_redeemed is not None and configured - {self.points_to_be_redeemed}:
            raise ValueError("points_to_be_redeemed and the points of payment_configs disagree")
        if len(configured) > 1:
            raise ValueError("payment_configs: one points price per reward")
        return self

    def points_cost(self) -> int:
        """What one redemption debits (COIN rewards: what the member chooses)."""
        if self.points_to_be_redeemed is not None:
            return self.points_to_be_redeemed
        return next((c.points for c in self.payment_configs or [] if c.points is not None), 0)
