"""GET /rewards/{reward_id}: one reward of the catalog."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import RewardIdPath
from shared.api.schemas.rewards import RewardResponse
from shared.domain import rewards

router = new_router()


@router.get(
    "/rewards/<reward_id>",
    summary="Get a reward",
    description=(
        "One reward, with `started`/`expired` computed from its time window and its pool's counts (never its "
        "codes). Another application's reward is a 404."
    ),
    operation_id="getReward",
    tags=["Rewards"],
)
def get_reward(reward_id: RewardIdPath) -> RewardResponse:
    return RewardResponse.from_reward(rewards.get_reward(tenant_id(router), reward_id))


lambda_handler = http_handler(router)
