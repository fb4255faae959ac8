"""POST /campaigns: create a campaign with its rules (ids assigned by the engine)."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.campaigns import CampaignCreate, CampaignResponse
from shared.domain import campaigns

router = new_router()


@router.post(
    "/campaigns",
    summary="Create a campaign",
    description=(
        "Creates a campaign with its rules (SPEC §10 payload); ids are filled in. Rules are immutable "
        "afterwards. Limits: up to 20 rules, 10 actions per rule, 10 conditions per action; the active rules "
        "listening to one event name are capped (400 beyond). Idempotency-Key makes a retry return the first "
        "answer."
    ),
    operation_id="createCampaign",
    tags=["Campaigns"],
    responses={201: {"description": "Created"}},
    middlewares=[idempotent],
)
def create_campaign(body: CampaignCreate, idempotency_key: IdempotencyKeyHeader = None) -> Response[CampaignResponse]:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    campaign = campaigns.create_campaign(tenant_id(router), body.command())
    return Response(201, content_types.APPLICATION_JSON, CampaignResponse.from_spec(campaign))


lambda_handler = http_handler(router)
