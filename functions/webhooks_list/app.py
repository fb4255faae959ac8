"""GET /webhooks: the application's webhooks (secrets never shown)."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit
from shared.api.schemas.common import ListResponse
from shared.api.schemas.webhooks import WebhookResponse
from shared.domain import webhooks

router = new_router()


@router.get(
    "/webhooks",
    summary="List webhooks",
    description=(
        "The application's webhooks, paginated with `limit` and `cursor` (the secrets are never shown again)."
    ),
    operation_id="listWebhooks",
    tags=["Webhooks"],
)
def list_webhooks(limit: PageLimit = DEFAULT_PAGE_LIMIT, cursor: PageCursor = None) -> ListResponse[WebhookResponse]:
    return fitted(
        ListResponse[WebhookResponse],
        limit,
        lambda size: webhooks.list_webhooks(tenant_id(router), size, cursor),
        WebhookResponse.from_record,
    )


lambda_handler = http_handler(router)
