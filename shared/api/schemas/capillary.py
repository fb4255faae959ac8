"""Capillary's "get brand-specific reward" answer (seed 003, SPEC §7): its envelope, camelCase fields,
``started``/``expired`` computed from the time window, texts in the requested language (falling back to
the reward's own), ``rewardRestrictions.isValid`` for the user asked about, and ``paymentConfigs``.

Deliberate differences: ``id`` is the engine's ``rew_…`` id (Capillary's is a number), and the payment
configurations' ids are their positions (1, 2, …) in the reward's list.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from shared.api.schemas.common import ResponseModel

if TYPE_CHECKING:
    from shared.domain.rewards import BrandReward

FETCHED = "User Reward fetched successfully"
NOT_FOUND_CODE = 6004
NOT_FOUND = "Reward not found or disabled"


class CamelModel(ResponseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class Status(CamelModel):
    success: bool
    code: int
    message: str


class RewardRestrictions(CamelModel):
    is_valid: bool


class RevenueDetails(CamelModel):
    brand_commission: float
    end_customer_commission: float


class CapillaryReward(CamelModel):
    id: str
    name: str
    description: str | None
    image_id: str | None
    image_url: str | None
    thumbnail_id: str | None
    thumbnail_url: str | None
    term_and_conditions_id: str | None
    term_and_conditions_url: str | None
    tier: str | None
    label: str | None
    priority: int | None
    intouch_points: int
    group: int | None = Field(description="Capillary's numeric group id: the engine names groups (groupName)")
    start_time: str | None = Field(description="UTC, yyyy-MM-dd HH:mm:ss")
    end_time: str | None
    expired: bool
    started: bool
    program_id: str | None
    category_list: list[str]
    custom_fields: dict[str, str]
    loyalty_program_criteria: list[Any]
    reward_restrictions: RewardRestrictions
    applied_promotions: list[Any]
    group_name: str | None
    group_rank: int | None
    reward_rank: int | None
    images: list[str]
    videos: list[str]
    reward_revenue_details: RevenueDetails
    payment_configs: list[dict[str, Any]]


class CapillaryRewardResponse(CamelModel):
    status: Status
    reward: CapillaryReward | None = None

    @classmethod
    def not_found(cls) -> CapillaryRewardResponse:
        return cls(status=Status(success=False, code=NOT_FOUND_CODE, message=NOT_FOUND))

    @classmethod
    def from_brand_reward(cls, found: BrandReward) -> CapillaryRewardResponse:
        definition = found.reward.definition
        attributes = definition.attributes
        defaults = {d.commission_participant: d.default_value for d in definition.reward_revenue_defaults or []}
        reward = CapillaryReward(
            id=found.reward.reward_id,
            name=found.name,
            description=found.description,
            image_id=definition.image_id,
            image_url=(attributes.image_url if attributes else None) or None,
            thumbnail_id=definition.thumbnail_id,
            thumbnail_url=definition.thumbnail_url,
            term_and_conditions_id=definition.term_and_conditions_id,
            term_and_conditions_url=definition.term_and_conditions_url,
            tier=definition.tier,
            label=definition.label,
            priority=definition.priority,
            intouch_points=definition.points_cost(),
            group=None,
            start_time=_capillary_time(definition.start_time),
            end_time=_capillary_time(definition.end_time),
            expired=found.reward.expired(found.now_ms),
            started=found.reward.started(found.now_ms),
            program_id=definition.program_id,
            category_list=definition.category_list or [],
            custom_fields=definition.custom_fields or {},
            loyalty_program_criteria=[],
            reward_restrictions=RewardRestrictions(is_valid=found.valid_for_user),
            applied_promotions=[],
            group_name=definition.group,
            group_rank=definition.group_rank,
            reward_rank=definition.reward_rank,
            images=definition.images or [],
            videos=definition.videos or [],
            reward_revenue_details=RevenueDetails(
                brand_commission=defaults.get("BRAND", 0), end_customer_commission=defaults.get("END_CUSTOMER", 0)
            ),
            payment_configs=[
                {to_camel(k): v for k, v in config.model_dump(exclude_none=True).items()} | {"id": position}
                for position, config in enumerate(definition.payment_configs or [], start=1)
            ],
        )
        return cls(status=Status(success=True, code=200, message=FETCHED), reward=reward)


def _capillary_time(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else None
