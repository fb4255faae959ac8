"""GET /coupons/{coupon_id}: a coupon with its counts (a pool's codes are never listed)."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import CouponIdPath
from shared.api.schemas.coupons import CouponResponse
from shared.domain import coupons

router = new_router()


@router.get(
    "/coupons/<coupon_id>",
    summary="Get a coupon",
    description=(
        "One coupon with its usage and pool counts (the pool's codes are never listed). Another application's"
        " coupon is a 404."
    ),
    operation_id="getCoupon",
    tags=["Coupons"],
)
def get_coupon(coupon_id: CouponIdPath) -> CouponResponse:
    return CouponResponse.from_record(coupons.get_coupon(tenant_id(router), coupon_id))


lambda_handler = http_handler(router)
