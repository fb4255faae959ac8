"""PUT /customers/{source_id}: create or update a customer profile."""

from aws_lambda_powertools.event_handler import Response

from shared.api.context import tenant_id
from shared.api.customers import upserted
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader, SourceIdPath
from shared.api.schemas.customers import CustomerResponse, CustomerUpsert
from shared.domain import customers

router = new_router()


@router.put(
    "/customers/<source_id>",
    summary="Create or update a customer",
    description=(
        "Creates (201) or updates (200) a profile: given fields replace, absent fields stay, `null` removes. "
        "`referred_by` or `referral_code` link a referrer once. Idempotency-Key makes a retry return the "
        "first answer."
    ),
    operation_id="upsertCustomer",
    tags=["Customers"],
    responses={200: {"description": "Updated"}, 201: {"description": "Created"}},
    middlewares=[idempotent],
)
def upsert_customer(
    source_id: SourceIdPath, body: CustomerUpsert, idempotency_key: IdempotencyKeyHeader = None
) -> Response[CustomerResponse]:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    return upserted(customers.upsert_customer(tenant_id(router), source_id, body.command()))


lambda_handler = http_handler(router)
