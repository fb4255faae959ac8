"""POST /events: ingest one customer event; answers what progress changed and which rewards were granted."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.domain import events
from shared.models.events import EventIn, EventResponse
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post("/events", summary="Ingest a customer event", middlewares=[idempotent])
def ingest_event(body: EventIn, idempotency_key: IdempotencyKeyHeader = None) -> EventResponse:
    outcome = events.ingest_event(tenant_id(router), body, delivery_id=idempotency_key)
    if outcome.grants:
        metrics.add_metric(name="RewardsGranted", unit=MetricUnit.Count, value=len(outcome.grants))
    return EventResponse.from_outcome(outcome)


lambda_handler = http_handler(router)
