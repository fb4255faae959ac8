"""GET /customers/{source_id}/rewards/redemptions: a customer's redemptions, newest first."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit, SourceIdPath
from shared.api.schemas.common import ListResponse
from shared.api.schemas.redemptions import RedemptionResponse
from shared.domain import redemption_history

router = new_router()


@router.get(
    "/customers/<source_id>/rewards/redemptions",
    summary="A customer's redemptions",
    description=(
        "The customer's reward redemptions, newest first, paginated: reward, points, what was issued and the status."
    ),
    operation_id="listRedemptions",
    tags=["Rewards"],
)
def list_redemptions(
    source_id: SourceIdPath, limit: PageLimit = DEFAULT_PAGE_LIMIT, cursor: PageCursor = None
) -> ListResponse[RedemptionResponse]:
    return fitted(
        ListResponse[RedemptionResponse],
        limit,
        lambda size: redemption_history.list_redemptions(tenant_id(router), source_id, size, cursor),
        RedemptionResponse.from_record,
    )


lambda_handler = http_handler(router)
