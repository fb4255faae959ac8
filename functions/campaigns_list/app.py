"""GET /campaigns: the application's campaigns, paginated."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit
from shared.domain import campaigns
from shared.models.campaigns import CampaignResponse
from shared.models.common import ListResponse

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
    found, next_cursor = campaigns.list_campaigns(tenant_id(router), limit, cursor)
    return ListResponse[CampaignResponse](
        data=[CampaignResponse.from_spec(c) for c in found],
        has_more=next_cursor is not None,
        next_cursor=next_cursor,
    )


lambda_handler = http_handler(router)
