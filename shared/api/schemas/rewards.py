"""API models of the rewards catalog: the bodies of create and change (the reward's settings, whose
models and checks are the domain's: ``shared/domain/reward_settings.py``) and the answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field

from shared.api.schemas.common import ResponseModel
from shared.domain.reward_settings import RewardDefinition, RewardSettings, RewardType

if TYPE_CHECKING:
    from shared.domain.rewards import MemberReward, PoolCounts, Reward


class RewardCreate(RewardDefinition):
    """POST /rewards: name, type and parameters are required; every other field of SPEC §6 may be given."""


class RewardPatch(RewardSettings):
    """Fields given replace the stored ones, fields absent are kept, ``null`` removes an optional one.
    ``type`` cannot change (redemptions of the old type would no longer make sense)."""


class CouponsInfo(ResponseModel):
    """Counts of the pool of a CAMPAIGN reward. The codes themselves are never returned (SPEC §6)."""

    total_coupons: int
    issued_coupons: int
    redeemed_coupons: int


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
        settings = {name: given.get(name) for name in type(reward.definition).model_fields}
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
