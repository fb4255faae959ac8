"""GET /customers/{source_id}/transactions: the points ledger, newest first."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit, SourceIdPath
from shared.api.schemas.common import ListResponse
from shared.api.schemas.points import TransactionResponse
from shared.domain.points import ledger
from shared.entities.points import Reason

router = new_router()
ReasonFilter = Annotated[Reason | None, Query(description="Only the entries of this reason")]


@router.get(
    "/customers/<source_id>/transactions",
    summary="A customer's points ledger",
    description=(
        "The customer's points ledger, newest first, paginated. Each entry says why the points moved and the "
        "balance after it; the balance always equals the ledger's sum. `reason` lists only the entries of one "
        "reason (its pages continue with the same `reason`)."
    ),
    operation_id="listCustomerTransactions",
    tags=["Customers"],
)
def list_transactions(
    source_id: SourceIdPath,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
    reason: ReasonFilter = None,
) -> ListResponse[TransactionResponse]:
    return fitted(
        ListResponse[TransactionResponse],
        limit,
        lambda size: ledger.list_transactions(tenant_id(router), source_id, size, cursor, reason),
        TransactionResponse.from_entry,
    )


lambda_handler = http_handler(router)
