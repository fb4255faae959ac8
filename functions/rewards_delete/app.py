"""DELETE /rewards/{reward_id}: disables the reward (its redemptions keep naming it)."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import RewardIdPath
from shared.api.schemas.rewards import RewardResponse
from shared.domain import rewards

router = new_router()


@router.delete(
    "/rewards/<reward_id>",
    summary="Disable a reward",
    description=(
        "Disables the reward (`is_active` false): it is no longer offered or redeemable; redemptions made "
        "stay, and can still be cancelled."
    ),
    operation_id="disableReward",
    tags=["Rewards"],
)
def disable_reward(reward_id: RewardIdPath) -> RewardResponse:
    return RewardResponse.from_reward(rewards.disable_reward(tenant_id(router), reward_id))


lambda_handler = http_handler(router)
