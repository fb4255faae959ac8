"""PATCH /campaigns/{campaign_id}: name, status and dates (rules are immutable)."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import CampaignIdPath
from shared.api.schemas.campaigns import CampaignPatch, CampaignResponse
from shared.domain import campaigns

router = new_router()


@router.patch(
    "/campaigns/<campaign_id>",
    summary="Change a campaign's name, status or dates",
    description=(
        "Changes the name, status (active, paused, archived) or dates; rules cannot change. Dates must fall "
        "between 1970 and 9999 in UTC."
    ),
    operation_id="updateCampaign",
    tags=["Campaigns"],
)
def update_campaign(campaign_id: CampaignIdPath, body: CampaignPatch) -> CampaignResponse:
    return CampaignResponse.from_spec(campaigns.update_campaign(tenant_id(router), campaign_id, body.command()))


lambda_handler = http_handler(router)
