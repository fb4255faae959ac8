"""GET /webhooks/{webhook_id}: one webhook (its secret is never shown again)."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import WebhookIdPath
from shared.api.schemas.webhooks import WebhookResponse
from shared.domain import webhooks

router = new_router()


@router.get(
    "/webhooks/<webhook_id>",
    summary="Get a webhook",
    description=(
        "One webhook: its URL, event types and description (never its secret). Another application's webhook is a 404."
    ),
    operation_id="getWebhook",
    tags=["Webhooks"],
)
def get_webhook(webhook_id: WebhookIdPath) -> WebhookResponse:
    return WebhookResponse.from_record(webhooks.get(tenant_id(router), webhook_id))


lambda_handler = http_handler(router)
