"""GET /settings/tiers: the application's tier program."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.schemas.tiers import TierProgramResponse
from shared.domain import tier_program

router = new_router()


@router.get(
    "/settings/tiers",
    summary="The tier program",
    description="The tiers, their thresholds and multipliers, the qualifying window and the downgrade rules. "
    "404 until it is set.",
    operation_id="getTierProgram",
    tags=["Settings"],
)
def get_tier_program() -> TierProgramResponse:
    return TierProgramResponse.from_program(tier_program.program(tenant_id(router)))


lambda_handler = http_handler(router)
