"""GET /webhooks/{webhook_id}/deliveries: recent deliveries, newest first, with their attempts."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit, WebhookIdPath
from shared.api.schemas.common import ListResponse
from shared.api.schemas.webhooks import DeliveryResponse
from shared.domain import webhooks

router = new_router()


@router.get(
    "/webhooks/<webhook_id>/deliveries",
    summary="List a webhook's deliveries",
    description=(
        "Recent deliveries to this webhook, newest first: event id and type, status (pending, succeeded, "
        "failed), attempts, the last status code or error and the next retry time. Non-2xx answers are "
        "retried with exponential backoff for about 26 hours, then marked failed."
    ),
    operation_id="listWebhookDeliveries",
    tags=["Webhooks"],
)
def list_deliveries(
    webhook_id: WebhookIdPath, limit: PageLimit = DEFAULT_PAGE_LIMIT, cursor: PageCursor = None
) -> ListResponse[DeliveryResponse]:
    return fitted(
        ListResponse[DeliveryResponse],
        limit,
        lambda size: webhooks.list_deliveries(tenant_id(router), webhook_id, size, cursor),
        DeliveryResponse.from_record,
    )


lambda_handler = http_handler(router)
