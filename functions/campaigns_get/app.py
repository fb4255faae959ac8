"""GET /campaigns/{campaign_id}."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import CampaignIdPath
from shared.api.schemas.campaigns import CampaignResponse
from shared.domain import campaigns

router = new_router()


@router.get(
    "/campaigns/<campaign_id>",
    summary="Get a campaign",
    description=("One campaign with its rules. Another application's campaign is a 404."),
    operation_id="getCampaign",
    tags=["Campaigns"],
)
def get_campaign(campaign_id: CampaignIdPath) -> CampaignResponse:
    return CampaignResponse.from_spec(campaigns.get_campaign(tenant_id(router), campaign_id))


lambda_handler = http_handler(router)
