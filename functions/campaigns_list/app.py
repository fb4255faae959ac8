"""GET /campaigns: the application's campaigns, paginated."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit
from shared.api.schemas.campaigns import CampaignResponse
from shared.api.schemas.common import ListResponse
from shared.domain import campaigns

router = new_router()


@router.get(
    "/campaigns",
    summary="List campaigns",
    description=(
        "The application's campaigns, paginated with `limit` (1 to 100) and `cursor` (`next_cursor` of the "
        "previous page)."
    ),
    operation_id="listCampaigns",
    tags=["Campaigns"],
)
def list_campaigns(limit: PageLimit = DEFAULT_PAGE_LIMIT, cursor: PageCursor = None) -> ListResponse[CampaignResponse]:
    return fitted(
        ListResponse[CampaignResponse],
        limit,
        lambda size: campaigns.list_campaigns(tenant_id(router), size, cursor),
        CampaignResponse.from_spec,
    )


lambda_handler = http_handler(router)
