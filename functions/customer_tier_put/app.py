"""PUT /customers/{source_id}/tier: a manual tier floor until a date."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.schemas.common import SourceId
from shared.api.schemas.tiers import TierOverrideIn, TierStatus
from shared.domain import tier_members

router = new_router()


@router.put(
    "/customers/<source_id>/tier",
    summary="Override a member's tier until a date",
    description="A floor: the member shows at least this tier until `until` (never longer), marked as an "
    "override; the tier it earns keeps being computed beneath it. Replaces an earlier override.",
    operation_id="setCustomerTierOverride",
    tags=["Customers"],
)
def set_tier_override(source_id: Annotated[SourceId, Path()], body: TierOverrideIn) -> TierStatus:
    view = tier_members.set_override(tenant_id(router), source_id, body.name, body.until_ms(), body.reason)
    return TierStatus.from_view(view)


lambda_handler = http_handler(router)
