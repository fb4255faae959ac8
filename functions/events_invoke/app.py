"""POST /events/invoke: Rehook's event ingestion, the same ingestion and answer as POST /events."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.events import EventInvoke, EventResponse
from shared.domain import events
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/events/invoke",
    summary="Ingest a customer event (Rehook's track)",
    description=(
        "Rehook's track: the same ingestion and answer as POST /events, with `metadata` as the event's "
        "properties (nested values are kept but rules read top-level values only). The same Idempotency-Key "
        "is counted once."
    ),
    operation_id="invokeEvent",
    tags=["Compatibility"],
    middlewares=[idempotent],
)
def invoke_event(body: EventInvoke, idempotency_key: IdempotencyKeyHeader = None) -> EventResponse:
    outcome = events.ingest_event(tenant_id(router), body.to_event().command(), delivery_id=idempotency_key)
    if outcome.grants:
        metrics.add_metric(name="RewardsGranted", unit=MetricUnit.Count, value=len(outcome.grants))
    return EventResponse.from_outcome(outcome)


lambda_handler = http_handler(router)
