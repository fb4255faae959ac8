"""API models of coupons (SPEC §8, §10; seed 004): definitions, pool imports, the apply/validate body,
and the answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from shared.api.schemas.common import IsoDateTime, RequestModel, ResponseModel, ShortText, SourceId
from shared.clock import iso_from_epoch_ms
from shared.domain.coupon_errors import (
    DISCOUNT_VALIDATION_FAILED,
    CouponDetailsMissing,
    InvalidCoupon,
    InvalidSourceId,
    MissingOrderField,
)
from shared.domain.coupon_rules import (
    ITEM_FIELDS,
    ITEM_MONEY_FIELDS,
    MONEY_FIELDS,
    ORDER_TEXT_FIELDS,
    CouponCondition,
    CouponOperator,
    CouponSpec,
    CouponStatus,
    Discount,
    DiscountType,
    FailedCondition,
    ItemConditions,
    MetadataType,
    Order,
    OrderItem,
    RedeemableBy,
    as_number,
    money,
)
from shared.limits import ByteBudget, NotBlank, Printable, StorableFloat, StorableInt, check_value_fits_operator
from shared.storage.coupons import CouponRecord

# Printable ASCII without spaces: what a shopper can type at checkout.
CouponCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
CouponId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
MAX_MONEY = 1e12
Money = Annotated[StorableFloat, Field(ge=0, le=MAX_MONEY)]
ConditionScalar = Annotated[str, StringConstraints(max_length=200), Printable] | StorableInt | StorableFloat | bool
ConditionValue = ConditionScalar | Annotated[list[ConditionScalar], Field(max_length=100)]
MetadataText = Annotated[str, StringConstraints(max_length=1000), Printable]
MetadataValue = MetadataText | StorableInt | StorableFloat | bool | None
MAX_METADATA_BYTES = 16 * 1024
Metadata = Annotated[dict[MetadataKey, MetadataValue], Field(max_length=50), ByteBudget(MAX_METADATA_BYTES)]
# What a redemption record may keep of an order's items (with the order's own fields, well under 400 KB).
MAX_ITEMS_BYTES = 192 * 1024
MAX_CONDITIONS_BYTES = 32 * 1024
if TYPE_CHECKING:
    from shared.domain.coupons import CouponCheck, ValidationOutcome

CustomerCouponState = Literal["available", "redeemed", "expired", "voided", "disabled"]
MAX_CODES_PER_IMPORT = 10_000
MAX_COUPONS_PER_ORDER = 10


def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value else None


def iso(epoch: int | None) -> str | None:
    return iso_from_epoch_ms(epoch * 1000) if epoch is not None else None


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


class CouponConditionIn(RequestModel):
    field: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    operator: CouponOperator
    value: ConditionValue

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Self:
        check_value_fits_operator(self.operator, self.value)
        return self

    def to_spec(self) -> CouponCondition:
        return CouponCondition(self.field, self.operator, self.value)


def _check_fields(
    conditions: list[CouponConditionIn], allowed: tuple[str, ...], money_fields: tuple[str, ...], where: str
) -> None:
    for index, condition in enumerate(conditions):
        name = condition.field
        if name.startswith("metadata.") and len(name) > len("metadata."):
            continue
        if name not in allowed:
            raise ValueError(f"{where}.{index}.field: must be one of {', '.join(allowed)} or metadata.<key>")
        values = condition.value if isinstance(condition.value, list) else [condition.value]
        if name in money_fields and not all(_is_amount(value) for value in values):
            raise ValueError(
                f"{where}.{index}.value: {name} is money: a number from 0 to {MAX_MONEY:.0f} with at most 2 decimals"
            )


def _is_amount(value: object) -> bool:
    """What an order's money field can hold, and every message can show in cents."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return 0 <= value <= MAX_MONEY and money(value) == Decimal(repr(value) if isinstance(value, float) else value)


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
        _check_fields(self.match, ITEM_FIELDS, ITEM_MONEY_FIELDS, "match")
        return self


