"""DELETE /customers/{source_id}/tier: remove a manual tier override."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.schemas.common import SourceId
from shared.domain import tier_members

router = new_router()


@router.delete(
    "/customers/<source_id>/tier",
    summary="Remove a member's tier override",
    description="The member shows the tier it earned from now. Removing none is not an error. Answers 204.",
    operation_id="deleteCustomerTierOverride",
    tags=["Customers"],
    responses={204: {"description": "Removed", "content": {}}},
)
def delete_tier_override(source_id: Annotated[SourceId, Path()]) -> Response[None]:
    tier_members.clear_override(tenant_id(router), source_id)
    return Response(204)


lambda_handler = http_handler(router)
