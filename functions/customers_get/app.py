"""GET /customers/{source_id}: a customer's profile and points."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.schemas.common import SourceId
from shared.api.schemas.customers import CustomerResponse
from shared.domain import tier_members

router = new_router()


@router.get(
    "/customers/<source_id>",
    summary="Get a customer with its points",
    description=(
        "The profile, the engine's `cust_` id, the referral code and the points. An unknown source_id answers"
        " the seed's 404 body. With a tier program, `tier` is the member's tier computed now from its qualifying"
        " points (with the gap to the next tier and to keeping this one); without one, the profile's text."
    ),
    operation_id="getCustomer",
    tags=["Customers"],
)
def get_customer(source_id: Annotated[SourceId, Path()]) -> CustomerResponse:
    return CustomerResponse.from_record(*tier_members.customer_with_tier(tenant_id(router), source_id))


lambda_handler = http_handler(router)
