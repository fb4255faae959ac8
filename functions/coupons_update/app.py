"""PATCH /coupons/{coupon_id}: name, status, dates and limits (a limit never below the uses consumed)."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import CouponIdPath
from shared.api.schemas.coupons import CouponPatch, CouponResponse
from shared.domain import coupons

router = new_router()


@router.patch(
    "/coupons/<coupon_id>",
    summary="Change a coupon's name, status, dates or limits",
    description=(
        "Changes the status (active or disabled), dates or limits of a coupon. A limit below the uses already"
        " consumed is a 409."
    ),
    operation_id="updateCoupon",
    tags=["Coupons"],
)
def update_coupon(coupon_id: CouponIdPath, body: CouponPatch) -> CouponResponse:
    return CouponResponse.from_record(coupons.update_coupon(tenant_id(router), coupon_id, body.to_changes()))


lambda_handler = http_handler(router)
