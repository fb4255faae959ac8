"""POST /customers/{source_id}/transactions/{txn_id}/reverse: take back a credit, all or part, once."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader, SourceIdPath, TxnIdPath
from shared.api.schemas.points import ReversalIn, TransactionResponse
from shared.domain.points import ledger
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/customers/<source_id>/transactions/<txn_id>/reverse",
    summary="Reverse a credit",
    description=(
        "Takes back a credit (an order returned): `points` of it, or all that is left without them (or without "
        "a body). First from the credit's own lot, then from the balance by the return policy (within_balance "
        "records a shortfall, allow_negative lets the balance go below zero). More than is left is a 400; a "
        "debit or a credit reversed in full is a 409. Idempotency-Key makes a retry return the first answer."
    ),
    operation_id="reverseTransaction",
    tags=["Customers"],
    responses={201: {"description": "Reversed"}},
    middlewares=[idempotent],
)
def reverse_transaction(
    source_id: SourceIdPath,
    txn_id: TxnIdPath,
    body: ReversalIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response[TransactionResponse]:
    entry = ledger.reverse(tenant_id(router), source_id, txn_id, body.points, idempotency_key)
    metrics.add_metric(name="PointsReversed", unit=MetricUnit.Count, value=1)
    return Response(201, content_types.APPLICATION_JSON, TransactionResponse.from_entry(entry))


lambda_handler = http_handler(router)
