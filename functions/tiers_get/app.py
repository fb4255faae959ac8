"""GET /settings/tiers: the application's tier program and how many members hold each tier."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.schemas.tiers import TierProgramWithMembers
from shared.domain import tier_program

router = new_router()


@router.get(
    "/settings/tiers",
    summary="The tier program",
    description="The tiers, their thresholds and multipliers, the qualifying window and the downgrade rules, "
    'and the members holding each tier as stored (see README, "Tier distribution"). 404 until it is set.',
    operation_id="getTierProgram",
    tags=["Settings"],
)
def get_tier_program() -> TierProgramWithMembers:
    return TierProgramWithMembers.from_distribution(tier_program.distribution(tenant_id(router)))


lambda_handler = http_handler(router)
