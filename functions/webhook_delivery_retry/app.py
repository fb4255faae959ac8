"""POST /webhooks/{webhook_id}/deliveries/{delivery_id}/retry: send a delivery again now."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import DeliveryIdPath, IdempotencyKeyHeader, WebhookIdPath
from shared.api.schemas.webhooks import DeliveryResponse
from shared.domain import webhooks

router = new_router()


@router.post(
    "/webhooks/<webhook_id>/deliveries/<delivery_id>/retry",
    summary="Retry a webhook delivery",
    description=(
        "Sends a delivery again now (a failed one included), signed afresh with the same event id. A delivery"
        " being attempted is not attempted twice at once."
    ),
    operation_id="retryWebhookDelivery",
    tags=["Webhooks"],
    responses={202: {"description": "Queued for an attempt now"}},
    middlewares=[idempotent],
)
def retry_delivery(
    webhook_id: WebhookIdPath, delivery_id: DeliveryIdPath, idempotency_key: IdempotencyKeyHeader = None
) -> Response[DeliveryResponse]:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    delivery = webhooks.retry(tenant_id(router), webhook_id, delivery_id)
    return Response(202, content_types.APPLICATION_JSON, DeliveryResponse.from_record(delivery))


lambda_handler = http_handler(router)
