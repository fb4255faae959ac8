"""POST /webhooks: register a webhook; its signing secret is shown in this response only."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.domain import webhooks
from shared.models.webhooks import WebhookCreate, WebhookCreated

router = new_router()


@router.post(
    "/webhooks",
    summary="Register a webhook",
    operation_id="createWebhook",
    tags=["Webhooks"],
    responses={201: {"description": "Created; `secret` is shown only here"}},
    middlewares=[idempotent],
)
def create_webhook(body: WebhookCreate, idempotency_key: IdempotencyKeyHeader = None) -> Response[WebhookCreated]:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    webhook = webhooks.register(tenant_id(router), body.url, body.events, body.description)
    return Response(201, content_types.APPLICATION_JSON, WebhookCreated.from_new(webhook))


lambda_handler = http_handler(router)
