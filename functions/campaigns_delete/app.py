"""DELETE /campaigns/{campaign_id}: archives (progress and ledger are kept)."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import CampaignIdPath
from shared.api.schemas.campaigns import CampaignResponse
from shared.domain import campaigns

router = new_router()


@router.delete(
    "/campaigns/<campaign_id>",
    summary="Archive a campaign",
    description=(
        "Archives the campaign: its rules stop counting events; progress already made stays readable. "
        "Archiving twice answers the archived campaign."
    ),
    operation_id="archiveCampaign",
    tags=["Campaigns"],
)
def archive_campaign(campaign_id: CampaignIdPath) -> CampaignResponse:
    return CampaignResponse.from_spec(campaigns.archive_campaign(tenant_id(router), campaign_id))


lambda_handler = http_handler(router)
