"""POST /customers: Rehook's identify, create or update a customer from its metadata."""

from aws_lambda_powertools.event_handler import Response

from shared.api.context import tenant_id
from shared.api.customers import upserted
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.customers import CustomerIdentify, CustomerResponse
from shared.domain import customers

router = new_router()


@router.post(
    "/customers",
    summary="Create or update a customer (Rehook's identify)",
    description=(
        "Rehook's identify, as its Segment destination sends it: creates (201) or updates (200) the customer."
        " Profile fields found in `metadata` (name, email, phone, tags, tier, brand, enrolled_at) go to the "
        "profile, every other key into the custom attributes; `referral_code` links the referrer once."
    ),
    operation_id="identifyCustomer",
    tags=["Compatibility"],
    responses={200: {"description": "Updated"}, 201: {"description": "Created"}},
    middlewares=[idempotent],
)
def identify_customer(
    body: CustomerIdentify, idempotency_key: IdempotencyKeyHeader = None
) -> Response[CustomerResponse]:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    profile, attributes = body.profile_changes()
    return upserted(customers.upsert_customer(tenant_id(router), body.source_id, profile.command(), attributes))


lambda_handler = http_handler(router)
