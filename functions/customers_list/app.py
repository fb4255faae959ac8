"""GET /customers: the application's customers in source_id order, paginated, searchable by prefix."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit
from shared.api.schemas.common import ListResponse, SourceId
from shared.api.schemas.customers import CustomerResponse
from shared.domain import tier_members

router = new_router()


@router.get(
    "/customers",
    summary="List customers",
    description=(
        "The application's customers in `source_id` order, each as `GET /customers/{source_id}` answers it; "
        "`q` keeps those whose source_id starts with it. Paginated with `limit` (1 to 100) and `cursor` "
        "(`next_cursor` of the previous page, with the same `q`)."
    ),
    operation_id="listCustomers",
    tags=["Customers"],
)
def list_customers(
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
    q: Annotated[SourceId | None, Query(description="A prefix of the source_id (1 to 128 characters)")] = None,
) -> ListResponse[CustomerResponse]:
    return fitted(
        ListResponse[CustomerResponse],
        limit,
        lambda size: tier_members.customers_with_tiers(tenant_id(router), size, cursor, q),
        lambda listed: CustomerResponse.from_record(*listed),
    )


lambda_handler = http_handler(router)
