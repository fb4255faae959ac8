"""POST /events: ingest one customer event; answers what progress changed and which rewards were granted."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.events import EventIn, EventResponse
from shared.domain import events
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/events",
    summary="Ingest a customer event",
    description=(
        "Ingests one customer event: advances every matching active rule, grants each completed rule's reward"
        " exactly once, credits the active earning rules on the event's name once (ledger reason event_earning),"
        " and answers what changed. An unknown source_id creates the customer. A timestamp more"
        " than 5 minutes in the future is a 400. The same Idempotency-Key is counted once."
    ),
    operation_id="ingestEvent",
    tags=["Events"],
    middlewares=[idempotent],
)
def ingest_event(body: EventIn, idempotency_key: IdempotencyKeyHeader = None) -> EventResponse:
    outcome = events.ingest_event(tenant_id(router), body.command(), delivery_id=idempotency_key)
    if outcome.grants:
        metrics.add_metric(name="RewardsGranted", unit=MetricUnit.Count, value=len(outcome.grants))
    return EventResponse.from_outcome(outcome)


lambda_handler = http_handler(router)
