"""GET /customers/{source_id}/rewards: the rewards this member can get now; ?explain=true: all, with why not."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit, QueryBoolean, SourceIdPath
from shared.api.schemas.common import ListResponse
from shared.api.schemas.rewards import MemberRewardResponse
from shared.domain import rewards

router = new_router()


@router.get(
    "/customers/<source_id>/rewards",
    summary="Rewards a customer is eligible for",
    description=(
        "The rewards this member can get now: active, inside the time window, in stock (a CAMPAIGN reward: its "
        "coupon can issue a code), and a member eligibility rule holds (`include_in_api_response` honoured), "
        "each with whether the member can afford it. With `explain=true` every reward is listed with, for each "
        "failed condition, what was required, what the member has and the gap. Paginated with `limit` and "
        "`cursor`, in reward id order; a page of large rewards may hold fewer than `limit`."
    ),
    operation_id="listCustomerRewards",
    tags=["Rewards"],
)
def list_customer_rewards(
    source_id: SourceIdPath,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
    explain: Annotated[
        QueryBoolean, Query(description="List every reward, each failed condition with what is required and the gap")
    ] = False,
) -> ListResponse[MemberRewardResponse]:
    return fitted(
        ListResponse[MemberRewardResponse],
        limit,
        lambda size: rewards.member_rewards(tenant_id(router), source_id, size, cursor, every=explain),
        lambda view: MemberRewardResponse.from_view(view, explain=explain),
    )


lambda_handler = http_handler(router)
