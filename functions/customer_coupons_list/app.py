"""GET /customers/{source_id}/coupons: the coupons a customer holds or has used, and their state."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit, SourceIdPath
from shared.api.schemas.common import ListResponse
from shared.api.schemas.coupons import CustomerCouponOut
from shared.domain import coupons

router = new_router()


@router.get(
    "/customers/<source_id>/coupons",
    summary="List a customer's coupons (available, redeemed, expired)",
    description=(
        "The coupons given to a customer (by campaign rules or reward redemptions) and their state: "
        "available, redeemed, expired, voided or disabled."
    ),
    operation_id="listCustomerCoupons",
    tags=["Customers"],
)
def list_customer_coupons(
    source_id: SourceIdPath, limit: PageLimit = DEFAULT_PAGE_LIMIT, cursor: PageCursor = None
) -> ListResponse[CustomerCouponOut]:
    return fitted(
        ListResponse[CustomerCouponOut],
        limit,
        lambda size: coupons.list_customer_coupons(tenant_id(router), source_id, size, cursor),
        CustomerCouponOut.from_held,
    )


lambda_handler = http_handler(router)