class ConditionsIn(RequestModel):
    order: Annotated[list[CouponConditionIn], Field(max_length=20), ByteBudget(MAX_CONDITIONS_BYTES)] = []
    items: Annotated[ItemConditionsIn | None, ByteBudget(MAX_CONDITIONS_BYTES)] = None

    @model_validator(mode="after")
    def _known_fields(self) -> Self:
        _check_fields(self.order, (*MONEY_FIELDS, *ORDER_TEXT_FIELDS), tuple(MONEY_FIELDS), "order")
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

    def to_spec(self, coupon_id: str, now_iso: str) -> CouponSpec:
        items = self.conditions.items
        return CouponSpec(
            coupon_id=coupon_id,
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
            created_at=now_iso,
            updated_at=now_iso,
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


def code_names(codes: list[str], shown: int = 20) -> str:
    """Codes named in an error, at most ``shown`` of them."""
    more = f" and {len(codes) - shown} more" if len(codes) > shown else ""
    return ", ".join(codes[:shown]) + more


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


# ------------------------------------------------------------------------ apply and validate (seed 004)

Text = Annotated[str, StringConstraints(max_length=200), Printable]
OrderId = Annotated[str, StringConstraints(min_length=1, max_length=128), Printable, NotBlank]
MAX_ITEMS_PER_ORDER = 500


def _require(data: Any, fields: tuple[str, ...]) -> None:
    """Seed 004 names a missing mandatory field by its own name: ``selling_price is required``."""
    if not isinstance(data, dict):
        return  # the type error is pydantic's to report
    for name in fields:
        if data.get(name) is None:
            raise MissingOrderField(name)


class OrderItemIn(RequestModel):
    product_id: Annotated[str, StringConstraints(min_length=1, max_length=128), Printable, NotBlank]
    sku: Text | None = None
    name: Text | None = None
    brand: Text | None = None
    original_price: Money
    selling_price: Money
    quantity: Annotated[StorableFloat, Field(gt=0, le=1e9)] = 1
    shipping: Money = Field(description="Mandatory (seed 004): send 0 when the item has no shipping charge")
    metadata: Metadata = {}

    @model_validator(mode="before")
    @classmethod
    def _mandatory(cls, data: Any) -> Any:
        _require(data, ("product_id", "original_price", "selling_price", "shipping"))
        return data

    def to_domain(self) -> OrderItem:
        return OrderItem(
            product_id=self.product_id,
            original_price=self.original_price,
            selling_price=self.selling_price,
            quantity=self.quantity,
            shipping=self.shipping,
            sku=self.sku,
            name=self.name,
            brand=self.brand,
            metadata=dict(self.metadata),
        )


class OrderIn(RequestModel):
    order_id: OrderId
    status: Literal["pending", "completed", "reverted"]
    original_price_subtotal: Money
    selling_price_subtotal: Money
    shipping: Money | None = None
    tax: Money | None = None
    payment_mode: Text | None = None
    metadata: Metadata = {}
    items: Annotated[
        list[OrderItemIn], Field(min_length=1, max_length=MAX_ITEMS_PER_ORDER), ByteBudget(MAX_ITEMS_BYTES)
    ]

    @model_validator(mode="before")
    @classmethod
    def _mandatory(cls, data: Any) -> Any:
        _require(data, ("order_id", "status", "original_price_subtotal", "selling_price_subtotal", "items"))
        return data

    def to_domain(self) -> Order:
        return Order(
            order_id=self.order_id,
            status=self.status,
            original_price_subtotal=self.original_price_subtotal,
            selling_price_subtotal=self.selling_price_subtotal,
            items=tuple(item.to_domain() for item in self.items),
            shipping=self.shipping or 0,
            tax=self.tax or 0,
            payment_mode=self.payment_mode,
            metadata=dict(self.metadata),
        )


class CouponDetailIn(RequestModel):
    coupon_id: CouponId
    coupon_code: CouponCode


class CouponApplyIn(RequestModel):
    """Seed 004's body, for ``/coupons/apply`` and ``/coupons/validate``. Several coupons on one order are
    judged and redeemed together, all or nothing."""

    coupon_details: Annotated[list[CouponDetailIn], Field(min_length=1, max_length=MAX_COUPONS_PER_ORDER)]
    source_id: SourceId
    order: OrderIn

    @model_validator(mode="before")
    @classmethod
    def _seed_errors(cls, data: Any) -> Any:
        """The seed's own answers for a missing customer or coupon, before any other check."""
        if not isinstance(data, dict):
            return data
        source_id = data.get("source_id")
        if not isinstance(source_id, str) or not 0 < len(source_id) <= 128 or not source_id.isprintable():
            raise InvalidSourceId
        details = data.get("coupon_details")
        if not isinstance(details, list) or not details:
            raise CouponDetailsMissing
        for detail in details:
            if not isinstance(detail, dict) or not detail.get("coupon_id") or not detail.get("coupon_code"):
                raise CouponDetailsMissing
        if data.get("order") is None:
            raise MissingOrderField("order")
        return data


class AppliedCouponOut(ResponseModel):
    status: Literal["completed", "reverted"]
    couponId: str
    coupon_code: str
    request_id: str


class ApplyResponse(ResponseModel):
    """Seed 004's answer, exactly its five fields."""

    status: Literal["completed", "reverted"]
    couponId: str
    orderId: str
    request_id: str
    coupon_code: str


class SeveralAppliedResponse(ApplyResponse):
    """Several coupons on one order: the seed's fields name the first, ``coupons`` lists each."""

    coupons: list[AppliedCouponOut]


class FailedConditionOut(ResponseModel):
    field: str = Field(description="What was checked: an order field, metadata.<key>, items, usage_limit, ...")
    operator: str
    required: Any = Field(description="What the coupon requires")
    actual: Any = Field(description="What the order (or the customer) has")
    message: str = Field(description="Seed 004's wording: selling_price should be greater than 200.00")
    gap: str = Field(description="What is missing: add 50.00 more of brand A")


class CouponValidationOut(ResponseModel):
    coupon_id: str
    coupon_code: str
    valid: bool
    discount: float | int = Field(description="What this coupon takes off the order (0 when it does not apply)")
    message: str | None = Field(description="The error message /coupons/apply would answer; null when valid")
    failures: list[FailedConditionOut]


class ValidationResponse(ResponseModel):
    object: Literal["coupon_validation"] = "coupon_validation"
    valid: bool = Field(description="Every coupon applies")
    source_id: str
    order_id: str
    discount: float | int = Field(description="The coupons' discounts together, as a redeem would stack them")
    coupons: list[CouponValidationOut]

    @classmethod
    def from_outcome(cls, outcome: ValidationOutcome) -> ValidationResponse:
        return cls(
            valid=outcome.valid,
            source_id=outcome.source_id,
            order_id=outcome.order_id,
            discount=as_number(outcome.discount),
            coupons=[_validation_out(c.check, c.discount) for c in outcome.coupons],
        )


def _validation_out(check: CouponCheck, discount: Decimal) -> CouponValidationOut:
    failures = list(check.refusals)
    message: str | None = None
    if check.invalid:
        message = InvalidCoupon().message
        failures = [
            FailedCondition(
                "coupon", "eq", check.coupon_id, None, InvalidCoupon().details, "check the coupon_id and coupon_code"
            )
        ]
    elif check.refusals:
        message = "coupon validation failed"
    if check.verdict is not None:
        failures += [*check.verdict.order_failures, *check.verdict.item_failures]
        if message is None and check.verdict.order_failures:
            message = "coupon validation failed"
        elif message is None and check.verdict.item_failures:
            message = DISCOUNT_VALIDATION_FAILED
    return CouponValidationOut(
        coupon_id=check.coupon_id,
        coupon_code=check.coupon_code,
        valid=check.applies,
        discount=as_number(discount),
        message=message,
        failures=[FailedConditionOut.model_validate(f) for f in failures],
    )


class RedemptionOut(ResponseModel):
    object: Literal["coupon_redemption"] = "coupon_redemption"
    coupon_id: str
    coupon_code: str
    order_id: str
    source_id: str
    status: Literal["completed", "reverted"]
    order_status: str = Field(description="The order's status as last sent: pending, completed or reverted")
    discount: float | int
    order: dict[str, Any] = Field(description="The order's amounts and the metadata the coupon's schema kept")
    nullified_metadata: list[str] = Field(description="Metadata keys sent but not kept (unknown, or of another type)")
    request_id: str
    revert_request_id: str | None
    created_at: str
    updated_at: str
    reverted_at: str | None


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
