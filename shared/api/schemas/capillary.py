"""Capillary's answers (SPEC §7): the "get brand-specific reward" of seed 003 (its envelope, camelCase
fields, ``started``/``expired`` computed from the time window, texts in the requested language falling
back to the reward's own, ``rewardRestrictions.isValid`` for the user asked about, ``paymentConfigs``),
and the two lists Capillary's clients call beside it, as Capillary/api-documentation shapes them: a
brand's rewards (``rewardList``) and a user's vouchers grouped by reward (``userVouchers``), each with
a ``pagingDto``.

Deliberate differences: ``id`` is the engine's ``rew_…`` id (Capillary's is a number); the payment
configurations' ids are their positions (1, 2, …) in the reward's list; pages follow a cursor
(``pagingDto.nextCursor``), so ``pagingDto`` has no page number nor totals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from shared.api.schemas.common import ResponseModel
from shared.errors import ValidationFailed

if TYPE_CHECKING:
    from shared.domain.capillary import BrandReward, Voucher

FETCHED = "User Reward fetched successfully"
NOT_FOUND_CODE = 6004
NOT_FOUND = "Reward not found or disabled"
CUSTOMER_NOT_FOUND_CODE = 816  # Capillary's customer status codes
CUSTOMER_NOT_FOUND = "Customer not found for organization"


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

    @classmethod
    def from_brand_reward(cls, found: BrandReward) -> CapillaryReward:
        definition = found.reward.definition
        attributes = definition.attributes
        defaults = {d.commission_participant: d.default_value for d in definition.reward_revenue_defaults or []}
        return cls(
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


FOUND = Status(success=True, code=200, message=FETCHED)


class CapillaryRewardResponse(CamelModel):
    status: Status
    reward: CapillaryReward | None = None

    @classmethod
    def not_found(cls) -> CapillaryRewardResponse:
        return cls(status=Status(success=False, code=NOT_FOUND_CODE, message=NOT_FOUND))

    @classmethod
    def from_brand_reward(cls, found: BrandReward) -> CapillaryRewardResponse:
        return cls(status=FOUND, reward=CapillaryReward.from_brand_reward(found))


class PagingDto(CamelModel):
    first: bool = Field(description="This is the first page (no cursor was given)")
    last: bool = Field(description="No page follows")
    size: int = Field(description="The page size asked")
    number_of_elements: int = Field(description="Items on this page")
    next_cursor: str | None = Field(description="The next page's `cursor`; null on the last page")

    @classmethod
    def of(cls, cursor: str | None, size: int, shown: int, next_cursor: str | None) -> PagingDto:
        first, last = cursor is None, next_cursor is None
        return cls(first=first, last=last, size=size, number_of_elements=shown, next_cursor=next_cursor)


class CapillaryRewardListResponse(CamelModel):
    status: Status
    reward_list: list[CapillaryReward] = []
    paging_dto: PagingDto | None = None

    @classmethod
    def unknown_brand(cls) -> CapillaryRewardListResponse:
        return cls(status=Status(success=False, code=NOT_FOUND_CODE, message=NOT_FOUND))

    @classmethod
    def page(
        cls, found: list[CapillaryReward], cursor: str | None, size: int, next_cursor: str | None
    ) -> CapillaryRewardListResponse:
        return cls(status=FOUND, reward_list=found, paging_dto=PagingDto.of(cursor, size, len(found), next_cursor))


class RewardDetails(CamelModel):
    reward_id: str
    name: str
    description: str | None
    thumbnail_id: str | None
    thumbnail_url: str | None
    image_id: str | None
    image_url: str | None
    term_n_conditions_id: str | None
    term_n_conditions_url: str | None
    tier: str | None
    label: str | None
    group: str | None = Field(description="The reward's group name")
    till_id: None = Field(description="Capillary's till: always null, the engine has none")


class CapillaryVoucher(CamelModel):
    code: str | None = Field(description="The coupon code issued; null for a product (MATERIAL) reward")
    expiry: str | None = Field(description="When the code's coupon ends, UTC yyyy-MM-dd HH:mm:ss")
    vendor: None = Field(description="A vendor's voucher: always null, the engine issues its own codes")
    reward_id: str
    issued: str = Field(description="When it was redeemed, ISO 8601 UTC")
    series_id: str | None = Field(description="The coupon (coupm_…) the code belongs to")
    series_name: str | None
    redemption_count: int = Field(description="Times the code was used (a shared code: this user's uses)")
    redemptions: None = None

    @classmethod
    def of(cls, voucher: Voucher) -> CapillaryVoucher:
        record, coupon = voucher.redemption, voucher.coupon
        return cls(
            code=record.code,
            expiry=_capillary_time(datetime.fromtimestamp(coupon.spec.ends_at, UTC))
            if coupon and coupon.spec.ends_at is not None
            else None,
            vendor=None,
            reward_id=record.reward_id,
            issued=record.created_at,
            series_id=record.coupon_id,
            series_name=coupon.spec.name if coupon else None,
            redemption_count=voucher.uses,
        )


class UserVouchers(CamelModel):
    reward_details: RewardDetails
    vouchers: list[CapillaryVoucher]

    @classmethod
    def of_one(cls, voucher: Voucher) -> UserVouchers:
        """One voucher with its reward's details: what a page measures it by, before grouping."""
        definition = voucher.reward.definition
        return cls(
            reward_details=RewardDetails(
                reward_id=voucher.reward.reward_id,
                name=voucher.name,
                description=voucher.description,
                thumbnail_id=definition.thumbnail_id,
                thumbnail_url=definition.thumbnail_url,
                image_id=definition.image_id,
                image_url=(definition.attributes.image_url if definition.attributes else None) or None,
                term_n_conditions_id=definition.term_and_conditions_id,
                term_n_conditions_url=definition.term_and_conditions_url,
                tier=definition.tier,
                label=definition.label,
                group=definition.group,
                till_id=None,
            ),
            vouchers=[CapillaryVoucher.of(voucher)],
        )


class CapillaryVouchersResponse(CamelModel):
    status: Status
    user_vouchers: list[UserVouchers] = []
    paging_dto: PagingDto | None = None

    @classmethod
    def unknown_user(cls) -> CapillaryVouchersResponse:
        return cls(status=Status(success=False, code=CUSTOMER_NOT_FOUND_CODE, message=CUSTOMER_NOT_FOUND))

    @classmethod
    def page(
        cls, found: list[UserVouchers], cursor: str | None, size: int, next_cursor: str | None
    ) -> CapillaryVouchersResponse:
        """``found``: one voucher each, grouped here by reward in the order of each reward's first (a
        group takes no more room than its vouchers did one by one)."""
        groups: dict[str, UserVouchers] = {}
        for one in found:
            reward_id = one.reward_details.reward_id
            groups.setdefault(reward_id, UserVouchers(reward_details=one.reward_details, vouchers=[]))
            groups[reward_id].vouchers.extend(one.vouchers)
        return cls(
            status=FOUND,
            user_vouchers=list(groups.values()),
            paging_dto=PagingDto.of(cursor, size, len(found), next_cursor),
        )


def user_of(user_id: str | None, external_id: str | None) -> str:
    """The customer a vouchers request names: ``userId`` (as seed 003's route) or Capillary's ``externalId``."""
    if (user_id is None) == (external_id is None):
        raise ValidationFailed("userId, externalId: give one of them, the customer's source_id")
    return user_id or external_id or ""


def _capillary_time(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else None
