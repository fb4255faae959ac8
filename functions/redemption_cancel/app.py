"""POST /customers/{source_id}/rewards/redemptions/{redemption_id}/cancel: points, stock and code back, once."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader, RedemptionIdPath, SourceIdPath
from shared.api.schemas.redemptions import RedemptionResponse
from shared.domain import redemptions
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/customers/<source_id>/rewards/redemptions/<redemption_id>/cancel",
    summary="Cancel a redemption",
    description=(
        "Cancels a redemption once: the points come back as a credit naming it, the stock returns and the "
        "issued code is voided. A code already used in an order makes it a 409 (until that order is "
        "reverted)."
    ),
    operation_id="cancelRedemption",
    tags=["Rewards"],
    middlewares=[idempotent],
)
def cancel_redemption(
    source_id: SourceIdPath, redemption_id: RedemptionIdPath, idempotency_key: IdempotencyKeyHeader = None
) -> RedemptionResponse:
    record = redemptions.cancel(tenant_id(router), source_id, redemption_id, request_key=idempotency_key)
    metrics.add_metric(name="RedemptionCancelled", unit=MetricUnit.Count, value=1)
    return RedemptionResponse.from_record(record)


lambda_handler = http_handler(router)
