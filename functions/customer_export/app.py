"""GET /customers/{source_id}/export: everything the engine holds about one customer."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import PageCursor, SourceIdPath
from shared.api.schemas.erasure import CustomerExportResponse
from shared.domain import erasure
from shared.domain.erasure import Section

router = new_router()
SectionQuery = Annotated[Section | None, Query(description="Only this section, from `cursor` (its next_cursor)")]


@router.get(
    "/customers/<source_id>/export",
    summary="Export a customer's data (subject access request)",
    description=(
        "The profile and, per section (progress, ledger, reward redemptions, coupons, referrals, webhook "
        "deliveries naming the customer), its first 100 items with a `next_cursor`; `section` with that cursor "
        "pages one section on. The webhook deliveries section reads at most 1,000 deliveries per answer, so it "
        "may be empty with a cursor while the logs are read on."
    ),
    operation_id="exportCustomer",
    tags=["Customers"],
)
def export_customer(
    source_id: SourceIdPath, section: SectionQuery = None, cursor: PageCursor = None
) -> CustomerExportResponse:
    return CustomerExportResponse.from_export(erasure.export_customer(tenant_id(router), source_id, section, cursor))


lambda_handler = http_handler(router)
