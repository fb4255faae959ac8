"""GET /coupons: the application's coupons with their counts, paginated, optionally of one status."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit
from shared.api.schemas.common import ListResponse
from shared.api.schemas.coupons import CouponResponse
from shared.domain import coupons
from shared.entities.coupons import CouponStatus

router = new_router()


@router.get(
    "/coupons",
    summary="List coupons",
    description=(
        "The application's coupons, paginated with `limit` and `cursor`, optionally only those of one "
        "`status`. Each carries its usage and pool counts (total, issued, redeemed, available); the codes "
        "themselves are never listed."
    ),
    operation_id="listCoupons",
    tags=["Coupons"],
)
def list_coupons(
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
    status: Annotated[CouponStatus | None, Query(description="Only coupons of this status")] = None,
) -> ListResponse[CouponResponse]:
    return fitted(
        ListResponse[CouponResponse],
        limit,
        lambda size: coupons.list_coupons(tenant_id(router), size, cursor, status),
        CouponResponse.from_record,
    )


lambda_handler = http_handler(router)
