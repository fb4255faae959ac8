"""API models of the rewards catalog: one reward holding the fields of seeds 001, 002 and 003 (SPEC §6).

Seed 002 gives the entity (``name``, ``type``, ``parameters``, ``stock``, ``redeemed``, ``attributes``),
seed 001 the points cost, texts, eligibility rules and custom transaction attributes (its ``reward_id``
is ``code`` here, its ``reward_name`` is ``name``), seed 003 the brand, tier, time window, images,
translations, revenue commissions and payment configurations. The seeds write some numbers and booleans
as text (``"stock": "70"``, ``"is_active": "True"``): those fields accept the seed's text too, and are
answered as numbers and booleans.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, field_serializer, model_validator

from shared.clock import iso_from_epoch_ms

if TYPE_CHECKING:
    from shared.domain.rewards import MemberReward, PoolCounts, Reward

from shared.api.schemas.common import IsoDateTime, Label, RequestModel, ResponseModel, ShortText
from shared.limits import IsoDate, Printable, StorableNumber

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


# ------------------------------------------------------------------------------------------ parameters


class ProductRef(RequestModel):
    id: ExternalId


class CampaignRef(RequestModel):
    id: CouponDefinitionId = Field(description="The coupon definition (coupm_…) whose pool issues the codes")
    type: Label | None = Field(default=None, description="Seed 002's campaign type, e.g. DISCOUNT_COUPONS")


class CoinRatio(RequestModel):
    exchange_ratio: Ratio = Field(description="Value given for points_ratio points")
    points_ratio: Ratio = Field(description="Points worth exchange_ratio in value")


class RewardParameters(RequestModel):
    """Exactly one of ``product`` (MATERIAL), ``campaign`` (CAMPAIGN), ``coin`` (COIN)."""

    product: ProductRef | None = None
    campaign: CampaignRef | None = None
    coin: CoinRatio | None = None


class RewardAttributes(RequestModel):
    description: Text | None = None
    image_url: Url | Literal[""] | None = None


# ------------------------------------------------------------------------------------------ seed 001

ConditionValue = Annotated[str, StringConstraints(max_length=200), Printable] | StorableNumber | bool


class EligibilityCondition(RequestModel):
    """One condition; what operator, attribute and value may be is checked as a whole when the reward is
    saved, and a bad one is a 400 naming it (see shared/domain/eligibility.py)."""

    operator: Annotated[str, StringConstraints(max_length=32), Printable]
    attribute: Annotated[str, StringConstraints(max_length=100), Printable]
    value: ConditionValue | list[ConditionValue] = Field(
        description="A date, a range (M/D/YYYY-M/D/YYYY), a number, a text or a list, as the operator needs"
    )


class EligibilityRule(RequestModel):
    show_on_member_dashboard: SeedBool = True
    include_in_api_response: SeedBool = Field(
        default=True, description="false: members matched only by this rule do not see the reward in the API"
    )
    conditions: Annotated[list[EligibilityCondition | Literal["AND", "OR"]], Field(min_length=1, max_length=39)] = (
        Field(description='Conditions joined by "AND" / "OR" (AND binds tighter)')
    )


class TransactionAttribute(RequestModel):
    attribute_id: AttributeId
    attribute_name: ShortText
    attribute_type: AttributeType = "Text"
    is_attribute_mandatory: SeedBool = False


class CouponsInfo(ResponseModel):
    """Counts of the pool of a CAMPAIGN reward. The codes themselves are never returned (SPEC §6)."""

    total_coupons: int
    issued_coupons: int
    redeemed_coupons: int


# ------------------------------------------------------------------------------------------ seed 003


class Translation(RequestModel):
    name: ShortText | None = None
    description: Text | None = None


class RevenueMeta(RequestModel):
    commission_participant: CommissionParticipant
    commission_rate: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
    cycle_start_date: IsoDate
    cycle_end_date: IsoDate

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.cycle_end_date < self.cycle_start_date:
            raise ValueError("cycle_end_date must not be before cycle_start_date")
        return self


class RevenueDefault(RequestModel):
    commission_participant: CommissionParticipant
    default_value: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0


class PaymentConfig(RequestModel):
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


class RewardSettings(RequestModel):
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


class RewardCreate(RewardDefinition):
    """POST /rewards: name, type and parameters are required; every other field of SPEC §6 may be given."""


class RewardPatch(RewardSettings):
    """Fields given replace the stored ones, fields absent are kept, ``null`` removes an optional one.
    ``type`` cannot change (redemptions of the old type would no longer make sense)."""


def _coupons_info(counts: PoolCounts | None) -> CouponsInfo | None:
    if counts is None:
        return None
    return CouponsInfo(total_coupons=counts.total, issued_coupons=counts.issued, redeemed_coupons=counts.redeemed)


_LISTS = (
    "member_eligibility_rules",
    "custom_transaction_attributes",
    "category_list",
    "images",
    "videos",
    "reward_revenue_meta",
    "reward_revenue_defaults",
    "payment_configs",
)


class RewardResponse(ResponseModel):
    object: Literal["reward"] = "reward"
    id: str
    name: str
    type: RewardType
    parameters: dict[str, Any]
    stock: int | None
    redeemed: int
    attributes: dict[str, Any]
    code: str | None
    is_active: bool
    reward_type: str | None
    reward_sub_type: str | None
    points_to_be_redeemed: int | None
    reward_value: str | None
    show_on_guest_dashboard: bool
    reward_card_background_image_url: str | None
    enduser_reward_short_description: str | None
    enduser_reward_confirmation_html: str | None
    enduser_reward_post_confirmation_html: str | None
    coupons_info: CouponsInfo | None
    member_eligibility_rules: list[dict[str, Any]]
    custom_transaction_attributes: list[dict[str, Any]]
    brand: str | None
    tier: str | None
    label: str | None
    priority: int | None
    group: str | None
    group_rank: int | None
    reward_rank: int | None
    start_time: str | None
    end_time: str | None
    program_id: str | None
    category_list: list[str]
    custom_fields: dict[str, str]
    image_id: str | None
    thumbnail_id: str | None
    thumbnail_url: str | None
    term_and_conditions_id: str | None
    term_and_conditions_url: str | None
    images: list[str]
    videos: list[str]
    translations: dict[str, dict[str, Any]]
    reward_revenue_meta: list[dict[str, Any]]
    reward_revenue_defaults: list[dict[str, Any]]
    payment_configs: list[dict[str, Any]]
    created_at: str
    updated_at: str | None

    @classmethod
    def from_reward(cls, reward: Reward) -> RewardResponse:
        # Top-level fields all present (null when unset); inside them, only what was set (as the seeds show).
        given = reward.definition.model_dump(mode="json", exclude_none=True)
        settings = {name: given.get(name) for name in reward.definition.model_dump(mode="json")}
        for name in _LISTS:
            settings[name] = settings.get(name) or []
        for name in ("custom_fields", "translations", "attributes"):
            settings[name] = settings.get(name) or {}
        record = reward.record
        return cls.model_validate(
            {
                **settings,
                "id": record.reward_id,
                "stock": record.stock,
                "redeemed": record.redeemed,
                "is_active": record.active,
                "show_on_guest_dashboard": bool(settings.get("show_on_guest_dashboard")),
                "coupons_info": _coupons_info(reward.pool),
                "created_at": record.created_at,
                "updated_at": record.updated_at,
            }
        )


# An explanation repeats what the member has in each failed condition (every tag, an attribute's whole
# value), up to 400 conditions a reward: each text is cut, so that one reward's explanation stays bounded.
MAX_EXPLANATION_TEXT = 200


def _clipped(text: str) -> str:
    return text if len(text) <= MAX_EXPLANATION_TEXT else text[: MAX_EXPLANATION_TEXT - 1] + "…"


Explanation = Annotated[str, AfterValidator(_clipped)]


class FailedCondition(ResponseModel):
    condition: str = Field(description="member_eligibility_rules.<rule>.conditions.<position>")
    attribute: str
    operator: str
    required: Explanation = Field(description=f"At most {MAX_EXPLANATION_TEXT} characters (cut with …)")
    actual: Explanation = Field(description="What the member has")
    gap: Explanation = Field(description="What the member lacks, e.g. 'missing tag cohortA'")


class MemberRewardResponse(ResponseModel):
    """A reward as one member sees it. ``unavailable`` and ``failed_conditions`` are filled with ``?explain=true``."""

    object: Literal["member_reward"] = "member_reward"
    reward: RewardResponse
    eligible: bool = Field(description="The member can get it now: available, and an eligibility rule holds")
    affordable: bool = Field(description="The balance covers points_cost")
    points_cost: int
    points_balance: int
    points_missing: int = Field(description="Points the member still needs to afford it (0 when affordable)")
    unavailable: list[str] = Field(description="Why nobody can get it now: inactive, outside its window, out of stock")
    failed_conditions: list[FailedCondition]

    @classmethod
    def from_view(cls, view: MemberReward, *, explain: bool) -> MemberRewardResponse:
        return cls(
            reward=RewardResponse.from_reward(view.reward),
            eligible=view.eligible,
            affordable=view.affordable,
            points_cost=view.points_cost,
            points_balance=view.points_balance,
            points_missing=view.points_missing,
            unavailable=list(view.unavailable) if explain else [],
            failed_conditions=[FailedCondition.model_validate(f) for f in view.failed_conditions] if explain else [],
        )
