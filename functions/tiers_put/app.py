"""PUT /settings/tiers: replace the application's tier program; members are judged by it from now."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.tiers import TierProgramIn, TierProgramResponse
from shared.domain import tier_program

router = new_router()


@router.put(
    "/settings/tiers",
    summary="Set the tier program",
    description=(
        "Replaces the tier program. Each member is judged by it from now, at its next read or write (no job "
        "walks the members): a member keeps a held tier the new program still has (its grace rules apply "
        "from now), takes the tier its qualifying points reach when that is higher, and the lowest it "
        "qualifies for when its tier is gone."
    ),
    operation_id="setTierProgram",
    tags=["Settings"],
    middlewares=[idempotent],
)
def set_tier_program(body: TierProgramIn, idempotency_key: IdempotencyKeyHeader = None) -> TierProgramResponse:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    return TierProgramResponse.from_program(tier_program.set_program(tenant_id(router), *body.command()))


lambda_handler = http_handler(router)
