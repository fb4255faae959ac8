"""PUT /settings/points: replace the application's points policy; it applies to credits made after it."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.points import PointsPolicyIn, PointsPolicyResponse
from shared.domain.points import ledger

router = new_router()


@router.put(
    "/settings/points",
    summary="Set the points policy",
    description=(
        "Replaces the points policy (an absent field takes its default). It applies to credits made from now "
        "on: points already credited keep the activation and expiry they were given. Times count from the "
        "event's time and round up to the end of a UTC day. pending_days must be less than expire_after_days. "
        "time_zone is where the earning rules' per-customer periods (day, week, month, year) begin and end."
    ),
    operation_id="setPointsPolicy",
    tags=["Settings"],
    middlewares=[idempotent],
)
def set_points_policy(body: PointsPolicyIn, idempotency_key: IdempotencyKeyHeader = None) -> PointsPolicyResponse:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    return PointsPolicyResponse.from_record(
        ledger.set_policy(
            tenant_id(router), body.expire_after_days, body.pending_days, body.return_policy, body.time_zone
        )
    )


lambda_handler = http_handler(router)
