"""GET /campaigns/reward-progress: a customer's progress on every campaign rule (seed 000)."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.domain import progress
from shared.models.progress import CampaignProgress

router = new_router()


@router.get(
    "/campaigns/reward-progress",
    summary="Reward progress of a customer",
    description=(
        "Exactly seed 000's answer: each campaign with its rules and each rule's actions (`progress` in "
        "percent, `current`, `target`, `trigger`, `status`; AWT actions add `start_time`, `end_time`, "
        "`time_duration`, `time_left` and `expired`). The filters combine. An unknown customer answers the "
        "seed's 404 body."
    ),
    operation_id="getRewardProgress",
    tags=["Campaigns"],
)
def reward_progress(
    source_id: Annotated[str | None, Query(max_length=128)] = None,
    campaign_id: Annotated[str | None, Query(max_length=64)] = None,
    campaign_type: Annotated[Literal["loyalty", "referral"] | None, Query()] = None,
) -> list[CampaignProgress]:
    views = progress.reward_progress(tenant_id(router), source_id, campaign_id, campaign_type)
    return [CampaignProgress.from_view(v) for v in views]


lambda_handler = http_handler(router)
