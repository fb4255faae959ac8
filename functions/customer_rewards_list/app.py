"""GET /customers/{source_id}/rewards: the rewards this member can get now; ?explain=true: all, with why not."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import QueryBoolean, SourceIdPath
from shared.domain import rewards
from shared.models.common import ListResponse
from shared.models.rewards import MemberRewardResponse

router = new_router()


@router.get(
    "/customers/<source_id>/rewards",
    summary="Rewards a customer is eligible for",
    description=(
        "The rewards this member can get now: active, inside the time window, in stock, and a member "
        "eligibility rule holds (`include_in_api_response` honoured), each with whether the member can afford"
        " it. With `explain=true` every reward is listed with, for each failed condition, what was required, "
        "what the member has and the gap."
    ),
    operation_id="listCustomerRewards",
    tags=["Rewards"],
)
def list_customer_rewards(
    source_id: SourceIdPath,
    explain: Annotated[
        QueryBoolean, Query(description="List every reward, each failed condition with what is required and the gap")
    ] = False,
) -> ListResponse[MemberRewardResponse]:
    views = rewards.member_rewards(tenant_id(router), source_id)
    shown = views if explain else [view for view in views if view.listed]
    return ListResponse[MemberRewardResponse](
        data=[MemberRewardResponse.from_view(view, explain=explain) for view in shown], has_more=False, next_cursor=None
    )


lambda_handler = http_handler(router)
