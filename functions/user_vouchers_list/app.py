"""GET /api_gateway/rewards/core/v1/user/vouchers/brand/{brandName}: the vouchers a user got from a brand's
rewards (Capillary-compatible)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fit
from shared.api.params import DEFAULT_PAGE_LIMIT, BrandNamePath, CapillaryFirstPage, CapillaryPageSize, PageCursor
from shared.api.schemas.capillary import CapillaryVouchersResponse, UserVouchers, user_of
from shared.api.schemas.common import Label, SourceId
from shared.domain import capillary
from shared.domain.reward_settings import Language
from shared.errors import CustomerNotFound

router = new_router()


@router.get(
    "/api_gateway/rewards/core/v1/user/vouchers/brand/<brandName>",
    summary="List a user's vouchers of a brand (Capillary-compatible)",
    description=(
        "Capillary's get-user-rewards: what the user got by redeeming the brand's rewards (completed "
        "redemptions), newest first, grouped by reward in `userVouchers`: each reward's details and its "
        "vouchers (the coupon code issued, its expiry and uses). The user is `userId` or `externalId` (their "
        "source_id); `username` is Capillary's till, required as Capillary requires it: the application "
        "stands for the till. Paginated with `size` (vouchers) and `cursor` (`pagingDto.nextCursor`); a "
        "reward's vouchers may go on on the next page. An unknown user answers code 816."
    ),
    operation_id="listUserVouchers",
    tags=["Compatibility"],
    responses={
        200: {"description": "The user's vouchers, in Capillary's envelope"},
        404: {
            "description": "Capillary's 816: no such customer",
            "content": {"application/json": {"model": CapillaryVouchersResponse}},
        },
    },
)
def list_user_vouchers(
    brandName: BrandNamePath,
    username: Annotated[Label, Query(description="Capillary's till (store) username")],
    userId: Annotated[SourceId | None, Query(description="The user's source_id")] = None,
    externalId: Annotated[SourceId | None, Query(description="The user's source_id, by Capillary's name")] = None,
    language: Annotated[Language | None, Query(description="en, ja, fr…: texts in it, else the default")] = None,
    size: CapillaryPageSize = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
    page: CapillaryFirstPage = None,
) -> Response[CapillaryVouchersResponse]:
    del username, page  # validated as Capillary requires them; the tenant is the till, the cursor the page
    app_id, source_id = tenant_id(router), user_of(userId, externalId)
    try:
        found, next_cursor = fit(
            size,
            lambda n: capillary.user_vouchers(app_id, brandName, source_id, language, limit=n, cursor=cursor),
            UserVouchers.of_one,
        )
    except CustomerNotFound:
        return Response(404, content_types.APPLICATION_JSON, CapillaryVouchersResponse.unknown_user())
    return Response(
        200, content_types.APPLICATION_JSON, CapillaryVouchersResponse.page(found, cursor, size, next_cursor)
    )


lambda_handler = http_handler(router)
