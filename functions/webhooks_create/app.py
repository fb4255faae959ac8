"""POST /webhooks: register a webhook; its signing secret is shown in this response only."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.webhooks import WebhookCreate, WebhookCreated
from shared.domain import webhooks

router = new_router()


@router.post(
    "/webhooks",
    summary="Register a webhook",
    description=(
        'Registers a URL for the application\'s domain events (`events`: ["*"] or a list of types). Answers '
        "201 with a `whk_` id and the signing `secret`, shown only in this answer. The URL must be https and "
        "resolve only to public addresses (checked again at every delivery); at most 20 webhooks per "
        "application."
    ),
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
