"""POST /customers/{source_id}/transactions: customer service credits or debits a customer's points."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader, SourceIdPath
from shared.api.schemas.points import AdjustmentIn, TransactionResponse
from shared.domain.points import ledger
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/customers/<source_id>/transactions",
    summary="Adjust a customer's points",
    description=(
        "Customer service credits (positive `points`) or debits (negative) a customer's points, with a reason "
        "kept as the entry's description. A credit is a lot that follows the points policy (pending, expiry); "
        "a debit spends active lots first-expiring-first and is a 409 beyond the balance. A credit marked "
        "`qualifying` counts toward tiers (this month). Idempotency-Key makes a retry return the first answer."
    ),
    operation_id="adjustPoints",
    tags=["Customers"],
    responses={201: {"description": "Adjusted"}},
    middlewares=[idempotent],
)
def adjust_points(
    source_id: SourceIdPath, body: AdjustmentIn, idempotency_key: IdempotencyKeyHeader = None
) -> Response[TransactionResponse]:
    entry = ledger.adjust(
        tenant_id(router), source_id, body.points, body.description, idempotency_key, qualifying=body.qualifying
    )
    metrics.add_metric(name="PointsAdjusted", unit=MetricUnit.Count, value=1)
    return Response(201, content_types.APPLICATION_JSON, TransactionResponse.from_entry(entry))


lambda_handler = http_handler(router)
