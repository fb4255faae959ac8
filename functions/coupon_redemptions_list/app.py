"""GET /coupons/{coupon_id}/redemptions: a coupon's redemptions, newest first, paginated."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, CouponIdPath, PageCursor, PageLimit
from shared.api.schemas.common import ListResponse
from shared.api.schemas.coupon_apply import RedemptionOut
from shared.domain import coupons

router = new_router()


@router.get(
    "/coupons/<coupon_id>/redemptions",
    summary="List a coupon's redemptions",
    description=(
        "A coupon's redemptions, newest first, paginated: order, customer, discount, status (completed or "
        "reverted) and the metadata kept."
    ),
    operation_id="listCouponRedemptions",
    tags=["Coupons"],
)
def list_redemptions(
    coupon_id: CouponIdPath, limit: PageLimit = DEFAULT_PAGE_LIMIT, cursor: PageCursor = None
) -> ListResponse[RedemptionOut]:
    return fitted(
        ListResponse[RedemptionOut],
        limit,
        lambda size: coupons.list_redemptions(tenant_id(router), coupon_id, size, cursor),
        RedemptionOut.model_validate,
    )


lambda_handler = http_handler(router)
