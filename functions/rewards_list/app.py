"""GET /rewards: the catalog, paginated, filtered by type, brand and active."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit, QueryBoolean
from shared.domain import rewards
from shared.models.common import Label, ListResponse
from shared.models.rewards import RewardResponse, RewardType

router = new_router()


@router.get(
    "/rewards",
    summary="List rewards",
    description=(
        "The application's rewards, paginated with `limit` and `cursor`, filtered by `type`, `brand` and "
        "`active`. A CAMPAIGN reward shows its pool's counts (`coupons_info`), never its codes."
    ),
    operation_id="listRewards",
    tags=["Rewards"],
)
def list_rewards(
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
    type: Annotated[RewardType | None, Query(description="MATERIAL, CAMPAIGN or COIN")] = None,
    brand: Annotated[Label | None, Query()] = None,
    active: Annotated[QueryBoolean | None, Query(description="true: active rewards only; false: disabled ones")] = None,
) -> ListResponse[RewardResponse]:
    found, next_cursor = rewards.list_rewards(
        tenant_id(router), limit, cursor, reward_type=type, brand=brand, active=active
    )
    return ListResponse[RewardResponse](
        data=[RewardResponse.from_reward(r) for r in found], has_more=next_cursor is not None, next_cursor=next_cursor
    )


lambda_handler = http_handler(router)
