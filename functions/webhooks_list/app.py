"""GET /webhooks: the application's webhooks (secrets never shown)."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit
from shared.domain import webhooks
from shared.models.common import ListResponse
from shared.models.webhooks import WebhookResponse

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
    found, next_cursor = webhooks.list_webhooks(tenant_id(router), limit, cursor)
    return ListResponse[WebhookResponse](
        data=[WebhookResponse.from_record(w) for w in found], has_more=next_cursor is not None, next_cursor=next_cursor
    )


lambda_handler = http_handler(router)
