"""GET /rewards: the catalog, paginated, filtered by type, brand and active."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit, QueryBoolean
from shared.api.schemas.common import Label, ListResponse
from shared.api.schemas.rewards import RewardResponse
from shared.domain import rewards
from shared.domain.reward_settings import RewardType

router = new_router()


@router.get(
    "/rewards",
    summary="List rewards",
    description=(
        "The application's rewards, paginated with `limit` and `cursor`, filtered by `type`, `brand` and "
        "`active`; a page of large rewards may hold fewer than `limit`. A CAMPAIGN reward shows its pool's "
        "counts (`coupons_info`), never its codes."
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
    return fitted(
        ListResponse[RewardResponse],
        limit,
        lambda size: rewards.list_rewards(
            tenant_id(router), size, cursor, reward_type=type, brand=brand, active=active
        ),
        RewardResponse.from_reward,
    )


lambda_handler = http_handler(router)
