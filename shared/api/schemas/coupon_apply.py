"""API models of coupons on an order (seed 004): the apply/validate body, the answers of apply and
validate, and a coupon's redemptions."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from shared.api.schemas.common import RequestModel, ResponseModel, SourceId
from shared.api.schemas.coupon_conditions import Money
from shared.api.schemas.coupons import CouponCode, CouponId, MetadataKey
from shared.domain.coupon_apply import (
    AppliedCoupon,
    ApplyType,
    CouponCheck,
    CouponDetail,
    CouponsOnOrder,
    ValidationOutcome,
)
from shared.domain.coupon_errors import (
    DISCOUNT_VALIDATION_FAILED,
    CouponDetailsMissing,
    InvalidCoupon,
    InvalidQueryParam,
    InvalidSourceId,
    MissingOrderField,
)
from shared.domain.coupon_rules import FailedCondition, Order, OrderItem, as_number
from shared.limits import ByteBudget, NotBlank, Printable, StorableFloat, StorableInt

MetadataText = Annotated[str, StringConstraints(max_length=1000), Printable]
MetadataValue = MetadataText | StorableInt | StorableFloat | bool | None
MAX_METADATA_BYTES = 16 * 1024
Metadata = Annotated[dict[MetadataKey, MetadataValue], Field(max_length=50), ByteBudget(MAX_METADATA_BYTES)]
# What a redemption record may keep of an order's items (with the order's own fields, well under 400 KB).
MAX_ITEMS_BYTES = 192 * 1024
MAX_COUPONS_PER_ORDER = 10

Text = Annotated[str, StringConstraints(max_length=200), Printable]
OrderId = Annotated[str, StringConstraints(min_length=1, max_length=128), Printable, NotBlank]
MAX_ITEMS_PER_ORDER = 500


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


class CouponsOnOrderIn(RequestModel):
    """Seed 004's body, as ``/coupons/validate`` takes it: every failing field is named by its path, all
    at once. Several coupons on one order are judged (and redeemed) together, all or nothing."""

    coupon_details: Annotated[list[CouponDetailIn], Field(min_length=1, max_length=MAX_COUPONS_PER_ORDER)]
    source_id: SourceId
    order: OrderIn

    def to_command(self) -> CouponsOnOrder:
        details = tuple(CouponDetail(detail.coupon_id, detail.coupon_code) for detail in self.coupon_details)
        return CouponsOnOrder(self.source_id, self.order.to_domain(), details)


_MANDATORY_ORDER_FIELDS = ("order_id", "status", "original_price_subtotal", "selling_price_subtotal", "items")
_MANDATORY_ITEM_FIELDS = ("product_id", "original_price", "selling_price", "shipping")


class CouponApplyIn(CouponsOnOrderIn):
    """``/coupons/apply``'s body: seed 004's error table answers first, each row verbatim."""

    @model_validator(mode="before")
    @classmethod
    def _seed_errors(cls, data: Any) -> Any:
        """The seed's own answers for a missing customer, coupon or mandatory field (the first one, by its
        own name: ``selling_price is required``; an explicit null counts as missing), before any other check."""
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
        order = data.get("order")
        if order is None:
            raise MissingOrderField("order")
        _require(order, _MANDATORY_ORDER_FIELDS)
        if isinstance(order, dict) and isinstance(order.get("items"), list):
            for item in order["items"]:
                _require(item, _MANDATORY_ITEM_FIELDS)
        return data


def _require(data: Any, fields: tuple[str, ...]) -> None:
    if not isinstance(data, dict):
        return  # the type error is pydantic's to report, with its path
    for name in fields:
        if data.get(name) is None:
            raise MissingOrderField(name)


def apply_type_of(value: str | None) -> ApplyType:
    """``?type=`` is declared as text, so that a missing or wrong value gets seed 004's own answer."""
    if value == "redeem":
        return "redeem"
    if value == "revert":
        return "revert"
    raise InvalidQueryParam


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

    @classmethod
    def from_applied(cls, applied: Sequence[AppliedCoupon]) -> ApplyResponse | SeveralAppliedResponse:
        """The first coupon's fields; with several coupons on the order, each one listed too."""
        first = applied[0]
        seed_fields = {
            "status": first.status,
            "couponId": first.coupon_id,
            "orderId": first.order_id,
            "request_id": first.request_id,
            "coupon_code": first.coupon_code,
        }
        if len(applied) == 1:
            return cls.model_validate(seed_fields)
        coupons_applied = [
            AppliedCouponOut(status=a.status, couponId=a.coupon_id, coupon_code=a.coupon_code, request_id=a.request_id)
            for a in applied
        ]
        return SeveralAppliedResponse.model_validate({**seed_fields, "coupons": coupons_applied})


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
