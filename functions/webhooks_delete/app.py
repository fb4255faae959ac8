"""DELETE /webhooks/{webhook_id}: stop sending; deliveries still queued are dropped."""

from aws_lambda_powertools.event_handler import Response

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import WebhookIdPath
from shared.domain import webhooks

router = new_router()


@router.delete(
    "/webhooks/<webhook_id>",
    summary="Delete a webhook",
    description="Deletes the webhook: nothing more is delivered to it, and pending retries stop. Answers 204.",
    operation_id="deleteWebhook",
    tags=["Webhooks"],
    responses={204: {"description": "Deleted", "content": {}}},
)
def delete_webhook(webhook_id: WebhookIdPath) -> Response[None]:
    webhooks.delete(tenant_id(router), webhook_id)
    return Response(204)


lambda_handler = http_handler(router)
