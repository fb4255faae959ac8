"""GET /settings/points: the application's points policy (expiry, pending days, return policy)."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.schemas.points import PointsPolicyResponse
from shared.domain.points import ledger

router = new_router()


@router.get(
    "/settings/points",
    summary="The points policy",
    description=(
        "The application's points policy: days until credited points expire (null: never), days until they can "
        "be spent, what a reversal takes when the credit's own points are gone, and the time zone the earning "
        "rules' per-customer periods are counted in. Until it is set, points "
        "activate at once and never expire (`updated_at` null)."
    ),
    operation_id="getPointsPolicy",
    tags=["Settings"],
)
def get_points_policy() -> PointsPolicyResponse:
    return PointsPolicyResponse.from_record(ledger.policy(tenant_id(router)))


lambda_handler = http_handler(router)
