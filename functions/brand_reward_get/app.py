"""GET /api_gateway/rewards/core/v1/user/reward/{rewardId}/brand/{brandName}: Capillary's brand reward (seed 003)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import BrandNamePath
from shared.api.schemas.capillary import CapillaryRewardResponse
from shared.api.schemas.common import SourceId
from shared.domain import capillary
from shared.domain.reward_settings import Language

router = new_router()


@router.get(
    "/api_gateway/rewards/core/v1/user/reward/<rewardId>/brand/<brandName>",
    summary="Get a brand's reward (Capillary-compatible)",
    description=(
        "Capillary's get-brand-reward (seed 003): the reward in Capillary's envelope and camelCase fields, "
        "`started`/`expired` computed from its window, texts in `language` (falling back to the default) and,"
        " with `userId`, `rewardRestrictions.isValid` for that member. A missing, disabled or other-brand "
        "reward answers code 6004."
    ),
    operation_id="getBrandReward",
    tags=["Compatibility"],
    responses={
        200: {"description": "The reward, in Capillary's envelope"},
        404: {
            "description": "Capillary's 6004: the reward is missing, disabled or of another brand",
            "content": {"application/json": {"model": CapillaryRewardResponse}},
        },
    },
)
def get_brand_reward(
    rewardId: Annotated[str, Path(min_length=1, max_length=64, description="rew_… id")],
    brandName: BrandNamePath,
    userId: Annotated[SourceId | None, Query(description="source_id: isValid says whether they may redeem it")] = None,
    language: Annotated[Language | None, Query(description="en, ja, fr…: texts in it, else the default")] = None,
) -> Response[CapillaryRewardResponse]:
    found = capillary.brand_reward(tenant_id(router), rewardId, brandName, userId, language)
    if found is None:
        return Response(404, content_types.APPLICATION_JSON, CapillaryRewardResponse.not_found())
    return Response(200, content_types.APPLICATION_JSON, CapillaryRewardResponse.from_brand_reward(found))


lambda_handler = http_handler(router)
