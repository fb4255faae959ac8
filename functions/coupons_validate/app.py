"""POST /coupons/validate: whether the order's coupons apply, their discount, and every gap. Nothing is consumed."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.schemas.coupon_apply import CouponsOnOrderIn, ValidationResponse
from shared.domain import coupon_apply

router = new_router()


@router.post(
    "/coupons/validate",
    summary="Check coupons against an order, with the gap to each failed condition",
    description=(
        "Checks coupons against an order (seed 004's body) without consuming anything: whether each applies, "
        "the discount it would give (on the matching items only for item-level coupons, percent capped, never"
        " above the subtotal), and for every failed condition what was required, what the order has and the "
        "gap."
    ),
    operation_id="validateCoupons",
    tags=["Coupons"],
)
def validate_coupons(body: CouponsOnOrderIn) -> ValidationResponse:
    return ValidationResponse.from_outcome(coupon_apply.validate_coupons(tenant_id(router), body.to_command()))


lambda_handler = http_handler(router)
