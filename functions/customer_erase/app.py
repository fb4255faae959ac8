"""POST /customers/{source_id}/erase: remove a customer's personal data, keep its points under a pseudonym."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import SourceIdPath
from shared.api.schemas.erasure import ErasureResponse
from shared.domain import erasure
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/customers/<source_id>/erase",
    summary="Erase a customer's personal data",
    description=(
        "Removes the profile's personal fields, attributes and referral links, purges the bodies of the webhook "
        "deliveries that name the customer and announces `customer.erased`. Points and ledger stay (the "
        "application's totals do not move) under the answer's pseudonym. Idempotent: a repeat answers the same "
        "and changes nothing. An unknown source_id answers 404."
    ),
    operation_id="eraseCustomer",
    tags=["Customers"],
)
def erase_customer(source_id: SourceIdPath) -> ErasureResponse:
    erased = erasure.erase_customer(tenant_id(router), source_id)
    metrics.add_metric(name="CustomerErased", unit=MetricUnit.Count, value=1)
    return ErasureResponse.from_erasure(erased)


lambda_handler = http_handler(router)
