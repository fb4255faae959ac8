"""POST /customers: Rehook's identify, create or update a customer from its metadata."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.domain import customers
from shared.models.customers import CustomerIdentify, CustomerResponse
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/customers",
    summary="Create or update a customer (Rehook's identify)",
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
    result = customers.upsert_customer(tenant_id(router), body.source_id, profile, attributes)
    if result.created:
        metrics.add_metric(name="CustomerCreated", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=201 if result.created else 200,
        content_type=content_types.APPLICATION_JSON,
        body=CustomerResponse.from_record(result.customer),
    )


lambda_handler = http_handler(router)
