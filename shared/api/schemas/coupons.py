"""API models of coupons (SPEC §8, §10): definitions, pool imports, and the coupons a customer holds.
Orders' coupons (apply, validate) are ``coupon_apply``'s."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self, cast

from pydantic import Field, StringConstraints, model_validator

from shared.api.schemas.common import IsoDateTime, RequestModel, ResponseModel, ShortText, SourceId
from shared.api.schemas.coupon_conditions import CouponConditionIn, Money, check_fields
from shared.domain.coupon_rules import ITEM_FIELDS, ITEM_MONEY_FIELDS, MONEY_FIELDS, ORDER_TEXT_FIELDS, iso
from shared.domain.coupons import CouponChanges, CustomerCoupon, code_names
from shared.entities.coupons import (
    CouponOperator,
    CouponSpec,
    CouponStatus,
    Discount,
    DiscountType,
    ItemConditions,
    MetadataType,
    RedeemableBy,
)
from shared.errors import ValidationFailed
from shared.limits import ByteBudget, StorableFloat
from shared.storage.coupons.records import CouponRecord

CouponCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
CouponId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
MAX_CONDITIONS_BYTES = 32 * 1024

CustomerCouponState = Literal["available", "redeemed", "expired", "voided", "disabled"]
MAX_CODES_PER_IMPORT = 10_000


def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value else None


# ------------------------------------------------------------------------------------ definitions


class DiscountIn(RequestModel):
    type: DiscountType
    value: Annotated[StorableFloat, Field(gt=0, le=1e12)] | None = Field(
        default=None, description="Amount off, or percent off (up to 100); not used by free_shipping"
    )
    max_discount: Money | None = Field(default=None, description="Cap of a percent discount")

    @model_validator(mode="after")
    def _fits_type(self) -> Self:
        if self.type == "free_shipping":
            if self.value is not None or self.max_discount is not None:
                raise ValueError("a free_shipping discount takes no value or max_discount")
        elif self.value is None:
            raise ValueError(f"value is required for a {self.type} discount")
        if self.type == "percent" and (self.value or 0) > 100:
            raise ValueError("value: a percent discount is at most 100")
        if self.type == "amount" and self.max_discount is not None:
            raise ValueError("max_discount only caps percent discounts")
        return self


class ItemConditionsIn(RequestModel):
    match: Annotated[list[CouponConditionIn], Field(max_length=10)] = Field(
        default=[], description="The items the coupon applies to: every condition holds"
    )
    min_quantity: Annotated[StorableFloat, Field(gt=0, le=1e9)] | None = None
    min_amount: Annotated[StorableFloat, Field(gt=0, le=1e12)] | None = Field(
        default=None, description="Minimum selling_price x quantity of the matching items"
    )

    @model_validator(mode="after")
    def _known_fields(self) -> Self:
        check_fields(self.match, ITEM_FIELDS, ITEM_MONEY_FIELDS, "match")
        return self


class ConditionsIn(RequestModel):
    order: Annotated[list[CouponConditionIn], Field(max_length=20), ByteBudget(MAX_CONDITIONS_BYTES)] = []
    items: Annotated[ItemConditionsIn | None, ByteBudget(MAX_CONDITIONS_BYTES)] = None

    @model_validator(mode="after")
    def _known_fields(self) -> Self:
        check_fields(self.order, (*MONEY_FIELDS, *ORDER_TEXT_FIELDS), tuple(MONEY_FIELDS), "order")
        return self


class CouponCreate(RequestModel):
    """A fixed ``coupon_code``, or no code: a pool of unique codes imported with ``POST /coupons/{id}/codes``."""

    coupon_code: CouponCode | None = Field(default=None, description="Fixed code; omit for a pool of codes")
    name: ShortText | None = None
    discount: DiscountIn
    status: CouponStatus = "active"
    starts_at: IsoDateTime | None = None
    ends_at: IsoDateTime | None = None
    usage_limit: Annotated[int, Field(ge=1, le=10**12)] | None = Field(default=None, description="null: unlimited")
    usage_limit_per_customer: Annotated[int, Field(ge=1, le=10**9)] | None = None
    assigned_to: SourceId | None = Field(default=None, description="Only this customer may redeem it")
    redeemable_by: RedeemableBy = Field(
        default="anyone", description="holders: only customers the coupon was given to (grants, rewards)"
    )
    metadata_schema: Annotated[dict[MetadataKey, MetadataType], Field(max_length=50)] = {}
    conditions: ConditionsIn = ConditionsIn()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self

    def to_command(self) -> CouponSpec:
        """A draft: the domain gives the coupon its id and times."""
        items = self.conditions.items
        return CouponSpec(
            coupon_id="",
            created_at="",
            updated_at="",
            coupon_code=self.coupon_code,
            name=self.name,
            discount=Discount(self.discount.type, self.discount.value, self.discount.max_discount),
            status=self.status,
            starts_at=_epoch(self.starts_at),
            ends_at=_epoch(self.ends_at),
            usage_limit=self.usage_limit,
            usage_limit_per_customer=self.usage_limit_per_customer,
            assigned_to=self.assigned_to,
            redeemable_by=self.redeemable_by,
            order_conditions=tuple(c.to_spec() for c in self.conditions.order),
            item_conditions=None
            if items is None
            else ItemConditions(tuple(c.to_spec() for c in items.match), items.min_quantity, items.min_amount),
            metadata_schema=dict(self.metadata_schema),
        )


class CouponPatch(RequestModel):
    """What may change on a live coupon; ``null`` removes a date or a limit. Its code, discount and
    conditions are fixed: redemptions were judged by them (create a new coupon instead)."""

    name: ShortText | None = None
    status: CouponStatus | None = None
    starts_at: IsoDateTime | None = None
    ends_at: IsoDateTime | None = None
    usage_limit: Annotated[int, Field(ge=1, le=10**12)] | None = Field(
        default=None, description="Never below the uses already consumed"
    )
    usage_limit_per_customer: Annotated[int, Field(ge=1, le=10**9)] | None = None

    def to_changes(self) -> CouponChanges:
        """The fields given, dates in epoch seconds: ``null`` removes a date or a limit, never the name or status."""
        given = {name: getattr(self, name) for name in self.model_fields_set}
        for name in ("name", "status"):
            if name in given and given[name] is None:
                raise ValidationFailed(f"{name}: cannot be removed")
        dates = {name: _epoch(given[name]) for name in ("starts_at", "ends_at") if name in given}
        return cast(CouponChanges, given | dates)


class CodesImport(RequestModel):
    codes: Annotated[list[CouponCode], Field(min_length=1, max_length=MAX_CODES_PER_IMPORT)]

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen: set[str] = set()
        repeated: dict[str, None] = {}
        for code in self.codes:
            if code.upper() in seen:
                repeated[code] = None
            seen.add(code.upper())
        if repeated:
            raise ValueError(
                f"codes: duplicate codes in the request (codes match case-insensitively): {code_names(list(repeated))}"
            )
        return self


# -------------------------------------------------------------------------------------- responses


class DiscountOut(ResponseModel):
    type: DiscountType
    value: float | int | None = None
    max_discount: float | int | None = None


class CouponConditionOut(ResponseModel):
    field: str
    operator: CouponOperator
    value: Any


class ItemConditionsOut(ResponseModel):
    match: list[CouponConditionOut]
    min_quantity: float | int | None = None
    min_amount: float | int | None = None


class ConditionsOut(ResponseModel):
    order: list[CouponConditionOut]
    items: ItemConditionsOut | None = None


class PoolCounts(ResponseModel):
    """Each code is in one state: ``available + issued + redeemed + voided = total``."""

    total: int = Field(description="Codes imported")
    issued: int = Field(description="Codes handed out to a customer (a reward, a campaign grant) and not used yet")
    redeemed: int = Field(description="Codes used in an order (a revert gives the code back)")
    voided: int = Field(description="Codes taken back by a cancelled reward redemption: never usable again")
    available: int = Field(description="Codes nobody holds or used: redeemable by anyone who has the code")

    @classmethod
    def of(cls, record: CouponRecord) -> PoolCounts:
        taken = record.codes_held + record.uses + record.codes_voided
        return cls(
            total=record.codes_total,
            issued=record.codes_held,
            redeemed=record.uses,
            voided=record.codes_voided,
            available=record.codes_total - taken,
        )


class CouponResponse(ResponseModel):
    object: Literal["coupon"] = "coupon"
    coupon_id: str
    coupon_code: str | None = Field(description="The fixed code; null for a pool coupon")
    name: str | None
    discount: DiscountOut
    status: CouponStatus
    starts_at: str | None
    ends_at: str | None
    usage_limit: int | None
    usage_limit_per_customer: int | None
    assigned_to: str | None
    redeemable_by: RedeemableBy
    metadata_schema: dict[str, MetadataType]
    conditions: ConditionsOut
    redeemed: int = Field(description="Uses of the coupon now")
    codes: PoolCounts | None = Field(description="Pool coupons: counts of the pool (the codes are never listed)")
    created_at: str
    updated_at: str

    @classmethod
    def from_record(cls, record: CouponRecord) -> CouponResponse:
        spec: CouponSpec = record.spec
        items = spec.item_conditions
        return cls(
            coupon_id=spec.coupon_id,
            coupon_code=spec.coupon_code,
            name=spec.name,
            discount=DiscountOut.model_validate(spec.discount),
            status=spec.status,
            starts_at=iso(spec.starts_at),
            ends_at=iso(spec.ends_at),
            usage_limit=spec.usage_limit,
            usage_limit_per_customer=spec.usage_limit_per_customer,
            assigned_to=spec.assigned_to,
            redeemable_by=spec.redeemable_by,
            metadata_schema=dict(spec.metadata_schema),
            conditions=ConditionsOut(
                order=[CouponConditionOut.model_validate(c) for c in spec.order_conditions],
                items=None
                if items is None
                else ItemConditionsOut(
                    match=[CouponConditionOut.model_validate(c) for c in items.match],
                    min_quantity=items.min_quantity,
                    min_amount=items.min_amount,
                ),
            ),
            redeemed=record.uses,
            codes=PoolCounts.of(record) if spec.is_pool else None,
            created_at=spec.created_at,
            updated_at=spec.updated_at,
        )


class CodesImportResponse(ResponseModel):
    object: Literal["coupon_code_import"] = "coupon_code_import"
    coupon_id: str
    created: int = Field(description="Codes added by this call")
    already_in_pool: int = Field(description="Codes of this call the pool already had (skipped)")
    codes: PoolCounts


class CustomerCouponOut(ResponseModel):
    object: Literal["customer_coupon"] = "customer_coupon"
    coupon_id: str
    coupon_code: str
    name: str | None
    discount: DiscountOut
    state: CustomerCouponState
    uses: int = Field(description="Times this customer redeemed it (net of reverts)")
    starts_at: str | None
    ends_at: str | None

    @classmethod
    def from_held(cls, held: CustomerCoupon) -> CustomerCouponOut:
        return cls(
            coupon_id=held.coupon.coupon_id,
            coupon_code=held.coupon_code,
            name=held.coupon.name,
            discount=DiscountOut.model_validate(held.coupon.discount),
            state=held.state,
            uses=held.uses,
            starts_at=iso(held.coupon.starts_at),
            ends_at=iso(held.coupon.ends_at),
        )
