"""PATCH /rewards/{reward_id}: change a reward's settings (the whole reward is checked again)."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import RewardIdPath
from shared.api.schemas.rewards import RewardPatch, RewardResponse
from shared.domain import rewards

router = new_router()


@router.patch(
    "/rewards/<reward_id>",
    summary="Update a reward",
    description=(
        "Changes a reward; the whole reward is checked again. Its type and a CAMPAIGN reward's coupon never "
        "change, and stock cannot go below what was already redeemed."
    ),
    operation_id="updateReward",
    tags=["Rewards"],
)
def update_reward(reward_id: RewardIdPath, body: RewardPatch) -> RewardResponse:
    return RewardResponse.from_reward(rewards.update_reward(tenant_id(router), reward_id, body))


lambda_handler = http_handler(router)
