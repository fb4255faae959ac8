"""GET /api_gateway/rewards/core/v1/user/reward/brand/{brandName}: a brand's rewards as a user sees them
(Capillary-compatible)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fit
from shared.api.params import (
    DEFAULT_PAGE_LIMIT,
    BrandNamePath,
    CapillaryFirstPage,
    CapillaryPageSize,
    PageCursor,
    QueryBoolean,
)
from shared.api.schemas.capillary import CapillaryReward, CapillaryRewardListResponse
from shared.api.schemas.common import SourceId
from shared.domain import capillary
from shared.domain.reward_settings import Language

router = new_router()


@router.get(
    "/api_gateway/rewards/core/v1/user/reward/brand/<brandName>",
    summary="List a brand's rewards for a user (Capillary-compatible)",
    description=(
        "Capillary's get-rewards-for-user: the brand's enabled rewards in `rewardList`, each in seed 003's "
        "reward shape (texts in `language`, `started`/`expired` from its window and, with `userId`, "
        "`rewardRestrictions.isValid` for that member), in reward id order; expired ones only with "
        "`includeExpired=true`. Paginated with `size` and `cursor` (`pagingDto.nextCursor`). A brand with no "
        "enabled reward answers code 6004."
    ),
    operation_id="listBrandRewards",
    tags=["Compatibility"],
    responses={
        200: {"description": "The brand's rewards, in Capillary's envelope"},
        404: {
            "description": "Capillary's 6004: no enabled reward of this brand",
            "content": {"application/json": {"model": CapillaryRewardListResponse}},
        },
    },
)
def list_brand_rewards(
    brandName: BrandNamePath,
    userId: Annotated[SourceId | None, Query(description="source_id: isValid says whether they may redeem")] = None,
    language: Annotated[Language | None, Query(description="en, ja, fr…: texts in it, else the default")] = None,
    includeExpired: Annotated[QueryBoolean, Query(description="List the rewards whose window ended too")] = False,
    size: CapillaryPageSize = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
    page: CapillaryFirstPage = None,
) -> Response[CapillaryRewardListResponse]:
    del page  # checked to be the first page's number: nothing else to do with it
    app_id = tenant_id(router)
    try:
        found, next_cursor = fit(
            size,
            lambda n: capillary.brand_rewards(
                app_id, brandName, userId, language, include_expired=includeExpired, limit=n, cursor=cursor
            ),
            CapillaryReward.from_brand_reward,
        )
    except capillary.UnknownBrand:
        return Response(404, content_types.APPLICATION_JSON, CapillaryRewardListResponse.unknown_brand())
    return Response(
        200, content_types.APPLICATION_JSON, CapillaryRewardListResponse.page(found, cursor, size, next_cursor)
    )


lambda_handler = http_handler(router)
